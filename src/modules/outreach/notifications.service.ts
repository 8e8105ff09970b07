/**
 * Notifications: the one way the platform tells a person something. `notify` stores the notification in
 * the caller's transaction (it commits with the change it reports, or not at all) and queues its
 * delivery; the delivery job then applies the person's preferences as they are at that moment:
 *
 * - in-app: the list at /my/notifications (unread count in the header) unless the person hid the kind;
 * - e-mail: now, or after the person's quiet hours, or in the daily digest, or not at all; the address is
 *   read from persons.email when the mail is made, never stored with the notification;
 * - Web Push: to every browser the person subscribed, now or after quiet hours.
 *
 * `urgent` skips the digest and quiet hours (a session cancelled tomorrow), never a channel the person
 * turned off. Every mail carries unsubscribe links that work without signing in (a signed token) and the
 * RFC 8058 List-Unsubscribe headers. Sign-in codes, staff invitations and guardian-consent requests do
 * not come here: they go to an address, not to a person's preferences.
 */
import { createHmac } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { personSubject, recordPersonAuditEvent } from '../../platform/audit.js';
import { safeEqual } from '../../platform/auth/secrets.js';
import type { Config } from '../../platform/config.js';
import type { ChannelChoice, Database, EmailChoice, NotificationRow } from '../../platform/db/schema.js';
import { AppError, parseInput } from '../../platform/errors.js';
import type { Locale, Localized } from '../../platform/i18n.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { enqueueJobs } from '../../platform/jobs/runner.js';
import { enqueueMails } from '../../platform/mail/mail.jobs.js';
import type { MailMessage } from '../../platform/mail/mailer.js';
import { notificationKindDefinition, notificationKinds, type NotificationKind } from './notifications.kinds.js';
import { isAllowedPushEndpoint } from './notifications.push.js';
import * as repository from './notifications.repository.js';
import type { PreferencesRecord, Recipient } from './notifications.repository.js';

export type { NotificationKind } from './notifications.kinds.js';

/** What a module tells a person. See `notify`. */
export interface NotificationInput {
  /** The national account. */
  personId: string;
  /** The government it is about, if any. */
  lgCode?: string | null;
  kind: NotificationKind;
  /** One line; in a mail it is the subject. */
  title: Localized;
  /** Plain text; in a mail it is the text. */
  body: Localized;
  /** A path on this site, e.g. `/my/places`. */
  link?: string;
  /** Skips the digest and quiet hours. */
  urgent?: boolean;
  /** The same key twice (for the same person) notifies once. */
  idempotencyKey?: string;
}

const localizedText = (max: number) => z.object({ ja: z.string().min(1).max(max), en: z.string().min(1).max(max) });

const NotificationSchema = z.object({
  personId: z.uuid(),
  lgCode: z.string().refine(isValidLgCode, 'not a valid 全国地方公共団体コード').nullish(),
  kind: z.string().refine((kind) => notificationKindDefinition(kind) !== undefined, 'unknown notification kind'),
  title: localizedText(200),
  body: localizedText(8000),
  link: z
    .string()
    .max(2000)
    .regex(/^\/([^/\\]|$)/, 'must be a path on this site')
    .optional(),
  urgent: z.boolean().optional(),
  idempotencyKey: z.string().min(1).max(300).optional(),
});

/** Notifications per delivery job: one short transaction each. */
const deliveryChunk = 500;

export const deliverNotificationsSpec = {
  name: 'outreach.deliver-notifications',
  payload: z.object({ ids: z.array(z.uuid()).min(1).max(deliveryChunk) }),
  maxAttempts: 8,
} as const;

export const deliverDeferredSpec = {
  name: 'outreach.deliver-deferred',
  /** `at`: the end of the quiet hours this delivery waited for. */
  payload: z.object({ personId: z.uuid(), at: z.iso.datetime() }),
  maxAttempts: 8,
} as const;

export const sendPushSpec = {
  name: 'outreach.send-push',
  payload: z.object({ personId: z.uuid(), ids: z.array(z.uuid()).min(1).max(deliveryChunk) }),
  maxAttempts: 6,
} as const;

function checked(notification: NotificationInput) {
  const result = NotificationSchema.safeParse(notification);
  // A caller's bug, not a person's input: it must not pass as a 400.
  if (!result.success) throw new Error(`invalid notification: ${result.error.message}`);
  return result.data;
}

/**
 * Tells a person something, in the caller's transaction: the notification exists exactly when the change
 * it reports does, and its delivery is queued with it. Cheap (one row and one job), so it is fine inside
 * a tenant transaction; preferences, quiet hours and the address are applied by the delivery job.
 */
export async function notify(
  db: Kysely<Database> | Transaction<Database>,
  notification: NotificationInput,
): Promise<void> {
  await notifyMany(db, [notification]);
}

