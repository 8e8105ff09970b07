import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createHmac } from 'node:crypto';
import { safeEqual } from '../../platform/auth/secrets.js';
import { AppError, problemCatalog } from '../../platform/errors.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { requireSession } from '../../platform/http/session.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { islandBundle } from '../../platform/ui/islands/bundle.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import { withStaffArea, StaffNav } from '../staff/index.js';
import { sessionTimeText } from './activities.format.js';
import { checkInWithCode, getSessionCodeKey, readCheckinCode, type RecordedAttendance } from './attendance.service.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import * as projects from './projects.repository.js';

const titles = {
  organiser: { ja: 'チェックイン受付', en: 'Check-in desk' },
  participant: { ja: 'チェックイン', en: 'Check in' },
  confirm: { ja: 'チェックインの確認', en: 'Confirm check-in' },
  done: { ja: 'チェックインしました', en: 'Checked in' },
} satisfies Record<string, Localized>;

function deps(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config, requestId: c.get('requestId') };
}

function errorText(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  return page.t(error.detail ?? { ja: entry.ja.detail, en: entry.en.detail });
}

/** data-msg-* attributes: the islands speak the page's language. */
function messages(page: PageContext, entries: Record<string, Localized>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).map(([name, text]) => [`data-msg-${name}`, page.t(text)]));
}

// ─────────────── The organiser's check-in desk: /staff/{lgCode}/sessions/{id}/check-in ───────────────

