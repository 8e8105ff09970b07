/**
 * Seeded benchmark data: `generate(db, options)` fills a migrated database that holds the municipality
 * master. The same seed, scale and starting database give the same rows, byte for byte, so two runs of
 * the benchmark measure the same work.
 *
 * Command line (migrates and loads the master first, so an empty database will do):
 *   npx tsx bench/generate.ts --database-url postgres://postgres@127.0.0.1:5432/furusato_bench \
 *     [--tenants N] [--audit-events M] [--registrations R] [--seed X]
 *   npx tsx bench/generate.ts --pglite-dir ./data/bench [--tenants N] [--audit-events M] [--registrations R] [--seed X]
 *
 * It writes as the connection's own user, never as furusato_app: the owner or a superuser is not
 * subject to the row-level security of tenant tables, which lets one statement load many tenants.
 */
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { loadMasterData } from '../src/modules/municipalities/master-data.js';
import { canBeTenant } from '../src/modules/municipalities/municipalities.policy.js';
import { TenantSettings } from '../src/modules/municipalities/municipalities.service.js';
import { relationshipTies } from '../src/modules/registrations/survey.js';
import type { AgeBand, AuditActorKind, Database, LocalGovernmentKind } from '../src/platform/db/schema.js';
import { openDatabase, type DatabaseTarget } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import { integerOption, isMainModule, UsageError } from './cli.js';
import { deriveSeed, mulberry32, shuffled, type Random } from './random.js';

/** How much data to make. Each generator's knobs live here. */
export interface Scale {
  /** Governments that join; at most the prefectures and municipalities not yet joined (1,788 when empty). */
  tenants: number;
  /** Audit events per tenant, besides the 'tenant.joined' event every tenant gets. */
  auditEventsPerTenant: number;
  /**
   * Registrations in all, spread over the tenants (a few large ones, many small), with the persons
   * behind them (1–3 registrations each, 1.5 on average). 0 by default: the HTTP scenarios do not read
   * them yet, and 0 keeps their runs comparable with earlier results.
   */
  registrations: number;
}

export const defaultScale: Scale = { tenants: 200, auditEventsPerTenant: 500, registrations: 0 };
export const defaultSeed = 20260401;

export interface GenerateOptions extends Omit<Scale, 'registrations'>, Partial<Pick<Scale, 'registrations'>> {
  seed: number;
  /** Rows per INSERT statement: large enough to amortise the round trip, small enough to bound memory. */
  batchSize?: number;
}

/**
 * All timestamps fall in fiscal year 2025 (2025-04-01 to 2026-03-31, JST). Reading the clock would make
 * the data differ between runs; a fixed window in the past keeps it identical and never in the future.
 */
const windowStart = Date.UTC(2025, 2, 31, 15, 0, 0);
const windowEnd = Date.UTC(2026, 2, 31, 15, 0, 0);
/** Tenants join during the first quarter of the window, so each one has a history afterwards. */
const joinWindowEnd = windowStart + (windowEnd - windowStart) / 4;
/** Where generated time ends: benchmarks that need "now" (inactivity) place it after this. */
export const generatedWindow = { start: windowStart, joinEnd: joinWindowEnd, end: windowEnd } as const;

export interface GeneratedTenant {
  lgCode: string;
  joinedAt: number;
}

/**
 * Persons, column-wise (hundreds of thousands of them: arrays of numbers, not objects). Each signed up,
 * registered between signing up and their last access, and was last seen at `lastAccessAt`.
 */
export interface GeneratedPersons {
  ids: string[];
  emails: string[];
  createdAt: number[];
  lastAccessAt: number[];
  /** How many registrations the registrations generator gives each person. */
  registrations: number[];
}

/** What earlier generators made, for later ones to build on. */
export interface Produced {
  tenants: GeneratedTenant[];
  persons: GeneratedPersons;
}

