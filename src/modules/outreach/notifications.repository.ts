import { sql, type Kysely, type Transaction } from 'kysely';
import type {
  ChannelChoice,
  Database,
  NotificationEmailState,
  NotificationPushState,
  NotificationRow,
  PushSubscriptionRow,
} from '../../platform/db/schema.js';

/** All SQL of notifications. National tables (no tenant): every query names the person. */

export interface NewNotificationRow {
  id: string;
  personId: string;
  lgCode: string | null;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  urgent: boolean;
  idempotencyKey: string | null;
}

/**
 * Inserts many notifications in one statement; a known (person, idempotency key) is skipped, also
 * within the same call. Returns the ids of the rows actually inserted.
 */
export async function insertNotifications(
  db: Kysely<Database>,
  rows: readonly NewNotificationRow[],
): Promise<string[]> {
  if (rows.length === 0) return [];
  const column = <K extends keyof NewNotificationRow>(key: K) => rows.map((row) => row[key]);
  const result = await sql<{ id: string }>`
    insert into notifications (id, person_id, about_lg_code, kind, title, body, link, urgent, idempotency_key)
    select u.id, u.person_id, u.lg_code, u.kind, u.title::jsonb, u.body::jsonb, u.link, u.urgent, u.key
    from unnest(${column('id')}::uuid[], ${column('personId')}::uuid[], ${column('lgCode')}::char(6)[],
                ${column('kind')}::text[], ${column('title')}::text[], ${column('body')}::text[],
                ${column('link')}::text[], ${column('urgent')}::boolean[], ${column('idempotencyKey')}::text[])
      as u(id, person_id, lg_code, kind, title, body, link, urgent, key)
    where exists (select 1 from persons p where p.id = u.person_id)
    on conflict (person_id, idempotency_key) where idempotency_key is not null do nothing
    returning id`.execute(db);
  return result.rows.map((row) => row.id);
}

