import { sql, type Insertable, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';
import { effectivelyDesignated } from './projects.repository.js';

const attendanceColumns = [
  'id',
  'session_id',
  'project_id',
  'person_id',
  'registration_id',
  sql<string>`to_char(activity_date, 'YYYY-MM-DD')`.as('activity_date'),
  'method',
  'designated',
  'status',
  'shared_name',
  'scanned_at',
  'recorded_at',
  'recorded_by',
  'client_scan_id',
  'removed_at',
  'removal_reason',
] as const;

/**
 * Records one person present on one day of a session, unless they are already (the partial unique index
 * on person, session and day) or this offline scan was recorded before (its client id): then nothing is
 * inserted and `undefined` comes back. ON CONFLICT without a target covers both indexes.
 */
export async function insertAttendance(
  scope: TenantScope,
  values: Omit<Insertable<Database['attendance']>, 'lg_code'>,
): Promise<{ id: string } | undefined> {
  return scope.trx
    .insertInto('attendance')
    .values({ ...values, lg_code: scope.lgCode })
    .onConflict((conflict) => conflict.doNothing())
    .returning('id')
    .executeTakeFirst();
}

export async function findPresentOn(scope: TenantScope, sessionId: string, personId: string, activityDate: string) {
  return scope.trx
    .selectFrom('attendance')
    .select(attendanceColumns)
    .where(ownedBy(scope))
    .where('session_id', '=', sessionId)
    .where('person_id', '=', personId)
    .where('activity_date', '=', sql<Date>`${activityDate}::date`)
    .where('status', '=', 'present')
    .executeTakeFirst();
}

export async function findByClientScanId(scope: TenantScope, clientScanId: string) {
  return scope.trx
    .selectFrom('attendance')
    .select(attendanceColumns)
    .where(ownedBy(scope))
    .where('client_scan_id', '=', clientScanId)
    .executeTakeFirst();
}

export async function findAttendance(scope: TenantScope, id: string, options: { lock?: boolean } = {}) {
  const query = scope.trx.selectFrom('attendance').select(attendanceColumns).where(ownedBy(scope)).where('id', '=', id);
  return (options.lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function markRemoved(scope: TenantScope, id: string, by: string, reason: string): Promise<void> {
  await scope.trx
    .updateTable('attendance')
    .set({ status: 'removed', removed_at: new Date(), removed_by: by, removal_reason: reason })
    .where(ownedBy(scope))
    .where('id', '=', id)
    .execute();
}

/** Every attendance row of a session (removed ones too, marked), by day and time. */
export async function listAttendanceOfSession(scope: TenantScope, sessionId: string) {
  return scope.trx
    .selectFrom('attendance')
    .select(attendanceColumns)
    .where(ownedBy(scope))
    .where('session_id', '=', sessionId)
    .orderBy('activity_date')
    .orderBy('recorded_at')
    .execute();
}

/** Names the person shares here: their registration, else their application to this session. */
export async function findSharedName(scope: TenantScope, sessionId: string, personId: string) {
  const registration = await scope.trx
    .selectFrom('registrations')
    .select(['id', 'shared_name'])
    .where(ownedBy(scope))
    .where('person_id', '=', personId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  const application = await scope.trx
    .selectFrom('session_applications')
    .select(['shared_name'])
    .where(ownedBy(scope))
    .where('session_id', '=', sessionId)
    .where('person_id', '=', personId)
    .orderBy('applied_at', 'desc')
    .executeTakeFirst();
  return {
    registrationId: registration?.id ?? null,
    name: registration?.shared_name ?? application?.shared_name ?? null,
  };
}

export interface ReportFilter {
  from: string;
  to: string;
  organisationId?: string;
}

/**
 * Attendance per session in a period (Japan dates, inclusive), for the government's (or an
 * organisation's) report: people present, person-days, and person-days that counted for premium.
 */
export async function attendanceBySession(scope: TenantScope, filter: ReportFilter) {
  let query = scope.trx
    .selectFrom('activity_sessions as s')
    .innerJoin('projects as p', (join) => join.onRef('p.lg_code', '=', 's.lg_code').onRef('p.id', '=', 's.project_id'))
    .leftJoin('organisations as o', (join) =>
      join.onRef('o.lg_code', '=', 'p.lg_code').onRef('o.id', '=', 'p.organisation_id'),
    )
    .leftJoin('attendance as t', (join) =>
      join.onRef('t.lg_code', '=', 's.lg_code').onRef('t.session_id', '=', 's.id').on('t.status', '=', 'present'),
    )
    .where(ownedBy(scope, 's'))
    .where(sql<boolean>`(s.starts_at at time zone 'Asia/Tokyo')::date <= ${filter.to}::date`)
    .where(sql<boolean>`(s.ends_at at time zone 'Asia/Tokyo')::date >= ${filter.from}::date`)
    .where('s.status', '<>', 'cancelled');
  if (filter.organisationId) query = query.where('p.organisation_id', '=', filter.organisationId);
  return query
    .select([
      's.id as session_id',
      's.starts_at',
      's.ends_at',
      's.capacity',
      's.confirmed_count',
      'p.id as project_id',
      'p.title',
      'p.category',
      'o.name as organisation_name',
      effectivelyDesignated().as('designated_now'),
      sql<string>`count(distinct t.person_id)`.as('people'),
      sql<string>`count(t.id)`.as('person_days'),
      sql<string>`count(t.id) filter (where t.designated)`.as('designated_person_days'),
    ])
    .groupBy([
      's.id',
      's.starts_at',
      's.ends_at',
      's.capacity',
      's.confirmed_count',
      'p.id',
      'p.title',
      'p.category',
      'o.name',
      'o.designated',
      'p.designation',
    ])
    .orderBy('s.starts_at')
    .limit(5000)
    .execute();
}

// Person scope (withPerson): the person's own attendance across governments.

export async function listAttendanceOfPerson(
  trx: Transaction<Database> | Kysely<Database>,
  personId: string,
  range?: { from: string; to: string },
) {
  let query = trx
    .selectFrom('attendance')
    .select(['lg_code', ...attendanceColumns])
    .where('person_id', '=', personId)
    .where('status', '=', 'present');
  if (range)
    query = query
      .where('activity_date', '>=', sql<Date>`${range.from}::date`)
      .where('activity_date', '<=', sql<Date>`${range.to}::date`);
  return query.orderBy('activity_date', 'desc').limit(5000).execute();
}
