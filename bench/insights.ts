/**
 * `npm run bench:insights`: the related-population dashboards at national scale on PostgreSQL.
 *
 *   1. a fresh database `furusato_bench_insights`: every government joined (1,788), and `--registrations`
 *      registrations made set-based in SQL (seeded hashes, chunks of 1,000,000, triggers off and the
 *      secondary indexes of `registrations` dropped while loading, then built again);
 *   2. the rollups rebuilt from the registrations (timed), as on a first start or after a bulk import;
 *   3. the real server in a child process; the national dashboard (page and API) and the largest
 *      prefecture's dashboard (page and API) requested `--requests` times each over `--connections`
 *      connections, with the sessions of an operator and of the prefecture's staff: p50 and p95;
 *   4. `--changes` changes through the trigger (new registrations, withdrawals, upgrades, moves), then one
 *      refresh (timed): how long until the dashboards show them; the dashboards measured again.
 *
 * Results: bench/results/insights-<timestamp>.json and a table; see bench/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { rebuildInsights, refreshInsights } from '../src/modules/insights/index.js';
import { loadMasterData } from '../src/modules/municipalities/master-data.js';
import { createSession } from '../src/platform/auth/sessions.js';
import { openDatabase, type DatabaseHandle } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import type { Database } from '../src/platform/db/schema.js';
import { integerOption, UsageError } from './cli.js';
import { fileTimestamp, gitCommit, resultsFolder, root, round2, table, withDatabaseName } from './report.js';

const databaseName = 'furusato_bench_insights';

const usage = `Usage: npm run bench:insights -- [options]
  --registrations N   registrations in all, link registrations included (default 1000000)
  --changes N         changes applied through the trigger before the timed refresh (default 100000)
  --requests N        requests per dashboard scenario (default 200)
  --connections C     concurrent requests (default 4)
  --reuse             keep the database of an earlier run with the same --registrations (skips steps 1-2)
  --postgres-url URL  maintenance connection (default postgres://postgres@127.0.0.1:5432/postgres)`;

interface Parameters {
  registrations: number;
  changes: number;
  requests: number;
  connections: number;
  reuse: boolean;
  adminUrl: string;
}

function parameters(argv: string[]): Parameters | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      registrations: { type: 'string' },
      changes: { type: 'string' },
      requests: { type: 'string' },
      connections: { type: 'string' },
      reuse: { type: 'boolean' },
      'postgres-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return undefined;
  return {
    registrations: integerOption('registrations', values.registrations, 1_000_000, 1000),
    changes: integerOption('changes', values.changes, 100_000, 1),
    requests: integerOption('requests', values.requests, 200, 1),
    connections: integerOption('connections', values.connections, 4, 1),
    reuse: values.reuse ?? false,
    adminUrl: values['postgres-url'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

const log = (message: string) =>
  process.stderr.write(`[bench:insights ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const seconds = (ms: number) => round2(ms / 1000);

async function timed<T>(label: string, work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  log(`${label}…`);
  const started = performance.now();
  const value = await work();
  const ms = performance.now() - started;
  log(`${label}: ${seconds(ms)} s`);
  return { value, ms };
}

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * One chunk of registrations from `from` to `to` (row numbers), all in SQL. Every field comes from hashes of
 * the row number, so a chunk is the same on every run. Governments are drawn with weight 1/(rank+1)^0.8
 * (inverse CDF below), so a few hold hundreds of thousands and most a few thousand; half the
 * registrations with a municipality also make a link registration with its prefecture.
 */
