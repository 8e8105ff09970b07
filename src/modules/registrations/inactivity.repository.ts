import { sql, type Kysely, type Transaction } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { jobsChannel } from '../../platform/jobs/runner.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';
import type { Database } from './registrations.types.js';

// SQL of basic inactivity (inactivity.service.ts). Every statement is set-based: ids travel as one
// uuid[] parameter, so a batch of 5,000 registrations costs a handful of round trips, not thousands.

/** The fields of a registration that the stay rule reads. */
export interface InactivityRow {
  id: string;
  person_id: string;
  registered_at: Date;
  inactivity_asked_at: Date | null;
  inactivity_answered_at: Date | null;
}

/** The tenant's settings and status, read in its own scope (tenants are publicly readable anyway). */
export async function findTenant(scope: TenantScope) {
  return scope.trx.selectFrom('tenants').select(['status', 'settings']).where(ownedBy(scope)).executeTakeFirst();
}

/**
 * The next window of active basic registrations in id order after `after`. Walking the primary key
 * (lg_code, id) reads each row once per run however many windows there are. The planner would rather
 * bitmap-scan the whole tenant and sort it for every window: the two OR-ed row-level security policies
 * make it expect a handful of rows (measured: 94,000-row tenant, 175 ms a window instead of 30, and
 * quadratic in the tenant's size). Sorting and bitmap scans are switched off for this one statement
 * (transaction-local settings, put back after it).
 */
export async function selectWindow(scope: TenantScope, after: string | undefined, limit: number) {
  // JIT too: the index scan's full cost passes jit_above_cost, and compiling costs more than it saves.
  await sql`select set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true),
                   set_config('jit', 'off', true)`.execute(scope.trx);
  let query = scope.trx
    .selectFrom('registrations')
    .select(['id', 'person_id', 'registered_at', 'inactivity_asked_at', 'inactivity_answered_at'])
    .where(ownedBy(scope))
    .where('status', '=', 'active')
    .where('tier', '=', 'basic');
  if (after !== undefined) query = query.where('id', '>', after);
  const rows = await query.orderBy('id').limit(limit).execute();
  await sql`select set_config('enable_sort', 'on', true), set_config('enable_bitmapscan', 'on', true)`.execute(
    scope.trx,
  );
  return rows;
}

/**
 * Last access of the given persons (the national table, no row-level security). `lock` takes a share
 * lock, so a sign-in that commits first is seen and one that comes later waits for this transaction:
 * nobody is released in the very instant they come back.
 */
export async function lastAccessOf(
  trx: Transaction<Database>,
  personIds: readonly string[],
  lock = false,
): Promise<Map<string, Date>> {
  if (personIds.length === 0) return new Map();
  const query = trx
    .selectFrom('persons')
    .select(['id', 'last_access_at'])
    .where(sql<boolean>`id = any(${[...personIds]}::uuid[])`);
  const rows = await (lock ? query.forShare() : query).execute();
  return new Map(rows.map((row) => [row.id, row.last_access_at]));
}

/** The open-question test in SQL: asked, and not answered since. */
const questionOpen = sql<boolean>`inactivity_asked_at is not null
  and (inactivity_answered_at is null or inactivity_answered_at < inactivity_asked_at)`;

