import { createRouter, type AppRouter } from '../http/app.js';
import { AppError } from '../errors.js';
import { Layout, pageContext, renderPage } from '../ui/layout.js';

/** Splits text into plain parts and links, so a sign-in link in a caught mail can be clicked. */
function linkify(text: string) {
  return text
    .split(/(https?:\/\/[^\s]+)/g)
    .map((part) => (/^https?:\/\//.test(part) ? <a href={part}>{part}</a> : part));
}

/**
 * Development only: the mail the local SMTP sink caught, newest first, so that sign-in by e-mail works on
 * a laptop without a mail server. Absent (404) whenever real SMTP is configured.
 */
export function mailboxPages(): AppRouter {
  const router = createRouter();
  router.get('/dev/mailbox', (c) => {
    const sink = c.get('deps').mailSink;
    if (!sink || c.get('deps').config.NODE_ENV === 'production') throw new AppError('not_found');
    const page = pageContext(c);
    const { t } = page;
    const title = { ja: '開発用メールボックス', en: 'Development mailbox' };
    const messages = [...sink.messages].reverse();
    return renderPage(
      c,
      <Layout page={page} title={title}>
        <h1>{t(title)}</h1>
        <p>
          {t({
            ja: '開発環境では、送信されたメールはすべてここに届きます（実際には送信されません）。',
            en: 'In development every mail sent ends up here (nothing is really sent).',
          })}
        </p>
        {messages.length === 0 && <p>{t({ ja: 'メールはまだありません。', en: 'No mail yet.' })}</p>}
        {messages.map((mail) => (
          <article class="mail">
            <h2>{mail.subject}</h2>
            <p class="muted">
              {t({ ja: '宛先', en: 'To' })}: {mail.to.join(', ')} ・ {mail.receivedAt.toISOString()}
            </p>
            <pre class="mail-body">{linkify(mail.text)}</pre>
          </article>
        ))}
      </Layout>,
    );
  });
  return router;
}
