/**
 * `npm run bench:search`: the nationwide post search (src/modules/outreach/search.*) over generated posts
 * on each engine. No server and no HTTP: the script calls `searchPosts` as the API handler does (public
 * scope, row-level security on, result cards with their images looked up), so the figures are the
 * search's own work. Scenarios mix Japanese text (2-character words, kana, half-width katakana, two
 * terms) with the filters (prefecture, kind, category, dates, designated, open capacity) and the sorts.
 * Prints p50/p95 per scenario and writes bench/results/search-<timestamp>.json. See bench/README.md.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { loadMasterData } from '../src/modules/municipalities/master-data.js';
import { normalizeForSearch, searchTokens } from '../src/modules/outreach/search-text.js';
import { searchPosts, type SearchQuery } from '../src/modules/outreach/search.service.js';
import { openDatabase, type DatabaseEngine, type DatabaseHandle } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import type { Database } from '../src/platform/db/schema.js';
import { integerOption, isMainModule, UsageError } from './cli.js';
import { defaultSeed } from './generate.js';
import { deriveSeed, mulberry32, type Random } from './random.js';
import { fileTimestamp, gitCommit, packageVersion, resultsFolder, round2, table, withDatabaseName } from './report.js';

const benchDatabaseName = 'furusato_bench_search';

const usage = `Usage: npm run bench:search -- [options]
  --engine pglite|postgres|both  engines to measure (default both)
  --posts N                      posts over all governments (default 100000)
  --tenants N                    governments that join and post (default 1788: all of them)
  --queries N                    searches per scenario (default 200)
  --seed X                       generator seed (default ${defaultSeed})
  --postgres-url URL             maintenance connection used to drop and create ${benchDatabaseName}
                                 (default postgres://postgres@127.0.0.1:5432/postgres)`;

interface Parameters {
  engines: DatabaseEngine[];
  posts: number;
  tenants: number;
  queries: number;
  seed: number;
  postgresAdminUrl: string;
}

function parseParameters(argv: string[]): Parameters | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string' },
      posts: { type: 'string' },
      tenants: { type: 'string' },
      queries: { type: 'string' },
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
    posts: integerOption('posts', values.posts, 100_000, 1),
    tenants: Math.min(integerOption('tenants', values.tenants, 1788, 1), 1788),
    queries: integerOption('queries', values.queries, 200, 1),
    seed: integerOption('seed', values.seed, defaultSeed),
    postgresAdminUrl: values['postgres-url'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

function progress(engine: string, message: string): void {
  process.stderr.write(`[${engine}] ${message}\n`);
}

// The generated text: what towns post, with the spellings people use (kanji, kana, half-width).

const activities = [
  '夏祭り',
  '秋祭り',
  '盆踊り大会',
  '神輿担ぎ',
  '海岸清掃',
  'ゴミ拾い',
  '防災訓練',
  '避難訓練',
  '田植え体験',
  '稲刈り',
  '草刈り',
  '棚田の保全',
  '雪かき',
  '空き家の片付け',
  '移動販売の手伝い',
  '買い物支援',
  '見守り活動',
  '子ども食堂',
  '運動会',
  '文化祭',
  '伝統芸能の継承',
  '観光案内',
  '移住相談会',
  'ワーケーション体験',
  '援農ボランティア',
  '森林整備',
  '川の清掃',
  '花火大会',
  '朝市',
  '収穫祭',
];
const kindSuffix = { notice: 'のお知らせ', event: 'を開催します', recruitment: 'の担い手を募集', attraction: 'の魅力' };
const sentences = [
  '地域の皆さんと一緒に汗を流しませんか。',
  '初めての方も歓迎します。',
  '昼食とお茶を用意しています。',
  '軍手と長靴をお持ちください。',
  'ボランティア保険には主催者が加入します。',
  'ﾎﾞﾗﾝﾃｨｱの方には交通費の一部を補助します。',
  'ふるさと住民の方の参加を特にお待ちしています。',
  '雨天の場合は翌週に延期します。',
  '駅から送迎バスを運行します。',
  '高齢者の多い集落で、人手が足りていません。',
  '子どもから大人まで楽しめる催しです。',
  '終了後は地元の食材で交流会を行います。',
  '申し込みは前日までにお願いします。',
  '定員になり次第、受付を終了します。',
  '3日間続けて参加すると、3回の活動として数えます。',
  '地元の自治会と消防団が協力して運営します。',
  '二地域居住を考えている方の見学も受け付けます。',
  '新米の試食会もあります。',
  '山あいの景色をお楽しみください。',
  '海の幸をふるまいます。',
];
const postKindsList = ['notice', 'event', 'recruitment', 'attraction'] as const;
const categories = [
  'festival',
  'environment',
  'disaster_prevention',
  'shopping_mobility',
  'agriculture',
  'children_education',
  'elderly_care',
  'tourism_exchange',
  'vacant_houses',
  'other',
] as const;

interface Government {
  lgCode: string;
  name: string;
}

async function joinTenants(db: Kysely<Database>, count: number, random: Random): Promise<Government[]> {
  const rows = await sql<{ lg_code: string; name: string; kind: string; prefecture_name: string }>`
    select g.lg_code, g.name, g.kind, p.name as prefecture_name
    from local_governments g join prefectures p on p.prefecture_code = g.prefecture_code
    where g.kind <> 'designated_city_ward'
    order by g.lg_code`.execute(db);
  const chosen = [...rows.rows].sort(() => random.next() - 0.5).slice(0, count);
  await sql`insert into tenants (lg_code, settings)
            select code, '{}'::jsonb from unnest(${chosen.map((row) => row.lg_code)}::char(6)[]) as code`.execute(db);
  return chosen.map((row) => ({
    lgCode: row.lg_code,
    name: row.kind === 'prefecture' ? row.name : `${row.prefecture_name}${row.name}`,
  }));
}

interface GeneratedCounts {
  posts: number;
  published: number;
  recruitment: number;
  projects: number;
  sessions: number;
  organisations: number;
  ms: number;
}

/** Posts with their projects, organisations and sessions, in batches of multi-row inserts (unnest). */
async function generatePosts(
  db: Kysely<Database>,
  governments: Government[],
  parameters: Parameters,
  random: Random,
): Promise<GeneratedCounts> {
  const started = performance.now();
  const counts = { posts: 0, published: 0, recruitment: 0, projects: 0, sessions: 0, organisations: 0 };
  // Two organisations per government, one of them designated (its projects count for premium).
  const organisations = new Map<string, [string, string]>();
  const orgRows: Array<[string, string, string, boolean]> = [];
  for (const government of governments) {
    const pair: [string, string] = [uuidv7(), uuidv7()];
    organisations.set(government.lgCode, pair);
    orgRows.push([government.lgCode, pair[0], `${government.name}まちづくり協議会`, true]);
    orgRows.push([government.lgCode, pair[1], `${government.name}地区自治会`, false]);
  }
  await sql`insert into organisations (lg_code, id, name, kind, status, designated, designated_at)
    select u.lg_code, u.id, u.name, 'jichikai', 'approved', u.designated, case when u.designated then now() end
    from unnest(${orgRows.map((row) => row[0])}::char(6)[], ${orgRows.map((row) => row[1])}::uuid[],
                ${orgRows.map((row) => row[2])}::text[], ${orgRows.map((row) => row[3])}::boolean[])
      as u(lg_code, id, name, designated)`.execute(db);
  counts.organisations = orgRows.length;

  const now = Date.now();
  const dayMs = 86_400_000;
  const batch = 2_000;
  for (let start = 0; start < parameters.posts; start += batch) {
    const posts: Array<Record<string, unknown>> = [];
    const projects: Array<Record<string, unknown>> = [];
    const sessions: Array<Record<string, unknown>> = [];
    for (let index = start; index < Math.min(start + batch, parameters.posts); index += 1) {
      const government = random.pick(governments);
      const kind = random.next() < 0.3 ? 'recruitment' : random.pick(postKindsList);
      const activity = random.pick(activities);
      const category = random.pick(categories);
      const title = `${government.name.replace(/^.+?[都道府県](?=.)/, '')}の${activity}${kindSuffix[kind]}`;
      const body = Array.from({ length: random.int(3, 8) }, () => random.pick(sentences)).join('');
      const tags = [activity.replace(/[のを].*$/, ''), random.pick(['初心者歓迎', '家族で', '週末', '要予約'])];
      const roll = random.next();
      const status = roll < 0.95 ? 'published' : roll < 0.98 ? 'draft' : 'archived';
      const publishedAt = status === 'draft' ? null : new Date(now - random.int(1, 730) * dayMs);
      const startsAt =
        kind === 'event' || kind === 'recruitment' ? new Date(now + random.int(-365, 365) * dayMs) : null;
      const endsAt = startsAt && random.next() < 0.3 ? new Date(startsAt.getTime() + random.int(1, 3) * dayMs) : null;
      let projectId: string | null = null;
      if (kind === 'recruitment') {
        projectId = uuidv7();
        const [designatedOrg, plainOrg] = organisations.get(government.lgCode)!;
        const designation = random.next() < 0.2 ? 'designated' : 'inherit';
        projects.push({
          lg_code: government.lgCode,
          id: projectId,
          organisation_id: random.next() < 0.5 ? designatedOrg : plainOrg,
          title: `${activity}事業`,
          category,
          designation,
        });
        for (let session = random.int(1, 2); session > 0; session -= 1) {
          const capacity = random.next() < 0.2 ? null : random.int(5, 50);
          sessions.push({
            lg_code: government.lgCode,
            id: uuidv7(),
            project_id: projectId,
            starts_at: new Date(now + random.int(-60, 300) * dayMs),
            capacity,
            confirmed_count: capacity === null ? random.int(0, 30) : random.int(0, capacity),
          });
        }
      }
      const text = [title, body, ...tags, government.name].join('\n');
      posts.push({
        lg_code: government.lgCode,
        id: uuidv7(),
        prefecture_code: government.lgCode.slice(0, 2),
        project_id: projectId,
        kind,
        category,
        audience: random.next() < 0.1 ? 'registrants' : 'public',
        title,
        body,
        tags,
        status,
        published_at: publishedAt,
        archived_at: status === 'archived' ? new Date(now) : null,
        starts_at: startsAt,
        ends_at: endsAt,
        search_title: normalizeForSearch(title),
        search_text: normalizeForSearch(text),
        search_tokens: searchTokens(text).join('|'),
      });
      counts.posts += 1;
      if (status === 'published') counts.published += 1;
      if (kind === 'recruitment') counts.recruitment += 1;
    }
    const column = <T>(rows: Array<Record<string, unknown>>, name: string) => rows.map((row) => row[name] as T);
    await db.transaction().execute(async (trx) => {
      if (projects.length > 0) {
        await sql`insert into projects (lg_code, id, organisation_id, title, category, status, designation, published_at)
          select u.lg_code, u.id, u.organisation_id, u.title, u.category, 'published', u.designation, now()
          from unnest(${column(projects, 'lg_code')}::char(6)[], ${column(projects, 'id')}::uuid[],
                      ${column(projects, 'organisation_id')}::uuid[], ${column(projects, 'title')}::text[],
                      ${column(projects, 'category')}::text[], ${column(projects, 'designation')}::text[])
            as u(lg_code, id, organisation_id, title, category, designation)`.execute(trx);
        await sql`insert into activity_sessions (lg_code, id, project_id, starts_at, ends_at, capacity, confirmed_count)
          select u.lg_code, u.id, u.project_id, u.starts_at, u.starts_at + interval '3 hours', u.capacity, u.confirmed
          from unnest(${column(sessions, 'lg_code')}::char(6)[], ${column(sessions, 'id')}::uuid[],
                      ${column(sessions, 'project_id')}::uuid[], ${column<Date>(sessions, 'starts_at').map((date) => date.toISOString())}::timestamptz[],
                      ${column(sessions, 'capacity')}::int[], ${column(sessions, 'confirmed_count')}::int[])
            as u(lg_code, id, project_id, starts_at, capacity, confirmed)`.execute(trx);
      }
      const iso = (name: string) => column<Date | null>(posts, name).map((date) => date?.toISOString() ?? null);
      await sql`insert into posts (lg_code, id, prefecture_code, project_id, kind, category, audience, title, body,
                                   tags, status, published_at, archived_at, starts_at, ends_at,
                                   search_title, search_text, search_tokens, created_by, updated_by)
        select u.lg_code, u.id, u.prefecture_code, u.project_id, u.kind, u.category, u.audience, u.title, u.body,
               string_to_array(u.tags, '|'), u.status, u.published_at, u.archived_at, u.starts_at, u.ends_at,
               u.search_title, u.search_text, string_to_array(u.tokens, '|'), 'bench', 'bench'
        from unnest(${column(posts, 'lg_code')}::char(6)[], ${column(posts, 'id')}::uuid[],
                    ${column(posts, 'prefecture_code')}::char(2)[], ${column(posts, 'project_id')}::uuid[],
                    ${column(posts, 'kind')}::text[], ${column(posts, 'category')}::text[],
                    ${column(posts, 'audience')}::text[], ${column(posts, 'title')}::text[],
                    ${column(posts, 'body')}::text[], ${column<string[]>(posts, 'tags').map((tags) => tags.join('|'))}::text[],
                    ${column(posts, 'status')}::text[], ${iso('published_at')}::timestamptz[],
                    ${iso('archived_at')}::timestamptz[], ${iso('starts_at')}::timestamptz[],
                    ${iso('ends_at')}::timestamptz[], ${column(posts, 'search_title')}::text[],
                    ${column(posts, 'search_text')}::text[], ${column(posts, 'search_tokens')}::text[])
          as u(lg_code, id, prefecture_code, project_id, kind, category, audience, title, body, tags, status,
               published_at, archived_at, starts_at, ends_at, search_title, search_text, tokens)`.execute(trx);
    });
    counts.projects += projects.length;
    counts.sessions += sessions.length;
    if ((start / batch) % 10 === 9) progress('generate', `${counts.posts} posts`);
  }
  // The public projection the search reads, as the posts service keeps it (one statement here).
  await sql`
    insert into post_search (lg_code, id, prefecture_code, organisation_id, organisation_name, project_id, kind,
                             category, title, summary, place_name, starts_at, ends_at, tags, published_at,
                             search_title, search_text, search_tokens)
    select lg_code, id, prefecture_code, organisation_id, null, project_id, kind, category, title,
           left(body, 119) || '…', place_name, starts_at, ends_at, tags, published_at,
           search_title, search_text, search_tokens
    from posts where status = 'published' and audience = 'public'`.execute(db);
  return { ...counts, ms: Math.round(performance.now() - started) };
}

