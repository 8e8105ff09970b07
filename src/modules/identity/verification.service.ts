import type { Kysely } from 'kysely';
import * as oidc from 'openid-client';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { personSubject, recordPersonAuditEvent } from '../../platform/audit.js';
import { consumeRateLimit } from '../../platform/auth/rate-limit.js';
import { hashToken } from '../../platform/auth/secrets.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { japanDate } from '../../platform/time.js';
import {
  configuredIssuer,
  oidcClient,
  verificationErrorOf,
  verificationRedirectUri,
  verificationScope,
} from './oidc-client.js';
import { addressMaster, residenceFromAddress, residenceNames, type Residence } from './residence.js';
import * as repository from './verification.repository.js';

/** How long a trip to the provider may take, from the start button to the callback. */
export const authorizationRequestMinutes = 10;
/** 成年 (Civil Code art. 4 since 2022). */
export const adultAge = 18;

/** Completed years on `date` (both YYYY-MM-DD): a year is added on the birthday. */
export function ageOn(birthDate: string, date: string): number {
  const [birthYear, birthRest] = [Number(birthDate.slice(0, 4)), birthDate.slice(5)];
  const [year, rest] = [Number(date.slice(0, 4)), date.slice(5)];
  return year - birthYear - (rest < birthRest ? 1 : 0);
}

export interface Verification {
  id: string;
  verifiedAt: Date;
  expiresAt: Date;
  /** False once expires_at has passed. */
  current: boolean;
  verifiedName: string;
  /** YYYY-MM-DD */
  birthDate: string;
  /** Under 18 today (Japan time). */
  minor: boolean;
  /** Under 18 on the day of verification. */
  minorAtVerification: boolean;
  residence: Residence & { prefectureName: string | null; municipalityName: string | null };
}

async function toVerification(record: repository.VerificationRecord, now: Date): Promise<Verification> {
  const residence = { prefectureCode: record.residence_prefecture_code, lgCode: record.residence_lg_code };
  const names = await residenceNames(residence);
  return {
    id: record.id,
    verifiedAt: record.verified_at,
    expiresAt: record.expires_at,
    current: record.expires_at > now,
    verifiedName: record.verified_name,
    birthDate: record.birth_date,
    minor: ageOn(record.birth_date, japanDate(now)) < adultAge,
    minorAtVerification: record.minor,
    residence: { ...residence, prefectureName: names.prefecture, municipalityName: names.municipality },
  };
}

/** The person's latest verification, current or expired; undefined when they never verified. */
export async function getLatestVerification(options: {
  db: Kysely<Database>;
  personId: string;
  now?: Date;
}): Promise<Verification | undefined> {
  const record = await repository.findLatestVerification(options.db, options.personId);
  return record ? toVerification(record, options.now ?? new Date()) : undefined;
}

/**
 * The person's verification if it is still valid (VERIFICATION_VALID_DAYS after it was made). Premium
 * registration requires one (DOMAIN §3).
 */
export async function getCurrentVerification(options: {
  db: Kysely<Database>;
  personId: string;
  now?: Date;
}): Promise<Verification | undefined> {
  const verification = await getLatestVerification(options);
  return verification?.current ? verification : undefined;
}

/**
 * Starts a verification: a fresh state, nonce and PKCE verifier, kept for ten minutes, and the
 * provider's authorization URL to send the person to.
 */
