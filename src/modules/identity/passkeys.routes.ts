import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession, setSessionCookie } from '../../platform/http/session.js';
import {
  completePasskeyRegistration,
  completePasskeySecondFactor,
  completePasskeySignIn,
  listMyPasskeys,
  removeMyPasskey,
  renameMyPasskey,
  startPasskeyRegistration,
  startPasskeySecondFactor,
  startPasskeySignIn,
  type PasskeyCeremony,
  type PasskeyView,
} from './passkeys.service.js';

const tags = ['identity'];
const csrfNote = `Needs the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie (double submit).`;
const ceremonyNote =
  'Sets an httpOnly cookie naming the challenge (5 minutes, one use); the matching `verify` call must come from ' +
  'the same browser. Pass the body to `startRegistration`/`startAuthentication` of @simplewebauthn/browser.';

/** `__Host-` pins the cookie to this host over HTTPS; plain HTTP in development cannot use the prefix. */
function challengeCookieName(c: Context<AppEnv>): string {
  return c.get('deps').config.NODE_ENV === 'production' ? '__Host-webauthn' : 'webauthn';
}

/**
 * The browser keeps only the id of the challenge row, httpOnly: the challenge a response must sign is
 * looked up on the server, so a client cannot choose it, and another browser cannot finish the ceremony.
 */
function setChallengeCookie(c: Context<AppEnv>, ceremony: PasskeyCeremony<unknown>): void {
  setCookie(c, challengeCookieName(c), ceremony.challengeId, {
    path: '/',
    httpOnly: true,
    secure: c.get('deps').config.NODE_ENV === 'production',
    sameSite: 'Strict',
    expires: ceremony.expiresAt,
  });
}

function takeChallengeCookie(c: Context<AppEnv>): string | undefined {
  const name = challengeCookieName(c);
  const value = getCookie(c, name);
  if (value !== undefined) {
    deleteCookie(c, name, { path: '/', secure: c.get('deps').config.NODE_ENV === 'production' });
  }
  return value;
}

const Base64Url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'base64url without padding');
const CredentialId = Base64Url.min(1).max(1400);

const CreationOptionsSchema = z
  .looseObject({ challenge: z.string(), rp: z.object({ id: z.string().optional(), name: z.string() }) })
  .openapi('PasskeyCreationOptions', {
    description: 'PublicKeyCredentialCreationOptionsJSON (WebAuthn Level 3)',
  });

const RequestOptionsSchema = z
  .looseObject({ challenge: z.string(), rpId: z.string().optional() })
  .openapi('PasskeyRequestOptions', {
    description: 'PublicKeyCredentialRequestOptionsJSON (WebAuthn Level 3)',
  });

const RegistrationCredentialSchema = z
  .object({
    id: CredentialId,
    rawId: CredentialId,
    type: z.literal('public-key'),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
    response: z.object({
      clientDataJSON: Base64Url.max(16_384),
      attestationObject: Base64Url.max(131_072),
      authenticatorData: Base64Url.max(131_072).optional(),
      transports: z.array(z.string().max(32)).max(16).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: Base64Url.max(16_384).optional(),
    }),
  })
  .openapi('PasskeyRegistrationCredential', { description: 'RegistrationResponseJSON (WebAuthn Level 3)' });

const AuthenticationCredentialSchema = z
  .object({
    id: CredentialId,
    rawId: CredentialId,
    type: z.literal('public-key'),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
    response: z.object({
      clientDataJSON: Base64Url.max(16_384),
      authenticatorData: Base64Url.max(131_072),
      signature: Base64Url.max(4_096),
      userHandle: Base64Url.max(128).optional(),
    }),
  })
  .openapi('PasskeyAuthenticationCredential', { description: 'AuthenticationResponseJSON (WebAuthn Level 3)' });

