import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { startPushService } from '../../../test/support/push-service.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import { systemActor } from '../../platform/audit.js';
import { loadConfig } from '../../platform/config.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import type { MailMessage } from '../../platform/mail/mailer.js';
import { joinTenant } from '../municipalities/index.js';
import {
  deliverDeferred,
  deliverNotifications,
  deliverySettingsFrom,
  isQuiet,
  notify,
  notifyMany,
  quietHoursEnd,
  sendDigests,
  unsubscribeToken,
  updateNotificationPreferences,
  type DeliverySettings,
  type NotificationInput,
} from './notifications.service.js';

const settings: DeliverySettings = deliverySettingsFrom(loadConfig({ NODE_ENV: 'test' }));
const kesennuma = '042056';

/** 2030-06-01 12:00 Japan time, and other Japan times of that day. */
const japanTime = (hhmm: string, day = '2030-06-01') => new Date(`${day}T${hhmm}:00+09:00`);

/** The next time it is `hour`:00 in Japan, within the coming day. */
function nextJapanHour(hour: number): Date {
  const hourMs = 60 * 60 * 1000;
  let instant = Math.ceil(Date.now() / hourMs) * hourMs;
  while (new Date(instant + 9 * hourMs).getUTCHours() !== hour) instant += hourMs;
  return new Date(instant);
}

function message(personId: string, overrides: Partial<NotificationInput> = {}): NotificationInput {
  return {
    personId,
    lgCode: kesennuma,
    kind: 'registrations.premium_decision',
    title: { ja: '気仙沼市のプレミアム登録が承認されました', en: 'Premium registration approved' },
    body: { ja: '有効期間は1年です。', en: 'It is valid for one year.' },
    link: '/my/places',
    ...overrides,
  };
}

describe('quiet hours (pure)', () => {
  const night = { start: 22 * 60, end: 7 * 60 };
  it('wrap midnight, end exclusive, in Japan time', () => {
    assert.equal(isQuiet(night, japanTime('23:30')), true);
    assert.equal(isQuiet(night, japanTime('03:00')), true);
    assert.equal(isQuiet(night, japanTime('06:59')), true);
    assert.equal(isQuiet(night, japanTime('07:00')), false);
    assert.equal(isQuiet(night, japanTime('21:59')), false);
    assert.equal(isQuiet({ start: 12 * 60, end: 13 * 60 }, japanTime('12:30')), true);
    assert.equal(isQuiet(undefined, japanTime('03:00')), false);
  });

  it('end at the next end of the window, which may be the next day', () => {
    assert.equal(
      quietHoursEnd(night, japanTime('23:30')).toISOString(),
      japanTime('07:00', '2030-06-02').toISOString(),
    );
    assert.equal(quietHoursEnd(night, japanTime('03:10')).toISOString(), japanTime('07:00').toISOString());
  });
});

