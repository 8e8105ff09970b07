import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';
import type { AttendanceCounts, AttendanceQuery } from './judgement.js';

// SQL of the premium judgement and the nightly renewal run (judgement.ts, renewal.service.ts). Every
// statement takes its rows as arrays (unnest), so a window of 5,000 registrations costs a handful of
// round trips. Writes re-check the state they were decided on (the expiry read), so a change that
// committed in between (a staff approval, another run) wins and the write does nothing. Expiries travel
// through JavaScript with milliseconds, so they are compared at that precision.

/**
 * Attendance of persons in windows, one answer per query in order: designated present rows and
 * distinct days present. The attendance table belongs to the activities module; its `designated`
 * snapshot and the `attendance_person_idx` index (lg_code, person_id, activity_date) INCLUDE
 * (designated) WHERE status = 'present' exist for this query, which reads the index only.
 */
export async function countAttendance(
  scope: TenantScope,
  queries: readonly AttendanceQuery[],
): Promise<AttendanceCounts[]> {
  if (queries.length === 0) return [];
  // A lateral aggregate per query: one index probe (lg_code, person_id, activity_date range) each, in
  // query order. As a join, the planners misjudged it: the OR-ed row-level security policies make them
  // expect a handful of attendance rows per government, so PostgreSQL 15 hash-joined the government's
  // whole attendance for every window and PostgreSQL 18 (PGlite) rescanned it for every query (12.8 s
  // instead of 0.1 s for 689 registrations). The lateral form leaves them no such choice.
  const result = await sql<{ activity_days: string; days_present: string }>`
    select c.activity_days, c.days_present
    from unnest(${queries.map((query) => query.personId)}::uuid[], ${queries.map((query) => query.from)}::date[],
                ${queries.map((query) => query.to)}::date[]) with ordinality as u(person_id, first_day, last_day, n)
    cross join lateral (
      select count(*) filter (where a.designated) as activity_days, count(distinct a.activity_date) as days_present
      from attendance a
      where a.lg_code = ${scope.lgCode} and a.person_id = u.person_id and a.status = 'present'
        and a.activity_date between u.first_day and u.last_day) as c
    order by u.n`.execute(scope.trx);
  return result.rows.map((row) => ({
    activityDays: Number(row.activity_days),
    daysPresent: Number(row.days_present),
  }));
}

/** The fields of a premium registration the nightly run reads. */
export interface PremiumRow {
  id: string;
  person_id: string;
  premium_valid_until: Date;
  premium_reminded_for: Date | null;
  long_stay: boolean;
}

/**
 * The next window of active premium registrations in id order after `after`, through the partial index
 * registrations_premium_idx. As in the inactivity run (decision 0010), the OR-ed row-level security
 * policies make the planner expect a handful of rows and prefer a bitmap scan and a sort of the whole
 * tenant for every window; sorting and bitmap scans are off for this one statement.
 */
export async function selectPremiumWindow(
  scope: TenantScope,
  after: string | undefined,
  limit: number,
): Promise<PremiumRow[]> {
  await sql`select set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true),
                   set_config('jit', 'off', true)`.execute(scope.trx);
  let query = scope.trx
    .selectFrom('registrations')
    .select(['id', 'person_id', 'premium_valid_until', 'premium_reminded_for', 'long_stay'])
    .where(ownedBy(scope))
    .where('status', '=', 'active')
    .where('tier', '=', 'premium');
  if (after !== undefined) query = query.where('id', '>', after);
  const rows = await query.orderBy('id').limit(limit).execute();
  await sql`select set_config('enable_sort', 'on', true), set_config('enable_bitmapscan', 'on', true)`.execute(
    scope.trx,
  );
  // premium_valid_until is never null for premium (CHECK in migration 0009).
  return rows.filter((row): row is PremiumRow => row.premium_valid_until !== null);
}

/** Sets the long-stay mark where it differs; returns the registrations changed and their new mark. */
export async function setLongStay(
  scope: TenantScope,
  changes: ReadonlyArray<{ id: string; longStay: boolean }>,
): Promise<Array<{ id: string; long_stay: boolean }>> {
  if (changes.length === 0) return [];
  const result = await sql<{ id: string; long_stay: boolean }>`
    update registrations r set long_stay = u.long_stay
    from unnest(${changes.map((change) => change.id)}::uuid[], ${changes.map((change) => change.longStay)}::boolean[])
      as u(id, long_stay)
    where r.lg_code = ${scope.lgCode} and r.id = u.id and r.status = 'active' and r.tier = 'premium'
      and r.long_stay <> u.long_stay
    returning r.id, r.long_stay`.execute(scope.trx);
  return result.rows;
}

