/**
 * `npm run bench`: for each engine, a fresh database filled by the seeded generator, the real server in
 * a child process, and autocannon against it over loopback. Prints a table and writes
 * bench/results/<timestamp>.json. See bench/README.md.
 */
import autocannon from 'autocannon';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { loadMasterData } from '../src/modules/municipalities/master-data.js';
import { canBeTenant } from '../src/modules/municipalities/municipalities.policy.js';
import { openDatabase, type DatabaseEngine, type DatabaseHandle } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import type { LocalGovernmentKind } from '../src/platform/db/schema.js';
import { integerOption, UsageError } from './cli.js';
import { percentile, startServerProcess, type ServerProcess } from './server.js';
import { defaultScale, defaultSeed, formatGenerateResult, generate, type GenerateResult } from './generate.js';
import { deriveSeed, mulberry32, shuffled } from './random.js';
import { fileTimestamp, gitCommit, packageVersion, resultsFolder, round2, table, withDatabaseName } from './report.js';

const benchDatabaseName = 'furusato_bench';

const usage = `Usage: npm run bench -- [options]
  --engine pglite|postgres|both  engines to measure (default both)
  --tenants N                    governments that join (default ${defaultScale.tenants}, at most 1788)
  --audit-events M               audit events per tenant besides tenant.joined (default ${defaultScale.auditEventsPerTenant})
  --duration S                   seconds of measured load per scenario (default 10)
  --warmup S                     seconds of unmeasured load first (default 2)
  --connections C                concurrent HTTP connections (default 10)
  --seed X                       generator and request-order seed (default ${defaultSeed})
  --postgres-url URL             maintenance connection used to drop and create ${benchDatabaseName}
                                 (default postgres://postgres@127.0.0.1:5432/postgres)`;

interface Parameters {
  engines: DatabaseEngine[];
  tenants: number;
  auditEventsPerTenant: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  seed: number;
  postgresAdminUrl: string;
}

