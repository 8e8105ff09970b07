import type { Kysely } from 'kysely';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { createHmac, randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { z } from 'zod';
import { consumeRateLimit } from '../../platform/auth/rate-limit.js';
import { pseudonym } from '../../platform/auth/secrets.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/schema.js';
import { withPerson, withTenant } from '../../platform/db/tenant-scope.js';
import { AppError } from '../../platform/errors.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import * as cards from './card.repository.js';
import * as repository from './registrations.repository.js';

/**
 * The registration card (登録証) proves a registration to a facility clerk or a shop by a QR code that
 * opens PUBLIC_URL/verify?token=…. The token is a compact JWS, HS256 under a key derived from APP_SECRET
 * for this purpose only (see `cardKey`): only this service signs and only this service checks, so a
 * shared key is enough and its 32-byte signature keeps the QR small (version 12-M behind a 30-character
 * origin). It lives 5 minutes, so a screenshot passed around stops working soon after it was taken; the
 * holder's page fetches a fresh one before that.
 *
 * Claims: `typ` ('card', so no other token this service may sign one day passes as a card), `lg` (the
 * government's code), `sub` (the registration id), `jti`, `iat`, `exp`. No personal data: what the
 * checker sees is read from the registration when the token is checked, so a card of a registration
 * that ended a minute ago already shows 無効.
 */
export const cardTokenLifetimeSeconds = 5 * 60;

const cardTokenType = 'card';
const cardKeyContext = 'furusato:registration-card-token:v1';
/** Checks of one token allowed per window: a clerk scans once or twice; a script polling a leaked token stops. */
const verifyRateLimit = { limit: 20, windowSeconds: cardTokenLifetimeSeconds };
/** Longer than any token this service signs (about 300 characters); anything longer is not worth parsing. */
const maxTokenLength = 1024;

/**
 * The card signing key: HMAC-SHA256 of a fixed context string under APP_SECRET. Deriving it keeps the card
 * key apart from every other use of the secret (pseudonyms, sealed TOTP secrets); changing APP_SECRET
 * invalidates outstanding cards, which at 5 minutes' life costs holders one refresh.
 */
function cardKey(secret: string): Uint8Array {
  return new Uint8Array(createHmac('sha256', secret).update(cardKeyContext).digest());
}

const CardClaims = z.object({
  typ: z.literal(cardTokenType),
  lg: z.string().refine(isValidLgCode),
  sub: z.uuid(),
  jti: z.string().min(16).max(64),
  iat: z.number().int(),
  exp: z.number().int(),
});

export interface SignedCardToken {
  token: string;
  issuedAt: Date;
  expiresAt: Date;
}

/**
 * Signs a card token for a registration. Exported for tests, which sign tokens in the past to check
 * expiry; pages and the API go through `issueCardToken`, which checks that the registration is the
 * person's own and active.
 */
export async function signCardToken(options: {
  config: Pick<Config, 'APP_SECRET'>;
  lgCode: string;
  registrationId: string;
  now?: Date;
}): Promise<SignedCardToken> {
  const issuedAtSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const expiresAtSeconds = issuedAtSeconds + cardTokenLifetimeSeconds;
  const token = await new SignJWT({ typ: cardTokenType, lg: options.lgCode })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.registrationId)
    .setJti(randomBytes(12).toString('base64url'))
    .setIssuedAt(issuedAtSeconds)
    .setExpirationTime(expiresAtSeconds)
    .sign(cardKey(options.config.APP_SECRET));
  return { token, issuedAt: new Date(issuedAtSeconds * 1000), expiresAt: new Date(expiresAtSeconds * 1000) };
}

/** The address the QR code holds: the public verify page, which any phone camera opens. */
export function cardVerifyUrl(config: Pick<Config, 'PUBLIC_URL'>, token: string): string {
  return `${config.PUBLIC_URL.replace(/\/+$/, '')}/verify?token=${encodeURIComponent(token)}`;
}

/**
 * The QR code as an SVG data: image (the CSP allows img-src data:, and no script draws it). Margin 4 is
 * the quiet zone the QR standard asks for; level M survives a scratched or glaring screen.
 */
