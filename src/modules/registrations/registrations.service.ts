import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { personSubject, recordAuditEvent, recordPersonAuditEvent, type Actor } from '../../platform/audit.js';
import { tenantRoleOf } from '../../platform/auth/tenant-roles.js';
import type { Database, RegistrationRow } from '../../platform/db/schema.js';
import { withPersonInTransaction, withTenantInTransaction } from '../../platform/db/tenant-scope.js';
import { AppError, parseInput } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { japanDate } from '../../platform/time.js';
import { ageOn, getCurrentVerification, hasGuardianConsent, type Verification } from '../identity/index.js';
import { RegistrationSettings, type SurveyQuestion } from '../municipalities/index.js';
import { notify, recordRegistrationSurveyAnswers } from '../outreach/index.js';
import { judgePremiumRequirement, type PremiumJudgement } from './judgement.js';
import { ageBandOf, exceedsPremiumCap, isOwnResidence, premiumRefusal, type CapEntry } from './registrations.policy.js';
import * as repository from './registrations.repository.js';
import { checkSurveyAnswers, SurveyAnswers } from './survey.js';

/** Premium lasts one year from approval (L5866–5869). */
export const premiumValidityDays = 365;

/** The expiry a renewal leads to: one validity period after the expiry it renews, not after today. */
export function renewedValidUntil(validUntil: Date): Date {
  return new Date(validUntil.getTime() + premiumValidityDays * 24 * 60 * 60 * 1000);
}

export const RegistrationInput = SurveyAnswers.extend({
  showNameOnCard: z.boolean().default(false),
  /** Also register with the prefecture (the default, L5833); false opts out for this prefecture. */
  linkPrefecture: z.boolean().default(true),
  /** Where the person lives, for people who have not verified with the card. */
  declaredResidenceLgCode: z.string().optional(),
});
export type RegistrationInput = z.input<typeof RegistrationInput>;

interface Government {
  lgCode: string;
  name: string;
  isPrefecture: boolean;
  prefectureCode: string;
  prefectureLgCode: string;
  settings: RegistrationSettings;
}

/** A participating government, or the reason it cannot be registered with. */
async function participatingGovernment(db: Kysely<Database>, lgCode: string): Promise<Government> {
  if (!isValidLgCode(lgCode)) throw new AppError('municipality_not_found');
  const row = await repository.findGovernment(db, lgCode);
  if (!row) throw new AppError('municipality_not_found');
  if (row.tenant_status !== 'active') throw new AppError('tenant_not_found');
  const settings = RegistrationSettings.parse(
    (row.tenant_settings as { registration?: unknown } | null)?.registration ?? {},
  );
  return {
    lgCode: row.lg_code,
    name: row.kind === 'prefecture' ? row.name : `${row.prefecture_name}${row.name}`,
    isPrefecture: row.kind === 'prefecture',
    prefectureCode: row.prefecture_code,
    prefectureLgCode: row.prefecture_lg_code,
    settings,
  };
}

interface PersonFacts {
  verification: Verification | undefined;
  guardianConsent: boolean;
}

/** What the account says about the person, gathered before a transaction opens (one connection on PGlite). */
async function personFacts(db: Kysely<Database>, personId: string): Promise<PersonFacts> {
  const verification = await getCurrentVerification({ db, personId });
  const guardianConsent = verification?.minor
    ? await hasGuardianConsent({ db, personId, scope: 'premium_registration' })
    : false;
  return { verification, guardianConsent };
}

function residenceOf(
  person: { declared_residence_lg_code: string | null },
  facts: PersonFacts,
): { lgCode: string | null; prefectureCode: string | null } {
  if (facts.verification) {
    return { lgCode: facts.verification.residence.lgCode, prefectureCode: facts.verification.residence.prefectureCode };
  }
  const declared = person.declared_residence_lg_code;
  return { lgCode: declared, prefectureCode: declared ? declared.slice(0, 2) : null };
}

/** The fields a registration shares with its government (ARCHITECTURE: persons are national). */
function sharedFields(
  person: { email: string | null; display_name: string | null; declared_residence_lg_code: string | null },
  facts: PersonFacts,
) {
  const residence = residenceOf(person, facts);
  return {
    shared_name: facts.verification?.verifiedName ?? person.display_name,
    contact_email: person.email,
    age_band: facts.verification ? ageBandOf(ageOn(facts.verification.birthDate, japanDate(new Date()))) : null,
    residence_prefecture_code: residence.prefectureCode,
    residence_lg_code: residence.lgCode,
    identity_verified: facts.verification !== undefined,
  };
}

