import { z } from 'zod';
import { defineJob, type JobDefinition } from '../../platform/jobs/runner.js';
import { announcePost, announcePostSpec, publishPostSpec, publishScheduledPost } from './posts.service.js';
import { checkSavedSearches } from './search.service.js';

export const checkSavedSearchesSpec = {
  name: 'outreach.check-saved-searches',
  payload: z.object({ now: z.iso.datetime().optional() }),
  maxAttempts: 5,
} as const;

/**
 * Posts in the background:
 *   schedulePost ──► publish-post at publish_at ──► announce-post (registrants, 5,000 per transaction)
 *   publishPost  ──────────────────────────────────► announce-post
 *   check-saved-searches (every 15 minutes) ──► outreach.saved_search notifications
 * Counts only in logs.
 */
export function postJobs(options: { clock?: () => Date } = {}): JobDefinition[] {
  const clock = options.clock ?? (() => new Date());
  return [
    defineJob({
      ...publishPostSpec,
      async handle({ db, payload, logger }) {
        const publishAt = new Date(payload.publishAt);
        const now = clock();
        const published = await publishScheduledPost({
          db,
          lgCode: payload.lgCode,
          postId: payload.postId,
          publishAt,
          // The job is due at publish_at; a clock a moment behind the database's must not skip it.
          now: now < publishAt ? publishAt : now,
        });
        logger.info({ lgCode: payload.lgCode, published }, 'scheduled post');
      },
    }),
    defineJob({
      ...announcePostSpec,
      async handle({ db, payload, logger }) {
        const notified = await announcePost({ db, lgCode: payload.lgCode, postId: payload.postId });
        logger.info({ lgCode: payload.lgCode, notified }, 'post announced to registrants');
      },
    }),
    defineJob({
      ...checkSavedSearchesSpec,
      schedule: { cron: '*/15 * * * *', payload: {} },
      async handle({ db, payload, logger }) {
        const counts = await checkSavedSearches({ db, now: payload.now ? new Date(payload.now) : clock() });
        if (counts.checked > 0) logger.info(counts, 'saved searches checked');
      },
    }),
  ] as JobDefinition[];
}
