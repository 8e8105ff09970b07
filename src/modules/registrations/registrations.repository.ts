import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Insertable, RegistrationRow } from './registrations.types.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';

// National tables, read in any transaction.

/** Serialises the person's registration changes, so two tabs cannot both pass the premium cap. */
export async function lockPerson(trx: Transaction<Database>, personId: string) {
  return trx
    .selectFrom('persons')
    .select(['id', 'email', 'display_name', 'declared_residence_lg_code', 'status'])
    .where('id', '=', personId)
    .where('status', '=', 'active')
    .forUpdate()
    .executeTakeFirst();
}

export async function setDeclaredResidence(trx: Transaction<Database>, personId: string, lgCode: string | null) {
  await trx.updateTable('persons').set({ declared_residence_lg_code: lgCode }).where('id', '=', personId).execute();
}

export async function findDeclaredResidence(db: Kysely<Database>, personId: string): Promise<string | null> {
  const row = await db
    .selectFrom('persons')
    .select('declared_residence_lg_code')
    .where('id', '=', personId)
    .executeTakeFirst();
  return row?.declared_residence_lg_code ?? null;
}

/** Master facts of a government and whether it takes part (tenants are readable by everyone). */
export async function findGovernment(db: Kysely<Database>, lgCode: string) {
  return db
    .selectFrom('local_governments as lg')
    .innerJoin('prefectures as p', 'p.prefecture_code', 'lg.prefecture_code')
    .leftJoin('tenants as t', 't.lg_code', 'lg.lg_code')
    .select([
      'lg.lg_code',
      'lg.kind',
      'lg.name',
      'lg.prefecture_code',
      'lg.parent_lg_code',
      'p.lg_code as prefecture_lg_code',
      'p.name as prefecture_name',
      't.status as tenant_status',
      't.settings as tenant_settings',
    ])
    .where('lg.lg_code', '=', lgCode)
    .executeTakeFirst();
}

export async function governmentNames(db: Kysely<Database>, lgCodes: readonly string[]) {
  if (lgCodes.length === 0) return new Map<string, { name: string; kind: string; prefectureName: string }>();
  const rows = await db
    .selectFrom('local_governments as lg')
    .innerJoin('prefectures as p', 'p.prefecture_code', 'lg.prefecture_code')
    .select(['lg.lg_code', 'lg.name', 'lg.kind', 'p.name as prefecture_name'])
    .where('lg.lg_code', 'in', [...lgCodes])
    .execute();
  return new Map(
    rows.map((row) => [row.lg_code, { name: row.name, kind: row.kind, prefectureName: row.prefecture_name }]),
  );
}

export async function isOptedOut(db: Kysely<Database>, personId: string, prefectureLgCode: string): Promise<boolean> {
  const row = await db
    .selectFrom('prefecture_link_opt_outs')
    .select('person_id')
    .where('person_id', '=', personId)
    .where('prefecture_lg_code', '=', prefectureLgCode)
    .executeTakeFirst();
  return row !== undefined;
}

export async function setOptOut(
  trx: Transaction<Database>,
  personId: string,
  prefectureLgCode: string,
  optedOut: boolean,
) {
  if (optedOut) {
    await trx
      .insertInto('prefecture_link_opt_outs')
      .values({ person_id: personId, prefecture_lg_code: prefectureLgCode })
      .onConflict((conflict) => conflict.columns(['person_id', 'prefecture_lg_code']).doNothing())
      .execute();
  } else {
    await trx
      .deleteFrom('prefecture_link_opt_outs')
      .where('person_id', '=', personId)
      .where('prefecture_lg_code', '=', prefectureLgCode)
      .execute();
  }
}

export async function listOptOuts(db: Kysely<Database>, personId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('prefecture_link_opt_outs')
    .select('prefecture_lg_code')
    .where('person_id', '=', personId)
    .execute();
  return rows.map((row) => row.prefecture_lg_code);
}

// Person scope (withPerson): the person's own registrations in every government.

export async function listActiveRegistrationsOfPerson(trx: Transaction<Database>, personId: string) {
  return trx
    .selectFrom('registrations as r')
    .innerJoin('local_governments as lg', 'lg.lg_code', 'r.lg_code')
    .select([
      'r.lg_code',
      'r.id',
      'r.tier',
      'r.origin',
      'r.linked_from_lg_code',
      'r.premium_valid_until',
      'lg.kind',
      'lg.prefecture_code',
    ])
    .where('r.person_id', '=', personId)
    .where('r.status', '=', 'active')
    .execute();
}

