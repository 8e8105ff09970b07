import {
  activityPages,
  activityRoutes,
  checkinPages,
  staffActivityPages,
  staffActivityRoutes,
} from './modules/activities/index.js';
import {
  identityPages,
  identityRoutes,
  passkeyPages,
  passkeyRoutes,
  privacyPages,
  verificationPages,
  verificationRoutes,
} from './modules/identity/index.js';
import { insightsPages, insightsRoutes } from './modules/insights/index.js';
import { municipalityPages, municipalityRoutes } from './modules/municipalities/index.js';
import {
  loadUnreadNotifications,
  notificationPages,
  notificationRoutes,
  postPages,
  postRoutes,
  searchPages,
} from './modules/outreach/index.js';
import {
  cardPages,
  cardRoutes,
  registrationPages,
  registrationRoutes,
  staffRegistrationPages,
  staffRegistrationRoutes,
} from './modules/registrations/index.js';
import { staffPages, staffRoutes } from './modules/staff/index.js';
import { roomPages, roomRoutes, surveyPages, surveyRoutes } from './modules/outreach/index.js';
import { createApp, type AppDeps, type AppRouter } from './platform/http/app.js';
import { systemRoutes } from './platform/http/system.routes.js';
import { mailboxPages } from './platform/mail/mailbox.pages.js';
import { demoPages } from './demo/demo.pages.js';
import { renderErrorPage } from './platform/ui/error-page.js';

/** Composition root of the HTTP side: the platform layer, then each module's API and pages. */
export function buildApp(deps: AppDeps): AppRouter {
  const app = createApp(deps, { renderErrorPage });
  app.use(loadUnreadNotifications);
  app.route('/', municipalityRoutes());
  app.route('/', municipalityPages());
  // Before the staff pages: /staff/checkin-sw.js is not a government code.
  app.route('/', checkinPages());
  app.route('/', identityRoutes());
  app.route('/', identityPages());
  app.route('/', staffRoutes());
  app.route('/', staffPages());
  app.route('/', staffRegistrationRoutes());
  app.route('/', staffRegistrationPages());
  app.route('/', passkeyRoutes());
  app.route('/', passkeyPages());
  app.route('/', verificationRoutes());
  app.route('/', verificationPages());
  app.route('/', privacyPages());
  app.route('/', registrationRoutes());
  app.route('/', registrationPages());
  app.route('/', cardRoutes());
  app.route('/', cardPages());
  app.route('/', activityRoutes());
  app.route('/', activityPages());
  app.route('/', staffActivityRoutes());
  app.route('/', staffActivityPages());
  app.route('/', notificationRoutes());
  app.route('/', notificationPages());
  // Outreach, part B: surveys and community rooms.
  app.route('/', surveyRoutes());
  app.route('/', surveyPages());
  app.route('/', roomRoutes());
  app.route('/', roomPages());
  app.route('/', insightsRoutes());
  app.route('/', insightsPages());
  app.route('/', postRoutes());
  app.route('/', postPages());
  app.route('/', searchPages());
  app.route('/', mailboxPages());
  app.route('/', demoPages());
  app.route('/', systemRoutes(app));
  return app;
}