/** Withdraws open questions (the person came back, or the registration became premium). */
export async function closeQuestions(scope: TenantScope, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await scope.trx
    .updateTable('registrations')
    .set({ inactivity_asked_at: null })
    .where(ownedBy(scope))
    .where(sql<boolean>`id = any(${[...ids]}::uuid[])`)
    .where('status', '=', 'active')
    .where(questionOpen)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Premium registrations left with an open question from their basic days. */
export async function openPremiumQuestions(scope: TenantScope): Promise<string[]> {
  const rows = await scope.trx
    .selectFrom('registrations')
    .select('id')
    .where(ownedBy(scope))
    .where('status', '=', 'active')
    .where('tier', '=', 'premium')
    .where(questionOpen)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Releases registrations whose question stayed open since before `askedBefore`. The conditions are
 * checked again here, so an answer committed after the window was read still wins.
 */
export async function releaseRegistrations(
  scope: TenantScope,
  ids: readonly string[],
  options: { now: Date; askedBefore: Date },
) {
  if (ids.length === 0) return [];
  return scope.trx
    .updateTable('registrations')
    .set({ status: 'released', ended_at: options.now, end_reason: 'inactive' })
    .where(ownedBy(scope))
    .where(sql<boolean>`id = any(${[...ids]}::uuid[])`)
    .where('status', '=', 'active')
    .where('tier', '=', 'basic')
    .where(questionOpen)
    .where('inactivity_asked_at', '<=', options.askedBefore)
    .returning(['id', 'person_id'])
    .execute();
}

/** Asks: only registrations without an open question, so asking twice in a run changes nothing. */
export async function askRegistrations(scope: TenantScope, ids: readonly string[], now: Date) {
  if (ids.length === 0) return [];
  return scope.trx
    .updateTable('registrations')
    .set({ inactivity_asked_at: now })
    .where(ownedBy(scope))
    .where(sql<boolean>`id = any(${[...ids]}::uuid[])`)
    .where('status', '=', 'active')
    .where('tier', '=', 'basic')
    .where(sql<boolean>`not (${questionOpen})`)
    .returning(['id', 'person_id'])
    .execute();
}

/** A pending premium application ends with its registration (as on withdrawal). */
export async function withdrawPendingApplications(scope: TenantScope, registrationIds: readonly string[], now: Date) {
  if (registrationIds.length === 0) return;
  await scope.trx
    .updateTable('premium_applications')
    .set({ status: 'withdrawn', decided_at: now, decided_by: 'system', reason: 'inactive' })
    .where(ownedBy(scope))
    .where(sql<boolean>`registration_id = any(${[...registrationIds]}::uuid[])`)
    .where('status', '=', 'pending')
    .execute();
}

/** One system audit event per registration, all with the same action and data, in one statement. */
export async function insertAuditEvents(
  scope: TenantScope,
  event: { action: string; subjectIds: readonly string[]; data: Record<string, unknown> },
): Promise<void> {
  if (event.subjectIds.length === 0) return;
  const ids = event.subjectIds.map(() => uuidv7());
  await sql`
    insert into audit_events (lg_code, id, actor_kind, actor_id, action, subject_type, subject_id, data)
    select ${scope.lgCode}, u.id, 'system', null, ${event.action}, 'registration', u.subject_id,
           ${JSON.stringify(event.data)}::jsonb
    from unnest(${ids}::uuid[], ${[...event.subjectIds]}::text[]) as u(id, subject_id)`.execute(scope.trx);
}

/**
 * Adds items to the persons' notices of this run: one parked job per person and run (the idempotency
 * key), whose payload collects what happened in every government. A notice no longer pending (already
 * delivered: this tenant ran late) is not touched; its key is missing from the result.
 */
export async function upsertNotices(
  trx: Transaction<Database>,
  notices: ReadonlyArray<{ key: string; payload: string }>,
  options: { name: string; runAt: Date; maxAttempts: number },
): Promise<Set<string>> {
  if (notices.length === 0) return new Set();
  // One lock order for every transaction, so two tenants adding to the same persons cannot deadlock.
  const sorted = [...notices].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const result = await sql<{ idempotency_key: string }>`
    insert into jobs (id, name, payload, run_at, max_attempts, idempotency_key)
    select u.id, ${options.name}, u.payload::jsonb, ${options.runAt}, ${options.maxAttempts}, u.key
    from unnest(${sorted.map(() => uuidv7())}::uuid[], ${sorted.map((notice) => notice.payload)}::text[],
                ${sorted.map((notice) => notice.key)}::text[]) with ordinality as u(id, payload, key, n)
    order by u.n
    on conflict (idempotency_key) do update
      set payload = jsonb_set(jobs.payload, '{items}', (jobs.payload -> 'items') || (excluded.payload -> 'items'))
      where jobs.status = 'pending'
    returning idempotency_key`.execute(trx);
  return new Set(result.rows.map((row) => row.idempotency_key));
}

/** Notices due at once (a straggler's own notice, after the run's notices went out). */
export async function insertDueNotices(
  trx: Transaction<Database>,
  notices: ReadonlyArray<{ key: string; payload: string }>,
  options: { name: string; maxAttempts: number },
): Promise<void> {
  if (notices.length === 0) return;
  await sql`
    insert into jobs (id, name, payload, max_attempts, idempotency_key)
    select u.id, ${options.name}, u.payload::jsonb, ${options.maxAttempts}, u.key
    from unnest(${notices.map(() => uuidv7())}::uuid[], ${notices.map((notice) => notice.payload)}::text[],
                ${notices.map((notice) => notice.key)}::text[]) as u(id, payload, key)
    on conflict (idempotency_key) do nothing`.execute(trx);
  await sql`select pg_notify(${jobsChannel}, ${options.name})`.execute(trx);
}

/** Governments whose registrants the nightly run covers. */
export async function listParticipatingTenants(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('tenants')
    .select('lg_code')
    .where('status', '=', 'active')
    .orderBy('lg_code')
    .execute();
  return rows.map((row) => row.lg_code);
}

export async function listAllTenants(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('tenants').select('lg_code').execute();
  return rows.map((row) => row.lg_code);
}

/** How many of the jobs with these keys are still to run (pending, retrying or running). */
export async function countUnfinishedJobs(db: Kysely<Database>, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where(sql<boolean>`idempotency_key = any(${[...keys]}::text[])`)
    .where('status', 'in', ['pending', 'running'])
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Ids of one run's parked notices, read once: fetching them batch by batch through the partial index
 * `jobs_ready_idx` would walk the entries of every notice already delivered again (dead until vacuum),
 * quadratic in the run's size (measured: 235,000 notices, 87 s).
 */
export async function listParkedNotices(
  db: Kysely<Database>,
  options: { name: string; runAt: Date },
): Promise<string[]> {
  const rows = await db
    .selectFrom('jobs')
    .select('id')
    .where('name', '=', options.name)
    .where('status', '=', 'pending')
    .where('run_at', '=', options.runAt)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Claims parked notices for bulk delivery. SKIP LOCKED leaves alone a notice the runner claimed on its
 * own (its safety-net time came), and the rows stay locked until the mails replacing them are committed.
 */
export async function lockParkedNotices(trx: Transaction<Database>, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return trx
    .selectFrom('jobs')
    .select(['id', 'payload'])
    .where(sql<boolean>`id = any(${[...ids]}::uuid[])`)
    .where('status', '=', 'pending')
    .forUpdate()
    .skipLocked()
    .execute();
}

/** Marks notices delivered in bulk as done, in the transaction that queued their mails. */
export async function completeNotices(trx: Transaction<Database>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .updateTable('jobs')
    .set({ status: 'succeeded', finished_at: sql<Date>`now()`, last_error: null })
    .where(sql<boolean>`id = any(${[...ids]}::uuid[])`)
    .execute();
}

/** Where and in which language to write to each person (active accounts only). */
export async function mailTargets(db: Kysely<Database>, personIds: readonly string[]) {
  if (personIds.length === 0) return new Map<string, { email: string; locale: 'ja' | 'en' }>();
  const rows = await db
    .selectFrom('persons')
    .select(['id', 'email', 'locale'])
    .where(sql<boolean>`id = any(${[...personIds]}::uuid[])`)
    .where('status', '=', 'active')
    .execute();
  const targets = new Map<string, { email: string; locale: 'ja' | 'en' }>();
  for (const row of rows) if (row.email) targets.set(row.id, { email: row.email, locale: row.locale });
  return targets;
}