export async function lockPendingNotifications(trx: Transaction<Database>, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return trx
    .selectFrom('notifications')
    .selectAll()
    .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`)
    .where((eb) => eb.or([eb('email_state', '=', 'pending'), eb('push_state', '=', 'pending')]))
    .orderBy('id')
    .forUpdate()
    .execute();
}

export async function lockDeferredNotifications(trx: Transaction<Database>, personId: string) {
  return trx
    .selectFrom('notifications')
    .selectAll()
    .where('person_id', '=', personId)
    .where((eb) => eb.or([eb('email_state', '=', 'deferred'), eb('push_state', '=', 'deferred')]))
    .orderBy('id')
    .forUpdate()
    .execute();
}

export interface Recipient {
  id: string;
  email: string | null;
  locale: 'ja' | 'en';
  active: boolean;
}

/** The persons' addresses and languages now (read at delivery: an address changed since is used). */
export async function recipients(db: Kysely<Database>, personIds: readonly string[]): Promise<Map<string, Recipient>> {
  if (personIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('persons')
    .select(['id', 'email', 'locale', 'status'])
    .where('id', '=', sql<string>`any(${[...personIds]}::uuid[])`)
    .execute();
  return new Map(
    rows.map((row) => [row.id, { id: row.id, email: row.email, locale: row.locale, active: row.status === 'active' }]),
  );
}

export interface PreferencesRecord {
  channels: Record<string, ChannelChoice>;
  quietStart: number | null;
  quietEnd: number | null;
  digestHour: number;
  emailPaused: boolean;
}

export async function preferencesOf(
  db: Kysely<Database>,
  personIds: readonly string[],
): Promise<Map<string, PreferencesRecord>> {
  if (personIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('notification_preferences')
    .selectAll()
    .where('person_id', '=', sql<string>`any(${[...personIds]}::uuid[])`)
    .execute();
  return new Map(
    rows.map((row) => [
      row.person_id,
      {
        channels: row.channels,
        quietStart: row.quiet_start,
        quietEnd: row.quiet_end,
        digestHour: row.digest_hour,
        emailPaused: row.email_paused,
      },
    ]),
  );
}

export async function savePreferences(
  db: Kysely<Database>,
  personId: string,
  record: PreferencesRecord,
): Promise<void> {
  const values = {
    channels: JSON.stringify(record.channels),
    quiet_start: record.quietStart,
    quiet_end: record.quietEnd,
    digest_hour: record.digestHour,
    email_paused: record.emailPaused,
    updated_at: sql<Date>`now()`,
  };
  await db
    .insertInto('notification_preferences')
    .values({ person_id: personId, ...values })
    .onConflict((conflict) => conflict.column('person_id').doUpdateSet(values))
    .execute();
}

/** Locks the person's preferences row (made if missing) so two changes do not overwrite each other. */
export async function lockPreferences(trx: Transaction<Database>, personId: string): Promise<void> {
  await trx
    .insertInto('notification_preferences')
    .values({ person_id: personId })
    .onConflict((conflict) => conflict.column('person_id').doNothing())
    .execute();
  await trx
    .selectFrom('notification_preferences')
    .select('person_id')
    .where('person_id', '=', personId)
    .forUpdate()
    .execute();
}

export async function subscriptionCounts(
  db: Kysely<Database>,
  personIds: readonly string[],
): Promise<Map<string, number>> {
  if (personIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('push_subscriptions')
    .select(['person_id', (eb) => eb.fn.countAll<string>().as('count')])
    .where('person_id', '=', sql<string>`any(${[...personIds]}::uuid[])`)
    .groupBy('person_id')
    .execute();
  return new Map(rows.map((row) => [row.person_id, Number(row.count)]));
}

/** Writes the delivery decisions of many notifications in one statement. */
export async function setStates(
  db: Kysely<Database>,
  decisions: ReadonlyArray<{
    id: string;
    email: NotificationEmailState;
    push: NotificationPushState;
  }>,
): Promise<void> {
  if (decisions.length === 0) return;
  await sql`
    update notifications n set
      email_state = u.email,
      email_sent_at = case when u.email = 'sent' and n.email_state <> 'sent' then now() else n.email_sent_at end,
      push_state = u.push,
      push_sent_at = case when u.push = 'sent' and n.push_state <> 'sent' then now() else n.push_sent_at end
    from unnest(${decisions.map((d) => d.id)}::uuid[], ${decisions.map((d) => d.email)}::text[],
                ${decisions.map((d) => d.push)}::text[]) as u(id, email, push)
    where n.id = u.id`.execute(db);
}

export async function notificationsByIds(db: Kysely<Database>, ids: readonly string[]): Promise<NotificationRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`)
    .orderBy('id')
    .execute();
}

// The daily digest.

/** Persons with digest items whose digest hour is `hour`, or whose oldest item waited more than a day. */
export async function personsDueForDigest(
  db: Kysely<Database>,
  options: { hour: number; overdueBefore: Date; limit: number; after?: string },
): Promise<string[]> {
  const rows = await sql<{ person_id: string }>`
    select d.person_id
    from (select person_id, min(created_at) as oldest
          from notifications where email_state = 'digest'
          ${options.after ? sql`and person_id > ${options.after}` : sql``}
          group by person_id) d
    left join notification_preferences p on p.person_id = d.person_id
    where coalesce(p.digest_hour, 8) = ${options.hour} or d.oldest < ${options.overdueBefore}
    order by d.person_id
    limit ${options.limit}`.execute(db);
  return rows.rows.map((row) => row.person_id);
}

export async function lockDigestItems(trx: Transaction<Database>, personIds: readonly string[]) {
  if (personIds.length === 0) return [];
  return trx
    .selectFrom('notifications')
    .selectAll()
    .where('person_id', '=', sql<string>`any(${[...personIds]}::uuid[])`)
    .where('email_state', '=', 'digest')
    .orderBy('person_id')
    .orderBy('created_at')
    .forUpdate()
    .execute();
}

// In-app list.

