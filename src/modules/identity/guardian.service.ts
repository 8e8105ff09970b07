import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { personSubject, recordPersonAuditEvent } from '../../platform/audit.js';
import { consumeRateLimit } from '../../platform/auth/rate-limit.js';
import { hashToken, randomToken } from '../../platform/auth/secrets.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import { enqueueMail } from '../../platform/mail/mail.jobs.js';
import { EmailAddress } from './identity.service.js';
import * as repository from './verification.repository.js';
import { getCurrentVerification } from './verification.service.js';

export type ConsentScope = repository.ConsentScope;

/** What a guardian can consent to, as the guardian reads it before approving. */
export const consentScopes: Record<ConsentScope, { label: Localized; explanation: Localized }> = {
  premium_registration: {
    label: { ja: 'プレミアム登録', en: 'Premium registration' },
    explanation: {
      ja: 'お子さまが、ふるさと住民として最大3つの自治体にプレミアム登録し、担い手活動の記録やサポート施策を受けられるようにします。登録先の自治体には、本人確認で確かめた氏名・年齢層・住んでいる市区町村が伝わります。',
      en: 'Lets the minor hold premium registrations with up to three local governments, with their activity record and support measures. Those governments see the verified name, age band and municipality of residence.',
    },
  },
};

/** Days an approval link stays usable. */
export const guardianLinkDays = 7;

const requestId = (value?: string) => (value ? { requestId: value } : {});

function approvalMail(link: string) {
  return {
    subject: '【ふるさと住民登録】保護者の同意のお願い / Request for guardian consent',
    text:
      'ふるさと住民登録を利用している未成年の方から、保護者としての同意の依頼が届きました。\n' +
      `次のリンクから内容を確認し、同意してください（${guardianLinkDays}日間有効）。同意には、ログインと、` +
      'あなたご自身のマイナンバーカードによる本人確認が必要です。\n' +
      `${link}\n\n` +
      'お心当たりのない場合は、このメールを破棄してください。\n\n' +
      '---\n' +
      'A minor using Furusato Resident Registration asks you for consent as their guardian.\n' +
      `Open this link to see what they ask and to consent (valid for ${guardianLinkDays} days). You will sign in ` +
      'and verify your own identity with your My Number card.\n' +
      `${link}\n\n` +
      'If you do not know what this is about, you can ignore this mail.',
  };
}

function grantedMail(locale: 'ja' | 'en', scope: ConsentScope, link: string) {
  const label = consentScopes[scope].label;
  return locale === 'en'
    ? {
        subject: 'Your guardian has consented',
        text: `Your guardian consented to: ${label.en}.\nSee it here: ${link}`,
      }
    : {
        subject: '【ふるさと住民登録】保護者の同意が得られました',
        text: `保護者の方が「${label.ja}」に同意しました。\n確認はこちら: ${link}`,
      };
}

/**
 * A verified minor asks a guardian for consent: a one-time approval link goes to the address given. A
 * newer request replaces an open one; a consent already granted must be withdrawn first.
 */
export async function requestGuardianConsent(options: {
  db: Kysely<Database>;
  config: Config;
  personId: string;
  guardianEmail: string;
  scope?: ConsentScope;
  requestId?: string;
}): Promise<{ consentId: string; expiresAt: Date }> {
  const scope = options.scope ?? 'premium_registration';
  const email = EmailAddress.parse(options.guardianEmail);
  const verification = await getCurrentVerification({ db: options.db, personId: options.personId });
  if (!verification) throw new AppError('verification_required');
  if (!verification.minor) throw new AppError('guardian_consent_not_needed');
  if (await repository.hasGrantedConsent(options.db, { personId: options.personId, scope })) {
    throw new AppError('guardian_consent_exists');
  }
  await consumeRateLimit(options.db, `guardian-request:${options.personId}`, { limit: 5, windowSeconds: 60 * 60 });
  const token = randomToken();
  const consentId = uuidv7();
  const expiresAt = new Date(Date.now() + guardianLinkDays * 24 * 60 * 60 * 1000);
  await options.db.transaction().execute(async (trx) => {
    await repository.cancelPendingConsents(trx, { minorPersonId: options.personId, scope });
    await repository.insertConsent(trx, {
      id: consentId,
      minor_person_id: options.personId,
      minor_verification_id: verification.id,
      scope,
      token_hash: hashToken(token),
      token_expires_at: expiresAt,
    });
    const link = `${options.config.PUBLIC_URL}/guardian/consent?token=${encodeURIComponent(token)}`;
    await enqueueMail(trx, { to: email, ...approvalMail(link) });
    await recordPersonAuditEvent(trx, {
      subject: personSubject(options.personId),
      action: 'person.guardian_consent_requested',
      data: { consentId, scope },
      ...requestId(options.requestId),
    });
  });
  return { consentId, expiresAt };
}

export interface GuardianRequest {
  consentId: string;
  scope: ConsentScope;
  minorName: string | null;
  requestedAt: Date;
  expiresAt: Date;
}

const linkInvalid = () => new AppError('guardian_link_invalid');

function usableRequest(record: repository.ConsentRecord | undefined, now: Date): GuardianRequest {
  if (!record || record.status !== 'pending' || record.token_expires_at <= now) throw linkInvalid();
  return {
    consentId: record.id,
    scope: record.scope,
    minorName: record.minor_name,
    requestedAt: record.requested_at,
    expiresAt: record.token_expires_at,
  };
}

/** What the link asks, for the guardian's page. Refuses a used, expired, cancelled or unknown link. */
export async function getGuardianRequest(options: { db: Kysely<Database>; token: string }): Promise<GuardianRequest> {
  if (!options.token) throw linkInvalid();
  return usableRequest(await repository.findConsentByTokenHash(options.db, hashToken(options.token)), new Date());
}

