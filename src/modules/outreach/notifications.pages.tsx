import type { Context, MiddlewareHandler } from 'hono';
import { AppError, problemCatalog } from '../../platform/errors.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { tokenAuthorisedPostPaths } from '../../platform/http/csrf.js';
import { requireSession } from '../../platform/http/session.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { islandBundle } from '../../platform/ui/islands/bundle.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import {
  countUnreadNotifications,
  describeUnsubscribe,
  getNotificationPreferences,
  listMyNotifications,
  markNotificationsRead,
  openNotification,
  unsubscribe,
  unsubscribeFromPush,
  updateNotificationPreferences,
  type NotificationItem,
  type PreferencesInput,
} from './notifications.service.js';

const unsubscribePath = '/notifications/unsubscribe';
// RFC 8058: the mail provider posts `List-Unsubscribe=One-Click` here from its own servers.
tokenAuthorisedPostPaths.add(unsubscribePath);

const titles = {
  list: { ja: 'お知らせ', en: 'Notifications' },
  settings: { ja: '通知の設定', en: 'Notification settings' },
  unsubscribe: { ja: 'メールの配信停止', en: 'Unsubscribe' },
} satisfies Record<string, Localized>;

const emailChoiceLabels: Record<'immediate' | 'digest' | 'off', Localized> = {
  immediate: { ja: 'すぐに送る', en: 'At once' },
  digest: { ja: '1日1回まとめて', en: 'Daily digest' },
  off: { ja: '送らない', en: 'Off' },
};

type FormBody = Record<string, string | File | (string | File)[]>;

function formValue(body: FormBody, name: string): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
}

function db(c: Context<AppEnv>) {
  return c.get('deps').database.db;
}

function errorText(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  const detail = page.t(error.detail ?? { ja: entry.ja.detail, en: entry.en.detail });
  const fields = error.fieldErrors.map((field) => `${field.field}: ${field.message}`);
  return fields.length > 0 && !error.detail ? `${detail} (${fields.join(', ')})` : detail;
}

function dateTimeText(page: PageContext, date: Date): string {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Tokyo',
  }).format(date);
}

/** Personal pages are not kept by the browser or a proxy (shared PCs). */
function personalPage(c: Context<AppEnv>, element: unknown, status: 200 | 400 | 404 = 200) {
  c.header('Cache-Control', 'no-store');
  return renderPage(c, element, status);
}

/**
 * Puts the signed-in person's unread count where the layout's header finds it. Pages only: API calls,
 * assets and the service worker do not need it.
 */
export const loadUnreadNotifications: MiddlewareHandler<AppEnv> = async (c, next) => {
  const session = c.get('session');
  const path = c.req.path;
  const page =
    !path.startsWith('/api/') && !path.startsWith('/assets/') && !path.includes('/images/') && path !== '/sw.js';
  if (session && c.req.method === 'GET' && page) {
    try {
      c.set('unreadNotifications', await countUnreadNotifications({ db: db(c), personId: session.personId }));
    } catch {
      // The header is not worth failing a page for; the page itself reports a database outage.
    }
  }
  await next();
};

function NotificationEntry(props: { page: PageContext; item: NotificationItem }) {
  const { page, item } = props;
  const { t } = page;
  return (
    <li class={item.readAt ? 'notification' : 'notification notification--unread'}>
      <p class="notification__title">
        {!item.readAt && <span class="badge">{t({ ja: '未読', en: 'New' })}</span>}{' '}
        {item.urgent && <span class="badge badge--urgent">{t({ ja: '重要', en: 'Important' })}</span>}{' '}
        <a href={`/my/notifications/${item.id}/open`}>{t(item.title)}</a>
      </p>
      <p class="notification__body">{t(item.body)}</p>
      <p class="muted">
        <time datetime={item.createdAt.toISOString()}>{dateTimeText(page, item.createdAt)}</time>
        {!item.readAt && (
          <PostForm page={page} action={`/my/notifications/${item.id}/read`} class="inline-form">
            <button type="submit" class="link-button">
              {t({ ja: '既読にする', en: 'Mark as read' })}
            </button>
          </PostForm>
        )}
      </p>
    </li>
  );
}