/** One person's active premium registration with this government, if any. */
export async function findPremiumRegistrationOfPerson(scope: TenantScope, personId: string) {
  return scope.trx
    .selectFrom('registrations')
    .select(['id', 'long_stay'])
    .where(ownedBy(scope))
    .where('person_id', '=', personId)
    .where('status', '=', 'active')
    .where('tier', '=', 'premium')
    .executeTakeFirst();
}

/** The long-stay mark of one person's premium registration, where it differs. */
export async function setLongStayOfPerson(scope: TenantScope, personId: string, longStay: boolean) {
  return scope.trx
    .updateTable('registrations')
    .set({ long_stay: longStay })
    .where(ownedBy(scope))
    .where('person_id', '=', personId)
    .where('status', '=', 'active')
    .where('tier', '=', 'premium')
    .where('long_stay', '<>', longStay)
    .returning(['id'])
    .executeTakeFirst();
}

/** Moves the expiry a year on, where it is still the one the run judged. */
export async function renewRegistrations(
  scope: TenantScope,
  rows: ReadonlyArray<{ id: string; validUntil: Date; newValidUntil: Date; longStay: boolean }>,
): Promise<Array<{ id: string; person_id: string }>> {
  if (rows.length === 0) return [];
  const result = await sql<{ id: string; person_id: string }>`
    update registrations r
    set premium_valid_until = u.new_until, long_stay = u.long_stay
    from unnest(${rows.map((row) => row.id)}::uuid[], ${rows.map((row) => row.validUntil)}::timestamptz[],
                ${rows.map((row) => row.newValidUntil)}::timestamptz[], ${rows.map((row) => row.longStay)}::boolean[])
      as u(id, old_until, new_until, long_stay)
    where r.lg_code = ${scope.lgCode} and r.id = u.id and r.status = 'active' and r.tier = 'premium'
      and date_trunc('milliseconds', r.premium_valid_until) = u.old_until
    returning r.id, r.person_id`.execute(scope.trx);
  return result.rows;
}

/**
 * Returns registrations to basic, where the expiry is still the one the run judged: the premium
 * fields go as the CHECKs require; the registration, its applications and its audit trail stay.
 */
export async function lapseRegistrations(
  scope: TenantScope,
  rows: ReadonlyArray<{ id: string; validUntil: Date }>,
): Promise<Array<{ id: string; person_id: string }>> {
  if (rows.length === 0) return [];
  const result = await sql<{ id: string; person_id: string }>`
    update registrations r
    set tier = 'basic', premium_since = null, premium_valid_until = null, premium_reminded_for = null,
        long_stay = false
    from unnest(${rows.map((row) => row.id)}::uuid[], ${rows.map((row) => row.validUntil)}::timestamptz[])
      as u(id, old_until)
    where r.lg_code = ${scope.lgCode} and r.id = u.id and r.status = 'active' and r.tier = 'premium'
      and date_trunc('milliseconds', r.premium_valid_until) = u.old_until
    returning r.id, r.person_id`.execute(scope.trx);
  return result.rows;
}

/** Records that the month-before step is done for the current expiry; returns the rows it was not yet done for. */
export async function markReminded(
  scope: TenantScope,
  rows: ReadonlyArray<{ id: string; validUntil: Date }>,
): Promise<Array<{ id: string; person_id: string }>> {
  if (rows.length === 0) return [];
  const result = await sql<{ id: string; person_id: string }>`
    update registrations r set premium_reminded_for = r.premium_valid_until
    from unnest(${rows.map((row) => row.id)}::uuid[], ${rows.map((row) => row.validUntil)}::timestamptz[])
      as u(id, until)
    where r.lg_code = ${scope.lgCode} and r.id = u.id and r.status = 'active' and r.tier = 'premium'
      and date_trunc('milliseconds', r.premium_valid_until) = u.until
      and r.premium_reminded_for is distinct from r.premium_valid_until
    returning r.id, r.person_id`.execute(scope.trx);
  return result.rows;
}

export interface RenewalApplication {
  registrationId: string;
  personId: string;
  renewsUntil: Date;
  judgement: unknown;
}

/**
 * The system's decision on renewals (automatic mode): a new decided application per registration and
 * expiry, or the decision of the pending one staff had in their queue (the government switched to
 * automatic meanwhile). A renewal already decided is left as it is.
 */
