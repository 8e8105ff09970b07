/**
 * Premium renewal (L5866–5869, L5911): premium is valid for one year; the system judges the
 * requirement (judgement.ts) and, as each government chooses (`premiumMode`), renews and releases by
 * itself or puts the renewal in its staff's queue. Decision 0011 has the reasons; the rule, per active
 * premium registration and nightly run at `now` (see `renewalStep`):
 *
 * - automatic, requirement met at `now`, expiry before the next run (`now` + 1 day): renewed, the
 *   expiry moves one year on from the old one (never from today), a renewal application approved by
 *   'system' records the judgement, and the person is told;
 * - expiry reached (`premium_valid_until <= now`) and not renewed: back to basic (automatic: the
 *   requirement is not met; manual: staff did not approve in time), with a notice. A day of
 *   attendance on the expiry day itself still counts at the next run, which is why nobody lapses
 *   before the expiry instant;
 * - a month before the expiry (Japanese calendar: 6/15 → 5/15), once per expiry: automatic mode
 *   judges as at the expiry (the days that will have left the window by then do not count) and, if
 *   that falls short, tells the person what is missing; manual mode puts a pending renewal application
 *   with that judgement in the staff queue and tells the person it is being reviewed;
 * - every night: the long-stay mark follows the days present in the window (days fall out of it).
 *
 * Idempotent by state, not by progress records: a renewal moves the expiry, a lapse changes the tier,
 * the month-before step sets `premium_reminded_for` (automatic) or creates the one renewal application
 * of that expiry (manual), and every write re-checks the expiry it was decided on. A retry after a crash
 * walks from the first window again and finds the finished ones with nothing to do.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { recordAuditEvent } from '../../platform/audit.js';
import type { Database } from '../../platform/db/schema.js';
import { withTenant, type TenantScope } from '../../platform/db/tenant-scope.js';
import { japanDate, japanMonthsBefore } from '../../platform/time.js';
import { RegistrationSettings } from '../municipalities/index.js';
import * as inactivity from './inactivity.repository.js';
import { judgePremiumRequirement, judgePremiumRequirements, type PremiumJudgement } from './judgement.js';
import * as core from './registrations.repository.js';
import { renewedValidUntil } from './registrations.service.js';
import * as repository from './renewal.repository.js';
import type { PremiumRow } from './renewal.repository.js';
import { notify, notifyMany, type NotificationInput } from '../outreach/index.js';
import {
  premiumNoticeKinds,
  premiumNoticeLink,
  premiumNoticeMails,
  type PremiumNoticeKind,
} from './renewal.notices.js';

const dayMs = 24 * 60 * 60 * 1000;

/** Registrations per window: one short transaction each (PGlite serialises everything behind it). */
export const defaultRenewalBatchSize = 5_000;
/** How far ahead a met requirement renews: up to the next nightly run, so a card never shows expired. */
export const renewAheadMs = dayMs;
/** The month-before step comes this many calendar months before the expiry. */
export const reminderMonths = 1;

export type RenewalStep = 'renew' | 'lapse' | 'month_before';

/**
 * What the run does to one active premium registration at `now`. `metNow` is the requirement judged at
 * `now`; `renewalApplied` (manual mode) whether a renewal application for this expiry exists.
 */
export function renewalStep(
  row: { validUntil: Date; remindedFor: Date | null; renewalApplied?: boolean },
  options: { mode: RegistrationSettings['premiumMode']; now: Date; metNow: boolean },
): RenewalStep | undefined {
  const expiry = row.validUntil.getTime();
  const now = options.now.getTime();
  if (options.mode === 'automatic' && options.metNow && expiry <= now + renewAheadMs) return 'renew';
  if (expiry <= now) return 'lapse';
  if (japanMonthsBefore(row.validUntil, reminderMonths).getTime() > now) return undefined;
  if (options.mode === 'manual') return row.renewalApplied ? undefined : 'month_before';
  return row.remindedFor?.getTime() === expiry ? undefined : 'month_before';
}

export const PremiumNoticeItem = z.object({
  lgCode: z.string().regex(/^\d{6}$/),
  validUntil: z.iso.datetime(),
  newValidUntil: z.iso.datetime().optional(),
  count: z.number().int().min(0),
  required: z.number().int().min(1),
  mode: z.enum(['manual', 'automatic']),
});
export type PremiumNoticeItem = z.output<typeof PremiumNoticeItem>;

