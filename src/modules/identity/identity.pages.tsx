import type { Context } from 'hono';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import {
  clearSessionCookie,
  requireSession,
  sessionCookieToken,
  setSessionCookie,
} from '../../platform/http/session.js';
import { AppError, problemCatalog } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import {
  completeEmailSignIn,
  emailChallengeMinutes,
  listMySessions,
  revokeMySession,
  signOut,
  startEmailSignIn,
  updateMyProfile,
  type SignedIn,
} from './identity.service.js';
import { accountSections } from './account-sections.js';
import { privacyAccountSection as PrivacySection } from './privacy.pages.js';
import { PasskeySignIn } from './passkeys.pages.js';

/** Only paths on this site: `next=//evil.example` or `next=https://…` would send a person away. */
export function safeNextPath(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : undefined;
}

function errorText(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  return page.t(error.detail ?? { ja: entry.ja.detail, en: entry.en.detail });
}

function formString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value : '';
}

const titles = {
  signIn: { ja: 'ログイン', en: 'Sign in' },
  signUp: { ja: '新しく登録する', en: 'Create an account' },
  checkMail: { ja: 'メールを確認してください', en: 'Check your mail' },
  confirm: { ja: 'ログインの確認', en: 'Confirm sign-in' },
  account: { ja: 'アカウント', en: 'Account' },
} satisfies Record<string, Localized>;

function EmailForm(props: { page: PageContext; next?: string; email?: string; error?: string; signUp?: boolean }) {
  const { page } = props;
  const { t } = page;
  return (
    <PostForm page={page} action="/signin/email" class="form-stack">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.next && <input type="hidden" name="next" value={props.next} />}
      <div class="field">
        <label for="email">{t({ ja: 'メールアドレス', en: 'E-mail address' })}</label>
        <span class="hint" id="email-hint">
          {t({
            ja: `ログイン用のリンクと確認コードをお送りします（${emailChallengeMinutes}分間有効）。`,
            en: `We send you a sign-in link and a code (valid for ${emailChallengeMinutes} minutes).`,
          })}
        </span>
        <input
          type="email"
          id="email"
          name="email"
          value={props.email ?? ''}
          autocomplete="email"
          required
          maxlength={254}
          aria-describedby="email-hint"
          aria-invalid={props.error ? 'true' : undefined}
        />
      </div>
      <div>
        <button class="button" type="submit">
          {props.signUp
            ? t({ ja: '登録用のメールを送る', en: 'Send me a sign-up mail' })
            : t({ ja: 'ログイン用のメールを送る', en: 'Send me a sign-in mail' })}
        </button>
      </div>
    </PostForm>
  );
}

function signInPage(
  c: Context<AppEnv>,
  options: { signUp?: boolean; email?: string; error?: AppError; status?: 200 | 400 },
) {
  const page = pageContext(c);
  const { t } = page;
  const next = safeNextPath(c.req.query('next'));
  const title = options.signUp ? titles.signUp : titles.signIn;
  return renderPage(
    c,
    <Layout page={page} title={title}>
      <h1>{t(title)}</h1>
      {options.signUp ? (
        <p>
          {t({
            ja: 'メールアドレスだけで登録できます。パスワードはありません。マイナンバーカードによる本人確認は、あとから必要なときに行えます。',
            en: 'All you need is an e-mail address; there is no password. Identity verification with the My Number card can follow when you need it.',
          })}
        </p>
      ) : (
        <p>
          {t({
            ja: 'はじめての方も、このメールアドレスの確認で登録が完了します。',
            en: 'New here? Confirming your e-mail address also creates your account.',
          })}
        </p>
      )}
      <EmailForm
        page={page}
        {...(next ? { next } : {})}
        {...(options.email ? { email: options.email } : {})}
        {...(options.error ? { error: errorText(page, options.error) } : {})}
        {...(options.signUp ? { signUp: true } : {})}
      />
      <PasskeySignIn page={page} next={next} />
      {!options.signUp && (
        <p>
          <a href="/signup">{t({ ja: 'はじめての方はこちら', en: 'New here? Create an account' })}</a>
        </p>
      )}
    </Layout>,
    options.status ?? 200,
  );
}

function CodeForm(props: { page: PageContext; challengeId: string; next?: string; error?: string }) {
  const { page } = props;
  const { t } = page;
  return (
    <PostForm page={page} action="/signin/email/code" class="form-stack">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      <input type="hidden" name="challengeId" value={props.challengeId} />
      {props.next && <input type="hidden" name="next" value={props.next} />}
      <div class="field">
        <label for="code">{t({ ja: '確認コード（6桁）', en: 'Code (6 digits)' })}</label>
        <input
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]{6}"
          maxlength={6}
          id="code"
          name="code"
          required
          aria-invalid={props.error ? 'true' : undefined}
        />
      </div>
      <div>
        <button class="button" type="submit">
          {t({ ja: 'ログインする', en: 'Sign in' })}
        </button>
      </div>
    </PostForm>
  );
}

