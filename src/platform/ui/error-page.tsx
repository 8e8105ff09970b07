import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../http/app.js';
import { problemCatalog, type AppError } from '../errors.js';
import { Layout, pageContext, renderPage } from './layout.js';

/** The page a person sees when something goes wrong: what happened, in their language, and a way on. */
export function renderErrorPage(c: Context<AppEnv>, error: AppError) {
  const page = pageContext(c);
  const entry = problemCatalog[error.code];
  const title = { ja: entry.ja.title, en: entry.en.title };
  const detail = error.detail ?? { ja: entry.ja.detail, en: entry.en.detail };
  const status = error.status as ContentfulStatusCode;
  return renderPage(
    c,
    <Layout page={page} title={title}>
      <h1>{page.t(title)}</h1>
      <p role="alert">{page.t(detail)}</p>
      {error.fieldErrors.length > 0 && (
        <ul class="error-list">
          {error.fieldErrors.map((field) => (
            <li>
              {field.field}: {field.message}
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href="/">{page.t({ ja: 'ホームへ戻る', en: 'Back to home' })}</a>
      </p>
      <p class="muted">
        {page.t({ ja: 'お問い合わせ番号', en: 'Reference' })}: <code>{c.get('requestId')}</code>
      </p>
    </Layout>,
    status,
  );
}