export async function listForPerson(
  db: Kysely<Database>,
  options: {
    personId: string;
    hiddenKinds: readonly string[];
    unreadOnly: boolean;
    before?: { createdAt: Date; id: string };
    limit: number;
  },
): Promise<NotificationRow[]> {
  let query = db
    .selectFrom('notifications')
    .selectAll()
    .where('person_id', '=', options.personId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.hiddenKinds.length > 0) query = query.where('kind', 'not in', [...options.hiddenKinds]);
  if (options.unreadOnly) query = query.where('read_at', 'is', null);
  if (options.before) {
    const { createdAt, id } = options.before;
    query = query.where((eb) =>
      eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]),
    );
  }
  return query.execute();
}

export async function countUnread(db: Kysely<Database>, personId: string, hiddenKinds: readonly string[]) {
  let query = db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('person_id', '=', personId)
    .where('read_at', 'is', null);
  if (hiddenKinds.length > 0) query = query.where('kind', 'not in', [...hiddenKinds]);
  return Number((await query.executeTakeFirstOrThrow()).count);
}

export async function findForPerson(db: Kysely<Database>, personId: string, id: string) {
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('person_id', '=', personId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function markRead(db: Kysely<Database>, personId: string, ids: readonly string[] | 'all') {
  let query = db
    .updateTable('notifications')
    .set({ read_at: sql<Date>`now()` })
    .where('person_id', '=', personId)
    .where('read_at', 'is', null);
  if (ids !== 'all') {
    if (ids.length === 0) return 0;
    query = query.where('id', '=', sql<string>`any(${[...ids]}::uuid[])`);
  }
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

// Web Push subscriptions.

export async function upsertSubscription(
  db: Kysely<Database>,
  row: { id: string; personId: string; endpoint: string; p256dh: string; auth: string; deviceLabel: string },
): Promise<void> {
  // The same endpoint belongs to one browser: re-subscribing (or another account in that browser) takes it.
  await db
    .insertInto('push_subscriptions')
    .values({
      id: row.id,
      person_id: row.personId,
      endpoint: row.endpoint,
      p256dh: row.p256dh,
      auth: row.auth,
      device_label: row.deviceLabel,
    })
    .onConflict((conflict) =>
      conflict.column('endpoint').doUpdateSet({
        person_id: row.personId,
        p256dh: row.p256dh,
        auth: row.auth,
        device_label: row.deviceLabel,
        failures: 0,
      }),
    )
    .execute();
}

export async function deleteSubscription(db: Kysely<Database>, personId: string, endpoint: string): Promise<number> {
  const result = await db
    .deleteFrom('push_subscriptions')
    .where('person_id', '=', personId)
    .where('endpoint', '=', endpoint)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function subscriptionsOf(db: Kysely<Database>, personId: string): Promise<PushSubscriptionRow[]> {
  return db
    .selectFrom('push_subscriptions')
    .selectAll()
    .where('person_id', '=', personId)
    .orderBy('created_at')
    .execute();
}

export async function recordPushResult(
  db: Kysely<Database>,
  id: string,
  outcome: 'delivered' | 'gone' | 'failed',
): Promise<void> {
  if (outcome === 'gone') {
    await db.deleteFrom('push_subscriptions').where('id', '=', id).execute();
  } else if (outcome === 'delivered') {
    await db
      .updateTable('push_subscriptions')
      .set({ last_success_at: sql<Date>`now()`, failures: 0 })
      .where('id', '=', id)
      .execute();
  } else {
    await db
      .updateTable('push_subscriptions')
      .set((eb) => ({ failures: eb('failures', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }
}

/** Marks notifications read on arrival (the person hid their kind from the list). */
export async function markReadByIds(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('notifications')
    .set({ read_at: sql<Date>`now()` })
    .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`)
    .where('read_at', 'is', null)
    .execute();
}

export async function queuedForPush(db: Kysely<Database>, personId: string, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('person_id', '=', personId)
    .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`)
    .where('push_state', '=', 'queued')
    .orderBy('id')
    .execute();
}

export async function deleteSubscriptionById(db: Kysely<Database>, personId: string, id: string): Promise<number> {
  const result = await db
    .deleteFrom('push_subscriptions')
    .where('person_id', '=', personId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