async function organiserPage(c: Context<AppEnv>) {
  return withStaffArea(c, async (area) => {
    const page = pageContext(c);
    const { t } = page;
    const lgCode = area.tenant.lgCode;
    const sessionId = c.req.param('sessionId') ?? '';
    const key = await getSessionCodeKey({ ...deps(c), actor: area.actor, lgCode, sessionId });
    const base = `/staff/${lgCode}`;
    const islandMessages = messages(page, {
      online: { ja: 'オンライン：読み取った記録はすぐに送信されます', en: 'Online: scans are sent at once' },
      offline: {
        ja: 'オフライン：読み取った記録はこの端末に保存され、接続が戻ると自動で送信されます',
        en: 'Offline: scans are kept on this device and sent automatically when the connection returns',
      },
      'queue-empty': { ja: '送信待ちはありません', en: 'Nothing waiting to be sent' },
      'queue-waiting': { ja: '送信待ち {count}件', en: '{count} waiting to be sent' },
      queued: { ja: '読み取り済み（送信待ち）', en: 'scanned (waiting to be sent)' },
      recorded: { ja: 'さんの出席を記録しました', en: 'is checked in' },
      already: { ja: 'さんは本日すでに記録済みです', en: 'was already checked in today' },
      refused: { ja: '記録できませんでした', en: 'Not recorded' },
      'no-name': { ja: '（お名前の共有なし）', en: '(name not shared)' },
      'camera-start': { ja: 'カメラで登録証を読み取る', en: 'Scan cards with the camera' },
      'camera-stop': { ja: 'カメラを止める', en: 'Stop the camera' },
      'camera-on': { ja: '登録証のQRコードをカメラに向けてください', en: 'Hold the card’s QR code to the camera' },
      'sign-in-again': {
        ja: '送信するには、ログインまたは二段階認証をやり直してください。読み取った記録はこの端末に残っています。',
        en: 'To send, sign in or confirm the second factor again. The scans are kept on this device.',
      },
      'no-crypto': {
        ja: 'この画面ではQRコードを表示できません（HTTPSで開いてください）。',
        en: 'The code cannot be shown here (open the page over HTTPS).',
      },
    });
    c.header('Cache-Control', 'no-store');
    return renderPage(
      c,
      <Layout page={page} title={titles.organiser}>
        <StaffNav page={page} area={area} current={`${base}/projects`} />
        <p>
          <a href={`${base}/sessions/${key.sessionId}`}>{t({ ja: '← 参加者名簿へ', en: '← Back to the roster' })}</a>
        </p>
        <h1>{t(titles.organiser)}</h1>
        <p class="lead">
          {key.projectTitle} — {sessionTimeText(key.startsAt, key.endsAt, page.locale)}
        </p>
        {key.status === 'cancelled' && (
          <Notice kind="error">{t({ ja: 'この回は中止されています。', en: 'This session is cancelled.' })}</Notice>
        )}
        <div
          class="checkin-desk"
          data-checkin-organiser
          data-lg-code={key.lgCode}
          data-session-id={key.sessionId}
          data-key={key.key}
          data-code-base={key.codeBase}
          data-server-time={key.serverTime.toISOString()}
          data-slot-seconds={String(key.slotSeconds)}
          data-sync-url={`/api/v1/tenants/${key.lgCode}/sessions/${key.sessionId}/attendance/sync`}
          data-sw-url="/staff/checkin-sw.js"
          {...islandMessages}
        >
          <p class="checkin-desk__network" data-network aria-live="polite">
            {t({ ja: '準備しています…', en: 'Getting ready…' })}
          </p>
          <section aria-labelledby="venue-code">
            <h2 id="venue-code">
              {t({ ja: '① 会場のQRコード（参加者が読み取ります）', en: '① Venue code (participants scan it)' })}
            </h2>
            <p>
              {t({
                ja: '参加者はスマートフォンでこのQRコードを読み取ってチェックインします。QRコードは30秒ごとに変わるため、写真で共有しても使えません。ネットワークがなくても表示できます。',
                en: 'Participants check in by scanning this code with their phone. It changes every 30 seconds, so a photo of it soon stops working. It is shown even without network.',
              })}
            </p>
            <figure class="checkin-desk__code">
              <canvas
                data-session-qr
                width="320"
                height="320"
                role="img"
                aria-label={t({ ja: 'チェックイン用QRコード', en: 'Check-in QR code' })}
              />
              <figcaption data-qr-countdown aria-live="off">
                {t({
                  ja: 'QRコードを表示するには JavaScript を有効にしてください。',
                  en: 'Turn on JavaScript to show the code.',
                })}
              </figcaption>
            </figure>
          </section>
          <section aria-labelledby="card-scan">
            <h2 id="card-scan">
              {t({ ja: '② 参加者の登録証を読み取る', en: "② Scan participants' registration cards" })}
            </h2>
            <p>
              {t({
                ja: 'スマートフォンを持っていない方、読み取りがうまくいかない方は、登録証のQRコードをこちらで読み取ります。バーコードリーダーもこの欄で使えます。',
                en: 'For people without a phone at hand, scan their registration card here. A barcode reader also types into this field.',
              })}
            </p>
            <p>
              <button type="button" class="button" data-camera>
                {t({ ja: 'カメラで登録証を読み取る', en: 'Scan cards with the camera' })}
              </button>
            </p>
            <video
              data-camera-view
              hidden
              class="checkin-desk__camera"
              aria-label={t({ ja: 'カメラの映像', en: 'Camera view' })}
            />
            <p data-camera-status aria-live="polite" />
            <form data-scan-form class="checkin-desk__scan">
              <label for="scanned">{t({ ja: '読み取った内容', en: 'Scanned text' })}</label>
              <input id="scanned" name="scanned" type="text" autocomplete="off" inputmode="url" maxlength={2048} />
              <button type="submit" class="button button--secondary">
                {t({ ja: '記録する', en: 'Record' })}
              </button>
            </form>
          </section>
          <section aria-labelledby="scan-log">
            <h2 id="scan-log">{t({ ja: '記録', en: 'Log' })}</h2>
            <p data-queue-count aria-live="polite" />
            <p>
              <button type="button" class="button button--secondary" data-sync-now hidden>
                {t({ ja: '今すぐ送信する', en: 'Send now' })}
              </button>
            </p>
            <ol data-results class="checkin-desk__results" aria-live="polite" />
          </section>
        </div>
        <script src="/assets/checkin-organiser.js" defer />
      </Layout>,
    );
  });
}

// ─────────────── The participant: /my/check-in, /c/{…} and /checkin/confirm ───────────────