function capEntriesOf(
  registrations: Awaited<ReturnType<typeof repository.listActiveRegistrationsOfPerson>>,
  pending: Awaited<ReturnType<typeof repository.listPendingApplicationsOfPerson>>,
): CapEntry[] {
  const pendingAt = new Set(pending.map((application) => application.lg_code));
  return registrations.map((registration) => ({
    lgCode: registration.lg_code,
    isPrefecture: registration.kind === 'prefecture',
    prefectureCode: registration.prefecture_code,
    premiumOrPending: registration.tier === 'premium' || pendingAt.has(registration.lg_code),
  }));
}

function refusal(code: NonNullable<ReturnType<typeof premiumRefusal>>): AppError {
  return new AppError(code);
}

/**
 * Registers the person with a participating government (basic: no requirement, immediate), answering the
 * relationship survey. A municipality registration also registers the person with its prefecture when
 * the prefecture takes part, unless the person opted out for it (L5833). Where the person lives the
 * registration is allowed but flagged 住所地. One transaction: registration(s), audit events, opt-out.
 */
export async function registerWithGovernment(options: {
  db: Kysely<Database>;
  personId: string;
  lgCode: string;
  input: RegistrationInput;
  requestId?: string;
}) {
  const { db, personId } = options;
  const input = parseInput(RegistrationInput, options.input);
  const government = await participatingGovernment(db, options.lgCode);
  const answers = checkSurveyAnswers(input, government.settings.surveyQuestions);
  const declared = input.declaredResidenceLgCode;
  if (declared !== undefined) {
    const place = isValidLgCode(declared) ? await repository.findGovernment(db, declared) : undefined;
    if (!place || place.kind === 'prefecture') {
      throw new AppError('validation_failed', {
        fieldErrors: [{ field: 'declaredResidenceLgCode', in: 'body', message: 'not a municipality code' }],
        detail: { ja: 'お住まいの市区町村を選んでください。', en: 'Please choose the municipality you live in.' },
      });
    }
  }
  const prefecture =
    government.isPrefecture || !input.linkPrefecture
      ? undefined
      : await participatingGovernment(db, government.prefectureLgCode).catch(() => undefined);
  const facts = await personFacts(db, personId);
  const actor: Actor = { kind: 'person', id: personId, ...(options.requestId ? { requestId: options.requestId } : {}) };

  return db.transaction().execute(async (trx) => {
    const person = await repository.lockPerson(trx, personId);
    if (!person) throw new AppError('unauthenticated');
    if (declared !== undefined && !facts.verification) {
      await repository.setDeclaredResidence(trx, personId, declared);
      person.declared_residence_lg_code = declared;
    }
    const mine = await withPersonInTransaction(trx, personId, () =>
      repository.listActiveRegistrationsOfPerson(trx, personId),
    );
    if (mine.some((registration) => registration.lg_code === government.lgCode)) {
      throw new AppError('registration_exists');
    }
    const shared = sharedFields(person, facts);
    const residence = { lgCode: shared.residence_lg_code, prefectureCode: shared.residence_prefecture_code };

    const registration = await withTenantInTransaction(trx, government.lgCode, async (scope) => {
      const row = await repository.insertRegistration(scope, {
        id: uuidv7(),
        person_id: personId,
        own_residence: isOwnResidence(government, residence),
        ...shared,
        show_name_on_card: input.showNameOnCard,
        // The registration's own copy of the ties (filters, targeting, statistics); the answers themselves
        // are a response to the government's registration survey.
        relationship_ties: answers.ties,
      });
      await recordRegistrationSurveyAnswers(scope, {
        registrationId: row.id,
        personId,
        own: government.settings.surveyQuestions,
        input: answers,
      });
      await recordAuditEvent(scope, {
        actor,
        action: 'registration.created',
        subjectType: 'registration',
        subjectId: row.id,
        data: { origin: 'direct', ownResidence: row.own_residence },
      });
      return row;
    });

    let linked: RegistrationRow | undefined;
    if (!government.isPrefecture) {
      if (!input.linkPrefecture) {
        await repository.setOptOut(trx, personId, government.prefectureLgCode, true);
      } else if (
        prefecture &&
        !(await repository.isOptedOut(trx, personId, prefecture.lgCode)) &&
        !mine.some((existing) => existing.lg_code === prefecture.lgCode)
      ) {
        linked = await linkPrefecture(trx, {
          actor,
          personId,
          prefecture,
          linkedFrom: government.lgCode,
          shared,
          residence,
        });
      }
    }
    await recordPersonAuditEvent(trx, {
      subject: personSubject(personId),
      action: 'person.registered',
      data: { lgCode: government.lgCode, ...(linked ? { linkedPrefecture: linked.lg_code } : {}) },
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
    return { registration, linkedPrefecture: linked };
  });
}

async function linkPrefecture(
  trx: Parameters<typeof withTenantInTransaction>[0],
  options: {
    actor: Actor;
    personId: string;
    prefecture: Government;
    linkedFrom: string;
    shared: ReturnType<typeof sharedFields>;
    residence: { lgCode: string | null; prefectureCode: string | null };
  },
): Promise<RegistrationRow> {
  return withTenantInTransaction(trx, options.prefecture.lgCode, async (scope) => {
    const row = await repository.insertRegistration(scope, {
      id: uuidv7(),
      person_id: options.personId,
      origin: 'prefecture_link',
      linked_from_lg_code: options.linkedFrom,
      own_residence: isOwnResidence(options.prefecture, options.residence),
      ...options.shared,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'registration.created',
      subjectType: 'registration',
      subjectId: row.id,
      data: { origin: 'prefecture_link', linkedFrom: options.linkedFrom, ownResidence: row.own_residence },
    });
    return row;
  });
}

/**
 * Leaves a government (any time). The row stays for the statistics of past years with its end; a
 * pending premium application ends with it. A prefecture registration that exists only because of this
 * municipality goes too, unless another of the person's municipalities in the prefecture holds it.
 */
export async function withdrawRegistration(options: {
  db: Kysely<Database>;
  personId: string;
  lgCode: string;
  requestId?: string;
}): Promise<void> {
  const { db, personId } = options;
  if (!isValidLgCode(options.lgCode)) throw new AppError('registration_not_found');
  const government = await repository.findGovernment(db, options.lgCode);
  if (!government) throw new AppError('registration_not_found');
  const actor: Actor = { kind: 'person', id: personId, ...(options.requestId ? { requestId: options.requestId } : {}) };
  await db.transaction().execute(async (trx) => {
    if (!(await repository.lockPerson(trx, personId))) throw new AppError('unauthenticated');
    const mine = await withPersonInTransaction(trx, personId, () =>
      repository.listActiveRegistrationsOfPerson(trx, personId),
    );
    if (!mine.some((registration) => registration.lg_code === options.lgCode)) {
      throw new AppError('registration_not_found');
    }
    await endOne(trx, { actor, personId, lgCode: options.lgCode, reason: 'withdrawn' });
    if (government.kind !== 'prefecture') {
      await followPrefectureLink(trx, {
        actor,
        personId,
        mine,
        leaving: options.lgCode,
        prefectureLgCode: government.prefecture_lg_code,
      });
    }
    await recordPersonAuditEvent(trx, {
      subject: personSubject(personId),
      action: 'person.registration_withdrawn',
      data: { lgCode: options.lgCode },
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
  });
}

async function endOne(
  trx: Parameters<typeof withTenantInTransaction>[0],
  options: {
    actor: Actor;
    personId: string;
    lgCode: string;
    reason: 'withdrawn' | 'inactive' | 'account_deleted' | 'prefecture_link_removed';
  },
): Promise<void> {
  await withTenantInTransaction(trx, options.lgCode, async (scope) => {
    const row = await repository.lockActiveRegistration(scope, { personId: options.personId });
    if (!row) return;
    await repository.endRegistration(scope, row.id, options.reason);
    const pending = await repository.findPendingApplication(scope, row.id);
    if (pending) {
      await repository.decideApplication(scope, pending.id, {
        status: 'withdrawn',
        decidedBy: 'system',
        reason: options.reason,
      });
    }
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: options.reason === 'withdrawn' ? 'registration.withdrawn' : 'registration.released',
      subjectType: 'registration',
      subjectId: row.id,
      data: { reason: options.reason, tier: row.tier },
    });
  });
}

/** After a municipality registration ends: re-point or end the basic prefecture registration it made. */
async function followPrefectureLink(
  trx: Parameters<typeof withTenantInTransaction>[0],
  options: {
    actor: Actor;
    personId: string;
    mine: Awaited<ReturnType<typeof repository.listActiveRegistrationsOfPerson>>;
    leaving: string;
    prefectureLgCode: string;
  },
): Promise<void> {
  const linked = options.mine.find(
    (registration) =>
      registration.lg_code === options.prefectureLgCode &&
      registration.origin === 'prefecture_link' &&
      registration.linked_from_lg_code === options.leaving,
  );
  if (!linked) return;
  const prefectureCode = options.prefectureLgCode.slice(0, 2);
  const another = options.mine.find(
    (registration) =>
      registration.kind !== 'prefecture' &&
      registration.prefecture_code === prefectureCode &&
      registration.lg_code !== options.leaving,
  );
  if (another) {
    await withTenantInTransaction(trx, options.prefectureLgCode, (scope) =>
      repository.relinkPrefectureRegistration(scope, linked.id, another.lg_code),
    );
  } else if (linked.tier === 'basic') {
    await endOne(trx, { ...options, lgCode: options.prefectureLgCode, reason: 'prefecture_link_removed' });
  }
}

/**
 * Turns the prefecture link on or off for one prefecture (visible and reversible, L5935–5940). Off: the
 * opt-out is kept for later registrations, and a basic registration the link made ends. On: the
 * opt-out goes, and if the person holds a municipality there, the prefecture registration is made.
 */
export async function setPrefectureLink(options: {
  db: Kysely<Database>;
  personId: string;
  prefectureLgCode: string;
  linked: boolean;
  requestId?: string;
}): Promise<void> {
  const { db, personId } = options;
  const place = isValidLgCode(options.prefectureLgCode)
    ? await repository.findGovernment(db, options.prefectureLgCode)
    : undefined;
  if (!place || place.kind !== 'prefecture') throw new AppError('municipality_not_found');
  const prefecture = options.linked
    ? await participatingGovernment(db, options.prefectureLgCode).catch(() => undefined)
    : undefined;
  const facts = await personFacts(db, personId);
  const actor: Actor = { kind: 'person', id: personId, ...(options.requestId ? { requestId: options.requestId } : {}) };
  await db.transaction().execute(async (trx) => {
    const person = await repository.lockPerson(trx, personId);
    if (!person) throw new AppError('unauthenticated');
    await repository.setOptOut(trx, personId, options.prefectureLgCode, !options.linked);
    const mine = await withPersonInTransaction(trx, personId, () =>
      repository.listActiveRegistrationsOfPerson(trx, personId),
    );
    const atPrefecture = mine.find((registration) => registration.lg_code === options.prefectureLgCode);
    if (!options.linked) {
      if (atPrefecture?.origin === 'prefecture_link' && atPrefecture.tier === 'basic') {
        await endOne(trx, { actor, personId, lgCode: options.prefectureLgCode, reason: 'prefecture_link_removed' });
      }
    } else if (prefecture && !atPrefecture) {
      const municipality = mine.find(
        (registration) => registration.kind !== 'prefecture' && registration.prefecture_code === place.prefecture_code,
      );
      if (municipality) {
        const shared = sharedFields(person, facts);
        await linkPrefecture(trx, {
          actor,
          personId,
          prefecture,
          linkedFrom: municipality.lg_code,
          shared,
          residence: { lgCode: shared.residence_lg_code, prefectureCode: shared.residence_prefecture_code },
        });
      }
    }
    await recordPersonAuditEvent(trx, {
      subject: personSubject(personId),
      action: options.linked ? 'person.prefecture_link_on' : 'person.prefecture_link_off',
      data: { prefectureLgCode: options.prefectureLgCode },
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
  });
}

/**
 * Applies for premium with a government the person is registered with. Refused, with the rule named,
 * without a current card verification, without a guardian's consent for a minor, where the person
 * lives, or beyond the cap of 3. In the government's automatic mode the system decides at once from the
 * requirement judgement; otherwise the application waits in the staff queue.
 */
export async function applyForPremium(options: {
  db: Kysely<Database>;
  personId: string;
  lgCode: string;
  requestId?: string;
  now?: Date;
}) {
  const { db, personId } = options;
  const government = await participatingGovernment(db, options.lgCode);
  const facts = await personFacts(db, personId);
  const judgement = await judgePremiumRequirement({
    db,
    lgCode: government.lgCode,
    personId,
    settings: government.settings,
    ...(options.now ? { now: options.now } : {}),
  });
  const actor: Actor = { kind: 'person', id: personId, ...(options.requestId ? { requestId: options.requestId } : {}) };

  const outcome = await db.transaction().execute(async (trx) => {
    const person = await repository.lockPerson(trx, personId);
    if (!person) throw new AppError('unauthenticated');
    const [mine, pending] = await withPersonInTransaction(
      trx,
      personId,
      async () =>
        [
          await repository.listActiveRegistrationsOfPerson(trx, personId),
          await repository.listPendingApplicationsOfPerson(trx, personId),
        ] as const,
    );
    const current = mine.find((registration) => registration.lg_code === government.lgCode);
    if (!current) throw new AppError('registration_not_found');
    if (current.tier === 'premium') throw new AppError('premium_already');
    if (pending.some((application) => application.lg_code === government.lgCode)) {
      throw new AppError('premium_application_pending');
    }
    const shared = sharedFields(person, facts);
    const ownResidence = isOwnResidence(government, {
      lgCode: shared.residence_lg_code,
      prefectureCode: shared.residence_prefecture_code,
    });
    const refused = premiumRefusal({
      verified: facts.verification !== undefined,
      minor: facts.verification?.minor ?? false,
      guardianConsent: facts.guardianConsent,
      ownResidence,
      exceedsCap: exceedsPremiumCap(
        capEntriesOf(
          mine.filter((registration) => registration.lg_code !== government.lgCode),
          pending,
        ),
        { lgCode: government.lgCode, isPrefecture: government.isPrefecture, prefectureCode: government.prefectureCode },
      ),
    });
    if (refused) throw refusal(refused);

    return withTenantInTransaction(trx, government.lgCode, async (scope) => {
      const registration = await repository.lockActiveRegistration(scope, { personId });
      if (!registration) throw new AppError('registration_not_found');
      // The registration carries the latest shared facts (a fresh verification, a new residence).
      await repository.updateRegistration(scope, registration.id, { ...shared, own_residence: ownResidence });
      const application = await repository.insertApplication(scope, {
        id: uuidv7(),
        registration_id: registration.id,
        person_id: personId,
        judgement: JSON.stringify(judgement),
      });
      await recordAuditEvent(scope, {
        actor,
        action: 'premium.applied',
        subjectType: 'premium_application',
        subjectId: application.id,
        data: { count: judgement.count, required: judgement.required, mode: government.settings.premiumMode },
      });
      if (government.settings.premiumMode !== 'automatic') return { application, decided: undefined };
      const decision: 'approved' | 'rejected' = judgement.met ? 'approved' : 'rejected';
      await applyDecision(scope, {
        application,
        registration,
        decision,
        decidedBy: 'system',
        reason: judgement.met ? null : judgement.explanation.ja,
        judgement,
        actor: { kind: 'system', id: null },
        personId,
        governmentName: government.name,
      });
      return { application, decided: decision };
    });
  });
  return { applicationId: outcome.application.id, status: outcome.decided ?? 'pending', judgement };
}

async function applyDecision(
  scope: Parameters<Parameters<typeof withTenantInTransaction>[2]>[0],
  options: {
    application: { id: string; kind: 'initial' | 'renewal'; renews_until: Date | null };
    registration: { id: string };
    decision: 'approved' | 'rejected';
    decidedBy: string;
    reason: string | null;
    judgement?: PremiumJudgement;
    actor: Actor;
    personId: string;
    governmentName: string;
  },
): Promise<void> {
  await repository.decideApplication(scope, options.application.id, {
    status: options.decision,
    decidedBy: options.decidedBy,
    reason: options.reason,
    ...(options.judgement ? { judgement: options.judgement } : {}),
  });
  // A renewal extends from the expiry it renews, however early or late staff decide: approving a
  // month ahead takes no day away, and the year is the same as the automatic renewal gives.
  const renewsUntil = options.application.kind === 'renewal' ? options.application.renews_until : null;
  let validUntil: Date | undefined;
  if (options.decision === 'approved') {
    const now = new Date();
    validUntil = renewsUntil
      ? renewedValidUntil(renewsUntil)
      : new Date(now.getTime() + premiumValidityDays * 24 * 60 * 60 * 1000);
    await repository.updateRegistration(scope, options.registration.id, {
      tier: 'premium',
      ...(renewsUntil ? {} : { premium_since: now }),
      premium_valid_until: validUntil,
      ...(options.judgement ? { long_stay: options.judgement.longStay } : {}),
    });
  }
  await recordAuditEvent(scope, {
    actor: options.actor,
    action: options.decision === 'approved' ? 'premium.approved' : 'premium.rejected',
    subjectType: 'premium_application',
    subjectId: options.application.id,
    data: {
      decidedBy: options.decidedBy,
      kind: options.application.kind,
      ...(validUntil ? { validUntil: validUntil.toISOString() } : {}),
    },
  });
  // The person hears of the decision in the app and by mail (their preferences decide), committed with it.
  await notify(scope.trx, {
    personId: options.personId,
    lgCode: scope.lgCode,
    kind: 'registrations.premium_decision',
    ...premiumDecisionNotice({
      governmentName: options.governmentName,
      decision: options.decision,
      reason: options.reason,
      renewsUntil,
      validUntil,
    }),
    link: '/my/places',
    idempotencyKey: `registrations.premium_decision:${scope.lgCode}:${options.application.id}`,
  });
}

const decisionDate = new Intl.DateTimeFormat('ja-JP', { dateStyle: 'long', timeZone: 'Asia/Tokyo' });
const englishDate = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'Asia/Tokyo' });

/** The notice telling the person how staff (or the system) decided, on application or at renewal. */
export function premiumDecisionNotice(options: {
  governmentName: string;
  decision: 'approved' | 'rejected';
  reason: string | null;
  /** Set for a renewal: the expiry it renews. */
  renewsUntil: Date | null;
  validUntil: Date | undefined;
}): { title: Localized; body: Localized } {
  const name = options.governmentName;
  const reason = { ja: `理由: ${options.reason ?? '（記載なし）'}`, en: `Reason: ${options.reason ?? '(none given)'}` };
  const date = (instant: Date) => ({ ja: decisionDate.format(instant), en: englishDate.format(instant) });
  if (options.renewsUntil) {
    if (options.decision === 'approved') {
      const until = date(options.validUntil ?? options.renewsUntil);
      return {
        title: { ja: `${name}のプレミアム登録を更新しました`, en: `Your premium registration with ${name} is renewed` },
        body: {
          ja: `${name}のプレミアム登録の更新が承認されました。新しい有効期限は${until.ja}です。登録証はマイページから表示できます。`,
          en: `The renewal of your premium registration with ${name} was approved. It is now valid until ${until.en}. Your registration card is on My places.`,
        },
      };
    }
    const expiry = date(options.renewsUntil);
    return {
      title: {
        ja: `${name}のプレミアム登録の更新について`,
        en: `About renewing your premium registration with ${name}`,
      },
      body: {
        ja: `${name}のプレミアム登録の更新は、承認されませんでした。\n${reason.ja}\n\n有効期限の${expiry.ja}を過ぎると、ベーシック登録に戻ります。要件を満たしたあと、もう一度申請できます。`,
        en: `The renewal of your premium registration with ${name} was not approved.\n${reason.en}\n\nAfter it expires on ${expiry.en} it returns to basic. You can apply again once you meet the requirement.`,
      },
    };
  }
  return options.decision === 'approved'
    ? {
        title: {
          ja: `${name}のプレミアム登録が承認されました`,
          en: `Your premium registration with ${name} was approved`,
        },
        body: {
          ja: `${name}へのプレミアム登録が承認されました。有効期間は1年です。登録証はマイページから表示できます。`,
          en: `Your premium registration with ${name} was approved. It is valid for one year. Your registration card is on My places.`,
        },
      }
    : {
        title: { ja: `${name}のプレミアム登録の申請について`, en: `About your premium application to ${name}` },
        body: {
          ja: `${name}へのプレミアム登録の申請は、承認されませんでした。\n${reason.ja}\n\n要件を満たしたあと、もう一度申請できます。`,
          en: `Your premium application to ${name} was not approved.\n${reason.en}\n\nYou can apply again once you meet the requirement.`,
        },
      };
}

/** Who may see and decide a government's registrations: its administrators and staff (with a second factor). */
export function mayManageRegistrations(actor: Actor, lgCode: string): boolean {
  const role = tenantRoleOf(actor, lgCode);
  return role === 'tenant_admin' || role === 'tenant_staff';
}

export const PremiumDecisionInput = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve'), reason: z.string().trim().max(1000).optional() }),
  z.object({
    decision: z.literal('reject'),
    reason: z.string().trim().min(1, { message: '却下の理由を書いてください / give a reason' }).max(1000),
  }),
]);

