import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { personSubject, recordPersonAuditEvent } from '../../platform/audit.js';
import { consumeRateLimit } from '../../platform/auth/rate-limit.js';
import { hashToken, pseudonym, randomCode, randomToken, safeEqual } from '../../platform/auth/secrets.js';
import {
  createSession,
  listActiveSessions,
  revokeSessionByToken,
  revokeSessionOfPerson,
} from '../../platform/auth/sessions.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import type { Locale } from '../../platform/i18n.js';
import { enqueueMail } from '../../platform/mail/mail.jobs.js';
import * as repository from './identity.repository.js';

/** How long an e-mailed link or code stays usable. */
export const emailChallengeMinutes = 15;
/** Wrong codes allowed for one challenge before it is void. */
export const maxCodeAttempts = 5;

export const EmailAddress = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'メールアドレスの形式が正しくありません / not an e-mail address' }).max(254));

interface RequestContext {
  db: Kysely<Database>;
  config: Config;
  requestId?: string;
}

function signInMail(locale: Locale, link: string, code: string) {
  if (locale === 'en') {
    return {
      subject: 'Your sign-in link for Furusato Resident Registration',
      text:
        `Open this link to sign in (valid for ${emailChallengeMinutes} minutes):\n${link}\n\n` +
        `Or type this code on the sign-in page: ${code}\n\n` +
        'If you did not ask to sign in, you can ignore this mail.',
    };
  }
  return {
    subject: '【ふるさと住民登録】ログイン用のリンクとコード',
    text:
      `次のリンクを開くとログインできます（${emailChallengeMinutes}分間有効です）。\n${link}\n\n` +
      `ログイン画面でコードを入力することもできます。確認コード: ${code}\n\n` +
      'お心当たりのない場合は、このメールを破棄してください。',
  };
}

/**
 * Starts sign-in (or sign-up: an unknown address gets an account when it proves it receives mail).
 * Sends a link and a 6-digit code. The answer is the same whether the address has an account, so the
 * form does not reveal who is registered.
 */
export async function startEmailSignIn(
  options: RequestContext & {
    email: string;
    locale: Locale;
    /** A path on this site to return to after signing in by the link (already checked by the caller). */
    nextPath?: string;
  },
): Promise<{ challengeId: string }> {
  const email = EmailAddress.parse(options.email);
  await consumeRateLimit(options.db, `email-sign-in:${pseudonym(options.config.APP_SECRET, email)}`, {
    limit: 5,
    windowSeconds: 15 * 60,
  });
  const token = randomToken();
  const code = randomCode();
  return options.db.transaction().execute(async (trx) => {
    const challengeId = uuidv7();
    await repository.insertEmailChallenge(trx, {
      id: challengeId,
      email,
      tokenHash: hashToken(token),
      codeHash: codeHash(challengeId, code),
      expiresAt: new Date(Date.now() + emailChallengeMinutes * 60 * 1000),
      ...(options.nextPath ? { nextPath: options.nextPath } : {}),
    });
    const link = `${options.config.PUBLIC_URL}/signin/email/verify?token=${encodeURIComponent(token)}`;
    await enqueueMail(trx, { to: email, ...signInMail(options.locale, link, code) });
    return { challengeId };
  });
}

const linkInvalid = new AppError('validation_failed', {
  fieldErrors: [{ field: 'token', in: 'form', message: 'invalid or expired' }],
  detail: {
    ja: 'このリンクは使えません。有効期限（15分）が過ぎたか、すでに使われています。もう一度ログインしてください。',
    en: 'This link cannot be used: it has expired (15 minutes) or was already used. Please sign in again.',
  },
});

const codeInvalid = (remaining: number) =>
  new AppError('validation_failed', {
    fieldErrors: [{ field: 'code', in: 'form', message: 'wrong, expired or used code' }],
    detail:
      remaining > 0
        ? {
            ja: `確認コードが正しくないか、有効期限が切れています。あと${remaining}回入力できます。`,
            en: `The code is wrong or has expired. ${remaining} attempts left.`,
          }
        : {
            ja: '確認コードを続けて間違えたため、このコードは使えなくなりました。もう一度ログインしてください。',
            en: 'Too many wrong codes: this code no longer works. Please sign in again.',
          },
  });

export interface SignedIn {
  token: string;
  expiresAt: Date;
  personId: string;
  /** True when this sign-in created the account (sign-up). */
  created: boolean;
  /** Where the person was going when sign-in started, if anywhere. */
  nextPath: string | null;
}

/**
 * Completes e-mail sign-in with the link's token or with the challenge id and the typed code. Consumes
 * the challenge, creates the account on first sign-in, opens a session and records the event, in one
 * transaction. A wrong code is counted and audited in that transaction too, which then commits before
 * the refusal is thrown, so the count cannot be reset by failing.
 */
