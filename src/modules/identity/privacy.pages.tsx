import type { Context } from 'hono';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { clearSessionCookie, requireSession } from '../../platform/http/session.js';
import { AppError } from '../../platform/errors.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage } from '../../platform/ui/layout.js';
import type { AccountSection } from './account-sections.js';
import { deleteMyAccount, exportMyData } from './privacy.service.js';

export const privacyAccountSection: AccountSection = ({ page }) => (
  <section aria-labelledby="privacy-heading">
    <h2 id="privacy-heading">{page.t({ ja: 'あなたのデータ', en: 'Your data' })}</h2>
    <p>
      {page.t({
        ja: 'この仕組みが保存しているあなたのデータを、すべてダウンロードできます（JSON形式）。',
        en: 'You can download all the data this service keeps about you (JSON).',
      })}
    </p>
    <p>
      <a class="button button--secondary" href="/account/export" download="furusato-my-data.json">
        {page.t({ ja: 'データをダウンロード', en: 'Download my data' })}
      </a>
    </p>
    <p>
      <a href="/account/delete">{page.t({ ja: 'アカウントを削除する', en: 'Delete my account' })}</a>
    </p>
  </section>
);

const deleteTitle = { ja: 'アカウントの削除', en: 'Delete account' };

function deletePage(c: Context<AppEnv>, error?: AppError) {
  requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  return renderPage(
    c,
    <Layout page={page} title={deleteTitle}>
      <h1>{t(deleteTitle)}</h1>
      <p>
        {t({
          ja: 'アカウントを削除すると、すべての自治体への登録を取り下げ、メールアドレス・表示名・本人確認の結果・パスキーなどの個人データを消去します。元に戻すことはできません。',
          en: 'Deleting your account withdraws all your registrations and erases your personal data (e-mail address, display name, identity verification, passkeys). This cannot be undone.',
        })}
      </p>
      <p>
        {t({
          ja: '記録（監査ログ）には、あなたと結びつかない番号だけが残ります。',
          en: 'The audit trail keeps only a number that no longer leads to you.',
        })}
      </p>
      <PostForm page={page} action="/account/delete" class="form-stack">
        {error && <Notice kind="error">{t(error.detail ?? { ja: '', en: '' })}</Notice>}
        <div class="field">
          <label for="confirmation">
            {t({ ja: '確認のため「削除」と入力してください', en: 'Type "delete" to confirm' })}
          </label>
          <input
            type="text"
            id="confirmation"
            name="confirmation"
            required
            autocomplete="off"
            aria-invalid={error ? 'true' : undefined}
          />
        </div>
        <div>
          <button class="button button--danger" type="submit">
            {t({ ja: 'アカウントを削除する', en: 'Delete my account' })}
          </button>
        </div>
      </PostForm>
      <p>
        <a href="/account">{t({ ja: 'やめる（アカウントへ戻る）', en: 'Cancel (back to account)' })}</a>
      </p>
    </Layout>,
    error ? 400 : 200,
  );
}

export function privacyPages(): AppRouter {
  const router = createRouter();

  router.get('/account/export', async (c) => {
    const session = requireSession(c);
    const document = await exportMyData({
      db: c.get('deps').database.db,
      personId: session.personId,
      requestId: c.get('requestId'),
    });
    return c.body(JSON.stringify(document, null, 2), 200, {
      'Content-Type': 'application/json; charset=UTF-8',
      'Content-Disposition': 'attachment; filename="furusato-my-data.json"',
      'Cache-Control': 'no-store',
    });
  });

  router.get('/account/delete', (c) => deletePage(c));

  router.post('/account/delete', async (c) => {
    const session = requireSession(c);
    const body = await c.req.parseBody();
    try {
      await deleteMyAccount({
        db: c.get('deps').database.db,
        personId: session.personId,
        confirmation: typeof body.confirmation === 'string' ? body.confirmation : '',
        requestId: c.get('requestId'),
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'validation_failed') return deletePage(c, error);
      throw error;
    }
    clearSessionCookie(c);
    c.set('session', undefined);
    const page = pageContext(c);
    const title = { ja: 'アカウントを削除しました', en: 'Your account was deleted' };
    return renderPage(
      c,
      <Layout page={page} title={title}>
        <h1>{page.t(title)}</h1>
        <p>
          {page.t({
            ja: 'これまでのご協力、ありがとうございました。またいつでも登録できます。',
            en: 'Thank you for your support so far. You are welcome to register again at any time.',
          })}
        </p>
        <p>
          <a href="/">{page.t({ ja: 'ホームへ', en: 'Home' })}</a>
        </p>
      </Layout>,
    );
  });

  return router;
}