export const PremiumNoticePayload = z.object({
  personId: z.uuid(),
  kind: z.enum(premiumNoticeKinds),
  /** The run's instant. */
  now: z.iso.datetime(),
  items: z.array(PremiumNoticeItem).max(4000),
});
export type PremiumNoticePayload = z.output<typeof PremiumNoticePayload>;

/**
 * One mail per person, kind and run, however many governments: each government's run adds its items
 * to the person's notice, a job parked until the run's notify job delivers the notices in bulk (as
 * the inactivity notices do). If that never happens, the notice runs on its own a day later.
 */
export const premiumNoticeSpec = {
  name: 'registrations.premium-notice',
  payload: PremiumNoticePayload,
  maxAttempts: 8,
} as const;

/** When a run's notices go out by themselves if the run's delivery does not take them first. */
export function premiumNoticesParkedUntil(now: Date): Date {
  return new Date(now.getTime() + dayMs);
}

function noticeKey(now: Date, kind: PremiumNoticeKind, personId: string): string {
  return `${premiumNoticeSpec.name}:${japanDate(now)}:${kind}:${personId}`;
}

export interface RenewalCounts {
  /** Active premium registrations looked at. */
  scanned: number;
  renewed: number;
  lapsed: number;
  /** Automatic mode: told a month ahead that the requirement is not met yet. */
  reminded: number;
  /** Manual mode: renewal applications put in the staff queue. */
  queued: number;
  /** Long-stay marks set or cleared. */
  longStayChanged: number;
}

export interface RenewalBatch extends RenewalCounts {
  /** Id of the last registration looked at: the next window starts after it. */
  cursor: string | undefined;
  done: boolean;
}

const noCounts = (): RenewalCounts => ({
  scanned: 0,
  renewed: 0,
  lapsed: 0,
  reminded: 0,
  queued: 0,
  longStayChanged: 0,
});

/** The government's registration rules, or undefined when it does not take part (now). */
export async function renewalSettingsOf(
  db: Kysely<Database>,
  lgCode: string,
): Promise<RegistrationSettings | undefined> {
  const tenant = await withTenant(db, lgCode, (scope) => inactivity.findTenant(scope));
  if (!tenant || tenant.status !== 'active') return undefined;
  return RegistrationSettings.parse((tenant.settings as { registration?: unknown } | null)?.registration ?? {});
}

/**
 * One window: up to `batchSize` active premium registrations after `after`, in one tenant transaction
 * that judges them all with two counting statements (at `now`, and at the expiry for the month-before
 * step), then renews, lapses, reminds, queues and corrects long-stay marks as `renewalStep` says, with
 * one audit event per change and the persons' notices. Running it again changes only what is still due.
 */