async function insertChunk(db: Kysely<Database>, from: number, to: number): Promise<number> {
  const result = await db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    return sql`
      with u as (
        select n,
               lpad(to_hex(hashint8extended(n, 101)), 16, '0') as k,
               (hashint8extended(n, 1) & 4294967295)::float8 / 4294967296.0::float8 as u1,
               (hashint8extended(n, 2) & 4294967295)::float8 / 4294967296.0::float8 as u2,
               (hashint8extended(n, 3) & 4294967295)::float8 / 4294967296.0::float8 as u3,
               (hashint8extended(n, 4) & 4294967295)::float8 / 4294967296.0::float8 as u4,
               (hashint8extended(n, 5) & 4294967295)::float8 / 4294967296.0::float8 as u5,
               (hashint8extended(n, 6) & 4294967295)::float8 / 4294967296.0::float8 as u6,
               (hashint8extended(n, 7) & 4294967295)::float8 / 4294967296.0::float8 as u7,
               (hashint8extended(n, 8) & 4294967295)::float8 / 4294967296.0::float8 as u8
        from generate_series(${from}::bigint, ${to}::bigint) as n
      ),
      picked as (
        select u.*, t.lg_code
        from u join bench_tenant_order t
          on t.rank = least(1787, floor(power(1 + u.u1 * (power(1789::float8, 0.2) - 1), 5) - 1)::int)
      ),
      shaped as (
        select p.*,
               timestamptz '2024-04-01 00:00+09' + (timestamptz '2026-11-01 00:00+09' - timestamptz '2024-04-01 00:00+09') * power(p.u2, 0.7) as registered_at,
               case when p.u3 < 0.25 then '13' when p.u3 < 0.35 then '14' when p.u3 < 0.42 then '11'
                    when p.u3 < 0.48 then '27' when p.u3 < 0.56 then substr(p.lg_code, 1, 2)
                    else lpad((1 + floor(p.u4 * 47))::int::text, 2, '0') end as residence_prefecture_code
        from picked p
      ),
      rows as (
        select s.*, m.lg_code as residence_lg_code,
               (s.u6 < 0.08) as ends, (s.u6 < 0.05) as withdrawn,
               (s.u7 < 0.05) as premium
        from shaped s
        left join bench_municipality_counts c on c.prefecture_code = s.residence_prefecture_code
        left join bench_municipalities m
          on m.prefecture_code = s.residence_prefecture_code and m.index = floor(s.u5 * c.count)::int
      ),
      made as (
        select r.lg_code, (lpad(to_hex(hashint8extended(r.n, 11)), 16, '0') || lpad(to_hex(hashint8extended(r.n, 12)), 16, '0'))::uuid as id,
               (lpad(to_hex(hashint8extended(r.n, 13)), 16, '0') || lpad(to_hex(hashint8extended(r.n, 14)), 16, '0'))::uuid as person_id,
               r.registered_at, r.residence_prefecture_code,
               case when r.u8 < 0.5 then r.residence_lg_code end as residence_lg_code,
               (r.u8 < 0.5 and r.residence_lg_code = r.lg_code) as own_residence,
               r.ends, r.withdrawn, r.premium and not (r.u8 < 0.5 and r.residence_lg_code = r.lg_code) as premium,
               case when r.u4 < 0.3 then null
                    else (array['18_29','30_39','40_49','50_59','60_69','70_plus','under_18'])[1 + floor(r.u5 * 7)::int] end as age_band,
               array_remove(array[
                 case when substr(r.k, 1, 1) < '7' then 'birthplace_or_lived' end,
                 case when substr(r.k, 2, 1) < '5' then 'family' end,
                 case when substr(r.k, 3, 1) < '6' then 'furusato_nozei' end,
                 case when substr(r.k, 4, 1) < '6' or substr(r.k, 1, 3) >= '7ff' and substr(r.k, 2, 1) >= '5' and substr(r.k, 3, 1) >= '6' then 'tourism_or_homecoming' end,
                 case when substr(r.k, 5, 1) < '2' then 'work_or_side_job' end,
                 case when substr(r.k, 6, 1) < '1' then 'dual_residence' end,
                 case when substr(r.k, 7, 1) < '2' then 'volunteer' end
               ], null) as ties,
               r.u3, r.u6, r.u7, r.u1, r.n
        from rows r
      ),
      dated as (
        select m.*,
               case when m.ends then m.registered_at + (timestamptz '2026-11-15 00:00+09' - m.registered_at) * m.u6 * 10 end as ended_at,
               case when m.premium then m.registered_at + interval '30 days' + (timestamptz '2026-11-15 00:00+09' - m.registered_at) * m.u7 * 10 end as premium_since
        from made m
      ),
      final as (
        select d.lg_code, d.id, d.person_id,
               case when d.premium and (d.ended_at is null or d.premium_since < d.ended_at)
                         and d.premium_since < timestamptz '2026-11-15 00:00+09' then 'premium' else 'basic' end as tier,
               case when d.ended_at is null then 'active' when d.withdrawn then 'withdrawn' else 'released' end as status,
               d.own_residence, d.age_band, d.residence_prefecture_code, d.residence_lg_code,
               d.age_band is not null as identity_verified,
               case when cardinality(d.ties) = 0 then array['tourism_or_homecoming'] else d.ties end as ties,
               d.registered_at, d.ended_at, d.premium_since, d.u1, d.u3, d.n
        from dated d
      ),
      inserted as (
        insert into registrations (lg_code, id, person_id, tier, status, origin, linked_from_lg_code, own_residence, age_band,
                                   residence_prefecture_code, residence_lg_code, identity_verified,
                                   relationship_ties, long_stay, registered_at, premium_since,
                                   premium_valid_until, ended_at, end_reason)
        select f.lg_code, f.id, f.person_id, f.tier, f.status, 'direct', null, f.own_residence, f.age_band,
               f.residence_prefecture_code, f.residence_lg_code, f.identity_verified, f.ties,
               f.tier = 'premium' and f.u3 < 0.3, f.registered_at,
               case when f.tier = 'premium' then f.premium_since end,
               case when f.tier = 'premium' then f.premium_since + interval '365 days' end,
               f.ended_at, case f.status when 'withdrawn' then 'withdrawn' when 'released' then 'inactive' end
        from final f
        union all
        select pt.lg_code, (lpad(to_hex(hashint8extended(f.n, 15)), 16, '0') || lpad(to_hex(hashint8extended(f.n, 16)), 16, '0'))::uuid, f.person_id,
               'basic', f.status, 'prefecture_link', f.lg_code, f.residence_prefecture_code = substr(f.lg_code, 1, 2),
               f.age_band, f.residence_prefecture_code, f.residence_lg_code, f.identity_verified, f.ties, false,
               f.registered_at, null, null, f.ended_at,
               case f.status when 'withdrawn' then 'withdrawn' when 'released' then 'inactive' end
        from final f
        join bench_prefecture_tenants pt on pt.prefecture_code = substr(f.lg_code, 1, 2)
        where substr(f.lg_code, 3, 3) <> '000' and f.u1 * 1000 - floor(f.u1 * 1000) < 0.5
        returning 1
      )
      select count(*)::bigint as count from inserted`.execute(trx);
  });
  return Number((result.rows[0] as { count: string } | undefined)?.count ?? 0);
}