/**
 * Staff decide an application from the queue. Approval re-checks the cap and the card verification,
 * which may have changed since the person applied; rejection needs a reason, which the person receives.
 */
export async function decidePremiumApplication(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  applicationId: string;
  input: z.input<typeof PremiumDecisionInput>;
}): Promise<void> {
  if (!mayManageRegistrations(options.actor, options.lgCode)) throw new AppError('not_found');
  const input = parseInput(PremiumDecisionInput, options.input);
  if (!z.uuid().safeParse(options.applicationId).success) throw new AppError('not_found');
  const government = await participatingGovernment(options.db, options.lgCode);
  const personId = await options.db.transaction().execute((trx) =>
    withTenantInTransaction(trx, government.lgCode, async (scope) => {
      const application = await repository.lockApplication(scope, options.applicationId);
      return application?.person_id;
    }),
  );
  if (!personId) throw new AppError('not_found');
  const facts = await personFacts(options.db, personId);

  const outcome = await options.db.transaction().execute(async (trx) => {
    const person = await repository.lockPerson(trx, personId);
    const [mine, pending] = await withPersonInTransaction(
      trx,
      personId,
      async () =>
        [
          await repository.listActiveRegistrationsOfPerson(trx, personId),
          await repository.listPendingApplicationsOfPerson(trx, personId),
        ] as const,
    );
    return withTenantInTransaction(trx, government.lgCode, async (scope): Promise<'decided' | 'registration_ended'> => {
      const application = await repository.lockApplication(scope, options.applicationId);
      if (!application) throw new AppError('not_found');
      if (application.status !== 'pending') throw new AppError('premium_application_decided');
      const registration = await repository.lockActiveRegistration(scope, { id: application.registration_id });
      if (!registration || !person) {
        // Committed before the refusal is thrown, so the stale application leaves the queue.
        await repository.decideApplication(scope, application.id, {
          status: 'withdrawn',
          decidedBy: 'system',
          reason: 'registration_ended',
        });
        return 'registration_ended';
      }
      // A renewal keeps the registration it renews: the identity and cap checks belong to becoming
      // premium, and the automatic renewal does not repeat them either (decision 0013).
      if (input.decision === 'approve' && application.kind !== 'renewal') {
        const refused = premiumRefusal({
          verified: facts.verification !== undefined,
          minor: facts.verification?.minor ?? false,
          guardianConsent: facts.guardianConsent,
          ownResidence: registration.own_residence,
          exceedsCap: exceedsPremiumCap(
            capEntriesOf(
              mine.filter((entry) => entry.lg_code !== government.lgCode),
              pending.filter((entry) => entry.lg_code !== government.lgCode),
            ),
            {
              lgCode: government.lgCode,
              isPrefecture: government.isPrefecture,
              prefectureCode: government.prefectureCode,
            },
          ),
        });
        if (refused) throw refusal(refused);
      }
      await applyDecision(scope, {
        application,
        registration,
        decision: input.decision === 'approve' ? 'approved' : 'rejected',
        decidedBy: options.actor.id ?? options.actor.kind,
        reason: input.reason ?? null,
        actor: options.actor,
        personId,
        governmentName: government.name,
      });
      return 'decided';
    });
  });
  if (outcome === 'registration_ended') throw new AppError('registration_not_found');
}