async function listPage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const unreadOnly = c.req.query('unread') === 'true';
  const cursor = c.req.query('cursor');
  const result = await listMyNotifications({
    db: db(c),
    personId: session.personId,
    unreadOnly,
    ...(cursor ? { cursor } : {}),
  });
  page.unreadNotifications = result.unreadCount;
  const notice = c.req.query('notice');
  return personalPage(
    c,
    <Layout page={page} title={titles.list}>
      <h1>{t(titles.list)}</h1>
      {notice === 'read_all' && (
        <Notice kind="success">{t({ ja: 'すべて既読にしました。', en: 'All marked as read.' })}</Notice>
      )}
      <p>
        {t({ ja: `未読 ${result.unreadCount}件`, en: `${result.unreadCount} unread` })}
        {' · '}
        {unreadOnly ? (
          <a href="/my/notifications">{t({ ja: 'すべて表示', en: 'Show all' })}</a>
        ) : (
          <a href="/my/notifications?unread=true">{t({ ja: '未読だけ表示', en: 'Unread only' })}</a>
        )}
        {' · '}
        <a href="/my/notifications/settings">{t(titles.settings)}</a>
      </p>
      {result.unreadCount > 0 && (
        <PostForm page={page} action="/my/notifications/read-all">
          <button type="submit" class="button button--secondary">
            {t({ ja: 'すべて既読にする', en: 'Mark all as read' })}
          </button>
        </PostForm>
      )}
      {result.items.length === 0 ? (
        <p>{t({ ja: 'お知らせはありません。', en: 'No notifications.' })}</p>
      ) : (
        <ul class="notification-list">
          {result.items.map((item) => (
            <NotificationEntry page={page} item={item} />
          ))}
        </ul>
      )}
      {result.nextCursor && (
        <p class="pager">
          <a
            href={`/my/notifications?${new URLSearchParams({ ...(unreadOnly ? { unread: 'true' } : {}), cursor: result.nextCursor })}`}
          >
            {t({ ja: 'さらに古いお知らせ', en: 'Older notifications' })}
          </a>
        </p>
      )}
    </Layout>,
  );
}

const hours = Array.from({ length: 24 }, (_, hour) => hour);