function checkMailPage(c: Context<AppEnv>, options: { challengeId: string; next?: string; error?: AppError }) {
  const page = pageContext(c);
  const { t } = page;
  return renderPage(
    c,
    <Layout page={page} title={titles.checkMail}>
      <h1>{t(titles.checkMail)}</h1>
      <p>
        {t({
          ja: 'ご入力のメールアドレスに、ログイン用のリンクと確認コードを送りました。リンクを開くか、下に確認コードを入力してください。',
          en: 'We sent a sign-in link and a code to the address you entered. Open the link, or type the code below.',
        })}
      </p>
      <CodeForm
        page={page}
        challengeId={options.challengeId}
        {...(options.next ? { next: options.next } : {})}
        {...(options.error ? { error: errorText(page, options.error) } : {})}
      />
      <p class="muted">
        {t({
          ja: 'メールが届かないときは、迷惑メールのフォルダもご確認ください。',
          en: 'If no mail arrives, please check your spam folder.',
        })}
      </p>
    </Layout>,
    options.error ? 400 : 200,
  );
}

function afterSignIn(c: Context<AppEnv>, signedIn: SignedIn, next?: string) {
  setSessionCookie(c, signedIn.token, signedIn.expiresAt);
  const target = next ?? safeNextPath(signedIn.nextPath);
  return c.redirect(target ?? (signedIn.created ? '/account?welcome=1' : '/account'), 303);
}

function requestContext(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config, requestId: c.get('requestId') };
}

