import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../../platform/errors.js';
import { createRouter, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession } from '../../platform/http/session.js';
import {
  listGuardianConsents,
  requestGuardianConsent,
  withdrawGuardianConsent,
  type ConsentSummary,
} from './guardian.service.js';
import { safeNextPath } from './identity.pages.js';
import { getLatestVerification, startVerification } from './verification.service.js';

const tags = ['identity'];
const csrfNote = `State-changing requests need the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie (double submit).`;

const ResidenceSchema = z
  .object({
    prefectureCode: z.string().length(2).nullable(),
    prefectureName: z.string().nullable(),
    lgCode: z.string().length(6).nullable().meta({
      description: '全国地方公共団体コード of the municipality (a designated city for its wards); null when unknown',
    }),
    municipalityName: z.string().nullable(),
  })
  .openapi('Residence');

const VerificationSchema = z
  .object({
    status: z.enum(['none', 'verified', 'expired']),
    verification: z
      .object({
        id: z.uuid(),
        verifiedAt: z.iso.datetime(),
        expiresAt: z.iso.datetime(),
        verifiedName: z.string(),
        birthDate: z.iso.date(),
        minor: z.boolean().meta({ description: 'Under 18 today (Japan time)' }),
        residence: ResidenceSchema,
      })
      .nullable(),
  })
  .openapi('IdentityVerification');

const ConsentSchema = z
  .object({
    id: z.uuid(),
    scope: z.enum(['premium_registration']),
    status: z.enum(['pending', 'granted', 'withdrawn', 'cancelled']),
    otherPartyName: z.string().nullable().meta({ description: 'Verified name of the guardian (or of the minor)' }),
    requestedAt: z.iso.datetime(),
    linkExpiresAt: z.iso.datetime(),
    grantedAt: z.iso.datetime().nullable(),
    withdrawnAt: z.iso.datetime().nullable(),
  })
  .openapi('GuardianConsent');

const getVerificationRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/verification',
  tags,
  summary: 'Identity verification (My Number card) of the signed-in person',
  responses: {
    200: {
      description: 'Status and, when verified, the verified facts',
      content: { 'application/json': { schema: VerificationSchema } },
    },
    401: problemResponse('Not signed in'),
  },
});

const startVerificationRoute = createRoute({
  method: 'post',
  path: '/api/v1/me/verification/start',
  tags,
  summary: 'Start verification: the provider URL to send the person to',
  description:
    'Creates a one-time authorization request (state, nonce, PKCE S256; valid 10 minutes) and returns the ' +
    'デジタル認証アプリ authorization URL. The provider sends the browser back to /verification/callback, which ' +
    `completes the verification for the signed-in person. ${csrfNote}`,
  request: {
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z.object({
            returnPath: z
              .string()
              .max(500)
              .optional()
              .meta({ description: 'Path on this site to continue at afterwards' }),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Where to send the person',
      content: {
        'application/json': {
          schema: z.object({ authorizationUrl: z.url(), expiresAt: z.iso.datetime() }),
        },
      },
    },
    400: problemResponse('Invalid return path'),
    401: problemResponse('Not signed in'),
    429: problemResponse('Too many starts'),
    503: problemResponse('Provider not configured or unreachable'),
  },
});

const listConsentsRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/guardian-consents',
  tags,
  summary: 'Guardian consents asked for by the person (as a minor) and given by them (as a guardian)',
  responses: {
    200: {
      description: 'Consents, newest first',
      content: {
        'application/json': {
          schema: z.object({ asMinor: z.array(ConsentSchema), asGuardian: z.array(ConsentSchema) }),
        },
      },
    },
    401: problemResponse('Not signed in'),
  },
});

