import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, PasskeyDeviceType, PasskeysTable } from '../../platform/db/schema.js';

export type PasskeyRow = Selectable<PasskeysTable>;

export async function insertChallenge(
  db: Kysely<Database>,
  challenge: {
    id: string;
    purpose: 'register' | 'authenticate';
    personId: string | null;
    challenge: string;
    expiresAt: Date;
  },
): Promise<void> {
  await db
    .insertInto('webauthn_challenges')
    .values({
      id: challenge.id,
      purpose: challenge.purpose,
      person_id: challenge.personId,
      challenge: challenge.challenge,
      expires_at: challenge.expiresAt,
    })
    .execute();
}

/**
 * Marks the challenge used and returns it, in one statement, so two requests racing with the same
 * cookie cannot both get it. Undefined when it is unknown, used, expired, for another purpose or for
 * another person (`personId` null means "a sign-in challenge, bound to nobody").
 */
export async function consumeChallenge(
  db: Kysely<Database>,
  by: { id: string; purpose: 'register' | 'authenticate'; personId: string | null },
): Promise<string | undefined> {
  const row = await db
    .updateTable('webauthn_challenges')
    .set({ consumed_at: sql<Date>`now()` })
    .where('id', '=', by.id)
    .where('purpose', '=', by.purpose)
    .where((eb) => (by.personId === null ? eb('person_id', 'is', null) : eb('person_id', '=', by.personId)))
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('challenge')
    .executeTakeFirst();
  return row?.challenge;
}

/** Removes challenges that can no longer be used (maintenance). */
export async function pruneChallenges(db: Kysely<Database>): Promise<number> {
  const result = await db
    .deleteFrom('webauthn_challenges')
    .where('expires_at', '<', sql<Date>`now() - interval '1 hour'`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function listPasskeysOfPerson(db: Kysely<Database>, personId: string): Promise<PasskeyRow[]> {
  return db
    .selectFrom('passkeys')
    .selectAll()
    .where('person_id', '=', personId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function countPasskeysOfPerson(db: Kysely<Database>, personId: string): Promise<number> {
  const row = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('person_id', '=', personId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** A passkey whose person can sign in (active account); `personId` narrows it to one person. */
export async function findUsablePasskey(
  db: Kysely<Database>,
  by: { id: string; personId?: string },
): Promise<PasskeyRow | undefined> {
  let query = db
    .selectFrom('passkeys as k')
    .innerJoin('persons as p', 'p.id', 'k.person_id')
    .selectAll('k')
    .where('k.id', '=', by.id)
    .where('p.status', '=', 'active');
  if (by.personId) query = query.where('k.person_id', '=', by.personId);
  return query.executeTakeFirst();
}

export async function passkeyExists(db: Kysely<Database>, id: string): Promise<boolean> {
  return (await db.selectFrom('passkeys').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export async function insertPasskey(
  db: Kysely<Database>,
  passkey: {
    id: string;
    personId: string;
    publicKey: Uint8Array;
    counter: number;
    transports: string[];
    deviceType: PasskeyDeviceType;
    backedUp: boolean;
    label: string;
  },
): Promise<PasskeyRow> {
  return db
    .insertInto('passkeys')
    .values({
      id: passkey.id,
      person_id: passkey.personId,
      public_key: passkey.publicKey,
      counter: passkey.counter,
      transports: passkey.transports,
      device_type: passkey.deviceType,
      backed_up: passkey.backedUp,
      label: passkey.label,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Records a use. The counter condition is checked again here, in the same statement as the write, so
 * that two assertions with the same counter racing each other cannot both pass: false means refused.
 */
export async function recordPasskeyUse(
  db: Kysely<Database>,
  use: { id: string; counter: number; backedUp: boolean; deviceType: PasskeyDeviceType },
): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({
      counter: use.counter,
      backed_up: use.backedUp,
      device_type: use.deviceType,
      last_used_at: sql<Date>`now()`,
    })
    .where('id', '=', use.id)
    .where((eb) => (use.counter === 0 ? eb('counter', '=', '0') : eb('counter', '<', String(use.counter))))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function renamePasskey(
  db: Kysely<Database>,
  by: { id: string; personId: string; label: string },
): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ label: by.label })
    .where('id', '=', by.id)
    .where('person_id', '=', by.personId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deletePasskey(db: Kysely<Database>, by: { id: string; personId: string }): Promise<boolean> {
  const result = await db
    .deleteFrom('passkeys')
    .where('id', '=', by.id)
    .where('person_id', '=', by.personId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Account deletion: the person's passkeys and open ceremonies go with their personal data. */
export async function deletePasskeyDataOfPerson(db: Kysely<Database>, personId: string): Promise<void> {
  await db.deleteFrom('webauthn_challenges').where('person_id', '=', personId).execute();
  await db.deleteFrom('passkeys').where('person_id', '=', personId).execute();
}