export interface GeneratorContext {
  db: Kysely<Database>;
  scale: Scale;
  /** This generator's own stream: see `deriveSeed`. */
  random: Random;
  batchSize: number;
  produced: Produced;
}

export interface Generator {
  description: string;
  /** Inserts its rows and returns how many went into each table. */
  run(context: GeneratorContext): Promise<Record<string, number>>;
}

type GeneratedTable = 'tenants' | 'audit_events' | 'persons' | 'registrations';

/** One INSERT … SELECT FROM unnest(…) per batch: one round trip and one parameter per column. */
async function insertUnnest(
  db: Kysely<Database>,
  table: GeneratedTable,
  columns: ReadonlyArray<{ name: string; type: string; cast?: string }>,
  values: ReadonlyArray<ReadonlyArray<string | null>>,
): Promise<void> {
  const names = columns.map((column) => column.name).join(', ');
  const selected = columns.map((column) => (column.cast ? `${column.name}::${column.cast}` : column.name)).join(', ');
  const arrays = sql.join(
    columns.map((column, index) => sql`${values[index] ?? []}::${sql.raw(column.type)}[]`),
    sql`, `,
  );
  await sql`insert into ${sql.table(table)} (${sql.raw(names)})
    select ${sql.raw(selected)} from unnest(${arrays}) as source(${sql.raw(names)})`.execute(db);
}

const tenantColumns = [
  { name: 'lg_code', type: 'text' },
  { name: 'settings', type: 'text', cast: 'jsonb' },
  { name: 'joined_at', type: 'timestamptz' },
  { name: 'updated_at', type: 'timestamptz' },
] as const;

const auditColumns = [
  { name: 'lg_code', type: 'text' },
  { name: 'id', type: 'uuid' },
  { name: 'occurred_at', type: 'timestamptz' },
  { name: 'actor_kind', type: 'text' },
  { name: 'actor_id', type: 'text' },
  { name: 'action', type: 'text' },
  { name: 'subject_type', type: 'text' },
  { name: 'subject_id', type: 'text' },
  { name: 'data', type: 'text', cast: 'jsonb' },
  { name: 'request_id', type: 'text' },
] as const;

const personColumns = [
  { name: 'id', type: 'uuid' },
  { name: 'email', type: 'text' },
  { name: 'locale', type: 'text' },
  { name: 'created_at', type: 'timestamptz' },
  { name: 'last_access_at', type: 'timestamptz' },
] as const;

const registrationColumns = [
  { name: 'lg_code', type: 'text' },
  { name: 'id', type: 'uuid' },
  { name: 'person_id', type: 'uuid' },
  { name: 'tier', type: 'text' },
  { name: 'contact_email', type: 'text' },
  { name: 'age_band', type: 'text' },
  { name: 'residence_prefecture_code', type: 'text' },
  { name: 'identity_verified', type: 'boolean' },
  // A text[] per row cannot travel inside a text[][] parameter (unnest flattens it): sent as an array literal.
  { name: 'relationship_ties', type: 'text', cast: 'text[]' },
  { name: 'registered_at', type: 'timestamptz' },
  { name: 'premium_since', type: 'timestamptz' },
  { name: 'premium_valid_until', type: 'timestamptz' },
] as const;

const ageBands = ['18_29', '30_39', '40_49', '50_59', '60_69', '70_plus'] as const satisfies readonly AgeBand[];
/** The national ties without その他, which would need a free text. */
const generatedTies = relationshipTies.filter((tie) => tie !== 'other');
const dayMs = 24 * 60 * 60 * 1000;

/**
 * Picks tenant indexes with weight 1/(rank+1)^0.8: a few governments hold many registrations (a fan club
 * of 22,000), most hold a few hundred, as the scale of DOMAIN §8 suggests.
 */
