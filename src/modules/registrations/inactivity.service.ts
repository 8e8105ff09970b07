/**
 * Basic inactivity (L5950–5966): a basic registration needs no renewal, but after a period without
 * access the person is asked, in the app and by e-mail, whether to stay; without an answer the
 * registration is released. No staff work. Premium registrations renew yearly and are not subject to it.
 *
 * The rule, per registration (see `stayStep`):
 * - ask when the person has not accessed for the government's `inactivityMonths` (default 24);
 * - release when the question stayed open for `answerDays` (30) days;
 * - never release someone who answered (inactivity_answered_at >= inactivity_asked_at) or came back
 *   (persons.last_access_at > inactivity_asked_at); coming back closes the question on the next run.
 *
 * Where last access is read: persons is national (no row-level security), registrations belong to a
 * tenant. Each window of registrations is read in the tenant's own scope (withTenant: application
 * role, RLS), and the last access of that window's persons is fetched by id in the same short
 * transaction; the decision is made here and written back by id. We do not join registrations with
 * persons in one statement: ARCHITECTURE keeps tenant queries off the national table (single-shard on
 * Citus), and a "system connection" join would run as the database owner, which FORCE ROW LEVEL
 * SECURITY leaves with no tenant rows at all in production (it only works for superusers).
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { recordAuditEvent } from '../../platform/audit.js';
import type { Database } from '../../platform/db/schema.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { AppError } from '../../platform/errors.js';
import type { Locale } from '../../platform/i18n.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import type { MailMessage } from '../../platform/mail/mailer.js';
import { japanDate, japanMonthsBefore } from '../../platform/time.js';
import { RegistrationSettings } from '../municipalities/index.js';
import { notify, notifyMany, type NotificationInput } from '../outreach/index.js';
import * as repository from './inactivity.repository.js';
import type { InactivityRow } from './inactivity.repository.js';
import * as core from './registrations.repository.js';

/** Days a person has to answer before the registration is released. */
export const answerDays = 30;
/** Registrations per window: one short transaction each (PGlite serialises everything behind it). */
export const defaultInactivityBatchSize = 5_000;

const dayMs = 24 * 60 * 60 * 1000;

export const InactivityNoticePayload = z.object({
  personId: z.uuid(),
  /** The run's instant: what was asked or released then is what the mail reports. */
  now: z.iso.datetime(),
  items: z.array(z.object({ lgCode: z.string().regex(/^\d{6}$/), kind: z.enum(['asked', 'released']) })).max(4000),
});
export type InactivityNoticePayload = z.output<typeof InactivityNoticePayload>;

/**
 * One e-mail per person per run, however many governments asked or released: each tenant's run adds
 * its items to the person's notice, a job parked until every tenant of the run is done
 * (inactivity.jobs.ts delivers the parked notices in bulk then). If that never happens, the notice
 * runs on its own a day later: late, but not lost.
 */
export const inactivityNoticeSpec = {
  name: 'registrations.inactivity-notice',
  payload: InactivityNoticePayload,
  maxAttempts: 8,
} as const;

/** When a run's notices go out by themselves if the run's delivery does not take them first. */
export function noticesParkedUntil(now: Date): Date {
  return new Date(now.getTime() + dayMs);
}

function noticeKey(now: Date, personId: string): string {
  return `${inactivityNoticeSpec.name}:${japanDate(now)}:${personId}`;
}

export type StayStep = 'ask' | 'release' | 'close';

export interface StayLimits {
  /** Asked when nothing happened since before this instant (now minus inactivityMonths, Japan calendar). */
  askBefore: Date;
  /** Released when asked at or before this instant (now minus answerDays) and still unanswered. */
  releaseAskedBefore: Date;
}

export function stayLimits(now: Date, inactivityMonths: number): StayLimits {
  return {
    askBefore: japanMonthsBefore(now, inactivityMonths),
    releaseAskedBefore: new Date(now.getTime() - answerDays * dayMs),
  };
}

