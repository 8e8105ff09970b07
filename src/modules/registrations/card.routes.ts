import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, type AppRouter } from '../../platform/http/app.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession } from '../../platform/http/session.js';
import {
  cardInvalidReasons,
  cardTokenLifetimeSeconds,
  issueCardToken,
  verifyCardToken,
  type CardVerification,
} from './card.service.js';

const tags = ['registrations'];

/** Tokens and verification results are for the moment: no cache, no proxy may keep them. */
const noStore = { 'Cache-Control': 'no-store' } as const;

const CardTokenSchema = z
  .object({
    token: z.string().meta({ description: 'Compact JWS (HS256), valid for 5 minutes' }),
    verifyUrl: z.url().meta({ description: 'What the QR code holds: the public verify page with the token' }),
    expiresAt: z.iso.datetime(),
    qrCodeDataUri: z.string().meta({ description: 'The QR code of verifyUrl as an SVG data: URI' }),
  })
  .openapi('CardToken');

export const CardVerificationSchema = z
  .object({
    valid: z.boolean(),
    reason: z
      .enum(cardInvalidReasons)
      .nullable()
      .meta({
        description:
          'Why the card is not valid: malformed (not a card token), bad_signature (not issued by this service), ' +
          'expired (older than 5 minutes: ask the holder to refresh), registration_ended, premium_expired',
      }),
    government: z
      .object({ lgCode: z.string().meta({ example: '042056' }), name: z.string().meta({ example: '宮城県気仙沼市' }) })
      .nullable()
      .meta({ description: 'The government registered with; null when the token could not be read' }),
    tier: z.enum(['basic', 'premium']).nullable(),
    validUntil: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'Premium: end of validity. Basic: null (no renewal needed)' }),
    holderName: z.string().nullable().meta({ description: 'Only when the holder chose to show it on the card' }),
    checkedAt: z.iso.datetime(),
  })
  .openapi('CardVerification');

const cardTokenRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/registrations/{lgCode}/card-token',
  tags,
  summary: 'A fresh registration card token and QR code for one of my active registrations',
  description: `The card page fetches this before its token expires (${cardTokenLifetimeSeconds / 60} minutes).`,
  request: {
    params: z.object({
      lgCode: z
        .string()
        .regex(/^\d{6}$/)
        .meta({ param: { name: 'lgCode', in: 'path' }, example: '042056' }),
    }),
  },
  responses: {
    200: {
      description: 'A token, its verify URL and QR code',
      content: { 'application/json': { schema: CardTokenSchema } },
    },
    400: problemResponse('The code is not 6 digits'),
    401: problemResponse('Not signed in'),
    404: problemResponse('No active registration of mine with this government'),
  },
});

const verifyRoute = createRoute({
  method: 'get',
  path: '/api/v1/cards/verify',
  tags,
  summary: 'Check a registration card token (public, no sign-in)',
  description:
    'For facilities and shops that scan the card. Answers whether the card is valid and, for a genuine token, the ' +
    "government, tier, validity and the holder's name if they chose to show it; nothing else about the holder. " +
    'A genuine token can be checked 20 times in 5 minutes.',
  request: {
    query: z.object({ token: z.string().min(1).max(4096).meta({ description: 'The token from the QR code' }) }),
  },
  responses: {
    200: {
      description: 'The result (an invalid card is a result, not an error)',
      content: { 'application/json': { schema: CardVerificationSchema } },
    },
    400: problemResponse('No token given'),
    429: problemResponse('This token was checked too often'),
  },
});

export function presentVerification(result: CardVerification): z.infer<typeof CardVerificationSchema> {
  return {
    valid: result.valid,
    reason: result.reason,
    government: result.government,
    tier: result.tier,
    validUntil: result.validUntil?.toISOString() ?? null,
    holderName: result.holderName,
    checkedAt: result.checkedAt.toISOString(),
  };
}

export function cardRoutes(): AppRouter {
  const router = createRouter();

  router.openapi(cardTokenRoute, async (c) => {
    const session = requireSession(c);
    const { database, config } = c.get('deps');
    const card = await issueCardToken({
      db: database.db,
      config,
      personId: session.personId,
      lgCode: c.req.valid('param').lgCode,
    });
    return c.json(
      {
        token: card.token,
        verifyUrl: card.verifyUrl,
        expiresAt: card.expiresAt.toISOString(),
        qrCodeDataUri: card.qrCodeDataUri,
      },
      200,
      noStore,
    );
  });

  router.openapi(verifyRoute, async (c) => {
    const { database, config } = c.get('deps');
    const result = await verifyCardToken({ db: database.db, config, token: c.req.valid('query').token });
    return c.json(presentVerification(result), 200, noStore);
  });

  return router;
}