interface Scenario {
  name: string;
  queries: SearchQuery[];
}

/** The searches people make, each scenario cycling through its variants. */
function scenarios(governments: Government[], random: Random): Scenario[] {
  const prefectures = [...new Set(governments.map((government) => government.lgCode.slice(0, 2)))];
  const someGovernment = () => random.pick(governments).lgCode;
  return [
    { name: 'newest, no text (front page)', queries: [{}] },
    {
      name: '2-character word (祭り, 清掃, 防災…)',
      queries: ['祭り', '清掃', '防災', '援農', '草刈', '朝市'].map((q) => ({ q })),
    },
    {
      name: 'kana and half-width (ﾎﾞﾗﾝﾃｨｱ, まつり…)',
      queries: ['ﾎﾞﾗﾝﾃｨｱ', 'ぼらんてぃあ', 'まつり', 'みこし', 'ワーケーション', 'たうえ'].map((q) => ({ q })),
    },
    {
      name: 'word + prefecture',
      queries: prefectures.slice(0, 20).map((prefecture, index) => ({
        q: ['祭り', 'ボランティア', '清掃', '移住'][index % 4]!,
        prefecture,
      })),
    },
    {
      name: 'two words (place + activity)',
      queries: governments.slice(0, 20).map((government, index) => ({
        q: `${government.name.replace(/^.+?[都道府県](?=.)/, '').slice(0, 3)} ${['祭り', '清掃', '防災'][index % 3]}`,
      })),
    },
    {
      name: 'recruitment, designated, open capacity',
      queries: [{ kind: 'recruitment', designated: 'true', openCapacity: 'true' }],
    },
    {
      name: 'word + category + date range, upcoming',
      queries: [
        { q: '祭り', category: 'festival', from: '2026-07-01', to: '2026-09-30', sort: 'upcoming' },
        { q: 'ボランティア', category: 'agriculture', from: '2026-04-01', to: '2027-03-31', sort: 'upcoming' },
      ],
    },
    { name: 'one government, newest', queries: Array.from({ length: 20 }, () => ({ lgCode: someGovernment() })) },
    { name: 'rare word (no match)', queries: [{ q: 'ハッカソン' }, { q: '宇宙港' }] },
    { name: 'common word, page 20', queries: [{ q: '募集', page: '20' }] },
  ];
}

