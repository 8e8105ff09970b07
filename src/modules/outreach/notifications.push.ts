import type { Kysely } from 'kysely';
import webpush from 'web-push';
import type { Database, PushSubscriptionRow } from '../../platform/db/schema.js';
import type { DeliverySettings } from './notifications.service.js';
import * as repository from './notifications.repository.js';

/**
 * Web Push (RFC 8030) with message encryption (RFC 8291, aes128gcm) and VAPID (RFC 8292). The `web-push`
 * package builds the request (encrypts the payload, signs the VAPID JWT); the request itself goes out
 * with fetch, so the same code reaches the browsers' push services and, in tests, a local server that
 * plays one.
 */

/** The push services of the browsers people use. An endpoint elsewhere is refused (no requests to
 * arbitrary hosts on a person's say-so). */
const pushServiceHosts = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  'push.services.mozilla.com',
  'notify.windows.com',
  'push.apple.com',
];

const localHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isAllowedPushEndpoint(endpoint: string, allowLocal: boolean): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (allowLocal && localHosts.has(url.hostname) && (url.protocol === 'http:' || url.protocol === 'https:')) {
    return true;
  }
  if (url.protocol !== 'https:' || url.username || url.password || (url.port && url.port !== '443')) return false;
  return pushServiceHosts.some((host) => url.hostname === host || url.hostname.endsWith(`.${host}`));
}

/** What the service worker shows (src/platform/ui/islands/push-sw.ts reads these fields). */
export interface PushMessage {
  title: string;
  body: string;
  /** Absolute URL on this site the notification opens. */
  url: string;
  /** Notifications with the same tag replace each other on the device. */
  tag: string;
}

export type PushOutcome = 'delivered' | 'gone' | 'failed' | 'retry';

/** Sends one message to one subscription and says what the push service answered. */
export async function sendWebPush(
  subscription: Pick<PushSubscriptionRow, 'endpoint' | 'p256dh' | 'auth'>,
  message: PushMessage,
  options: { vapid: NonNullable<DeliverySettings['webPush']>; urgent: boolean; timeoutMs?: number },
): Promise<PushOutcome> {
  const details = webpush.generateRequestDetails(
    { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
    JSON.stringify(message),
    {
      vapidDetails: options.vapid,
      TTL: 24 * 60 * 60,
      urgency: options.urgent ? 'high' : 'normal',
      contentEncoding: 'aes128gcm',
    },
  );
  const headers = new Headers();
  for (const [name, value] of Object.entries(details.headers)) {
    if (name.toLowerCase() !== 'content-length') headers.set(name, String(value));
  }
  let status: number;
  try {
    const response = await fetch(details.endpoint, {
      method: details.method,
      headers,
      body: details.body ? new Uint8Array(details.body) : null,
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    status = response.status;
    await response.body?.cancel();
  } catch {
    return 'retry';
  }
  if (status >= 200 && status < 300) return 'delivered';
  // The browser unsubscribed or the subscription expired: it will never work again.
  if (status === 404 || status === 410) return 'gone';
  if (status === 429 || status >= 500) return 'retry';
  return 'failed';
}

/** A subscription that failed this many times in a row (4xx other than gone) is dropped. */
const maxFailures = 5;

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/**
 * The push job: one message for the notifications queued for a person (one notification: its title and
 * text; several: a count), to each of the person's browsers. Retried while no browser got it and a push
 * service asked to try again later.
 */
export async function sendPushNotifications(options: {
  db: Kysely<Database>;
  personId: string;
  ids: readonly string[];
  settings: DeliverySettings;
}): Promise<{ delivered: number; gone: number; failed: number }> {
  const { db, personId, settings } = options;
  const totals = { delivered: 0, gone: 0, failed: 0 };
  const rows = await repository.queuedForPush(db, personId, options.ids);
  if (rows.length === 0) return totals;
  const finish = (state: 'sent' | 'skipped') =>
    repository.setStates(
      db,
      rows.map((row) => ({ id: row.id, email: row.email_state, push: state })),
    );
  if (!settings.webPush) {
    await finish('skipped');
    return totals;
  }
  const locale = (await repository.recipients(db, [personId])).get(personId)?.locale ?? 'ja';
  const base = settings.publicUrl.replace(/\/+$/, '');
  const [only] = rows;
  const message: PushMessage =
    rows.length === 1 && only
      ? {
          title: only.title[locale],
          body: truncate(only.body[locale], 180),
          url: `${base}${only.link ?? '/my/notifications'}`,
          tag: only.id,
        }
      : {
          title: locale === 'ja' ? `新しいお知らせが${rows.length}件あります` : `${rows.length} new notifications`,
          body: truncate(rows.map((row) => row.title[locale]).join(' / '), 180),
          url: `${base}/my/notifications`,
          tag: 'furusato-notifications',
        };
  let retry = false;
  for (const subscription of await repository.subscriptionsOf(db, personId)) {
    if (!isAllowedPushEndpoint(subscription.endpoint, settings.allowLocalPushEndpoints)) {
      await repository.recordPushResult(db, subscription.id, 'gone');
      totals.gone += 1;
      continue;
    }
    const outcome = await sendWebPush(subscription, message, {
      vapid: settings.webPush,
      urgent: rows.some((row) => row.urgent),
    });
    if (outcome === 'retry') {
      retry = true;
      continue;
    }
    if (outcome === 'failed' && subscription.failures + 1 >= maxFailures) {
      await repository.recordPushResult(db, subscription.id, 'gone');
    } else {
      await repository.recordPushResult(db, subscription.id, outcome);
    }
    totals[outcome === 'delivered' ? 'delivered' : outcome === 'gone' ? 'gone' : 'failed'] += 1;
  }
  if (retry && totals.delivered === 0) throw new Error('push service asked to retry later');
  await finish(totals.delivered > 0 ? 'sent' : 'skipped');
  return totals;
}
