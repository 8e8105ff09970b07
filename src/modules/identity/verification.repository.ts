import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database, GuardianConsentStatus } from '../../platform/db/schema.js';

type Db = Kysely<Database>;
export type ConsentScope = Database['guardian_consents']['scope'];

export async function insertAuthorizationRequest(
  db: Db,
  row: Insertable<Database['oidc_authorization_requests']>,
): Promise<void> {
  await db.insertInto('oidc_authorization_requests').values(row).execute();
}

/** Requests of this person that ended more than a day ago are of no further use. */
export async function pruneAuthorizationRequestsOf(db: Db, personId: string): Promise<void> {
  await db
    .deleteFrom('oidc_authorization_requests')
    .where('person_id', '=', personId)
    .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
    .execute();
}

export async function pruneAuthorizationRequests(db: Db): Promise<number> {
  const result = await db
    .deleteFrom('oidc_authorization_requests')
    .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Marks the request of this state as used and returns it, in one statement: of two callbacks with the
 * same state, exactly one gets the row.
 */
export async function consumeAuthorizationRequest(db: Db, options: { stateHash: string; personId: string }) {
  return db
    .updateTable('oidc_authorization_requests')
    .set({ consumed_at: sql<Date>`now()` })
    .where('state_hash', '=', options.stateHash)
    .where('person_id', '=', options.personId)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

/** Why a state was refused, for the audit trail. */
export async function refusedStateReason(db: Db, options: { stateHash: string; personId: string }): Promise<string> {
  const row = await db
    .selectFrom('oidc_authorization_requests')
    .select(['person_id', 'consumed_at', 'expires_at'])
    .where('state_hash', '=', options.stateHash)
    .executeTakeFirst();
  if (!row) return 'state_unknown';
  if (row.person_id !== options.personId) return 'state_other_person';
  if (row.consumed_at) return 'state_replayed';
  return 'state_expired';
}

const verificationColumns = [
  'id',
  'person_id',
  'issuer',
  'subject',
  'verified_at',
  'expires_at',
  'verified_name',
  sql<string>`to_char(birth_date, 'YYYY-MM-DD')`.as('birth_date'),
  'minor',
  'residence_prefecture_code',
  'residence_lg_code',
  'status',
] as const;

/** The person's latest verification that no newer one replaced (it may have expired). */
export async function findLatestVerification(db: Db, personId: string) {
  return db
    .selectFrom('identity_verifications')
    .select(verificationColumns)
    .where('person_id', '=', personId)
    .where('status', '=', 'valid')
    .orderBy('verified_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export type VerificationRecord = NonNullable<Awaited<ReturnType<typeof findLatestVerification>>>;

export async function listVerificationsOf(db: Db, personId: string) {
  return db
    .selectFrom('identity_verifications')
    .select(verificationColumns)
    .where('person_id', '=', personId)
    .orderBy('verified_at')
    .execute();
}

/** Another account that this card (issuer and subject) verifies, if any. */
export async function findOtherHolderOfCard(db: Db, options: { issuer: string; subject: string; personId: string }) {
  return db
    .selectFrom('identity_verifications')
    .select('person_id')
    .where('issuer', '=', options.issuer)
    .where('subject', '=', options.subject)
    .where('status', '=', 'valid')
    .where('person_id', '!=', options.personId)
    .executeTakeFirst();
}

export async function supersedeVerificationsOf(db: Db, personId: string): Promise<void> {
  await db
    .updateTable('identity_verifications')
    .set({ status: 'superseded' })
    .where('person_id', '=', personId)
    .where('status', '=', 'valid')
    .execute();
}

export async function insertVerification(db: Db, row: Insertable<Database['identity_verifications']>): Promise<void> {
  await db.insertInto('identity_verifications').values(row).execute();
}

// Guardian consents

export async function cancelPendingConsents(db: Db, options: { minorPersonId: string; scope: ConsentScope }) {
  await db
    .updateTable('guardian_consents')
    .set({ status: 'cancelled' })
    .where('minor_person_id', '=', options.minorPersonId)
    .where('scope', '=', options.scope)
    .where('status', '=', 'pending')
    .execute();
}

export async function insertConsent(db: Db, row: Insertable<Database['guardian_consents']>): Promise<void> {
  await db.insertInto('guardian_consents').values(row).execute();
}

function consentColumns(db: Db) {
  return db
    .selectFrom('guardian_consents as c')
    .leftJoin('identity_verifications as mv', 'mv.id', 'c.minor_verification_id')
    .leftJoin('identity_verifications as gv', 'gv.id', 'c.guardian_verification_id')
    .select([
      'c.id',
      'c.minor_person_id',
      'c.guardian_person_id',
      'c.scope',
      'c.status',
      'c.token_expires_at',
      'c.requested_at',
      'c.granted_at',
      'c.withdrawn_at',
      'c.withdrawn_by',
      'mv.verified_name as minor_name',
      'gv.verified_name as guardian_name',
    ]);
}

export type ConsentRecord = Awaited<ReturnType<ReturnType<typeof consentColumns>['executeTakeFirstOrThrow']>>;

export async function findConsentByTokenHash(db: Db, tokenHash: string) {
  return consentColumns(db).where('c.token_hash', '=', tokenHash).executeTakeFirst();
}

/** Locks the consent row for the rest of the transaction: one approval per link, even when clicked twice. */
export async function lockConsentByTokenHash(db: Db, tokenHash: string) {
  return db
    .selectFrom('guardian_consents')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .forUpdate()
    .executeTakeFirst();
}

export async function lockConsentOfParty(db: Db, options: { consentId: string; personId: string }) {
  return db
    .selectFrom('guardian_consents')
    .selectAll()
    .where('id', '=', options.consentId)
    .where((eb) =>
      eb.or([eb('minor_person_id', '=', options.personId), eb('guardian_person_id', '=', options.personId)]),
    )
    .forUpdate()
    .executeTakeFirst();
}

export async function updateConsent(
  db: Db,
  consentId: string,
  changes: {
    status: GuardianConsentStatus;
    guardian_person_id?: string;
    guardian_verification_id?: string;
    granted_at?: Date;
    withdrawn_at?: Date;
    withdrawn_by?: 'minor' | 'guardian' | 'system';
  },
): Promise<void> {
  await db.updateTable('guardian_consents').set(changes).where('id', '=', consentId).execute();
}

export async function listConsentsAsMinor(db: Db, personId: string) {
  return consentColumns(db)
    .where('c.minor_person_id', '=', personId)
    .where('c.status', '!=', 'cancelled')
    .orderBy('c.requested_at', 'desc')
    .execute();
}

export async function listConsentsAsGuardian(db: Db, personId: string) {
  return consentColumns(db).where('c.guardian_person_id', '=', personId).orderBy('c.requested_at', 'desc').execute();
}

export async function hasGrantedConsent(db: Db, options: { personId: string; scope: ConsentScope }): Promise<boolean> {
  const row = await db
    .selectFrom('guardian_consents')
    .select('id')
    .where('minor_person_id', '=', options.personId)
    .where('scope', '=', options.scope)
    .where('status', '=', 'granted')
    .executeTakeFirst();
  return row !== undefined;
}

export async function findPersonEmail(db: Db, personId: string) {
  return db
    .selectFrom('persons')
    .select(['email', 'locale'])
    .where('id', '=', personId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

/** Erasure of an account: what it verified and asked for goes; consents it gave end. */
export async function eraseVerificationData(db: Db, personId: string) {
  const ended = await db
    .updateTable('guardian_consents')
    .set({ status: 'withdrawn', withdrawn_at: sql<Date>`now()`, withdrawn_by: 'system' })
    .where('guardian_person_id', '=', personId)
    .where('status', '=', 'granted')
    .returning(['id', 'minor_person_id', 'scope'])
    .execute();
  await db.deleteFrom('guardian_consents').where('minor_person_id', '=', personId).execute();
  await db.deleteFrom('oidc_authorization_requests').where('person_id', '=', personId).execute();
  await db.deleteFrom('identity_verifications').where('person_id', '=', personId).execute();
  return ended;
}
