import { sql, type Insertable, type RawBuilder, type SqlBool, type Updateable } from 'kysely';
import type {
  ActivitySessionRow,
  Database,
  ProjectCategory,
  ProjectDesignation,
  ProjectRow,
  ProjectStatus,
} from '../../platform/db/schema.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';

/**
 * Whether a project counts for premium now (L5985–5989): designated itself (pattern ①), or following an
 * organisation the government designated (pattern ②) without being excluded. `p` and `o` are the
 * aliases of projects and of the organisation left-joined to it.
 */
export function effectivelyDesignated(p = 'p', o = 'o'): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.ref(`${p}.designation`)} = 'designated' or (${sql.ref(`${p}.designation`)} = 'inherit' and coalesce(${sql.ref(`${o}.designated`)}, false)))`;
}

type NewProject = Omit<Insertable<Database['projects']>, 'lg_code'>;

export async function insertProject(scope: TenantScope, values: NewProject): Promise<ProjectRow> {
  return scope.trx
    .insertInto('projects')
    .values({ ...values, lg_code: scope.lgCode })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateProject(
  scope: TenantScope,
  id: string,
  changes: Updateable<Database['projects']>,
): Promise<ProjectRow> {
  return scope.trx
    .updateTable('projects')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where(ownedBy(scope))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A project with its organisation's name, status and designation (the organisation may be none). */
export async function findProject(scope: TenantScope, id: string, options: { lock?: boolean } = {}) {
  const query = scope.trx
    .selectFrom('projects as p')
    .leftJoin('organisations as o', (join) =>
      join.onRef('o.lg_code', '=', 'p.lg_code').onRef('o.id', '=', 'p.organisation_id'),
    )
    .selectAll('p')
    .select([
      'o.name as organisation_name',
      'o.status as organisation_status',
      'o.designated as organisation_designated',
      effectivelyDesignated().as('effectively_designated'),
    ])
    .where(ownedBy(scope, 'p'))
    .where('p.id', '=', id);
  return (options.lock ? query.forUpdate('p') : query).executeTakeFirst();
}
export type ProjectRecord = NonNullable<Awaited<ReturnType<typeof findProject>>>;

export interface ProjectFilter {
  status?: ProjectStatus;
  organisationId?: string;
  /** The government's own projects (no organisation). */
  governmentOwn?: boolean;
  designated?: boolean;
  designationRequested?: boolean;
  category?: ProjectCategory;
}

/** Projects of the tenant with their next session and counts, newest first. */
export async function listProjects(scope: TenantScope, filter: ProjectFilter, limit: number, offset: number) {
  let query = scope.trx
    .selectFrom('projects as p')
    .leftJoin('organisations as o', (join) =>
      join.onRef('o.lg_code', '=', 'p.lg_code').onRef('o.id', '=', 'p.organisation_id'),
    )
    .where(ownedBy(scope, 'p'));
  if (filter.status) query = query.where('p.status', '=', filter.status);
  if (filter.organisationId) query = query.where('p.organisation_id', '=', filter.organisationId);
  if (filter.governmentOwn) query = query.where('p.organisation_id', 'is', null);
  if (filter.category) query = query.where('p.category', '=', filter.category);
  if (filter.designated !== undefined) {
    query = query.where(filter.designated ? effectivelyDesignated() : sql<SqlBool>`not ${effectivelyDesignated()}`);
  }
  if (filter.designationRequested) {
    query = query
      .where('p.designation_requested_at', 'is not', null)
      .where(sql<SqlBool>`not ${effectivelyDesignated()}`);
  }
  const total = await query.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
  const rows = await query
    .select([
      'p.id',
      'p.title',
      'p.category',
      'p.status',
      'p.designation',
      'p.designation_requested_at',
      'p.organisation_id',
      'p.created_at',
      'p.place_name',
      'o.name as organisation_name',
      effectivelyDesignated().as('effectively_designated'),
      (eb) =>
        eb
          .selectFrom('activity_sessions as s')
          .select('s.starts_at')
          .whereRef('s.lg_code', '=', 'p.lg_code')
          .whereRef('s.project_id', '=', 'p.id')
          .where('s.status', '<>', 'cancelled')
          .where('s.ends_at', '>', sql<Date>`now()`)
          .orderBy('s.starts_at')
          .limit(1)
          .as('next_session_at'),
      (eb) =>
        eb
          .selectFrom('activity_sessions as s')
          .select(eb.fn.countAll<string>().as('count'))
          .whereRef('s.lg_code', '=', 'p.lg_code')
          .whereRef('s.project_id', '=', 'p.id')
          .where('s.status', '<>', 'cancelled')
          .as('session_count'),
    ])
    .orderBy('p.created_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  return { rows, total: Number(total.count) };
}

export async function countDesignationRequests(scope: TenantScope): Promise<number> {
  const row = await scope.trx
    .selectFrom('projects as p')
    .leftJoin('organisations as o', (join) =>
      join.onRef('o.lg_code', '=', 'p.lg_code').onRef('o.id', '=', 'p.organisation_id'),
    )
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where(ownedBy(scope, 'p'))
    .where('p.designation_requested_at', 'is not', null)
    .where('p.status', 'in', ['draft', 'published'])
    .where(sql<SqlBool>`not ${effectivelyDesignated()}`)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Moves the designation snapshot of one project's attendance on or after `from` (a Japan date) to what
 * the project's designation is now. See `setProjectDesignation`.
 */
export async function resnapshotProjectAttendance(
  scope: TenantScope,
  projectId: string,
  from: string,
): Promise<number> {
  const result = await sql`
    update attendance a
       set designated = ${effectivelyDesignated()}
      from projects p
      left join organisations o on o.lg_code = p.lg_code and o.id = p.organisation_id
     where a.lg_code = ${scope.lgCode}
       and p.lg_code = a.lg_code and p.id = a.project_id
       and p.id = ${projectId}
       and a.status = 'present'
       and a.activity_date >= ${from}::date`.execute(scope.trx);
  return Number(result.numAffectedRows ?? 0n);
}

export function designationChange(designation: ProjectDesignation, by: string) {
  return {
    designation,
    designation_changed_at: new Date(),
    designation_changed_by: by,
    designation_requested_at: null,
  };
}

// Sessions.

type NewSession = Omit<Insertable<Database['activity_sessions']>, 'lg_code'>;

export async function insertSession(scope: TenantScope, values: NewSession): Promise<ActivitySessionRow> {
  return scope.trx
    .insertInto('activity_sessions')
    .values({ ...values, lg_code: scope.lgCode })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateSession(
  scope: TenantScope,
  id: string,
  changes: Updateable<Database['activity_sessions']>,
): Promise<ActivitySessionRow> {
  return scope.trx
    .updateTable('activity_sessions')
    .set(changes)
    .where(ownedBy(scope))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Locks a session: every application and capacity change on it runs one after the other. */
export async function lockSession(scope: TenantScope, id: string): Promise<ActivitySessionRow | undefined> {
  return scope.trx
    .selectFrom('activity_sessions')
    .selectAll()
    .where(ownedBy(scope))
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function findSession(scope: TenantScope, id: string): Promise<ActivitySessionRow | undefined> {
  return scope.trx
    .selectFrom('activity_sessions')
    .selectAll()
    .where(ownedBy(scope))
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A project's sessions in time order, with how many wait and how many were present. */
export async function listSessionsOfProject(scope: TenantScope, projectId: string) {
  return scope.trx
    .selectFrom('activity_sessions as s')
    .selectAll('s')
    .select([
      (eb) =>
        eb
          .selectFrom('session_applications as a')
          .select(eb.fn.countAll<string>().as('count'))
          .whereRef('a.lg_code', '=', 's.lg_code')
          .whereRef('a.session_id', '=', 's.id')
          .where('a.status', '=', 'waitlisted')
          .as('waitlisted_count'),
      (eb) =>
        eb
          .selectFrom('attendance as t')
          .select(sql<string>`count(distinct t.person_id)`.as('count'))
          .whereRef('t.lg_code', '=', 's.lg_code')
          .whereRef('t.session_id', '=', 's.id')
          .where('t.status', '=', 'present')
          .as('attendee_count'),
    ])
    .where(ownedBy(scope, 's'))
    .where('s.project_id', '=', projectId)
    .orderBy('s.starts_at')
    .execute();
}

/** Sessions of a project still to come (not ended, not cancelled), locked, for cancelling the project. */
export async function lockUpcomingSessionsOfProject(scope: TenantScope, projectId: string) {
  return scope.trx
    .selectFrom('activity_sessions')
    .selectAll()
    .where(ownedBy(scope))
    .where('project_id', '=', projectId)
    .where('status', '<>', 'cancelled')
    .where('ends_at', '>', sql<Date>`now()`)
    .forUpdate()
    .execute();
}

/** Whether the place named is a municipality the government may hold activities in. */
export async function findPlace(scope: TenantScope, lgCode: string) {
  return scope.trx
    .selectFrom('local_governments')
    .select(['lg_code', 'kind', 'prefecture_code', 'parent_lg_code'])
    .where('lg_code', '=', lgCode)
    .executeTakeFirst();
}