const requestConsentRoute = createRoute({
  method: 'post',
  path: '/api/v1/me/guardian-consents',
  tags,
  summary: 'As a verified minor, ask a guardian for consent (mails a one-time approval link)',
  description: csrfNote,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            guardianEmail: z.string().max(254),
            scope: z.enum(['premium_registration']).default('premium_registration'),
          }),
        },
      },
    },
  },
  responses: {
    202: {
      description: 'Request created, mail queued',
      content: { 'application/json': { schema: z.object({ consentId: z.uuid(), linkExpiresAt: z.iso.datetime() }) } },
    },
    400: problemResponse('Not an e-mail address'),
    401: problemResponse('Not signed in'),
    403: problemResponse('No current identity verification'),
    409: problemResponse('Not a minor, or consent already given'),
    429: problemResponse('Too many requests'),
  },
});

const withdrawConsentRoute = createRoute({
  method: 'post',
  path: '/api/v1/me/guardian-consents/{consentId}/withdraw',
  tags,
  summary: 'Withdraw a consent (the minor or the guardian), or cancel an open request (the minor)',
  description: csrfNote,
  request: { params: z.object({ consentId: z.string().max(64) }) },
  responses: {
    204: { description: 'Withdrawn' },
    401: problemResponse('Not signed in'),
    404: problemResponse('No such open consent of this person'),
  },
});

function consentJson(consent: ConsentSummary) {
  return {
    ...consent,
    requestedAt: consent.requestedAt.toISOString(),
    linkExpiresAt: consent.linkExpiresAt.toISOString(),
    grantedAt: consent.grantedAt?.toISOString() ?? null,
    withdrawnAt: consent.withdrawnAt?.toISOString() ?? null,
  };
}

export function verificationRoutes(): AppRouter {
  const router = createRouter();
  const context = (c: Parameters<Parameters<AppRouter['openapi']>[1]>[0]) => ({
    db: c.get('deps').database.db,
    config: c.get('deps').config,
    requestId: c.get('requestId'),
  });

  router.openapi(getVerificationRoute, async (c) => {
    const session = requireSession(c);
    const verification = await getLatestVerification({ db: context(c).db, personId: session.personId });
    if (!verification) return c.json({ status: 'none' as const, verification: null }, 200);
    return c.json(
      {
        status: verification.current ? ('verified' as const) : ('expired' as const),
        verification: {
          id: verification.id,
          verifiedAt: verification.verifiedAt.toISOString(),
          expiresAt: verification.expiresAt.toISOString(),
          verifiedName: verification.verifiedName,
          birthDate: verification.birthDate,
          minor: verification.minor,
          residence: verification.residence,
        },
      },
      200,
    );
  });

  router.openapi(startVerificationRoute, async (c) => {
    const session = requireSession(c);
    const body = c.req.valid('json') ?? {};
    const returnPath = body.returnPath === undefined ? undefined : safeNextPath(body.returnPath);
    if (body.returnPath !== undefined && !returnPath) {
      throw new AppError('validation_failed', {
        fieldErrors: [{ field: 'returnPath', in: 'body', message: 'must be a path on this site' }],
        detail: { ja: 'returnPath の値が正しくありません。', en: 'Invalid value for returnPath.' },
      });
    }
    const started = await startVerification({
      ...context(c),
      personId: session.personId,
      ...(returnPath ? { returnPath } : {}),
    });
    return c.json({ authorizationUrl: started.authorizationUrl, expiresAt: started.expiresAt.toISOString() }, 200);
  });

  router.openapi(listConsentsRoute, async (c) => {
    const session = requireSession(c);
    const consents = await listGuardianConsents({ db: context(c).db, personId: session.personId });
    return c.json(
      { asMinor: consents.asMinor.map(consentJson), asGuardian: consents.asGuardian.map(consentJson) },
      200,
    );
  });

  router.openapi(requestConsentRoute, async (c) => {
    const session = requireSession(c);
    const { guardianEmail, scope } = c.req.valid('json');
    const requested = await requestGuardianConsent({ ...context(c), personId: session.personId, guardianEmail, scope });
    return c.json({ consentId: requested.consentId, linkExpiresAt: requested.expiresAt.toISOString() }, 202);
  });

  router.openapi(withdrawConsentRoute, async (c) => {
    const session = requireSession(c);
    await withdrawGuardianConsent({
      ...context(c),
      personId: session.personId,
      consentId: c.req.valid('param').consentId,
    });
    return c.body(null, 204);
  });

  return router;
}
