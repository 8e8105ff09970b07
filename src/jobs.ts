import { passkeyJobs, verificationJobs } from './modules/identity/index.js';
import { demoInsightsJob } from './demo/demo-insights.js';
import { insightsJobs } from './modules/insights/index.js';
import { deliverySettingsFrom, notificationJobs, postJobs, surveyJobs } from './modules/outreach/index.js';
import { inactivityJobs, renewalJobs } from './modules/registrations/index.js';
import { loadConfig, type Config } from './platform/config.js';
import type { Mailer } from './platform/mail/mailer.js';
import { mailJobs } from './platform/mail/mail.jobs.js';
import { maintenanceJobs } from './platform/jobs/maintenance.js';
import type { JobDefinition } from './platform/jobs/runner.js';

/**
 * Every job the process knows, from the platform and the modules, wired to what they need. `publicUrl`
 * goes into links in mails sent by jobs; `clock` lets tests decide when a scheduled run thinks it is.
 */
export function buildJobDefinitions(services: {
  mailer: Mailer;
  publicUrl?: string;
  clock?: () => Date;
  /** The process configuration; tests leave it out and get the development defaults. */
  config?: Config;
}): JobDefinition[] {
  const config = services.config ?? loadConfig({});
  const delivery = deliverySettingsFrom({ ...config, PUBLIC_URL: services.publicUrl ?? config.PUBLIC_URL });
  return [
    ...maintenanceJobs,
    ...mailJobs(services.mailer),
    ...passkeyJobs,
    ...verificationJobs,
    ...surveyJobs,
    ...inactivityJobs({
      ...(services.publicUrl ? { publicUrl: services.publicUrl } : {}),
      ...(services.clock ? { clock: services.clock } : {}),
    }),
    ...renewalJobs(services.clock ? { clock: services.clock } : {}),
    ...notificationJobs({ settings: delivery, ...(services.clock ? { clock: services.clock } : {}) }),
    ...insightsJobs(services.clock ? { clock: services.clock } : {}),
    demoInsightsJob as JobDefinition,
    ...postJobs(services.clock ? { clock: services.clock } : {}),
  ];
}