function tenantPicker(count: number, random: Random): () => number {
  const cumulative = new Float64Array(count);
  let total = 0;
  for (let rank = 0; rank < count; rank += 1) {
    total += 1 / (rank + 1) ** 0.8;
    cumulative[rank] = total;
  }
  return () => {
    const target = random.next() * total;
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] ?? 0) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/**
 * Collects rows column by column and writes them in batches. One batch stays in flight while the next
 * is built, so on PostgreSQL the database (its own process) and this one work at the same time.
 */
class ColumnBuffer {
  private columns: Array<Array<string | null>>;
  private written = 0;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly table: GeneratedTable,
    private readonly spec: ReadonlyArray<{ name: string; type: string; cast?: string }>,
    private readonly batchSize: number,
  ) {
    this.columns = spec.map(() => []);
  }

  async add(row: ReadonlyArray<string | null>): Promise<void> {
    row.forEach((value, index) => this.columns[index]?.push(value));
    if ((this.columns[0]?.length ?? 0) >= this.batchSize) await this.send();
  }

  /** Waits for the previous batch (surfacing its error) before sending this one. */
  private async send(): Promise<void> {
    await this.inFlight;
    const count = this.columns[0]?.length ?? 0;
    if (count === 0) return;
    const batch = this.columns;
    this.columns = this.spec.map(() => []);
    const insert = insertUnnest(this.db, this.table, this.spec, batch).then(() => {
      this.written += count;
    });
    // Awaited by the next send or by flush; this only keeps Node from calling it unhandled meanwhile.
    insert.catch(() => {});
    this.inFlight = insert;
  }

  /** Writes what is left and returns the number of rows written in all. */
  async flush(): Promise<number> {
    await this.send();
    await this.inFlight;
    return this.written;
  }
}

/** A v7 UUID whose time is the event's and whose random part comes from the seeded stream. */
function eventId(random: Random, at: number): string {
  return uuidv7({ msecs: at, random: random.bytes16() });
}

function requestIdFrom(random: Random): string {
  return Buffer.from(random.bytes16()).toString('base64url');
}

function auditRow(
  lgCode: string,
  id: string,
  at: number,
  actor: { kind: AuditActorKind; id: string | null; requestId: string | null },
  action: string,
  data: Record<string, unknown>,
): Array<string | null> {
  return [
    lgCode,
    id,
    new Date(at).toISOString(),
    actor.kind,
    actor.id,
    action,
    'tenant',
    lgCode,
    JSON.stringify(data),
    actor.requestId,
  ];
}

function settingsFor(government: { lgCode: string; fullName: string }, random: Random): TenantSettings {
  // Shaped like src/demo/demo-data.ts: every tenant has a contact address, some a phone and a greeting.
  const settings: TenantSettings = { contactEmail: `furusato@lg${government.lgCode}.example.jp` };
  if (random.next() < 0.4) {
    settings.contactPhone = `0${random.int(1, 9)}${random.int(0, 9)}-${random.int(100, 999)}-${random.int(1000, 9999)}`;
  }
  if (random.next() < 0.6) {
    settings.welcomeMessage = {
      ja: `${government.fullName}のふるさと住民になりませんか。`,
      ...(random.next() < 0.5 ? { en: `Become a hometown resident of ${government.fullName}.` } : {}),
    };
  }
  // Parsing proves the generated settings are ones the product itself would accept.
  return TenantSettings.parse(settings);
}

const settingKeys = ['contactEmail', 'contactPhone', 'welcomeMessage'] as const;

/**
 * The registry, run in this order. Each entry is one table family, drawing on what the generators
 * before it put in `produced` and adding to it for the ones after (registrations need tenants and
 * persons). A new table family adds its generator here and its knobs to Scale.
 */