/**
 * The guardian approves. They must hold a current verification of their own as an adult (18 or older
 * today), and must not be the minor. The link works once: the row is locked and must still be pending.
 * Audited on both people's trails; the minor is told by mail.
 */
export async function approveGuardianConsent(options: {
  db: Kysely<Database>;
  config: Config;
  token: string;
  guardianPersonId: string;
  requestId?: string;
}): Promise<{ consentId: string }> {
  if (!options.token) throw linkInvalid();
  const guardian = await getCurrentVerification({ db: options.db, personId: options.guardianPersonId });
  const outcome = await options.db.transaction().execute(async (trx) => {
    const consent = await repository.lockConsentByTokenHash(trx, hashToken(options.token));
    if (!consent || consent.status !== 'pending' || consent.token_expires_at <= new Date()) return linkInvalid();
    if (consent.minor_person_id === options.guardianPersonId) {
      return new AppError('forbidden', {
        detail: { ja: 'ご自身に同意することはできません。', en: 'You cannot consent for yourself.' },
      });
    }
    if (!guardian) return new AppError('verification_required');
    if (guardian.minor) {
      await recordPersonAuditEvent(trx, {
        subject: personSubject(options.guardianPersonId),
        action: 'person.guardian_consent_refused',
        data: { consentId: consent.id, reason: 'guardian_is_minor' },
        ...requestId(options.requestId),
      });
      return new AppError('guardian_must_be_adult');
    }
    await repository.updateConsent(trx, consent.id, {
      status: 'granted',
      guardian_person_id: options.guardianPersonId,
      guardian_verification_id: guardian.id,
      granted_at: new Date(),
    });
    const data = { consentId: consent.id, scope: consent.scope };
    await recordPersonAuditEvent(trx, {
      subject: personSubject(consent.minor_person_id),
      action: 'person.guardian_consent_granted',
      data,
      ...requestId(options.requestId),
    });
    await recordPersonAuditEvent(trx, {
      subject: personSubject(options.guardianPersonId),
      action: 'person.guardian_consent_given',
      data,
      ...requestId(options.requestId),
    });
    const minor = await repository.findPersonEmail(trx, consent.minor_person_id);
    if (minor?.email) {
      await enqueueMail(trx, {
        to: minor.email,
        ...grantedMail(minor.locale, consent.scope, `${options.config.PUBLIC_URL}/verification`),
      });
    }
    return { consentId: consent.id };
  });
  if (outcome instanceof AppError) throw outcome;
  return outcome;
}

/**
 * Either side withdraws: the guardian a consent they gave, the minor a consent given to them or a
 * request still open. Audited on both trails. Anyone else gets a 404.
 */
export async function withdrawGuardianConsent(options: {
  db: Kysely<Database>;
  personId: string;
  consentId: string;
  requestId?: string;
}): Promise<void> {
  if (!z.uuid().safeParse(options.consentId).success) throw new AppError('not_found');
  await options.db.transaction().execute(async (trx) => {
    const consent = await repository.lockConsentOfParty(trx, {
      consentId: options.consentId,
      personId: options.personId,
    });
    const by = consent?.minor_person_id === options.personId ? 'minor' : 'guardian';
    const open = consent?.status === 'granted' || (consent?.status === 'pending' && by === 'minor');
    if (!consent || !open) throw new AppError('not_found');
    await repository.updateConsent(trx, consent.id, {
      status: 'withdrawn',
      withdrawn_at: new Date(),
      withdrawn_by: by,
    });
    const data = { consentId: consent.id, scope: consent.scope, by };
    for (const subject of [consent.minor_person_id, consent.guardian_person_id]) {
      if (!subject) continue;
      await recordPersonAuditEvent(trx, {
        subject: personSubject(subject),
        action: 'person.guardian_consent_withdrawn',
        data,
        ...requestId(options.requestId),
      });
    }
  });
}

export interface ConsentSummary {
  id: string;
  scope: ConsentScope;
  status: 'pending' | 'granted' | 'withdrawn' | 'cancelled';
  /** The other party's verified name: the guardian for the minor, the minor for the guardian. */
  otherPartyName: string | null;
  requestedAt: Date;
  linkExpiresAt: Date;
  grantedAt: Date | null;
  withdrawnAt: Date | null;
}

function summary(record: repository.ConsentRecord, role: 'minor' | 'guardian'): ConsentSummary {
  return {
    id: record.id,
    scope: record.scope,
    status: record.status,
    otherPartyName: role === 'minor' ? record.guardian_name : record.minor_name,
    requestedAt: record.requested_at,
    linkExpiresAt: record.token_expires_at,
    grantedAt: record.granted_at,
    withdrawnAt: record.withdrawn_at,
  };
}

/** Consents asked for by the person (as a minor) and given by them (as a guardian), newest first. */
export async function listGuardianConsents(options: { db: Kysely<Database>; personId: string }) {
  const [asMinor, asGuardian] = await Promise.all([
    repository.listConsentsAsMinor(options.db, options.personId),
    repository.listConsentsAsGuardian(options.db, options.personId),
  ]);
  return {
    asMinor: asMinor.map((record) => summary(record, 'minor')),
    asGuardian: asGuardian.map((record) => summary(record, 'guardian')),
  };
}

/** Whether a guardian has consented (and not withdrawn) to `scope` for this person. */
export async function hasGuardianConsent(options: {
  db: Kysely<Database>;
  personId: string;
  scope: ConsentScope;
}): Promise<boolean> {
  return repository.hasGrantedConsent(options.db, options);
}