export async function runRenewalBatch(options: {
  db: Kysely<Database>;
  lgCode: string;
  now: Date;
  after?: string;
  batchSize?: number;
  /** The government's rules; read from its tenant settings when absent. */
  settings?: RegistrationSettings;
}): Promise<RenewalBatch> {
  const { db, lgCode, now } = options;
  const batchSize = options.batchSize ?? defaultRenewalBatchSize;
  const settings = options.settings ?? (await renewalSettingsOf(db, lgCode));
  if (!settings) return { ...noCounts(), cursor: options.after, done: true };
  const mode = settings.premiumMode;

  return withTenant(db, lgCode, async (scope) => {
    const rows = await repository.selectPremiumWindow(scope, options.after, batchSize);
    const counts = { ...noCounts(), scanned: rows.length };
    if (rows.length === 0) return { ...counts, cursor: options.after, done: true };

    const judgedNow = await judgePremiumRequirements(scope, {
      settings,
      items: rows.map((row) => ({ personId: row.person_id, at: now })),
    });
    const applied =
      mode === 'manual'
        ? await repository.renewalsApplied(
            scope,
            rows
              .filter((row) => row.premium_valid_until.getTime() > now.getTime())
              .filter((row) => japanMonthsBefore(row.premium_valid_until, reminderMonths).getTime() <= now.getTime())
              .map((row) => ({ id: row.id, validUntil: row.premium_valid_until })),
          )
        : new Set<string>();

    const byStep: Record<RenewalStep, Array<{ row: PremiumRow; judgement: PremiumJudgement }>> = {
      renew: [],
      lapse: [],
      month_before: [],
    };
    const longStay: Array<{ id: string; longStay: boolean }> = [];
    rows.forEach((row, index) => {
      const judgement = judgedNow[index] as PremiumJudgement;
      const step = renewalStep(
        {
          validUntil: row.premium_valid_until,
          remindedFor: row.premium_reminded_for,
          renewalApplied: applied.has(row.id),
        },
        { mode, now, metNow: judgement.met },
      );
      if (step) byStep[step].push({ row, judgement });
      if (step !== 'renew' && step !== 'lapse' && row.long_stay !== judgement.longStay) {
        longStay.push({ id: row.id, longStay: judgement.longStay });
      }
    });

    const notices: Array<{ personId: string; kind: PremiumNoticeKind; item: PremiumNoticeItem }> = [];
    const item = (row: PremiumRow, judgement: PremiumJudgement, newValidUntil?: Date): PremiumNoticeItem => ({
      lgCode,
      validUntil: row.premium_valid_until.toISOString(),
      ...(newValidUntil ? { newValidUntil: newValidUntil.toISOString() } : {}),
      count: judgement.count,
      required: judgement.required,
      mode,
    });

    // Renew: the expiry moves a year on from the old one.
    const renewing = new Map(byStep.renew.map((entry) => [entry.row.id, entry]));
    const renewed = await repository.renewRegistrations(
      scope,
      byStep.renew.map(({ row, judgement }) => ({
        id: row.id,
        validUntil: row.premium_valid_until,
        newValidUntil: renewedValidUntil(row.premium_valid_until),
        longStay: judgement.longStay,
      })),
    );
    const renewedEntries = renewed.flatMap((done) => renewing.get(done.id) ?? []);
    await repository.recordRenewalDecisions(
      scope,
      renewedEntries.map(({ row, judgement }) => ({
        registrationId: row.id,
        personId: row.person_id,
        renewsUntil: row.premium_valid_until,
        judgement,
        status: 'approved' as const,
        reason: null,
      })),
      now,
    );
    // A pending application left for an older expiry has nothing to decide any more.
    await repository.withdrawPendingApplications(
      scope,
      renewedEntries.map(({ row }) => row.id),
      { now, reason: 'superseded' },
    );
    await repository.insertAuditEvents(
      scope,
      renewedEntries.map(({ row, judgement }) => ({
        action: 'premium.renewed',
        subjectId: row.id,
        data: {
          previousValidUntil: row.premium_valid_until.toISOString(),
          validUntil: renewedValidUntil(row.premium_valid_until).toISOString(),
          count: judgement.count,
          required: judgement.required,
          longStay: judgement.longStay,
        },
      })),
    );
    for (const { row, judgement } of renewedEntries) {
      notices.push({
        personId: row.person_id,
        kind: 'renewed',
        item: item(row, judgement, renewedValidUntil(row.premium_valid_until)),
      });
    }

    // Lapse: back to basic; the renewal is decided 'rejected' (automatic) or withdrawn (manual).
    const lapsing = new Map(byStep.lapse.map((entry) => [entry.row.id, entry]));
    const lapsed = await repository.lapseRegistrations(
      scope,
      byStep.lapse.map(({ row }) => ({ id: row.id, validUntil: row.premium_valid_until })),
    );
    const lapsedEntries = lapsed.flatMap((done) => lapsing.get(done.id) ?? []);
    if (mode === 'automatic') {
      await repository.recordRenewalDecisions(
        scope,
        lapsedEntries.map(({ row, judgement }) => ({
          registrationId: row.id,
          personId: row.person_id,
          renewsUntil: row.premium_valid_until,
          judgement,
          status: 'rejected' as const,
          reason: judgement.explanation.ja,
        })),
        now,
      );
    }
    await repository.withdrawPendingApplications(
      scope,
      lapsedEntries.map(({ row }) => row.id),
      { now, reason: 'expired' },
    );
    await repository.insertAuditEvents(
      scope,
      lapsedEntries.map(({ row, judgement }) => ({
        action: 'premium.lapsed',
        subjectId: row.id,
        data: {
          validUntil: row.premium_valid_until.toISOString(),
          mode,
          count: judgement.count,
          required: judgement.required,
        },
      })),
    );
    for (const { row, judgement } of lapsedEntries) {
      notices.push({ personId: row.person_id, kind: 'lapsed', item: item(row, judgement) });
    }

    // A month before: judged as at the expiry, once per expiry.
    if (byStep.month_before.length > 0) {
      const atExpiry = await judgePremiumRequirements(scope, {
        settings,
        items: byStep.month_before.map(({ row }) => ({ personId: row.person_id, at: row.premium_valid_until })),
      });
      const entries = byStep.month_before.map(({ row }, index) => ({
        row,
        judgement: atExpiry[index] as PremiumJudgement,
      }));
      const byId = new Map(entries.map((entry) => [entry.row.id, entry]));
      const marked = (
        await repository.markReminded(
          scope,
          entries.map(({ row }) => ({ id: row.id, validUntil: row.premium_valid_until })),
        )
      ).flatMap((done) => byId.get(done.id) ?? []);
      if (mode === 'manual') {
        // The renewal application is this step's state in manual mode; a registration marked in
        // automatic days (the mode changed) still gets one.
        const queued = new Set(
          await repository.insertPendingRenewals(
            scope,
            entries.map(({ row, judgement }) => ({
              registrationId: row.id,
              personId: row.person_id,
              renewsUntil: row.premium_valid_until,
              judgement,
            })),
            now,
          ),
        );
        const queuedEntries = entries.filter(({ row }) => queued.has(row.id));
        await repository.insertAuditEvents(
          scope,
          queuedEntries.map(({ row, judgement }) => ({
            action: 'premium.renewal_queued',
            subjectId: row.id,
            data: {
              validUntil: row.premium_valid_until.toISOString(),
              count: judgement.count,
              required: judgement.required,
            },
          })),
        );
        for (const { row, judgement } of queuedEntries) {
          notices.push({ personId: row.person_id, kind: 'review', item: item(row, judgement) });
        }
        counts.queued = queuedEntries.length;
      } else {
        const short = marked.filter(({ judgement }) => !judgement.met);
        await repository.insertAuditEvents(
          scope,
          short.map(({ row, judgement }) => ({
            action: 'premium.renewal_reminded',
            subjectId: row.id,
            data: {
              validUntil: row.premium_valid_until.toISOString(),
              count: judgement.count,
              required: judgement.required,
            },
          })),
        );
        for (const { row, judgement } of short) {
          notices.push({ personId: row.person_id, kind: 'reminder', item: item(row, judgement) });
        }
        counts.reminded = short.length;
      }
    }

    const changed = await repository.setLongStay(scope, longStay);
    await repository.insertAuditEvents(
      scope,
      changed.map((row) => ({
        action: 'registration.long_stay_changed',
        subjectId: row.id,
        data: { longStay: row.long_stay, days: settings.longStayDays },
      })),
    );

    await addToNotices(scope, { now, notices });

    counts.renewed = renewedEntries.length;
    counts.lapsed = lapsedEntries.length;
    counts.longStayChanged = changed.length;
    return { ...counts, cursor: rows.at(-1)?.id, done: rows.length < batchSize };
  });
}