interface ScenarioResult {
  name: string;
  queries: number;
  meanHits: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  meanMs: number;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(index, 0)]!;
}

async function runScenario(db: Kysely<Database>, scenario: Scenario, count: number): Promise<ScenarioResult> {
  // Warm-up: the first query of a shape plans and loads pages; people rarely hit a cold cache.
  for (const query of scenario.queries.slice(0, 3)) await searchPosts({ db, query });
  const times: number[] = [];
  let hits = 0;
  for (let index = 0; index < count; index += 1) {
    const query = scenario.queries[index % scenario.queries.length]!;
    const started = performance.now();
    const result = await searchPosts({ db, query });
    times.push(performance.now() - started);
    hits += result.total;
  }
  times.sort((a, b) => a - b);
  return {
    name: scenario.name,
    queries: count,
    meanHits: Math.round(hits / count),
    p50Ms: round2(percentile(times, 0.5)),
    p95Ms: round2(percentile(times, 0.95)),
    maxMs: round2(times.at(-1) ?? 0),
    meanMs: round2(times.reduce((sum, time) => sum + time, 0) / times.length),
  };
}

interface EngineResult {
  engine: DatabaseEngine;
  engineVersion: string;
  generated: GeneratedCounts;
  vacuumAnalyzeMs: number;
  databaseSizeBytes: number;
  postsTableBytes: number;
  scenarios: ScenarioResult[];
  loadAverage1m: { before: number; after: number };
  peakRssMiB: number;
}

