/**
 * `npm run bench:renewal`: the nightly premium renewal run (src/modules/registrations/renewal.*) over
 * generated premium registrations and attendance, on each engine. Three runs:
 *   first   2027-06-16 05:00 JST, the first night of the run: a launch cohort of 10 % of the
 *           registrations expired overnight (renewed or lapsed), every registration within a month of
 *           its expiry gets its month-before step, and every long-stay mark is set for the first time;
 *   again   the same instant once more: nothing may change (idempotence), so this is the bare cost
 *           of judging every premium registration;
 *   next    a day later, an ordinary night: about 1/365 expire, as many enter their last month, and
 *           the long-stay marks whose days left the window are cleared.
 * Generation (set-based SQL: one INSERT … SELECT FROM generate_series per table and chunk) is timed
 * apart from the runs. Each run times the governments' part (every participating government, window
 * after window, as the per-government jobs do) and the notices (one mail per person and kind) apart.
 * Then invariants are checked over every row. Prints a table and writes
 * bench/results/renewal-<timestamp>.json. See bench/README.md.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { loadMasterData } from '../src/modules/municipalities/master-data.js';
import {
  deliverPremiumNotices,
  runRenewalForTenant,
  type RenewalCounts,
} from '../src/modules/registrations/renewal.service.js';
import { openDatabase, type DatabaseEngine, type DatabaseHandle } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import type { Database } from '../src/platform/db/schema.js';
import { integerOption, UsageError } from './cli.js';
import { defaultSeed, generate } from './generate.js';
import { fileTimestamp, gitCommit, packageVersion, resultsFolder, round2, table, withDatabaseName } from './report.js';

const benchDatabaseName = 'furusato_bench_renewal';
const dayMs = 24 * 60 * 60 * 1000;
/** 05:00 JST, when the scheduled run starts. */
const firstAt = new Date('2027-06-15T20:00:00Z');
const nextAt = new Date(firstAt.getTime() + dayMs);
/** Share of the registrations that expired during the night before the first run (a launch cohort). */
const launchCohort = 0.1;
/** Sessions per government: one day each, spread over the 540 days before the first run. */
const sessionsPerTenant = 500;
const sessionsPerProject = 5;
const attendanceDays = 540;
/** Share of projects designated for premium. */
const designatedShare = 0.7;

const usage = `Usage: npm run bench:renewal -- [options]
  --engine pglite|postgres|both  engines to measure (default both)
  --registrations N              active premium registrations over all tenants, two per person (default 100000)
  --attendance N                 attendance rows, about N / registrations per registration (default 10 × registrations)
  --tenants N                    governments that join (default 200, at most 1788)
  --batch-size N                 registrations per window (one transaction) (default 5000)
  --workers N                    governments run at the same time, as N job workers would (default 1)
  --seed X                       generator seed (default ${defaultSeed})
  --pglite-dir DIR               keep the PGlite database in DIR (must not exist) instead of a temporary folder
  --postgres-url URL             maintenance connection used to drop and create ${benchDatabaseName}
                                 (default postgres://postgres@127.0.0.1:5432/postgres)`;

interface Parameters {
  engines: DatabaseEngine[];
  registrations: number;
  attendance: number;
  tenants: number;
  batchSize: number;
  workers: number;
  seed: number;
  postgresAdminUrl: string;
  pgliteDir: string | undefined;
}

function parseParameters(argv: string[]): Parameters | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string' },
      registrations: { type: 'string' },
      attendance: { type: 'string' },
      tenants: { type: 'string' },
      'batch-size': { type: 'string' },
      workers: { type: 'string' },
      seed: { type: 'string' },
      'postgres-url': { type: 'string' },
      'pglite-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const engine = values.engine ?? 'both';
  if (engine !== 'pglite' && engine !== 'postgres' && engine !== 'both') {
    throw new UsageError(`--engine must be pglite, postgres or both, got ${JSON.stringify(engine)}`);
  }
  const registrations = integerOption('registrations', values.registrations, 100_000, 2);
  return {
    engines: engine === 'both' ? ['pglite', 'postgres'] : [engine],
    registrations,
    attendance: integerOption('attendance', values.attendance, registrations * 10, 0),
    tenants: integerOption('tenants', values.tenants, 200, 2),
    batchSize: integerOption('batch-size', values['batch-size'], 5_000, 1),
    workers: integerOption('workers', values.workers, 1, 1),
    seed: integerOption('seed', values.seed, defaultSeed),
    postgresAdminUrl: values['postgres-url'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    pgliteDir: values['pglite-dir'],
  };
}