/**
 * `notify` for many people at once (a post to a government's 22,000 registrants): one INSERT for all the
 * notifications and one delivery job per 500. Returns how many were new (a known idempotency key is not).
 */
export async function notifyMany(
  db: Kysely<Database> | Transaction<Database>,
  notifications: readonly NotificationInput[],
): Promise<number> {
  if (notifications.length === 0) return 0;
  const rows = notifications.map((notification) => {
    const valid = checked(notification);
    return {
      id: uuidv7(),
      personId: valid.personId.toLowerCase(),
      lgCode: valid.lgCode ?? null,
      kind: valid.kind,
      title: JSON.stringify(valid.title),
      body: JSON.stringify(valid.body),
      link: valid.link ?? null,
      urgent: valid.urgent ?? false,
      idempotencyKey: valid.idempotencyKey ?? null,
    };
  });
  let created = 0;
  for (let start = 0; start < rows.length; start += 5_000) {
    const ids = await repository.insertNotifications(db, rows.slice(start, start + 5_000));
    created += ids.length;
    const jobs = [];
    for (let index = 0; index < ids.length; index += deliveryChunk) {
      jobs.push({ payload: { ids: ids.slice(index, index + deliveryChunk) } });
    }
    await enqueueJobs(db, deliverNotificationsSpec, jobs);
  }
  return created;
}

// Preferences.

export interface ResolvedChannels {
  inApp: boolean;
  email: EmailChoice;
  push: boolean;
}

/** A kind's channels for a person: their choice, else the kind's default; a pause turns e-mail off. */
export function channelsFor(kind: string, preferences: PreferencesRecord | undefined): ResolvedChannels {
  const defaults = notificationKindDefinition(kind)?.defaults ?? { email: 'immediate' as const, push: false };
  const chosen = preferences?.channels[kind] ?? {};
  return {
    inApp: chosen.inApp ?? defaults.inApp ?? true,
    email: preferences?.emailPaused ? 'off' : (chosen.email ?? defaults.email),
    push: chosen.push ?? defaults.push,
  };
}

const japanOffsetMinutes = 9 * 60;
const minuteMs = 60_000;

/** Minutes after midnight, Japan time. */
export function japanMinuteOfDay(instant: Date): number {
  const minutes = Math.floor(instant.getTime() / minuteMs) + japanOffsetMinutes;
  return ((minutes % 1440) + 1440) % 1440;
}

export interface QuietHours {
  /** Minutes after midnight, Japan time; [start, end) and may wrap midnight. */
  start: number;
  end: number;
}

export function isQuiet(quiet: QuietHours | undefined, instant: Date): boolean {
  if (!quiet) return false;
  const minute = japanMinuteOfDay(instant);
  return quiet.start < quiet.end
    ? minute >= quiet.start && minute < quiet.end
    : minute >= quiet.start || minute < quiet.end;
}

/** The next instant quiet hours end after `instant` (the start of the minute `end`, Japan time). */
export function quietHoursEnd(quiet: QuietHours, instant: Date): Date {
  const minute = japanMinuteOfDay(instant);
  const ahead = (quiet.end - minute + 1440) % 1440 || 1440;
  return new Date((Math.floor(instant.getTime() / minuteMs) + ahead) * minuteMs);
}

function quietOf(preferences: PreferencesRecord | undefined): QuietHours | undefined {
  return preferences && preferences.quietStart !== null && preferences.quietEnd !== null
    ? { start: preferences.quietStart, end: preferences.quietEnd }
    : undefined;
}

const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (00:00–23:59)')
  .transform((value) => Number(value.slice(0, 2)) * 60 + Number(value.slice(3, 5)));

export const PreferencesInput = z
  .object({
    /** Only the kinds to change; a kind left out keeps what it had. */
    channels: z
      .record(
        z.string(),
        z.object({ inApp: z.boolean(), email: z.enum(['immediate', 'digest', 'off']), push: z.boolean() }).partial(),
      )
      .default({}),
    /** `null`: no quiet hours. */
    quietHours: z.object({ start: timeOfDay, end: timeOfDay }).nullable().optional(),
    digestHour: z.number().int().min(0).max(23).optional(),
    emailPaused: z.boolean().optional(),
  })
  .superRefine((input, ctx) => {
    for (const kind of Object.keys(input.channels)) {
      if (!notificationKindDefinition(kind)) {
        ctx.addIssue({ code: 'custom', path: ['channels', kind], message: 'unknown notification kind' });
      }
    }
    if (input.quietHours && input.quietHours.start === input.quietHours.end) {
      ctx.addIssue({ code: 'custom', path: ['quietHours'], message: 'start and end must differ' });
    }
  });
export type PreferencesInput = z.input<typeof PreferencesInput>;

