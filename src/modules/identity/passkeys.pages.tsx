import { createRouter, type AppRouter } from '../../platform/http/app.js';
import { requireSession } from '../../platform/http/session.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import type { PageContext } from '../../platform/ui/layout.js';
import { accountSections, type AccountSection } from './account-sections.js';
import { listMyPasskeys, removeMyPasskey, renameMyPasskey } from './passkeys.service.js';

const islandScript = '/assets/passkey.js';

/** Closing the browser's prompt and having no passkey for the site look the same to a page. */
const cancelled = {
  'sign-in': {
    ja: 'パスキーでログインできませんでした。この端末にこのサイトのパスキーがないか、確認が中止されました。メールでもログインできます。',
    en: 'Could not sign in with a passkey: this device may have none for this site, or the prompt was closed. You can also sign in by e-mail.',
  },
  register: {
    ja: 'パスキーの追加が中止されました。もう一度お試しください。',
    en: 'Adding the passkey was cancelled. Please try again.',
  },
  'second-factor': {
    ja: 'パスキーでの確認が中止されました。もう一度お試しください。',
    en: 'The passkey check was cancelled. Please try again.',
  },
} satisfies Record<string, Localized>;

const messages = {
  failed: {
    ja: 'パスキーを使えませんでした。もう一度お試しいただくか、メールでログインしてください。',
    en: 'The passkey could not be used. Please try again, or sign in by e-mail.',
  },
  duplicate: {
    ja: 'この端末のパスキーは、すでに登録されています。',
    en: 'A passkey on this device is already registered.',
  },
  unsupported: {
    ja: 'お使いのブラウザはパスキーに対応していません。',
    en: 'This browser does not support passkeys.',
  },
} satisfies Record<string, Localized>;

/** Localised messages the island shows for what only the browser knows (a closed prompt, no support). */
function messageAttributes(page: PageContext, kind: keyof typeof cancelled) {
  return {
    'data-msg-cancelled': page.t(cancelled[kind]),
    'data-msg-failed': page.t(messages.failed),
    'data-msg-duplicate': page.t(messages.duplicate),
    'data-msg-unsupported': page.t(messages.unsupported),
  };
}

/** The island's error region: hidden until it has something to say, then announced. */
function ErrorRegion() {
  return <div class="notice notice--error" role="alert" data-passkey-error hidden />;
}

/**
 * 「パスキーでログイン」 on the sign-in page. Hidden in the HTML: only the island shows it, and only in a
 * browser that can use passkeys, so without JavaScript the page offers the e-mail form alone.
 */
export function PasskeySignIn(props: { page: PageContext; next?: string | undefined }) {
  const { t } = props.page;
  return (
    <div
      id="passkey-sign-in"
      class="passkey-sign-in"
      data-passkey="sign-in"
      data-next={props.next ?? '/account'}
      hidden
      {...messageAttributes(props.page, 'sign-in')}
    >
      <p class="passkey-sign-in__or">{t({ ja: 'または', en: 'or' })}</p>
      <button type="button" class="button button--secondary">
        {t({ ja: 'パスキーでログイン', en: 'Sign in with a passkey' })}
      </button>
      <p class="muted">
        {t({
          ja: '登録済みのパスキーがあれば、メールアドレスの入力は不要です。',
          en: 'With a passkey you have registered, no e-mail address is needed.',
        })}
      </p>
      <ErrorRegion />
      <script src={islandScript} defer />
    </div>
  );
}

/**
 * A button that proves a second factor with one of the signed-in person's passkeys and then goes to
 * `next`: for pages that require one (staff work). The island calls
 * POST /api/v1/passkeys/second-factor/options and /verify.
 */
export function PasskeySecondFactor(props: { page: PageContext; next: string }) {
  const { t } = props.page;
  return (
    <div data-passkey="second-factor" data-next={props.next} hidden {...messageAttributes(props.page, 'second-factor')}>
      <button type="button" class="button">
        {t({ ja: 'パスキーで確認する', en: 'Confirm with a passkey' })}
      </button>
      <ErrorRegion />
      <script src={islandScript} defer />
    </div>
  );
}

const notices: Record<string, Localized> = {
  'passkey-added': { ja: 'パスキーを追加しました。', en: 'The passkey was added.' },
  'passkey-renamed': { ja: 'パスキーの名前を変更しました。', en: 'The passkey was renamed.' },
  'passkey-removed': { ja: 'パスキーを削除しました。', en: 'The passkey was removed.' },
};