async function addToNotices(
  scope: TenantScope,
  options: {
    now: Date;
    notices: ReadonlyArray<{ personId: string; kind: PremiumNoticeKind; item: PremiumNoticeItem }>;
  },
): Promise<void> {
  // One row per person and kind per statement: an upsert cannot touch the same key twice.
  const byKey = new Map<string, PremiumNoticePayload>();
  for (const notice of options.notices) {
    const key = noticeKey(options.now, notice.kind, notice.personId);
    const payload = byKey.get(key) ?? {
      personId: notice.personId,
      kind: notice.kind,
      now: options.now.toISOString(),
      items: [],
    };
    payload.items.push(notice.item);
    byKey.set(key, payload);
  }
  // Checked here, where a bad payload fails the run (and is retried), not at delivery, where it could
  // only be dropped.
  const notices = [...byKey].map(([key, payload]) => ({
    key,
    payload: JSON.stringify(PremiumNoticePayload.parse(payload)),
  }));
  const added = await inactivity.upsertNotices(scope.trx, notices, {
    name: premiumNoticeSpec.name,
    runAt: premiumNoticesParkedUntil(options.now),
    maxAttempts: premiumNoticeSpec.maxAttempts,
  });
  // This government ran after the person's notice went out: a notice of its own, at once.
  const late = notices
    .filter((notice) => !added.has(notice.key))
    .map((notice) => ({ key: `${notice.key}:${scope.lgCode}`, payload: notice.payload }));
  await inactivity.insertDueNotices(scope.trx, late, {
    name: premiumNoticeSpec.name,
    maxAttempts: premiumNoticeSpec.maxAttempts,
  });
}