export async function listRegistrationsOfPerson(
  trx: Transaction<Database>,
  personId: string,
): Promise<RegistrationRow[]> {
  return trx
    .selectFrom('registrations')
    .selectAll()
    .where('person_id', '=', personId)
    .orderBy('registered_at', 'desc')
    .execute();
}

export async function listPendingApplicationsOfPerson(trx: Transaction<Database>, personId: string) {
  return trx
    .selectFrom('premium_applications')
    .select(['lg_code', 'id', 'registration_id', 'applied_at'])
    .where('person_id', '=', personId)
    .where('status', '=', 'pending')
    .execute();
}

// Tenant scope.

export async function insertRegistration(scope: TenantScope, row: Omit<Insertable<'registrations'>, 'lg_code'>) {
  return scope.trx
    .insertInto('registrations')
    .values({ ...row, lg_code: scope.lgCode })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function lockActiveRegistration(scope: TenantScope, by: { personId: string } | { id: string }) {
  let query = scope.trx.selectFrom('registrations').selectAll().where(ownedBy(scope)).where('status', '=', 'active');
  query = 'personId' in by ? query.where('person_id', '=', by.personId) : query.where('id', '=', by.id);
  return query.forUpdate().executeTakeFirst();
}

export async function endRegistration(
  scope: TenantScope,
  id: string,
  reason: 'withdrawn' | 'inactive' | 'account_deleted' | 'prefecture_link_removed',
) {
  await scope.trx
    .updateTable('registrations')
    .set({ status: reason === 'withdrawn' ? 'withdrawn' : 'released', ended_at: sql<Date>`now()`, end_reason: reason })
    .where(ownedBy(scope))
    .where('id', '=', id)
    .execute();
}

export async function relinkPrefectureRegistration(scope: TenantScope, id: string, linkedFrom: string) {
  await scope.trx
    .updateTable('registrations')
    .set({ linked_from_lg_code: linkedFrom })
    .where(ownedBy(scope))
    .where('id', '=', id)
    .execute();
}

export async function updateRegistration(
  scope: TenantScope,
  id: string,
  changes: Partial<Omit<Insertable<'registrations'>, 'lg_code' | 'id' | 'person_id'>>,
) {
  return scope.trx
    .updateTable('registrations')
    .set(changes)
    .where(ownedBy(scope))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertApplication(scope: TenantScope, row: Omit<Insertable<'premium_applications'>, 'lg_code'>) {
  return scope.trx
    .insertInto('premium_applications')
    .values({ ...row, lg_code: scope.lgCode })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function lockApplication(scope: TenantScope, id: string) {
  return scope.trx
    .selectFrom('premium_applications')
    .selectAll()
    .where(ownedBy(scope))
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function findPendingApplication(scope: TenantScope, registrationId: string) {
  return scope.trx
    .selectFrom('premium_applications')
    .selectAll()
    .where(ownedBy(scope))
    .where('registration_id', '=', registrationId)
    .where('status', '=', 'pending')
    .forUpdate()
    .executeTakeFirst();
}

export async function decideApplication(
  scope: TenantScope,
  id: string,
  decision: {
    status: 'approved' | 'rejected' | 'withdrawn';
    decidedBy: string;
    reason: string | null;
    judgement?: unknown;
  },
) {
  await scope.trx
    .updateTable('premium_applications')
    .set({
      status: decision.status,
      decided_at: sql<Date>`now()`,
      decided_by: decision.decidedBy,
      reason: decision.reason,
      ...(decision.judgement === undefined ? {} : { judgement: JSON.stringify(decision.judgement) }),
    })
    .where(ownedBy(scope))
    .where('id', '=', id)
    .execute();
}

export async function countActive(scope: TenantScope) {
  const rows = await scope.trx
    .selectFrom('registrations')
    .select(['tier', 'own_residence', (eb) => eb.fn.countAll<string>().as('count')])
    .where(ownedBy(scope))
    .where('status', '=', 'active')
    .groupBy(['tier', 'own_residence'])
    .execute();
  return rows.map((row) => ({ tier: row.tier, own_residence: row.own_residence, count: Number(row.count) }));
}
