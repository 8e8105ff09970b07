import { maintenanceJobs } from './platform/jobs/maintenance.js';
import type { JobDefinition } from './platform/jobs/runner.js';

/** Every job the process knows, from the platform and the modules. */
export const jobDefinitions: JobDefinition[] = [...maintenanceJobs];