describe('notification delivery rules', () => {
  let database: TestDatabase;
  const db = () => database.db;

  before(async () => {
    database = await openTestDatabase();
    await joinTenant({ db: database.db, actor: systemActor, lgCode: kesennuma });
  });
  after(async () => {
    await database.close();
  });

  async function person(locale: 'ja' | 'en' = 'ja') {
    const id = uuidv7();
    const email = `n-${id}@example.jp`;
    await db().insertInto('persons').values({ id, email, locale }).execute();
    return { id, email };
  }

  const rows = (personId: string) =>
    db().selectFrom('notifications').selectAll().where('person_id', '=', personId).orderBy('id').execute();

  const deliveryIds = async () =>
    (
      await db()
        .selectFrom('jobs')
        .select('payload')
        .where('name', '=', 'outreach.deliver-notifications')
        .where('status', '=', 'pending')
        .execute()
    ).flatMap((job) => (job.payload as { ids: string[] }).ids);

  /** Runs the delivery jobs queued so far, at `now`, and marks them done. */
  async function deliverQueued(now: Date) {
    const ids = await deliveryIds();
    await db()
      .updateTable('jobs')
      .set({ status: 'succeeded' })
      .where('name', '=', 'outreach.deliver-notifications')
      .execute();
    return deliverNotifications({ db: db(), ids, now, settings });
  }

  const mailsTo = async (email: string) =>
    (
      await db()
        .selectFrom('jobs')
        .select('payload')
        .where('name', '=', 'platform.send-mail')
        .where(sql<boolean>`payload->>'to' = ${email}`)
        .orderBy('id')
        .execute()
    ).map((row) => row.payload as MailMessage);

  it('commits with the caller’s transaction, and not at all when it rolls back', async () => {
    const someone = await person();
    await withTenant(db(), kesennuma, (scope) => notify(scope.trx, message(someone.id, { idempotencyKey: 'a' })));
    await assert.rejects(
      withTenant(db(), kesennuma, async (scope) => {
        await notify(scope.trx, message(someone.id, { idempotencyKey: 'b' }));
        throw new Error('the change failed');
      }),
      /the change failed/,
    );
    assert.deepEqual(
      (await rows(someone.id)).map((row) => row.idempotency_key),
      ['a'],
    );
  });

  it('notifies once per idempotency key, also within one fan-out', async () => {
    const someone = await person();
    await notify(db(), message(someone.id, { idempotencyKey: 'decision:1' }));
    await notify(db(), message(someone.id, { idempotencyKey: 'decision:1' }));
    assert.equal(
      await notifyMany(db(), [
        message(someone.id, { idempotencyKey: 'decision:2' }),
        message(someone.id, { idempotencyKey: 'decision:2' }),
      ]),
      1,
    );
    assert.equal((await rows(someone.id)).length, 2);
  });

  it('skips a registration whose person has no account, and still tells everyone else', async () => {
    // Registrations carry no foreign key to persons (they are partitioned by government): a post to a
    // government's registrants must not fail for all because one of them has no account row.
    const someone = await person();
    const nobody = uuidv7();
    assert.equal(await notifyMany(db(), [message(nobody), message(someone.id)]), 1);
    assert.equal((await rows(someone.id)).length, 1);
    assert.equal((await rows(nobody)).length, 0);
  });

  it('refuses what a caller got wrong: unknown kind, a link to another site', async () => {
    const someone = await person();
    await assert.rejects(
      notify(db(), message(someone.id, { kind: 'no.such_kind' as NotificationInput['kind'] })),
      /unknown notification kind/,
    );
    await assert.rejects(notify(db(), message(someone.id, { link: '//evil.example/x' })), /path on this site/);
  });

  it('fans out to thousands in one statement, one delivery job per 500', async () => {
    const people = Array.from({ length: 2_400 }, () => uuidv7());
    await sql`insert into persons (id, email) select id, id::text || '@fan.example.jp' from unnest(${people}::uuid[]) as u(id)`.execute(
      db(),
    );
    const jobsBefore = (await deliveryIds()).length;
    const created = await notifyMany(
      db(),
      people.map((personId) => message(personId, { kind: 'outreach.new_post', idempotencyKey: 'post:1' })),
    );
    assert.equal(created, 2_400);
    assert.equal((await deliveryIds()).length - jobsBefore, 2_400);
    const jobs = await db()
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('name', '=', 'outreach.deliver-notifications')
      .where(sql<boolean>`jsonb_array_length(payload->'ids') = 500`)
      .executeTakeFirstOrThrow();
    assert.ok(Number(jobs.count) >= 4);
    assert.equal(
      await notifyMany(
        db(),
        people.map((personId) => message(personId, { kind: 'outreach.new_post', idempotencyKey: 'post:1' })),
      ),
      0,
      'the same fan-out again notifies nobody',
    );
    // Digest is the default for posts: nobody is mailed now.
    await deliverQueued(japanTime('12:00'));
    const states = await db()
      .selectFrom('notifications')
      .select(['email_state', (eb) => eb.fn.countAll<string>().as('count')])
      .where('person_id', '=', sql<string>`any(${people}::uuid[])`)
      .groupBy('email_state')
      .execute();
    assert.deepEqual(
      states.map((row) => [row.email_state, Number(row.count)]),
      [['digest', 2_400]],
    );
  });

  it('mails at once by default, in the person’s language, with unsubscribe links and headers', async () => {
    const english = await person('en');
    await notify(db(), message(english.id));
    await deliverQueued(japanTime('12:00'));
    const [mail] = await mailsTo(english.email);
    assert.equal(mail?.subject, 'Premium registration approved');
    assert.match(mail?.text ?? '', /It is valid for one year\./);
    assert.match(mail?.text ?? '', /http:\/\/localhost:3000\/my\/places/);
    assert.match(
      mail?.text ?? '',
      /Stop e-mail of this kind: http:\/\/localhost:3000\/notifications\/unsubscribe\?token=u1\./,
    );
    assert.deepEqual(mail?.list, {
      unsubscribeUrl: `http://localhost:3000/notifications/unsubscribe?token=${unsubscribeToken(settings.secret, english.id, 'registrations.premium_decision')}`,
      oneClick: true,
    });
    assert.equal((await rows(english.id))[0]?.email_state, 'sent');
  });

  it('reads the address when it sends: a changed address gets the mail, a deleted account none', async () => {
    const moved = await person();
    const gone = await person();
    await notify(db(), message(moved.id));
    await notify(db(), message(gone.id));
    await db()
      .updateTable('persons')
      .set({ email: `new-${moved.email}` })
      .where('id', '=', moved.id)
      .execute();
    await db()
      .updateTable('persons')
      .set({ email: null, status: 'deleted', deleted_at: new Date() })
      .where('id', '=', gone.id)
      .execute();
    await deliverQueued(japanTime('12:00'));
    assert.equal((await mailsTo(`new-${moved.email}`)).length, 1);
    assert.equal((await mailsTo(moved.email)).length, 0);
    assert.equal((await rows(gone.id))[0]?.email_state, 'skipped');
  });

  it('follows the person’s choices per kind and channel', async () => {
    const someone = await person();
    await updateNotificationPreferences({
      db: db(),
      personId: someone.id,
      input: {
        channels: {
          'registrations.premium_decision': { email: 'off' },
          'outreach.saved_search': { inApp: false, email: 'immediate' },
        },
      },
    });
    await notify(db(), message(someone.id));
    await notify(db(), message(someone.id, { kind: 'outreach.saved_search', title: { ja: '新着', en: 'New' } }));
    await deliverQueued(japanTime('12:00'));
    const [decision, saved] = await rows(someone.id);
    assert.equal(decision?.email_state, 'skipped');
    assert.equal(decision?.read_at, null, 'still in the list');
    assert.equal(saved?.email_state, 'sent');
    assert.notEqual(saved?.read_at, null, 'hidden from the list: arrives read');
    const mails = await mailsTo(someone.email);
    assert.deepEqual(
      mails.map((mail) => mail.subject),
      ['【ふるさと住民登録】新着'],
    );
  });

  it('holds mail during quiet hours and sends what waited in one mail when they end; urgent comes through', async () => {
    const someone = await person();
    await updateNotificationPreferences({
      db: db(),
      personId: someone.id,
      input: { quietHours: { start: '22:00', end: '07:00' } },
    });
    const night = japanTime('23:30');
    await notify(db(), message(someone.id, { title: { ja: '一つ目', en: 'One' } }));
    await notify(db(), message(someone.id, { title: { ja: '二つ目', en: 'Two' } }));
    await notify(
      db(),
      message(someone.id, {
        kind: 'activities.session_update',
        title: { ja: '明日の清掃活動は中止です', en: 'Tomorrow’s clean-up is cancelled' },
        urgent: true,
      }),
    );
    const counts = await deliverQueued(night);
    assert.deepEqual({ mailed: counts.mailed, deferred: counts.deferred }, { mailed: 1, deferred: 2 });
    assert.deepEqual(
      (await mailsTo(someone.email)).map((mail) => mail.subject),
      ['【ふるさと住民登録】明日の清掃活動は中止です'],
    );
    const waiting = await db()
      .selectFrom('jobs')
      .select(['payload', 'run_at'])
      .where('name', '=', 'outreach.deliver-deferred')
      .where(sql<boolean>`payload->>'personId' = ${someone.id}`)
      .execute();
    assert.equal(waiting.length, 1, 'one delivery for the end of the quiet hours');
    assert.equal(waiting[0]?.run_at.toISOString(), japanTime('07:00', '2030-06-02').toISOString());

    // A worker that runs early (or the person moved the hours): still quiet, so it waits again.
    assert.deepEqual(
      await deliverDeferred({ db: db(), personId: someone.id, now: japanTime('06:00', '2030-06-02'), settings }),
      {
        mailed: 0,
        pushed: 0,
      },
    );
    assert.equal((await mailsTo(someone.email)).length, 1);
    await deliverDeferred({ db: db(), personId: someone.id, now: japanTime('07:00', '2030-06-02'), settings });
    const mails = await mailsTo(someone.email);
    assert.equal(mails.length, 2);
    assert.equal(mails[1]?.subject, '【ふるさと住民登録】通知を控えていたあいだのお知らせ（2件）');
    assert.match(mails[1]?.text ?? '', /■ 一つ目[\s\S]*■ 二つ目/);
    assert.deepEqual(
      (await rows(someone.id)).map((row) => row.email_state),
      ['sent', 'sent', 'sent'],
    );
    await deliverDeferred({ db: db(), personId: someone.id, now: japanTime('07:05', '2030-06-02'), settings });
    assert.equal((await mailsTo(someone.email)).length, 2, 'nothing twice');
  });

  it('batches digest kinds into one mail a day at the person’s hour', async () => {
    const someone = await person();
    const other = await person();
    await updateNotificationPreferences({ db: db(), personId: someone.id, input: { digestHour: 18 } });
    for (const title of ['神山町の新しいお知らせ', '気仙沼市の夏祭りボランティア募集']) {
      await notify(db(), message(someone.id, { kind: 'outreach.new_post', title: { ja: title, en: title } }));
    }
    await notify(db(), message(other.id, { kind: 'outreach.new_post' }));
    await deliverQueued(japanTime('12:00'));
    assert.equal((await mailsTo(someone.email)).length, 0);

    // The digest runs of the coming day (items older than a day would go out at any hour).
    await sendDigests({ db: db(), now: nextJapanHour(8), settings });
    assert.equal((await mailsTo(someone.email)).length, 0, 'not at another person’s hour');
    assert.equal((await mailsTo(other.email)).length, 1, 'the default hour is 08:00');

    await sendDigests({ db: db(), now: nextJapanHour(18), settings });
    const [digest, ...more] = await mailsTo(someone.email);
    assert.equal(more.length, 0);
    assert.equal(digest?.subject, '【ふるさと住民登録】新しいお知らせ（2件）');
    assert.match(digest?.text ?? '', /■ 神山町の新しいお知らせ[\s\S]*■ 気仙沼市の夏祭りボランティア募集/);
    assert.match(digest?.list?.unsubscribeUrl ?? '', /\/notifications\/unsubscribe\?token=u1\./);
    await sendDigests({ db: db(), now: nextJapanHour(18), settings });
    assert.equal((await mailsTo(someone.email)).length, 1, 'a rerun in the same hour sends nothing');
  });

  it('refuses a digest hour inside the quiet hours, naming the field', async () => {
    const someone = await person();
    await assert.rejects(
      updateNotificationPreferences({
        db: db(),
        personId: someone.id,
        input: { quietHours: { start: '21:00', end: '09:00' }, digestHour: 8 },
      }),
      (error: unknown) =>
        error instanceof Error &&
        'fieldErrors' in error &&
        (error as { fieldErrors: Array<{ field: string }> }).fieldErrors[0]?.field === 'digestHour',
    );
  });
});