function progress(engine: string, message: string): void {
  process.stderr.write(`[${engine}] ${message}\n`);
}

const seconds = (ms: number) => Math.round(ms) / 1000;
const perSecond = (rows: number, ms: number) => (ms > 0 ? Math.round((rows / ms) * 1000) : 0);

interface GenerationStep {
  step: string;
  rows: number;
  ms: number;
  rowsPerSecond: number;
}

/**
 * Deterministic helpers in SQL, the same on both engines, in a schema of their own: `bench.f(key)` is
 * a pseudo-random number in [0, 1) from the md5 of the seed and the key; `bench.seq(kind, n)` a valid
 * version-4-shaped uuid that grows with n, so generated rows go to the right edge of their primary key
 * as the application's v7 ids do (md5 ids scattered the inserts all over the index).
 */
async function createHelpers(db: Kysely<Database>, seed: number): Promise<void> {
  await sql.raw(`create schema if not exists bench`).execute(db);
  await sql
    .raw(
      `create or replace function bench.f(key text) returns double precision immutable language sql as
       $$ select ('x' || substr(md5('${seed}:' || key), 1, 12))::bit(48)::bigint / 281474976710656.0 $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create or replace function bench.seq(kind int, n bigint) returns uuid immutable language sql as
       $$ select (lpad(to_hex(kind), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid $$`,
    )
    .execute(db);
}

/** Kinds of generated ids (the first 8 hex digits of `bench.seq`). */
const ids = { person: 1, registration: 2, session: 3, project: 4, attendance: 5 } as const;

/**
 * Drops a table's indexes other than its primary key and returns their definitions: a bulk load then
 * builds each index once, sorted, instead of updating it row by row. The same definitions (from the
 * migrations, as PostgreSQL reports them) are created again after the load, unique ones re-checked.
 */
async function dropSecondaryIndexes(db: Kysely<Database>, table: 'attendance' | 'registrations'): Promise<string[]> {
  const result = await sql<{ name: string; definition: string }>`
    select i.relname as name, pg_get_indexdef(x.indexrelid) as definition
    from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
    where t.relname = ${table} and t.relnamespace = 'public'::regnamespace and not x.indisprimary`.execute(db);
  for (const row of result.rows) await sql.raw(`drop index ${row.name}`).execute(db);
  return result.rows.map((row) => row.definition);
}

/** Runs `insert` for [1, total] in chunks, so a chunk's transaction stays bounded; returns rows inserted. */
async function inChunks(
  total: number,
  chunk: number,
  insert: (low: number, high: number) => Promise<number>,
): Promise<number> {
  let rows = 0;
  for (let low = 1; low <= total; low += chunk) rows += await insert(low, Math.min(total, low + chunk - 1));
  return rows;
}

/**
 * Premium registrations, their persons, the governments' projects and sessions, and attendance, all
 * set-based. Registration i belongs to person ceil(i / 2); a person's two registrations are with two
 * different governments, the first picked with a skew (a few large governments, many small ones).
 */
async function generateData(
  pool: Kysely<Database>,
  parameters: Parameters,
  engine: string,
): Promise<{ steps: GenerationStep[]; totalRows: number; ms: number; settings: Record<string, number> }> {
  // One connection throughout: the bulk loads below switch off foreign-key triggers for it alone.
  return pool.connection().execute((db) => generateOnConnection(db, parameters, engine));
}

/**
 * While rows that the generator makes consistent by construction are loaded, the connection skips
 * foreign-key triggers (one lookup per row; `session_replication_role = replica`, superuser only).
 * `checkInvariants` counts orphans afterwards, so a generator bug cannot hide behind it.
 */
