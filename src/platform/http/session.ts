import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { findSession, type CurrentSession } from '../auth/sessions.js';
import { AppError } from '../errors.js';
import type { AppEnv } from './app.js';

/** `__Host-` pins the cookie to this host over HTTPS; plain HTTP in development cannot use the prefix. */
export function sessionCookieName(production: boolean): string {
  return production ? '__Host-sid' : 'sid';
}

/** Loads the session named by the cookie, if any, into `c.var.session`. */
export const loadSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  const production = c.get('deps').config.NODE_ENV === 'production';
  const token = getCookie(c, sessionCookieName(production));
  if (token) {
    const session = await findSession(c.get('deps').database.db, token);
    if (session) c.set('session', session);
    else deleteCookie(c, sessionCookieName(production), { path: '/', secure: production });
  }
  await next();
};

export function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: Date): void {
  const production = c.get('deps').config.NODE_ENV === 'production';
  setCookie(c, sessionCookieName(production), token, {
    path: '/',
    httpOnly: true,
    secure: production,
    sameSite: 'Lax',
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  const production = c.get('deps').config.NODE_ENV === 'production';
  deleteCookie(c, sessionCookieName(production), { path: '/', secure: production });
}

export function sessionCookieToken(c: Context<AppEnv>): string | undefined {
  return getCookie(c, sessionCookieName(c.get('deps').config.NODE_ENV === 'production'));
}

/** The signed-in person, or a 401 (`unauthenticated`) that pages turn into a trip to the sign-in page. */
export function requireSession(c: Context<AppEnv>): CurrentSession {
  const session = c.get('session');
  if (!session) throw new AppError('unauthenticated');
  return session;
}