function parseParameters(argv: string[]): Parameters | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string' },
      tenants: { type: 'string' },
      'audit-events': { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
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
    tenants: integerOption('tenants', values.tenants, defaultScale.tenants),
    auditEventsPerTenant: integerOption('audit-events', values['audit-events'], defaultScale.auditEventsPerTenant),
    durationSeconds: integerOption('duration', values.duration, 10, 1),
    warmupSeconds: integerOption('warmup', values.warmup, 2),
    connections: integerOption('connections', values.connections, 10, 1),
    seed: integerOption('seed', values.seed, defaultSeed),
    postgresAdminUrl: values['postgres-url'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

/** Progress goes to stderr so that stdout holds only the results. */
function progress(engine: string, message: string): void {
  process.stderr.write(`[${engine}] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------------
// Cleanup on Ctrl-C: the server child and temporary folders must not outlive the run.

const cleanups = new Set<() => Promise<unknown>>();

function onInterrupt(signal: NodeJS.Signals): void {
  process.stderr.write(`\n${signal}: stopping the server and removing temporary files\n`);
  void Promise.allSettled([...cleanups].map((cleanup) => cleanup())).then(() => process.exit(130));
}

// ---------------------------------------------------------------------------------------------------
// Databases

interface PreparedDatabase {
  /** Environment that points the server at this database. */
  serverEnv: Record<string, string>;
  location: string;
  engineVersion: string;
  migrateAndMasterMs: number;
  generator: GenerateResult;
  vacuumAnalyzeMs: number;
  /** Codes of every government the API serves as a tenant candidate (prefectures and municipalities). */
  lgCodes: string[];
  cleanup(): Promise<void>;
}

async function fillDatabase(
  database: DatabaseHandle,
  parameters: Parameters,
): Promise<Omit<PreparedDatabase, 'serverEnv' | 'location' | 'cleanup'>> {
  const engine = database.engine;
  let started = performance.now();
  await migrateToLatest(database.db);
  await loadMasterData(database.db);
  const migrateAndMasterMs = Math.round(performance.now() - started);
  progress(engine, `migrations and municipality master: ${migrateAndMasterMs} ms`);

  progress(
    engine,
    `generating ${parameters.tenants} tenants × ${parameters.auditEventsPerTenant} audit events (seed ${parameters.seed})`,
  );
  const generator = await generate(database.db, {
    seed: parameters.seed,
    tenants: parameters.tenants,
    auditEventsPerTenant: parameters.auditEventsPerTenant,
  });
  process.stderr.write(`${formatGenerateResult(generator)}\n`);

  // Fresh statistics and a vacuumed heap now, or autovacuum would wake up in the middle of the run.
  started = performance.now();
  await sql`vacuum analyze`.execute(database.db);
  const vacuumAnalyzeMs = Math.round(performance.now() - started);

  const version = await sql<{ version: string }>`select version()`.execute(database.db);
  const governments = await database.db
    .selectFrom('local_governments')
    .select(['lg_code', 'kind'])
    .orderBy('lg_code')
    .execute();
  return {
    engineVersion: version.rows[0]?.version ?? 'unknown',
    migrateAndMasterMs,
    generator,
    vacuumAnalyzeMs,
    lgCodes: governments.filter((row) => canBeTenant(row.kind as LocalGovernmentKind)).map((row) => row.lg_code),
  };
}

async function preparePglite(parameters: Parameters): Promise<PreparedDatabase> {
  const folder = await mkdtemp(join(tmpdir(), 'furusato-bench-'));
  const cleanup = async () => {
    await rm(folder, { recursive: true, force: true });
  };
  cleanups.add(cleanup);
  const dataDir = join(folder, 'pglite');
  const database = await openDatabase({ engine: 'pglite', dataDir });
  try {
    const filled = await fillDatabase(database, parameters);
    const pgliteVersion = await packageVersion('@electric-sql/pglite');
    return {
      ...filled,
      engineVersion: `PGlite ${pgliteVersion} (${filled.engineVersion})`,
      serverEnv: { PGLITE_DIR: dataDir },
      location: dataDir,
      cleanup,
    };
  } finally {
    // The folder's lock file admits one process: the server cannot open it until this handle is closed.
    await database.close();
  }
}

async function preparePostgres(parameters: Parameters): Promise<PreparedDatabase> {
  const admin = new pg.Client({ connectionString: parameters.postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${benchDatabaseName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${benchDatabaseName}`);
  } finally {
    await admin.end();
  }
  const url = withDatabaseName(parameters.postgresAdminUrl, benchDatabaseName);
  const database = await openDatabase({ engine: 'postgres', connectionString: url, poolMax: 2 });
  try {
    const filled = await fillDatabase(database, parameters);
    // Kept after the run for inspection; the next run drops it first.
    return { ...filled, serverEnv: { DATABASE_URL: url }, location: url, cleanup: async () => {} };
  } finally {
    await database.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// The server under test

// ---------------------------------------------------------------------------------------------------
// Load

interface Scenario {
  name: string;
  method: 'GET';
  pathTemplate: string;
  paths: string[];
  /** Checks one response before the load starts, so a broken endpoint is not measured as a fast one. */
  check(body: unknown, path: string): boolean;
}

interface ScenarioResult {
  engine: DatabaseEngine;
  scenario: string;
  method: string;
  path: string;
  distinctPaths: number;
  connections: number;
  durationSeconds: number;
  requests: number;
  requestsPerSecond: { mean: number; stddev: number; min: number; max: number };
  /** From every response's own timing (sub-millisecond). */
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** autocannon's histogram, which counts whole milliseconds. */
  autocannonLatencyMs: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /**
   * 1-minute load average before and after the measured run. Above the CPU count, other processes
   * competed with the server for the cores and the figures understate what it can do.
   */
  loadAverage1m: { before: number; after: number };
}

/** Every connection takes the next path of one shared cycle, so all codes are hit equally often. */
function cyclingRequests(paths: string[]): autocannon.Request[] {
  let next = 0;
  return [
    {
      method: 'GET',
      setupRequest: (request) => {
        request.path = paths[next % paths.length] ?? '/';
        next += 1;
        return request;
      },
    },
  ];
}

async function runLoad(
  url: string,
  scenario: Scenario,
  options: { connections: number; durationSeconds: number; record: boolean },
): Promise<{ result: autocannon.Result; latencies: Float64Array }> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const instance = autocannon({
    url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: cyclingRequests(scenario.paths),
    headers: { accept: 'application/json' },
  });
  if (options.record) {
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count] = responseTimeMs;
      count += 1;
    });
  }
  const result = await instance;
  return { result, latencies: latencies.subarray(0, count).sort() };
}

