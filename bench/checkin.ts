/**
 * `npm run bench:checkin`: a festival's check-in at the participant endpoint. For each engine: a fresh
 * database with one session of a designated project and N people signed in (sessions made directly),
 * the real server in a child process, then autocannon with every person scanning the session's current
 * code once (POST /api/v1/me/check-ins, all recorded), and once more (all answered "already present").
 * Reports requests per second and latency percentiles, and checks that exactly N rows were recorded.
 * The target of the issue: 5,000 people within 10 minutes, i.e. 8.3 check-ins per second.
 */
import autocannon from 'autocannon';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import {
  addSession,
  checkinCodeAt,
  createProject,
  setProjectDesignation,
  setProjectStatus,
} from '../src/modules/activities/index.js';
import { joinTenant, loadMasterData } from '../src/modules/municipalities/index.js';
import type { Actor } from '../src/platform/audit.js';
import { hashToken, randomToken } from '../src/platform/auth/secrets.js';
import { openDatabase, type DatabaseEngine, type DatabaseHandle } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import type { Database } from '../src/platform/db/schema.js';
import { withTenant } from '../src/platform/db/tenant-scope.js';
import { integerOption, UsageError } from './cli.js';
import { fileTimestamp, gitCommit, resultsFolder, round2, table, withDatabaseName } from './report.js';
import { percentile, startServerProcess } from './server.js';

const usage = `Usage: npm run bench:checkin -- [options]
  --engine pglite|postgres|both  engines to measure (default both)
  --people N                     people checking in (default 5000)
  --connections C                concurrent HTTP connections (phones) (default 50)
  --postgres-url URL             maintenance connection (default postgres://postgres@127.0.0.1:5432/postgres)`;

const lgCode = '042056';
const benchDatabaseName = 'furusato_bench_checkin';
const appSecret = 'bench-checkin-secret-bench-checkin-secret-0123456789';
const csrfToken = randomToken();
const cleanups = new Set<() => Promise<unknown>>();

interface Parameters {
  engines: DatabaseEngine[];
  people: number;
  connections: number;
  postgresAdminUrl: string;
}

function progress(engine: string, message: string): void {
  process.stderr.write(`[${engine}] ${message}\n`);
}

const cityStaff: Actor = {
  kind: 'system',
  id: null,
  secondFactor: true,
  memberships: [{ lgCode, membershipId: 'bench', role: 'tenant_admin', organisationId: null }],
};

/** One festival session, open now, and N people with a live session cookie each (set-based inserts). */
async function fill(db: Kysely<Database>, people: number) {
  await migrateToLatest(db);
  await loadMasterData(db);
  await joinTenant({ db, actor: { kind: 'operator', id: 'bench' }, lgCode });
  const project = await createProject({
    db,
    actor: cityStaff,
    lgCode,
    input: { title: '気仙沼みなとまつり 運営ボランティア', category: 'festival' },
  });
  await setProjectDesignation({ db, actor: cityStaff, lgCode, projectId: project.id, designation: 'designated' });
  await setProjectStatus({ db, actor: cityStaff, lgCode, projectId: project.id, status: 'published' });
  const session = await addSession({
    db,
    actor: cityStaff,
    lgCode,
    projectId: project.id,
    input: {
      startsAt: new Date(Date.now() - 60 * 60 * 1000).toISOString(),
      endsAt: new Date(Date.now() + 12 * 60 * 60 * 1000).toISOString(),
    },
  });
  const ids: string[] = [];
  const tokens: string[] = [];
  for (let index = 0; index < people; index += 1) {
    ids.push(uuidv7());
    tokens.push(randomToken());
  }
  const chunk = 5_000;
  for (let start = 0; start < people; start += chunk) {
    const part = ids.slice(start, start + chunk);
    const partTokens = tokens.slice(start, start + chunk);
    await sql`insert into persons (id, email, display_name)
      select id, 'bench-' || id || '@example.invalid', '参加者 ' || n
      from unnest(${part}::uuid[]) with ordinality as u(id, n)`.execute(db);
    await sql`insert into sessions (token_hash, id, person_id, authenticated_by, expires_at)
      select h, gen_random_uuid(), p, 'email', now() + interval '1 day'
      from unnest(${partTokens.map(hashToken)}::text[], ${part}::uuid[]) as u(h, p)`.execute(db);
  }
  // Half of them are ふるさと住民 of the city, as at a real festival.
  const registered = ids.filter((_, index) => index % 2 === 0);
  await withTenant(db, lgCode, (scope) =>
    sql`insert into registrations (lg_code, id, person_id, shared_name)
        select ${lgCode}, gen_random_uuid(), p, '登録者' from unnest(${registered}::uuid[]) as u(p)`.execute(scope.trx),
  );
  return { sessionId: session.id, tokens };
}

