import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { languageDetector } from 'hono/language';
import { requestId } from 'hono/request-id';
import { matchedRoutes } from 'hono/route';
import { secureHeaders } from 'hono/secure-headers';
import type { CurrentSession } from '../auth/sessions.js';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/database.js';
import { AppError, toAppError, type FieldError } from '../errors.js';
import { isLocale, type Locale } from '../i18n.js';
import type { Logger } from '../logger.js';
import type { MailSink } from '../mail/mail-sink.js';
import { csrfProtection, isTokenAuthorisedPost } from './csrf.js';
import { problemJson, statusToCode } from './problem.js';
import { loadSession } from './session.js';

/** What every request handler can reach: configuration, logger and database. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  /** Development only: the local SMTP sink that catches all mail, shown at /dev/mailbox. */
  mailSink?: MailSink;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    language: string;
    deps: AppDeps;
    /** The double-submit token forms must send back (see csrf.ts). */
    csrfToken: string;
    /** Set when the request carries a live session cookie. */
    session?: CurrentSession;
    /** Unread in-app notifications of the signed-in person, for the header (set for pages only). */
    unreadNotifications?: number;
  };
}

export type AppRouter = OpenAPIHono<AppEnv>;

/** Largest upload (an image and its form fields) on the paths in `uploadPathPatterns`. */
export const uploadBodyLimitBytes = 12 * 1024 * 1024;

/** POST paths that take file uploads, so the body limit is `uploadBodyLimitBytes` instead of 1 MiB. */
export const uploadPathPatterns: RegExp[] = [];

export function localeOf(c: Context<AppEnv>): Locale {
  const language = c.get('language');
  return isLocale(language) ? language : 'ja';
}

const targetToLocation: Record<string, FieldError['in']> = {
  param: 'path',
  query: 'query',
  json: 'body',
  form: 'form',
  header: 'header',
  cookie: 'header',
};

/**
 * Turns a failed zod validation into a 400 problem that names each field, so a client (or a person
 * reading the message) knows exactly what to fix.
 */
const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (result.success) return;
  const location = targetToLocation[result.target] ?? 'body';
  const fieldErrors: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || result.target,
    in: location,
    message: issue.message,
  }));
  const names = [...new Set(fieldErrors.map((error) => error.field))].join(', ');
  throw new AppError('validation_failed', {
    fieldErrors,
    detail: { ja: `${names} の値が正しくありません。`, en: `Invalid value for ${names}.` },
  });
};

/** A router whose validation failures become problem documents. Modules build their routes on it. */
export function createRouter(): AppRouter {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

function isApiRequest(c: Context): boolean {
  return c.req.path.startsWith('/api/') || c.req.path === '/readyz' || c.req.path === '/healthz';
}

/** The route pattern that served the request (never the concrete path, which may carry tokens). */
function routePatternOf(c: Context): string {
  const routes = matchedRoutes(c).filter((route) => route.method !== 'ALL');
  return routes.at(-1)?.path ?? '(unmatched)';
}

const requestLog =
  (logger: Logger): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const entry = {
      requestId: c.get('requestId'),
      method: c.req.method,
      route: routePatternOf(c),
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    if (status >= 500) logger.error(entry, 'request failed');
    else logger.info(entry, 'request');
  };

export interface HtmlErrorRenderer {
  (c: Context<AppEnv>, error: AppError): Response | Promise<Response>;
}

/**
 * The platform layer every module sits on: request id, request log, secure headers with a strict CSP
 * (no inline script), CSRF origin check, body size limit, language detection, and one error handler
 * that answers problem+json to the API and a readable page to people.
 */
export function createApp(deps: AppDeps, options: { renderErrorPage: HtmlErrorRenderer }): AppRouter {
  const app = createRouter();
  const production = deps.config.NODE_ENV === 'production';

  app.use(requestId({ limitLength: 64 }));
  app.use(requestLog(deps.logger));
  app.use(async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        // The verification start form answers with a redirect to the OpenID Connect provider, and
        // browsers apply form-action to where a form submission is redirected.
        formAction: ["'self'", ...(deps.config.OIDC_ISSUER ? [new URL(deps.config.OIDC_ISSUER).origin] : [])],
        frameAncestors: ["'none'"],
        ...(production ? { upgradeInsecureRequests: [] } : {}),
      },
      strictTransportSecurity: production ? 'max-age=63072000; includeSubDomains' : false,
      referrerPolicy: 'strict-origin-when-cross-origin',
      crossOriginEmbedderPolicy: false,
      permissionsPolicy: { camera: ['self'], geolocation: [], microphone: [] },
    }),
  );
  const originCheck = csrf({
    origin: (origin) => origin === new URL(deps.config.PUBLIC_URL).origin || isLoopbackOrigin(origin, production),
  });
  app.use((c, next) => (isTokenAuthorisedPost(c) ? next() : originCheck(c, next)));
  const bodyLimitError = () => {
    throw new AppError('payload_too_large');
  };
  const smallBody = bodyLimit({ maxSize: 1024 * 1024, onError: bodyLimitError });
  // Photos from a phone camera are larger than any form; routes that take them register their paths.
  const uploadBody = bodyLimit({ maxSize: uploadBodyLimitBytes, onError: bodyLimitError });
  app.use((c, next) =>
    c.req.method === 'POST' && uploadPathPatterns.some((pattern) => pattern.test(c.req.path))
      ? uploadBody(c, next)
      : smallBody(c, next),
  );
  app.use(
    languageDetector({
      supportedLanguages: ['ja', 'en'],
      fallbackLanguage: 'ja',
      order: ['querystring', 'cookie', 'header'],
      lookupQueryString: 'lang',
      lookupCookie: 'lang',
      caches: ['cookie'],
      cookieOptions: { path: '/', sameSite: 'Lax', secure: production, httpOnly: true, maxAge: 60 * 60 * 24 * 365 },
    }),
  );
  app.use(csrfProtection);
  app.use(loadSession);

  app.notFound((c) => {
    const error = new AppError('not_found');
    return isApiRequest(c) ? problemJson(c, error, localeOf(c)) : options.renderErrorPage(c, error);
  });

  app.onError((thrown, c) => {
    const error =
      thrown instanceof HTTPException && !(thrown instanceof AppError)
        ? new AppError(thrown.status === 403 ? 'csrf_rejected' : statusToCode(thrown.status), { cause: thrown })
        : toAppError(thrown);
    if (error.status >= 500) {
      const cause = error.cause instanceof Error ? error.cause : undefined;
      deps.logger.error(
        {
          requestId: c.get('requestId'),
          code: error.code,
          err: cause ? { type: cause.name, message: cause.message, stack: cause.stack } : undefined,
        },
        'request error',
      );
    }
    if (isApiRequest(c)) return problemJson(c, error, localeOf(c));
    // A person who is not signed in is taken to the sign-in page and brought back afterwards.
    if (error.code === 'unauthenticated' && c.req.method === 'GET') {
      const url = new URL(c.req.url);
      return c.redirect(`/signin?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    return options.renderErrorPage(c, error);
  });

  return app;
}

/** During development the site is also reached as 127.0.0.1 or localhost on another port. */
function isLoopbackOrigin(origin: string, production: boolean): boolean {
  if (production) return false;
  try {
    const { hostname } = new URL(origin);
    return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
  } catch {
    return false;
  }
}
