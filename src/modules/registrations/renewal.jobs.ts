import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../platform/db/schema.js';
import { defineJob, enqueueJob, enqueueJobs, type JobDefinition } from '../../platform/jobs/runner.js';
import { japanDate } from '../../platform/time.js';
import * as inactivity from './inactivity.repository.js';
import { deliverPremiumNotices, premiumNoticeSpec, runRenewalForTenant, sendPremiumNotice } from './renewal.service.js';

// The nightly premium renewal run (renewal.service.ts has the rule), shaped like the inactivity run:
//   premium-renewal-run (cron) ──► premium-renewal-tenant × every participating government, same `now`
//                              └─► premium-renewal-notify: once no tenant job of the run is left, one
//                                  mail per person and kind
// Every job carries the run's `now`, so a retry, a late worker or a test sees the same instant.

const isoInstant = z.iso.datetime();

export const renewalRunSpec = {
  name: 'registrations.premium-renewal-run',
  /** `now` for a run by hand or in a test; the schedule leaves it out and the clock decides. */
  payload: z.object({ now: isoInstant.optional() }),
  maxAttempts: 5,
} as const;

export const renewalTenantSpec = {
  name: 'registrations.premium-renewal-tenant',
  payload: z.object({
    lgCode: z.string().regex(/^\d{6}$/),
    now: isoInstant,
    batchSize: z.number().int().min(1).max(50_000).optional(),
  }),
  maxAttempts: 8,
} as const;

export const renewalNotifySpec = {
  name: 'registrations.premium-renewal-notify',
  /** `round` counts the times it found tenant jobs still running and came back later. */
  payload: z.object({ now: isoInstant, round: z.number().int().min(0) }),
  maxAttempts: 5,
} as const;

const notifyWaitMs = 60_000;
const notifyMaxRounds = 24 * 60;

/** One tenant job per government and Japanese calendar day: a second run that day adds nothing. */
export function renewalTenantKey(lgCode: string, now: Date): string {
  return `${renewalTenantSpec.name}:${japanDate(now)}:${lgCode}`;
}

function notifyKey(now: Date, round: number): string {
  return `${renewalNotifySpec.name}:${japanDate(now)}:${round}`;
}

/**
 * Fans the run out: one job per participating government and the notify job, in one transaction, so
 * every job of the run carries the same `now` even if this job is retried.
 */
export async function startRenewalRun(options: {
  db: Kysely<Database>;
  now: Date;
}): Promise<{ tenants: number; enqueued: number }> {
  const { db, now } = options;
  const tenants = await inactivity.listParticipatingTenants(db);
  const at = Date.now();
  return db.transaction().execute(async (trx) => {
    const enqueued = await enqueueJobs(
      trx,
      renewalTenantSpec,
      tenants.map((lgCode) => ({
        payload: { lgCode, now: now.toISOString() },
        lgCode,
        idempotencyKey: renewalTenantKey(lgCode, now),
        runAt: new Date(at),
      })),
    );
    // Due a moment after the tenant jobs: a single worker (PGlite) takes it last and finds them done.
    await enqueueJob(
      trx,
      renewalNotifySpec,
      { now: now.toISOString(), round: 0 },
      { idempotencyKey: notifyKey(now, 0), runAt: new Date(at + 1) },
    );
    return { tenants: tenants.length, enqueued };
  });
}

export function renewalJobs(options: { clock?: () => Date } = {}): JobDefinition[] {
  const clock = options.clock ?? (() => new Date());
  return [
    defineJob({
      ...renewalRunSpec,
      // 05:00 Japan time: after the nightly maintenance (03:00–04:00) and before the inactivity run
      // (06:00), so the two never share the embedded database's one session.
      schedule: { cron: '0 5 * * *', payload: {} },
      async handle({ db, payload, logger }) {
        const now = payload.now ? new Date(payload.now) : clock();
        const started = await startRenewalRun({ db, now });
        logger.info(started, 'premium renewal run started');
      },
    }),
    defineJob({
      ...renewalTenantSpec,
      async handle({ db, payload, logger }) {
        const startedAt = performance.now();
        const counts = await runRenewalForTenant({
          db,
          lgCode: payload.lgCode,
          now: new Date(payload.now),
          ...(payload.batchSize ? { batchSize: payload.batchSize } : {}),
        });
        // Counts only: no person ids or addresses in logs.
        logger.info(
          { lgCode: payload.lgCode, ...counts, ms: Math.round(performance.now() - startedAt) },
          'premium renewal run of a government',
        );
      },
    }),
    defineJob({
      ...renewalNotifySpec,
      async handle({ db, payload, logger }) {
        const now = new Date(payload.now);
        const keys = (await inactivity.listAllTenants(db)).map((lgCode) => renewalTenantKey(lgCode, now));
        const waiting = await inactivity.countUnfinishedJobs(db, keys);
        if (waiting > 0 && payload.round < notifyMaxRounds) {
          // A successor rather than a failure: waiting is normal, and it should not use up attempts.
          await enqueueJob(
            db,
            renewalNotifySpec,
            { now: payload.now, round: payload.round + 1 },
            { idempotencyKey: notifyKey(now, payload.round + 1), runAt: new Date(Date.now() + notifyWaitMs) },
          );
          logger.info({ waiting, round: payload.round }, 'premium notices wait for the governments still running');
          return;
        }
        const delivered = await deliverPremiumNotices({ db, now });
        logger.info({ ...delivered, waiting }, 'premium notices delivered');
      },
    }),
    defineJob({
      ...premiumNoticeSpec,
      async handle({ db, payload, jobId }) {
        await sendPremiumNotice({ db, notice: payload, jobId });
      },
    }),
  ] as JobDefinition[];
}