interface RoundResult {
  round: string;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  statusCodes: Record<string, number>;
  errors: number;
}

async function round(
  url: string,
  name: string,
  options: { tokens: string[]; sessionId: string; connections: number; publicUrl: string },
): Promise<RoundResult> {
  let next = 0;
  let latencies = new Float64Array(options.tokens.length);
  let count = 0;
  const statusCodes: Record<string, number> = {};
  const started = performance.now();
  const instance = autocannon({
    url,
    connections: options.connections,
    amount: options.tokens.length,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const token = options.tokens[next % options.tokens.length] ?? '';
          next += 1;
          request.path = '/api/v1/me/check-ins';
          request.headers = {
            'content-type': 'application/json',
            accept: 'application/json',
            origin: options.publicUrl,
            'x-csrf-token': csrfToken,
            cookie: `sid=${token}; csrf=${csrfToken}`,
          };
          // The code on the organiser's screen at the moment of the scan.
          request.body = JSON.stringify({
            code: checkinCodeAt(
              { APP_SECRET: appSecret, PUBLIC_URL: options.publicUrl },
              lgCode,
              options.sessionId,
              new Date(),
            ),
            sessionId: options.sessionId,
          });
          return request;
        },
      },
    ],
  });
  instance.on('response', (_client, status, _bytes, responseTimeMs) => {
    statusCodes[status] = (statusCodes[status] ?? 0) + 1;
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count] = responseTimeMs;
    count += 1;
  });
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.subarray(0, count).sort();
  return {
    round: name,
    requests: count,
    seconds: round2(seconds),
    requestsPerSecond: round2(count / seconds),
    latencyMs: {
      p50: round2(percentile(sorted, 0.5)),
      p90: round2(percentile(sorted, 0.9)),
      p99: round2(percentile(sorted, 0.99)),
      max: round2(sorted.at(-1) ?? 0),
    },
    statusCodes,
    errors: result.errors,
  };
}

