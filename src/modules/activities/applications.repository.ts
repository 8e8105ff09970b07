import { sql, type Insertable, type Transaction, type Updateable } from 'kysely';
import type { Database, SessionApplicationRow } from '../../platform/db/schema.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';

type NewApplication = Omit<Insertable<Database['session_applications']>, 'lg_code'>;

export async function insertApplication(scope: TenantScope, values: NewApplication): Promise<SessionApplicationRow> {
  return scope.trx
    .insertInto('session_applications')
    .values({ ...values, lg_code: scope.lgCode })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateApplication(
  scope: TenantScope,
  id: string,
  changes: Updateable<Database['session_applications']>,
): Promise<SessionApplicationRow> {
  return scope.trx
    .updateTable('session_applications')
    .set(changes)
    .where(ownedBy(scope))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findApplication(scope: TenantScope, id: string, options: { lock?: boolean } = {}) {
  const query = scope.trx.selectFrom('session_applications').selectAll().where(ownedBy(scope)).where('id', '=', id);
  return (options.lock ? query.forUpdate() : query).executeTakeFirst();
}

/** The person's confirmed or waiting application to a session, if any. */
export async function findLiveApplication(scope: TenantScope, sessionId: string, personId: string) {
  return scope.trx
    .selectFrom('session_applications')
    .selectAll()
    .where(ownedBy(scope))
    .where('session_id', '=', sessionId)
    .where('person_id', '=', personId)
    .where('status', 'in', ['confirmed', 'waitlisted'])
    .executeTakeFirst();
}

/** The first `count` people waiting, in the order they applied, locked so each moves up once. */
export async function lockFirstWaiting(scope: TenantScope, sessionId: string, count: number) {
  return scope.trx
    .selectFrom('session_applications')
    .selectAll()
    .where(ownedBy(scope))
    .where('session_id', '=', sessionId)
    .where('status', '=', 'waitlisted')
    .orderBy('applied_at')
    .orderBy('id')
    .limit(count)
    .forUpdate()
    .execute();
}

/** Place on the waiting list (1 = next to move up). */
export async function waitlistPosition(scope: TenantScope, application: SessionApplicationRow): Promise<number> {
  const row = await scope.trx
    .selectFrom('session_applications')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where(ownedBy(scope))
    .where('session_id', '=', application.session_id)
    .where('status', '=', 'waitlisted')
    .where((eb) =>
      eb.or([
        eb('applied_at', '<', application.applied_at),
        eb.and([eb('applied_at', '=', application.applied_at), eb('id', '<=', application.id)]),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Live applications of a session, locked, for ending them all (the session is cancelled). */
export async function lockLiveApplications(scope: TenantScope, sessionId: string) {
  return scope.trx
    .selectFrom('session_applications')
    .selectAll()
    .where(ownedBy(scope))
    .where('session_id', '=', sessionId)
    .where('status', 'in', ['confirmed', 'waitlisted'])
    .forUpdate()
    .execute();
}

/** Everyone who applied to a session (waiting list in order), for the organiser's roster. */
export async function listApplicationsOfSession(scope: TenantScope, sessionId: string) {
  return scope.trx
    .selectFrom('session_applications')
    .select([
      'id',
      'person_id',
      'status',
      'shared_name',
      'contact_email',
      'comment',
      'applied_at',
      'confirmed_at',
      'ended_at',
    ])
    .where(ownedBy(scope))
    .where('session_id', '=', sessionId)
    .orderBy(sql`case status when 'confirmed' then 0 when 'waitlisted' then 1 else 2 end`)
    .orderBy('applied_at')
    .orderBy('id')
    .execute();
}

/** Addresses of the people a message goes to. */
export async function listRecipients(scope: TenantScope, sessionId: string, withWaitlist: boolean) {
  return scope.trx
    .selectFrom('session_applications')
    .select(['person_id'])
    .where(ownedBy(scope))
    .where('session_id', '=', sessionId)
    .where('status', 'in', withWaitlist ? ['confirmed', 'waitlisted'] : ['confirmed'])
    .execute();
}

export async function insertMessage(
  scope: TenantScope,
  values: Omit<Insertable<Database['session_messages']>, 'lg_code'>,
) {
  return scope.trx
    .insertInto('session_messages')
    .values({ ...values, lg_code: scope.lgCode })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listMessages(scope: TenantScope, sessionId: string) {
  return scope.trx
    .selectFrom('session_messages')
    .select(['id', 'subject', 'body', 'audience', 'recipients', 'sent_at'])
    .where(ownedBy(scope))
    .where('session_id', '=', sessionId)
    .orderBy('sent_at', 'desc')
    .execute();
}

/** The person's active registration with this government: what they share with it. */
export async function findRegistrationOfPerson(scope: TenantScope, personId: string) {
  return scope.trx
    .selectFrom('registrations')
    .select(['id', 'shared_name'])
    .where(ownedBy(scope))
    .where('person_id', '=', personId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

// Person scope (withPerson): the person's own applications across governments.

export async function listApplicationsOfPerson(trx: Transaction<Database>, personId: string) {
  return trx
    .selectFrom('session_applications')
    .selectAll()
    .where('person_id', '=', personId)
    .orderBy('applied_at', 'desc')
    .limit(500)
    .execute();
}