function isQuestionOpen(row: Pick<InactivityRow, 'inactivity_asked_at' | 'inactivity_answered_at'>): boolean {
  return (
    row.inactivity_asked_at !== null &&
    (row.inactivity_answered_at === null || row.inactivity_answered_at < row.inactivity_asked_at)
  );
}

/**
 * What the run does to one active basic registration, given its person's last access. Registering and
 * answering count as access for this registration, so a fresh registration or an answer starts the
 * period again even where last access is older (imported data, a clock set by a test).
 */
export function stayStep(row: InactivityRow, lastAccessAt: Date, limits: StayLimits): StayStep | undefined {
  const askedAt = row.inactivity_asked_at;
  if (askedAt !== null && isQuestionOpen(row)) {
    if (lastAccessAt > askedAt) return 'close';
    return askedAt <= limits.releaseAskedBefore ? 'release' : undefined;
  }
  const since = Math.max(
    lastAccessAt.getTime(),
    row.registered_at.getTime(),
    row.inactivity_answered_at?.getTime() ?? Number.NEGATIVE_INFINITY,
  );
  return since < limits.askBefore.getTime() ? 'ask' : undefined;
}

export interface InactivityCounts {
  /** Active basic registrations looked at. */
  scanned: number;
  asked: number;
  released: number;
  /** Questions withdrawn: the person came back, or the registration became premium. */
  closed: number;
}

export interface InactivityBatch extends InactivityCounts {
  /** Id of the last registration looked at: the next window starts after it. */
  cursor: string | undefined;
  /** No registrations after this window. */
  done: boolean;
}

const noCounts = (): InactivityCounts => ({ scanned: 0, asked: 0, released: 0, closed: 0 });

/** The government's months of inactivity, or undefined when it does not take part (now). */
async function inactivityMonthsOf(db: Kysely<Database>, lgCode: string): Promise<number | undefined> {
  const tenant = await withTenant(db, lgCode, (scope) => repository.findTenant(scope));
  if (!tenant || tenant.status !== 'active') return undefined;
  const settings = (tenant.settings as { registration?: unknown } | null)?.registration ?? {};
  return RegistrationSettings.parse(settings).inactivityMonths;
}

/**
 * One window: up to `batchSize` active basic registrations after `after`, in one short tenant
 * transaction that asks, releases and closes as `stayStep` says, writes one audit event per change and
 * adds to the persons' notices. Every write re-checks its condition, and the conditions are states (an
 * open question, its age), not "what this run did": running a window again, or the whole run again
 * after a crash, changes only what is still due.
 */
