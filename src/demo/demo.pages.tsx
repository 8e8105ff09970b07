import { currentTotpCode } from '../modules/staff/index.js';
import { AppError } from '../platform/errors.js';
import { createRouter, type AppRouter } from '../platform/http/app.js';
import { Layout, pageContext, renderPage } from '../platform/ui/layout.js';
import { demoAccounts, demoTotpSecret } from './demo-data.js';

/**
 * How to try the demo: the accounts, where their sign-in mail arrives, and the current code of the
 * published demo authenticator secret. Only with demo data outside production.
 */
export function demoPages(): AppRouter {
  const router = createRouter();
  router.get('/dev/demo', (c) => {
    const { config } = c.get('deps');
    if (!config.demoData || config.NODE_ENV === 'production') throw new AppError('not_found');
    const page = pageContext(c);
    const { t } = page;
    const title = { ja: 'デモの使い方', en: 'Trying the demo' };
    return renderPage(
      c,
      <Layout page={page} title={title}>
        <h1>{t(title)}</h1>
        <ol>
          <li>
            {t({ ja: '下のメールアドレスで', en: 'Sign in at ' })}
            <a href="/signin">{t({ ja: 'ログイン', en: '/signin' })}</a>
            {t({ ja: 'します。', en: ' with an address below.' })}
          </li>
          <li>
            {t({ ja: 'ログイン用のメールは', en: 'The sign-in mail arrives in the ' })}
            <a href="/dev/mailbox">{t({ ja: '開発用メールボックス', en: 'development mailbox' })}</a>
            {t({ ja: 'に届きます。', en: '.' })}
          </li>
          <li>
            {t({
              ja: '職員のアカウントでは、二段階認証に次の確認コードを入力します（30秒ごとに変わります。ページを再読み込みしてください）。',
              en: 'Staff accounts then ask for the code below (it changes every 30 seconds: reload the page).',
            })}
          </li>
        </ol>
        <p class="lead">
          {t({ ja: '現在の確認コード', en: 'Current code' })}: <strong>{currentTotpCode(demoTotpSecret)}</strong>
        </p>
        <p class="muted">
          {t({ ja: '認証アプリに登録する場合の秘密鍵', en: 'Secret for an authenticator app' })}:{' '}
          <code>{demoTotpSecret}</code>
        </p>
        <table class="data">
          <thead>
            <tr>
              <th scope="col">{t({ ja: 'メールアドレス', en: 'E-mail address' })}</th>
              <th scope="col">{t({ ja: '立場', en: 'Role' })}</th>
            </tr>
          </thead>
          <tbody>
            {demoAccounts.map((account) => (
              <tr>
                <td>
                  <code>{account.email}</code>
                </td>
                <td>{t(account.description)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Layout>,
    );
  });
  return router;
}
