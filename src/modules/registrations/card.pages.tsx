import type { Context } from 'hono';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { requireSession } from '../../platform/http/session.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import {
  cardTokenLifetimeSeconds,
  getMyCard,
  verifyCardToken,
  type CardInvalidReason,
  type CardVerification,
  type MyCard,
} from './card.service.js';

const islandScript = '/assets/card-refresh.js';

const titles = {
  card: { ja: '登録証', en: 'Registration card' },
  verify: { ja: '登録証の確認', en: 'Registration card check' },
} satisfies Record<string, Localized>;

const tierNames = {
  basic: { ja: 'ベーシック', en: 'Basic' },
  premium: { ja: 'プレミアム', en: 'Premium' },
} satisfies Record<'basic' | 'premium', Localized>;

const noRenewal: Localized = { ja: '更新不要', en: 'No renewal needed' };
const longStayMark: Localized = { ja: '長期滞在', en: 'Long stay' };

const invalidReasons = {
  malformed: {
    ja: '登録証のQRコードとして読み取れませんでした。',
    en: 'This is not the QR code of a registration card.',
  },
  bad_signature: {
    ja: 'ふるさと住民登録が発行した登録証であることを確認できませんでした（署名が正しくありません）。',
    en: 'This card was not issued by the Furusato registration service (the signature does not match).',
  },
  expired: {
    ja: `QRコードの有効期限（${cardTokenLifetimeSeconds / 60}分）が切れています。登録者の方に、登録証の画面でQRコードを更新してもらってください。`,
    en: `The QR code has expired (it is valid for ${cardTokenLifetimeSeconds / 60} minutes). Ask the holder to refresh the QR code on their card.`,
  },
  registration_ended: {
    ja: 'この登録は終了しています。',
    en: 'This registration has ended.',
  },
  premium_expired: {
    ja: 'プレミアム登録の有効期限が切れています。',
    en: 'The premium registration has expired.',
  },
} satisfies Record<CardInvalidReason, Localized>;

function dateText(page: PageContext, date: Date): string {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'long',
    timeZone: 'Asia/Tokyo',
  }).format(date);
}

/** Japan time, as the island writes it after a refresh (same options). */
function timeText(page: PageContext, date: Date): string {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Asia/Tokyo',
  }).format(date);
}

function dateTimeText(page: PageContext, date: Date): string {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'Asia/Tokyo',
  }).format(date);
}

function validUntilText(page: PageContext, tier: 'basic' | 'premium', validUntil: Date | null): string {
  if (tier === 'basic' || !validUntil) return page.t(noRenewal);
  return page.t({ ja: `${dateText(page, validUntil)}まで`, en: dateText(page, validUntil) });
}

/** Tokens live 5 minutes and name a registration: no cache may keep the page, no search engine list it. */
function privateHeaders(c: Context<AppEnv>): void {
  c.header('Cache-Control', 'no-store');
  c.header('X-Robots-Tag', 'noindex');
}

function CardQrCode(props: { page: PageContext; card: MyCard }) {
  const { page, card } = props;
  const { t } = page;
  const expiresAt = card.token.expiresAt;
  return (
    <figure
      class="registration-card__qr"
      data-card-refresh
      data-refresh-url={`/api/v1/me/registrations/${card.lgCode}/card-token`}
      data-expires-at={expiresAt.toISOString()}
      data-verify-url={card.token.verifyUrl}
      data-msg-failed={t({
        ja: 'QRコードを更新できませんでした。通信状態を確かめて「QRコードを更新」を押してください。',
        en: 'The QR code could not be refreshed. Check your connection and press “Refresh the QR code”.',
      })}
      data-msg-ended={t({
        ja: 'この登録証は表示できなくなりました。ページを読み込み直してください。',
        en: 'This card can no longer be shown. Please reload the page.',
      })}
    >
      <img
        src={card.token.qrCodeDataUri}
        alt={t({ ja: '登録証の確認用QRコード', en: 'QR code for checking the registration card' })}
        width={240}
        height={240}
        data-card-qr
      />
      <figcaption>
        {t({ ja: 'このQRコードは ', en: 'This QR code is valid until ' })}
        <time datetime={expiresAt.toISOString()} data-card-expiry>
          {timeText(page, expiresAt)}
        </time>
        {t({ ja: ' まで有効です。', en: '.' })}
      </figcaption>
      <p class="notice notice--error" role="alert" data-card-status hidden />
    </figure>
  );
}

function CardView(props: { page: PageContext; card: MyCard }) {
  const { page, card } = props;
  const { t } = page;
  return (
    <article class="registration-card" aria-labelledby="card-government">
      <p class="registration-card__label">{t({ ja: 'ふるさと住民登録証', en: 'Furusato resident registration' })}</p>
      <h2 id="card-government" class="registration-card__government">
        {card.governmentName}
      </h2>
      <dl class="registration-card__facts">
        <dt>{t({ ja: '登録の種類', en: 'Registration' })}</dt>
        <dd>
          {t(tierNames[card.tier])}
          {card.longStay && <span class="badge badge--long-stay">{t(longStayMark)}</span>}
        </dd>
        <dt>{t({ ja: '有効期限', en: 'Valid until' })}</dt>
        <dd>{validUntilText(page, card.tier, card.validUntil)}</dd>
        {card.holderName !== null && (
          <>
            <dt>{t({ ja: 'お名前', en: 'Name' })}</dt>
            <dd>{card.holderName}</dd>
          </>
        )}
      </dl>
      {card.ownResidence && (
        <p class="registration-card__note">
          {t({
            ja: '住所地：お住まいの自治体での登録です（関係人口としては数えられません）。',
            en: 'Place of residence: you live here (not counted as related population).',
          })}
        </p>
      )}
      <CardQrCode page={page} card={card} />
      <p class="print-only">
        {t({
          ja: '印刷した登録証は確認に使えません。確認には、スマートフォンなどの画面に表示したQRコードを読み取ってもらってください。',
          en: 'A printed card cannot be checked. To be checked, show the QR code on your phone’s screen.',
        })}
      </p>
    </article>
  );
}

