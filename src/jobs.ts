import { passkeyJobs, verificationJobs } from './modules/identity/index.js';
import { demoInsightsJob } from './demo/demo-insights.js';
import { insightsJobs } from './modules/insights/index.js';
import { inactivityJobs } from './modules/registrations/index.js';
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
}): JobDefinition[] {
  return [
    ...maintenanceJobs,
    ...mailJobs(services.mailer),
    ...passkeyJobs,
    ...verificationJobs,
    ...inactivityJobs({
      ...(services.publicUrl ? { publicUrl: services.publicUrl } : {}),
      ...(services.clock ? { clock: services.clock } : {}),
    }),
    ...insightsJobs(services.clock ? { clock: services.clock } : {}),
    demoInsightsJob as JobDefinition,
  ];
}