async function settingsPage(c: Context<AppEnv>, state: { error?: AppError; notice?: string } = {}) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const preferences = await getNotificationPreferences({ db: db(c), personId: session.personId });
  const push = c.get('deps').config.webPush;
  const notice = state.notice ?? c.req.query('notice');
  return personalPage(
    c,
    <Layout page={page} title={titles.settings}>
      <h1>{t(titles.settings)}</h1>
      {state.error && <Notice kind="error">{errorText(page, state.error)}</Notice>}
      {notice === 'saved' && <Notice kind="success">{t({ ja: '保存しました。', en: 'Saved.' })}</Notice>}
      {notice === 'device_removed' && (
        <Notice kind="success">
          {t({ ja: 'この端末へのプッシュ通知を止めました。', en: 'Push notifications to that device stopped.' })}
        </Notice>
      )}
      <PostForm page={page} action="/my/notifications/settings" class="form-stack">
        <fieldset>
          <legend>{t({ ja: '種類ごとの受け取り方', en: 'How you receive each kind' })}</legend>
          <table class="preferences-table">
            <thead>
              <tr>
                <th scope="col">{t({ ja: '種類', en: 'Kind' })}</th>
                <th scope="col">{t({ ja: 'サイト内', en: 'In the site' })}</th>
                <th scope="col">{t({ ja: 'メール', en: 'E-mail' })}</th>
                <th scope="col">{t({ ja: 'プッシュ通知', en: 'Push' })}</th>
              </tr>
            </thead>
            <tbody>
              {preferences.kinds.map((entry) => (
                <tr>
                  <th scope="row">
                    {t(entry.label)}
                    <br />
                    <span class="muted">{t(entry.description)}</span>
                  </th>
                  <td>
                    <label class="checkbox">
                      <input type="checkbox" name={`inApp.${entry.kind}`} value="on" checked={entry.channels.inApp} />
                      <span class="visually-hidden">{`${t(entry.label)}: ${t({ ja: 'サイト内', en: 'In the site' })}`}</span>
                    </label>
                  </td>
                  <td>
                    <select
                      name={`email.${entry.kind}`}
                      aria-label={`${t(entry.label)}: ${t({ ja: 'メール', en: 'E-mail' })}`}
                    >
                      {(['immediate', 'digest', 'off'] as const)
                        .filter((choice) => choice !== 'off' || !entry.emailRequired)
                        .map((choice) => (
                          <option value={choice} selected={entry.channels.email === choice}>
                            {t(emailChoiceLabels[choice])}
                          </option>
                        ))}
                    </select>
                  </td>
                  <td>
                    <label class="checkbox">
                      <input type="checkbox" name={`push.${entry.kind}`} value="on" checked={entry.channels.push} />
                      <span class="visually-hidden">{`${t(entry.label)}: ${t({ ja: 'プッシュ通知', en: 'Push' })}`}</span>
                    </label>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </fieldset>
        <fieldset>
          <legend>{t({ ja: '通知を控える時間（日本時間）', en: 'Quiet hours (Japan time)' })}</legend>
          <p class="muted">
            {t({
              ja: 'この時間のあいだはメールとプッシュ通知を送らず、終わってからまとめて送ります。重要なお知らせ（翌日の活動の中止など）は届きます。',
              en: 'During these hours no e-mail or push is sent; what arrives is sent together when they end. Important notices (an activity tomorrow cancelled) still come.',
            })}
          </p>
          <label class="checkbox">
            <input type="checkbox" name="quietEnabled" value="on" checked={preferences.quietHours !== null} />
            {t({ ja: '通知を控える時間を使う', en: 'Use quiet hours' })}
          </label>
          <div class="field">
            <label for="quiet-start">{t({ ja: '開始', en: 'From' })}</label>
            <input id="quiet-start" type="time" name="quietStart" value={preferences.quietHours?.start ?? '22:00'} />
          </div>
          <div class="field">
            <label for="quiet-end">{t({ ja: '終了', en: 'Until' })}</label>
            <input id="quiet-end" type="time" name="quietEnd" value={preferences.quietHours?.end ?? '07:00'} />
          </div>
        </fieldset>
        <fieldset>
          <legend>{t({ ja: 'まとめて送るメール', en: 'Daily digest' })}</legend>
          <div class="field">
            <label for="digest-hour">{t({ ja: '送る時刻（日本時間）', en: 'Hour (Japan time)' })}</label>
            <select id="digest-hour" name="digestHour">
              {hours.map((hour) => (
                <option value={String(hour)} selected={preferences.digestHour === hour}>
                  {`${String(hour).padStart(2, '0')}:00`}
                </option>
              ))}
            </select>
          </div>
          <label class="checkbox">
            <input type="checkbox" name="emailPaused" value="on" checked={preferences.emailPaused} />
            {t({ ja: 'お知らせのメールをすべて止める', en: 'Stop all notification e-mail' })}
          </label>
        </fieldset>
        <p>
          <button type="submit" class="button">
            {t({ ja: '保存する', en: 'Save' })}
          </button>
        </p>
      </PostForm>
      <section aria-labelledby="push-heading">
        <h2 id="push-heading">{t({ ja: 'プッシュ通知', en: 'Push notifications' })}</h2>
        {push ? (
          <div
            data-push-subscribe
            data-vapid-key={push.publicKey}
            data-msg-unsupported={t({
              ja: 'このブラウザはプッシュ通知に対応していません。',
              en: 'This browser does not support push notifications.',
            })}
            data-msg-denied={t({
              ja: 'ブラウザで通知が許可されていません。ブラウザの設定から許可してください。',
              en: 'Notifications are blocked in this browser. Allow them in the browser settings.',
            })}
            data-msg-on={t({
              ja: 'このブラウザでプッシュ通知を受け取ります。',
              en: 'This browser receives push notifications.',
            })}
            data-msg-off={t({
              ja: 'このブラウザではプッシュ通知を受け取っていません。',
              en: 'This browser does not receive push notifications.',
            })}
            data-msg-failed={t({
              ja: '設定できませんでした。しばらくしてから、もう一度お試しください。',
              en: 'That did not work. Please try again later.',
            })}
          >
            <p data-push-status role="status">
              {t({
                ja: 'プッシュ通知の設定には JavaScript が必要です。',
                en: 'Setting up push notifications needs JavaScript.',
              })}
            </p>
            <p>
              <button type="button" class="button" data-push-on hidden>
                {t({ ja: 'このブラウザで受け取る', en: 'Receive in this browser' })}
              </button>{' '}
              <button type="button" class="button button--secondary" data-push-off hidden>
                {t({ ja: 'このブラウザでは受け取らない', en: 'Stop in this browser' })}
              </button>
            </p>
          </div>
        ) : (
          <p>
            {t({ ja: 'このサイトではプッシュ通知を使えません。', en: 'Push notifications are not available here.' })}
          </p>
        )}
        {preferences.pushDevices.length > 0 && (
          <>
            <h3>{t({ ja: '受け取っている端末', en: 'Devices receiving push' })}</h3>
            <ul class="result-list">
              {preferences.pushDevices.map((device) => (
                <li>
                  {device.deviceLabel || t({ ja: 'ブラウザ', en: 'Browser' })}{' '}
                  <span class="muted">
                    {t({ ja: '登録: ', en: 'Added: ' })}
                    {dateTimeText(page, device.createdAt)}
                  </span>{' '}
                  <PostForm page={page} action={`/my/notifications/devices/${device.id}/remove`} class="inline-form">
                    <button type="submit" class="link-button">
                      {t({ ja: '止める', en: 'Stop' })}
                    </button>
                  </PostForm>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <script src="/assets/push-subscribe.js" defer></script>
    </Layout>,
    state.error ? 400 : 200,
  );
}

/** The settings form as the service's input: a checkbox left out is off, every kind is sent. */
function preferencesFromForm(body: FormBody, kinds: readonly string[]): PreferencesInput {
  const channels: NonNullable<PreferencesInput['channels']> = {};
  for (const kind of kinds) {
    const email = formValue(body, `email.${kind}`);
    channels[kind] = {
      inApp: formValue(body, `inApp.${kind}`) === 'on',
      push: formValue(body, `push.${kind}`) === 'on',
      ...(email === 'immediate' || email === 'digest' || email === 'off' ? { email } : {}),
    };
  }
  const digestHour = Number(formValue(body, 'digestHour'));
  return {
    channels,
    quietHours:
      formValue(body, 'quietEnabled') === 'on'
        ? { start: formValue(body, 'quietStart'), end: formValue(body, 'quietEnd') }
        : null,
    ...(Number.isInteger(digestHour) ? { digestHour } : {}),
    emailPaused: formValue(body, 'emailPaused') === 'on',
  } as PreferencesInput;
}

async function unsubscribePage(c: Context<AppEnv>) {
  const page = pageContext(c);
  const { t } = page;
  const token = c.req.query('token') ?? '';
  const { config } = c.get('deps');
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  let what: Localized;
  try {
    what = describeUnsubscribe({ secret: config.APP_SECRET, token }).label;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return renderPage(
      c,
      <Layout page={page} title={titles.unsubscribe}>
        <h1>{t(titles.unsubscribe)}</h1>
        <Notice kind="error">{errorText(page, error)}</Notice>
        <p>
          <a href="/my/notifications/settings">{t(titles.settings)}</a>
        </p>
      </Layout>,
      400,
    );
  }
  return renderPage(
    c,
    <Layout page={page} title={titles.unsubscribe}>
      <h1>{t(titles.unsubscribe)}</h1>
      <p>{t({ ja: `${what.ja}を停止しますか？`, en: `Stop ${what.en}?` })}</p>
      <p class="muted">
        {t({
          ja: 'サイト内のお知らせは、これまでどおり表示されます。あとから通知の設定で元に戻せます。',
          en: 'Notifications in the site stay. You can turn the mail back on in the notification settings.',
        })}
      </p>
      <PostForm page={page} action={`${unsubscribePath}?token=${encodeURIComponent(token)}`}>
        <button type="submit" class="button">
          {t({ ja: '停止する', en: 'Unsubscribe' })}
        </button>
      </PostForm>
    </Layout>,
  );
}

async function unsubscribeSubmit(c: Context<AppEnv>) {
  const token = c.req.query('token') ?? '';
  const { config, database } = c.get('deps');
  const body = (await c.req.parseBody()) as FormBody;
  const oneClick = formValue(body, 'List-Unsubscribe') === 'One-Click';
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  if (oneClick) {
    // The mail client needs a 2xx and nothing else (RFC 8058 §3.2); a bad token is a plain 400.
    try {
      await unsubscribe({ db: database.db, secret: config.APP_SECRET, token, requestId: c.get('requestId') });
    } catch (error) {
      if (error instanceof AppError && error.code === 'unsubscribe_link_invalid') return c.text('invalid link', 400);
      throw error;
    }
    return c.text('unsubscribed', 200);
  }
  const page = pageContext(c);
  const { t } = page;
  const done = await unsubscribe({ db: database.db, secret: config.APP_SECRET, token, requestId: c.get('requestId') });
  return renderPage(
    c,
    <Layout page={page} title={titles.unsubscribe}>
      <h1>{t(titles.unsubscribe)}</h1>
      <Notice kind="success">{t({ ja: `${done.label.ja}を停止しました。`, en: `Stopped ${done.label.en}.` })}</Notice>
      <p>
        <a href="/my/notifications/settings">{t(titles.settings)}</a>
      </p>
    </Layout>,
  );
}

export function notificationPages(): AppRouter {
  const router = createRouter();

  router.get('/my/notifications', listPage);

  router.post('/my/notifications/read-all', async (c) => {
    const session = requireSession(c);
    await markNotificationsRead({ db: db(c), personId: session.personId, ids: 'all' });
    return c.redirect('/my/notifications?notice=read_all', 303);
  });

  router.get('/my/notifications/settings', (c) => settingsPage(c));

  router.post('/my/notifications/settings', async (c) => {
    const session = requireSession(c);
    const body = (await c.req.parseBody()) as FormBody;
    const current = await getNotificationPreferences({ db: db(c), personId: session.personId });
    try {
      await updateNotificationPreferences({
        db: db(c),
        personId: session.personId,
        input: preferencesFromForm(
          body,
          current.kinds.map((entry) => entry.kind),
        ),
        requestId: c.get('requestId'),
      });
    } catch (error) {
      if (error instanceof AppError && error.status < 500) return settingsPage(c, { error });
      throw error;
    }
    return c.redirect('/my/notifications/settings?notice=saved', 303);
  });

  router.post('/my/notifications/devices/:id/remove', async (c) => {
    const session = requireSession(c);
    await unsubscribeFromPush({
      db: db(c),
      personId: session.personId,
      subscriptionId: c.req.param('id'),
      requestId: c.get('requestId'),
    });
    return c.redirect('/my/notifications/settings?notice=device_removed', 303);
  });

  router.get('/my/notifications/:id/open', async (c) => {
    const session = requireSession(c);
    return c.redirect(await openNotification({ db: db(c), personId: session.personId, id: c.req.param('id') }), 303);
  });

  router.post('/my/notifications/:id/read', async (c) => {
    const session = requireSession(c);
    const id = c.req.param('id');
    await markNotificationsRead({ db: db(c), personId: session.personId, ids: [id] });
    return c.redirect('/my/notifications', 303);
  });

  router.get(unsubscribePath, unsubscribePage);
  router.post(unsubscribePath, unsubscribeSubmit);

  // The service worker must come from our origin, at the root so that it may control every page.
  router.get('/sw.js', async (c) =>
    c.body(new Uint8Array(await islandBundle('push-sw')), 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'no-cache',
    }),
  );

  return router;
}
