import type { Kysely } from 'kysely';
import { z } from 'zod';
import { defineJob, enqueueJob } from '../platform/jobs/runner.js';
import { refreshInsights } from '../modules/insights/index.js';
import type { Database } from '../platform/db/schema.js';
import { withTenant } from '../platform/db/tenant-scope.js';
import type { Logger } from '../platform/logger.js';
import {
  insertSyntheticPopulation,
  kesennumaResidences,
  syntheticActivities,
  syntheticRegistrations,
} from './synthetic-population.js';

/** Every synthetic registrant's name starts with this, so staff pages show what they are. */
export const demoSyntheticLabel = '（合成データ）登録者';

const kesennuma = '042056';
const miyagi = '040002';

async function hasSyntheticRows(db: Kysely<Database>, lgCode: string): Promise<boolean> {
  const row = await withTenant(db, lgCode, (scope) =>
    scope.trx
      .selectFrom('registrations')
      .select('id')
      .where('lg_code', '=', lgCode)
      .where('shared_name', 'like', `${demoSyntheticLabel}%`)
      .limit(1)
      .executeTakeFirst(),
  );
  return row !== undefined;
}

async function hasSyntheticActivities(db: Kysely<Database>, lgCode: string): Promise<boolean> {
  const row = await withTenant(db, lgCode, (scope) =>
    scope.trx
      .selectFrom('organisations')
      .select('id')
      .where('lg_code', '=', lgCode)
      .where('name', 'like', '（合成データ）%')
      .limit(1)
      .executeTakeFirst(),
  );
  return row !== undefined;
}

/**
 * A synthetic population for the demo dashboards of 気仙沼市 and 宮城県: 700 registrations with
 * 気仙沼市 over the last 20 months (most also linked to 宮城県), 150 direct ones with 宮城県, and a year
 * of 担い手 activities in 気仙沼市. Made by a job after the demo starts (so the first start is not slowed), once:
 * each government's part is checked for and written in its own transaction, so an interrupted run
 * finishes on the next start. Returns whether anything was added.
 */
export async function seedDemoInsights(db: Kysely<Database>, logger?: Logger, now = new Date()): Promise<boolean> {
  const town = syntheticRegistrations({
    seed: 20260401,
    lgCode: kesennuma,
    count: 700,
    now,
    days: 600,
    residences: kesennumaResidences,
    premiumShare: 0.12,
    withdrawnShare: 0.05,
    releasedShare: 0.03,
    prefectureLink: { lgCode: miyagi, share: 0.85 },
    label: demoSyntheticLabel,
  });
  const prefecture = syntheticRegistrations({
    seed: 20260402,
    lgCode: miyagi,
    count: 150,
    now,
    days: 600,
    residences: kesennumaResidences,
    premiumShare: 0.05,
    withdrawnShare: 0.04,
    releasedShare: 0.02,
    label: demoSyntheticLabel,
  });
  let added = 0;
  for (const lgCode of [kesennuma, miyagi]) {
    if (await hasSyntheticRows(db, lgCode)) continue;
    const rows = [...town, ...prefecture].filter((row) => row.lg_code === lgCode);
    await insertSyntheticPopulation(db, rows);
    added += rows.length;
  }
  let attendance = 0;
  if (!(await hasSyntheticActivities(db, kesennuma))) {
    const activities = syntheticActivities({
      seed: 20260401,
      lgCode: kesennuma,
      now,
      days: 360,
      everyDays: 6,
      registrations: town,
      attendanceShare: 0.04,
      label: '（合成データ）',
    });
    await insertSyntheticPopulation(db, [], [activities]);
    attendance = activities.attendance.length;
  }
  if (added === 0 && attendance === 0) return false;
  await refreshInsights({ db, now });
  logger?.info({ registrations: added, attendance }, 'demo insights population loaded');
  return true;
}

/** The job that makes the synthetic population after a demo start (enqueued once by `seedDemoData`). */
export const demoInsightsJob = defineJob({
  name: 'demo.insights-population',
  payload: z.object({}),
  maxAttempts: 3,
  async handle({ db, logger }) {
    await seedDemoInsights(db, logger);
  },
});

/** Enqueues the job once per database (its idempotency key). */
export async function enqueueDemoInsights(db: Kysely<Database>): Promise<void> {
  await enqueueJob(db, demoInsightsJob, {}, { idempotencyKey: 'demo:insights-population' });
}