describe('notifications over HTTP, SMTP and Web Push', () => {
  let runtime: TestRuntime;
  let push: Awaited<ReturnType<typeof startPushService>>;

  before(async () => {
    runtime = await startTestRuntime();
    push = await startPushService();
    await joinTenant({ db: runtime.database.db, actor: systemActor, lgCode: kesennuma });
  });
  after(async () => {
    await push.close();
    await runtime.close();
  });

  it('lists notifications in the app, counts unread in the header, marks read', async () => {
    const { client, personId } = await signedInClient(runtime, 'list@example.jp');
    await notify(runtime.database.db, message(personId, { idempotencyKey: 'one' }));
    await notify(
      runtime.database.db,
      message(personId, { idempotencyKey: 'two', title: { ja: '二件目', en: 'Second' } }),
    );
    const home = await (await client.get('/')).text();
    assert.match(home, /お知らせ<span class="count-badge">2<span class="visually-hidden">件の未読/);

    const list = (await (await client.get('/api/v1/me/notifications')).json()) as {
      items: Array<{ id: string; title: { ja: string } }>;
      unreadCount: number;
    };
    assert.equal(list.unreadCount, 2);
    assert.deepEqual(
      list.items.map((item) => item.title.ja),
      ['二件目', '気仙沼市のプレミアム登録が承認されました'],
    );
    const page = await (await client.get('/my/notifications')).text();
    assert.match(page, /二件目/);

    const opened = await client.get(`/my/notifications/${list.items[1]!.id}/open`);
    assert.equal(opened.status, 303);
    assert.equal(opened.headers.get('location'), '/my/places');
    const read = await client.sendJson('/api/v1/me/notifications/read', { all: true });
    assert.deepEqual(await read.json(), { marked: 1, unreadCount: 0 });
    assert.doesNotMatch(await (await client.get('/')).text(), /count-badge/);

    const stranger = await signedInClient(runtime, 'stranger@example.jp');
    assert.equal((await stranger.client.get(`/my/notifications/${list.items[0]!.id}/open`)).status, 404);
  });

  it('mails over SMTP with RFC 8058 headers; the link unsubscribes without signing in', async () => {
    const { client, personId } = await signedInClient(runtime, 'mail@example.jp');
    const before = runtime.mail.lastSequence();
    await notify(runtime.database.db, message(personId));
    const mail = await runtime.mail.waitForMail(
      'mail@example.jp',
      (received) => received.sequence > before && received.subject.includes('承認'),
    );
    assert.equal(mail.subject, '【ふるさと住民登録】気仙沼市のプレミアム登録が承認されました');
    assert.match(
      mail.headers['list-unsubscribe'] ?? '',
      /^<http:\/\/localhost:3000\/notifications\/unsubscribe\?token=u1\.[^>]+>$/,
    );
    assert.equal(mail.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
    const url = new URL((mail.headers['list-unsubscribe'] ?? '').slice(1, -1));

    // Someone else's browser (no session, no cookies) sees what the link stops, and nothing changes yet.
    const anonymous = runtime.client();
    const confirm = await anonymous.get(`${url.pathname}${url.search}`);
    assert.equal(confirm.status, 200);
    assert.match(await confirm.text(), /「プレミアム登録の審査結果」のメールを停止しますか？/);

    // The mail provider's one-click POST: no Origin, no cookie, no form token.
    const oneClick = await runtime.app.request(`http://localhost:3000${url.pathname}${url.search}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    assert.equal(oneClick.status, 200);
    const preferences = (await (await client.get('/api/v1/me/notification-preferences')).json()) as {
      kinds: Array<{ kind: string; channels: { email: string } }>;
    };
    assert.equal(
      preferences.kinds.find((entry) => entry.kind === 'registrations.premium_decision')?.channels.email,
      'off',
    );
    assert.equal(
      preferences.kinds.find((entry) => entry.kind === 'registrations.stay_question')?.channels.email,
      'immediate',
    );

    const tampered = await runtime.app.request(
      `http://localhost:3000${url.pathname}?token=${url.searchParams.get('token')}x`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      },
    );
    assert.equal(tampered.status, 400);
    assert.equal((await anonymous.get(`${url.pathname}?token=u1.bad.link`)).status, 400);

    // The next decision reaches the list but no mailbox.
    await notify(runtime.database.db, message(personId, { title: { ja: '却下', en: 'Rejected' } }));
    await runtime.jobs.drain();
    const row = await runtime.database.db
      .selectFrom('notifications')
      .select('email_state')
      .where('person_id', '=', personId)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(row.email_state, 'skipped');
  });

  it('the confirmation page’s button stops every notification mail with the “all” link', async () => {
    const { personId } = await signedInClient(runtime, 'all@example.jp');
    const anonymous = runtime.client();
    const token = unsubscribeToken(settings.secret, personId, 'all');
    const done = await anonymous.postForm(`/notifications/unsubscribe?token=${token}`);
    assert.equal(done.status, 200);
    assert.match(await done.text(), /すべてのお知らせメールを停止しました/);
    const row = await runtime.database.db
      .selectFrom('notification_preferences')
      .select('email_paused')
      .where('person_id', '=', personId)
      .executeTakeFirstOrThrow();
    assert.equal(row.email_paused, true);
  });

  it('delivers Web Push to the browser’s push service: VAPID-signed, encrypted for that browser', async () => {
    const { client, personId } = await signedInClient(runtime, 'push@example.jp');
    const browser = push.subscription();
    const subscribed = await client.sendJson('/api/v1/me/push-subscriptions', {
      endpoint: browser.endpoint,
      keys: browser.keys,
    });
    assert.equal(subscribed.status, 201);
    await notify(runtime.database.db, message(personId, { link: '/my/places/042056/card' }));
    const [received] = await push.waitFor(browser.endpoint);
    assert.deepEqual(received?.message, {
      title: '気仙沼市のプレミアム登録が承認されました',
      body: '有効期間は1年です。',
      url: 'http://localhost:3000/my/places/042056/card',
      tag: received?.message.tag,
    });
    assert.equal(received?.vapid.aud, push.origin);
    assert.equal(received?.vapid.sub, 'mailto:no-reply@furusato.localhost');
    assert.equal(received?.vapid.publicKey, settings.webPush?.publicKey);
    assert.ok((received?.vapid.exp ?? 0) * 1000 > Date.now());
    assert.equal(received?.headers.urgency, 'normal');

    // The browser dropped the subscription: the push service answers 410 and we forget it.
    push.answer(browser.endpoint, 410);
    await notify(runtime.database.db, message(personId, { title: { ja: '二通目', en: 'Second' } }));
    await push.waitFor(browser.endpoint, 2);
    // The job that got the 410 is still finishing when the push service has answered: wait for it.
    const left = async () =>
      runtime.database.db.selectFrom('push_subscriptions').select('id').where('person_id', '=', personId).execute();
    for (let tries = 0; tries < 100 && (await left()).length > 0; tries += 1) await delay(50);
    assert.deepEqual(await left(), []);
  });

  it('refuses a push endpoint that is not a push service, and bad keys', async () => {
    const { client } = await signedInClient(runtime, 'evil@example.jp');
    const browser = push.subscription();
    const outside = await client.sendJson('/api/v1/me/push-subscriptions', {
      endpoint: 'https://internal.example.jp/admin',
      keys: browser.keys,
    });
    assert.equal(outside.status, 422);
    assert.equal(((await outside.json()) as { code: string }).code, 'push_endpoint_not_allowed');
    const badKey = await client.sendJson('/api/v1/me/push-subscriptions', {
      endpoint: browser.endpoint,
      keys: { p256dh: 'AAAA', auth: browser.keys.auth },
    });
    assert.equal(badKey.status, 400);
  });

  it('saves preferences from the settings page; a bad combination is explained', async () => {
    const { client } = await signedInClient(runtime, 'settings@example.jp');
    const page = await (await client.get('/my/notifications/settings')).text();
    assert.match(page, /通知を控える時間/);
    assert.match(page, /data-vapid-key="B/);
    const fields: Record<string, string> = {
      'email.registrations.premium_decision': 'immediate',
      'inApp.registrations.premium_decision': 'on',
      'email.registrations.stay_question': 'immediate',
      'inApp.registrations.stay_question': 'on',
      'email.outreach.new_post': 'off',
      'inApp.outreach.new_post': 'on',
      'email.outreach.saved_search': 'digest',
      'inApp.outreach.saved_search': 'on',
      'push.outreach.saved_search': 'on',
      'email.activities.session_update': 'immediate',
      quietEnabled: 'on',
      quietStart: '22:30',
      quietEnd: '06:30',
      digestHour: '19',
    };
    const saved = await client.postForm('/my/notifications/settings', fields);
    assert.equal(saved.status, 303);
    const preferences = (await (await client.get('/api/v1/me/notification-preferences')).json()) as {
      quietHours: { start: string; end: string };
      digestHour: number;
      kinds: Array<{ kind: string; channels: { inApp: boolean; email: string; push: boolean } }>;
    };
    assert.deepEqual(preferences.quietHours, { start: '22:30', end: '06:30' });
    assert.equal(preferences.digestHour, 19);
    const byKind = Object.fromEntries(preferences.kinds.map((entry) => [entry.kind, entry.channels]));
    assert.deepEqual(byKind['outreach.new_post'], { inApp: true, email: 'off', push: false });
    assert.deepEqual(byKind['outreach.saved_search'], { inApp: true, email: 'digest', push: true });
    assert.deepEqual(byKind['activities.session_update'], { inApp: false, email: 'immediate', push: false });

    const refused = await client.postForm('/my/notifications/settings', { ...fields, digestHour: '23' });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /まとめて送る時刻が、通知を控える時間帯に入っています/);
  });

  it('serves the service worker from the site itself', async () => {
    const worker = await runtime.client().get('/sw.js');
    assert.equal(worker.status, 200);
    assert.match(worker.headers.get('content-type') ?? '', /javascript/);
    assert.match(await worker.text(), /showNotification/);
  });
});
