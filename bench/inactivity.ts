/**
 * `npm run bench:inactivity`: the nightly basic-inactivity run (src/modules/registrations/inactivity.*)
 * over generated persons and registrations, on each engine. Three runs at fixed instants:
 *   ask      2027-09-22 06:00 JST: about a third of the registrations have gone quiet long enough;
 *   release  30 days later, after some persons answered or came back: the rest are released, and the
 *            registrations that went quiet since are asked;
 *   again    the same instant once more: nothing may change (idempotence), so this is the bare scan.
 * Each run times the governments' part (every participating government, window after window, as the
 * per-government jobs do) and the notices (one mail per person, queued in bulk) separately. Prints a
 * table and writes bench/results/inactivity-<timestamp>.json. See bench/README.md.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { loadMasterData } from '../src/modules/municipalities/master-data.js';
import {
  deliverInactivityNotices,
  runInactivityForTenant,
  type InactivityCounts,
} from '../src/modules/registrations/inactivity.service.js';
import { openDatabase, type DatabaseEngine, type DatabaseHandle } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import type { Database } from '../src/platform/db/schema.js';
import { integerOption, UsageError } from './cli.js';
import { defaultSeed, formatGenerateResult, generate, type GenerateResult } from './generate.js';
import { deriveSeed, mulberry32 } from './random.js';
import { fileTimestamp, gitCommit, packageVersion, resultsFolder, round2, table, withDatabaseName } from './report.js';

const benchDatabaseName = 'furusato_bench_inactivity';
const dayMs = 24 * 60 * 60 * 1000;
/** 06:00 JST, when the scheduled run starts. Generated last access lies in 2025-07 … 2026-03. */
const askAt = new Date('2027-09-21T21:00:00Z');
const releaseAt = new Date(askAt.getTime() + 30 * dayMs);

const usage = `Usage: npm run bench:inactivity -- [options]
  --engine pglite|postgres|both  engines to measure (default both)
  --registrations N              registrations over all tenants, with their persons (default 100000)
  --tenants N                    governments that join (default 200, at most 1788)
  --batch-size N                 registrations per window (one transaction) (default 5000)
  --workers N                    governments run at the same time, as N job workers would (default 1;
                                 PGlite runs one statement at a time whatever this says)
  --seed X                       generator seed (default ${defaultSeed})
  --postgres-url URL             maintenance connection used to drop and create ${benchDatabaseName}
                                 (default postgres://postgres@127.0.0.1:5432/postgres)`;

interface Parameters {
  engines: DatabaseEngine[];
  registrations: number;
  tenants: number;
  batchSize: number;
  workers: number;
  seed: number;
  postgresAdminUrl: string;
}