export interface MyRegistration {
  lgCode: string;
  id: string;
  governmentName: string;
  isPrefecture: boolean;
  tier: 'basic' | 'premium';
  status: 'active' | 'withdrawn' | 'released';
  origin: 'direct' | 'prefecture_link';
  linkedFromLgCode: string | null;
  ownResidence: boolean;
  premiumValidUntil: Date | null;
  longStay: boolean;
  showNameOnCard: boolean;
  registeredAt: Date;
  endedAt: Date | null;
  endReason: string | null;
  pendingApplication: boolean;
  /** Asked whether to stay after a long time without access, and not answered yet. */
  stayQuestionOpen: boolean;
}

/** "My places": the person's registrations in every government, current first, with past ones after. */
export async function listMyRegistrations(options: { db: Kysely<Database>; personId: string }) {
  const { db, personId } = options;
  const [rows, pending, optOuts] = await db
    .transaction()
    .execute((trx) =>
      withPersonInTransaction(
        trx,
        personId,
        async () =>
          [
            await repository.listRegistrationsOfPerson(trx, personId),
            await repository.listPendingApplicationsOfPerson(trx, personId),
            await repository.listOptOuts(trx, personId),
          ] as const,
      ),
    );
  const names = await repository.governmentNames(db, [...new Set(rows.map((row) => row.lg_code))]);
  const pendingAt = new Set(pending.map((application) => application.registration_id));
  const registrations: MyRegistration[] = rows.map((row) => {
    const name = names.get(row.lg_code);
    return {
      lgCode: row.lg_code,
      id: row.id,
      governmentName: name
        ? name.kind === 'prefecture'
          ? name.name
          : `${name.prefectureName}${name.name}`
        : row.lg_code,
      isPrefecture: name?.kind === 'prefecture',
      tier: row.tier,
      status: row.status,
      origin: row.origin,
      linkedFromLgCode: row.linked_from_lg_code,
      ownResidence: row.own_residence,
      premiumValidUntil: row.premium_valid_until,
      longStay: row.long_stay,
      showNameOnCard: row.show_name_on_card,
      registeredAt: row.registered_at,
      endedAt: row.ended_at,
      endReason: row.end_reason,
      pendingApplication: pendingAt.has(row.id),
      stayQuestionOpen:
        row.status === 'active' &&
        row.inactivity_asked_at !== null &&
        (row.inactivity_answered_at === null || row.inactivity_answered_at < row.inactivity_asked_at),
    };
  });
  registrations.sort((a, b) => Number(a.status !== 'active') - Number(b.status !== 'active'));
  return { registrations, prefectureLinkOptOuts: optOuts };
}