export async function cardQrCodeDataUri(url: string): Promise<string> {
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

export interface CardToken extends SignedCardToken {
  verifyUrl: string;
  qrCodeDataUri: string;
}

async function drawCardToken(
  config: Pick<Config, 'APP_SECRET' | 'PUBLIC_URL'>,
  row: { lg_code: string; id: string },
  now?: Date,
): Promise<CardToken> {
  const signed = await signCardToken({ config, lgCode: row.lg_code, registrationId: row.id, ...(now ? { now } : {}) });
  const verifyUrl = cardVerifyUrl(config, signed.token);
  return { ...signed, verifyUrl, qrCodeDataUri: await cardQrCodeDataUri(verifyUrl) };
}

interface CardContext {
  db: Kysely<Database>;
  config: Pick<Config, 'APP_SECRET' | 'PUBLIC_URL'>;
  personId: string;
  lgCode: string;
  now?: Date;
}

/** The person's own active registration, read in person scope; anything else is "not found" (404). */
async function ownActiveRegistration(options: CardContext): Promise<cards.CardRow> {
  if (!isValidLgCode(options.lgCode)) throw new AppError('registration_not_found');
  const row = await withPerson(options.db, options.personId, (trx) =>
    cards.findOwnActiveRegistration(trx, options.personId, options.lgCode),
  );
  if (!row) throw new AppError('registration_not_found');
  return row;
}

/** A fresh card token for the person's own active registration with `lgCode` (the page's refresh). */
export async function issueCardToken(options: CardContext): Promise<CardToken> {
  const row = await ownActiveRegistration(options);
  return drawCardToken(options.config, row, options.now);
}

async function governmentOf(db: Kysely<Database>, lgCode: string) {
  const row = await repository.findGovernment(db, lgCode);
  if (!row) return undefined;
  return {
    lgCode: row.lg_code,
    name: row.kind === 'prefecture' ? row.name : `${row.prefecture_name}${row.name}`,
    participating: row.tenant_status === 'active',
  };
}

function premiumExpired(row: Pick<cards.CardRow, 'tier' | 'premium_valid_until'>, now: Date): boolean {
  return row.tier === 'premium' && row.premium_valid_until !== null && row.premium_valid_until <= now;
}

export interface MyCard {
  lgCode: string;
  governmentName: string;
  tier: 'basic' | 'premium';
  /** Premium: the end of the year of validity. Basic: null (no renewal, 更新不要). */
  validUntil: Date | null;
  premiumExpired: boolean;
  longStay: boolean;
  ownResidence: boolean;
  /** Only when the holder chose to show their name on the card. */
  holderName: string | null;
  token: CardToken;
}

/** What the holder's card page shows, with a fresh token. Another person's or an ended registration: 404. */
export async function getMyCard(options: CardContext): Promise<MyCard> {
  const row = await ownActiveRegistration(options);
  const government = await governmentOf(options.db, row.lg_code);
  const now = options.now ?? new Date();
  return {
    lgCode: row.lg_code,
    governmentName: government?.name ?? row.lg_code,
    tier: row.tier,
    validUntil: row.tier === 'premium' ? row.premium_valid_until : null,
    premiumExpired: premiumExpired(row, now),
    longStay: row.long_stay,
    ownResidence: row.own_residence,
    holderName: row.show_name_on_card ? row.shared_name : null,
    token: await drawCardToken(options.config, row, options.now),
  };
}

export const cardInvalidReasons = [
  'malformed',
  'bad_signature',
  'expired',
  'registration_ended',
  'premium_expired',
] as const;
export type CardInvalidReason = (typeof cardInvalidReasons)[number];

/**
 * The whole answer to whoever checks a card, and all of it: nothing about the holder beyond the name they
 * chose to show. A token that is not ours, not readable or expired says nothing about any registration.
 */
export interface CardVerification {
  valid: boolean;
  reason: CardInvalidReason | null;
  government: { lgCode: string; name: string } | null;
  tier: 'basic' | 'premium' | null;
  /** Premium: valid until; basic: null (no renewal). */
  validUntil: Date | null;
  holderName: string | null;
  checkedAt: Date;
}

function refused(reason: CardInvalidReason, checkedAt: Date, government?: { lgCode: string; name: string }) {
  return {
    valid: false,
    reason,
    government: government ?? null,
    tier: null,
    validUntil: null,
    holderName: null,
    checkedAt,
  } satisfies CardVerification;
}

function reasonOf(error: unknown): CardInvalidReason {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  // An unsigned (alg "none") or differently signed token is as good as a forged signature.
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JOSEAlgNotAllowed) {
    return 'bad_signature';
  }
  return 'malformed';
}