const PasskeySchema = z
  .object({
    id: z.string().meta({ description: 'The credential id (base64url)' }),
    label: z.string(),
    deviceType: z.enum(['singleDevice', 'multiDevice']).meta({ description: 'multiDevice: synced passkey' }),
    backedUp: z.boolean(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .openapi('Passkey');

const PasskeyIdParam = z.object({ passkeyId: CredentialId });

function present(passkey: PasskeyView) {
  return {
    ...passkey,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/passkeys',
  tags,
  summary: 'Passkeys of the signed-in person',
  responses: {
    200: {
      description: 'Passkeys, oldest first',
      content: { 'application/json': { schema: z.object({ items: z.array(PasskeySchema) }) } },
    },
    401: problemResponse('Not signed in'),
  },
});

const registrationOptionsRoute = createRoute({
  method: 'post',
  path: '/api/v1/passkeys/registration/options',
  tags,
  summary: 'Start adding a passkey (discoverable, user verification preferred)',
  description: `${ceremonyNote} ${csrfNote}`,
  responses: {
    200: { description: 'Creation options', content: { 'application/json': { schema: CreationOptionsSchema } } },
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    409: problemResponse('Already 20 passkeys'),
  },
});

const registrationVerifyRoute = createRoute({
  method: 'post',
  path: '/api/v1/passkeys/registration/verify',
  tags,
  summary: 'Finish adding a passkey',
  description: `\`label\` is the name the person gives the passkey (at most 50 characters; the browser's name when empty). ${csrfNote}`,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ credential: RegistrationCredentialSchema, label: z.string().max(200).optional() }),
        },
      },
    },
  },
  responses: {
    201: { description: 'Added', content: { 'application/json': { schema: PasskeySchema } } },
    400: problemResponse('Invalid, expired or already used challenge, or a response that does not verify'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    409: problemResponse('This passkey is already registered'),
  },
});

const renameRoute = createRoute({
  method: 'patch',
  path: '/api/v1/passkeys/{passkeyId}',
  tags,
  summary: 'Rename one of the own passkeys',
  description: csrfNote,
  request: {
    params: PasskeyIdParam,
    body: { required: true, content: { 'application/json': { schema: z.object({ label: z.string().max(200) }) } } },
  },
  responses: {
    204: { description: 'Renamed' },
    400: problemResponse('Empty or too long name'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('No such passkey of this person'),
  },
});

const removeRoute = createRoute({
  method: 'delete',
  path: '/api/v1/passkeys/{passkeyId}',
  tags,
  summary: 'Remove one of the own passkeys',
  description: csrfNote,
  request: { params: PasskeyIdParam },
  responses: {
    204: { description: 'Removed' },
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('No such passkey of this person'),
  },
});

const signInOptionsRoute = createRoute({
  method: 'post',
  path: '/api/v1/passkeys/authentication/options',
  tags,
  summary: 'Start signing in with a passkey (no e-mail address needed)',
  description: `${ceremonyNote} ${csrfNote}`,
  responses: {
    200: { description: 'Request options', content: { 'application/json': { schema: RequestOptionsSchema } } },
    403: problemResponse('CSRF token missing or wrong'),
  },
});

const signInVerifyRoute = createRoute({
  method: 'post',
  path: '/api/v1/passkeys/authentication/verify',
  tags,
  summary: 'Finish signing in with a passkey',
  description:
    'Sets the session cookie. `secondFactor` is true when the authenticator verified the person (PIN or ' +
    `biometrics): such a session already counts as having a second factor. ${csrfNote}`,
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ credential: AuthenticationCredentialSchema }) } },
    },
  },
  responses: {
    200: {
      description: 'Signed in',
      content: { 'application/json': { schema: z.object({ personId: z.uuid(), secondFactor: z.boolean() }) } },
    },
    400: problemResponse('Unknown passkey, expired or used challenge, or a response that does not verify'),
    403: problemResponse('CSRF token missing or wrong'),
    429: problemResponse('Too many attempts with this passkey'),
  },
});

const secondFactorOptionsRoute = createRoute({
  method: 'post',
  path: '/api/v1/passkeys/second-factor/options',
  tags,
  summary: 'Start proving a second factor with one of the own passkeys',
  description: `For staff work after an e-mail sign-in. ${ceremonyNote} ${csrfNote}`,
  responses: {
    200: { description: 'Request options', content: { 'application/json': { schema: RequestOptionsSchema } } },
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('The person has no passkey'),
  },
});