export async function recordRenewalDecisions(
  scope: TenantScope,
  rows: ReadonlyArray<RenewalApplication & { status: 'approved' | 'rejected'; reason: string | null }>,
  now: Date,
): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into premium_applications
      (lg_code, id, registration_id, person_id, status, kind, judgement, applied_at, decided_at, decided_by, reason,
       renews_until)
    select ${scope.lgCode}, u.id, u.registration_id, u.person_id, u.status, 'renewal', u.judgement::jsonb, ${now},
           ${now}, 'system', u.reason, u.renews_until
    from unnest(${rows.map(() => uuidv7())}::uuid[], ${rows.map((row) => row.registrationId)}::uuid[],
                ${rows.map((row) => row.personId)}::uuid[], ${rows.map((row) => row.status)}::text[],
                ${rows.map((row) => JSON.stringify(row.judgement))}::text[], ${rows.map((row) => row.reason)}::text[],
                ${rows.map((row) => row.renewsUntil)}::timestamptz[])
      as u(id, registration_id, person_id, status, judgement, reason, renews_until)
    on conflict (lg_code, registration_id, renews_until) where kind = 'renewal'
    do update set status = excluded.status, judgement = excluded.judgement, decided_at = excluded.decided_at,
                  decided_by = excluded.decided_by, reason = excluded.reason
      where premium_applications.status = 'pending'`.execute(scope.trx);
}

/**
 * Renewal applications for the staff queue (manual mode), pending, with the judgement. One per
 * registration and expiry, and none where another application is already pending.
 */
export async function insertPendingRenewals(
  scope: TenantScope,
  rows: ReadonlyArray<RenewalApplication>,
  now: Date,
): Promise<string[]> {
  if (rows.length === 0) return [];
  const result = await sql<{ registration_id: string }>`
    insert into premium_applications (lg_code, id, registration_id, person_id, kind, judgement, applied_at, renews_until)
    select ${scope.lgCode}, u.id, u.registration_id, u.person_id, 'renewal', u.judgement::jsonb, ${now}, u.renews_until
    from unnest(${rows.map(() => uuidv7())}::uuid[], ${rows.map((row) => row.registrationId)}::uuid[],
                ${rows.map((row) => row.personId)}::uuid[], ${rows.map((row) => JSON.stringify(row.judgement))}::text[],
                ${rows.map((row) => row.renewsUntil)}::timestamptz[])
      as u(id, registration_id, person_id, judgement, renews_until)
    on conflict do nothing
    returning registration_id`.execute(scope.trx);
  return result.rows.map((row) => row.registration_id);
}

/** Ends the applications still pending for registrations that lapsed or renewed (reason: why). */
export async function withdrawPendingApplications(
  scope: TenantScope,
  registrationIds: readonly string[],
  options: { now: Date; reason: string },
): Promise<number> {
  if (registrationIds.length === 0) return 0;
  const result = await scope.trx
    .updateTable('premium_applications')
    .set({ status: 'withdrawn', decided_at: options.now, decided_by: 'system', reason: options.reason })
    .where(ownedBy(scope))
    .where(sql<boolean>`registration_id = any(${[...registrationIds]}::uuid[])`)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** System audit events, one per row with its own data, in one statement. */
export async function insertAuditEvents(
  scope: TenantScope,
  events: ReadonlyArray<{ action: string; subjectId: string; data: Record<string, unknown> }>,
): Promise<void> {
  if (events.length === 0) return;
  await sql`
    insert into audit_events (lg_code, id, actor_kind, actor_id, action, subject_type, subject_id, data)
    select ${scope.lgCode}, u.id, 'system', null, u.action, 'registration', u.subject_id, u.data::jsonb
    from unnest(${events.map(() => uuidv7())}::uuid[], ${events.map((event) => event.action)}::text[],
                ${events.map((event) => event.subjectId)}::text[],
                ${events.map((event) => JSON.stringify(event.data))}::text[]) as u(id, action, subject_id, data)`.execute(
    scope.trx,
  );
}

/** Of these registrations, those that already have a renewal application for the given expiry. */
export async function renewalsApplied(
  scope: TenantScope,
  rows: ReadonlyArray<{ id: string; validUntil: Date }>,
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const result = await sql<{ registration_id: string }>`
    select p.registration_id
    from unnest(${rows.map((row) => row.id)}::uuid[], ${rows.map((row) => row.validUntil)}::timestamptz[])
      as u(id, until)
    join premium_applications p
      on p.lg_code = ${scope.lgCode} and p.registration_id = u.id and p.kind = 'renewal' and p.renews_until = u.until`.execute(
    scope.trx,
  );
  return new Set(result.rows.map((row) => row.registration_id));
}