async function withoutTriggers<T>(db: Kysely<Database>, work: () => Promise<T>): Promise<T> {
  await sql`set session_replication_role = replica`.execute(db);
  try {
    return await work();
  } finally {
    await sql`set session_replication_role = origin`.execute(db);
  }
}

async function generateOnConnection(
  db: Kysely<Database>,
  parameters: Parameters,
  engine: string,
): Promise<{ steps: GenerationStep[]; totalRows: number; ms: number; settings: Record<string, number> }> {
  const steps: GenerationStep[] = [];
  const timed = async (step: string, work: () => Promise<number>) => {
    const started = performance.now();
    const rows = await work();
    const ms = performance.now() - started;
    steps.push({ step, rows, ms: Math.round(ms), rowsPerSecond: perSecond(rows, ms) });
    progress(engine, `  ${step}: ${rows} rows in ${seconds(ms)} s`);
  };
  const started = performance.now();
  await timed('tenants', async () => {
    const result = await generate(db, {
      seed: parameters.seed,
      tenants: parameters.tenants,
      auditEventsPerTenant: 0,
      registrations: 0,
    });
    return result.totalRows;
  });
  await createHelpers(db, parameters.seed);
  const codes = (await db.selectFrom('tenants').select('lg_code').orderBy('lg_code').execute()).map(
    (row) => row.lg_code,
  );
  const tenantCount = codes.length;

  // Rules as governments will choose them: 20 % manual, 20 % by fiscal year.
  await sql`
    update tenants set settings = jsonb_set(settings, '{registration}', jsonb_build_object(
      'premiumMode', case when bench.f('mode:' || lg_code) < 0.2 then 'manual' else 'automatic' end,
      'premiumWindow', case when bench.f('window:' || lg_code) < 0.2 then 'fiscal_year' else 'rolling_12_months' end))`.execute(
    db,
  );
  const spread = await sql<{ mode: string; window: string; count: string }>`
    select settings->'registration'->>'premiumMode' as mode, settings->'registration'->>'premiumWindow' as window,
           count(*) as count from tenants group by 1, 2 order by 1, 2`.execute(db);
  const settings = Object.fromEntries(spread.rows.map((row) => [`${row.mode}/${row.window}`, Number(row.count)]));

  const persons = Math.ceil(parameters.registrations / 2);
  const chunk = 100_000;
  await timed('persons', () =>
    inChunks(persons, chunk, async (low, high) => {
      const result = await sql`
        insert into persons (id, email, locale, created_at, last_access_at)
        select bench.seq(${ids.person}, i), 'premium' || i || '@bench.furusato.example',
               case when bench.f('locale' || i) < 0.05 then 'en' else 'ja' end,
               timestamptz '2025-04-01 00:00+09', timestamptz '2027-06-01 00:00+09'
        from generate_series(${low}::int, ${high}::int) as i`.execute(db);
      return Number(result.numAffectedRows ?? 0n);
    }),
  );

  // The government of registration i: the person's first (skewed) or second (any other) one.
  const tenantIndex = sql`case when i % 2 = 1
      then floor(${tenantCount} * bench.f('t' || ((i + 1) / 2)) ^ 2)::int
      else (floor(${tenantCount} * bench.f('t' || ((i + 1) / 2)) ^ 2)::int + 1
            + floor((${tenantCount} - 1) * bench.f('o' || ((i + 1) / 2)))::int) % ${tenantCount} end`;
  const registrationIndexes = await dropSecondaryIndexes(db, 'registrations');
  await timed('registrations', () =>
    withoutTriggers(db, () =>
      inChunks(parameters.registrations, chunk, async (low, high) => {
        const result = await sql`
        insert into registrations (lg_code, id, person_id, tier, contact_email, identity_verified, relationship_ties,
                                   registered_at, premium_since, premium_valid_until)
        select g.lg_code, g.id, g.person_id, 'premium', g.email, true, '{volunteer}',
               g.valid_until - interval '400 days', g.valid_until - interval '365 days', g.valid_until
        from (
          select (${codes}::text[])[${tenantIndex} + 1] as lg_code, bench.seq(${ids.registration}, i) as id,
                 bench.seq(${ids.person}, (i + 1) / 2) as person_id, 'premium' || ((i + 1) / 2) || '@bench.furusato.example' as email,
                 date_trunc('milliseconds', case
                   when bench.f('v' || i) < ${launchCohort}
                     then ${firstAt}::timestamptz - interval '1 minute' * (1 + floor(bench.f('w' || i) * 1200))
                   else ${firstAt}::timestamptz + interval '1 second' * floor(bench.f('w' || i) * 365 * 86400)
                 end) as valid_until
          from generate_series(${low}::int, ${high}::int) as i) as g`.execute(db);
        return Number(result.numAffectedRows ?? 0n);
      }),
    ),
  );

  await timed('registration indexes', async () => {
    for (const definition of registrationIndexes) await sql.raw(definition).execute(db);
    return 0;
  });

  const firstDay = sql`(date '2027-06-16' - ${attendanceDays}::int)`;
  // Whether project number n is designated: integer hashing, cheaper than md5 for ten million rows.
  const designated = (n: ReturnType<typeof sql>) =>
    sql`((${n})::bigint * 2654435761 + ${parameters.seed}) % 1000 < ${Math.round(designatedShare * 1000)}`;
  const tenantsNumbered = sql`(select lg_code, (row_number() over (order by lg_code) - 1)::int as idx from tenants)`;
  await timed('projects and sessions', async () => {
    const projects = await sql`
      insert into projects (lg_code, id, title, category, status, designation)
      select t.lg_code, bench.seq(${ids.project}, t.idx * 1000 + j), '地域の担い手活動 ' || j, 'environment', 'published',
             case when ${designated(sql`t.idx * 1000 + j`)} then 'designated' else 'inherit' end
      from ${tenantsNumbered} as t cross join generate_series(0, ${sessionsPerTenant / sessionsPerProject - 1}::int) as j`.execute(
      db,
    );
    const sessions = await sql`
      insert into activity_sessions (lg_code, id, project_id, starts_at, ends_at, status)
      select t.lg_code, bench.seq(${ids.session}, t.idx * 1000 + s),
             bench.seq(${ids.project}, t.idx * 1000 + s / ${sessionsPerProject}),
             ((${firstDay} + s * ${attendanceDays} / ${sessionsPerTenant}) + time '09:00') at time zone 'Asia/Tokyo',
             ((${firstDay} + s * ${attendanceDays} / ${sessionsPerTenant}) + time '17:00') at time zone 'Asia/Tokyo', 'closed'
      from ${tenantsNumbered} as t cross join generate_series(0, ${sessionsPerTenant - 1}::int) as s`.execute(db);
    return Number(projects.numAffectedRows ?? 0n) + Number(sessions.numAffectedRows ?? 0n);
  });

  // Attendance of registration i: n rows (uniform 0 … 2 × average), each at a different session of
  // its government (stride 7 over 500 sessions), designated as its project is.
  const average = parameters.attendance / parameters.registrations;
  const attendanceIndexes = await dropSecondaryIndexes(db, 'attendance');
  await timed('attendance', () =>
    withoutTriggers(db, () =>
      inChunks(parameters.registrations, Math.max(1, Math.floor(chunk / Math.max(1, average))), async (low, high) => {
        const result = await sql`
        insert into attendance (lg_code, id, session_id, project_id, person_id, registration_id, activity_date, method,
                                designated, scanned_at, recorded_by)
        select a.lg_code, bench.seq(${ids.attendance}, a.i::bigint * 32 + a.k), bench.seq(${ids.session}, a.t * 1000 + a.s),
               bench.seq(${ids.project}, a.t * 1000 + a.s / ${sessionsPerProject}), a.person_id, a.registration_id,
               ${firstDay} + a.s * ${attendanceDays} / ${sessionsPerTenant}, 'card_qr',
               ${designated(sql`a.t * 1000 + a.s / ${sessionsPerProject}`)},
               ((${firstDay} + a.s * ${attendanceDays} / ${sessionsPerTenant}) + time '10:00') at time zone 'Asia/Tokyo',
               'bench'
        from (
          select r.i, k, r.t, (${codes}::text[])[r.t + 1] as lg_code, r.person_id, r.registration_id,
                 (floor(bench.f('s' || r.i) * ${sessionsPerTenant})::int + k * 7) % ${sessionsPerTenant} as s
          from (
            select i, ${tenantIndex} as t, bench.seq(${ids.person}, (i + 1) / 2) as person_id,
                   bench.seq(${ids.registration}, i) as registration_id,
                   floor(bench.f('n' || i) * (2 * ${average}::float8 + 1))::int as n
            from generate_series(${low}::int, ${high}::int) as i) as r
          cross join lateral generate_series(1, r.n) as k) as a`.execute(db);
        return Number(result.numAffectedRows ?? 0n);
      }),
    ),
  );
  await timed('attendance indexes', async () => {
    for (const definition of attendanceIndexes) await sql.raw(definition).execute(db);
    return 0;
  });
  await timed('vacuum analyze', async () => {
    await sql`vacuum analyze`.execute(db);
    return 0;
  });
  const ms = performance.now() - started;
  return {
    steps,
    totalRows: steps.reduce((sum, step) => sum + step.rows, 0),
    ms: Math.round(ms),
    settings,
  };
}

