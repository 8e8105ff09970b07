import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { AuthenticationMethod, Database, PersonRow, SessionRow } from '../db/schema.js';
import { hashToken, randomToken } from './secrets.js';

/** The signed-in person as every handler sees it. */
export interface CurrentSession {
  sessionId: string;
  personId: string;
  email: string;
  displayName: string | null;
  locale: 'ja' | 'en';
  authenticatedBy: AuthenticationMethod;
  secondFactorAt: Date | null;
}

/** Reduces a user agent to a label a person recognises; the full string is not kept. */
export function deviceLabelOf(userAgent: string | undefined): string {
  if (!userAgent) return '';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrome\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : 'Browser';
  const system = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : '';
  return system ? `${browser} / ${system}` : browser;
}

/** Opens a session; returns the cookie token (shown once, stored only as a hash). */
export async function createSession(
  db: Kysely<Database>,
  options: { personId: string; method: AuthenticationMethod; days: number; userAgent?: string; secondFactor?: boolean },
): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
  const token = randomToken();
  const sessionId = uuidv7();
  const expiresAt = new Date(Date.now() + options.days * 24 * 60 * 60 * 1000);
  await db
    .insertInto('sessions')
    .values({
      token_hash: hashToken(token),
      id: sessionId,
      person_id: options.personId,
      authenticated_by: options.method,
      second_factor_at: options.secondFactor ? new Date() : null,
      device_label: deviceLabelOf(options.userAgent),
      expires_at: expiresAt,
    })
    .execute();
  // Signing in is coming back (the inactivity rule of basic registrations). findSession touches last
  // access only five minutes into a session, which a short visit never reaches.
  await db
    .updateTable('persons')
    .set({ last_access_at: sql<Date>`now()` })
    .where('id', '=', options.personId)
    .execute();
  return { token, sessionId, expiresAt };
}

/** The live session for a cookie token, with its person; undefined when expired, revoked or unknown. */
export async function findSession(db: Kysely<Database>, token: string): Promise<CurrentSession | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('persons as p', 'p.id', 's.person_id')
    .select([
      's.id as session_id',
      's.person_id',
      's.authenticated_by',
      's.second_factor_at',
      's.last_seen_at',
      'p.email',
      'p.display_name',
      'p.locale',
    ])
    .where('s.token_hash', '=', hashToken(token))
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where('p.status', '=', 'active')
    .executeTakeFirst();
  if (!row || row.email === null) return undefined;
  // Touch at most every five minutes: last access drives the inactivity rule, but not every request
  // needs a write.
  if (Date.now() - row.last_seen_at.getTime() > 5 * 60 * 1000) {
    await db
      .updateTable('sessions')
      .set({ last_seen_at: sql<Date>`now()` })
      .where('id', '=', row.session_id)
      .execute();
    await db
      .updateTable('persons')
      .set({ last_access_at: sql<Date>`now()` })
      .where('id', '=', row.person_id)
      .execute();
  }
  return {
    sessionId: row.session_id,
    personId: row.person_id,
    email: row.email,
    displayName: row.display_name,
    locale: row.locale,
    authenticatedBy: row.authenticated_by,
    secondFactorAt: row.second_factor_at,
  };
}

export async function revokeSessionByToken(db: Kysely<Database>, token: string): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: sql<Date>`now()` })
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revokes one of the person's own sessions; false when it is not theirs or already ended. */
export async function revokeSessionOfPerson(
  db: Kysely<Database>,
  personId: string,
  sessionId: string,
): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', sessionId)
    .where('person_id', '=', personId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listActiveSessions(
  db: Kysely<Database>,
  personId: string,
): Promise<
  Array<Pick<SessionRow, 'id' | 'authenticated_by' | 'device_label' | 'created_at' | 'last_seen_at' | 'expires_at'>>
> {
  return db
    .selectFrom('sessions')
    .select(['id', 'authenticated_by', 'device_label', 'created_at', 'last_seen_at', 'expires_at'])
    .where('person_id', '=', personId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('last_seen_at', 'desc')
    .execute();
}

/** Marks that the session has just proven a second factor (staff work requires one). */
export async function markSecondFactor(db: Kysely<Database>, sessionId: string): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ second_factor_at: sql<Date>`now()` })
    .where('id', '=', sessionId)
    .execute();
}

export type { PersonRow };