async function measureScenario(
  engine: DatabaseEngine,
  server: ServerProcess,
  scenario: Scenario,
  parameters: Parameters,
): Promise<ScenarioResult> {
  const probePath = scenario.paths[0] ?? '/';
  const probe = await fetch(`${server.url}${probePath}`, { headers: { accept: 'application/json' } });
  const probeBody: unknown = await probe.json().catch(() => undefined);
  if (probe.status !== 200 || !scenario.check(probeBody, probePath)) {
    throw new Error(
      `${scenario.name}: GET ${probePath} answered ${probe.status} ${JSON.stringify(probeBody).slice(0, 300)}`,
    );
  }

  if (parameters.warmupSeconds > 0) {
    progress(engine, `warming up ${scenario.name} for ${parameters.warmupSeconds} s`);
    await runLoad(server.url, scenario, {
      connections: parameters.connections,
      durationSeconds: parameters.warmupSeconds,
      record: false,
    });
  }
  const loadBefore = round2(loadavg()[0] ?? 0);
  progress(
    engine,
    `measuring ${scenario.name}: ${parameters.durationSeconds} s, ${parameters.connections} connections`,
  );
  const { result, latencies } = await runLoad(server.url, scenario, {
    connections: parameters.connections,
    durationSeconds: parameters.durationSeconds,
    record: true,
  });
  const latencySum = latencies.reduce((sum, value) => sum + value, 0);
  return {
    engine,
    scenario: scenario.name,
    method: scenario.method,
    path: scenario.pathTemplate,
    distinctPaths: scenario.paths.length,
    connections: result.connections,
    durationSeconds: result.duration,
    requests: result.requests.total,
    requestsPerSecond: {
      mean: result.requests.mean,
      stddev: result.requests.stddev,
      min: result.requests.min,
      max: result.requests.max,
    },
    latencyMs: {
      mean: round2(latencies.length > 0 ? latencySum / latencies.length : 0),
      p50: round2(percentile(latencies, 0.5)),
      p90: round2(percentile(latencies, 0.9)),
      p99: round2(percentile(latencies, 0.99)),
      max: round2(latencies.at(-1) ?? 0),
    },
    autocannonLatencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stats]) => [code, stats.count])),
    loadAverage1m: { before: loadBefore, after: round2(loadavg()[0] ?? 0) },
  };
}

function municipalityScenario(lgCodes: string[], seed: number): Scenario {
  // A seeded order, so that neighbouring requests do not hit neighbouring rows and pages.
  const order = shuffled(lgCodes, mulberry32(deriveSeed(seed, 'requests')));
  return {
    name: 'municipality-detail',
    method: 'GET',
    pathTemplate: '/api/v1/municipalities/{lgCode}',
    paths: order.map((code) => `/api/v1/municipalities/${code}`),
    check: (body, path) =>
      typeof body === 'object' && body !== null && 'lgCode' in body && path.endsWith(`/${String(body.lgCode)}`),
  };
}

// ---------------------------------------------------------------------------------------------------
// One engine, end to end

interface EngineResult {
  engine: DatabaseEngine;
  ok: boolean;
  error?: string;
  engineVersion?: string;
  database?: string;
  migrateAndMasterMs?: number;
  generator?: GenerateResult;
  vacuumAnalyzeMs?: number;
  server?: {
    startMs: number;
    env: Record<string, string>;
    peakRssMiB: number | null;
    exit: { code: number | null; signal: NodeJS.Signals | null; ms: number };
  };
  scenarios: ScenarioResult[];
}

