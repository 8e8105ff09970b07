import { z } from 'zod';
import { defineJob, type JobDefinition } from '../../platform/jobs/runner.js';
import { recomputeActivity, refreshInsights } from './insights.service.js';

/**
 * Keeping the figures current:
 *   insights.refresh (every minute): fold the registration deltas, recompute the activity figures of
 *     governments whose activities changed (the first run on a database rebuilds everything);
 *   insights.activity-nightly (04:30): recompute every government's activity figures, since the
 *     12-month and premium windows move with the date even when nothing changes.
 * Both are idempotent: a retry folds what is left, recomputation overwrites.
 */
export function insightsJobs(options: { clock?: () => Date } = {}): JobDefinition[] {
  const clock = options.clock ?? (() => new Date());
  return [
    defineJob({
      name: 'insights.refresh',
      payload: z.object({}),
      maxAttempts: 3,
      schedule: { cron: '* * * * *', payload: {} },
      async handle({ db, logger }) {
        const result = await refreshInsights({ db, now: clock() });
        if (result.deltas > 0 || result.activityGovernments > 0 || result.rebuilt) {
          logger.info(result, 'insights refreshed');
        }
      },
    }),
    defineJob({
      name: 'insights.activity-nightly',
      payload: z.object({}),
      maxAttempts: 3,
      schedule: { cron: '30 4 * * *', payload: {} },
      async handle({ db, logger }) {
        const governments = await recomputeActivity({ db, now: clock() });
        logger.info({ governments }, 'insights activity recomputed');
      },
    }),
  ] as JobDefinition[];
}