export async function runInactivityBatch(options: {
  db: Kysely<Database>;
  lgCode: string;
  now: Date;
  after?: string;
  batchSize?: number;
  /** The government's setting; read from its tenant settings when absent. */
  inactivityMonths?: number;
}): Promise<InactivityBatch> {
  const { db, lgCode, now } = options;
  const batchSize = options.batchSize ?? defaultInactivityBatchSize;
  const months = options.inactivityMonths ?? (await inactivityMonthsOf(db, lgCode));
  if (months === undefined) return { ...noCounts(), cursor: options.after, done: true };
  const limits = stayLimits(now, months);

  return withTenant(db, lgCode, async (scope) => {
    const rows = await repository.selectWindow(scope, options.after, batchSize);
    const counts = { ...noCounts(), scanned: rows.length };
    if (rows.length === 0) return { ...counts, cursor: options.after, done: true };

    const lastAccess = await repository.lastAccessOf(scope.trx, unique(rows.map((row) => row.person_id)));
    const byStep: Record<StayStep, InactivityRow[]> = { ask: [], release: [], close: [] };
    for (const row of rows) {
      const lastAccessAt = lastAccess.get(row.person_id);
      // No account behind the row (erased outside the normal path): nobody to ask.
      if (!lastAccessAt) continue;
      const step = stayStep(row, lastAccessAt, limits);
      if (step) byStep[step].push(row);
    }

    // Releasing is the one step that cannot be undone: decide it again on locked last access.
    if (byStep.release.length > 0) {
      const locked = await repository.lastAccessOf(scope.trx, unique(byStep.release.map((row) => row.person_id)), true);
      const releasing = byStep.release;
      byStep.release = [];
      for (const row of releasing) {
        const lastAccessAt = locked.get(row.person_id);
        const step = lastAccessAt ? stayStep(row, lastAccessAt, limits) : undefined;
        if (step === 'release' || step === 'close') byStep[step].push(row);
      }
    }

    const closed = await repository.closeQuestions(
      scope,
      byStep.close.map((row) => row.id),
    );
    await repository.insertAuditEvents(scope, {
      action: 'registration.stay_question_closed',
      subjectIds: closed,
      data: { reason: 'returned' },
    });

    const released = await repository.releaseRegistrations(
      scope,
      byStep.release.map((row) => row.id),
      { now, askedBefore: limits.releaseAskedBefore },
    );
    const releasedIds = released.map((row) => row.id);
    await repository.withdrawPendingApplications(scope, releasedIds, now);
    await repository.insertAuditEvents(scope, {
      action: 'registration.released',
      subjectIds: releasedIds,
      data: { reason: 'inactive', tier: 'basic' },
    });

    const asked = await repository.askRegistrations(
      scope,
      byStep.ask.map((row) => row.id),
      now,
    );
    await repository.insertAuditEvents(scope, {
      action: 'registration.stay_question_asked',
      subjectIds: asked.map((row) => row.id),
      data: { inactivityMonths: months, answerDays },
    });

    await addToNotices(scope.trx, {
      lgCode,
      now,
      items: [
        ...asked.map((row) => ({ personId: row.person_id, kind: 'asked' as const })),
        ...released.map((row) => ({ personId: row.person_id, kind: 'released' as const })),
      ],
    });

    counts.closed = closed.length;
    counts.released = released.length;
    counts.asked = asked.length;
    return { ...counts, cursor: rows.at(-1)?.id, done: rows.length < batchSize };
  });
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

async function addToNotices(
  trx: Parameters<typeof repository.upsertNotices>[0],
  options: { lgCode: string; now: Date; items: Array<{ personId: string; kind: 'asked' | 'released' }> },
): Promise<void> {
  // One row per person and statement: an upsert cannot touch the same key twice.
  const byPerson = new Map<string, InactivityNoticePayload['items']>();
  for (const item of options.items) {
    const items = byPerson.get(item.personId) ?? [];
    items.push({ lgCode: options.lgCode, kind: item.kind });
    byPerson.set(item.personId, items);
  }
  const notices = [...byPerson].map(([personId, items]) => ({
    key: noticeKey(options.now, personId),
    payload: JSON.stringify({ personId, now: options.now.toISOString(), items } satisfies InactivityNoticePayload),
  }));
  const added = await repository.upsertNotices(trx, notices, {
    name: inactivityNoticeSpec.name,
    runAt: noticesParkedUntil(options.now),
    maxAttempts: inactivityNoticeSpec.maxAttempts,
  });
  // This government ran after the person's notice went out: a notice of its own, at once.
  const late = notices
    .filter((notice) => !added.has(notice.key))
    .map((notice) => ({ key: `${notice.key}:${options.lgCode}`, payload: notice.payload }));
  await repository.insertDueNotices(trx, late, {
    name: inactivityNoticeSpec.name,
    maxAttempts: inactivityNoticeSpec.maxAttempts,
  });
}

/** A premium registration is not subject to the rule: a question left from its basic days goes. */
async function closePremiumQuestions(db: Kysely<Database>, lgCode: string): Promise<number> {
  return withTenant(db, lgCode, async (scope) => {
    const closed = await repository.closeQuestions(scope, await repository.openPremiumQuestions(scope));
    await repository.insertAuditEvents(scope, {
      action: 'registration.stay_question_closed',
      subjectIds: closed,
      data: { reason: 'premium' },
    });
    return closed.length;
  });
}

/**
 * The whole run for one government at `now`: window after window until the end. A retry after a crash
 * starts from the first window again and finds the finished ones with nothing left to do.
 */
export async function runInactivityForTenant(options: {
  db: Kysely<Database>;
  lgCode: string;
  now: Date;
  batchSize?: number;
}): Promise<InactivityCounts & { batches: number; longestBatchMs: number; skipped: boolean }> {
  const { db, lgCode, now } = options;
  const months = await inactivityMonthsOf(db, lgCode);
  // The longest window is how long the embedded database (one session) keeps every request waiting.
  const totals = { ...noCounts(), batches: 0, longestBatchMs: 0, skipped: months === undefined };
  if (months === undefined) return totals;
  totals.closed += await closePremiumQuestions(db, lgCode);
  let cursor: string | undefined;
  for (;;) {
    const started = performance.now();
    const batch = await runInactivityBatch({
      db,
      lgCode,
      now,
      inactivityMonths: months,
      ...(cursor === undefined ? {} : { after: cursor }),
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    });
    totals.batches += 1;
    totals.longestBatchMs = Math.max(totals.longestBatchMs, Math.round(performance.now() - started));
    totals.scanned += batch.scanned;
    totals.asked += batch.asked;
    totals.released += batch.released;
    totals.closed += batch.closed;
    if (batch.done) return totals;
    cursor = batch.cursor;
  }
}

const uuidSchema = z.uuid();

/**
 * The person keeps the registration ([続ける] on "my places"). Does nothing when no question is open
 * (a second click); a registration that is not active is not found. Signing in already counts as
 * coming back; this makes the answer explicit and audited.
 */
export async function answerStayQuestion(options: {
  db: Kysely<Database>;
  personId: string;
  lgCode: string;
  /** Tests move the clock; the answer is never recorded before the question. */
  now?: Date;
  requestId?: string;
}): Promise<void> {
  if (!isValidLgCode(options.lgCode) || !uuidSchema.safeParse(options.personId).success) {
    throw new AppError('registration_not_found');
  }
  const now = options.now ?? new Date();
  await withTenant(options.db, options.lgCode, async (scope) => {
    const row = await core.lockActiveRegistration(scope, { personId: options.personId });
    if (!row) throw new AppError('registration_not_found');
    const askedAt = row.inactivity_asked_at;
    if (askedAt === null || !isQuestionOpen(row)) return;
    await core.updateRegistration(scope, row.id, {
      inactivity_answered_at: new Date(Math.max(now.getTime(), askedAt.getTime())),
    });
    await recordAuditEvent(scope, {
      actor: { kind: 'person', id: options.personId, ...(options.requestId ? { requestId: options.requestId } : {}) },
      action: 'registration.stay_confirmed',
      subjectType: 'registration',
      subjectId: row.id,
      data: { askedAt: askedAt.toISOString() },
    });
  });
}

// Notices: one mail per person and run.

const longDate: Record<Locale, Intl.DateTimeFormat> = {
  ja: new Intl.DateTimeFormat('ja-JP', { dateStyle: 'long', timeZone: 'Asia/Tokyo' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'Asia/Tokyo' }),
};

/**
 * The notice of one person in one language: a title (the mail's subject without the service's name) and
 * the text. The answer date is the last full day before the release run (the run at `now` + 30 days
 * releases), so "by this date" is always safe.
 */
function noticeContent(options: {
  locale: Locale;
  asked: readonly string[];
  released: readonly string[];
  now: Date;
  publicUrl: string;
}): { title: string; text: string } {
  const base = options.publicUrl.replace(/\/+$/, '');
  const answerBy = longDate[options.locale].format(new Date(options.now.getTime() + (answerDays - 1) * dayMs));
  const list = (names: readonly string[]) => names.map((name) => `・${name}`).join('\n');
  if (options.locale === 'en') {
    const parts = ['Thank you for using Furusato, the hometown resident registration.'];
    if (options.asked.length > 0) {
      parts.push(
        `You have not used the service for a while, so we are asking whether you want to keep your basic registration with:\n${list(options.asked)}`,
        `To keep it, press "Continue" on My places by ${answerBy}. Simply signing in also keeps it.\n${base}/my/places`,
        'Without an answer, the registration is released automatically. You can register again at any time.',
      );
    }
    if (options.released.length > 0) {
      parts.push(
        `Your basic registration with the following was released, because the service was not used for a long time and our question was not answered:\n${list(options.released)}`,
        `You can register again at any time.\n${base}/municipalities`,
      );
    }
    const title =
      options.asked.length > 0 && options.released.length > 0
        ? 'Your hometown registrations: a question and a release'
        : options.asked.length > 0
          ? 'Do you want to keep your hometown registration?'
          : 'Your hometown registration was released';
    return { title, text: parts.join('\n\n') };
  }
  const parts = ['ふるさと住民登録をご利用いただき、ありがとうございます。'];
  if (options.asked.length > 0) {
    parts.push(
      `しばらくご利用がないため、次の自治体へのベーシック登録を続けるかどうかを確認しています。\n${list(options.asked)}`,
      `続ける場合は、${answerBy}までに「登録している自治体」のページで［続ける］を押してください。ログインするだけでも続けることになります。\n${base}/my/places`,
      'お返事がない場合、登録は自動的に解除されます。解除のあとも、いつでも登録し直せます。',
    );
  }
  if (options.released.length > 0) {
    parts.push(
      `次の自治体へのベーシック登録は、しばらくご利用がなく、確認へのお返事もなかったため、解除しました。\n${list(options.released)}`,
      `いつでも登録し直せます。\n${base}/municipalities`,
    );
  }
  const title =
    options.asked.length > 0 && options.released.length > 0
      ? '登録の確認と解除のお知らせ'
      : options.asked.length > 0
        ? '登録を続けるかどうかの確認'
        : '登録を解除しました';
  return { title, text: parts.join('\n\n') };
}

/** The mail of one person's notice, as the notification mail shows it (subject and text). */
export function inactivityNoticeMail(options: {
  locale: Locale;
  asked: readonly string[];
  released: readonly string[];
  now: Date;
  publicUrl: string;
}): Pick<MailMessage, 'subject' | 'text'> {
  const { title, text } = noticeContent(options);
  return { subject: options.locale === 'ja' ? `【ふるさと住民登録】${title}` : title, text };
}

/** Full names of governments ("宮城県気仙沼市"), remembered across the batches of one delivery. */
async function governmentNames(
  db: Kysely<Database>,
  lgCodes: readonly string[],
  known: Map<string, string>,
): Promise<Map<string, string>> {
  const missing = lgCodes.filter((code) => !known.has(code));
  if (missing.length > 0) {
    for (const [code, name] of await core.governmentNames(db, unique(missing))) {
      known.set(code, name.kind === 'prefecture' ? name.name : `${name.prefectureName}${name.name}`);
    }
  }
  return known;
}

/**
 * The notifications of a set of notices (kind `registrations.stay_question`, in both languages: the
 * person's language is chosen at delivery); a person without a live account gets none. `key` makes each
 * notice notify once, however often its delivery is retried.
 */
async function noticeNotifications(
  db: Kysely<Database>,
  notices: ReadonlyArray<{ notice: InactivityNoticePayload; key: string }>,
  options: { publicUrl: string; names: Map<string, string> },
): Promise<NotificationInput[]> {
  const targets = await repository.mailTargets(
    db,
    notices.map(({ notice }) => notice.personId),
  );
  const names = await governmentNames(
    db,
    notices.flatMap(({ notice }) => notice.items.map((item) => item.lgCode)),
    options.names,
  );
  const notifications: NotificationInput[] = [];
  for (const { notice, key } of notices) {
    if (!targets.has(notice.personId)) continue;
    const namesOf = (kind: 'asked' | 'released') =>
      unique(notice.items.filter((item) => item.kind === kind).map((item) => names.get(item.lgCode) ?? item.lgCode));
    const asked = namesOf('asked');
    const released = namesOf('released');
    if (asked.length === 0 && released.length === 0) continue;
    const content = (locale: Locale) =>
      noticeContent({ locale, asked, released, now: new Date(notice.now), publicUrl: options.publicUrl });
    const ja = content('ja');
    const en = content('en');
    const lgCodes = unique(notice.items.map((item) => item.lgCode));
    notifications.push({
      personId: notice.personId,
      ...(lgCodes.length === 1 ? { lgCode: lgCodes[0] } : {}),
      kind: 'registrations.stay_question',
      title: { ja: ja.title, en: en.title },
      body: { ja: ja.text, en: en.text },
      link: asked.length > 0 ? '/my/places' : '/municipalities',
      idempotencyKey: key,
    });
  }
  return notifications;
}

export const defaultPublicUrl = 'http://localhost:3000';

/**
 * Sends the run's parked notices, in batches of `batchSize`: each batch notifies its persons (in the app
 * and by mail, as their preferences say) and marks its notices done in one transaction, so a retry never
 * notifies anyone twice. `mails` counts the persons notified.
 */
export async function deliverInactivityNotices(options: {
  db: Kysely<Database>;
  now: Date;
  publicUrl?: string;
  batchSize?: number;
}): Promise<{ notices: number; mails: number }> {
  const names = new Map<string, string>();
  const publicUrl = options.publicUrl ?? defaultPublicUrl;
  const batchSize = options.batchSize ?? 1_000;
  const parked = { name: inactivityNoticeSpec.name, runAt: noticesParkedUntil(options.now) };
  const totals = { notices: 0, mails: 0 };
  for (let ids = await repository.listParkedNotices(options.db, parked); ids.length > 0;) {
    for (let start = 0; start < ids.length; start += batchSize) {
      const chunk = ids.slice(start, start + batchSize);
      const batch = await options.db.transaction().execute(async (trx) => {
        const rows = await repository.lockParkedNotices(trx, chunk);
        const notices = rows.flatMap((row) => {
          const parsed = InactivityNoticePayload.safeParse(row.payload);
          return parsed.success ? [{ notice: parsed.data, key: `${inactivityNoticeSpec.name}:${row.id}` }] : [];
        });
        const mails = await notifyMany(trx, await noticeNotifications(trx, notices, { publicUrl, names }));
        await repository.completeNotices(
          trx,
          rows.map((row) => row.id),
        );
        return { notices: rows.length, mails };
      });
      totals.notices += batch.notices;
      totals.mails += batch.mails;
    }
    // Anything parked meanwhile (a government finishing after all) goes in one more round.
    ids = await repository.listParkedNotices(options.db, parked);
  }
  return totals;
}

/** One notice on its own (the safety net, or a government that ran late); `jobId` is its job's id. */
export async function sendInactivityNotice(options: {
  db: Kysely<Database>;
  notice: InactivityNoticePayload;
  jobId: string;
  publicUrl?: string;
}): Promise<boolean> {
  const [notification] = await noticeNotifications(
    options.db,
    [{ notice: options.notice, key: `${inactivityNoticeSpec.name}:${options.jobId}` }],
    { publicUrl: options.publicUrl ?? defaultPublicUrl, names: new Map() },
  );
  if (!notification) return false;
  await notify(options.db, notification);
  return true;
}