async function prepareDatabase(parameters: Parameters, url: string) {
  const timings: Record<string, number> = {};
  await admin(parameters.adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${databaseName}`);
  });
  const database = await openDatabase({ engine: 'postgres', connectionString: url, poolMax: 4 });
  try {
    const db = database.db;
    await migrateToLatest(db);
    await loadMasterData(db);
    await sql`insert into tenants (lg_code, settings, joined_at, updated_at)
      select lg_code, '{}'::jsonb, timestamptz '2024-04-01 00:00+09', timestamptz '2024-04-01 00:00+09'
      from local_governments where kind <> 'designated_city_ward'`.execute(db);
    // Helper tables of the generator: tenants in a shuffled order (rank = size), municipalities by prefecture.
    await sql`create table bench_tenant_order as
      select (row_number() over (order by md5(lg_code || ':rank')))::int - 1 as rank, lg_code, count(*) over ()::int as count
      from tenants`.execute(db);
    await sql`alter table bench_tenant_order add primary key (rank)`.execute(db);
    await sql`create table bench_municipalities as
      select prefecture_code, (row_number() over (partition by prefecture_code order by lg_code))::int - 1 as index, lg_code,
             count(*) over (partition by prefecture_code)::int as count
      from local_governments where kind not in ('prefecture', 'designated_city_ward')`.execute(db);
    await sql`alter table bench_municipalities add primary key (prefecture_code, index)`.execute(db);
    await sql`create table bench_municipality_counts as
      select prefecture_code, max(count) as count from bench_municipalities group by prefecture_code`.execute(db);
    await sql`create table bench_prefecture_tenants as
      select prefecture_code, lg_code from local_governments where kind = 'prefecture'`.execute(db);
    await sql`vacuum analyze bench_tenant_order, bench_municipalities, bench_municipality_counts, bench_prefecture_tenants`.execute(
      db,
    );

    const indexes = await sql<{ name: string; definition: string }>`
      select indexname as name, indexdef as definition from pg_indexes
      where tablename = 'registrations' and indexname <> 'registrations_pkey'`.execute(db);
    for (const index of indexes.rows) await sql.raw(`drop index ${index.name}`).execute(db);

    const chunk = 1_000_000;
    let inserted = 0;
    let row = 1;
    const generation = await timed(`generate ${parameters.registrations.toLocaleString()} registrations`, async () => {
      while (inserted < parameters.registrations) {
        // About 1.45 rows per row number (link registrations); the last chunk is cut to the target.
        const remaining = parameters.registrations - inserted;
        const rows = Math.max(1, Math.min(chunk, Math.ceil(remaining / 1.45)));
        inserted += await insertChunk(db, row, row + rows - 1);
        row += rows;
        log(`  ${inserted.toLocaleString()} rows`);
      }
    });
    timings.generateMs = generation.ms;
    const build = await timed('build the indexes of registrations', async () => {
      for (const index of indexes.rows) await sql.raw(index.definition).execute(db);
    });
    timings.indexMs = build.ms;
    const vacuum = await timed('vacuum analyze', () => sql`vacuum analyze`.execute(db));
    timings.vacuumMs = vacuum.ms;
    const rebuild = await timed('rebuild the rollups from the registrations', () => rebuildInsights({ db }));
    timings.rebuildMs = rebuild.ms;
    await sql`vacuum analyze`.execute(db);
  } finally {
    await database.close();
  }
  return timings;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startServer(url: string): Promise<{ origin: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['PGLITE_DIR', 'DEMO_DATA', 'JOBS_ENABLED', 'LOG_LEVEL', 'HOST', 'PORT']) delete env[name];
  Object.assign(env, {
    DATABASE_URL: url,
    HOST: '127.0.0.1',
    PORT: String(port),
    DEMO_DATA: 'false',
    JOBS_ENABLED: 'false',
    DEV_SMTP_PORT: '0',
    LOG_LEVEL: 'warn',
  });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${origin}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the server did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    origin,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** An operator and the staff of the largest prefecture, each with a live session that proved a second factor. */
async function sessions(db: Kysely<Database>, prefecture: string) {
  const person = async (email: string) => {
    const id = uuidv7();
    await db.insertInto('persons').values({ id, email, locale: 'ja' }).execute();
    return id;
  };
  const operatorId = await person(`operator-${Date.now()}@bench.furusato.example`);
  await db.insertInto('operators').values({ person_id: operatorId, granted_by: 'bench' }).execute();
  const staffId = await person(`staff-${Date.now()}@bench.furusato.example`);
  await sql`set session_replication_role = origin`.execute(db);
  await db.transaction().execute(async (trx) => {
    await sql.raw(`SET LOCAL ROLE furusato_app`).execute(trx);
    await sql.raw(`SET LOCAL app.lg_code = '${prefecture}'`).execute(trx);
    await trx
      .insertInto('staff_memberships')
      .values({
        lg_code: prefecture,
        id: uuidv7(),
        person_id: staffId,
        email: 'staff@bench.example',
        role: 'tenant_staff',
      })
      .execute();
  });
  const operator = await createSession(db, { personId: operatorId, method: 'email', days: 1, secondFactor: true });
  const staff = await createSession(db, { personId: staffId, method: 'email', days: 1, secondFactor: true });
  return { operator: operator.token, staff: staff.token };
}

interface Latency {
  scenario: string;
  requests: number;
  p50: number;
  p95: number;
  max: number;
  bytes: number;
}

async function measure(
  origin: string,
  scenario: string,
  path: string,
  cookie: string,
  parameters: Parameters,
): Promise<Latency> {
  const times: number[] = [];
  let bytes = 0;
  const one = async () => {
    const started = performance.now();
    const response = await fetch(`${origin}${path}`, { headers: { cookie: `sid=${cookie}` } });
    const body = await response.arrayBuffer();
    if (response.status !== 200)
      throw new Error(`${path}: ${response.status} ${Buffer.from(body).toString('utf8').slice(0, 200)}`);
    times.push(performance.now() - started);
    bytes = body.byteLength;
  };
  for (let warm = 0; warm < 5; warm += 1) await one();
  times.length = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: parameters.connections }, async () => {
      while (next < parameters.requests) {
        next += 1;
        await one();
      }
    }),
  );
  times.sort((a, b) => a - b);
  const at = (fraction: number) => times[Math.min(times.length - 1, Math.ceil(fraction * times.length) - 1)] ?? 0;
  const result = {
    scenario,
    requests: times.length,
    p50: round2(at(0.5)),
    p95: round2(at(0.95)),
    max: round2(at(1)),
    bytes,
  };
  log(`${scenario}: p50 ${result.p50} ms, p95 ${result.p95} ms (${result.requests} requests)`);
  return result;
}

async function dashboards(
  origin: string,
  tokens: { operator: string; staff: string },
  prefecture: string,
  parameters: Parameters,
) {
  return [
    await measure(origin, 'national page', '/operator/insights', tokens.operator, parameters),
    await measure(origin, 'national API', '/api/v1/insights/national', tokens.operator, parameters),
    await measure(origin, 'prefecture page', `/staff/${prefecture}/insights`, tokens.staff, parameters),
    await measure(origin, 'prefecture API', `/api/v1/tenants/${prefecture}/insights`, tokens.staff, parameters),
    await measure(origin, 'national page, FY2025', '/operator/insights?period=FY2025', tokens.operator, parameters),
  ];
}

/**
 * Changes through the trigger, as the application makes them: new registrations, withdrawals, upgrades
 * to premium and moves (residence), in shares 40/25/20/15, each statement set-based over rows drawn by
 * hash. Returns how many rows changed and how long the statements took (trigger included).
 */
async function applyChanges(db: Kysely<Database>, total: number) {
  const news = Math.round(total * 0.4);
  const withdrawals = Math.round(total * 0.25);
  const upgrades = Math.round(total * 0.2);
  const moves = total - news - withdrawals - upgrades;
  const started = performance.now();
  await sql`set session_replication_role = origin`.execute(db);
  const made = await sql`
    insert into registrations (lg_code, id, person_id, relationship_ties, residence_prefecture_code, registered_at)
    select t.lg_code, md5(n::text || ':new')::uuid, md5(n::text || ':newperson')::uuid,
           array['furusato_nozei'], '13', now()
    from generate_series(1, ${news}) as n join bench_tenant_order t on t.rank = n % 1788`.execute(db);
  const pick = (salt: string, count: number, extra = '') =>
    sql.raw(`(lg_code, id) in (select lg_code, id from registrations where status = 'active' ${extra}
       order by md5(id::text || '${salt}') limit ${count})`);
  const withdrawn = await sql`update registrations set status = 'withdrawn', ended_at = now(), end_reason = 'withdrawn'
    where ${pick(':withdraw', withdrawals)}`.execute(db);
  const upgraded = await sql`update registrations set tier = 'premium', premium_since = now(),
      premium_valid_until = now() + interval '365 days'
    where ${pick(':upgrade', upgrades, "and tier = 'basic' and not own_residence")}`.execute(db);
  const moved = await sql`update registrations set residence_prefecture_code = '27', residence_lg_code = '271004'
    where ${pick(':move', moves, "and residence_prefecture_code <> '27'")}`.execute(db);
  const rows =
    Number(made.numAffectedRows ?? 0n) +
    Number(withdrawn.numAffectedRows ?? 0n) +
    Number(upgraded.numAffectedRows ?? 0n) +
    Number(moved.numAffectedRows ?? 0n);
  const pending = await sql<{ count: string }>`select count(*) as count from insights_deltas`.execute(db);
  return { rows, ms: performance.now() - started, deltas: Number(pending.rows[0]?.count ?? 0) };
}

async function main(): Promise<number> {
  const options = parameters(process.argv.slice(2));
  if (!options) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const url = withDatabaseName(options.adminUrl, databaseName);
  const startedAt = new Date();
  const loadBefore = loadavg()[0];
  let preparation: Record<string, number> = {};
  if (!options.reuse) preparation = await prepareDatabase(options, url);

  const database: DatabaseHandle = await openDatabase({ engine: 'postgres', connectionString: url, poolMax: 4 });
  const db = database.db;
  const size = await sql<{ registrations: string; bytes: string; rollup_rows: string }>`
    select (select count(*) from registrations) as registrations, pg_database_size(current_database()) as bytes,
           (select count(*) from insights_current) + (select count(*) from insights_monthly) as rollup_rows`.execute(
    db,
  );
  const registrations = Number(size.rows[0]?.registrations ?? 0);
  const largest = await sql<{ lg_code: string; count: string }>`
    select lg_code, count(*) as count from registrations where substr(lg_code, 3, 3) = '000'
    group by lg_code order by count desc limit 1`.execute(db);
  const prefecture = largest.rows[0]?.lg_code ?? '130001';
  log(
    `${registrations.toLocaleString()} registrations; largest prefecture ${prefecture} with ${Number(largest.rows[0]?.count ?? 0).toLocaleString()}`,
  );
  const tokens = await sessions(db, prefecture);

  let server = await startServer(url);
  const before = await dashboards(server.origin, tokens, prefecture, options);
  await server.stop();

  const changes = await timed(`apply ${options.changes.toLocaleString()} changes through the trigger`, () =>
    applyChanges(db, options.changes),
  );
  const refresh = await timed('refresh: fold the deltas into the rollups', () => refreshInsights({ db }));
  const secondRefresh = await timed('refresh with nothing to do', () => refreshInsights({ db }));

  server = await startServer(url);
  const after = await dashboards(server.origin, tokens, prefecture, options);
  await server.stop();
  const end = await sql<{ bytes: string }>`select pg_database_size(current_database()) as bytes`.execute(db);
  await database.close();

  const result = {
    startedAt: startedAt.toISOString(),
    commit: gitCommit(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      memoryGiB: round2(totalmem() / 2 ** 30),
      node: process.version,
    },
    load: { before: loadBefore, after: loadavg()[0] },
    parameters: { ...options, adminUrl: undefined },
    registrations,
    largestPrefecture: { lgCode: prefecture, registrations: Number(largest.rows[0]?.count ?? 0) },
    databaseMiB: {
      beforeChanges: Math.round(Number(size.rows[0]?.bytes ?? 0) / 2 ** 20),
      end: Math.round(Number(end.rows[0]?.bytes ?? 0) / 2 ** 20),
    },
    rollupRows: Number(size.rows[0]?.rollup_rows ?? 0),
    preparationSeconds: Object.fromEntries(
      Object.entries(preparation).map(([key, ms]) => [key.replace(/Ms$/, ''), seconds(ms)]),
    ),
    dashboards: { before, after },
    changes: { rows: changes.value.rows, deltas: changes.value.deltas, applySeconds: seconds(changes.ms) },
    refresh: { seconds: seconds(refresh.ms), folded: refresh.value.deltas, idleSeconds: seconds(secondRefresh.ms) },
  };
  await mkdir(resultsFolder, { recursive: true });
  const file = join(resultsFolder, `insights-${fileTimestamp(startedAt)}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);

  process.stdout.write(
    `\n${registrations.toLocaleString()} registrations, largest prefecture ${prefecture} (${result.largestPrefecture.registrations.toLocaleString()})\n\n` +
      table(
        ['scenario', 'p50 ms (before)', 'p95 ms (before)', 'p50 ms (after changes)', 'p95 ms (after changes)', 'KiB'],
        before.map((row, index) => [
          row.scenario,
          String(row.p50),
          String(row.p95),
          String(after[index]?.p50 ?? ''),
          String(after[index]?.p95 ?? ''),
          String(Math.round(row.bytes / 1024)),
        ]),
        new Set([1, 2, 3, 4, 5]),
      ) +
      `\n\n${changes.value.rows.toLocaleString()} changes (${changes.value.deltas.toLocaleString()} deltas) applied in ${seconds(changes.ms)} s; ` +
      `refresh folded them in ${seconds(refresh.ms)} s (idle refresh ${seconds(secondRefresh.ms)} s)\n` +
      `preparation: ${JSON.stringify(result.preparationSeconds)}\n${file}\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
