import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { randomToken, safeEqual } from '../auth/secrets.js';
import { AppError } from '../errors.js';
import type { AppEnv } from './app.js';

export const csrfFieldName = '_csrf';
export const csrfHeaderName = 'X-CSRF-Token';

/**
 * Paths whose POST is authorised by a signed token in the URL, not by a session: RFC 8058 one-click
 * unsubscribe, which mail providers post from their servers without Origin, cookies or a form token.
 * Neither CSRF wall applies there: forging the request needs the token, which is the whole authority.
 * Modules add their paths at load time.
 */
export const tokenAuthorisedPostPaths = new Set<string>();

export function isTokenAuthorisedPost(c: Context): boolean {
  return c.req.method === 'POST' && tokenAuthorisedPostPaths.has(c.req.path);
}

/**
 * Double-submit CSRF protection for every state-changing request. Each browser gets a random token in
 * an httpOnly cookie; pages put the same token in a hidden form field, scripts send it as a header.
 * A request that changes state without the matching token is refused — the Origin check in front of
 * this is the first wall, this is the second.
 */
export const csrfProtection: MiddlewareHandler<AppEnv> = async (c, next) => {
  const production = c.get('deps').config.NODE_ENV === 'production';
  const cookieName = production ? '__Host-csrf' : 'csrf';
  let token = getCookie(c, cookieName);
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
    token = randomToken();
    setCookie(c, cookieName, token, { path: '/', httpOnly: true, secure: production, sameSite: 'Lax' });
  }
  c.set('csrfToken', token);

  if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) && !isTokenAuthorisedPost(c)) {
    let sent = c.req.header(csrfHeaderName);
    if (!sent) {
      const type = c.req.header('content-type') ?? '';
      if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
        const field = (await c.req.parseBody())[csrfFieldName];
        sent = typeof field === 'string' ? field : undefined;
      }
    }
    if (!sent || !safeEqual(sent, token)) throw new AppError('csrf_rejected');
  }
  await next();
};