async function accountPage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const { db } = requestContext(c);
  const sessions = await listMySessions({ db, personId: session.personId, currentSessionId: session.sessionId });
  const notice = c.req.query('notice');
  const dateTime = new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Tokyo',
  });
  return renderPage(
    c,
    <Layout page={page} title={titles.account}>
      <h1>{t(titles.account)}</h1>
      {c.req.query('welcome') && (
        <Notice kind="success">
          {t({ ja: '登録が完了しました。ようこそ。', en: 'Your account is ready. Welcome.' })}
        </Notice>
      )}
      {notice === 'profile' && <Notice kind="success">{t({ ja: '保存しました。', en: 'Saved.' })}</Notice>}
      {notice === 'revoked' && (
        <Notice kind="success">
          {t({ ja: 'その端末からログアウトしました。', en: 'That session was signed out.' })}
        </Notice>
      )}

      <section aria-labelledby="profile-heading">
        <h2 id="profile-heading">{t({ ja: '基本情報', en: 'Profile' })}</h2>
        <PostForm page={page} action="/account/profile" class="form-stack">
          <div class="field">
            <span class="hint">{t({ ja: 'メールアドレス', en: 'E-mail address' })}</span>
            <strong>{session.email}</strong>
          </div>
          <div class="field">
            <label for="displayName">{t({ ja: '表示名（ニックネーム）', en: 'Display name' })}</label>
            <span class="hint" id="displayName-hint">
              {t({ ja: '50文字以内。空欄でもかまいません。', en: 'Up to 50 characters; may be left empty.' })}
            </span>
            <input
              type="text"
              id="displayName"
              name="displayName"
              value={session.displayName ?? ''}
              maxlength={50}
              aria-describedby="displayName-hint"
            />
          </div>
          <div class="field">
            <label for="locale">{t({ ja: 'お知らせの言語', en: 'Language of mail' })}</label>
            <select id="locale" name="locale">
              <option value="ja" selected={session.locale === 'ja'}>
                日本語
              </option>
              <option value="en" selected={session.locale === 'en'}>
                English
              </option>
            </select>
          </div>
          <div>
            <button class="button" type="submit">
              {t({ ja: '保存する', en: 'Save' })}
            </button>
          </div>
        </PostForm>
      </section>

      {accountSections.map((Section) => (
        <Section page={page} session={session} db={db} />
      ))}

      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">{t({ ja: 'ログイン中の端末', en: 'Signed-in devices' })}</h2>
        <table class="data">
          <thead>
            <tr>
              <th scope="col">{t({ ja: '端末', en: 'Device' })}</th>
              <th scope="col">{t({ ja: '最後の利用', en: 'Last used' })}</th>
              <th scope="col">{t({ ja: '操作', en: 'Action' })}</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((item) => (
              <tr>
                <td>
                  {item.device || t({ ja: '不明な端末', en: 'Unknown device' })}
                  <br />
                  <span class="muted">
                    {item.authenticatedBy === 'passkey'
                      ? t({ ja: 'パスキーでログイン', en: 'Signed in with a passkey' })
                      : t({ ja: 'メールでログイン', en: 'Signed in by e-mail' })}
                  </span>
                </td>
                <td>{dateTime.format(item.lastSeenAt)}</td>
                <td>
                  {item.current ? (
                    <strong>{t({ ja: 'この端末', en: 'This device' })}</strong>
                  ) : (
                    <PostForm page={page} action={`/account/sessions/${item.id}/revoke`} class="inline-form">
                      <button type="submit" class="button button--secondary">
                        {t({ ja: 'ログアウトさせる', en: 'Sign out' })}
                      </button>
                    </PostForm>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <PrivacySection page={page} session={session} db={db} />
    </Layout>,
  );
}

export function identityPages(): AppRouter {
  const router = createRouter();

  router.get('/signin', (c) =>
    c.get('session') ? c.redirect(safeNextPath(c.req.query('next')) ?? '/account', 303) : signInPage(c, {}),
  );
  router.get('/signup', (c) => signInPage(c, { signUp: true }));

  router.post('/signin/email', async (c) => {
    const body = await c.req.parseBody();
    const email = formString(body, 'email');
    const next = safeNextPath(body.next);
    try {
      const { challengeId } = await startEmailSignIn({
        ...requestContext(c),
        email,
        locale: pageContext(c).locale,
        ...(next ? { nextPath: next } : {}),
      });
      return checkMailPage(c, { challengeId, ...(next ? { next } : {}) });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
      const invalidEmail = new AppError('validation_failed', {
        detail: { ja: 'メールアドレスの形式が正しくありません。', en: 'That is not a valid e-mail address.' },
      });
      return signInPage(c, { email, error: invalidEmail, status: 400 });
    }
  });

  router.post('/signin/email/code', async (c) => {
    const body = await c.req.parseBody();
    const challengeId = formString(body, 'challengeId');
    const next = safeNextPath(body.next);
    try {
      const signedIn = await completeEmailSignIn({
        ...requestContext(c),
        proof: { challengeId, code: formString(body, 'code') },
        locale: pageContext(c).locale,
        ...(c.req.header('user-agent') ? { userAgent: c.req.header('user-agent') } : {}),
      });
      return afterSignIn(c, signedIn, next);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
      return checkMailPage(c, { challengeId, error, ...(next ? { next } : {}) });
    }
  });

  // Mail scanners open links; opening the link therefore only shows a button, and the POST signs in.
  router.get('/signin/email/verify', (c) => {
    const page = pageContext(c);
    const { t } = page;
    return renderPage(
      c,
      <Layout page={page} title={titles.confirm}>
        <h1>{t(titles.confirm)}</h1>
        <PostForm page={page} action="/signin/email/verify" class="form-stack">
          <input type="hidden" name="token" value={c.req.query('token') ?? ''} />
          <p>{t({ ja: 'このブラウザでログインします。', en: 'You are about to sign in on this browser.' })}</p>
          <div>
            <button class="button" type="submit">
              {t({ ja: 'ログインする', en: 'Sign in' })}
            </button>
          </div>
        </PostForm>
      </Layout>,
    );
  });

  router.post('/signin/email/verify', async (c) => {
    const body = await c.req.parseBody();
    try {
      const signedIn = await completeEmailSignIn({
        ...requestContext(c),
        proof: { token: formString(body, 'token') },
        locale: pageContext(c).locale,
        ...(c.req.header('user-agent') ? { userAgent: c.req.header('user-agent') } : {}),
      });
      return afterSignIn(c, signedIn);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
      return signInPage(c, { error, status: 400 });
    }
  });

  router.post('/signout', async (c) => {
    const session = c.get('session');
    const token = sessionCookieToken(c);
    if (session && token) {
      await signOut({
        db: c.get('deps').database.db,
        sessionToken: token,
        personId: session.personId,
        requestId: c.get('requestId'),
      });
    }
    clearSessionCookie(c);
    return c.redirect('/', 303);
  });

  router.get('/account', accountPage);

  router.post('/account/profile', async (c) => {
    const session = requireSession(c);
    const body = await c.req.parseBody();
    await updateMyProfile({
      db: c.get('deps').database.db,
      personId: session.personId,
      profile: {
        displayName: formString(body, 'displayName'),
        locale: formString(body, 'locale') === 'en' ? 'en' : 'ja',
      },
    });
    return c.redirect('/account?notice=profile', 303);
  });

  router.post('/account/sessions/:sessionId/revoke', async (c) => {
    const session = requireSession(c);
    await revokeMySession({
      db: c.get('deps').database.db,
      personId: session.personId,
      sessionId: c.req.param('sessionId'),
      requestId: c.get('requestId'),
    });
    return c.redirect('/account?notice=revoked', 303);
  });

  return router;
}