async function participantPage(c: Context<AppEnv>) {
  requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const sessionId = c.req.query('session');
  const islandMessages = messages(page, {
    'camera-start': { ja: 'カメラを起動してQRコードを読み取る', en: 'Start the camera and scan the code' },
    'camera-stop': { ja: 'カメラを止める', en: 'Stop the camera' },
    'camera-on': {
      ja: '主催者の画面のQRコードをカメラに向けてください',
      en: "Point the camera at the code on the organiser's screen",
    },
    recorded: { ja: 'チェックインしました：', en: 'Checked in:' },
    already: { ja: '本日はすでにチェックイン済みです：', en: 'Already checked in today:' },
    designated: { ja: '（プレミアム登録の要件に数えられる活動です）', en: '(counts for premium registration)' },
    failed: { ja: 'チェックインできませんでした。', en: 'Check-in failed.' },
    offline: {
      ja: 'ネットワークに接続できません。電波のある場所で、もう一度読み取ってください。主催者に登録証を読み取ってもらうこともできます。',
      en: 'No network. Scan again where there is a signal, or ask the organiser to scan your registration card.',
    },
    'sign-in': { ja: 'ログインしてから、もう一度読み取ってください。', en: 'Please sign in and scan again.' },
  });
  return renderPage(
    c,
    <Layout page={page} title={titles.participant}>
      <h1>{t(titles.participant)}</h1>
      <div
        class="checkin-participant"
        data-checkin-participant
        data-checkin-url="/api/v1/me/check-ins"
        {...(sessionId && /^[0-9a-f-]{36}$/.test(sessionId) ? { 'data-session-id': sessionId } : {})}
        {...islandMessages}
      >
        <p>
          {t({
            ja: '会場で、主催者の画面に表示されているQRコードを読み取ってください。',
            en: "At the venue, scan the code shown on the organiser's screen.",
          })}
        </p>
        <p>
          <button type="button" class="button" data-camera hidden>
            {t({ ja: 'カメラを起動してQRコードを読み取る', en: 'Start the camera and scan the code' })}
          </button>
        </p>
        <video
          data-camera-view
          hidden
          class="checkin-participant__camera"
          aria-label={t({ ja: 'カメラの映像', en: 'Camera view' })}
        />
        <p data-camera-status aria-live="polite" />
        <div data-checkin-result hidden />
        <h2>{t({ ja: 'カメラアプリで読み取る場合', en: "With the phone's camera app" })}</h2>
        <p>
          {t({
            ja: 'スマートフォンのカメラアプリでQRコードを読み取ると、チェックインの画面が開きます。画面の「チェックインする」を押してください。',
            en: "Scanning the code with the phone's camera app opens the check-in page: press 「チェックインする」 (Check in) there.",
          })}
        </p>
        <p>
          <a href="/my/activities">{t({ ja: 'わたしの活動へ', en: 'My activities' })}</a>
        </p>
      </div>
      <script src="/assets/checkin-participant.js" defer />
    </Layout>,
  );
}

/**
 * A code opened by a phone's camera app: checked now, while it is fresh, and remembered in a short-lived
 * signed cookie of this browser, so that signing in first (which takes longer than the code lives) does
 * not lose the visit. The check-in itself is a POST from the confirmation page.
 */
const ticketCookie = 'checkin_ticket';
const ticketLifetimeSeconds = 15 * 60;
const ticketContext = 'furusato:checkin-ticket:v1';

function signTicket(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`${ticketContext}:${payload}`).digest('base64url');
}

function issueTicket(c: Context<AppEnv>, code: string, seenAt: Date): void {
  const { config } = deps(c);
  const payload = Buffer.from(JSON.stringify({ code, seenAt: seenAt.toISOString() })).toString('base64url');
  setCookie(c, ticketCookie, `${payload}.${signTicket(config.APP_SECRET, payload)}`, {
    path: '/checkin',
    httpOnly: true,
    sameSite: 'Lax',
    secure: config.NODE_ENV === 'production',
    maxAge: ticketLifetimeSeconds,
  });
}

function readTicket(c: Context<AppEnv>): { code: string; seenAt: Date } | undefined {
  const value = getCookie(c, ticketCookie);
  const [payload, mac] = value?.split('.') ?? [];
  if (!payload || !mac || !safeEqual(mac, signTicket(deps(c).config.APP_SECRET, payload))) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      code?: unknown;
      seenAt?: unknown;
    };
    const seenAt = typeof parsed.seenAt === 'string' ? new Date(parsed.seenAt) : undefined;
    if (typeof parsed.code !== 'string' || !seenAt || Number.isNaN(seenAt.getTime())) return undefined;
    if (Date.now() - seenAt.getTime() > ticketLifetimeSeconds * 1000) return undefined;
    return { code: parsed.code, seenAt };
  } catch {
    return undefined;
  }
}

function problemPage(c: Context<AppEnv>, error: AppError) {
  const page = pageContext(c);
  const { t } = page;
  const entry = problemCatalog[error.code];
  return renderPage(
    c,
    <Layout page={page} title={titles.participant}>
      <h1>{t({ ja: entry.ja.title, en: entry.en.title })}</h1>
      <Notice kind="error">{errorText(page, error)}</Notice>
      <p>
        <a class="button" href="/my/check-in">
          {t({ ja: 'もう一度読み取る', en: 'Scan again' })}
        </a>
      </p>
      <p>
        {t({
          ja: 'うまくいかない場合は、主催者に登録証のQRコードを読み取ってもらってください。',
          en: 'If it does not work, ask the organiser to scan your registration card.',
        })}
      </p>
    </Layout>,
    error.status as 400,
  );
}

