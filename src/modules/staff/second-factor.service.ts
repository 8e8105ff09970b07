import type { Kysely } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { personSubject, recordPersonAuditEvent, type Actor } from '../../platform/audit.js';
import { consumeRateLimit } from '../../platform/auth/rate-limit.js';
import { decryptSecret, encryptSecret } from '../../platform/auth/secrets.js';
import { markSecondFactor, type CurrentSession } from '../../platform/auth/sessions.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { EmailAddress } from '../identity/index.js';
import * as repository from './staff.repository.js';
import { hasFreshSecondFactor } from './staff.service.js';

/** RFC 6238 as every authenticator app implements it: SHA-1, 6 digits, 30-second steps. */
const totpPeriodSeconds = 30;
/** One step either side: a phone clock off by up to 30 seconds still works. */
const totpWindow = 1;
const issuer = 'Furusato';

interface SecondFactorContext {
  db: Kysely<Database>;
  config: Pick<Config, 'APP_SECRET'>;
  session: CurrentSession;
  requestId?: string;
}

function totpOf(secretBase32: string, label: string): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: totpPeriodSeconds,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The secret as people type it into an app by hand: groups of four. */
function groupedSecret(secretBase32: string): string {
  return secretBase32.replace(/(.{4})(?=.)/g, '$1 ');
}

export type TotpEnrolment =
  { enrolled: true } | { enrolled: false; uri: string; secret: string; qrCodeDataUri: string };

/**
 * Shows what the authenticator app needs: the otpauth:// URI, the same as a QR code (an SVG drawn on the
 * server, sent as a data: image, which the CSP allows) and the secret for typing in. The pending secret
 * is kept sealed until the first code confirms it; opening the page again shows the same secret, so a
 * second tab does not invalidate the QR code scanned in the first.
 */
export async function startTotpEnrolment(options: SecondFactorContext): Promise<TotpEnrolment> {
  const { db, config, session } = options;
  let factor = await repository.findTotpFactor(db, session.personId);
  if (factor?.confirmed_at) return { enrolled: true };
  if (!factor) {
    const secret = new Secret({ size: 20 }).base32;
    await repository.insertPendingTotpFactor(db, session.personId, encryptSecret(config.APP_SECRET, secret));
    factor = await repository.findTotpFactor(db, session.personId);
    if (!factor) throw new Error('TOTP enrolment vanished');
  }
  const secret = decryptSecret(config.APP_SECRET, factor.sealed_secret);
  const uri = totpOf(secret, session.email).toString();
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return {
    enrolled: false,
    uri,
    secret: groupedSecret(secret),
    qrCodeDataUri: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
  };
}

export async function hasConfirmedTotp(options: { db: Kysely<Database>; personId: string }): Promise<boolean> {
  const factor = await repository.findTotpFactor(options.db, options.personId);
  return Boolean(factor?.confirmed_at);
}

type Failure = 'wrong_code' | 'reused' | 'not_enrolled' | 'already_enrolled';

const failureDetails: Record<Failure, { ja: string; en: string }> = {
  wrong_code: {
    ja: '確認コードが正しくありません。認証アプリに表示されている最新の6桁を入力してください。',
    en: 'The code is not correct. Enter the current 6 digits shown in your authenticator app.',
  },
  reused: {
    ja: 'このコードはすでに使われました。認証アプリに次のコードが表示されてから入力してください。',
    en: 'This code has already been used. Wait for the next code in your authenticator app.',
  },
  not_enrolled: {
    ja: '認証アプリがまだ設定されていません。先に設定してください。',
    en: 'No authenticator app is set up yet. Please set one up first.',
  },
  already_enrolled: {
    ja: '認証アプリはすでに設定されています。',
    en: 'An authenticator app is already set up.',
  },
};

function failure(reason: Failure): AppError {
  return new AppError('validation_failed', {
    fieldErrors: [{ field: 'code', in: 'form', message: reason }],
    detail: failureDetails[reason],
  });
}

/**
 * Checks a code for enrolment (`confirm`) or for a sign-in, and on success marks the session as having
 * proven a second factor. A code is good once: the step it belongs to must be later than the last
 * accepted one (the factor row is locked, so two requests with one code cannot both pass). Failures are
 * recorded in the person's trail and committed before the refusal is thrown; attempts are rate-limited
 * per person (5 in 15 minutes, 20 a day), which keeps guessing 6 digits hopeless.
 */