export async function startVerification(options: {
  db: Kysely<Database>;
  config: Config;
  personId: string;
  returnPath?: string;
}): Promise<{ authorizationUrl: string; expiresAt: Date }> {
  const issuer = configuredIssuer(options.config);
  await consumeRateLimit(options.db, `verification-start:${options.personId}`, { limit: 10, windowSeconds: 10 * 60 });
  const client = await oidcClient(options.config);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const expiresAt = new Date(Date.now() + authorizationRequestMinutes * 60 * 1000);
  await repository.pruneAuthorizationRequestsOf(options.db, options.personId);
  await repository.insertAuthorizationRequest(options.db, {
    id: uuidv7(),
    state_hash: hashToken(state),
    nonce,
    code_verifier: codeVerifier,
    person_id: options.personId,
    issuer,
    return_path: options.returnPath ?? null,
    expires_at: expiresAt,
  });
  const url = oidc.buildAuthorizationUrl(client, {
    redirect_uri: verificationRedirectUri(options.config),
    scope: verificationScope,
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { authorizationUrl: url.href, expiresAt };
}

const AddressClaim = z.union([
  z.string(),
  z
    .object({
      formatted: z.string().optional(),
      region: z.string().optional(),
      locality: z.string().optional(),
      street_address: z.string().optional(),
    })
    .transform(
      (address) =>
        address.formatted ?? [address.region, address.locality, address.street_address].filter(Boolean).join(''),
    ),
]);

/** The 基本4情報 the service asked for. Anything missing or malformed fails the verification. */
const VerifiedClaims = z.object({
  name: z.string().trim().min(1).max(200),
  birthdate: z.iso.date(),
  address: AddressClaim.pipe(z.string().trim().min(1).max(500)),
});

const claimsMissing = new AppError('verification_failed', {
  detail: {
    ja: 'デジタル認証アプリから、氏名・生年月日・住所を受け取れませんでした。何も保存していません。',
    en: 'The digital authentication app did not send the name, birth date and address. Nothing was saved.',
  },
});

async function recordFailure(
  db: Kysely<Database>,
  options: { personId: string; reason: string; requestId?: string },
): Promise<void> {
  await recordPersonAuditEvent(db, {
    subject: personSubject(options.personId),
    action: 'person.identity_verification_failed',
    data: { reason: options.reason },
    ...(options.requestId ? { requestId: options.requestId } : {}),
  });
}

/**
 * Completes a verification from the provider's callback parameters. The state must name an unused,
 * unexpired request of this person (used up here, so a replay fails); openid-client then checks the
 * response (issuer), exchanges the code with the PKCE verifier under private_key_jwt, and checks the ID
 * token (signature, issuer, audience, expiry, nonce). Only then is anything stored: the verification,
 * with the residence derived from the address but not the address, and its audit event, together.
 * A refusal stores nothing but an audit event naming the reason.
 */
export async function completeVerification(options: {
  db: Kysely<Database>;
  config: Config;
  personId: string;
  callbackParameters: URLSearchParams;
  requestId?: string;
  now?: () => Date;
}): Promise<{ verification: Verification; returnPath: string | null }> {
  const { db, personId } = options;
  const requestId = options.requestId ? { requestId: options.requestId } : {};
  const state = options.callbackParameters.get('state') ?? '';
  const stateHash = hashToken(state);
  const request = state ? await repository.consumeAuthorizationRequest(db, { stateHash, personId }) : undefined;
  if (!request) {
    const reason = state ? await repository.refusedStateReason(db, { stateHash, personId }) : 'state_missing';
    await recordFailure(db, { personId, reason, ...requestId });
    throw new AppError('verification_state_invalid');
  }

  let claims: z.infer<typeof VerifiedClaims>;
  let subject: string;
  let issuer: string;
  try {
    if (request.issuer !== configuredIssuer(options.config)) throw new AppError('verification_state_invalid');
    const client = await oidcClient(options.config);
    const callbackUrl = new URL(verificationRedirectUri(options.config));
    callbackUrl.search = options.callbackParameters.toString();
    const tokens = await oidc.authorizationCodeGrant(client, callbackUrl, {
      pkceCodeVerifier: request.code_verifier,
      expectedState: state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
    const idToken = tokens.claims();
    if (!idToken) throw claimsMissing;
    // The userinfo response must name the same subject as the ID token (openid-client checks it).
    const userInfo = await oidc.fetchUserInfo(client, tokens.access_token, idToken.sub);
    const parsed = VerifiedClaims.safeParse({ ...idToken, ...userInfo });
    if (!parsed.success) throw claimsMissing;
    claims = parsed.data;
    subject = idToken.sub;
    issuer = idToken.iss;
  } catch (error) {
    const refusal = verificationErrorOf(error);
    await recordFailure(db, { personId, reason: refusal.reason, ...requestId });
    throw refusal.error;
  }

  const now = options.now?.() ?? new Date();
  const residence = residenceFromAddress(claims.address, await addressMaster());
  const minor = ageOn(claims.birthdate, japanDate(now)) < adultAge;
  const verificationId = uuidv7();
  const expiresAt = new Date(now.getTime() + options.config.VERIFICATION_VALID_DAYS * 24 * 60 * 60 * 1000);
  try {
    await db.transaction().execute(async (trx) => {
      if (await repository.findOtherHolderOfCard(trx, { issuer, subject, personId })) {
        throw new AppError('verification_card_in_use');
      }
      await repository.supersedeVerificationsOf(trx, personId);
      await repository.insertVerification(trx, {
        id: verificationId,
        person_id: personId,
        issuer,
        subject,
        verified_at: now,
        expires_at: expiresAt,
        verified_name: claims.name,
        birth_date: claims.birthdate,
        minor,
        residence_prefecture_code: residence.prefectureCode,
        residence_lg_code: residence.lgCode,
      });
      await recordPersonAuditEvent(trx, {
        subject: personSubject(personId),
        action: 'person.identity_verified',
        data: { verificationId, minor, residenceFound: residence.lgCode !== null, expiresAt: expiresAt.toISOString() },
        ...requestId,
      });
    });
  } catch (error) {
    // A concurrent verification with the same card by another account loses on the unique index.
    const cardInUse =
      (error instanceof AppError && error.code === 'verification_card_in_use') ||
      (error as { code?: unknown }).code === '23505';
    if (!cardInUse) throw error;
    await recordFailure(db, { personId, reason: 'card_in_use', ...requestId });
    throw new AppError('verification_card_in_use');
  }
  const verification = await getLatestVerification({ db, personId, now });
  if (!verification) throw new AppError('internal_error');
  return { verification, returnPath: request.return_path };
}
