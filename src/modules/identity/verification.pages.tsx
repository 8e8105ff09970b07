import type { Context } from 'hono';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { requireSession } from '../../platform/http/session.js';
import { AppError, problemCatalog } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import { accountSections, type AccountSection } from './account-sections.js';
import {
  approveGuardianConsent,
  consentScopes,
  getGuardianRequest,
  guardianLinkDays,
  listGuardianConsents,
  requestGuardianConsent,
  withdrawGuardianConsent,
  type ConsentSummary,
} from './guardian.service.js';
import { safeNextPath } from './identity.pages.js';
import {
  completeVerification,
  getCurrentVerification,
  getLatestVerification,
  startVerification,
  type Verification,
} from './verification.service.js';

const titles = {
  verification: { ja: '本人確認（マイナンバーカード）', en: 'Identity verification (My Number card)' },
  result: { ja: '本人確認が完了しました', en: 'Your identity is verified' },
  guardian: { ja: '保護者の同意', en: 'Guardian consent' },
  guardianDone: { ja: '同意しました', en: 'Consent given' },
} satisfies Record<string, Localized>;

function formString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value : '';
}

function dateText(page: PageContext, date: Date): string {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'long',
    timeZone: 'Asia/Tokyo',
  }).format(date);
}

/** A calendar date (YYYY-MM-DD) as written in the person's language. */
function calendarDateText(page: PageContext, date: string): string {
  return dateText(page, new Date(`${date}T12:00:00+09:00`));
}

function errorDetail(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  return page.t(error.detail ?? { ja: entry.ja.detail, en: entry.en.detail });
}

function residenceText(page: PageContext, verification: Verification): string {
  const { residence } = verification;
  if (residence.municipalityName) {
    return page.locale === 'ja'
      ? `${residence.prefectureName ?? ''} ${residence.municipalityName}`
      : `${residence.municipalityName}, ${residence.prefectureName ?? ''}`;
  }
  return page.t({ ja: '特定できませんでした', en: 'Could not be determined' });
}

/** Shown when the verified address names no municipality of the master. */
function UnmappedResidenceNotice(props: { page: PageContext; verification: Verification }) {
  if (props.verification.residence.lgCode) return null;
  return (
    <Notice kind="info">
      {props.page.t({
        ja: 'マイナンバーカードの住所から、お住まいの市区町村を特定できませんでした（国外の住所や、最近の合併などによる）。本人確認は完了しています。住んでいる市区町村での登録が「居住地」として扱われない場合があります。お困りのときは、登録先の自治体にお問い合わせください。',
        en: 'We could not tell your municipality from the address on your My Number card (an address abroad, or a recent merger). Your identity is verified. A registration where you live may not be recognised as your residence; ask the local government if this matters to you.',
      })}
    </Notice>
  );
}

function VerificationFacts(props: { page: PageContext; verification: Verification }) {
  const { page, verification } = props;
  const { t } = page;
  return (
    <dl class="facts">
      <dt>{t({ ja: '状態', en: 'Status' })}</dt>
      <dd>
        {verification.current
          ? t({ ja: '確認済み', en: 'Verified' })
          : t({ ja: '有効期限切れ（もう一度確認してください）', en: 'Expired (please verify again)' })}
      </dd>
      <dt>{verification.current ? t({ ja: '有効期限', en: 'Valid until' }) : t({ ja: '期限', en: 'Expired on' })}</dt>
      <dd>{dateText(page, verification.expiresAt)}</dd>
      <dt>{t({ ja: '氏名', en: 'Name' })}</dt>
      <dd>{verification.verifiedName}</dd>
      <dt>{t({ ja: '生年月日', en: 'Date of birth' })}</dt>
      <dd>
        {calendarDateText(page, verification.birthDate)}
        {verification.minor && t({ ja: '（18歳未満）', en: ' (under 18)' })}
      </dd>
      <dt>{t({ ja: 'お住まいの市区町村', en: 'Municipality of residence' })}</dt>
      <dd>{residenceText(page, verification)}</dd>
    </dl>
  );
}