async function codeLanding(c: Context<AppEnv>) {
  const { lgCode = '', sessionId = '', code = '' } = c.req.param();
  const text = `/c/${lgCode}/${sessionId}/${code}`;
  try {
    readCheckinCode(deps(c).config, text, new Date());
  } catch (error) {
    if (error instanceof AppError) return problemPage(c, error);
    throw error;
  }
  issueTicket(c, text, new Date());
  return c.redirect('/checkin/confirm', 303);
}

async function confirmPage(c: Context<AppEnv>) {
  requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const ticket = readTicket(c);
  if (!ticket) return problemPage(c, new AppError('checkin_code_expired'));
  const code = readCheckinCode(deps(c).config, ticket.code, ticket.seenAt);
  const found = await withTenant(deps(c).db, code.lgCode, async (scope) => {
    const session = await projects.findSession(scope, code.sessionId);
    const project = session ? await projects.findProject(scope, session.project_id) : undefined;
    return session && project ? { session, project } : undefined;
  });
  if (!found) return problemPage(c, new AppError('checkin_code_invalid'));
  return renderPage(
    c,
    <Layout page={page} title={titles.confirm}>
      <h1>{t(titles.confirm)}</h1>
      <dl class="facts">
        <dt>{t({ ja: '活動', en: 'Activity' })}</dt>
        <dd>{found.project.title}</dd>
        {found.project.organisation_name && (
          <>
            <dt>{t({ ja: '主催', en: 'Organiser' })}</dt>
            <dd>{found.project.organisation_name}</dd>
          </>
        )}
        <dt>{t({ ja: '日時', en: 'When' })}</dt>
        <dd>{sessionTimeText(found.session.starts_at, found.session.ends_at, page.locale)}</dd>
      </dl>
      <PostForm page={page} action="/checkin/confirm">
        <button type="submit" class="button">
          {t({ ja: 'チェックインする', en: 'Check in' })}
        </button>
      </PostForm>
      <p>
        {t({
          ja: 'チェックインすると、あなたのお名前が主催者の参加者名簿に表示されます。',
          en: "When you check in, your name appears on the organiser's roster.",
        })}
      </p>
    </Layout>,
  );
}

function donePage(c: Context<AppEnv>, recorded: RecordedAttendance) {
  const page = pageContext(c);
  const { t } = page;
  return renderPage(
    c,
    <Layout page={page} title={titles.done}>
      <h1>
        {recorded.result === 'recorded' ? t(titles.done) : t({ ja: 'チェックイン済みです', en: 'Already checked in' })}
      </h1>
      <Notice kind="success">
        {recorded.result === 'recorded'
          ? t({
              ja: `「${recorded.projectTitle}」に参加しました（${recorded.activityDate}）。`,
              en: `You took part in “${recorded.projectTitle}” (${recorded.activityDate}).`,
            })
          : t({
              ja: `「${recorded.projectTitle}」には本日すでにチェックインしています（${recorded.activityDate}）。`,
              en: `You already checked in to “${recorded.projectTitle}” today (${recorded.activityDate}).`,
            })}
      </Notice>
      {recorded.designated && (
        <p>
          {t({
            ja: 'この活動は、自治体が指定した担い手活動です。プレミアム登録の要件に数えられます。',
            en: 'This activity is designated by the local government: it counts for premium registration.',
          })}
        </p>
      )}
      <p>
        <a class="button" href="/my/activities">
          {t({ ja: 'わたしの活動を見る', en: 'See my activities' })}
        </a>
      </p>
    </Layout>,
    recorded.result === 'recorded' ? 201 : 200,
  );
}

async function confirmSubmit(c: Context<AppEnv>) {
  const session = requireSession(c);
  const ticket = readTicket(c);
  if (!ticket) return problemPage(c, new AppError('checkin_code_expired'));
  try {
    const recorded = await checkInWithCode({
      ...deps(c),
      personId: session.personId,
      code: ticket.code,
      seenAt: ticket.seenAt,
    });
    deleteCookie(c, ticketCookie, { path: '/checkin' });
    return donePage(c, recorded);
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return problemPage(c, error);
    throw error;
  }
}

export function checkinPages(): AppRouter {
  const router = createRouter();
  router.get('/staff/checkin-sw.js', async (c) =>
    c.body(new Uint8Array(await islandBundle('checkin-sw')), 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      // A new version of the worker must reach the devices on their next visit.
      'Cache-Control': 'no-cache',
    }),
  );
  router.get('/staff/:lgCode/sessions/:sessionId/check-in', organiserPage);
  router.get('/my/check-in', participantPage);
  router.get('/c/:lgCode/:sessionId/:code', codeLanding);
  router.get('/checkin/confirm', confirmPage);
  router.post('/checkin/confirm', confirmSubmit);
  return router;
}