/**
 * Checks a card token for the public verify page and API (no sign-in). The signature and expiry are
 * checked before anything touches the database, so a guessed or forged token costs one HMAC and learns
 * nothing. A genuine token then counts against a per-token rate limit and the registration is read in
 * the tenant scope of the government the token names, by the id it names, as it is now.
 */
export async function verifyCardToken(options: {
  db: Kysely<Database>;
  config: Pick<Config, 'APP_SECRET'>;
  token: string;
  now?: Date;
}): Promise<CardVerification> {
  const now = options.now ?? new Date();
  const token = options.token.trim();
  if (token.length === 0 || token.length > maxTokenLength) return refused('malformed', now);
  let claims: z.infer<typeof CardClaims>;
  try {
    const { payload } = await jwtVerify(token, cardKey(options.config.APP_SECRET), {
      algorithms: ['HS256'],
      requiredClaims: ['iat', 'exp', 'jti', 'sub'],
      currentDate: now,
    });
    const parsed = CardClaims.safeParse(payload);
    if (!parsed.success) return refused('malformed', now);
    claims = parsed.data;
  } catch (error) {
    return refused(reasonOf(error), now);
  }

  await consumeRateLimit(options.db, `card-verify:${pseudonym(options.config.APP_SECRET, token)}`, verifyRateLimit);
  const government = await governmentOf(options.db, claims.lg);
  if (!government) return refused('malformed', now);
  const shown = { lgCode: government.lgCode, name: government.name };
  const row = await withTenant(options.db, claims.lg, (scope) => cards.findRegistrationForCard(scope, claims.sub));
  if (!row || row.status !== 'active' || !government.participating) return refused('registration_ended', now, shown);
  if (premiumExpired(row, now)) {
    return { ...refused('premium_expired', now, shown), tier: row.tier, validUntil: row.premium_valid_until };
  }
  return {
    valid: true,
    reason: null,
    government: shown,
    tier: row.tier,
    validUntil: row.tier === 'premium' ? row.premium_valid_until : null,
    holderName: row.show_name_on_card ? row.shared_name : null,
    checkedAt: now,
  };
}

export type CardHolder =
  | { valid: true; lgCode: string; registrationId: string; personId: string }
  | { valid: false; reason: CardInvalidReason };

/**
 * Who holds a card, for an organiser who scanned it to record attendance. The token must have been
 * valid when it was scanned (`scannedAt`: an offline device sends its scans later) and the
 * registration must still be active. Unlike `verifyCardToken` this answers the holder's account id,
 * so it is for the server's own use only and never shown to the organiser.
 */
export async function identifyCardHolder(options: {
  db: Kysely<Database>;
  config: Pick<Config, 'APP_SECRET'>;
  token: string;
  scannedAt: Date;
}): Promise<CardHolder> {
  const token = options.token.trim();
  if (token.length === 0 || token.length > maxTokenLength) return { valid: false, reason: 'malformed' };
  let claims: z.infer<typeof CardClaims>;
  try {
    const { payload } = await jwtVerify(token, cardKey(options.config.APP_SECRET), {
      algorithms: ['HS256'],
      requiredClaims: ['iat', 'exp', 'jti', 'sub'],
      currentDate: options.scannedAt,
    });
    const parsed = CardClaims.safeParse(payload);
    if (!parsed.success) return { valid: false, reason: 'malformed' };
    claims = parsed.data;
  } catch (error) {
    return { valid: false, reason: reasonOf(error) };
  }
  const row = await withTenant(options.db, claims.lg, (scope) => cards.findCardHolder(scope, claims.sub));
  if (!row || row.status !== 'active') return { valid: false, reason: 'registration_ended' };
  return { valid: true, lgCode: claims.lg, registrationId: row.id, personId: row.person_id };
}

/** The card token inside what a scanner read: the verify URL the QR code holds, or the bare token. */
export function cardTokenIn(scanned: string): string | undefined {
  const text = scanned.trim();
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text)) return text;
  try {
    const url = new URL(text);
    return url.pathname === '/verify' ? (url.searchParams.get('token') ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}