export const generators = {
  tenants: {
    description: 'governments that join (prefectures and municipalities, never wards), each with a tenant.joined event',
    async run({ db, scale, random, batchSize, produced }) {
      const candidates = await db
        .selectFrom('local_governments as lg')
        .innerJoin('prefectures as p', 'p.prefecture_code', 'lg.prefecture_code')
        .leftJoin('tenants as t', 't.lg_code', 'lg.lg_code')
        .where('t.lg_code', 'is', null)
        .select(['lg.lg_code', 'lg.kind', 'lg.name', 'p.name as prefecture_name'])
        .orderBy('lg.lg_code')
        .execute();
      const joinable = candidates.filter((row) => canBeTenant(row.kind as LocalGovernmentKind));
      if (scale.tenants > joinable.length) {
        throw new UsageError(`--tenants ${scale.tenants}: only ${joinable.length} governments can still join`);
      }
      const chosen = shuffled(joinable, random).slice(0, scale.tenants);
      const tenantRows = new ColumnBuffer(db, 'tenants', tenantColumns, batchSize);
      const auditRows = new ColumnBuffer(db, 'audit_events', auditColumns, batchSize);
      for (const government of chosen) {
        const joinedAt = random.int(windowStart, joinWindowEnd);
        const fullName =
          government.kind === 'prefecture' ? government.name : `${government.prefecture_name}${government.name}`;
        const settings = settingsFor({ lgCode: government.lg_code, fullName }, random);
        const joinedIso = new Date(joinedAt).toISOString();
        await tenantRows.add([government.lg_code, JSON.stringify(settings), joinedIso, joinedIso]);
        await auditRows.add(
          auditRow(
            government.lg_code,
            eventId(random, joinedAt),
            joinedAt,
            { kind: 'system', id: null, requestId: null },
            'tenant.joined',
            { settingKeys: Object.keys(settings) },
          ),
        );
        produced.tenants.push({ lgCode: government.lg_code, joinedAt });
      }
      return { tenants: await tenantRows.flush(), audit_events: await auditRows.flush() };
    },
  },

  auditEvents: {
    description: 'settings changes by operators and the system after each tenant joined',
    async run({ db, scale, random, batchSize, produced }) {
      const rows = new ColumnBuffer(db, 'audit_events', auditColumns, batchSize);
      for (const tenant of produced.tenants) {
        // In time order, as a real trail is written: ids (v7) and the time index then grow at the right
        // edge of their B-trees instead of splitting pages all over them.
        const times = Array.from({ length: scale.auditEventsPerTenant }, () =>
          random.int(tenant.joinedAt + 1, windowEnd),
        );
        times.sort((a, b) => a - b);
        for (const at of times) {
          // Only platform actors may change settings today (municipalities.policy.ts); staff come later.
          const byOperator = random.next() < 0.8;
          const actor = byOperator
            ? { kind: 'operator' as const, id: `op-${random.int(1, 20)}`, requestId: requestIdFrom(random) }
            : { kind: 'system' as const, id: null, requestId: null };
          const changedKeys = settingKeys.filter(() => random.next() < 0.5);
          await rows.add(
            auditRow(tenant.lgCode, eventId(random, at), at, actor, 'tenant.settings_updated', {
              changedKeys: changedKeys.length > 0 ? changedKeys : [random.pick(settingKeys)],
            }),
          );
        }
      }
      return { audit_events: await rows.flush() };
    },
  },

  persons: {
    description:
      'accounts behind the registrations: 1–3 registrations each, last access spread after all tenants joined',
    async run({ db, scale, random, batchSize, produced }) {
      if (scale.registrations === 0) return { persons: 0 };
      const maxPerPerson = Math.min(3, produced.tenants.length);
      if (maxPerPerson === 0) throw new UsageError('--registrations needs at least one tenant');
      const rows = new ColumnBuffer(db, 'persons', personColumns, batchSize);
      const persons = produced.persons;
      for (let remaining = scale.registrations; remaining > 0;) {
        const roll = random.next();
        const count = Math.min(remaining, maxPerPerson, roll < 0.6 ? 1 : roll < 0.9 ? 2 : 3);
        // Last access after every tenant joined, so any of them can hold a registration made before it.
        const lastAccessAt = random.int(joinWindowEnd, windowEnd);
        const createdAt = random.int(windowStart, lastAccessAt);
        const id = uuidv7({ msecs: createdAt, random: random.bytes16() });
        const email = `person${persons.ids.length}@bench.furusato.example`;
        await rows.add([
          id,
          email,
          random.next() < 0.05 ? 'en' : 'ja',
          new Date(createdAt).toISOString(),
          new Date(lastAccessAt).toISOString(),
        ]);
        persons.ids.push(id);
        persons.emails.push(email);
        persons.createdAt.push(createdAt);
        persons.lastAccessAt.push(lastAccessAt);
        persons.registrations.push(count);
        remaining -= count;
      }
      return { persons: await rows.flush() };
    },
  },

  registrations: {
    description:
      'registrations of those persons (3 % premium), each with distinct tenants, made between joining and last access',
    async run({ db, random, batchSize, produced }) {
      const { persons, tenants } = produced;
      if (persons.ids.length === 0) return { registrations: 0 };
      const pick = tenantPicker(tenants.length, random);
      const rows = new ColumnBuffer(db, 'registrations', registrationColumns, batchSize);
      for (let index = 0; index < persons.ids.length; index += 1) {
        const chosen = new Set<number>();
        // One active registration per person and government (registrations_active_person_idx).
        while (chosen.size < (persons.registrations[index] ?? 1)) chosen.add(pick());
        const createdAt = persons.createdAt[index] ?? windowStart;
        const lastAccessAt = persons.lastAccessAt[index] ?? windowEnd;
        for (const tenantIndex of chosen) {
          const tenant = tenants[tenantIndex] as GeneratedTenant;
          const registeredAt = random.int(Math.max(tenant.joinedAt, createdAt), lastAccessAt);
          const premium = random.next() < 0.03;
          const verified = premium || random.next() < 0.3;
          const ties = generatedTies.filter(() => random.next() < 0.25);
          if (ties.length === 0) ties.push(random.pick(generatedTies));
          const registeredIso = new Date(registeredAt).toISOString();
          await rows.add([
            tenant.lgCode,
            uuidv7({ msecs: registeredAt, random: random.bytes16() }),
            persons.ids[index] ?? null,
            premium ? 'premium' : 'basic',
            persons.emails[index] ?? null,
            verified ? random.pick(ageBands) : null,
            String(random.int(1, 47)).padStart(2, '0'),
            String(verified),
            `{${ties.join(',')}}`,
            registeredIso,
            premium ? registeredIso : null,
            premium ? new Date(registeredAt + 365 * dayMs).toISOString() : null,
          ]);
        }
      }
      return { registrations: await rows.flush() };
    },
  },
} satisfies Record<string, Generator>;

