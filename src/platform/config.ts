import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const booleanFromEnv = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

/**
 * Every environment variable the product reads. Parsed once at boot; a bad value stops the
 * process with a message that names the variable (see `loadConfig`).
 */
export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Public base URL, used in links that leave the site (mail, QR codes). */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  /** PostgreSQL connection string. When unset the embedded PGlite database under PGLITE_DIR is used. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /** Folder of the embedded database. `memory://` keeps it in memory (tests). */
  PGLITE_DIR: z.string().min(1).default('./data/pglite'),
  /** Largest number of pooled connections to PostgreSQL (ignored for PGlite, which has one session). */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Database role that tenant transactions switch to; row-level security applies to it. */
  DATABASE_APP_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be a plain lower-case SQL identifier')
    .default('furusato_app'),
  /** Load the demo towns and accounts when the database is empty. */
  DEMO_DATA: booleanFromEnv.optional(),
  /** Run the background job runner inside this process. */
  JOBS_ENABLED: booleanFromEnv.default(true),
  JOBS_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Seconds to let in-flight requests finish after SIGTERM before the process exits anyway. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
  /**
   * Key for HMACs (pseudonyms in the audit trail) and for encrypting second-factor secrets. Required in
   * production; development and tests use a fixed, public one.
   */
  APP_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Outgoing mail server, e.g. smtps://user:password@smtp.example.jp:465. Required in production. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3).default('ふるさと住民登録 <no-reply@furusato.localhost>'),
  /** Port of the development mail sink that catches all mail when SMTP_URL is unset (0: any free port). */
  DEV_SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(2525),
  /** Days a sign-in lasts. */
  SESSION_DAYS: z.coerce.number().int().min(1).max(400).default(30),
  /**
   * Issuer of the デジタル認証アプリ (OpenID Connect) for My Number card verification. Required in production;
   * unset elsewhere, the process starts a local development provider (src/dev/oidc-provider.ts).
   */
  OIDC_ISSUER: z.url().optional(),
  /** Client id that the issuer gave this service. */
  OIDC_CLIENT_ID: z.string().min(1).max(255).optional(),
  /** The private_key_jwt signing key: a private JWK as JSON, or the path of a PEM or JWK file. */
  OIDC_PRIVATE_KEY: z
    .string()
    .transform((value, ctx) => {
      try {
        return parsePrivateJwk(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  /** Days an identity verification stays valid before the person must verify again. */
  VERIFICATION_VALID_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /** Port of the development OpenID Connect provider (0: any free port; a free one is taken if busy). */
  DEV_OIDC_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  /**
   * Web Push (VAPID, RFC 8292) key pair, base64url as `npx web-push generate-vapid-keys` prints it. Outside
   * production a published development pair is used; in production push is offered only when both are set.
   */
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{87}$/, 'must be an uncompressed P-256 public key, base64url (87 characters)')
    .optional(),
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a P-256 private key, base64url (43 characters)')
    .optional(),
  /** Contact the push services may use about this sender: a mailto: or https: URL. */
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:\/\/)/, 'must start with mailto: or https://')
    .default('mailto:no-reply@furusato.localhost'),
});

export type Config = Omit<z.infer<typeof ConfigSchema>, 'APP_SECRET'> & {
  demoData: boolean;
  APP_SECRET: string;
  /** The VAPID pair Web Push signs with, or undefined when push is off (production without keys). */
  webPush: { publicKey: string; privateKey: string; subject: string } | undefined;
};

/** Used only outside production, where nothing real is protected by it. */
const developmentSecret = 'furusato-development-secret-not-for-production-use';