export interface NotificationPreferences {
  kinds: Array<{
    kind: NotificationKind;
    label: Localized;
    description: Localized;
    channels: ResolvedChannels;
    emailRequired: boolean;
  }>;
  /** "HH:MM" in Japan time, or null. */
  quietHours: { start: string; end: string } | null;
  digestHour: number;
  emailPaused: boolean;
  pushDevices: Array<{ id: string; deviceLabel: string; createdAt: Date; lastSuccessAt: Date | null }>;
}

const defaultPreferences: PreferencesRecord = {
  channels: {},
  quietStart: null,
  quietEnd: null,
  digestHour: 8,
  emailPaused: false,
};

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export async function getNotificationPreferences(options: {
  db: Kysely<Database>;
  personId: string;
}): Promise<NotificationPreferences> {
  const record = (await repository.preferencesOf(options.db, [options.personId])).get(options.personId);
  const devices = await repository.subscriptionsOf(options.db, options.personId);
  const quiet = quietOf(record);
  return {
    kinds: notificationKinds().map(([kind, definition]) => ({
      kind,
      label: definition.label,
      description: definition.description,
      channels: channelsFor(kind, record ? { ...record, emailPaused: false } : undefined),
      emailRequired: definition.emailRequired ?? false,
    })),
    quietHours: quiet ? { start: hhmm(quiet.start), end: hhmm(quiet.end) } : null,
    digestHour: record?.digestHour ?? 8,
    emailPaused: record?.emailPaused ?? false,
    pushDevices: devices.map((device) => ({
      id: device.id,
      deviceLabel: device.device_label,
      createdAt: device.created_at,
      lastSuccessAt: device.last_success_at,
    })),
  };
}

/**
 * Changes the person's preferences. Only choices that differ from a kind's default are kept, so a later
 * change of default reaches everyone who did not choose. The digest hour may not fall in the quiet
 * hours (the digest would wait for another day).
 */