function StartForm(props: { page: PageContext; next?: string; again?: boolean }) {
  const { t } = props.page;
  return (
    <PostForm page={props.page} action="/verification/start" class="form-stack">
      {props.next && <input type="hidden" name="next" value={props.next} />}
      <div>
        <button class="button" type="submit">
          {props.again
            ? t({ ja: 'もう一度本人確認する', en: 'Verify again' })
            : t({ ja: 'マイナンバーカードで本人確認する', en: 'Verify with my My Number card' })}
        </button>
      </div>
      <p class="muted">
        {t({
          ja: 'デジタル認証アプリ（デジタル庁）に移動します。受け取るのは氏名・生年月日・住所です。住所は、お住まいの市区町村を確かめるためだけに使い、保存しません。',
          en: "You go to the Digital Agency's digital authentication app. We receive your name, date of birth and address; the address is used only to find your municipality and is not kept.",
        })}
      </p>
    </PostForm>
  );
}

function consentStatusText(page: PageContext, consent: ConsentSummary): string {
  switch (consent.status) {
    case 'granted':
      return page.t({ ja: '同意済み', en: 'Consent given' });
    case 'pending':
      return page.t({ ja: '保護者の回答待ち', en: 'Waiting for the guardian' });
    case 'withdrawn':
      return page.t({ ja: '取り消し済み', en: 'Withdrawn' });
    default:
      return page.t({ ja: '取り下げ済み', en: 'Cancelled' });
  }
}

function WithdrawButton(props: { page: PageContext; consent: ConsentSummary; next: string }) {
  const { t } = props.page;
  return (
    <PostForm page={props.page} action={`/verification/guardian/${props.consent.id}/withdraw`} class="inline-form">
      <input type="hidden" name="next" value={props.next} />
      <button type="submit" class="button button--secondary">
        {props.consent.status === 'pending'
          ? t({ ja: '依頼を取り下げる', en: 'Cancel the request' })
          : t({ ja: '同意を取り消す', en: 'Withdraw consent' })}
      </button>
    </PostForm>
  );
}