/** Published on purpose, like the development secret: push works on a laptop without configuration. */
const developmentVapid = {
  publicKey: 'BEbOivSvM-kuK6L0t3AN9VqnNbo_ftt8nsoGOFLI2_1HJ4e39M0mHQdc8GsaDVAC1PHvFV00qpihnkkSWQmwD3w',
  privateKey: 'kLyy9K5AiJeQ0O4nBTW7A4aCmF4yXHOBuKcC7wXUKPU',
};

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses `env` (default: `process.env`). Throws `ConfigError` listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`));
  }
  const config = parsed.data;
  if (config.NODE_ENV === 'production') {
    const missing = [
      ...(config.APP_SECRET ? [] : ['APP_SECRET: required in production (32 characters or more)']),
      ...(config.SMTP_URL ? [] : ['SMTP_URL: required in production (mail must reach people)']),
      ...(config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_PRIVATE_KEY
        ? []
        : ['OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_PRIVATE_KEY: required in production (My Number card verification)']),
      ...(config.OIDC_ISSUER && !config.OIDC_ISSUER.startsWith('https://')
        ? ['OIDC_ISSUER: must be an https:// address in production']
        : []),
    ];
    if (missing.length > 0) throw new ConfigError(missing);
  }
  const oidcSettings = [config.OIDC_ISSUER, config.OIDC_CLIENT_ID, config.OIDC_PRIVATE_KEY];
  if (oidcSettings.some(Boolean) && !oidcSettings.every(Boolean)) {
    throw new ConfigError(['OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_PRIVATE_KEY: set all three or none']);
  }
  if (Boolean(config.VAPID_PUBLIC_KEY) !== Boolean(config.VAPID_PRIVATE_KEY)) {
    throw new ConfigError(['VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: set both or none']);
  }
  // Demo data is on by default only for the zero-setup embedded database outside production.
  const demoData = config.DEMO_DATA ?? (config.DATABASE_URL === undefined && config.NODE_ENV !== 'production');
  const vapid =
    config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY
      ? { publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY }
      : config.NODE_ENV === 'production'
        ? undefined
        : developmentVapid;
  return {
    ...config,
    demoData,
    APP_SECRET: config.APP_SECRET ?? developmentSecret,
    webPush: vapid ? { ...vapid, subject: config.VAPID_SUBJECT } : undefined,
  };
}

/** A private JSON Web Key with the `kid` and `alg` the client assertion is signed with. */
export interface PrivateJwk {
  kty: string;
  d: string;
  kid: string;
  alg: string;
  crv?: string;
  [member: string]: unknown;
}

const defaultAlgorithm: Record<string, string> = {
  'EC/P-256': 'ES256',
  'EC/P-384': 'ES384',
  'EC/P-521': 'ES512',
  'OKP/Ed25519': 'EdDSA',
  'RSA/': 'RS256',
};

/**
 * Reads OIDC_PRIVATE_KEY: inline JWK JSON, or a file holding a JWK or a PEM private key. Without a `kid`
 * the key gets its RFC 7638 thumbprint, the usual way a provider tells registered keys apart.
 */
export function parsePrivateJwk(value: string): PrivateJwk {
  const text = value.trim().startsWith('{') ? value : readKeyFile(value);
  let jwk: Record<string, unknown>;
  if (text.trim().startsWith('{')) {
    try {
      jwk = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error('not valid JSON');
    }
  } else {
    try {
      jwk = createPrivateKey(text).export({ format: 'jwk' }) as Record<string, unknown>;
    } catch {
      throw new Error('not a PEM private key');
    }
  }
  if (typeof jwk.kty !== 'string' || typeof jwk.d !== 'string') throw new Error('must be a private key (with "d")');
  const curve = typeof jwk.crv === 'string' ? jwk.crv : '';
  const alg = typeof jwk.alg === 'string' ? jwk.alg : defaultAlgorithm[`${jwk.kty}/${jwk.kty === 'RSA' ? '' : curve}`];
  if (!alg) throw new Error(`unsupported key type ${jwk.kty} ${curve}`.trim());
  const required = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'], OKP: ['crv', 'kty', 'x'] }[jwk.kty] ?? [];
  const thumbprint = createHash('sha256')
    .update(JSON.stringify(Object.fromEntries(required.map((member) => [member, jwk[member]]))))
    .digest('base64url');
  return { ...jwk, kty: jwk.kty, d: jwk.d, alg, kid: typeof jwk.kid === 'string' ? jwk.kid : thumbprint };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new Error(`cannot read the key file ${path}`);
  }
}
