import type { Kysely } from 'kysely';
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

/**
 * A synthetic population for the demo dashboards of 気仙沼市 and 宮城県: 700 registrations with
 * 気仙沼市 over the last 20 months (most also linked to 宮城県), 150 direct ones with 宮城県, and a year
 * of 担い手 activities in 気仙沼市. Only on demo start, once (the first synthetic row marks it done).
 */
export async function seedDemoInsights(db: Kysely<Database>, logger?: Logger, now = new Date()): Promise<boolean> {
  const present = await withTenant(db, kesennuma, (scope) =>
    scope.trx
      .selectFrom('registrations')
      .select('id')
      .where('lg_code', '=', kesennuma)
      .where('shared_name', 'like', `${demoSyntheticLabel}%`)
      .limit(1)
      .executeTakeFirst(),
  );
  if (present) return false;
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
  await insertSyntheticPopulation(db, [...town, ...prefecture], [activities]);
  await refreshInsights({ db, now });
  logger?.info(
    { registrations: town.length + prefecture.length, attendance: activities.attendance.length },
    'demo insights population loaded',
  );
  return true;
}
