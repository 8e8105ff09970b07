import { sql, type Kysely, type Transaction } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../platform/db/schema.js';
import { appRole, ownedBy, withTenantInTransaction, type TenantScope } from '../../platform/db/tenant-scope.js';

/**
 * All SQL of insights. The rollup tables are read and written only inside `withInsights`, which declares
 * the purpose to row-level security (`app.insights`): 'system' for the fold and the rebuild, 'reader' for
 * the dashboards. Tenant tables (registrations, attendance) are read in the government's own scope.
 */

export type InsightsMode = 'reader' | 'system';

/** Scopes of the rollups; see migration 0030. */
export const scopes = {
  government: (lgCode: string) => `lg:${lgCode}`,
  municipalitiesOf: (prefectureCode: string) => `pref:${prefectureCode}`,
  area: (prefectureCode: string) => `area:${prefectureCode}`,
  national: 'national',
} as const;

/** Every scope a government's figures add to: itself, its prefecture's municipalities, its area, the nation. */
export function scopesOfGovernment(lgCode: string, options: { linkRegistration?: boolean } = {}): string[] {
  const prefectureCode = lgCode.slice(0, 2);
  const isPrefecture = lgCode.slice(2, 5) === '000';
  return [
    scopes.government(lgCode),
    ...(isPrefecture ? [] : [scopes.municipalitiesOf(prefectureCode)]),
    ...(options.linkRegistration ? [] : [scopes.area(prefectureCode), scopes.national]),
  ];
}

/** One transaction as the application role with the insights purpose set (and no tenant). */
export async function withInsights<T>(
  db: Kysely<Database>,
  mode: InsightsMode,
  work: (trx: Transaction<Database>) => Promise<T>,
  options: { isolation?: 'repeatable read' } = {},
): Promise<T> {
  const builder = options.isolation ? db.transaction().setIsolationLevel(options.isolation) : db.transaction();
  return builder.execute(async (trx) => {
    // One round trip: a statement without parameters goes as a simple query, which may hold several.
    await sql
      .raw(
        `SET LOCAL ROLE ${appRole}; SET LOCAL app.insights = '${mode}'; SET LOCAL app.lg_code = ''; SET LOCAL app.person_id = ''`,
      )
      .execute(trx);
    return work(trx);
  });
}

/**
 * Folds, rebuilds and activity recomputations of the whole platform take one session-level advisory
 * lock, so two never interleave (a rebuild would otherwise discard deltas a fold is adding up).
 */