/** The account page's passkey list: rename and remove work without JavaScript; adding needs it. */
export const passkeysAccountSection: AccountSection = async ({ page, session, db }) => {
  const { t } = page;
  const passkeys = await listMyPasskeys({ db, personId: session.personId });
  const notice = notices[page.currentUrl.searchParams.get('notice') ?? ''];
  const date = new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeZone: 'Asia/Tokyo',
  });
  return (
    <section aria-labelledby="passkeys-heading" id="passkeys">
      <h2 id="passkeys-heading">{t({ ja: 'パスキー', en: 'Passkeys' })}</h2>
      {notice && <Notice kind="success">{t(notice)}</Notice>}
      <p>
        {t({
          ja: 'パスキーを登録すると、メールを待たずに、スマートフォンやパソコンの顔認証・指紋認証・画面ロックでログインできます。パスワードのように盗まれたり、偽のサイトで使われたりすることはありません。',
          en: 'With a passkey you sign in with the face, fingerprint or screen lock of your phone or computer, without waiting for mail. Unlike a password, it cannot be stolen or used on a fake site.',
        })}
      </p>
      {passkeys.length === 0 ? (
        <p class="muted">{t({ ja: 'まだ登録されていません。', en: 'No passkeys yet.' })}</p>
      ) : (
        <table class="data">
          <thead>
            <tr>
              <th scope="col">{t({ ja: '名前', en: 'Name' })}</th>
              <th scope="col">{t({ ja: '最後の利用', en: 'Last used' })}</th>
              <th scope="col">{t({ ja: '操作', en: 'Action' })}</th>
            </tr>
          </thead>
          <tbody>
            {passkeys.map((passkey, index) => (
              <tr>
                <td>
                  {passkey.label}
                  <br />
                  <span class="muted">
                    {passkey.deviceType === 'multiDevice'
                      ? t({ ja: '端末間で同期されます', en: 'Synced between devices' })
                      : t({ ja: 'この認証器のみ', en: 'This authenticator only' })}
                    {' / '}
                    {t({ ja: `${date.format(passkey.createdAt)} 登録`, en: `added ${date.format(passkey.createdAt)}` })}
                  </span>
                </td>
                <td>
                  {passkey.lastUsedAt
                    ? date.format(passkey.lastUsedAt)
                    : t({ ja: 'まだ使われていません', en: 'Not used yet' })}
                </td>
                <td>
                  <details class="passkey-rename">
                    <summary>{t({ ja: '名前を変更', en: 'Rename' })}</summary>
                    <PostForm page={page} action={`/account/passkeys/${passkey.id}/rename`} class="form-stack">
                      <div class="field">
                        <label for={`passkey-label-${index}`}>{t({ ja: '新しい名前', en: 'New name' })}</label>
                        <input
                          type="text"
                          id={`passkey-label-${index}`}
                          name="label"
                          value={passkey.label}
                          maxlength={50}
                          required
                        />
                      </div>
                      <div>
                        <button type="submit" class="button button--secondary">
                          {t({ ja: '保存する', en: 'Save' })}
                        </button>
                      </div>
                    </PostForm>
                  </details>
                  <PostForm page={page} action={`/account/passkeys/${passkey.id}/delete`} class="inline-form">
                    <button
                      type="submit"
                      class="button button--secondary"
                      aria-label={t({ ja: `${passkey.label}を削除する`, en: `Remove ${passkey.label}` })}
                    >
                      {t({ ja: '削除する', en: 'Remove' })}
                    </button>
                  </PostForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div
        data-passkey="register"
        data-next="/account?notice=passkey-added#passkeys"
        hidden
        {...messageAttributes(page, 'register')}
      >
        <form class="form-stack">
          <div class="field">
            <label for="passkey-label">
              {t({ ja: 'パスキーの名前（任意）', en: 'Name of the passkey (optional)' })}
            </label>
            <span class="hint" id="passkey-label-hint">
              {t({
                ja: 'どの端末のパスキーか分かる名前にしてください（例: iPhone、仕事用のパソコン）。50文字以内。',
                en: 'A name that tells you which device it is on (e.g. iPhone, work laptop). Up to 50 characters.',
              })}
            </span>
            <input
              type="text"
              id="passkey-label"
              name="label"
              maxlength={50}
              autocomplete="off"
              aria-describedby="passkey-label-hint"
            />
          </div>
          <div>
            <button type="submit" class="button">
              {t({ ja: 'パスキーを追加する', en: 'Add a passkey' })}
            </button>
          </div>
        </form>
        <ErrorRegion />
      </div>
      <noscript>
        <p class="muted">
          {t({
            ja: 'パスキーを追加するには、JavaScriptを有効にしてください。',
            en: 'To add a passkey, please turn on JavaScript.',
          })}
        </p>
      </noscript>
      <script src={islandScript} defer />
    </section>
  );
};

accountSections.push(passkeysAccountSection);

/** Rename and remove from the account page, as plain form posts (no JavaScript needed). */
export function passkeyPages(): AppRouter {
  const router = createRouter();

  router.post('/account/passkeys/:passkeyId/rename', async (c) => {
    const session = requireSession(c);
    const body = await c.req.parseBody();
    await renameMyPasskey({
      db: c.get('deps').database.db,
      config: c.get('deps').config,
      requestId: c.get('requestId'),
      personId: session.personId,
      passkeyId: c.req.param('passkeyId'),
      label: typeof body.label === 'string' ? body.label : '',
    });
    return c.redirect('/account?notice=passkey-renamed#passkeys', 303);
  });

  router.post('/account/passkeys/:passkeyId/delete', async (c) => {
    const session = requireSession(c);
    await removeMyPasskey({
      db: c.get('deps').database.db,
      config: c.get('deps').config,
      requestId: c.get('requestId'),
      personId: session.personId,
      passkeyId: c.req.param('passkeyId'),
    });
    return c.redirect('/account?notice=passkey-removed#passkeys', 303);
  });

  return router;
}