interface PhaseResult {
  phase: 'first' | 'again' | 'next';
  now: string;
  governments: RenewalCounts & {
    tenants: number;
    batches: number;
    /** The longest single window (one transaction); on PGlite every other query waits that long. */
    longestBatchMs: number;
    ms: number;
    scannedPerSecond: number;
  };
  notices: { notices: number; mails: number; ms: number; noticesPerSecond: number };
  loadAverage1m: { before: number; after: number };
}

const noCounts = (): RenewalCounts => ({
  scanned: 0,
  renewed: 0,
  lapsed: 0,
  reminded: 0,
  queued: 0,
  longStayChanged: 0,
});

async function runPhase(
  db: Kysely<Database>,
  phase: PhaseResult['phase'],
  now: Date,
  parameters: Parameters,
): Promise<PhaseResult> {
  const loadBefore = round2(loadavg()[0] ?? 0);
  const tenants = (await db.selectFrom('tenants').select('lg_code').where('status', '=', 'active').execute()).map(
    (row) => row.lg_code,
  );
  const totals = { ...noCounts(), batches: 0, longestBatchMs: 0 };
  let started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < tenants.length) {
      const lgCode = tenants[next] as string;
      next += 1;
      const counts = await runRenewalForTenant({ db, lgCode, now, batchSize: parameters.batchSize });
      for (const key of Object.keys(noCounts()) as Array<keyof RenewalCounts>) totals[key] += counts[key];
      totals.batches += counts.batches;
      totals.longestBatchMs = Math.max(totals.longestBatchMs, counts.longestBatchMs);
    }
  };
  await Promise.all(Array.from({ length: parameters.workers }, worker));
  const governmentsMs = performance.now() - started;

  started = performance.now();
  const delivered = await deliverPremiumNotices({ db, now });
  const noticesMs = performance.now() - started;
  return {
    phase,
    now: now.toISOString(),
    governments: {
      tenants: tenants.length,
      ...totals,
      ms: Math.round(governmentsMs),
      scannedPerSecond: perSecond(totals.scanned, governmentsMs),
    },
    notices: { ...delivered, ms: Math.round(noticesMs), noticesPerSecond: perSecond(delivered.notices, noticesMs) },
    loadAverage1m: { before: loadBefore, after: round2(loadavg()[0] ?? 0) },
  };
}

