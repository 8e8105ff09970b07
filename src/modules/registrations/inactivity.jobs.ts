import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../platform/db/schema.js';
import { defineJob, enqueueJob, enqueueJobs, type JobDefinition } from '../../platform/jobs/runner.js';
import { japanDate } from '../../platform/time.js';
import * as repository from './inactivity.repository.js';
import {
  deliverInactivityNotices,
  inactivityNoticeSpec,
  runInactivityForTenant,
  sendInactivityNotice,
} from './inactivity.service.js';

// The nightly inactivity run (inactivity.service.ts has the rule):
//   inactivity-run (cron) ──► inactivity-tenant × every participating government, same `now`
//                         └─► inactivity-notify: once no tenant job of the run is left, one mail per person
// Every job carries the run's `now`, so a retry, a late worker or a test sees the same instant.

const isoInstant = z.iso.datetime();

export const inactivityRunSpec = {
  name: 'registrations.inactivity-run',
  /** `now` for a run by hand or in a test; the schedule leaves it out and the clock decides. */
  payload: z.object({ now: isoInstant.optional() }),
  maxAttempts: 5,
} as const;

export const inactivityTenantSpec = {
  name: 'registrations.inactivity-tenant',
  payload: z.object({
    lgCode: z.string().regex(/^\d{6}$/),
    now: isoInstant,
    batchSize: z.number().int().min(1).max(50_000).optional(),
  }),
  maxAttempts: 8,
} as const;

export const inactivityNotifySpec = {
  name: 'registrations.inactivity-notify',
  /** `round` counts the times it found tenant jobs still running and came back later. */
  payload: z.object({ now: isoInstant, round: z.number().int().min(0) }),
  maxAttempts: 5,
} as const;

/** How long the notify job waits before looking again, and how often it looks before sending anyway. */
const notifyWaitMs = 60_000;
const notifyMaxRounds = 24 * 60;

/** One tenant job per government and Japanese calendar day: a second run that day adds nothing. */
export function tenantRunKey(lgCode: string, now: Date): string {
  return `${inactivityTenantSpec.name}:${japanDate(now)}:${lgCode}`;
}

function notifyKey(now: Date, round: number): string {
  return `${inactivityNotifySpec.name}:${japanDate(now)}:${round}`;
}

/**
 * Fans the run out: one job per participating government and the notify job, in one transaction, so
 * every job of the run carries the same `now` even if this job is retried.
 */
export async function startInactivityRun(options: {
  db: Kysely<Database>;
  now: Date;
}): Promise<{ tenants: number; enqueued: number }> {
  const { db, now } = options;
  const tenants = await repository.listParticipatingTenants(db);
  const at = Date.now();
  return db.transaction().execute(async (trx) => {
    const enqueued = await enqueueJobs(
      trx,
      inactivityTenantSpec,
      tenants.map((lgCode) => ({
        payload: { lgCode, now: now.toISOString() },
        lgCode,
        idempotencyKey: tenantRunKey(lgCode, now),
        runAt: new Date(at),
      })),
    );
    // Due a moment after the tenant jobs: a single worker (PGlite) takes it last and finds them done.
    await enqueueJob(
      trx,
      inactivityNotifySpec,
      { now: now.toISOString(), round: 0 },
      { idempotencyKey: notifyKey(now, 0), runAt: new Date(at + 1) },
    );
    return { tenants: tenants.length, enqueued };
  });
}

export function inactivityJobs(options: { publicUrl?: string; clock?: () => Date } = {}): JobDefinition[] {
  const clock = options.clock ?? (() => new Date());
  return [
    defineJob({
      ...inactivityRunSpec,
      // 06:00 Japan time: after the nightly maintenance (03:00–04:00), before people start their day.
      schedule: { cron: '0 6 * * *', payload: {} },
      async handle({ db, payload, logger }) {
        const now = payload.now ? new Date(payload.now) : clock();
        const started = await startInactivityRun({ db, now });
        logger.info(started, 'inactivity run started');
      },
    }),
    defineJob({
      ...inactivityTenantSpec,
      async handle({ db, payload, logger }) {
        const startedAt = performance.now();
        const counts = await runInactivityForTenant({
          db,
          lgCode: payload.lgCode,
          now: new Date(payload.now),
          ...(payload.batchSize ? { batchSize: payload.batchSize } : {}),
        });
        // Counts only: no person ids or addresses in logs.
        logger.info(
          { lgCode: payload.lgCode, ...counts, ms: Math.round(performance.now() - startedAt) },
          'inactivity run of a government',
        );
      },
    }),
    defineJob({
      ...inactivityNotifySpec,
      async handle({ db, payload, logger }) {
        const now = new Date(payload.now);
        const keys = (await repository.listAllTenants(db)).map((lgCode) => tenantRunKey(lgCode, now));
        const waiting = await repository.countUnfinishedJobs(db, keys);
        if (waiting > 0 && payload.round < notifyMaxRounds) {
          // A successor rather than a failure: waiting is normal, and it should not use up attempts.
          await enqueueJob(
            db,
            inactivityNotifySpec,
            { now: payload.now, round: payload.round + 1 },
            { idempotencyKey: notifyKey(now, payload.round + 1), runAt: new Date(Date.now() + notifyWaitMs) },
          );
          logger.info({ waiting, round: payload.round }, 'inactivity notices wait for the governments still running');
          return;
        }
        const delivered = await deliverInactivityNotices({
          db,
          now,
          ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
        });
        logger.info({ ...delivered, waiting }, 'inactivity notices delivered');
      },
    }),
    defineJob({
      ...inactivityNoticeSpec,
      async handle({ db, payload, jobId }) {
        await sendInactivityNotice({
          db,
          notice: payload,
          jobId,
          ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
        });
      },
    }),
  ] as JobDefinition[];
}