async function benchEngine(engine: DatabaseEngine, parameters: Parameters) {
  let database: DatabaseHandle;
  let serverEnv: Record<string, string>;
  let cleanup: () => Promise<void>;
  if (engine === 'pglite') {
    const folder = await mkdtemp(join(tmpdir(), 'furusato-bench-checkin-'));
    const dataDir = join(folder, 'pglite');
    database = await openDatabase({ engine: 'pglite', dataDir });
    serverEnv = { PGLITE_DIR: dataDir };
    cleanup = () => rm(folder, { recursive: true, force: true });
  } else {
    const admin = new pg.Client({ connectionString: parameters.postgresAdminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${benchDatabaseName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${benchDatabaseName}`);
    await admin.end();
    const url = withDatabaseName(parameters.postgresAdminUrl, benchDatabaseName);
    database = await openDatabase({ engine: 'postgres', connectionString: url });
    serverEnv = { DATABASE_URL: url };
    cleanup = async () => {};
  }
  cleanups.add(cleanup);
  try {
    progress(engine, `preparing ${parameters.people} people and a festival session`);
    const filled = performance.now();
    const { sessionId, tokens } = await fill(database.db, parameters.people);
    await sql`vacuum analyze`.execute(database.db);
    const fillMs = Math.round(performance.now() - filled);
    await database.close();

    const server = await startServerProcess(engine, { ...serverEnv, APP_SECRET: appSecret }, cleanups);
    const publicUrl = 'http://localhost:3000';
    const loadBefore = round2(loadavg()[0] ?? 0);
    progress(engine, `${parameters.people} people check in with ${parameters.connections} connections`);
    const first = await round(server.url, 'first scan (recorded)', {
      tokens,
      sessionId,
      connections: parameters.connections,
      publicUrl,
    });
    progress(engine, 'the same people scan again');
    const second = await round(server.url, 'second scan (already present)', {
      tokens,
      sessionId,
      connections: parameters.connections,
      publicUrl,
    });
    const stopped = await server.stop();

    const check = await openDatabase(
      engine === 'pglite'
        ? { engine: 'pglite', dataDir: serverEnv.PGLITE_DIR! }
        : { engine: 'postgres', connectionString: serverEnv.DATABASE_URL! },
    );
    const rows = await sql<{ count: string; people: string }>`
      select count(*) as count, count(distinct person_id) as people from attendance where status = 'present'`.execute(
      check.db,
    );
    await check.close();
    const recorded = Number(rows.rows[0]?.count ?? 0);
    const ok =
      recorded === parameters.people &&
      Number(rows.rows[0]?.people ?? 0) === parameters.people &&
      first.statusCodes['201'] === parameters.people &&
      second.statusCodes['200'] === parameters.people;
    return {
      engine,
      fillMs,
      rounds: [first, second],
      attendanceRows: recorded,
      ok,
      serverExit: stopped,
      loadAverage1m: { before: loadBefore, after: round2(loadavg()[0] ?? 0) },
    };
  } finally {
    await cleanup();
    cleanups.delete(cleanup);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      engine: { type: 'string' },
      people: { type: 'string' },
      connections: { type: 'string' },
      'postgres-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const engine = values.engine ?? 'both';
  if (engine !== 'pglite' && engine !== 'postgres' && engine !== 'both')
    throw new UsageError('--engine must be pglite, postgres or both');
  const parameters: Parameters = {
    engines: engine === 'both' ? ['pglite', 'postgres'] : [engine],
    people: integerOption('people', values.people, 5000, 1),
    connections: integerOption('connections', values.connections, 50, 1),
    postgresAdminUrl: values['postgres-url'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
  process.on('SIGINT', () => {
    void Promise.allSettled([...cleanups].map((cleanup) => cleanup())).then(() => process.exit(130));
  });
  const results = [];
  for (const each of parameters.engines) results.push(await benchEngine(each, parameters));
  const rows = results.flatMap((result) =>
    result.rounds.map((entry) => [
      result.engine,
      entry.round,
      String(entry.requests),
      entry.seconds.toFixed(1),
      entry.requestsPerSecond.toFixed(0),
      entry.latencyMs.p50.toFixed(1),
      entry.latencyMs.p99.toFixed(1),
      entry.latencyMs.max.toFixed(0),
      JSON.stringify(entry.statusCodes),
    ]),
  );
  process.stdout.write(
    `\n${table(['engine', 'round', 'requests', 's', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'statuses'], rows, new Set([2, 3, 4, 5, 6, 7]))}\n`,
  );
  for (const result of results) {
    process.stdout.write(
      `${result.engine}: ${result.attendanceRows} attendance rows for ${parameters.people} people (${result.ok ? 'ok' : 'NOT OK'}); prepared in ${result.fillMs} ms\n`,
    );
  }
  await mkdir(resultsFolder, { recursive: true });
  const file = join(resultsFolder, `checkin-${fileTimestamp(new Date())}.json`);
  await writeFile(
    file,
    `${JSON.stringify({ commit: gitCommit(), cpus: cpus().length, parameters, results }, null, 2)}\n`,
  );
  process.stdout.write(`results: ${file}\n`);
  return results.every((result) => result.ok) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