/** What must hold after the runs, checked over every row (the bench connects as a superuser). */
async function checkInvariants(db: Kysely<Database>, phases: PhaseResult[], lastNow: Date): Promise<string[]> {
  const failures: string[] = [];
  const count = async (label: string, query: ReturnType<typeof sql<{ count: string }>>, expected: number) => {
    const row = (await query.execute(db)).rows[0];
    const actual = Number(row?.count ?? -1);
    if (actual !== expected) failures.push(`${label}: ${actual}, expected ${expected}`);
  };
  const sum = (key: keyof RenewalCounts) => phases.reduce((total, phase) => total + phase.governments[key], 0);
  await count(
    'premium past its expiry after the last run',
    sql`select count(*) from registrations where status = 'active' and tier = 'premium'
        and premium_valid_until <= ${lastNow}`,
    0,
  );
  await count(
    'returned to basic with premium fields left',
    sql`select count(*) from registrations where tier = 'basic'
        and (premium_since is not null or premium_valid_until is not null or long_stay or premium_reminded_for is not null)`,
    0,
  );
  await count('returned to basic', sql`select count(*) from registrations where tier = 'basic'`, sum('lapsed'));
  await count(
    'premium.lapsed audit events',
    sql`select count(*) from audit_events where action = 'premium.lapsed'`,
    sum('lapsed'),
  );
  await count(
    'premium.renewed audit events',
    sql`select count(*) from audit_events where action = 'premium.renewed'`,
    sum('renewed'),
  );
  await count(
    'renewals approved by the system',
    sql`select count(*) from premium_applications where kind = 'renewal' and status = 'approved' and decided_by = 'system'`,
    sum('renewed'),
  );
  await count(
    'renewed although not met, or lapsed although met',
    sql`select count(*) from premium_applications where kind = 'renewal' and decided_by = 'system'
        and status in ('approved', 'rejected') and ((status = 'approved') <> ((judgement->>'met')::boolean))`,
    0,
  );
  await count(
    'pending renewals of registrations no longer premium',
    sql`select count(*) from premium_applications p join registrations r on r.lg_code = p.lg_code and r.id = p.registration_id
        where p.status = 'pending' and r.tier <> 'premium'`,
    0,
  );
  await count(
    'manual renewals queued (pending, or withdrawn at the expiry)',
    sql`select count(*) from premium_applications where kind = 'renewal' and status in ('pending', 'withdrawn')`,
    sum('queued'),
  );
  // The long-stay rule again, written independently in SQL, for the governments with the rolling window.
  await count(
    'long-stay marks that disagree with the days present (rolling-window governments)',
    sql`select count(*) from registrations r join tenants t on t.lg_code = r.lg_code
        where r.status = 'active' and r.tier = 'premium'
          and coalesce(t.settings->'registration'->>'premiumWindow', 'rolling_12_months') = 'rolling_12_months'
          and r.long_stay <> ((select count(distinct a.activity_date) from attendance a
               where a.lg_code = r.lg_code and a.person_id = r.person_id and a.status = 'present'
                 and a.activity_date > ((${lastNow}::timestamptz at time zone 'Asia/Tokyo')::date - interval '12 months')::date
                 and a.activity_date <= (${lastNow}::timestamptz at time zone 'Asia/Tokyo')::date)
             >= coalesce((t.settings->'registration'->>'longStayDays')::int, 10))`,
    0,
  );
  // The generator loaded without foreign-key triggers: every reference must still resolve.
  await count(
    'attendance rows without their session or government',
    sql`select count(*) from attendance a
        where not exists (select 1 from activity_sessions s where s.lg_code = a.lg_code and s.id = a.session_id)
           or not exists (select 1 from tenants t where t.lg_code = a.lg_code)`,
    0,
  );
  await count(
    'registrations without their government',
    sql`select count(*) from registrations r where not exists (select 1 from tenants t where t.lg_code = r.lg_code)`,
    0,
  );
  const again = phases.find((phase) => phase.phase === 'again');
  if (again) {
    const changed =
      again.governments.renewed +
      again.governments.lapsed +
      again.governments.reminded +
      again.governments.queued +
      again.governments.longStayChanged;
    if (changed > 0) failures.push(`the repeated run changed ${JSON.stringify(again.governments)}`);
    if (again.notices.mails > 0) failures.push(`the repeated run queued ${again.notices.mails} notifications`);
  }
  return failures;
}