function parseParameters(argv: string[]): Parameters | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string' },
      registrations: { type: 'string' },
      tenants: { type: 'string' },
      'batch-size': { type: 'string' },
      workers: { type: 'string' },
      seed: { type: 'string' },
      'postgres-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const engine = values.engine ?? 'both';
  if (engine !== 'pglite' && engine !== 'postgres' && engine !== 'both') {
    throw new UsageError(`--engine must be pglite, postgres or both, got ${JSON.stringify(engine)}`);
  }
  return {
    engines: engine === 'both' ? ['pglite', 'postgres'] : [engine],
    registrations: integerOption('registrations', values.registrations, 100_000, 1),
    tenants: integerOption('tenants', values.tenants, 200, 1),
    batchSize: integerOption('batch-size', values['batch-size'], 5_000, 1),
    workers: integerOption('workers', values.workers, 1, 1),
    seed: integerOption('seed', values.seed, defaultSeed),
    postgresAdminUrl: values['postgres-url'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

function progress(engine: string, message: string): void {
  process.stderr.write(`[${engine}] ${message}\n`);
}

const seconds = (ms: number) => Math.round(ms) / 1000;
const perSecond = (rows: number, ms: number) => (ms > 0 ? Math.round((rows / ms) * 1000) : 0);

/**
 * A stable pseudo-random number 0–99 per row, the same on both engines: which registrations answer or
 * come back does not depend on the order rows are read in.
 */
const bucketOf = (column: string) => sql.raw(`(('x' || substr(md5(${column}::text), 1, 7))::bit(28)::int % 100)`);

/** Some governments shorten or lengthen the period (tenant settings), as real ones will. */
async function varySettings(db: Kysely<Database>, seed: number): Promise<Record<number, number>> {
  const random = mulberry32(deriveSeed(seed, 'inactivity-settings'));
  const tenants = await db.selectFrom('tenants').select('lg_code').orderBy('lg_code').execute();
  const codes: string[] = [];
  const months: number[] = [];
  const spread: Record<number, number> = {};
  for (const tenant of tenants) {
    const roll = random.next();
    const value = roll < 0.1 ? 12 : roll < 0.2 ? 36 : 24;
    spread[value] = (spread[value] ?? 0) + 1;
    if (value === 24) continue;
    codes.push(tenant.lg_code);
    months.push(value);
  }
  await sql`
    update tenants t set settings = jsonb_set(t.settings, '{registration,inactivityMonths}', to_jsonb(u.months))
    from unnest(${codes}::text[], ${months}::int[]) as u(lg_code, months)
    where t.lg_code = u.lg_code`.execute(db);
  return spread;
}

/** Between the ask and the release: 15 % of those asked answer, another 10 % come back (sign in). */
async function simulateResponses(db: Kysely<Database>): Promise<{ answered: number; cameBack: number }> {
  const answered = await sql`
    update registrations
    set inactivity_answered_at = inactivity_asked_at + interval '1 day' * (1 + ${bucketOf('id')} % 25)
    where status = 'active' and inactivity_asked_at = ${askAt} and ${bucketOf('id')} < 15`.execute(db);
  const cameBack = await sql`
    update persons p set last_access_at = ${new Date(askAt.getTime() + 3 * dayMs)}
    from registrations r
    where r.person_id = p.id and r.status = 'active' and r.inactivity_asked_at = ${askAt}
      and ${bucketOf('r.id')} between 15 and 24`.execute(db);
  return { answered: Number(answered.numAffectedRows ?? 0n), cameBack: Number(cameBack.numAffectedRows ?? 0n) };
}

interface PhaseResult {
  phase: 'ask' | 'release' | 'again';
  now: string;
  governments: InactivityCounts & {
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
  const totals = { scanned: 0, asked: 0, released: 0, closed: 0, batches: 0, longestBatchMs: 0 };
  let started = performance.now();
  // Largest first would balance workers better; the jobs run in enqueue (code) order, so do the same.
  let next = 0;
  const worker = async () => {
    while (next < tenants.length) {
      const lgCode = tenants[next] as string;
      next += 1;
      const counts = await runInactivityForTenant({ db, lgCode, now, batchSize: parameters.batchSize });
      totals.scanned += counts.scanned;
      totals.asked += counts.asked;
      totals.released += counts.released;
      totals.closed += counts.closed;
      totals.batches += counts.batches;
      totals.longestBatchMs = Math.max(totals.longestBatchMs, counts.longestBatchMs);
    }
  };
  await Promise.all(Array.from({ length: parameters.workers }, worker));
  const governmentsMs = performance.now() - started;

  started = performance.now();
  const delivered = await deliverInactivityNotices({ db, now });
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
async function checkInvariants(db: Kysely<Database>, phases: PhaseResult[]): Promise<string[]> {
  const failures: string[] = [];
  const count = async (label: string, query: ReturnType<typeof sql<{ count: string }>>, expected: number) => {
    const row = (await query.execute(db)).rows[0];
    const actual = Number(row?.count ?? -1);
    if (actual !== expected) failures.push(`${label}: ${actual}, expected ${expected}`);
  };
  await count(
    'released although answered',
    sql`select count(*) from registrations where status = 'released' and end_reason = 'inactive'
        and inactivity_answered_at >= inactivity_asked_at`,
    0,
  );
  await count(
    'released although the person came back',
    sql`select count(*) from registrations r join persons p on p.id = r.person_id
        where r.status = 'released' and r.end_reason = 'inactive' and p.last_access_at > r.inactivity_asked_at`,
    0,
  );
  await count(
    'premium registrations touched',
    sql`select count(*) from registrations where tier = 'premium'
        and (status <> 'active' or inactivity_asked_at is not null)`,
    0,
  );
  const releasedTotal = phases.reduce((sum, phase) => sum + phase.governments.released, 0);
  await count(
    'inactive releases',
    sql`select count(*) from registrations where status = 'released' and end_reason = 'inactive'`,
    releasedTotal,
  );
  await count(
    'registration.released audit events',
    sql`select count(*) from audit_events where action = 'registration.released'`,
    releasedTotal,
  );
  const again = phases.find((phase) => phase.phase === 'again');
  if (again && again.governments.asked + again.governments.released + again.governments.closed > 0) {
    failures.push(`the repeated run changed ${JSON.stringify(again.governments)}`);
  }
  if (again && again.notices.mails > 0) failures.push(`the repeated run queued ${again.notices.mails} mails`);
  return failures;
}

interface EngineResult {
  engine: DatabaseEngine;
  ok: boolean;
  error?: string;
  engineVersion?: string;
  database?: string;
  migrateAndMasterMs?: number;
  generator?: GenerateResult;
  vacuumAnalyzeMs?: number;
  inactivityMonthsSpread?: Record<number, number>;
  responses?: { answered: number; cameBack: number; ms: number };
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
    const folder = await mkdtemp(join(tmpdir(), 'furusato-bench-inactivity-'));
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
  const database = await openDatabase({
    engine: 'postgres',
    connectionString: url,
    poolMax: parameters.workers + 1,
  });
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

    progress(engine, `generating ${parameters.registrations} registrations over ${parameters.tenants} tenants`);
    const generator = await generate(db, {
      seed: parameters.seed,
      tenants: parameters.tenants,
      auditEventsPerTenant: 0,
      registrations: parameters.registrations,
    });
    process.stderr.write(`${formatGenerateResult(generator)}\n`);
    const inactivityMonthsSpread = await varySettings(db, parameters.seed);
    started = performance.now();
    await sql`vacuum analyze`.execute(db);
    const vacuumAnalyzeMs = Math.round(performance.now() - started);
    const sizeAfterGenerate = await databaseSize(db);
    const version = (await sql<{ version: string }>`select version()`.execute(db)).rows[0]?.version ?? 'unknown';

    const phases: PhaseResult[] = [];
    progress(engine, `ask run at ${askAt.toISOString()}`);
    phases.push(await runPhase(db, 'ask', askAt, parameters));
    started = performance.now();
    const responses = await simulateResponses(db);
    const responsesMs = Math.round(performance.now() - started);
    progress(
      engine,
      `release run at ${releaseAt.toISOString()} (${responses.answered} answered, ${responses.cameBack} came back)`,
    );
    phases.push(await runPhase(db, 'release', releaseAt, parameters));
    progress(engine, 'the same run again');
    phases.push(await runPhase(db, 'again', releaseAt, parameters));

    const checks = await checkInvariants(db, phases);
    return {
      engine,
      ok: checks.length === 0,
      ...(checks.length > 0 ? { error: `invariants failed: ${checks.join('; ')}` } : {}),
      engineVersion:
        engine === 'pglite' ? `PGlite ${await packageVersion('@electric-sql/pglite')} (${version})` : version,
      database: location,
      migrateAndMasterMs,
      generator,
      vacuumAnalyzeMs,
      inactivityMonthsSpread,
      responses: { ...responses, ms: responsesMs },
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
      const changes = [
        phase.governments.asked ? `${phase.governments.asked} asked` : '',
        phase.governments.released ? `${phase.governments.released} released` : '',
        phase.governments.closed ? `${phase.governments.closed} closed` : '',
      ].filter(Boolean);
      return [
        [
          result.engine,
          phase.phase,
          'governments: registrations scanned',
          String(phase.governments.scanned),
          changes.join(', ') || 'none',
          seconds(phase.governments.ms).toFixed(2),
          String(phase.governments.scannedPerSecond),
          String(phase.governments.longestBatchMs),
        ],
        [
          result.engine,
          phase.phase,
          'notices: one mail per person',
          String(phase.notices.notices),
          `${phase.notices.mails} mails queued`,
          seconds(phase.notices.ms).toFixed(2),
          String(phase.notices.noticesPerSecond),
          '',
        ],
      ];
    });
  });
  const generatorRows = results
    .filter((result) => result.generator)
    .map((result) => {
      const generator = result.generator as GenerateResult;
      return [
        result.engine,
        String(generator.totalRows),
        (generator.ms / 1000).toFixed(2),
        String(generator.rowsPerSecond),
        String(Math.round((result.databaseSizeBytes?.atEnd ?? 0) / 1024 / 1024)),
        String(result.peakRssMiB ?? ''),
        result.checks?.length === 0 ? 'ok' : `FAILED (${result.checks?.length ?? '?'})`,
      ];
    });
  const cpuCount = cpus().length;
  const busy = results.flatMap((result) =>
    result.phases
      .filter((phase) => Math.max(phase.loadAverage1m.before, phase.loadAverage1m.after) > cpuCount)
      .map((phase) => `${result.engine} ${phase.phase} (${phase.loadAverage1m.before} → ${phase.loadAverage1m.after})`),
  );
  return [
    table(
      ['engine', 'run', 'step', 'rows', 'changed', 'seconds', 'rows/s', 'longest window ms'],
      rows,
      new Set([3, 5, 6, 7]),
    ),
    '',
    table(
      ['engine', 'generated rows', 'seconds', 'rows/s', 'database MiB', 'peak RSS MiB', 'checks'],
      generatorRows,
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
    command: ['npm run bench:inactivity', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(
      ' ',
    ),
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
    parameters: { ...parameters, askAt: askAt.toISOString(), releaseAt: releaseAt.toISOString() },
    results,
  };
  await mkdir(resultsFolder, { recursive: true });
  const file = join(resultsFolder, `inactivity-${fileTimestamp(startedAt)}.json`);
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