export async function withRefreshLock<T>(db: Kysely<Database>, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(hashtext('furusato.insights.refresh'))`.execute(connection);
    try {
      return await work(connection);
    } finally {
      await sql`select pg_advisory_unlock(hashtext('furusato.insights.refresh'))`.execute(connection);
    }
  });
}

/**
 * Takes up to `batchSize` deltas and adds them to the rollups of every scope they belong to, in one
 * statement: the deltas are deleted exactly when their sums are added. Returns how many were folded.
 */
export async function foldDeltaBatch(trx: Transaction<Database>, batchSize: number): Promise<number> {
  const result = await sql<{ deltas: string }>`
    with taken as (
      delete from insights_deltas d
      where (d.lg_code, d.id) in (select lg_code, id from insights_deltas limit ${batchSize})
      returning d.*
    ),
    -- Added up per government first (many deltas share cells), then per scope: far fewer rows to spread.
    state_cells_lg as (
      select t.lg_code, t.origin, c.dimension, c.key, sum(t.sign)::bigint as delta
      from taken t
      cross join lateral (
        select 'own_residence'::text as dimension, 'all'::text as key where t.category = 'own'
        union all
        select v.dimension, v.key from (values
          ('total', 'all'),
          ('tier', t.category),
          ('origin', t.origin),
          ('residence_prefecture', coalesce(t.residence_prefecture_code, 'unknown')),
          ('residence_municipality', t.residence_lg_code),
          ('age_band', coalesce(t.age_band, 'unknown')),
          ('long_stay', case when t.long_stay then 'yes' else 'no' end)
        ) as v(dimension, key)
        where t.category <> 'own' and v.key is not null
        union all
        select 'tie', tie from unnest(t.relationship_ties) as tie where t.category <> 'own'
      ) as c
      where t.event is null
      group by 1, 2, 3, 4
    ),
    event_cells_lg as (
      select lg_code, origin, event_month, event || ':' || category as measure, sum(sign)::bigint as delta
      from taken
      where event is not null
      group by 1, 2, 3, 4
    ),
    state_cells as (
      select s.scope, c.dimension, c.key, sum(c.delta)::bigint as delta
      from state_cells_lg c
      cross join lateral (values
        ('lg:' || c.lg_code),
        (case when substr(c.lg_code, 3, 3) <> '000' then 'pref:' || substr(c.lg_code, 1, 2) end),
        (case when c.origin = 'direct' then 'area:' || substr(c.lg_code, 1, 2) end),
        (case when c.origin = 'direct' then 'national' end)
      ) as s(scope)
      where s.scope is not null
      group by 1, 2, 3
    ),
    event_cells as (
      select s.scope, c.event_month, c.measure, sum(c.delta)::bigint as delta
      from event_cells_lg c
      cross join lateral (values
        ('lg:' || c.lg_code),
        (case when substr(c.lg_code, 3, 3) <> '000' then 'pref:' || substr(c.lg_code, 1, 2) end),
        (case when c.origin = 'direct' then 'area:' || substr(c.lg_code, 1, 2) end),
        (case when c.origin = 'direct' then 'national' end)
      ) as s(scope)
      where s.scope is not null
      group by 1, 2, 3
    ),
    current_upsert as (
      insert into insights_current (scope, dimension, key, count)
      select scope, dimension, key, delta from state_cells where delta <> 0
      on conflict (scope, dimension, key) do update set count = insights_current.count + excluded.count
      returning 1
    ),
    monthly_upsert as (
      insert into insights_monthly (scope, month, measure, count)
      select scope, event_month, measure, delta from event_cells where delta <> 0
      on conflict (scope, month, measure) do update set count = insights_monthly.count + excluded.count
      returning 1
    )
    select (select count(*) from taken) as deltas,
           (select count(*) from current_upsert) + (select count(*) from monthly_upsert) as cells`.execute(trx);
  return Number(result.rows[0]?.deltas ?? 0);
}

/**
 * What the current rows of one government add up to, read in its scope: the state cells of its active
 * registrations and the monthly events their history implies, each by origin (the area and national scopes
 * leave link registrations out). The same cells the trigger's deltas fold into, computed in one pass; the
 * rebuild adds them up over every scope. Backfilled history knows less than the trigger: an upgrade is
 * taken at the first approved initial application (else `premium_since`); moves into or out of 住所地 and
 * downgrades before the rebuild are not known, so such a registration counts from its date as it is now.
 */
export async function aggregateGovernment(trx: Transaction<Database>, lgCode: string) {
  const tiers = await sql<{ origin: string; category: string; count: string }>`
    select origin, case when own_residence then 'own' else tier end as category, count(*) as count
    from registrations
    where lg_code = ${lgCode} and status = 'active'
    group by 1, 2`.execute(trx);
  const ties = await sql<{ origin: string; tie: string; count: string }>`
    select origin, tie, count(*) as count
    from registrations cross join lateral unnest(relationship_ties) as tie
    where lg_code = ${lgCode} and status = 'active' and not own_residence
    group by 1, 2`.execute(trx);
  const cells: Array<{ origin: string; dimension: string; key: string; count: number }> = [];
  for (const row of tiers.rows) {
    const count = Number(row.count);
    if (row.category === 'own') {
      cells.push({ origin: row.origin, dimension: 'own_residence', key: 'all', count });
    } else {
      cells.push({ origin: row.origin, dimension: 'tier', key: row.category, count });
      cells.push({ origin: row.origin, dimension: 'total', key: 'all', count });
      cells.push({ origin: row.origin, dimension: 'origin', key: row.origin, count });
    }
  }
  // The other dimensions leave 住所地 registrations out; one scan with grouping sets, a hash table each.
  const related = await sql<{
    origin: string;
    residence_prefecture: string | null;
    residence_municipality: string | null;
    age_band: string | null;
    long_stay: string | null;
    set: number;
    count: string;
  }>`
    select origin, coalesce(residence_prefecture_code, 'unknown') as residence_prefecture,
           residence_lg_code as residence_municipality, coalesce(age_band, 'unknown') as age_band,
           case when long_stay then 'yes' else 'no' end as long_stay,
           grouping(residence_prefecture_code, residence_lg_code, age_band, long_stay) as set,
           count(*) as count
    from registrations
    where lg_code = ${lgCode} and status = 'active' and not own_residence
    group by grouping sets ((origin, residence_prefecture_code), (origin, residence_lg_code), (origin, age_band),
                            (origin, long_stay))`.execute(trx);
  for (const row of related.rows) {
    const count = Number(row.count);
    if (row.set === 0b0111)
      cells.push({
        origin: row.origin,
        dimension: 'residence_prefecture',
        key: row.residence_prefecture ?? 'unknown',
        count,
      });
    else if (row.set === 0b1011 && row.residence_municipality) {
      cells.push({ origin: row.origin, dimension: 'residence_municipality', key: row.residence_municipality, count });
    } else if (row.set === 0b1101)
      cells.push({ origin: row.origin, dimension: 'age_band', key: row.age_band ?? 'unknown', count });
    else if (row.set === 0b1110)
      cells.push({ origin: row.origin, dimension: 'long_stay', key: row.long_stay ?? 'no', count });
  }
  for (const row of ties.rows)
    cells.push({ origin: row.origin, dimension: 'tie', key: row.tie, count: Number(row.count) });
  const months = await sql<{ origin: string; month: string; measure: string; count: string }>`
    select r.origin, to_char(furusato_japan_month(e.at), 'YYYY-MM-DD') as month, e.event || ':' || e.category as measure,
           count(*) as count
    from (
      select r.origin, r.status, r.registered_at, r.ended_at,
             case when r.own_residence then 'own' else r.tier end as category,
             case when r.tier = 'premium' and not r.own_residence then
               greatest(r.registered_at, coalesce(
                 (select min(a.decided_at) from premium_applications a
                  where a.lg_code = r.lg_code and a.registration_id = r.id
                    and a.status = 'approved' and a.kind = 'initial'),
                 r.premium_since, r.registered_at))
             end as upgraded_at
      from registrations r
      where r.lg_code = ${lgCode}
    ) r
    cross join lateral (values
      ('new', r.registered_at, case when r.upgraded_at > r.registered_at then 'basic' else r.category end),
      (case when r.upgraded_at > r.registered_at then 'upgraded' end, r.upgraded_at, 'premium'),
      (case r.status when 'withdrawn' then 'withdrawn' when 'released' then 'released' end,
       coalesce(r.ended_at, r.registered_at), r.category)
    ) as e(event, at, category)
    where e.event is not null
    group by 1, 2, 3`.execute(trx);
  return { cells, months: months.rows.map((row) => ({ ...row, count: Number(row.count) })) };
}

/** Writes rebuilt rollups (the tables were emptied first), in batches of one statement each. */
export async function insertRollups(
  trx: Transaction<Database>,
  current: ReadonlyMap<string, number>,
  monthly: ReadonlyMap<string, number>,
): Promise<void> {
  const split = (key: string) => key.split('\u0000') as [string, string, string];
  const entries = (map: ReadonlyMap<string, number>) => [...map].filter(([, count]) => count !== 0);
  const batch = 10_000;
  const currentRows = entries(current);
  for (let index = 0; index < currentRows.length; index += batch) {
    const rows = currentRows.slice(index, index + batch).map(([key, count]) => [...split(key), count] as const);
    await sql`
      insert into insights_current (scope, dimension, key, count)
      select * from unnest(${rows.map((row) => row[0])}::text[], ${rows.map((row) => row[1])}::text[],
                           ${rows.map((row) => row[2])}::text[], ${rows.map((row) => row[3])}::bigint[])`.execute(trx);
  }
  const monthlyRows = entries(monthly);
  for (let index = 0; index < monthlyRows.length; index += batch) {
    const rows = monthlyRows.slice(index, index + batch).map(([key, count]) => [...split(key), count] as const);
    await sql`
      insert into insights_monthly (scope, month, measure, count)
      select * from unnest(${rows.map((row) => row[0])}::text[], ${rows.map((row) => row[1])}::date[],
                           ${rows.map((row) => row[2])}::text[], ${rows.map((row) => row[3])}::bigint[])`.execute(trx);
  }
}

/** Empties every registration rollup and every pending delta visible to the transaction. */
export async function clearRegistrationRollups(trx: Transaction<Database>): Promise<void> {
  await trx.deleteFrom('insights_deltas').execute();
  await trx.deleteFrom('insights_current').execute();
  await trx.deleteFrom('insights_monthly').execute();
}

export async function listParticipatingGovernments(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('tenants').select('lg_code').orderBy('lg_code').execute();
  return rows.map((row) => row.lg_code);
}

/** Governments with activity changes waiting, and the markers taken (deleted) in the same statement. */
export async function takeActivityChanges(trx: Transaction<Database>): Promise<string[]> {
  const result = await sql<{ lg_code: string }>`
    with taken as (delete from insights_activity_changes returning lg_code)
    select distinct lg_code from taken order by lg_code`.execute(trx);
  return result.rows.map((row) => row.lg_code);
}

export async function recordRefresh(
  trx: Transaction<Database>,
  refresh: { kind: 'fold' | 'rebuild' | 'activity'; startedAt: Date; deltas: number; governments: number },
): Promise<Date> {
  const finishedAt = new Date();
  await trx
    .insertInto('insights_refreshes')
    .values({
      id: uuidv7(),
      kind: refresh.kind,
      started_at: refresh.startedAt,
      finished_at: finishedAt,
      deltas: refresh.deltas,
      governments: refresh.governments,
    })
    .execute();
  // A fold a minute is 1,440 rows a day: keep a week for looking back. Rebuilds stay: the first one
  // tells later runs that the rollups exist.
  await trx
    .deleteFrom('insights_refreshes')
    .where('kind', '!=', 'rebuild')
    .where('finished_at', '<', sql<Date>`now() - interval '7 days'`)
    .execute();
  return finishedAt;
}

export async function hasRebuilt(trx: Transaction<Database>): Promise<boolean> {
  const row = await trx
    .selectFrom('insights_refreshes')
    .select('id')
    .where('kind', '=', 'rebuild')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * When the registration figures were last brought up to date (fold or rebuild), and the activity figures.
 * Times only, readable without the insights purpose (migration 0031), so a cached report can be checked
 * against them in one statement.
 */
export async function lastRefreshes(
  db: Kysely<Database>,
): Promise<{ registrations: Date | null; activity: Date | null }> {
  const rows = await sql<{ kind: string; finished_at: Date }>`
    select kind, max(finished_at) as finished_at from insights_refreshes group by kind`.execute(db);
  const at = (kind: string) => rows.rows.find((row) => row.kind === kind)?.finished_at ?? null;
  const registrations = [at('fold'), at('rebuild')].filter((date): date is Date => date !== null);
  return {
    registrations: registrations.length > 0 ? new Date(Math.max(...registrations.map(Number))) : null,
    activity: at('activity'),
  };
}

// ---------------------------------------------------------------------------------------------------
// Activity figures of one government, recomputed from its attendance and sessions.

export interface ActivityRanges {
  /** First day (Japan) of the oldest month recomputed. */
  from: string;
  /** Named periods besides months: FY:2026, L12, each [start, end) in Japanese dates. */
  periods: Array<{ period: string; start: string; end: string }>;
  /** The premium window [start, end] in Japanese dates, and the minimum of the government. */
  window: { start: string; end: string; required: number };
  /** Sessions count as held once they started before this instant. */
  now: Date;
}

export type ActivityValues = Map<string, number>;

const activityKey = (period: string, measure: string) => `${period}\u0000${measure}`;

/**
 * Counts of one government (in its tenant scope), keyed by period and measure: designated sessions held,
 * attendance (person-days present) and the designated part of it, registrants who took part (distinct,
 * 住所地 registrations left out), and in `W` how many active related registrants have some designated
 * days in the premium window and how many meet the minimum.
 */
export async function computeActivity(trx: Transaction<Database>, lgCode: string, ranges: ActivityRanges) {
  const values: ActivityValues = new Map();
  const add = (period: string, measure: string, count: number) => {
    if (count !== 0) values.set(activityKey(period, measure), count);
  };
  const periodRows = ranges.periods.map(
    (period) => sql`(${period.period}, ${period.start}::date, ${period.end}::date)`,
  );
  const periodValues = sql.join(periodRows, sql`, `);

  const attendance = await sql<{
    period: string;
    attendance: string;
    designated_attendance: string;
    active_registrants: string;
  }>`
    with a as (
      select a.activity_date, a.designated, a.person_id,
             (r.id is not null and not r.own_residence) as related
      from attendance a
      left join registrations r on r.lg_code = a.lg_code and r.id = a.registration_id
      where a.lg_code = ${lgCode} and a.status = 'present' and a.activity_date >= ${ranges.from}::date
    )
    select 'M:' || to_char(activity_date, 'YYYY-MM') as period, count(*) as attendance,
           count(*) filter (where designated) as designated_attendance,
           count(distinct person_id) filter (where related) as active_registrants
    from a group by 1
    union all
    select p.period, count(*), count(*) filter (where a.designated),
           count(distinct a.person_id) filter (where a.related)
    from a join (values ${periodValues}) as p(period, start_date, end_date)
      on a.activity_date >= p.start_date and a.activity_date < p.end_date
    group by 1`.execute(trx);
  for (const row of attendance.rows) {
    add(row.period, 'attendance', Number(row.attendance));
    add(row.period, 'designated_attendance', Number(row.designated_attendance));
    add(row.period, 'active_registrants', Number(row.active_registrants));
  }

  const sessions = await sql<{ period: string; sessions: string }>`
    with s as (
      select (furusato_japan_month(s.starts_at)) as month,
             ((s.starts_at at time zone 'UTC') + interval '9 hours')::date as day
      from activity_sessions s
      join projects p on p.lg_code = s.lg_code and p.id = s.project_id
      left join organisations o on o.lg_code = p.lg_code and o.id = p.organisation_id
      where s.lg_code = ${lgCode} and s.status <> 'cancelled' and s.starts_at < ${ranges.now}
        and s.starts_at >= (${ranges.from}::date - interval '1 day')
        and (p.designation = 'designated'
             or (p.designation = 'inherit' and coalesce(o.designated, false) and o.status = 'approved'))
    )
    select 'M:' || to_char(month, 'YYYY-MM') as period, count(*) as sessions
    from s where day >= ${ranges.from}::date group by 1
    union all
    select p.period, count(*)
    from s join (values ${periodValues}) as p(period, start_date, end_date)
      on s.day >= p.start_date and s.day < p.end_date
    group by 1`.execute(trx);
  for (const row of sessions.rows) add(row.period, 'designated_sessions', Number(row.sessions));

  const progress = await sql<{ some: string; met: string }>`
    select count(*) filter (where d.days < ${ranges.window.required}) as some,
           count(*) filter (where d.days >= ${ranges.window.required}) as met
    from (
      select person_id, count(*) as days
      from attendance
      where lg_code = ${lgCode} and status = 'present' and designated
        and activity_date >= ${ranges.window.start}::date and activity_date <= ${ranges.window.end}::date
      group by person_id
    ) d
    join registrations r on r.lg_code = ${lgCode} and r.person_id = d.person_id
      and r.status = 'active' and not r.own_residence`.execute(trx);
  add('W', 'progress_some', Number(progress.rows[0]?.some ?? 0));
  add('W', 'progress_met', Number(progress.rows[0]?.met ?? 0));
  return values;
}

/**
 * Replaces the stored activity figures of one government for the recomputed periods and adds the
 * differences to the scopes above it, so those stay sums of their governments without a rescan.
 */
export async function storeActivity(
  trx: Transaction<Database>,
  lgCode: string,
  periodsRecomputed: readonly string[],
  fresh: ActivityValues,
): Promise<void> {
  const own = scopes.government(lgCode);
  const monthFrom = periodsRecomputed.filter((period) => period.startsWith('M:')).sort()[0] ?? 'M:9999-99';
  const named = periodsRecomputed.filter((period) => !period.startsWith('M:'));
  const old = await trx
    .selectFrom('insights_activity')
    .select(['period', 'measure', 'count'])
    .where('scope', '=', own)
    .where((eb) => eb.or([eb('period', '>=', monthFrom).and('period', 'like', 'M:%'), eb('period', 'in', named)]))
    .execute();
  const diffs = new Map(fresh);
  for (const row of old) {
    const key = activityKey(row.period, row.measure);
    diffs.set(key, (diffs.get(key) ?? 0) - Number(row.count));
  }
  await trx
    .deleteFrom('insights_activity')
    .where('scope', '=', own)
    .where((eb) => eb.or([eb('period', '>=', monthFrom).and('period', 'like', 'M:%'), eb('period', 'in', named)]))
    .execute();
  const split = (key: string) => key.split('\u0000') as [string, string];
  if (fresh.size > 0) {
    const entries = [...fresh];
    await trx
      .insertInto('insights_activity')
      .values(
        entries.map(([key, count]) => {
          const [period, measure] = split(key);
          return { scope: own, period, measure, count };
        }),
      )
      .execute();
  }
  const changes = [...diffs].filter(([, count]) => count !== 0);
  if (changes.length === 0) return;
  const parents = scopesOfGovernment(lgCode).filter((scope) => scope !== own);
  const rows = parents.flatMap((scope) =>
    changes.map(([key, count]) => {
      const [period, measure] = split(key);
      return { scope, period, measure, count };
    }),
  );
  await trx
    .insertInto('insights_activity')
    .values(rows)
    .onConflict((conflict) =>
      conflict.columns(['scope', 'period', 'measure']).doUpdateSet({
        count: sql`insights_activity.count + excluded.count`,
        computed_at: sql`now()`,
      }),
    )
    .execute();
}

/** Runs `work` in the government's scope inside an insights system transaction. */
export async function inGovernmentScope<T>(
  trx: Transaction<Database>,
  lgCode: string,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return withTenantInTransaction(trx, lgCode, (scope) => work(scope.trx));
}

// ---------------------------------------------------------------------------------------------------
// Reading, for the dashboards, the API and open data (mode 'reader').

export interface ScopeRows {
  current: Array<{ dimension: string; key: string; count: number }>;
  monthly: Array<{ month: string; measure: string; count: number }>;
  activity: Array<{ period: string; measure: string; count: number }>;
}

export async function readRegistrationRollups(trx: Transaction<Database>, scope: string) {
  const [current, monthly] = await Promise.all([
    trx.selectFrom('insights_current').select(['dimension', 'key', 'count']).where('scope', '=', scope).execute(),
    sql<{ month: string; measure: string; count: string }>`
      select to_char(month, 'YYYY-MM') as month, measure, count
      from insights_monthly where scope = ${scope} order by month`.execute(trx),
  ]);
  return {
    current: current.map((row) => ({ dimension: row.dimension, key: row.key, count: Number(row.count) })),
    monthly: monthly.rows.map((row) => ({ month: row.month, measure: row.measure, count: Number(row.count) })),
  } satisfies Omit<ScopeRows, 'activity'>;
}

export async function readActivityRollups(trx: Transaction<Database>, scope: string, periods: readonly string[]) {
  if (periods.length === 0) return [];
  const rows = await trx
    .selectFrom('insights_activity')
    .select(['period', 'measure', 'count'])
    .where('scope', '=', scope)
    .where('period', 'in', [...periods])
    .execute();
  return rows.map((row) => ({ period: row.period, measure: row.measure, count: Number(row.count) }));
}

/** Totals and tiers of every area (prefecture), for the national table. */
export async function readAreaTotals(trx: Transaction<Database>) {
  const rows = await trx
    .selectFrom('insights_current')
    .select(['scope', 'dimension', 'key', 'count'])
    .where('scope', 'like', 'area:%')
    .where('dimension', 'in', ['total', 'tier'])
    .execute();
  return rows.map((row) => ({
    prefectureCode: row.scope.slice(5),
    dimension: row.dimension,
    key: row.key,
    count: Number(row.count),
  }));
}

/** Participating municipalities of a prefecture (for the prefecture's view of them). */
export async function countParticipatingMunicipalities(db: Kysely<Database>, prefectureCode: string) {
  const row = await db
    .selectFrom('tenants')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('lg_code', 'like', `${prefectureCode}%`)
    .where(sql<boolean>`substr(lg_code, 3, 3) <> '000'`)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Sets `insights.openData` in the tenant's settings, keeping every other setting; the new settings. */
export async function setOpenDataSetting(scope: TenantScope, enabled: boolean) {
  const row = await scope.trx
    .updateTable('tenants')
    .set({
      settings: sql`settings || jsonb_build_object('insights',
        coalesce(settings -> 'insights', '{}'::jsonb) || jsonb_build_object('openData', ${enabled}::boolean))`,
      updated_at: sql`now()`,
    })
    .where(ownedBy(scope))
    .returning('settings')
    .executeTakeFirst();
  return row?.settings;
}
