import { importJWK } from 'jose';
import * as oidc from 'openid-client';
import type { Config } from '../../platform/config.js';
import { AppError } from '../../platform/errors.js';

/** What the デジタル認証アプリ is asked for: the subject, and of the 基本4情報 the name, address and birth date. */
export const verificationScope = 'openid name address birthdate';

export function verificationRedirectUri(config: Pick<Config, 'PUBLIC_URL'>): string {
  return `${config.PUBLIC_URL.replace(/\/+$/, '')}/verification/callback`;
}

const notConfigured = new AppError('verification_unavailable', {
  detail: {
    ja: '本人確認（デジタル認証アプリ）が設定されていません。運営者にお問い合わせください。',
    en: 'Identity verification (digital authentication app) is not configured. Please contact the operator.',
  },
});

/** The issuer of the configured provider, or a 503 when none is configured. */
export function configuredIssuer(config: Config): string {
  if (!config.OIDC_ISSUER || !config.OIDC_CLIENT_ID || !config.OIDC_PRIVATE_KEY) throw notConfigured;
  return config.OIDC_ISSUER;
}

const clients = new Map<string, Promise<oidc.Configuration>>();

/**
 * The OpenID Connect client for the configured issuer: discovery once per process (retried after a
 * failure), client authentication by private_key_jwt, ID token signatures checked against the issuer's
 * JWKS. Plain http is allowed only outside production,
 * where the local development provider runs on loopback.
 */
export function oidcClient(config: Config): Promise<oidc.Configuration> {
  const issuer = configuredIssuer(config);
  const clientId = config.OIDC_CLIENT_ID!;
  const jwk = config.OIDC_PRIVATE_KEY!;
  const cacheKey = `${issuer}\n${clientId}\n${jwk.kid}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = (async () => {
      const key = await importJWK(jwk, jwk.alg);
      if (!(key instanceof CryptoKey)) throw new Error('OIDC_PRIVATE_KEY is not an asymmetric private key');
      return oidc.discovery(new URL(issuer), clientId, undefined, oidc.PrivateKeyJwt({ key, kid: jwk.kid }), {
        // The ID token arrives over TLS from the token endpoint, where OIDC lets a client skip its
        // signature; we check it anyway, so a verification never rests on an unsigned claim of identity
        // and a forged token is refused even if the channel was not what it seemed.
        execute: [
          oidc.enableNonRepudiationChecks,
          ...(config.NODE_ENV === 'production' ? [] : [oidc.allowInsecureRequests]),
        ],
        timeout: 10,
      });
    })();
    clients.set(cacheKey, client);
    client.catch(() => clients.delete(cacheKey));
  }
  return client.catch((error: unknown) => {
    throw new AppError('verification_unavailable', { cause: error });
  });
}

/** Why openid-client refused a response: the part of its error that names the failed check. */
function failedCheck(error: oidc.ClientError): { message: string; claim: string | undefined } {
  const inner = error.cause instanceof Error ? error.cause : undefined;
  const details = inner?.cause;
  const claim =
    details && typeof details === 'object' && 'claim' in details && typeof details.claim === 'string'
      ? details.claim
      : undefined;
  return { message: inner?.message ?? error.message, claim };
}

/**
 * Maps a refusal by openid-client (which checks signature, issuer, audience, nonce, expiry, state and
 * PKCE) to the error the person sees, and a short reason for the audit trail.
 */
export function verificationErrorOf(error: unknown): { error: AppError; reason: string } {
  if (error instanceof AppError) return { error, reason: error.code };
  if (error instanceof oidc.AuthorizationResponseError) {
    return error.error === 'access_denied'
      ? { error: new AppError('verification_cancelled', { cause: error }), reason: 'access_denied' }
      : { error: new AppError('verification_failed', { cause: error }), reason: `provider:${error.error}` };
  }
  if (error instanceof oidc.ResponseBodyError) {
    return { error: new AppError('verification_failed', { cause: error }), reason: `token:${error.error}` };
  }
  if (error instanceof oidc.ClientError) {
    const { message, claim } = failedCheck(error);
    switch (error.code) {
      case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
        if (claim === 'nonce')
          return { error: new AppError('verification_nonce_mismatch', { cause: error }), reason: 'nonce' };
        if (claim === 'aud' || claim === 'azp')
          return { error: new AppError('verification_audience_mismatch', { cause: error }), reason: 'audience' };
        return { error: new AppError('verification_failed', { cause: error }), reason: `claim:${claim ?? 'unknown'}` };
      case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
        if (claim === 'exp' || claim === 'iat')
          return { error: new AppError('verification_token_expired', { cause: error }), reason: 'expired' };
        return { error: new AppError('verification_failed', { cause: error }), reason: `time:${claim ?? 'unknown'}` };
      case 'OAUTH_KEY_SELECTION_FAILED':
        return { error: new AppError('verification_signature_invalid', { cause: error }), reason: 'signature' };
      case 'OAUTH_INVALID_RESPONSE':
        if (/signature verification failed/i.test(message))
          return { error: new AppError('verification_signature_invalid', { cause: error }), reason: 'signature' };
        return { error: new AppError('verification_failed', { cause: error }), reason: 'invalid_response' };
      case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
      case 'OAUTH_RESPONSE_IS_NOT_JSON':
        return { error: new AppError('verification_unavailable', { cause: error }), reason: 'provider_error' };
      default:
        return { error: new AppError('verification_failed', { cause: error }), reason: error.code ?? 'client_error' };
    }
  }
  // fetch() rejects with "fetch failed" when the provider cannot be reached, and times out after 10 s.
  if (
    (error instanceof TypeError && /fetch failed/.test(error.message)) ||
    (error instanceof Error && error.name === 'TimeoutError')
  ) {
    return { error: new AppError('verification_unavailable', { cause: error }), reason: 'unreachable' };
  }
  return { error: new AppError('internal_error', { cause: error }), reason: 'internal' };
}