/**
 * Where the person lives as registrations see it (the 住所地 rule): the municipality of a current card
 * verification, else the one the person declared, else unknown. Pages ask for a residence only when it
 * is not verified.
 */
export async function getMyResidence(options: { db: Kysely<Database>; personId: string }): Promise<{
  source: 'verified' | 'declared' | 'unknown';
  lgCode: string | null;
  prefectureCode: string | null;
}> {
  const facts = await personFacts(options.db, options.personId);
  const declared = await repository.findDeclaredResidence(options.db, options.personId);
  const residence = residenceOf({ declared_residence_lg_code: declared }, facts);
  const source = facts.verification ? 'verified' : declared ? 'declared' : 'unknown';
  return { source, ...residence };
}

/** Changes whether the card shows the holder's name to whoever checks it. */
export async function setShowNameOnCard(options: {
  db: Kysely<Database>;
  personId: string;
  lgCode: string;
  show: boolean;
}): Promise<void> {
  if (!isValidLgCode(options.lgCode)) throw new AppError('registration_not_found');
  await options.db.transaction().execute((trx) =>
    withTenantInTransaction(trx, options.lgCode, async (scope) => {
      const row = await repository.lockActiveRegistration(scope, { personId: options.personId });
      if (!row) throw new AppError('registration_not_found');
      await repository.updateRegistration(scope, row.id, { show_name_on_card: options.show });
    }),
  );
}