interface EngineResult {
  engine: DatabaseEngine;
  ok: boolean;
  error?: string;
  engineVersion?: string;
  database?: string;
  migrateAndMasterMs?: number;
  generation?: Awaited<ReturnType<typeof generateData>>;
  phases: PhaseResult[];
  checks?: string[];
  databaseSizeBytes?: { afterGenerate: number; atEnd: number };
  peakRssMiB?: number;
}

async function databaseSize(db: Kysely<Database>): Promise<number> {
  const result = await sql<{ size: string }>`select pg_database_size(current_database()) as size`.execute(db);
  return Number(result.rows[0]?.size ?? 0);
}

async function openFresh(
  engine: DatabaseEngine,
  parameters: Parameters,
): Promise<{ database: DatabaseHandle; location: string; cleanup: () => Promise<void> }> {
  if (engine === 'pglite') {
    if (parameters.pgliteDir) {
      // Kept for inspection, like the PostgreSQL database.
      const database = await openDatabase({ engine: 'pglite', dataDir: parameters.pgliteDir });
      return { database, location: parameters.pgliteDir, cleanup: async () => {} };
    }
    const folder = await mkdtemp(join(tmpdir(), 'furusato-bench-renewal-'));
    const dataDir = join(folder, 'pglite');
    const database = await openDatabase({ engine: 'pglite', dataDir });
    return { database, location: dataDir, cleanup: () => rm(folder, { recursive: true, force: true }) };
  }
  const admin = new pg.Client({ connectionString: parameters.postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${benchDatabaseName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${benchDatabaseName}`);
  } finally {
    await admin.end();
  }
  const url = withDatabaseName(parameters.postgresAdminUrl, benchDatabaseName);
  const database = await openDatabase({ engine: 'postgres', connectionString: url, poolMax: parameters.workers + 1 });
  // Kept after the run for inspection; the next run drops it first.
  return { database, location: url, cleanup: async () => {} };
}

async function benchEngine(engine: DatabaseEngine, parameters: Parameters): Promise<EngineResult> {
  progress(engine, engine === 'pglite' ? 'fresh database in a temporary folder' : `recreating ${benchDatabaseName}`);
  const { database, location, cleanup } = await openFresh(engine, parameters);
  const db = database.db;
  try {
    let started = performance.now();
    await migrateToLatest(db);
    await loadMasterData(db);
    const migrateAndMasterMs = Math.round(performance.now() - started);

    progress(
      engine,
      `generating ${parameters.registrations} premium registrations and about ${parameters.attendance} attendance rows over ${parameters.tenants} tenants`,
    );
    const generation = await generateData(db, parameters, engine);
    const sizeAfterGenerate = await databaseSize(db);
    const version = (await sql<{ version: string }>`select version()`.execute(db)).rows[0]?.version ?? 'unknown';

    const phases: PhaseResult[] = [];
    progress(engine, `first run at ${firstAt.toISOString()}`);
    phases.push(await runPhase(db, 'first', firstAt, parameters));
    progress(engine, 'the same run again');
    phases.push(await runPhase(db, 'again', firstAt, parameters));
    progress(engine, `next night at ${nextAt.toISOString()}`);
    phases.push(await runPhase(db, 'next', nextAt, parameters));
    started = performance.now();
    const checks = await checkInvariants(db, phases, nextAt);
    progress(
      engine,
      `checks in ${seconds(performance.now() - started)} s: ${checks.length === 0 ? 'ok' : checks.join('; ')}`,
    );
    return {
      engine,
      ok: checks.length === 0,
      ...(checks.length > 0 ? { error: `invariants failed: ${checks.join('; ')}` } : {}),
      engineVersion:
        engine === 'pglite' ? `PGlite ${await packageVersion('@electric-sql/pglite')} (${version})` : version,
      database: location,
      migrateAndMasterMs,
      generation,
      phases,
      checks,
      databaseSizeBytes: { afterGenerate: sizeAfterGenerate, atEnd: await databaseSize(db) },
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await database.close();
    await cleanup();
  }
}

function report(results: EngineResult[]): string {
  const rows = results.flatMap((result) => {
    if (!result.phases.length) {
      return [[result.engine, `FAILED: ${result.error ?? ''}`.slice(0, 80), '', '', '', '', '', '']];
    }
    return result.phases.flatMap((phase) => {
      const g = phase.governments;
      const changes = [
        g.renewed ? `${g.renewed} renewed` : '',
        g.lapsed ? `${g.lapsed} lapsed` : '',
        g.reminded ? `${g.reminded} reminded` : '',
        g.queued ? `${g.queued} queued` : '',
        g.longStayChanged ? `${g.longStayChanged} long stay` : '',
      ].filter(Boolean);
      return [
        [
          result.engine,
          phase.phase,
          'governments: premium registrations judged',
          String(g.scanned),
          changes.join(', ') || 'none',
          seconds(g.ms).toFixed(2),
          String(g.scannedPerSecond),
          String(g.longestBatchMs),
        ],
        [
          result.engine,
          phase.phase,
          'notices: one notification per person and kind',
          String(phase.notices.notices),
          `${phase.notices.mails} notifications queued`,
          seconds(phase.notices.ms).toFixed(2),
          String(phase.notices.noticesPerSecond),
          '',
        ],
      ];
    });
  });
  const generationRows = results.flatMap((result) =>
    (result.generation?.steps ?? []).map((step) => [
      result.engine,
      step.step,
      String(step.rows),
      (step.ms / 1000).toFixed(2),
      String(step.rowsPerSecond),
    ]),
  );
  const summary = results.map((result) => [
    result.engine,
    String(result.generation?.totalRows ?? ''),
    ((result.generation?.ms ?? 0) / 1000).toFixed(2),
    String(Math.round((result.databaseSizeBytes?.afterGenerate ?? 0) / 1024 / 1024)),
    String(Math.round((result.databaseSizeBytes?.atEnd ?? 0) / 1024 / 1024)),
    String(result.peakRssMiB ?? ''),
    result.checks?.length === 0 ? 'ok' : `FAILED (${result.checks?.length ?? '?'})`,
  ]);
  const cpuCount = cpus().length;
  const busy = results.flatMap((result) =>
    result.phases
      .filter((phase) => Math.max(phase.loadAverage1m.before, phase.loadAverage1m.after) > cpuCount)
      .map((phase) => `${result.engine} ${phase.phase} (${phase.loadAverage1m.before} → ${phase.loadAverage1m.after})`),
  );
  return [
    table(
      ['engine', 'run', 'step', 'rows', 'changed', 'seconds', 'rows/s', 'longest batch ms'],
      rows,
      new Set([3, 5, 6, 7]),
    ),
    '',
    table(['engine', 'generated', 'rows', 'seconds', 'rows/s'], generationRows, new Set([2, 3, 4])),
    '',
    table(
      ['engine', 'generated rows', 'seconds', 'MiB after generating', 'MiB at end', 'peak RSS MiB', 'checks'],
      summary,
      new Set([1, 2, 3, 4, 5]),
    ),
    ...(busy.length > 0
      ? [
          '',
          `warning: the 1-minute load average exceeded the ${cpuCount} CPUs during ${busy.join(', ')}; other processes competed for CPU`,
        ]
      : []),
  ].join('\n');
}

async function main(): Promise<number> {
  const parameters = parseParameters(process.argv.slice(2));
  if (!parameters) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const startedAt = new Date();
  const results: EngineResult[] = [];
  for (const engine of parameters.engines) {
    try {
      results.push(await benchEngine(engine, parameters));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      progress(engine, `failed: ${error instanceof Error ? (error.stack ?? message) : message}`);
      results.push({ engine, ok: false, error: message, phases: [] });
    }
  }
  const cpuList = cpus();
  const document = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: ['npm run bench:renewal', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    machine: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      osRelease: release(),
      cpuCount: cpuList.length,
      cpuModel: cpuList[0]?.model ?? null,
      totalMemoryBytes: totalmem(),
      freeMemoryBytesAtEnd: freemem(),
      loadAverageAtEnd: loadavg().map(round2),
    },
    gitCommit: gitCommit(),
    parameters: { ...parameters, firstAt: firstAt.toISOString(), nextAt: nextAt.toISOString() },
    results,
  };
  await mkdir(resultsFolder, { recursive: true });
  const file = join(resultsFolder, `renewal-${fileTimestamp(startedAt)}.json`);
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`\n${report(results)}\n\nresults: ${file}\n`);
  return results.every((result) => result.ok) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      process.stderr.write(`${error.message}\n\n${usage}\n`);
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exitCode = 1;
  },
);