export async function updateNotificationPreferences(options: {
  db: Kysely<Database>;
  personId: string;
  input: PreferencesInput;
  requestId?: string;
}): Promise<NotificationPreferences> {
  const input = parseInput(PreferencesInput, options.input);
  await options.db.transaction().execute(async (trx) => {
    await repository.lockPreferences(trx, options.personId);
    const current = (await repository.preferencesOf(trx, [options.personId])).get(options.personId) ?? {
      ...defaultPreferences,
    };
    const channels: Record<string, ChannelChoice> = { ...current.channels };
    for (const [kind, change] of Object.entries(input.channels)) {
      const definition = notificationKindDefinition(kind)!;
      const merged = { ...channels[kind], ...change };
      const kept: ChannelChoice = {};
      if (merged.inApp !== undefined && merged.inApp !== (definition.defaults.inApp ?? true)) kept.inApp = merged.inApp;
      if (merged.email !== undefined && merged.email !== definition.defaults.email) {
        if (merged.email === 'off' && definition.emailRequired) {
          throw new AppError('validation_failed', {
            fieldErrors: [{ field: `channels.${kind}.email`, in: 'body', message: 'cannot be turned off' }],
          });
        }
        kept.email = merged.email;
      }
      if (merged.push !== undefined && merged.push !== definition.defaults.push) kept.push = merged.push;
      if (Object.keys(kept).length > 0) channels[kind] = kept;
      else delete channels[kind];
    }
    const next: PreferencesRecord = {
      channels,
      quietStart: input.quietHours === undefined ? current.quietStart : (input.quietHours?.start ?? null),
      quietEnd: input.quietHours === undefined ? current.quietEnd : (input.quietHours?.end ?? null),
      digestHour: input.digestHour ?? current.digestHour,
      emailPaused: input.emailPaused ?? current.emailPaused,
    };
    const quiet = quietOf(next);
    if (quiet && isQuiet(quiet, new Date(Date.UTC(2000, 0, 1, next.digestHour - 9, 0)))) {
      throw new AppError('validation_failed', {
        fieldErrors: [{ field: 'digestHour', in: 'body', message: 'falls in the quiet hours' }],
        detail: {
          ja: 'まとめて送る時刻が、通知を控える時間帯に入っています。時刻か時間帯を変えてください。',
          en: 'The digest hour falls in your quiet hours. Change the hour or the quiet hours.',
        },
      });
    }
    await repository.savePreferences(trx, options.personId, next);
    await recordPersonAuditEvent(trx, {
      subject: personSubject(options.personId),
      action: 'person.notification_preferences_changed',
      data: {
        kinds: Object.keys(input.channels),
        quietHours: quiet ? `${hhmm(quiet.start)}-${hhmm(quiet.end)}` : null,
        digestHour: next.digestHour,
        emailPaused: next.emailPaused,
      },
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
  });
  return getNotificationPreferences(options);
}

// Unsubscribe links: signed, no expiry (an old mail's link must still work), no sign-in.

/** What a link stops: one kind's mail, the mails of the daily digest, or every notification mail. */
export type UnsubscribeScope = NotificationKind | 'digest' | 'all';

function unsubscribeKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('furusato:unsubscribe-link').digest();
}

export function unsubscribeToken(secret: string, personId: string, scope: UnsubscribeScope): string {
  const payload = Buffer.from(JSON.stringify({ p: personId, s: scope })).toString('base64url');
  const signature = createHmac('sha256', unsubscribeKey(secret)).update(payload).digest('base64url');
  return `u1.${payload}.${signature}`;
}

export function readUnsubscribeToken(
  secret: string,
  token: string,
): { personId: string; scope: UnsubscribeScope } | undefined {
  const [version, payload, signature] = token.split('.');
  if (version !== 'u1' || !payload || !signature) return undefined;
  const expected = createHmac('sha256', unsubscribeKey(secret)).update(payload).digest('base64url');
  if (!safeEqual(signature, expected)) return undefined;
  try {
    const parsed = z
      .object({ p: z.uuid(), s: z.string() })
      .parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    const scope = parsed.s;
    if (scope !== 'all' && scope !== 'digest' && !notificationKindDefinition(scope)) return undefined;
    return { personId: parsed.p, scope: scope as UnsubscribeScope };
  } catch {
    return undefined;
  }
}

export function unsubscribeScopeLabel(scope: UnsubscribeScope): Localized {
  if (scope === 'all') return { ja: 'すべてのお知らせメール', en: 'all notification e-mail' };
  if (scope === 'digest') return { ja: 'まとめて届くお知らせメール（1日1回）', en: 'the daily digest e-mail' };
  const label = notificationKindDefinition(scope)?.label ?? { ja: scope, en: scope };
  return { ja: `「${label.ja}」のメール`, en: `e-mail about “${label.en}”` };
}

/** What an unsubscribe link would stop, for its confirmation page; undefined for a bad link. */
export function describeUnsubscribe(options: { secret: string; token: string }) {
  const read = readUnsubscribeToken(options.secret, options.token);
  if (!read) throw new AppError('unsubscribe_link_invalid');
  return { scope: read.scope, label: unsubscribeScopeLabel(read.scope) };
}

/**
 * Applies an unsubscribe link (the confirmation page, or an RFC 8058 one-click POST from the mail
 * client). Works without signing in; doing it twice changes nothing more. An account deleted since the
 * mail was sent has nothing left to stop.
 */
export async function unsubscribe(options: {
  db: Kysely<Database>;
  secret: string;
  token: string;
  requestId?: string;
}): Promise<{ scope: UnsubscribeScope; label: Localized }> {
  const read = readUnsubscribeToken(options.secret, options.token);
  if (!read) throw new AppError('unsubscribe_link_invalid');
  const { personId, scope } = read;
  await options.db.transaction().execute(async (trx) => {
    const person = await trx
      .selectFrom('persons')
      .select('status')
      .where('id', '=', personId)
      .forUpdate()
      .executeTakeFirst();
    if (!person || person.status !== 'active') return;
    await repository.lockPreferences(trx, personId);
    const current = (await repository.preferencesOf(trx, [personId])).get(personId) ?? { ...defaultPreferences };
    const channels = { ...current.channels };
    let emailPaused = current.emailPaused;
    if (scope === 'all') {
      emailPaused = true;
    } else {
      const kinds =
        scope === 'digest'
          ? notificationKinds()
              .filter(([kind]) => channelsFor(kind, { ...current, emailPaused: false }).email === 'digest')
              .map(([kind]) => kind)
          : [scope];
      for (const kind of kinds) {
        if (notificationKindDefinition(kind)?.emailRequired) continue;
        channels[kind] = { ...channels[kind], email: 'off' };
      }
    }
    await repository.savePreferences(trx, personId, { ...current, channels, emailPaused });
    await recordPersonAuditEvent(trx, {
      subject: personSubject(personId),
      action: 'person.notifications_unsubscribed',
      data: { scope, via: 'link' },
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
  });
  return { scope, label: unsubscribeScopeLabel(scope) };
}

// In-app list.

export interface NotificationItem {
  id: string;
  kind: string;
  lgCode: string | null;
  title: Localized;
  body: Localized;
  link: string | null;
  urgent: boolean;
  createdAt: Date;
  readAt: Date | null;
}

function toItem(row: NotificationRow): NotificationItem {
  return {
    id: row.id,
    kind: row.kind,
    lgCode: row.about_lg_code,
    title: row.title,
    body: row.body,
    link: row.link,
    urgent: row.urgent,
    createdAt: row.created_at,
    readAt: row.read_at,
  };
}

function hiddenKinds(preferences: PreferencesRecord | undefined): string[] {
  return notificationKinds()
    .filter(([kind]) => !channelsFor(kind, preferences).inApp)
    .map(([kind]) => kind);
}

const cursorPattern = /^(\d{13})_([0-9a-f-]{36})$/;

/** The person's notifications, newest first, `limit` at a time (cursor: the last one seen). */
export async function listMyNotifications(options: {
  db: Kysely<Database>;
  personId: string;
  unreadOnly?: boolean;
  cursor?: string;
  limit?: number;
}): Promise<{ items: NotificationItem[]; unreadCount: number; nextCursor: string | null }> {
  const limit = Math.min(Math.max(options.limit ?? 30, 1), 100);
  const preferences = (await repository.preferencesOf(options.db, [options.personId])).get(options.personId);
  const hidden = hiddenKinds(preferences);
  const cursor = options.cursor ? cursorPattern.exec(options.cursor) : null;
  if (options.cursor && !cursor) {
    throw new AppError('validation_failed', { fieldErrors: [{ field: 'cursor', in: 'query', message: 'malformed' }] });
  }
  const rows = await repository.listForPerson(options.db, {
    personId: options.personId,
    hiddenKinds: hidden,
    unreadOnly: options.unreadOnly ?? false,
    limit: limit + 1,
    ...(cursor ? { before: { createdAt: new Date(Number(cursor[1])), id: cursor[2]! } } : {}),
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toItem),
    unreadCount: await repository.countUnread(options.db, options.personId, hidden),
    nextCursor: rows.length > limit && last ? `${last.created_at.getTime()}_${last.id}` : null,
  };
}

/** The header's count: unread notifications (hidden kinds are marked read when they arrive). */
export async function countUnreadNotifications(options: { db: Kysely<Database>; personId: string }): Promise<number> {
  return repository.countUnread(options.db, options.personId, []);
}

/** Marks notifications read; `all` marks every one. Another person's id is not found (nothing happens). */
export async function markNotificationsRead(options: {
  db: Kysely<Database>;
  personId: string;
  ids: readonly string[] | 'all';
}): Promise<number> {
  if (options.ids !== 'all' && options.ids.some((id) => !z.uuid().safeParse(id).success)) {
    throw new AppError('not_found');
  }
  return repository.markRead(options.db, options.personId, options.ids);
}

/** Opens a notification: marks it read and returns where it points (its link, or the list). */
export async function openNotification(options: {
  db: Kysely<Database>;
  personId: string;
  id: string;
}): Promise<string> {
  if (!z.uuid().safeParse(options.id).success) throw new AppError('not_found');
  const row = await repository.findForPerson(options.db, options.personId, options.id);
  if (!row) throw new AppError('not_found');
  await repository.markRead(options.db, options.personId, [row.id]);
  return row.link ?? '/my/notifications';
}

// Delivery.

export interface DeliverySettings {
  publicUrl: string;
  /** APP_SECRET: signs the unsubscribe links. */
  secret: string;
  webPush: { publicKey: string; privateKey: string; subject: string } | undefined;
  /** Outside production, push endpoints on this machine are allowed (tests play the push service). */
  allowLocalPushEndpoints: boolean;
}

function baseUrl(settings: Pick<DeliverySettings, 'publicUrl'>): string {
  return settings.publicUrl.replace(/\/+$/, '');
}

const footerText = {
  settings: { ja: '通知の設定（メール・プッシュ通知・通知を控える時間）', en: 'Notification settings' },
};

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function subjectOf(locale: Locale, title: string): string {
  return truncate(locale === 'ja' ? `【ふるさと住民登録】${title}` : title, 200);
}

/** One notification as a mail in the person's language, with its unsubscribe links and headers. */
export function notificationMail(options: {
  settings: Pick<DeliverySettings, 'publicUrl' | 'secret'>;
  recipient: Recipient & { email: string };
  notification: Pick<NotificationItem, 'kind' | 'title' | 'body' | 'link'>;
}): MailMessage {
  const { recipient, notification, settings } = options;
  const locale = recipient.locale;
  const base = baseUrl(settings);
  const kindUrl = `${base}/notifications/unsubscribe?token=${unsubscribeToken(settings.secret, recipient.id, notification.kind as NotificationKind)}`;
  const allUrl = `${base}/notifications/unsubscribe?token=${unsubscribeToken(settings.secret, recipient.id, 'all')}`;
  const label = notificationKindDefinition(notification.kind)?.label ?? {
    ja: notification.kind,
    en: notification.kind,
  };
  const parts = [notification.body[locale]];
  if (notification.link) parts.push(`${base}${notification.link}`);
  parts.push(
    locale === 'ja'
      ? [
          '――',
          `このメールは「${label.ja}」のお知らせです。`,
          `${footerText.settings.ja}: ${base}/my/notifications/settings`,
          `このお知らせのメールを停止する: ${kindUrl}`,
          `すべてのお知らせメールを停止する: ${allUrl}`,
        ].join('\n')
      : [
          '--',
          `You receive this e-mail for “${label.en}”.`,
          `${footerText.settings.en}: ${base}/my/notifications/settings`,
          `Stop e-mail of this kind: ${kindUrl}`,
          `Stop all notification e-mail: ${allUrl}`,
        ].join('\n'),
  );
  return {
    to: recipient.email,
    subject: subjectOf(locale, notification.title[locale]),
    text: parts.join('\n\n'),
    list: { unsubscribeUrl: kindUrl, oneClick: true },
  };
}

/** Several notifications in one mail: the daily digest, or what waited for the end of quiet hours. */
export function digestMail(options: {
  settings: Pick<DeliverySettings, 'publicUrl' | 'secret'>;
  recipient: Recipient & { email: string };
  notifications: ReadonlyArray<Pick<NotificationItem, 'title' | 'body' | 'link'>>;
  reason: 'digest' | 'quiet_hours';
}): MailMessage {
  const { recipient, settings } = options;
  const locale = recipient.locale;
  const base = baseUrl(settings);
  const scope: UnsubscribeScope = options.reason === 'digest' ? 'digest' : 'all';
  const stopUrl = `${base}/notifications/unsubscribe?token=${unsubscribeToken(settings.secret, recipient.id, scope)}`;
  const allUrl = `${base}/notifications/unsubscribe?token=${unsubscribeToken(settings.secret, recipient.id, 'all')}`;
  const count = options.notifications.length;
  const title =
    options.reason === 'digest'
      ? { ja: `新しいお知らせ（${count}件）`, en: `Your notifications (${count})` }
      : { ja: `通知を控えていたあいだのお知らせ（${count}件）`, en: `Notifications from your quiet hours (${count})` };
  const items = options.notifications.map((item) =>
    [`■ ${item.title[locale]}`, truncate(item.body[locale], 300), ...(item.link ? [`${base}${item.link}`] : [])].join(
      '\n',
    ),
  );
  const footer =
    locale === 'ja'
      ? [
          '――',
          `お知らせの一覧: ${base}/my/notifications`,
          `${footerText.settings.ja}: ${base}/my/notifications/settings`,
          options.reason === 'digest'
            ? `まとめて届くお知らせメールを停止する: ${stopUrl}`
            : `すべてのお知らせメールを停止する: ${stopUrl}`,
          ...(options.reason === 'digest' ? [`すべてのお知らせメールを停止する: ${allUrl}`] : []),
        ]
      : [
          '--',
          `All notifications: ${base}/my/notifications`,
          `${footerText.settings.en}: ${base}/my/notifications/settings`,
          options.reason === 'digest'
            ? `Stop the daily digest: ${stopUrl}`
            : `Stop all notification e-mail: ${stopUrl}`,
          ...(options.reason === 'digest' ? [`Stop all notification e-mail: ${allUrl}`] : []),
        ];
  return {
    to: recipient.email,
    subject: subjectOf(locale, title[locale]),
    text: [...items, footer.join('\n')].join('\n\n'),
    list: { unsubscribeUrl: stopUrl, oneClick: true },
  };
}

type Decision = { id: string; email: NotificationRow['email_state']; push: NotificationRow['push_state'] };

function withAddress(recipient: Recipient | undefined): (Recipient & { email: string }) | undefined {
  return recipient?.active && recipient.email ? (recipient as Recipient & { email: string }) : undefined;
}

/**
 * Decides and starts the delivery of new notifications, in one transaction per call: mails for now are
 * queued, digest items wait, quiet-hour items get a delivery at the end of the quiet hours, pushes get a
 * push job. Only notifications still pending are touched, so a retried job does nothing twice.
 */
export async function deliverNotifications(options: {
  db: Kysely<Database>;
  ids: readonly string[];
  now: Date;
  settings: DeliverySettings;
}): Promise<{ mailed: number; deferred: number; digest: number; pushed: number; skipped: number }> {
  const { now, settings } = options;
  return options.db.transaction().execute(async (trx) => {
    const rows = await repository.lockPendingNotifications(trx, options.ids);
    const personIds = [...new Set(rows.map((row) => row.person_id))];
    const people = await repository.recipients(trx, personIds);
    const preferences = await repository.preferencesOf(trx, personIds);
    const devices = settings.webPush ? await repository.subscriptionCounts(trx, personIds) : new Map<string, number>();
    const counts = { mailed: 0, deferred: 0, digest: 0, pushed: 0, skipped: 0 };
    const mails: MailMessage[] = [];
    const decisions: Decision[] = [];
    const hiddenIds: string[] = [];
    const deferredUntil = new Map<string, Date>();
    const pushes = new Map<string, string[]>();

    for (const row of rows) {
      const personPreferences = preferences.get(row.person_id);
      const channels = channelsFor(row.kind, personPreferences);
      const quiet = quietOf(personPreferences);
      const holdForQuiet = !row.urgent && isQuiet(quiet, now);
      if (!channels.inApp) hiddenIds.push(row.id);
      const decision: Decision = { id: row.id, email: row.email_state, push: row.push_state };

      if (row.email_state === 'pending') {
        const recipient = withAddress(people.get(row.person_id));
        const choice = row.urgent && channels.email === 'digest' ? 'immediate' : channels.email;
        if (!recipient || choice === 'off') {
          decision.email = 'skipped';
          counts.skipped += 1;
        } else if (choice === 'digest') {
          decision.email = 'digest';
          counts.digest += 1;
        } else if (holdForQuiet) {
          decision.email = 'deferred';
          deferredUntil.set(row.person_id, quietHoursEnd(quiet!, now));
          counts.deferred += 1;
        } else {
          mails.push(notificationMail({ settings, recipient, notification: row }));
          decision.email = 'sent';
          counts.mailed += 1;
        }
      }

      if (row.push_state === 'pending') {
        const active = people.get(row.person_id)?.active ?? false;
        if (!active || !channels.push || !settings.webPush || (devices.get(row.person_id) ?? 0) === 0) {
          decision.push = 'skipped';
        } else if (holdForQuiet) {
          decision.push = 'deferred';
          deferredUntil.set(row.person_id, quietHoursEnd(quiet!, now));
        } else {
          decision.push = 'queued';
          pushes.set(row.person_id, [...(pushes.get(row.person_id) ?? []), row.id]);
          counts.pushed += 1;
        }
      }
      decisions.push(decision);
    }

    await repository.setStates(trx, decisions);
    if (hiddenIds.length > 0) await repository.markReadByIds(trx, hiddenIds);
    await enqueueMails(trx, mails);
    await enqueueJobs(
      trx,
      deliverDeferredSpec,
      [...deferredUntil].map(([personId, at]) => ({
        payload: { personId, at: at.toISOString() },
        runAt: at,
        idempotencyKey: `${deliverDeferredSpec.name}:${personId}:${at.toISOString()}`,
      })),
    );
    await enqueueJobs(
      trx,
      sendPushSpec,
      [...pushes].map(([personId, ids]) => ({ payload: { personId, ids } })),
    );
    return counts;
  });
}

/**
 * At the end of a person's quiet hours: what waited goes out, one mail for all of it and one push. If the
 * person moved their quiet hours meanwhile and it is quiet again, it waits for the new end.
 */
export async function deliverDeferred(options: {
  db: Kysely<Database>;
  personId: string;
  now: Date;
  settings: DeliverySettings;
}): Promise<{ mailed: number; pushed: number }> {
  const { now, settings, personId } = options;
  return options.db.transaction().execute(async (trx) => {
    const rows = await repository.lockDeferredNotifications(trx, personId);
    if (rows.length === 0) return { mailed: 0, pushed: 0 };
    const preferences = (await repository.preferencesOf(trx, [personId])).get(personId);
    const quiet = quietOf(preferences);
    if (isQuiet(quiet, now)) {
      const at = quietHoursEnd(quiet!, now);
      await enqueueJobs(trx, deliverDeferredSpec, [
        {
          payload: { personId, at: at.toISOString() },
          runAt: at,
          idempotencyKey: `${deliverDeferredSpec.name}:${personId}:${at.toISOString()}`,
        },
      ]);
      return { mailed: 0, pushed: 0 };
    }
    const recipient = withAddress((await repository.recipients(trx, [personId])).get(personId));
    const mailRows = rows.filter((row) => row.email_state === 'deferred');
    const pushRows = rows.filter((row) => row.push_state === 'deferred');
    let mailed = 0;
    if (recipient && mailRows.length > 0) {
      const [only] = mailRows;
      await enqueueMails(trx, [
        mailRows.length === 1 && only
          ? notificationMail({ settings, recipient, notification: only })
          : digestMail({ settings, recipient, notifications: mailRows, reason: 'quiet_hours' }),
      ]);
      mailed = 1;
    }
    await repository.setStates(
      trx,
      rows.map((row) => ({
        id: row.id,
        email: row.email_state === 'deferred' ? (recipient ? 'sent' : 'skipped') : row.email_state,
        push: row.push_state === 'deferred' ? 'queued' : row.push_state,
      })),
    );
    if (pushRows.length > 0) {
      await enqueueJobs(trx, sendPushSpec, [{ payload: { personId, ids: pushRows.map((row) => row.id) } }]);
    }
    return { mailed, pushed: pushRows.length > 0 ? 1 : 0 };
  });
}

/**
 * The daily digest: every person whose digest hour (Japan time) is the hour of `now`, and anyone whose
 * oldest digest item has waited more than a day (the hour was changed), gets one mail with everything
 * waiting. Batches of `batchSize` persons, each batch one transaction; a rerun in the same hour finds
 * nothing left.
 */
export async function sendDigests(options: {
  db: Kysely<Database>;
  now: Date;
  settings: DeliverySettings;
  batchSize?: number;
}): Promise<{ persons: number; mails: number }> {
  const hour = Math.floor(japanMinuteOfDay(options.now) / 60);
  const overdueBefore = new Date(options.now.getTime() - 26 * 60 * 60 * 1000);
  const batchSize = options.batchSize ?? 200;
  const totals = { persons: 0, mails: 0 };
  let after: string | undefined;
  for (;;) {
    const due = await repository.personsDueForDigest(options.db, {
      hour,
      overdueBefore,
      limit: batchSize,
      ...(after ? { after } : {}),
    });
    if (due.length === 0) return totals;
    after = due.at(-1);
    const mails = await options.db.transaction().execute(async (trx) => {
      const rows = await repository.lockDigestItems(trx, due);
      const people = await repository.recipients(trx, due);
      const byPerson = new Map<string, NotificationRow[]>();
      for (const row of rows) byPerson.set(row.person_id, [...(byPerson.get(row.person_id) ?? []), row]);
      const messages: MailMessage[] = [];
      const decisions: Decision[] = [];
      for (const [personId, items] of byPerson) {
        const recipient = withAddress(people.get(personId));
        if (recipient) {
          messages.push(digestMail({ settings: options.settings, recipient, notifications: items, reason: 'digest' }));
        }
        for (const item of items)
          decisions.push({ id: item.id, email: recipient ? 'sent' : 'skipped', push: item.push_state });
      }
      await repository.setStates(trx, decisions);
      return enqueueMails(trx, messages);
    });
    totals.persons += due.length;
    totals.mails += mails;
    if (due.length < batchSize) return totals;
  }
}

// Web Push subscriptions.

const base64url = z.string().regex(/^[A-Za-z0-9_-]+=*$/, 'base64url');

export const PushSubscriptionInput = z.object({
  endpoint: z.url().max(2000),
  keys: z.object({
    /** The browser's P-256 public key: 65 bytes, uncompressed. */
    p256dh: base64url.refine((value) => {
      const bytes = Buffer.from(value, 'base64url');
      return bytes.length === 65 && bytes[0] === 4;
    }, 'an uncompressed P-256 public key'),
    /** The 16-byte authentication secret. */
    auth: base64url.refine((value) => Buffer.from(value, 'base64url').length === 16, '16 bytes'),
  }),
});
export type PushSubscriptionInput = z.input<typeof PushSubscriptionInput>;

/** Remembers this browser's push subscription for the person (the same browser again replaces it). */
export async function subscribeToPush(options: {
  db: Kysely<Database>;
  personId: string;
  input: PushSubscriptionInput;
  deviceLabel: string;
  settings: Pick<DeliverySettings, 'webPush' | 'allowLocalPushEndpoints'>;
  requestId?: string;
}): Promise<void> {
  if (!options.settings.webPush) throw new AppError('push_unavailable');
  const input = parseInput(PushSubscriptionInput, options.input);
  if (!isAllowedPushEndpoint(input.endpoint, options.settings.allowLocalPushEndpoints)) {
    throw new AppError('push_endpoint_not_allowed');
  }
  await options.db.transaction().execute(async (trx) => {
    await repository.upsertSubscription(trx, {
      id: uuidv7(),
      personId: options.personId,
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh.replace(/=+$/, ''),
      auth: input.keys.auth.replace(/=+$/, ''),
      deviceLabel: options.deviceLabel,
    });
    await recordPersonAuditEvent(trx, {
      subject: personSubject(options.personId),
      action: 'person.push_subscribed',
      data: { device: options.deviceLabel },
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
  });
}

/** Forgets a browser's subscription (the browser turned notifications off, or the person did). */
export async function unsubscribeFromPush(options: {
  db: Kysely<Database>;
  personId: string;
  endpoint?: string;
  subscriptionId?: string;
  requestId?: string;
}): Promise<void> {
  await options.db.transaction().execute(async (trx) => {
    let removed = 0;
    if (options.endpoint) removed = await repository.deleteSubscription(trx, options.personId, options.endpoint);
    if (options.subscriptionId) {
      if (!z.uuid().safeParse(options.subscriptionId).success) throw new AppError('not_found');
      removed = await repository.deleteSubscriptionById(trx, options.personId, options.subscriptionId);
    }
    if (removed === 0) throw new AppError('not_found');
    await recordPersonAuditEvent(trx, {
      subject: personSubject(options.personId),
      action: 'person.push_unsubscribed',
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
  });
}

/** Delivery settings from the configuration (the jobs and the pages build the same links). */
export function deliverySettingsFrom(
  config: Pick<Config, 'PUBLIC_URL' | 'APP_SECRET' | 'webPush' | 'NODE_ENV'>,
): DeliverySettings {
  return {
    publicUrl: config.PUBLIC_URL,
    secret: config.APP_SECRET,
    webPush: config.webPush,
    allowLocalPushEndpoints: config.NODE_ENV !== 'production',
  };
}