/**
 * The whole run for one government at `now`: window after window until the end. A retry after a crash
 * starts from the first window again and finds the finished ones with nothing left to do.
 */
export async function runRenewalForTenant(options: {
  db: Kysely<Database>;
  lgCode: string;
  now: Date;
  batchSize?: number;
}): Promise<RenewalCounts & { batches: number; longestBatchMs: number; skipped: boolean }> {
  const { db, lgCode, now } = options;
  const settings = await renewalSettingsOf(db, lgCode);
  // The longest window is how long the embedded database (one session) keeps every request waiting.
  const totals = { ...noCounts(), batches: 0, longestBatchMs: 0, skipped: settings === undefined };
  if (!settings) return totals;
  let cursor: string | undefined;
  for (;;) {
    const started = performance.now();
    const batch = await runRenewalBatch({
      db,
      lgCode,
      now,
      settings,
      ...(cursor === undefined ? {} : { after: cursor }),
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    });
    totals.batches += 1;
    totals.longestBatchMs = Math.max(totals.longestBatchMs, Math.round(performance.now() - started));
    for (const key of Object.keys(noCounts()) as Array<keyof RenewalCounts>) totals[key] += batch[key];
    if (batch.done) return totals;
    cursor = batch.cursor;
  }
}

/**
 * Brings one person's long-stay mark with this government up to date, in the caller's transaction:
 * for check-in, right after it records a day of attendance. Only a premium registration carries the
 * mark (L5848); the nightly run clears it again when days leave the window. Returns the mark, or
 * undefined when the person holds no premium registration here.
 */
export async function refreshLongStay(options: {
  scope: TenantScope;
  personId: string;
  /** The government's rules; read from its tenant settings when absent. */
  settings?: RegistrationSettings;
  now?: Date;
}): Promise<boolean | undefined> {
  const { scope, personId } = options;
  const registration = await repository.findPremiumRegistrationOfPerson(scope, personId);
  if (!registration) return undefined;
  const settings =
    options.settings ??
    RegistrationSettings.parse(
      ((await inactivity.findTenant(scope))?.settings as { registration?: unknown } | null)?.registration ?? {},
    );
  const judgement = await judgePremiumRequirement({
    db: scope.trx,
    lgCode: scope.lgCode,
    personId,
    settings,
    scope,
    ...(options.now ? { now: options.now } : {}),
  });
  if (judgement.longStay === registration.long_stay) return judgement.longStay;
  const changed = await repository.setLongStayOfPerson(scope, personId, judgement.longStay);
  if (changed) {
    await recordAuditEvent(scope, {
      actor: { kind: 'system', id: null },
      action: 'registration.long_stay_changed',
      subjectType: 'registration',
      subjectId: changed.id,
      data: { longStay: judgement.longStay, days: settings.longStayDays },
    });
  }
  return judgement.longStay;
}

// Notices.

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Full names of governments ("宮城県気仙沼市"), remembered across the batches of one delivery. */
async function governmentNames(
  db: Kysely<Database>,
  lgCodes: readonly string[],
  known: Map<string, string>,
): Promise<Map<string, string>> {
  const missing = unique(lgCodes.filter((code) => !known.has(code)));
  if (missing.length > 0) {
    for (const [code, name] of await core.governmentNames(db, missing)) {
      known.set(code, name.kind === 'prefecture' ? name.name : `${name.prefectureName}${name.name}`);
    }
  }
  return known;
}