async function benchEngine(engine: DatabaseEngine, parameters: Parameters): Promise<EngineResult> {
  progress(
    engine,
    engine === 'pglite' ? 'preparing a fresh database in a temporary folder' : `recreating ${benchDatabaseName}`,
  );
  const prepared = engine === 'pglite' ? await preparePglite(parameters) : await preparePostgres(parameters);
  try {
    progress(engine, 'starting the server');
    const server = await startServerProcess(engine, prepared.serverEnv, cleanups);
    progress(engine, `server ${server.url} ready in ${server.startMs} ms`);
    const scenarios: ScenarioResult[] = [];
    let exit: Awaited<ReturnType<ServerProcess['stop']>>;
    let peakRssMiB: number | null = null;
    try {
      scenarios.push(
        await measureScenario(engine, server, municipalityScenario(prepared.lgCodes, parameters.seed), parameters),
      );
      peakRssMiB = await server.peakRssMiB();
    } finally {
      progress(engine, 'stopping the server (SIGTERM)');
      exit = await server.stop();
    }
    if (exit.code !== 0) progress(engine, `warning: the server exited with code ${exit.code}, signal ${exit.signal}`);
    return {
      engine,
      ok: true,
      engineVersion: prepared.engineVersion,
      database: prepared.location,
      migrateAndMasterMs: prepared.migrateAndMasterMs,
      generator: prepared.generator,
      vacuumAnalyzeMs: prepared.vacuumAnalyzeMs,
      server: { startMs: server.startMs, env: prepared.serverEnv, peakRssMiB, exit },
      scenarios,
    };
  } finally {
    await prepared.cleanup();
    cleanups.delete(prepared.cleanup);
  }
}

// ---------------------------------------------------------------------------------------------------
// Report

function report(results: EngineResult[]): string {
  const loadRows = results.flatMap((result) =>
    result.ok
      ? result.scenarios.map((scenario) => [
          result.engine,
          `${scenario.method} ${scenario.path}`,
          scenario.requestsPerSecond.mean.toFixed(1),
          scenario.latencyMs.p50.toFixed(2),
          scenario.latencyMs.p99.toFixed(2),
          String(scenario.non2xx),
          String(scenario.errors),
        ])
      : [[result.engine, `FAILED: ${result.error ?? ''}`.slice(0, 80), '', '', '', '', '']],
  );
  const generatorRows = results
    .filter((result) => result.generator)
    .map((result) => {
      const generator = result.generator as GenerateResult;
      return [
        result.engine,
        String(generator.totalRows),
        (generator.ms / 1000).toFixed(2),
        String(generator.rowsPerSecond),
        generator.generators.map((timing) => `${timing.name} ${timing.rowsPerSecond}/s`).join(', '),
      ];
    });
  const cpuCount = cpus().length;
  const busy = results.flatMap((result) =>
    result.scenarios
      .filter((scenario) => Math.max(scenario.loadAverage1m.before, scenario.loadAverage1m.after) > cpuCount)
      .map(
        (scenario) =>
          `${result.engine} ${scenario.scenario} (${scenario.loadAverage1m.before} → ${scenario.loadAverage1m.after})`,
      ),
  );
  return [
    table(['engine', 'scenario', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'], loadRows, new Set([2, 3, 4, 5, 6])),
    '',
    table(['engine', 'generated rows', 'seconds', 'rows/s', 'per generator'], generatorRows, new Set([1, 2, 3])),
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
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);

  const startedAt = new Date();
  const results: EngineResult[] = [];
  for (const engine of parameters.engines) {
    try {
      results.push(await benchEngine(engine, parameters));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const detail = error instanceof Error && !(error instanceof UsageError) ? (error.stack ?? message) : message;
      progress(engine, `failed: ${detail}`);
      results.push({ engine, ok: false, error: message, scenarios: [] });
    }
  }
  const finishedAt = new Date();

  const cpuList = cpus();
  const document = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
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
    parameters: {
      engines: parameters.engines,
      tenants: parameters.tenants,
      auditEventsPerTenant: parameters.auditEventsPerTenant,
      durationSeconds: parameters.durationSeconds,
      warmupSeconds: parameters.warmupSeconds,
      connections: parameters.connections,
      seed: parameters.seed,
      postgresAdminUrl: parameters.postgresAdminUrl,
    },
    results,
  };
  await mkdir(resultsFolder, { recursive: true });
  const file = join(resultsFolder, `${fileTimestamp(startedAt)}.json`);
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