async function cardPage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const { database, config } = c.get('deps');
  const card = await getMyCard({
    db: database.db,
    config,
    personId: session.personId,
    lgCode: c.req.param('lgCode') ?? '',
  });
  privateHeaders(c);
  return renderPage(
    c,
    <Layout page={page} title={titles.card}>
      <p class="no-print">
        <a href="/my/places">{t({ ja: '登録先の一覧へ戻る', en: 'Back to my places' })}</a>
      </p>
      <h1>{t(titles.card)}</h1>
      {card.premiumExpired && (
        <Notice kind="error">
          {t({
            ja: 'プレミアム登録の有効期限が切れています。確認する方には「無効」と表示されます。',
            en: 'Your premium registration has expired. Whoever checks the card is shown “not valid”.',
          })}
        </Notice>
      )}
      <CardView page={page} card={card} />
      <p class="no-print">
        <a class="button button--secondary" href={`/my/places/${card.lgCode}/card`}>
          {t({ ja: 'QRコードを更新', en: 'Refresh the QR code' })}
        </a>
      </p>
      <section class="no-print" aria-labelledby="card-help">
        <h2 id="card-help">{t({ ja: '登録証の使い方', en: 'How the card is used' })}</h2>
        <p>
          {t({
            ja: `施設やお店の方に、このQRコードを読み取ってもらってください。QRコードは${cardTokenLifetimeSeconds / 60}分間有効で、この画面を開いている間は自動で新しくなります。`,
            en: `Let the facility or shop scan this QR code. It is valid for ${cardTokenLifetimeSeconds / 60} minutes and renews itself while this page is open.`,
          })}
        </p>
        <p>
          {t({
            ja: '読み取った方に表示されるのは、登録が有効かどうか、登録先、登録の種類、有効期限、そして表示を選んだ場合のお名前だけです。メールアドレスや住所は表示されません。',
            en: 'The person who scans it sees only whether the registration is valid, the government, the type, the validity and, if you chose so, your name. Never your e-mail address or where you live.',
          })}
        </p>
      </section>
      <script src={islandScript} defer />
    </Layout>,
  );
}

function VerificationResult(props: { page: PageContext; result: CardVerification }) {
  const { page, result } = props;
  const { t } = page;
  return (
    <>
      <div class={`verify-result ${result.valid ? 'verify-result--valid' : 'verify-result--invalid'}`}>
        <p class="verify-result__status">
          <span aria-hidden="true">{result.valid ? '✓' : '✕'}</span>{' '}
          <span>{result.valid ? t({ ja: '有効', en: 'Valid' }) : t({ ja: '無効', en: 'Not valid' })}</span>
        </p>
        {result.reason && <p class="verify-result__reason">{t(invalidReasons[result.reason])}</p>}
      </div>
      {result.government && (
        <dl class="facts">
          <dt>{t({ ja: '登録先', en: 'Registered with' })}</dt>
          <dd>{result.government.name}</dd>
          {result.tier && (
            <>
              <dt>{t({ ja: '登録の種類', en: 'Registration' })}</dt>
              <dd>{t(tierNames[result.tier])}</dd>
              <dt>{t({ ja: '有効期限', en: 'Valid until' })}</dt>
              <dd>{validUntilText(page, result.tier, result.validUntil)}</dd>
            </>
          )}
          {result.holderName !== null && (
            <>
              <dt>{t({ ja: 'お名前', en: 'Name' })}</dt>
              <dd>{result.holderName}</dd>
            </>
          )}
        </dl>
      )}
      <p class="muted">
        {t({ ja: '確認日時：', en: 'Checked at: ' })}
        <time datetime={result.checkedAt.toISOString()}>{dateTimeText(page, result.checkedAt)}</time>
      </p>
    </>
  );
}

async function verifyPage(c: Context<AppEnv>) {
  const page = pageContext(c);
  const { t } = page;
  const { database, config } = c.get('deps');
  const token = c.req.query('token');
  const result = token ? await verifyCardToken({ db: database.db, config, token }) : undefined;
  privateHeaders(c);
  return renderPage(
    c,
    <Layout page={page} title={titles.verify}>
      <h1>{t(titles.verify)}</h1>
      {result ? (
        <VerificationResult page={page} result={result} />
      ) : (
        <p>
          {t({
            ja: '登録者の方の登録証のQRコードを、お手持ちのスマートフォンなどで読み取ると、ここに確認の結果が表示されます。',
            en: "Scan the QR code on a holder's registration card with your own phone to see the result here.",
          })}
        </p>
      )}
      <p class="muted">
        {t({
          ja: `QRコードは、ご自身の端末で読み取ってください（登録者の端末に表示された確認結果は、本物とは限りません）。結果は、このサイト（${new URL(config.PUBLIC_URL).host}）に表示されたものだけが正しい結果です。`,
          en: `Scan the QR code with your own device: a result shown on the holder's device may not be genuine. Only a result shown on this site (${new URL(config.PUBLIC_URL).host}) counts.`,
        })}
      </p>
    </Layout>,
  );
}

/** The holder's card (signed in) and the public check that its QR code opens (no sign-in). */
export function cardPages(): AppRouter {
  const router = createRouter();
  router.get('/my/places/:lgCode/card', cardPage);
  router.get('/verify', verifyPage);
  return router;
}
