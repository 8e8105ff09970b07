import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Database, PersonRow } from '../../platform/db/schema.js';

export async function findActivePersonByEmail(db: Kysely<Database>, email: string): Promise<PersonRow | undefined> {
  return db
    .selectFrom('persons')
    .selectAll()
    .where('email', '=', email)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

export async function findActivePerson(db: Kysely<Database>, personId: string): Promise<PersonRow | undefined> {
  return db
    .selectFrom('persons')
    .selectAll()
    .where('id', '=', personId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

export async function insertPerson(db: Kysely<Database>, email: string, locale: 'ja' | 'en'): Promise<PersonRow> {
  return db.insertInto('persons').values({ id: uuidv7(), email, locale }).returningAll().executeTakeFirstOrThrow();
}

export async function updatePersonProfile(
  db: Kysely<Database>,
  personId: string,
  profile: { displayName: string | null; locale: 'ja' | 'en' },
): Promise<void> {
  await db
    .updateTable('persons')
    .set({ display_name: profile.displayName, locale: profile.locale })
    .where('id', '=', personId)
    .execute();
}

export async function insertEmailChallenge(
  db: Kysely<Database>,
  challenge: { id: string; email: string; tokenHash: string; codeHash: string; expiresAt: Date; nextPath?: string },
): Promise<void> {
  await db
    .insertInto('email_challenges')
    .values({
      id: challenge.id,
      email: challenge.email,
      purpose: 'sign_in',
      token_hash: challenge.tokenHash,
      code_hash: challenge.codeHash,
      expires_at: challenge.expiresAt,
      next_path: challenge.nextPath ?? null,
    })
    .execute();
}

/** Locks the challenge so that two clicks on one link cannot both sign in. */
export async function lockEmailChallenge(db: Kysely<Database>, by: { tokenHash: string } | { id: string }) {
  let query = db.selectFrom('email_challenges').selectAll().forUpdate();
  query = 'tokenHash' in by ? query.where('token_hash', '=', by.tokenHash) : query.where('id', '=', by.id);
  return query.executeTakeFirst();
}

export async function consumeEmailChallenge(db: Kysely<Database>, id: string): Promise<void> {
  await db
    .updateTable('email_challenges')
    .set({ consumed_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

export async function countFailedCode(db: Kysely<Database>, id: string): Promise<number> {
  const row = await db
    .updateTable('email_challenges')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('id', '=', id)
    .returning('failed_attempts')
    .executeTakeFirstOrThrow();
  return row.failed_attempts;
}
