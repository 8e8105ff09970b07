import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, StaffInvitationRow, StaffMembershipRow, StaffRole } from '../../platform/db/schema.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';

// National: operators, TOTP factors, names of governments.

export async function isOperator(db: Kysely<Database>, personId: string): Promise<boolean> {
  const row = await db.selectFrom('operators').select('person_id').where('person_id', '=', personId).executeTakeFirst();
  return row !== undefined;
}

export async function insertOperator(db: Kysely<Database>, personId: string, grantedBy: string): Promise<boolean> {
  const inserted = await db
    .insertInto('operators')
    .values({ person_id: personId, granted_by: grantedBy })
    .onConflict((conflict) => conflict.column('person_id').doNothing())
    .returning('person_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function findPersonIdByEmail(db: Kysely<Database>, email: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('persons')
    .select('id')
    .where('email', '=', email)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return row?.id;
}

/** Names for display, from the master (reference data, readable in any scope). */
export async function governmentNames(
  db: Kysely<Database>,
  lgCodes: readonly string[],
): Promise<Map<string, { name: string; prefectureName: string; kind: string }>> {
  if (lgCodes.length === 0) return new Map();
  const rows = await db
    .selectFrom('local_governments as lg')
    .innerJoin('prefectures as p', 'p.prefecture_code', 'lg.prefecture_code')
    .select(['lg.lg_code', 'lg.name', 'lg.kind', 'p.name as prefecture_name'])
    .where('lg.lg_code', 'in', [...lgCodes])
    .execute();
  return new Map(
    rows.map((row) => [row.lg_code, { name: row.name, prefectureName: row.prefecture_name, kind: row.kind }]),
  );
}

// Person scope (withPerson): the person's own memberships across tenants.

export async function listActiveMembershipsOfPerson(trx: Transaction<Database>, personId: string) {
  return trx
    .selectFrom('staff_memberships')
    .select(['lg_code', 'id', 'role', 'organisation_id'])
    .where('person_id', '=', personId)
    .where('status', '=', 'active')
    .orderBy('lg_code')
    .execute();
}

// Tenant scope: memberships.

export async function listActiveMembers(scope: TenantScope): Promise<StaffMembershipRow[]> {
  return scope.trx
    .selectFrom('staff_memberships')
    .selectAll()
    .where(ownedBy(scope))
    .where('status', '=', 'active')
    .orderBy('created_at')
    .execute();
}

export async function findActiveMembership(
  scope: TenantScope,
  by: { personId: string } | { email: string },
): Promise<StaffMembershipRow | undefined> {
  let query = scope.trx
    .selectFrom('staff_memberships')
    .selectAll()
    .where(ownedBy(scope))
    .where('status', '=', 'active');
  query = 'personId' in by ? query.where('person_id', '=', by.personId) : query.where('email', '=', by.email);
  return query.executeTakeFirst();
}

/** Locks one active membership for a change of role or a removal. */
export async function lockActiveMembership(scope: TenantScope, id: string): Promise<StaffMembershipRow | undefined> {
  return scope.trx
    .selectFrom('staff_memberships')
    .selectAll()
    .where(ownedBy(scope))
    .where('id', '=', id)
    .where('status', '=', 'active')
    .forUpdate()
    .executeTakeFirst();
}

/**
 * Locks every active administrator of the tenant and returns their membership ids. Two administrators
 * demoting each other at once then run one after the other, and the second sees that it would leave
 * the government without an administrator.
 */
export async function lockActiveAdmins(scope: TenantScope): Promise<string[]> {
  const rows = await scope.trx
    .selectFrom('staff_memberships')
    .select('id')
    .where(ownedBy(scope))
    .where('status', '=', 'active')
    .where('role', '=', 'tenant_admin')
    .forUpdate()
    .execute();
  return rows.map((row) => row.id);
}

export async function insertMembership(
  scope: TenantScope,
  membership: {
    id: string;
    personId: string;
    email: string;
    role: StaffRole;
    organisationId: string | null;
    invitedBy: string | null;
  },
): Promise<StaffMembershipRow> {
  return scope.trx
    .insertInto('staff_memberships')
    .values({
      lg_code: scope.lgCode,
      id: membership.id,
      person_id: membership.personId,
      email: membership.email,
      role: membership.role,
      organisation_id: membership.organisationId,
      invited_by: membership.invitedBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateMembershipRole(
  scope: TenantScope,
  id: string,
  change: { role: StaffRole; organisationId: string | null },
): Promise<StaffMembershipRow> {
  return scope.trx
    .updateTable('staff_memberships')
    .set({ role: change.role, organisation_id: change.organisationId })
    .where(ownedBy(scope))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function markMembershipRemoved(scope: TenantScope, id: string): Promise<void> {
  await scope.trx
    .updateTable('staff_memberships')
    .set({ status: 'removed', removed_at: sql<Date>`now()` })
    .where(ownedBy(scope))
    .where('id', '=', id)
    .execute();
}

/** The active staff of one organisation of the tenant (団体担当者), oldest first. */
export async function listOrganisationMembers(scope: TenantScope, organisationId: string) {
  return scope.trx
    .selectFrom('staff_memberships')
    .select(['id', 'person_id', 'email', 'created_at'])
    .where(ownedBy(scope))
    .where('status', '=', 'active')
    .where('organisation_id', '=', organisationId)
    .orderBy('created_at')
    .execute();
}

/** Invitations of one organisation's staff that wait for an answer. */
export async function listOrganisationInvitations(scope: TenantScope, organisationId: string) {
  return scope.trx
    .selectFrom('staff_invitations')
    .select(['id', 'email', 'created_at', 'expires_at'])
    .where(ownedBy(scope))
    .where('organisation_id', '=', organisationId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .execute();
}

/** Whether the tenant knows this organisation (any status): invitations and memberships point at it. */
export async function organisationExists(scope: TenantScope, organisationId: string): Promise<boolean> {
  const row = await scope.trx
    .selectFrom('organisations')
    .select('id')
    .where(ownedBy(scope))
    .where('id', '=', organisationId)
    .executeTakeFirst();
  return row !== undefined;
}

// Tenant scope: invitations.

export async function insertInvitation(
  scope: TenantScope,
  invitation: {
    id: string;
    email: string;
    role: StaffRole;
    organisationId: string | null;
    tokenHash: string;
    invitedBy: string;
    expiresAt: Date;
  },
): Promise<StaffInvitationRow> {
  return scope.trx
    .insertInto('staff_invitations')
    .values({
      lg_code: scope.lgCode,
      id: invitation.id,
      email: invitation.email,
      role: invitation.role,
      organisation_id: invitation.organisationId,
      token_hash: invitation.tokenHash,
      invited_by: invitation.invitedBy,
      expires_at: invitation.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Invitations still waiting for an answer (expired ones included, so an administrator sees them lapse). */
export async function listOpenInvitations(scope: TenantScope): Promise<StaffInvitationRow[]> {
  return scope.trx
    .selectFrom('staff_invitations')
    .selectAll()
    .where(ownedBy(scope))
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(200)
    .execute();
}

export async function findInvitationByTokenHash(
  scope: TenantScope,
  tokenHash: string,
  options: { lock: boolean },
): Promise<StaffInvitationRow | undefined> {
  const query = scope.trx
    .selectFrom('staff_invitations')
    .selectAll()
    .where(ownedBy(scope))
    .where('token_hash', '=', tokenHash);
  return options.lock ? query.forUpdate().executeTakeFirst() : query.executeTakeFirst();
}

export async function markInvitationAccepted(scope: TenantScope, id: string, personId: string): Promise<void> {
  await scope.trx
    .updateTable('staff_invitations')
    .set({ accepted_at: sql<Date>`now()`, accepted_by: personId })
    .where(ownedBy(scope))
    .where('id', '=', id)
    .execute();
}

/** Revokes an invitation that is still open; false when there is none by that id in this tenant. */
/** Withdraws an open invitation; `organisationId` limits it to that organisation's 団体担当者 invitations. */
export async function revokeOpenInvitation(
  scope: TenantScope,
  id: string,
  only: { organisationId?: string } = {},
): Promise<StaffInvitationRow | undefined> {
  let query = scope.trx
    .updateTable('staff_invitations')
    .set({ revoked_at: sql<Date>`now()` })
    .where(ownedBy(scope))
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null);
  if (only.organisationId !== undefined) {
    query = query.where('role', '=', 'organisation_staff').where('organisation_id', '=', only.organisationId);
  }
  return query.returningAll().executeTakeFirst();
}

// Tenant scope: the audit trail.

/**
 * One page of the tenant's audit trail, newest first. Event ids are UUIDv7 (time-ordered), so the
 * primary key (lg_code, id) serves both the order and the cursor, however long the trail grows.
 */
export async function listAuditEvents(scope: TenantScope, page: { before?: string; limit: number }) {
  let query = scope.trx
    .selectFrom('audit_events')
    .select(['id', 'occurred_at', 'actor_kind', 'actor_id', 'action', 'subject_type', 'subject_id', 'data'])
    .where(ownedBy(scope));
  if (page.before) query = query.where('id', '<', page.before);
  return query.orderBy('id', 'desc').limit(page.limit).execute();
}

// National, person-owned: the TOTP factor.

export async function findTotpFactor(db: Kysely<Database>, personId: string) {
  return db.selectFrom('totp_factors').selectAll().where('person_id', '=', personId).executeTakeFirst();
}

/** Locks the factor so that two requests with the same code cannot both pass the reuse check. */
export async function lockTotpFactor(trx: Transaction<Database>, personId: string) {
  return trx.selectFrom('totp_factors').selectAll().where('person_id', '=', personId).forUpdate().executeTakeFirst();
}

/** Starts an enrolment, unless one exists (a second tab must not replace the secret the first one shows). */
export async function insertPendingTotpFactor(
  db: Kysely<Database>,
  personId: string,
  sealedSecret: string,
): Promise<void> {
  await db
    .insertInto('totp_factors')
    .values({ person_id: personId, sealed_secret: sealedSecret })
    .onConflict((conflict) => conflict.column('person_id').doNothing())
    .execute();
}

export async function recordTotpUse(
  trx: Transaction<Database>,
  personId: string,
  step: number,
  options: { confirm: boolean },
): Promise<void> {
  await trx
    .updateTable('totp_factors')
    .set({
      last_used_step: String(step),
      ...(options.confirm ? { confirmed_at: sql<Date>`now()` } : {}),
    })
    .where('person_id', '=', personId)
    .execute();
}

export async function deleteTotpFactor(db: Kysely<Database>, personId: string): Promise<boolean> {
  const result = await db.deleteFrom('totp_factors').where('person_id', '=', personId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