async function checkTotp(options: SecondFactorContext & { code: string; confirm: boolean }): Promise<void> {
  const { db, config, session } = options;
  await consumeRateLimit(db, `totp:${session.personId}`, { limit: 5, windowSeconds: 15 * 60 });
  await consumeRateLimit(db, `totp-day:${session.personId}`, { limit: 20, windowSeconds: 24 * 60 * 60 });
  const requestId = options.requestId ? { requestId: options.requestId } : {};
  const subject = personSubject(session.personId);
  const code = options.code.replace(/\s/g, '');
  const outcome = await db.transaction().execute(async (trx): Promise<AppError | undefined> => {
    const factor = await repository.lockTotpFactor(trx, session.personId);
    if (!factor) return failure('not_enrolled');
    if (options.confirm && factor.confirmed_at) return failure('already_enrolled');
    if (!options.confirm && !factor.confirmed_at) return failure('not_enrolled');
    const totp = totpOf(decryptSecret(config.APP_SECRET, factor.sealed_secret), session.email);
    const now = Date.now();
    const delta = /^\d{6}$/.test(code) ? totp.validate({ token: code, timestamp: now, window: totpWindow }) : null;
    const step = delta === null ? null : totp.counter({ timestamp: now }) + delta;
    const reason: Failure | undefined =
      step === null
        ? 'wrong_code'
        : factor.last_used_step !== null && step <= Number(factor.last_used_step)
          ? 'reused'
          : undefined;
    if (reason || step === null) {
      await recordPersonAuditEvent(trx, {
        subject,
        action: 'person.second_factor_failed',
        data: { method: 'totp', reason: reason ?? 'wrong_code', during: options.confirm ? 'enrolment' : 'sign_in' },
        ...requestId,
      });
      return failure(reason ?? 'wrong_code');
    }
    await repository.recordTotpUse(trx, session.personId, step, { confirm: options.confirm });
    await markSecondFactor(trx, session.sessionId);
    await recordPersonAuditEvent(trx, {
      subject,
      action: options.confirm ? 'person.second_factor_enrolled' : 'person.second_factor_verified',
      data: { method: 'totp' },
      ...requestId,
    });
    return undefined;
  });
  if (outcome) throw outcome;
}

/** Confirms enrolment with the first code from the app; the session counts as second-factor proven. */
export async function confirmTotpEnrolment(options: SecondFactorContext & { code: string }): Promise<void> {
  await checkTotp({ ...options, confirm: true });
}

/** The second step of a staff sign-in: a current code from the enrolled app. */
export async function verifyTotp(options: SecondFactorContext & { code: string }): Promise<void> {
  await checkTotp({ ...options, confirm: false });
}

/**
 * Removes the authenticator app (to move to a new phone). Only from a session that proved the second
 * factor recently, so that a stolen e-mail sign-in cannot swap the app for the thief's.
 */
export async function removeTotp(options: Omit<SecondFactorContext, 'config'>): Promise<void> {
  if (!hasFreshSecondFactor(options.session)) throw new AppError('second_factor_required');
  await options.db.transaction().execute(async (trx) => {
    if (!(await repository.deleteTotpFactor(trx, options.session.personId))) throw new AppError('not_found');
    await recordPersonAuditEvent(trx, {
      subject: personSubject(options.session.personId),
      action: 'person.second_factor_removed',
      data: { method: 'totp' },
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
  });
}

/**
 * Operator command: a staff member lost their phone. The app is removed; they set it up again at the
 * next staff sign-in, which their e-mail sign-in and membership still guard.
 */
export async function resetSecondFactorByEmail(options: {
  db: Kysely<Database>;
  actor: Actor;
  email: string;
}): Promise<{ personId: string; removed: boolean }> {
  const personId = await repository.findPersonIdByEmail(options.db, EmailAddress.parse(options.email));
  if (!personId) {
    throw new AppError('not_found', {
      detail: { ja: 'このメールアドレスのアカウントはありません。', en: 'No account has this address.' },
    });
  }
  const removed = await options.db.transaction().execute(async (trx) => {
    const deleted = await repository.deleteTotpFactor(trx, personId);
    if (deleted) {
      await recordPersonAuditEvent(trx, {
        subject: personSubject(personId),
        action: 'person.second_factor_reset',
        data: { method: 'totp', by: { kind: options.actor.kind, id: options.actor.id } },
      });
    }
    return deleted;
  });
  return { personId, removed };
}

/**
 * Enrols and confirms a TOTP factor with a given secret, skipping the first-code check. For the demo
 * accounts only, whose secret is published so that anyone trying the demo can produce codes; real
 * people always enrol through `startTotpEnrolment` with a random secret.
 */
export async function enrolDemoTotp(options: {
  db: Kysely<Database>;
  config: Pick<Config, 'APP_SECRET'>;
  personId: string;
  secretBase32: string;
}): Promise<void> {
  await repository.insertPendingTotpFactor(
    options.db,
    options.personId,
    encryptSecret(options.config.APP_SECRET, options.secretBase32),
  );
  await options.db
    .updateTable('totp_factors')
    .set({ confirmed_at: new Date() })
    .where('person_id', '=', options.personId)
    .where('confirmed_at', 'is', null)
    .execute();
}

/** The current code of a TOTP secret (demo page). */
export function currentTotpCode(secretBase32: string): string {
  return totpOf(secretBase32, 'demo').generate();
}