export async function completeEmailSignIn(
  options: RequestContext & {
    proof: { token: string } | { challengeId: string; code: string };
    locale: Locale;
    userAgent?: string;
  },
): Promise<SignedIn> {
  const { proof } = options;
  const byLink = 'token' in proof;
  const requestId = options.requestId ? { requestId: options.requestId } : {};
  const outcome = await options.db.transaction().execute(async (trx): Promise<SignedIn | AppError> => {
    const challenge = byLink
      ? await repository.lockEmailChallenge(trx, { tokenHash: hashToken(proof.token) })
      : z.uuid().safeParse(proof.challengeId).success
        ? await repository.lockEmailChallenge(trx, { id: proof.challengeId })
        : undefined;
    if (!challenge) return byLink ? linkInvalid : codeInvalid(0);
    const failedSubject = `email:${pseudonym(options.config.APP_SECRET, challenge.email)}`;
    const usable =
      challenge.consumed_at === null &&
      challenge.expires_at > new Date() &&
      challenge.failed_attempts < maxCodeAttempts;
    if (!usable) {
      await recordPersonAuditEvent(trx, {
        subject: failedSubject,
        action: 'person.sign_in_failed',
        data: { method: 'email', reason: challenge.consumed_at ? 'used' : 'expired' },
        ...requestId,
      });
      return byLink ? linkInvalid : codeInvalid(0);
    }
    if (!byLink && !safeEqual(codeHash(challenge.id, proof.code), challenge.code_hash)) {
      const failed = await repository.countFailedCode(trx, challenge.id);
      await recordPersonAuditEvent(trx, {
        subject: failedSubject,
        action: 'person.sign_in_failed',
        data: { method: 'email', reason: 'wrong_code', attempt: failed },
        ...requestId,
      });
      return codeInvalid(maxCodeAttempts - failed);
    }

    await repository.consumeEmailChallenge(trx, challenge.id);
    let person = await repository.findActivePersonByEmail(trx, challenge.email);
    const created = !person;
    person ??= await repository.insertPerson(trx, challenge.email, options.locale);
    const session = await createSession(trx, {
      personId: person.id,
      method: 'email',
      days: options.config.SESSION_DAYS,
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    });
    await recordPersonAuditEvent(trx, {
      subject: personSubject(person.id),
      action: created ? 'person.signed_up' : 'person.signed_in',
      data: { method: 'email', via: byLink ? 'link' : 'code' },
      ...requestId,
    });
    return {
      token: session.token,
      expiresAt: session.expiresAt,
      personId: person.id,
      created,
      nextPath: challenge.next_path,
    };
  });
  if (outcome instanceof AppError) throw outcome;
  return outcome;
}

/** The code's hash is bound to its challenge, so a code is worth nothing with another challenge id. */
function codeHash(challengeId: string, code: string): string {
  return hashToken(`code:${challengeId}:${code.trim()}`);
}

/** Ends the session of this cookie (sign out). */
export async function signOut(options: {
  db: Kysely<Database>;
  sessionToken: string;
  personId: string;
  requestId?: string;
}) {
  await options.db.transaction().execute(async (trx) => {
    await revokeSessionByToken(trx, options.sessionToken);
    await recordPersonAuditEvent(trx, {
      subject: personSubject(options.personId),
      action: 'person.signed_out',
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
  });
}

export async function listMySessions(options: { db: Kysely<Database>; personId: string; currentSessionId: string }) {
  const sessions = await listActiveSessions(options.db, options.personId);
  return sessions.map((session) => ({
    id: session.id,
    authenticatedBy: session.authenticated_by,
    device: session.device_label,
    createdAt: session.created_at,
    lastSeenAt: session.last_seen_at,
    expiresAt: session.expires_at,
    current: session.id === options.currentSessionId,
  }));
}

/** Signs out one of the person's sessions elsewhere (a lost phone). Another person's session is a 404. */
export async function revokeMySession(options: {
  db: Kysely<Database>;
  personId: string;
  sessionId: string;
  requestId?: string;
}): Promise<void> {
  if (!z.uuid().safeParse(options.sessionId).success) throw new AppError('not_found');
  await options.db.transaction().execute(async (trx) => {
    if (!(await revokeSessionOfPerson(trx, options.personId, options.sessionId))) throw new AppError('not_found');
    await recordPersonAuditEvent(trx, {
      subject: personSubject(options.personId),
      action: 'person.session_revoked',
      data: { sessionId: options.sessionId },
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
  });
}

export const Profile = z.object({
  displayName: z
    .string()
    .trim()
    .max(50, { message: '50文字以内で入力してください / at most 50 characters' })
    .transform((value) => (value === '' ? null : value)),
  locale: z.enum(['ja', 'en']),
});

export async function updateMyProfile(options: {
  db: Kysely<Database>;
  personId: string;
  profile: z.input<typeof Profile>;
}): Promise<void> {
  const profile = Profile.parse(options.profile);
  await repository.updatePersonProfile(options.db, options.personId, profile);
}

/**
 * The account of an address, created if there is none (demo data and operator commands; people create
 * theirs by proving they receive mail at the address).
 */
export async function findOrCreatePerson(options: {
  db: Kysely<Database>;
  email: string;
  displayName?: string;
  locale?: Locale;
}): Promise<{ personId: string; created: boolean }> {
  const email = EmailAddress.parse(options.email);
  return options.db.transaction().execute(async (trx) => {
    const existing = await repository.findActivePersonByEmail(trx, email);
    if (existing) return { personId: existing.id, created: false };
    const person = await repository.insertPerson(trx, email, options.locale ?? 'ja');
    if (options.displayName) {
      await repository.updatePersonProfile(trx, person.id, { displayName: options.displayName, locale: person.locale });
    }
    await recordPersonAuditEvent(trx, {
      subject: personSubject(person.id),
      action: 'person.created',
      data: { by: 'system' },
    });
    return { personId: person.id, created: true };
  });
}