const secondFactorVerifyRoute = createRoute({
  method: 'post',
  path: '/api/v1/passkeys/second-factor/verify',
  tags,
  summary: 'Finish proving a second factor: marks this session',
  description: csrfNote,
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ credential: AuthenticationCredentialSchema }) } },
    },
  },
  responses: {
    200: {
      description: 'Second factor recorded on this session',
      content: { 'application/json': { schema: z.object({ secondFactorAt: z.iso.datetime() }) } },
    },
    400: problemResponse('Not a passkey of this person, expired or used challenge, or a response that does not verify'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    429: problemResponse('Too many attempts in this session'),
  },
});

export function passkeyRoutes(): AppRouter {
  const router = createRouter();
  const context = (c: Context<AppEnv>) => ({
    db: c.get('deps').database.db,
    config: c.get('deps').config,
    requestId: c.get('requestId'),
  });
  const userAgentOf = (c: Context<AppEnv>) => {
    const userAgent = c.req.header('user-agent');
    return userAgent ? { userAgent } : {};
  };

  router.openapi(listRoute, async (c) => {
    const session = requireSession(c);
    const items = await listMyPasskeys({ db: context(c).db, personId: session.personId });
    return c.json({ items: items.map(present) }, 200);
  });

  router.openapi(registrationOptionsRoute, async (c) => {
    const session = requireSession(c);
    const ceremony = await startPasskeyRegistration({ ...context(c), session });
    setChallengeCookie(c, ceremony);
    return c.json({ ...ceremony.options }, 200);
  });

  router.openapi(registrationVerifyRoute, async (c) => {
    const session = requireSession(c);
    const { credential, label } = c.req.valid('json');
    const passkey = await completePasskeyRegistration({
      ...context(c),
      session,
      challengeId: takeChallengeCookie(c),
      credential,
      ...(label !== undefined ? { label } : {}),
      ...userAgentOf(c),
    });
    return c.json(present(passkey), 201);
  });

  router.openapi(renameRoute, async (c) => {
    const session = requireSession(c);
    await renameMyPasskey({
      ...context(c),
      personId: session.personId,
      passkeyId: c.req.valid('param').passkeyId,
      label: c.req.valid('json').label,
    });
    return c.body(null, 204);
  });

  router.openapi(removeRoute, async (c) => {
    const session = requireSession(c);
    await removeMyPasskey({ ...context(c), personId: session.personId, passkeyId: c.req.valid('param').passkeyId });
    return c.body(null, 204);
  });

  router.openapi(signInOptionsRoute, async (c) => {
    const ceremony = await startPasskeySignIn(context(c));
    setChallengeCookie(c, ceremony);
    return c.json({ ...ceremony.options }, 200);
  });

  router.openapi(signInVerifyRoute, async (c) => {
    const signedIn = await completePasskeySignIn({
      ...context(c),
      challengeId: takeChallengeCookie(c),
      credential: c.req.valid('json').credential,
      ...userAgentOf(c),
    });
    setSessionCookie(c, signedIn.token, signedIn.expiresAt);
    return c.json({ personId: signedIn.personId, secondFactor: signedIn.secondFactor }, 200);
  });

  router.openapi(secondFactorOptionsRoute, async (c) => {
    const session = requireSession(c);
    const ceremony = await startPasskeySecondFactor({ ...context(c), session });
    setChallengeCookie(c, ceremony);
    return c.json({ ...ceremony.options }, 200);
  });

  router.openapi(secondFactorVerifyRoute, async (c) => {
    const session = requireSession(c);
    const { secondFactorAt } = await completePasskeySecondFactor({
      ...context(c),
      session,
      challengeId: takeChallengeCookie(c),
      credential: c.req.valid('json').credential,
    });
    return c.json({ secondFactorAt: secondFactorAt.toISOString() }, 200);
  });

  return router;
}
