import type { Child } from 'hono/jsx';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { CurrentSession } from '../auth/sessions.js';
import { localeOf, type AppEnv } from '../http/app.js';
import { csrfFieldName } from '../http/csrf.js';
import { translator, type Locale, type Localized } from '../i18n.js';

export interface PageContext {
  locale: Locale;
  t: (text: Localized) => string;
  /** Path and query of the current page, used to build the language switch. */
  currentUrl: URL;
  csrfToken: string;
  session: CurrentSession | undefined;
  /** Unread notifications of the signed-in person (the header shows the count). */
  unreadNotifications: number;
}

export function pageContext(c: Context<AppEnv>): PageContext {
  const locale = localeOf(c);
  return {
    locale,
    t: translator(locale),
    currentUrl: new URL(c.req.url),
    csrfToken: c.get('csrfToken'),
    session: c.get('session'),
    unreadNotifications: c.get('unreadNotifications') ?? 0,
  };
}

const siteName: Localized = { ja: 'ふるさと住民登録', en: 'Furusato Resident Registration' };

const navigation: Array<{ href: string; label: Localized }> = [
  { href: '/', label: { ja: 'ホーム', en: 'Home' } },
  { href: '/municipalities', label: { ja: '自治体をさがす', en: 'Find a local government' } },
  { href: '/activities', label: { ja: '担い手活動', en: 'Activities' } },
  { href: '/search', label: { ja: '活動・お知らせ', en: 'Activities and news' } },
];

/** The same page in the other language: the detector stores the choice in a cookie. */
function languageSwitchHref(url: URL, target: Locale): string {
  const next = new URL(url);
  next.searchParams.set('lang', target);
  return `${next.pathname}${next.search}`;
}

export function Layout(props: { page: PageContext; title: Localized; children: Child }) {
  const { page } = props;
  const { t } = page;
  const otherLocale: Locale = page.locale === 'ja' ? 'en' : 'ja';
  const currentPath = page.currentUrl.pathname;
  return (
    <html lang={page.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${t(props.title)} | ${t(siteName)}`}</title>
        <link rel="icon" href="data:," />
        <meta name="csrf-token" content={page.csrfToken} />
        <link rel="stylesheet" href="/assets/tokens.css" />
        <link rel="stylesheet" href="/assets/app.css" />
      </head>
      <body>
        <a class="skip-link" href="#main">
          {t({ ja: '本文へ移動', en: 'Skip to main content' })}
        </a>
        <header class="site-header">
          <div class="site-header__inner">
            <a class="site-name" href="/">
              {t(siteName)}
            </a>
            <nav aria-label={t({ ja: 'メインメニュー', en: 'Main menu' })}>
              <ul class="nav-list">
                {navigation.map((item) => (
                  <li>
                    <a href={item.href} aria-current={item.href === currentPath ? 'page' : undefined}>
                      {t(item.label)}
                    </a>
                  </li>
                ))}
                {page.session ? (
                  <>
                    <li>
                      <a href="/my/places" aria-current={currentPath === '/my/places' ? 'page' : undefined}>
                        {t({ ja: '登録している自治体', en: 'My places' })}
                      </a>
                    </li>
                    <li>
                      <a href="/my/activities" aria-current={currentPath === '/my/activities' ? 'page' : undefined}>
                        {t({ ja: 'わたしの活動', en: 'My activities' })}
                      </a>
                    </li>
                    <li>
                      <a
                        href="/my/notifications"
                        class="nav-notifications"
                        aria-current={currentPath === '/my/notifications' ? 'page' : undefined}
                      >
                        {t({ ja: 'お知らせ', en: 'Notifications' })}
                        {page.unreadNotifications > 0 && (
                          <span class="count-badge">
                            {page.unreadNotifications > 99 ? '99+' : String(page.unreadNotifications)}
                            <span class="visually-hidden">{t({ ja: '件の未読', en: ' unread' })}</span>
                          </span>
                        )}
                      </a>
                    </li>
                    <li>
                      <a href="/my/surveys" aria-current={currentPath === '/my/surveys' ? 'page' : undefined}>
                        {t({ ja: 'アンケート', en: 'Surveys' })}
                      </a>
                    </li>
                    <li>
                      <a href="/my/rooms" aria-current={currentPath === '/my/rooms' ? 'page' : undefined}>
                        {t({ ja: 'コミュニティ', en: 'Community' })}
                      </a>
                    </li>
                    <li>
                      <a href="/account" aria-current={currentPath === '/account' ? 'page' : undefined}>
                        {t({ ja: 'アカウント', en: 'Account' })}
                      </a>
                    </li>
                    <li>
                      <form method="post" action="/signout" class="inline-form">
                        <input type="hidden" name={csrfFieldName} value={page.csrfToken} />
                        <button type="submit" class="link-button">
                          {t({ ja: 'ログアウト', en: 'Sign out' })}
                        </button>
                      </form>
                    </li>
                  </>
                ) : (
                  <li>
                    <a href="/signin" aria-current={currentPath === '/signin' ? 'page' : undefined}>
                      {t({ ja: 'ログイン', en: 'Sign in' })}
                    </a>
                  </li>
                )}
                <li>
                  <a href={languageSwitchHref(page.currentUrl, otherLocale)} lang={otherLocale} hreflang={otherLocale}>
                    {otherLocale === 'en' ? 'English' : '日本語'}
                  </a>
                </li>
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        <footer class="site-footer">
          <p>
            <a href="/api/docs">{t({ ja: 'API（開発者向け）', en: 'API (for developers)' })}</a>
          </p>
          <p>
            {t({
              ja: '自治体データ: 全国地方公共団体コード (code4fukui/localgovjp, CC0)',
              en: 'Local government data: code4fukui/localgovjp (CC0)',
            })}
          </p>
        </footer>
      </body>
    </html>
  );
}

/** Sends a full HTML document. */
export async function renderPage(c: Context<AppEnv>, element: unknown, status: ContentfulStatusCode = 200) {
  // An async component anywhere in the tree (a section that loads its data) makes toString() a promise.
  const html = await (await (element as Promise<{ toString(): string | Promise<string> }>)).toString();
  return c.html(`<!DOCTYPE html>${html}`, status);
}