/**
 * The notifications of a set of notices, each in Japanese and English (the person's language is chosen at
 * delivery); a person without a live account gets none. `key` makes each notice notify once, however
 * often its delivery is retried.
 */
async function noticeNotifications(
  db: Kysely<Database>,
  notices: ReadonlyArray<{ notice: PremiumNoticePayload; key: string }>,
  options: { names: Map<string, string> },
): Promise<NotificationInput[]> {
  const targets = await inactivity.mailTargets(
    db,
    notices.map(({ notice }) => notice.personId),
  );
  const names = await governmentNames(
    db,
    notices.flatMap(({ notice }) => notice.items.map((entry) => entry.lgCode)),
    options.names,
  );
  const notifications: NotificationInput[] = [];
  for (const { notice, key } of notices) {
    if (!targets.has(notice.personId) || notice.items.length === 0) continue;
    const lines = notice.items.map((entry) => ({
      government: names.get(entry.lgCode) ?? entry.lgCode,
      validUntil: new Date(entry.validUntil),
      newValidUntil: entry.newValidUntil ? new Date(entry.newValidUntil) : undefined,
      count: entry.count,
      required: entry.required,
      mode: entry.mode,
    }));
    const ja = premiumNoticeMails[notice.kind]({ locale: 'ja', lines });
    const en = premiumNoticeMails[notice.kind]({ locale: 'en', lines });
    const lgCodes = unique(notice.items.map((entry) => entry.lgCode));
    notifications.push({
      personId: notice.personId,
      ...(lgCodes.length === 1 ? { lgCode: lgCodes[0] } : {}),
      kind: 'registrations.premium_renewal',
      title: { ja: ja.title, en: en.title },
      body: { ja: ja.text, en: en.text },
      link: premiumNoticeLink,
      idempotencyKey: key,
    });
  }
  return notifications;
}

/**
 * Sends the run's parked notices in batches of `batchSize`: each batch notifies its persons (in the app,
 * and by mail or push as they chose) and marks its notices done in one transaction, so a retry never
 * notifies anyone twice. `mails` counts the persons notified.
 */
export async function deliverPremiumNotices(options: {
  db: Kysely<Database>;
  now: Date;
  batchSize?: number;
}): Promise<{ notices: number; mails: number }> {
  const names = new Map<string, string>();
  const batchSize = options.batchSize ?? 1_000;
  const parked = { name: premiumNoticeSpec.name, runAt: premiumNoticesParkedUntil(options.now) };
  const totals = { notices: 0, mails: 0 };
  for (let ids = await inactivity.listParkedNotices(options.db, parked); ids.length > 0;) {
    for (let start = 0; start < ids.length; start += batchSize) {
      const chunk = ids.slice(start, start + batchSize);
      const batch = await options.db.transaction().execute(async (trx) => {
        const rows = await inactivity.lockParkedNotices(trx, chunk);
        const notices = rows.flatMap((row) => {
          const parsed = PremiumNoticePayload.safeParse(row.payload);
          return parsed.success ? [{ notice: parsed.data, key: `${premiumNoticeSpec.name}:${row.id}` }] : [];
        });
        const mails = await notifyMany(trx, await noticeNotifications(trx, notices, { names }));
        await inactivity.completeNotices(
          trx,
          rows.map((row) => row.id),
        );
        return { notices: rows.length, mails };
      });
      totals.notices += batch.notices;
      totals.mails += batch.mails;
    }
    // Anything parked meanwhile (a government finishing after all) goes in one more round.
    ids = await inactivity.listParkedNotices(options.db, parked);
  }
  return totals;
}

/** One notice on its own (the safety net, or a government that ran late); `jobId` is its job's id. */
export async function sendPremiumNotice(options: {
  db: Kysely<Database>;
  notice: PremiumNoticePayload;
  jobId: string;
}): Promise<boolean> {
  const [notification] = await noticeNotifications(
    options.db,
    [{ notice: options.notice, key: `${premiumNoticeSpec.name}:${options.jobId}` }],
    { names: new Map() },
  );
  if (!notification) return false;
  await notify(options.db, notification);
  return true;
}
