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
        <h2>{t({ ja: '担い手活動を試す', en: 'Trying 担い手 activities' })}</h2>
        <ul>
          <li>
            {t({
              ja: '登録者（hanako）: 「担い手活動」から活動をさがして申し込み、「わたしの活動」でプレミアム登録の要件（2回参加済み・あと1回）と参加の記録を見られます。',
              en: 'Registrant (hanako): find and apply to activities; 「わたしの活動」 shows the premium progress (2 of 3) and the history.',
            })}
          </li>
          <li>
            {t({
              ja: '団体担当者（jichikai）・自治体職員: 職員用ページの「担い手活動」から事業・日程・参加者名簿を管理し、「チェックイン受付」で30秒ごとに変わるQRコードを表示できます。別の端末（またはスマートフォン）で hanako としてログインし、「会場でチェックインする」から読み取ってください。',
              en: 'Organisation staff (jichikai) and city staff: manage projects, sessions and rosters; the check-in desk shows a code changing every 30 seconds. Sign in as hanako on another device and scan it from 「会場でチェックインする」.',
            })}
          </li>
        </ul>
      </Layout>,
    );
  });
  return router;
}