/**
 * Current registrations of a government, and its related population: current registrations minus those
 * where the person lives (住所地 registrations are never related population, L5871–5873).
 */
export async function countCurrentRegistrations(options: { db: Kysely<Database>; lgCode: string }) {
  const rows = await options.db
    .transaction()
    .execute((trx) => withTenantInTransaction(trx, options.lgCode, (scope) => repository.countActive(scope)));
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const ownResidence = rows.filter((row) => row.own_residence).reduce((sum, row) => sum + row.count, 0);
  const premium = rows.filter((row) => row.tier === 'premium').reduce((sum, row) => sum + row.count, 0);
  return { total, premium, ownResidence, relatedPopulation: total - ownResidence };
}

/**
 * The person's own premium requirement for a government they are registered with, explained ("2 of 3:
 * 1 more designated activity needed"), with the tier and validity they hold now.
 */
export async function getMyPremiumProgress(options: {
  db: Kysely<Database>;
  personId: string;
  lgCode: string;
  now?: Date;
}) {
  const government = await participatingGovernment(options.db, options.lgCode).catch(() => {
    throw new AppError('registration_not_found');
  });
  const mine = await options.db
    .transaction()
    .execute((trx) =>
      withPersonInTransaction(trx, options.personId, () =>
        repository.listActiveRegistrationsOfPerson(trx, options.personId),
      ),
    );
  const registration = mine.find((row) => row.lg_code === government.lgCode);
  if (!registration) throw new AppError('registration_not_found');
  const judgement = await judgePremiumRequirement({
    db: options.db,
    lgCode: government.lgCode,
    personId: options.personId,
    settings: government.settings,
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    lgCode: government.lgCode,
    governmentName: government.name,
    tier: registration.tier,
    premiumValidUntil: registration.premium_valid_until,
    mode: government.settings.premiumMode,
    longStayDays: government.settings.longStayDays,
    judgement,
  };
}
