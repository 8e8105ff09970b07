import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, OrganisationRow, OrganisationStatus } from '../../platform/db/schema.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';
import type { Insertable, Updateable } from 'kysely';

type NewOrganisation = Omit<Insertable<Database['organisations']>, 'lg_code'>;

export async function insertOrganisation(scope: TenantScope, values: NewOrganisation): Promise<OrganisationRow> {
  return scope.trx
    .insertInto('organisations')
    .values({ ...values, lg_code: scope.lgCode })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findOrganisation(
  scope: TenantScope,
  id: string,
  options: { lock?: boolean } = {},
): Promise<OrganisationRow | undefined> {
  const query = scope.trx.selectFrom('organisations').selectAll().where(ownedBy(scope)).where('id', '=', id);
  return (options.lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function updateOrganisation(
  scope: TenantScope,
  id: string,
  changes: Updateable<Database['organisations']>,
): Promise<OrganisationRow> {
  return scope.trx
    .updateTable('organisations')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where(ownedBy(scope))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The government's organisations, applications waiting for a decision first, then by name; `onlyId`
 * narrows it to one organisation (what its own staff see).
 */
export async function listOrganisations(scope: TenantScope, filter: { status?: OrganisationStatus; onlyId?: string }) {
  let query = scope.trx
    .selectFrom('organisations as o')
    .select([
      'o.id',
      'o.name',
      'o.kind',
      'o.area',
      'o.status',
      'o.designated',
      'o.created_at',
      'o.applied_by',
      (eb) =>
        eb
          .selectFrom('projects as p')
          .select(eb.fn.countAll<string>().as('count'))
          .whereRef('p.lg_code', '=', 'o.lg_code')
          .whereRef('p.organisation_id', '=', 'o.id')
          .as('project_count'),
    ])
    .where(ownedBy(scope, 'o'));
  if (filter.status) query = query.where('o.status', '=', filter.status);
  if (filter.onlyId) query = query.where('o.id', '=', filter.onlyId);
  return query
    .orderBy(sql`case o.status when 'pending' then 0 when 'approved' then 1 when 'suspended' then 2 else 3 end`)
    .orderBy('o.name')
    .execute();
}

/** Counts by status, for the dashboard's 「承認待ち」 badge. */
export async function countOrganisationsByStatus(scope: TenantScope) {
  return scope.trx
    .selectFrom('organisations')
    .select(['status', (eb) => eb.fn.countAll<string>().as('count')])
    .where(ownedBy(scope))
    .groupBy('status')
    .execute();
}

/**
 * Moves the designation snapshot of attendance on or after `from` (a Japan date) of every project of
 * the organisation that follows it ('inherit'), so that a change of designation reaches the days it is
 * meant for and no earlier day.
 */
export async function resnapshotOrganisationAttendance(
  scope: TenantScope,
  organisationId: string,
  from: string,
): Promise<number> {
  const result = await sql`
    update attendance a
       set designated = coalesce(o.designated, false)
      from projects p
      join organisations o on o.lg_code = p.lg_code and o.id = p.organisation_id
     where a.lg_code = ${scope.lgCode}
       and p.lg_code = a.lg_code and p.id = a.project_id
       and p.organisation_id = ${organisationId}
       and p.designation = 'inherit'
       and a.status = 'present'
       and a.activity_date >= ${from}::date`.execute(scope.trx);
  return Number(result.numAffectedRows ?? 0n);
}

/** National: the applicant's address, for the approval mail (persons are national; read at the moment). */
export async function findPersonContact(db: Kysely<Database> | Transaction<Database>, personId: string) {
  return db
    .selectFrom('persons')
    .select(['id', 'email', 'display_name'])
    .where('id', '=', personId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

/** Names for display from the master (reference data, readable in any scope). */
export async function governmentNames(db: Kysely<Database> | Transaction<Database>, lgCodes: readonly string[]) {
  if (lgCodes.length === 0) return new Map<string, string>();
  const rows = await db
    .selectFrom('local_governments as lg')
    .innerJoin('prefectures as p', 'p.prefecture_code', 'lg.prefecture_code')
    .select(['lg.lg_code', 'lg.name', 'lg.kind', 'p.name as prefecture_name'])
    .where('lg.lg_code', 'in', [...lgCodes])
    .execute();
  return new Map(
    rows.map((row) => [row.lg_code, row.kind === 'prefecture' ? row.name : `${row.prefecture_name}${row.name}`]),
  );
}