async function openFresh(engine: DatabaseEngine, parameters: Parameters) {
  if (engine === 'pglite') {
    const folder = await mkdtemp(join(tmpdir(), 'furusato-bench-search-'));
    const database = await openDatabase({ engine: 'pglite', dataDir: join(folder, 'pglite') });
    return { database, cleanup: () => rm(folder, { recursive: true, force: true }) };
  }
  const admin = new pg.Client({ connectionString: parameters.postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${benchDatabaseName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${benchDatabaseName}`);
  } finally {
    await admin.end();
  }
  const database: DatabaseHandle = await openDatabase({
    engine: 'postgres',
    connectionString: withDatabaseName(parameters.postgresAdminUrl, benchDatabaseName),
    poolMax: 2,
  });
  return { database, cleanup: async () => {} };
}

async function benchEngine(engine: DatabaseEngine, parameters: Parameters): Promise<EngineResult> {
  progress(engine, 'fresh database');
  const { database, cleanup } = await openFresh(engine, parameters);
  const db = database.db;
  try {
    await migrateToLatest(db);
    await loadMasterData(db);
    const random = mulberry32(deriveSeed(parameters.seed, 'search'));
    const governments = await joinTenants(db, parameters.tenants, random);
    progress(engine, `generating ${parameters.posts} posts over ${governments.length} governments`);
    const generated = await generatePosts(db, governments, parameters, random);
    progress(engine, `generated in ${(generated.ms / 1000).toFixed(1)} s; vacuum analyze`);
    let started = performance.now();
    await sql`vacuum analyze`.execute(db);
    const vacuumAnalyzeMs = Math.round(performance.now() - started);
    const sizes = (
      await sql<{ database: string; posts: string }>`
        select pg_database_size(current_database()) as database, pg_total_relation_size('posts') as posts`.execute(db)
    ).rows[0];
    const version = (await sql<{ version: string }>`select version()`.execute(db)).rows[0]?.version ?? '';
    const loadBefore = round2(loadavg()[0] ?? 0);
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios(governments, mulberry32(deriveSeed(parameters.seed, 'queries')))) {
      started = performance.now();
      results.push(await runScenario(db, scenario, parameters.queries));
      progress(engine, `${scenario.name}: ${JSON.stringify(results.at(-1))}`);
    }
    return {
      engine,
      engineVersion:
        engine === 'pglite' ? `PGlite ${await packageVersion('@electric-sql/pglite')} (${version})` : version,
      generated,
      vacuumAnalyzeMs,
      databaseSizeBytes: Number(sizes?.database ?? 0),
      postsTableBytes: Number(sizes?.posts ?? 0),
      scenarios: results,
      loadAverage1m: { before: loadBefore, after: round2(loadavg()[0] ?? 0) },
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await database.close();
    await cleanup();
  }
}

async function main(): Promise<void> {
  let parameters: Parameters | undefined;
  try {
    parameters = parseParameters(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (!parameters) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const started = new Date();
  const results: EngineResult[] = [];
  for (const engine of parameters.engines) results.push(await benchEngine(engine, parameters));
  const rows = results.flatMap((result) =>
    result.scenarios.map((scenario) => [
      result.engine,
      scenario.name,
      String(scenario.meanHits),
      scenario.p50Ms.toFixed(1),
      scenario.p95Ms.toFixed(1),
      scenario.maxMs.toFixed(1),
    ]),
  );
  process.stdout.write(
    `${table(['engine', 'scenario', 'hits (mean)', 'p50 ms', 'p95 ms', 'max ms'], rows, new Set([2, 3, 4, 5]))}\n\n`,
  );
  for (const result of results) {
    process.stdout.write(
      `${result.engine}: ${result.generated.posts} posts (${result.generated.published} published, ` +
        `${result.generated.recruitment} calls for help with ${result.generated.sessions} sessions) generated in ` +
        `${(result.generated.ms / 1000).toFixed(1)} s; posts table ${Math.round(result.postsTableBytes / 1048576)} MiB, ` +
        `database ${Math.round(result.databaseSizeBytes / 1048576)} MiB; load ${result.loadAverage1m.before} → ` +
        `${result.loadAverage1m.after}\n`,
    );
  }
  await mkdir(resultsFolder, { recursive: true });
  const file = join(resultsFolder, `search-${fileTimestamp(started)}.json`);
  await writeFile(
    file,
    `${JSON.stringify(
      {
        startedAt: started.toISOString(),
        commit: gitCommit(),
        machine: {
          node: process.version,
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model,
          memoryGiB: round2(totalmem() / 1073741824),
          freeMemoryGiB: round2(freemem() / 1073741824),
          kernel: release(),
        },
        parameters,
        results,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`results: ${file}\n`);
}

if (isMainModule(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
