import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import {
  clearSessionCookie,
  requireSession,
  sessionCookieToken,
  setSessionCookie,
} from '../../platform/http/session.js';
import { localeOf } from '../../platform/http/app.js';
import {
  completeEmailSignIn,
  listMySessions,
  revokeMySession,
  signOut,
  startEmailSignIn,
  updateMyProfile,
} from './identity.service.js';
import { deleteMyAccount, exportMyData } from './privacy.service.js';

const tags = ['identity'];
const csrfNote = `State-changing requests need the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie (double submit).`;

const MeSchema = z
  .object({
    id: z.uuid(),
    email: z.email(),
    displayName: z.string().nullable(),
    locale: z.enum(['ja', 'en']),
    authenticatedBy: z.enum(['email', 'passkey']),
  })
  .openapi('Me');

const SessionSchema = z
  .object({
    id: z.uuid(),
    authenticatedBy: z.enum(['email', 'passkey']),
    device: z.string(),
    createdAt: z.iso.datetime(),
    lastSeenAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    current: z.boolean(),
  })
  .openapi('Session');

const startRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/email/start',
  tags,
  summary: 'Send a sign-in link and code by e-mail (also signs up a new address)',
  description: `The answer is the same whether or not the address has an account. ${csrfNote}`,
  request: {
    body: { required: true, content: { 'application/json': { schema: z.object({ email: z.string().max(254) }) } } },
  },
  responses: {
    202: {
      description: 'Mail queued',
      content: { 'application/json': { schema: z.object({ challengeId: z.uuid() }) } },
    },
    400: problemResponse('Not an e-mail address'),
    403: problemResponse('CSRF token missing or wrong'),
    429: problemResponse('Too many sign-in mails for this address'),
  },
});

const verifyRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/email/verify',
  tags,
  summary: 'Complete e-mail sign-in with the link token, or with the challenge id and the 6-digit code',
  description: `Sets the session cookie. ${csrfNote}`,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.union([
            z.object({ token: z.string().min(1).max(200) }),
            z.object({ challengeId: z.string().max(64), code: z.string().regex(/^\d{6}$/) }),
          ]),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Signed in',
      content: { 'application/json': { schema: z.object({ personId: z.uuid(), created: z.boolean() }) } },
    },
    400: problemResponse('Wrong, expired or used link or code'),
    403: problemResponse('CSRF token missing or wrong'),
  },
});

const signOutRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/signout',
  tags,
  summary: 'End this session',
  responses: { 204: { description: 'Signed out' }, 403: problemResponse('CSRF token missing or wrong') },
});

const meRoute = createRoute({
  method: 'get',
  path: '/api/v1/me',
  tags,
  summary: 'The signed-in person',
  responses: {
    200: { description: 'The person', content: { 'application/json': { schema: MeSchema } } },
    401: problemResponse('Not signed in'),
  },
});

const updateMeRoute = createRoute({
  method: 'patch',
  path: '/api/v1/me',
  tags,
  summary: 'Change display name and language',
  description: csrfNote,
  request: {
    body: {
      required: true,
      content: {
        'application/json': { schema: z.object({ displayName: z.string().max(50), locale: z.enum(['ja', 'en']) }) },
      },
    },
  },
  responses: {
    204: { description: 'Saved' },
    400: problemResponse('Invalid profile'),
    401: problemResponse('Not signed in'),
  },
});

const sessionsRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/sessions',
  tags,
  summary: 'Active sessions of the signed-in person',
  responses: {
    200: {
      description: 'Sessions',
      content: { 'application/json': { schema: z.object({ items: z.array(SessionSchema) }) } },
    },
    401: problemResponse('Not signed in'),
  },
});

const revokeRoute = createRoute({
  method: 'delete',
  path: '/api/v1/me/sessions/{sessionId}',
  tags,
  summary: 'Sign out one of the own sessions',
  description: csrfNote,
  request: { params: z.object({ sessionId: z.string().max(64) }) },
  responses: {
    204: { description: 'Revoked' },
    401: problemResponse('Not signed in'),
    404: problemResponse('No such session of this person'),
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/export',
  tags,
  summary: 'Everything the platform keeps about the signed-in person (right of access)',
  responses: {
    200: {
      description: 'One JSON document, one key per module',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
    401: problemResponse('Not signed in'),
  },
});

const deleteMeRoute = createRoute({
  method: 'delete',
  path: '/api/v1/me',
  tags,
  summary: 'Delete the account: withdraw all registrations and erase personal data',
  description: `Send {"confirmation": "delete"}. ${csrfNote}`,
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ confirmation: z.string().max(20) }) } },
    },
  },
  responses: {
    204: { description: 'Deleted; the session ends' },
    400: problemResponse('Confirmation missing'),
    401: problemResponse('Not signed in'),
  },
});

export function identityRoutes(): AppRouter {
  const router = createRouter();
  const context = (c: Parameters<Parameters<AppRouter['openapi']>[1]>[0]) => ({
    db: c.get('deps').database.db,
    config: c.get('deps').config,
    requestId: c.get('requestId'),
  });

  router.openapi(startRoute, async (c) => {
    const { email } = c.req.valid('json');
    return c.json(await startEmailSignIn({ ...context(c), email, locale: localeOf(c) }), 202);
  });

  router.openapi(verifyRoute, async (c) => {
    const proof = c.req.valid('json');
    const userAgent = c.req.header('user-agent');
    const signedIn = await completeEmailSignIn({
      ...context(c),
      proof,
      locale: localeOf(c),
      ...(userAgent ? { userAgent } : {}),
    });
    setSessionCookie(c, signedIn.token, signedIn.expiresAt);
    return c.json({ personId: signedIn.personId, created: signedIn.created }, 200);
  });

  router.openapi(signOutRoute, async (c) => {
    const session = c.get('session');
    const token = sessionCookieToken(c);
    if (session && token) await signOut({ ...context(c), sessionToken: token, personId: session.personId });
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  router.openapi(meRoute, (c) => {
    const session = requireSession(c);
    return c.json(
      {
        id: session.personId,
        email: session.email,
        displayName: session.displayName,
        locale: session.locale,
        authenticatedBy: session.authenticatedBy,
      },
      200,
    );
  });

  router.openapi(updateMeRoute, async (c) => {
    const session = requireSession(c);
    await updateMyProfile({ db: context(c).db, personId: session.personId, profile: c.req.valid('json') });
    return c.body(null, 204);
  });

  router.openapi(sessionsRoute, async (c) => {
    const session = requireSession(c);
    const items = await listMySessions({
      db: context(c).db,
      personId: session.personId,
      currentSessionId: session.sessionId,
    });
    return c.json(
      {
        items: items.map((item) => ({
          ...item,
          createdAt: item.createdAt.toISOString(),
          lastSeenAt: item.lastSeenAt.toISOString(),
          expiresAt: item.expiresAt.toISOString(),
        })),
      },
      200,
    );
  });

  router.openapi(revokeRoute, async (c) => {
    const session = requireSession(c);
    await revokeMySession({ ...context(c), personId: session.personId, sessionId: c.req.valid('param').sessionId });
    return c.body(null, 204);
  });

  router.openapi(exportRoute, async (c) => {
    const session = requireSession(c);
    return c.json(await exportMyData({ ...context(c), personId: session.personId }), 200);
  });

  router.openapi(deleteMeRoute, async (c) => {
    const session = requireSession(c);
    await deleteMyAccount({
      ...context(c),
      personId: session.personId,
      confirmation: c.req.valid('json').confirmation,
    });
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  return router;
}