export type GeneratorName = keyof typeof generators;

export interface GeneratorTiming {
  name: GeneratorName;
  rows: Record<string, number>;
  totalRows: number;
  ms: number;
  rowsPerSecond: number;
}

export interface GenerateResult {
  seed: number;
  scale: Scale;
  generators: GeneratorTiming[];
  totalRows: number;
  ms: number;
  rowsPerSecond: number;
}

const perSecond = (rows: number, ms: number) => (ms > 0 ? Math.round((rows / ms) * 1000) : 0);

/**
 * Runs every generator in registry order inside one transaction, so a failure leaves the database as
 * it was. `db` must be a connection that bypasses row-level security (owner or superuser).
 */
export async function generate(db: Kysely<Database>, options: GenerateOptions): Promise<GenerateResult> {
  const scale: Scale = {
    tenants: options.tenants,
    auditEventsPerTenant: options.auditEventsPerTenant,
    registrations: options.registrations ?? defaultScale.registrations,
  };
  const batchSize = options.batchSize ?? 10_000;
  const timings: GeneratorTiming[] = [];
  const started = performance.now();
  await db.transaction().execute(async (trx) => {
    const produced: Produced = {
      tenants: [],
      persons: { ids: [], emails: [], createdAt: [], lastAccessAt: [], registrations: [] },
    };
    for (const [name, generator] of Object.entries(generators) as Array<[GeneratorName, Generator]>) {
      const random = mulberry32(deriveSeed(options.seed, name));
      const generatorStarted = performance.now();
      const rows = await generator.run({ db: trx, scale, random, batchSize, produced });
      const ms = performance.now() - generatorStarted;
      const totalRows = Object.values(rows).reduce((sum, count) => sum + count, 0);
      timings.push({ name, rows, totalRows, ms: Math.round(ms), rowsPerSecond: perSecond(totalRows, ms) });
    }
  });
  const ms = performance.now() - started;
  const totalRows = timings.reduce((sum, timing) => sum + timing.totalRows, 0);
  return {
    seed: options.seed,
    scale,
    generators: timings,
    totalRows,
    ms: Math.round(ms),
    rowsPerSecond: perSecond(totalRows, ms),
  };
}