function ConsentTable(props: { page: PageContext; consents: ConsentSummary[]; role: 'minor' | 'guardian' }) {
  const { page } = props;
  const { t } = page;
  return (
    <table class="data">
      <thead>
        <tr>
          <th scope="col">{t({ ja: '内容', en: 'Consent to' })}</th>
          <th scope="col">
            {props.role === 'minor' ? t({ ja: '保護者', en: 'Guardian' }) : t({ ja: 'お子さま', en: 'Minor' })}
          </th>
          <th scope="col">{t({ ja: '状態', en: 'Status' })}</th>
          <th scope="col">{t({ ja: '操作', en: 'Action' })}</th>
        </tr>
      </thead>
      <tbody>
        {props.consents.map((consent) => (
          <tr>
            <td>{t(consentScopes[consent.scope].label)}</td>
            <td>{consent.otherPartyName ?? '—'}</td>
            <td>
              {consentStatusText(page, consent)}
              {consent.grantedAt && (
                <>
                  <br />
                  <span class="muted">{dateText(page, consent.grantedAt)}</span>
                </>
              )}
            </td>
            <td>
              {(consent.status === 'granted' || (consent.status === 'pending' && props.role === 'minor')) && (
                <WithdrawButton page={page} consent={consent} next="/verification" />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function GuardianRequestForm(props: { page: PageContext; error?: string; email?: string; pending: boolean }) {
  const { page } = props;
  const { t } = page;
  return (
    <PostForm page={page} action="/verification/guardian" class="form-stack">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      <div class="field">
        <label for="guardianEmail">{t({ ja: '保護者のメールアドレス', en: "Guardian's e-mail address" })}</label>
        <span class="hint" id="guardianEmail-hint">
          {t({
            ja: `同意のお願いのリンクをお送りします（${guardianLinkDays}日間有効）。保護者の方は、ご自身のマイナンバーカードで本人確認をしてから同意します。`,
            en: `We send a consent link (valid for ${guardianLinkDays} days). Your guardian verifies their own identity with their My Number card, then consents.`,
          })}
        </span>
        <input
          type="email"
          id="guardianEmail"
          name="guardianEmail"
          value={props.email ?? ''}
          autocomplete="off"
          required
          maxlength={254}
          aria-describedby="guardianEmail-hint"
          aria-invalid={props.error ? 'true' : undefined}
        />
      </div>
      <div>
        <button class="button" type="submit">
          {props.pending
            ? t({ ja: '依頼を送り直す', en: 'Send the request again' })
            : t({ ja: '保護者に同意を依頼する', en: 'Ask my guardian for consent' })}
        </button>
      </div>
    </PostForm>
  );
}

type Notices = 'guardian_requested' | 'withdrawn';

async function verificationPage(
  c: Context<AppEnv>,
  options: { guardianError?: AppError; guardianEmail?: string; status?: 200 | 400 | 403 | 409 } = {},
) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const db = c.get('deps').database.db;
  const verification = await getLatestVerification({ db, personId: session.personId });
  const consents = await listGuardianConsents({ db, personId: session.personId });
  const notice = c.req.query('notice') as Notices | undefined;
  const pending = consents.asMinor.some((consent) => consent.status === 'pending');
  const granted = consents.asMinor.some((consent) => consent.status === 'granted');
  return renderPage(
    c,
    <Layout page={page} title={titles.verification}>
      <h1>{t(titles.verification)}</h1>
      {notice === 'guardian_requested' && (
        <Notice kind="success">
          {t({
            ja: '保護者の方に、同意のお願いのメールを送りました。',
            en: 'We sent your guardian a mail asking for consent.',
          })}
        </Notice>
      )}
      {notice === 'withdrawn' && <Notice kind="success">{t({ ja: '取り消しました。', en: 'Withdrawn.' })}</Notice>}
      <p>
        {t({
          ja: 'マイナンバーカードによる本人確認は、ベーシック登録では任意、プレミアム登録では必須です。18歳未満の方がプレミアム登録をするには、保護者の同意も必要です。',
          en: 'Verification with the My Number card is optional for basic registration and required for premium registration. Under 18, premium registration also needs a guardian’s consent.',
        })}
      </p>

      <section aria-labelledby="status-heading">
        <h2 id="status-heading">{t({ ja: '現在の状態', en: 'Current status' })}</h2>
        {verification ? (
          <>
            <VerificationFacts page={page} verification={verification} />
            <UnmappedResidenceNotice page={page} verification={verification} />
          </>
        ) : (
          <p>{t({ ja: 'まだ本人確認をしていません。', en: 'You have not verified your identity yet.' })}</p>
        )}
        <StartForm page={page} again={verification !== undefined} />
      </section>

      {verification?.current && verification.minor && (
        <section aria-labelledby="guardian-heading">
          <h2 id="guardian-heading">{t(titles.guardian)}</h2>
          {granted ? (
            <p>
              {t({
                ja: '保護者の同意が得られています。',
                en: 'Your guardian has consented.',
              })}
            </p>
          ) : (
            <p>
              {t({
                ja: '18歳未満の方がプレミアム登録をするには、保護者の同意が必要です。',
                en: 'Under 18, premium registration needs your guardian’s consent.',
              })}
            </p>
          )}
          {consents.asMinor.length > 0 && <ConsentTable page={page} consents={consents.asMinor} role="minor" />}
          {!granted && (
            <GuardianRequestForm
              page={page}
              pending={pending}
              {...(options.guardianError ? { error: errorDetail(page, options.guardianError) } : {})}
              {...(options.guardianEmail ? { email: options.guardianEmail } : {})}
            />
          )}
        </section>
      )}

      {consents.asGuardian.length > 0 && (
        <section aria-labelledby="given-heading">
          <h2 id="given-heading">
            {t({ ja: 'あなたが保護者として同意したもの', en: 'Consents you gave as a guardian' })}
          </h2>
          <ConsentTable page={page} consents={consents.asGuardian} role="guardian" />
        </section>
      )}
    </Layout>,
    options.status ?? 200,
  );
}

/** A refused verification or consent: what went wrong, that nothing was kept, and a way to start again. */
function failurePage(c: Context<AppEnv>, error: AppError, retry: { href: string; label: Localized }) {
  const page = pageContext(c);
  const entry = problemCatalog[error.code];
  const title = { ja: entry.ja.title, en: entry.en.title };
  const status = ([400, 403, 409, 503] as const).find((code) => code === error.status) ?? 400;
  return renderPage(
    c,
    <Layout page={page} title={title}>
      <h1>{page.t(title)}</h1>
      <Notice kind="error">{errorDetail(page, error)}</Notice>
      <p>
        <a class="button" href={retry.href}>
          {page.t(retry.label)}
        </a>
      </p>
    </Layout>,
    status,
  );
}

const verificationCodes = new Set<string>([
  'verification_unavailable',
  'verification_cancelled',
  'verification_state_invalid',
  'verification_signature_invalid',
  'verification_nonce_mismatch',
  'verification_token_expired',
  'verification_audience_mismatch',
  'verification_failed',
  'verification_card_in_use',
  'verification_required',
  'guardian_must_be_adult',
  'guardian_link_invalid',
  'guardian_consent_not_needed',
  'guardian_consent_exists',
  'rate_limited',
]);

function isShownAsFailure(error: unknown): error is AppError {
  return error instanceof AppError && verificationCodes.has(error.code);
}

const backToVerification = { href: '/verification', label: { ja: '本人確認のページへ', en: 'Back to verification' } };

async function guardianPage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const db = c.get('deps').database.db;
  const token = c.req.query('token') ?? '';
  let request;
  try {
    request = await getGuardianRequest({ db, token });
  } catch (error) {
    if (!isShownAsFailure(error)) throw error;
    return failurePage(c, error, { href: '/', label: { ja: 'ホームへ戻る', en: 'Back to home' } });
  }
  const self = `/guardian/consent?token=${encodeURIComponent(token)}`;
  const guardian = await getCurrentVerification({ db, personId: session.personId });
  const scope = consentScopes[request.scope];
  // Whoever holds the link sees the minor's name only after proving to be a verified adult.
  const minorName = guardian && !guardian.minor ? request.minorName : null;
  return renderPage(
    c,
    <Layout page={page} title={titles.guardian}>
      <h1>{t(titles.guardian)}</h1>
      <p>
        {minorName
          ? page.t({
              ja: `${minorName}さん（マイナンバーカードで本人確認済み）が、保護者であるあなたに、次のことへの同意を求めています。`,
              en: `${minorName} (identity verified with the My Number card) asks you, as their guardian, to consent to the following.`,
            })
          : page.t({
              ja: 'ふるさと住民登録を利用している未成年の方（マイナンバーカードで本人確認済み）が、保護者であるあなたに、次のことへの同意を求めています。お名前は、あなたの本人確認のあとに表示します。',
              en: 'A minor using Furusato Resident Registration (identity verified with the My Number card) asks you, as their guardian, to consent to the following. Their name is shown once you have verified your identity.',
            })}
      </p>
      <dl class="facts">
        <dt>{t({ ja: '同意の内容', en: 'Consent to' })}</dt>
        <dd>{t(scope.label)}</dd>
        <dt>{t({ ja: '説明', en: 'What it means' })}</dt>
        <dd>{t(scope.explanation)}</dd>
        <dt>{t({ ja: 'このリンクの有効期限', en: 'This link is valid until' })}</dt>
        <dd>{dateText(page, request.expiresAt)}</dd>
      </dl>
      <p>
        {t({
          ja: '同意は、あとからいつでも取り消せます（あなたからも、お子さまからも）。',
          en: 'The consent can be withdrawn at any time, by you or by the minor.',
        })}
      </p>
      {!guardian ? (
        <section aria-labelledby="guardian-verify-heading">
          <h2 id="guardian-verify-heading">
            {t({ ja: 'まず本人確認をしてください', en: 'First, verify your identity' })}
          </h2>
          <p>
            {t({
              ja: '保護者として同意するには、あなたご自身のマイナンバーカードで本人確認が必要です（18歳以上の方）。確認が終わると、このページに戻ります。',
              en: 'To consent as a guardian, verify your own identity with your My Number card (18 or older). You come back to this page afterwards.',
            })}
          </p>
          <StartForm page={page} next={self} />
        </section>
      ) : guardian.minor ? (
        <Notice kind="error">{errorDetail(page, new AppError('guardian_must_be_adult'))}</Notice>
      ) : (
        <PostForm page={page} action="/guardian/consent" class="form-stack">
          <input type="hidden" name="token" value={token} />
          <p>
            {page.locale === 'ja'
              ? `${guardian.verifiedName}さん（本人確認済み）として同意します。`
              : `You consent as ${guardian.verifiedName} (identity verified).`}
          </p>
          <div>
            <button class="button" type="submit">
              {t({ ja: '同意する', en: 'I consent' })}
            </button>
          </div>
        </PostForm>
      )}
    </Layout>,
  );
}

export function verificationPages(): AppRouter {
  const router = createRouter();
  const context = (c: Context<AppEnv>) => ({
    db: c.get('deps').database.db,
    config: c.get('deps').config,
    requestId: c.get('requestId'),
  });

  router.get('/verification', (c) => verificationPage(c));

  router.post('/verification/start', async (c) => {
    const session = requireSession(c);
    const body = await c.req.parseBody();
    const next = safeNextPath(body.next);
    try {
      const { authorizationUrl } = await startVerification({
        ...context(c),
        personId: session.personId,
        ...(next ? { returnPath: next } : {}),
      });
      return c.redirect(authorizationUrl, 303);
    } catch (error) {
      if (!isShownAsFailure(error)) throw error;
      return failurePage(c, error, { ...backToVerification, href: next ?? '/verification' });
    }
  });

  router.get('/verification/callback', async (c) => {
    const session = requireSession(c);
    try {
      const { returnPath } = await completeVerification({
        ...context(c),
        personId: session.personId,
        callbackParameters: new URL(c.req.url).searchParams,
      });
      return c.redirect(`/verification/result${returnPath ? `?next=${encodeURIComponent(returnPath)}` : ''}`, 303);
    } catch (error) {
      if (!isShownAsFailure(error)) throw error;
      return failurePage(c, error, {
        href: '/verification',
        label: { ja: '本人確認をやり直す', en: 'Start verification again' },
      });
    }
  });

  router.get('/verification/result', async (c) => {
    const session = requireSession(c);
    const page = pageContext(c);
    const { t } = page;
    const verification = await getCurrentVerification({ db: context(c).db, personId: session.personId });
    if (!verification) return c.redirect('/verification', 303);
    const next = safeNextPath(c.req.query('next'));
    return renderPage(
      c,
      <Layout page={page} title={titles.result}>
        <h1>{t(titles.result)}</h1>
        <Notice kind="success">
          {t({
            ja: `マイナンバーカードで本人確認ができました。${dateText(page, verification.expiresAt)}まで有効です。`,
            en: `Your identity is verified with your My Number card, valid until ${dateText(page, verification.expiresAt)}.`,
          })}
        </Notice>
        <VerificationFacts page={page} verification={verification} />
        <UnmappedResidenceNotice page={page} verification={verification} />
        {verification.minor && !next && (
          <Notice kind="info">
            {t({
              ja: '18歳未満のため、プレミアム登録には保護者の同意が必要です。本人確認のページから、保護者に同意を依頼できます。',
              en: 'As you are under 18, premium registration needs your guardian’s consent. You can ask for it on the verification page.',
            })}
          </Notice>
        )}
        <p>
          {next ? (
            <a class="button" href={next}>
              {t({ ja: '手続きを続ける', en: 'Continue' })}
            </a>
          ) : (
            <a class="button" href="/verification">
              {verification.minor
                ? t({ ja: '保護者に同意を依頼する', en: 'Ask my guardian for consent' })
                : t({ ja: '本人確認のページへ', en: 'Go to identity verification' })}
            </a>
          )}
        </p>
        <p>
          <a href="/account">{t({ ja: 'アカウントへ', en: 'Go to my account' })}</a>
        </p>
      </Layout>,
    );
  });

  router.post('/verification/guardian', async (c) => {
    const session = requireSession(c);
    const body = await c.req.parseBody();
    const guardianEmail = formString(body, 'guardianEmail');
    try {
      await requestGuardianConsent({ ...context(c), personId: session.personId, guardianEmail });
      return c.redirect('/verification?notice=guardian_requested', 303);
    } catch (error) {
      if (error instanceof AppError && error.code === 'validation_failed') {
        const invalid = new AppError('validation_failed', {
          detail: { ja: 'メールアドレスの形式が正しくありません。', en: 'That is not a valid e-mail address.' },
        });
        return verificationPage(c, { guardianError: invalid, guardianEmail, status: 400 });
      }
      if (!isShownAsFailure(error)) throw error;
      return failurePage(c, error, backToVerification);
    }
  });

  router.post('/verification/guardian/:consentId/withdraw', async (c) => {
    const session = requireSession(c);
    const body = await c.req.parseBody();
    await withdrawGuardianConsent({ ...context(c), personId: session.personId, consentId: c.req.param('consentId') });
    const next = safeNextPath(body.next) ?? '/verification';
    return c.redirect(`${next}${next.includes('?') ? '&' : '?'}notice=withdrawn`, 303);
  });

  router.get('/guardian/consent', guardianPage);

  router.post('/guardian/consent', async (c) => {
    const session = requireSession(c);
    const page = pageContext(c);
    const { t } = page;
    const body = await c.req.parseBody();
    try {
      await approveGuardianConsent({
        ...context(c),
        token: formString(body, 'token'),
        guardianPersonId: session.personId,
      });
    } catch (error) {
      if (!isShownAsFailure(error)) throw error;
      return failurePage(c, error, {
        href: '/verification',
        label: { ja: '本人確認のページへ', en: 'Go to identity verification' },
      });
    }
    return renderPage(
      c,
      <Layout page={page} title={titles.guardianDone}>
        <h1>{t(titles.guardianDone)}</h1>
        <Notice kind="success">
          {t({
            ja: '保護者としての同意を記録しました。お子さまにもお知らせしました。',
            en: 'Your consent as a guardian is recorded, and the minor has been told.',
          })}
        </Notice>
        <p>
          {t({
            ja: '同意は「本人確認」のページから、いつでも取り消せます。',
            en: 'You can withdraw it at any time on the identity verification page.',
          })}
        </p>
        <p>
          <a href="/verification">{t({ ja: '本人確認のページへ', en: 'Go to identity verification' })}</a>
        </p>
      </Layout>,
    );
  });

  return router;
}

/** The account page's summary: verification status and residence, and guardian consent. */
export const verificationAccountSection: AccountSection = async ({ page, session, db }) => {
  const { t } = page;
  const verification = await getLatestVerification({ db, personId: session.personId });
  const consents = await listGuardianConsents({ db, personId: session.personId });
  const granted = consents.asMinor.find((consent) => consent.status === 'granted');
  const pending = consents.asMinor.find((consent) => consent.status === 'pending');
  const given = consents.asGuardian.filter((consent) => consent.status === 'granted');
  return (
    <section aria-labelledby="verification-heading">
      <h2 id="verification-heading">{t({ ja: '本人確認', en: 'Identity verification' })}</h2>
      {verification?.current ? (
        <dl class="facts">
          <dt>{t({ ja: '状態', en: 'Status' })}</dt>
          <dd>
            {page.locale === 'ja'
              ? `確認済み（${dateText(page, verification.expiresAt)}まで有効）`
              : `Verified (valid until ${dateText(page, verification.expiresAt)})`}
          </dd>
          <dt>{t({ ja: 'お住まいの市区町村', en: 'Municipality of residence' })}</dt>
          <dd>{residenceText(page, verification)}</dd>
          {verification.minor && (
            <>
              <dt>{t({ ja: '保護者の同意', en: 'Guardian consent' })}</dt>
              <dd>
                {granted
                  ? t({ ja: '同意済み', en: 'Given' })
                  : pending
                    ? t({ ja: '保護者の回答待ち', en: 'Waiting for the guardian' })
                    : t({
                        ja: 'まだありません（プレミアム登録に必要です）',
                        en: 'Not yet (needed for premium registration)',
                      })}
              </dd>
            </>
          )}
        </dl>
      ) : (
        <p>
          {verification
            ? t({
                ja: `本人確認の有効期限が切れています（${dateText(page, verification.expiresAt)}まで）。`,
                en: `Your verification expired on ${dateText(page, verification.expiresAt)}.`,
              })
            : t({
                ja: 'まだ本人確認をしていません。プレミアム登録にはマイナンバーカードによる本人確認が必要です。',
                en: 'Not verified yet. Premium registration needs verification with the My Number card.',
              })}
        </p>
      )}
      {given.length > 0 && (
        <p>
          {page.locale === 'ja'
            ? `保護者として ${given.length} 件の同意をしています。`
            : `You have given ${given.length} consent(s) as a guardian.`}
        </p>
      )}
      <p>
        <a href="/verification">
          {verification
            ? t({ ja: '本人確認の詳細', en: 'Verification details' })
            : t({ ja: '本人確認をする', en: 'Verify my identity' })}
        </a>
      </p>
    </section>
  );
};

accountSections.push(verificationAccountSection);
