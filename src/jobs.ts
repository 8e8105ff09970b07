import { passkeyJobs, verificationJobs } from './modules/identity/index.js';
import type { Mailer } from './platform/mail/mailer.js';
import { mailJobs } from './platform/mail/mail.jobs.js';
import { maintenanceJobs } from './platform/jobs/maintenance.js';
import type { JobDefinition } from './platform/jobs/runner.js';

/** Every job the process knows, from the platform and the modules, wired to what they need. */
export function buildJobDefinitions(services: { mailer: Mailer }): JobDefinition[] {
  return [...maintenanceJobs, ...mailJobs(services.mailer), ...passkeyJobs, ...verificationJobs];
}