export function formatGenerateResult(result: GenerateResult): string {
  const lines = result.generators.map(
    (timing) =>
      `  ${timing.name.padEnd(12)} ${String(timing.totalRows).padStart(9)} rows ${String(timing.ms).padStart(7)} ms ` +
      `${String(timing.rowsPerSecond).padStart(8)} rows/s  (${Object.entries(timing.rows)
        .map(([table, count]) => `${table} ${count}`)
        .join(', ')})`,
  );
  return [
    ...lines,
    `  ${'total'.padEnd(12)} ${String(result.totalRows).padStart(9)} rows ${String(result.ms).padStart(7)} ms ${String(
      result.rowsPerSecond,
    ).padStart(8)} rows/s`,
  ].join('\n');
}

const usage = `Usage: tsx bench/generate.ts (--database-url URL | --pglite-dir DIR) [--tenants N] [--audit-events M]
                            [--registrations R] [--seed X]
  --database-url  PostgreSQL to fill (default: $DATABASE_URL); connect as the owner or a superuser
  --pglite-dir    embedded database folder to fill instead (not while a server has it open)
  --tenants       governments that join (default ${defaultScale.tenants})
  --audit-events  audit events per tenant besides tenant.joined (default ${defaultScale.auditEventsPerTenant})
  --registrations registrations over all tenants, with their persons (default ${defaultScale.registrations})
  --seed          PRNG seed; same seed and starting database give the same data (default ${defaultSeed})`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string' },
      'pglite-dir': { type: 'string' },
      tenants: { type: 'string' },
      'audit-events': { type: 'string' },
      registrations: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const databaseUrl = values['database-url'] ?? (values['pglite-dir'] ? undefined : process.env.DATABASE_URL);
  let target: DatabaseTarget;
  if (databaseUrl) target = { engine: 'postgres', connectionString: databaseUrl, poolMax: 1 };
  else if (values['pglite-dir']) target = { engine: 'pglite', dataDir: values['pglite-dir'] };
  else throw new UsageError('give --database-url or --pglite-dir');
  const options: GenerateOptions = {
    tenants: integerOption('tenants', values.tenants, defaultScale.tenants),
    auditEventsPerTenant: integerOption('audit-events', values['audit-events'], defaultScale.auditEventsPerTenant),
    registrations: integerOption('registrations', values.registrations, defaultScale.registrations),
    seed: integerOption('seed', values.seed, defaultSeed),
  };

  const database = await openDatabase(target);
  try {
    await migrateToLatest(database.db);
    await loadMasterData(database.db);
    const result = await generate(database.db, options);
    process.stdout.write(`generated on ${database.engine} (seed ${options.seed}):\n${formatGenerateResult(result)}\n`);
  } finally {
    await database.close();
  }
}

if (isMainModule(import.meta.url)) {
  main().catch((error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      process.stderr.write(`${error.message}\n\n${usage}\n`);
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exitCode = 1;
  });
}
