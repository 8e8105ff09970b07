import { sql } from 'kysely';
import { z } from 'zod';
import { pruneRateLimits } from '../auth/rate-limit.js';
import { defineJob } from './runner.js';

/** Finished jobs are kept for a while to investigate failures, then removed. */
export const pruneFinishedJobs = defineJob({
  name: 'platform.prune-finished-jobs',
  payload: z.object({ keepDays: z.number().int().min(1).max(3650).default(30) }),
  schedule: { cron: '15 3 * * *', payload: { keepDays: 30 } },
  async handle({ db, payload, logger }) {
    // Deleting already-deleted rows is a no-op, so a retry is harmless.
    const result = await db
      .deleteFrom('jobs')
      .where('status', 'in', ['succeeded', 'failed'])
      .where('finished_at', '<', sql<Date>`now() - (interval '1 day' * ${payload.keepDays})`)
      .executeTakeFirst();
    // Sent mail carries addresses and names: keep it one day only, for support questions.
    const mail = await db
      .deleteFrom('jobs')
      .where('name', '=', 'platform.send-mail')
      .where('status', '=', 'succeeded')
      .where('finished_at', '<', sql<Date>`now() - interval '1 day'`)
      .executeTakeFirst();
    logger.info({ deleted: Number(result.numDeletedRows) + Number(mail.numDeletedRows) }, 'pruned finished jobs');
  },
});

/**
 * Sign-in leftovers: rate-limit windows, used or expired e-mail challenges, and sessions that ended a
 * month ago (kept that long so a person can still see a recently revoked device).
 */
export const pruneSignInLeftovers = defineJob({
  name: 'platform.prune-sign-in-leftovers',
  payload: z.object({}),
  schedule: { cron: '45 3 * * *', payload: {} },
  async handle({ db, logger }) {
    const windows = await pruneRateLimits(db);
    const challenges = await db
      .deleteFrom('email_challenges')
      .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
      .executeTakeFirst();
    const sessions = await db
      .deleteFrom('sessions')
      .where((eb) =>
        eb.or([
          eb('expires_at', '<', sql<Date>`now() - interval '30 days'`),
          eb('revoked_at', '<', sql<Date>`now() - interval '30 days'`),
        ]),
      )
      .executeTakeFirst();
    logger.info(
      {
        rateLimitWindows: windows,
        emailChallenges: Number(challenges.numDeletedRows),
        sessions: Number(sessions.numDeletedRows),
      },
      'pruned sign-in leftovers',
    );
  },
});

export const maintenanceJobs = [pruneFinishedJobs, pruneSignInLeftovers];
