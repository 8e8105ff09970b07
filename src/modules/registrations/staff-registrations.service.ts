import type { Kysely } from 'kysely';
import { z } from 'zod';
import { recordAuditEvent, type Actor } from '../../platform/audit.js';
import type { AgeBand, Database, RegistrationEndReason } from '../../platform/db/schema.js';
import { withTenant, type TenantScope } from '../../platform/db/tenant-scope.js';
import { AppError, parseInput } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import { PrefectureCode } from '../../platform/lg-code.js';
import { japanDate } from '../../platform/time.js';
import { csvRow } from '../../platform/csv.js';

export { csvCell, csvRow } from '../../platform/csv.js';
import {
  getTenant,
  mayUpdateTenantSettings,
  RegistrationSettings,
  SurveyQuestion,
  updateTenantSettings,
} from '../municipalities/index.js';
import {
  decidePremiumApplication,
  mayManageRegistrations,
  type PremiumDecisionInput,
} from './registrations.service.js';
import { readRegistrationSurveyAnswers, type RegistrationSurveyAnswers } from '../outreach/index.js';
import * as repository from './staff-registrations.repository.js';
import { relationshipTieLabels, relationshipTies, type RelationshipTie } from './survey.js';

/**
 * The government's side of registrations (DOMAIN §3): its registrants, the premium queue, its
 * registration rules and the CSV export. Registrants are the government's personal data: only its
 * administrators and staff with a second factor see them (`mayManageRegistrations`); for everyone else
 * — other governments, organisation staff, operators — they do not exist (404).
 */

function authorizeRegistrations(actor: Actor, lgCode: string): void {
  if (!mayManageRegistrations(actor, lgCode)) throw new AppError('not_found');
}

const uuid = z.uuid();

export const tierLabels: Record<'basic' | 'premium', Localized> = {
  basic: { ja: 'ベーシック', en: 'Basic' },
  premium: { ja: 'プレミアム', en: 'Premium' },
};

export const statusLabels: Record<'active' | 'withdrawn' | 'released', Localized> = {
  active: { ja: '登録中', en: 'Active' },
  withdrawn: { ja: '退会', en: 'Withdrawn' },
  released: { ja: '登録解除', en: 'Released' },
};

export const originLabels: Record<'direct' | 'prefecture_link', Localized> = {
  direct: { ja: '直接登録', en: 'Direct' },
  prefecture_link: { ja: '市区町村の登録に伴う登録', en: 'Through a municipality registration' },
};

export const ageBandLabels: Record<AgeBand, Localized> = {
  under_18: { ja: '18歳未満', en: 'Under 18' },
  '18_29': { ja: '18〜29歳', en: '18–29' },
  '30_39': { ja: '30代', en: '30s' },
  '40_49': { ja: '40代', en: '40s' },
  '50_59': { ja: '50代', en: '50s' },
  '60_69': { ja: '60代', en: '60s' },
  '70_plus': { ja: '70歳以上', en: '70 or older' },
};

export const endReasonLabels: Record<RegistrationEndReason, Localized> = {
  withdrawn: { ja: '本人が退会', en: 'Withdrawn by the person' },
  inactive: { ja: '長期間利用がなく解除', en: 'Released after long inactivity' },
  account_deleted: { ja: 'アカウント削除', en: 'Account deleted' },
  prefecture_link_removed: { ja: '都道府県への登録の連携を解除', en: 'Prefecture link removed' },
};

export const applicationStatusLabels: Record<'pending' | 'approved' | 'rejected' | 'withdrawn', Localized> = {
  pending: { ja: '審査待ち', en: 'Pending' },
  approved: { ja: '承認', en: 'Approved' },
  rejected: { ja: '却下', en: 'Rejected' },
  withdrawn: { ja: '取り下げ', en: 'Withdrawn' },
};

/** The list's filters, shared by the page, the API and the CSV export. */
export const RegistrationListQuery = z.object({
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .meta({ description: 'Start of the shared name (spaces ignored) or of the contact e-mail address' }),
  tier: z.enum(['basic', 'premium']).optional(),
  status: z.enum(['active', 'withdrawn', 'released']).default('active'),
  prefecture: PrefectureCode.optional().meta({ description: 'Prefecture of residence (01–47)' }),
  tie: z.enum(relationshipTies).optional().meta({ description: 'Has this relationship tie in the survey' }),
  ownResidence: z
    .enum(['include', 'exclude', 'only'])
    .default('include')
    .meta({ description: '住所地 registrations (the person lives here): included, left out, or only those' }),
});
export type RegistrationListQuery = z.output<typeof RegistrationListQuery>;

const cursorPattern = /^(\d{1,20})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const ListCursor = z.string().regex(cursorPattern).meta({ description: 'nextCursor of the previous page' });

function decodeCursor(cursor: string | undefined): repository.ListCursor | undefined {
  const match = cursor ? cursorPattern.exec(cursor) : null;
  return match?.[1] && match[2] ? { registeredAtMicros: match[1], id: match[2] } : undefined;
}

function encodeCursor(row: { registered_at_micros: string; id: string }): string {
  return `${row.registered_at_micros}.${row.id}`;
}

export interface Residence {
  prefectureCode: string | null;
  prefectureName: Localized | null;
  lgCode: string | null;
  municipalityName: string | null;
}

/** A registration as its government sees it: only what the person shares with it. */
export interface Registrant {
  id: string;
  tier: 'basic' | 'premium';
  status: 'active' | 'withdrawn' | 'released';
  origin: 'direct' | 'prefecture_link';
  ownResidence: boolean;
  longStay: boolean;
  sharedName: string | null;
  contactEmail: string | null;
  ageBand: AgeBand | null;
  residence: Residence;
  identityVerified: boolean;
  ties: RelationshipTie[];
  premiumValidUntil: Date | null;
  registeredAt: Date;
  endedAt: Date | null;
  endReason: RegistrationEndReason | null;
}

type Names = { prefectures: Map<string, Localized>; municipalities: Map<string, string> };

async function namesFor(scope: TenantScope, rows: ReadonlyArray<{ residence_lg_code: string | null }>): Promise<Names> {
  const codes = [...new Set(rows.map((row) => row.residence_lg_code).filter((code) => code !== null))];
  return {
    prefectures: await repository.prefectureNames(scope.trx),
    municipalities: await repository.municipalityNames(scope.trx, codes),
  };
}

const knownTies = new Set<string>(relationshipTies);

function toRegistrant(row: repository.RegistrationListRow | repository.RegistrationRecord, names: Names): Registrant {
  return {
    id: row.id,
    tier: row.tier,
    status: row.status,
    origin: row.origin,
    ownResidence: row.own_residence,
    longStay: row.long_stay,
    sharedName: row.shared_name,
    contactEmail: row.contact_email,
    ageBand: row.age_band,
    residence: {
      prefectureCode: row.residence_prefecture_code,
      prefectureName: row.residence_prefecture_code
        ? (names.prefectures.get(row.residence_prefecture_code) ?? null)
        : null,
      lgCode: row.residence_lg_code,
      municipalityName: row.residence_lg_code ? (names.municipalities.get(row.residence_lg_code) ?? null) : null,
    },
    identityVerified: row.identity_verified,
    ties: row.relationship_ties.filter((tie): tie is RelationshipTie => knownTies.has(tie)),
    premiumValidUntil: row.premium_valid_until,
    registeredAt: row.registered_at,
    endedAt: row.ended_at,
    endReason: row.end_reason,
  };
}

export interface RegistrationCounts {
  active: { total: number; basic: number; premium: number; ownResidence: number };
  withdrawn: number;
  released: number;
}

function countsFrom(rows: Awaited<ReturnType<typeof repository.countRegistrationsByKind>>): RegistrationCounts {
  const counts: RegistrationCounts = {
    active: { total: 0, basic: 0, premium: 0, ownResidence: 0 },
    withdrawn: 0,
    released: 0,
  };
  for (const row of rows) {
    if (row.status !== 'active') {
      counts[row.status] += row.count;
      continue;
    }
    counts.active.total += row.count;
    counts.active[row.tier] += row.count;
    if (row.own_residence) counts.active.ownResidence += row.count;
  }
  return counts;
}

function filterOf(query: RegistrationListQuery): repository.RegistrationListFilter {
  return {
    status: query.status,
    ownResidence: query.ownResidence,
    ...(query.q ? { q: query.q } : {}),
    ...(query.tier ? { tier: query.tier } : {}),
    ...(query.prefecture ? { prefecture: query.prefecture } : {}),
    ...(query.tie ? { tie: query.tie } : {}),
  };
}

/**
 * One page of the government's registrants, newest first, with how many match and the counts by
 * tier and status. Keyset paging (`cursor` = `nextCursor` of the previous page) over
 * (registered_at, id), so a page deep in a large town costs what the first one does.
 */
export async function listTenantRegistrations(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  query: z.input<typeof RegistrationListQuery>;
  cursor?: string;
  limit?: number;
}) {
  authorizeRegistrations(options.actor, options.lgCode);
  const query = parseInput(RegistrationListQuery, options.query);
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  const after = decodeCursor(options.cursor);
  const filter = filterOf(query);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const rows = await repository.listRegistrations(scope, { filter, limit: limit + 1, ...(after ? { after } : {}) });
    const page = rows.slice(0, limit);
    const names = await namesFor(scope, page);
    const last = page.at(-1);
    return {
      items: page.map((row) => toRegistrant(row, names)),
      total: await repository.countRegistrations(scope, filter),
      counts: countsFrom(await repository.countRegistrationsByKind(scope)),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  });
}

/** The requirement judgement as stored with an application (counts, never personal data). */
const JudgementSnapshot = z.object({
  met: z.boolean(),
  count: z.number(),
  required: z.number(),
  longStay: z.boolean().default(false),
  explanation: z.object({ ja: z.string(), en: z.string() }),
});
export type JudgementSnapshot = z.output<typeof JudgementSnapshot>;

function judgementOf(value: unknown): JudgementSnapshot | null {
  const parsed = JudgementSnapshot.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export interface PremiumApplication {
  id: string;
  registrationId: string;
  kind: 'initial' | 'renewal';
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn';
  appliedAt: Date;
  decidedAt: Date | null;
  /** A staff member's id, or 'system' (automatic mode, or the registration ended). */
  decidedBy: string | null;
  reason: string | null;
  judgement: JudgementSnapshot | null;
}

function toApplication(row: {
  id: string;
  registration_id?: string;
  kind: 'initial' | 'renewal';
  status: PremiumApplication['status'];
  judgement: unknown;
  applied_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  reason: string | null;
}): Omit<PremiumApplication, 'registrationId'> {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    appliedAt: row.applied_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    reason: row.reason,
    judgement: judgementOf(row.judgement),
  };
}

export interface SurveyAnswer {
  questionId: string;
  /** The government's label; null when the question has since been removed from its survey. */
  label: { ja: string; en?: string | undefined } | null;
  answer: string;
}

export interface RegistrationHistoryEntry {
  occurredAt: Date;
  action: string;
  actorKind: string;
  subjectType: string;
  data: Record<string, unknown>;
}

export interface RegistrationDetail extends Registrant {
  linkedFromLgCode: string | null;
  premiumSince: Date | null;
  showNameOnCard: boolean;
  survey: {
    ties: Array<{ code: RelationshipTie; label: Localized }>;
    note: string | null;
    answers: SurveyAnswer[];
  };
  applications: Array<Omit<PremiumApplication, 'registrationId'>>;
  history: RegistrationHistoryEntry[];
}

/**
 * One registration of the government: what the person shares with it, the survey answers (national
 * ties and the government's own questions, labelled), tier and validity, its premium applications and
 * its history from the government's audit trail. Another government's id is simply not found.
 */
export async function getTenantRegistration(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  registrationId: string;
}): Promise<RegistrationDetail> {
  authorizeRegistrations(options.actor, options.lgCode);
  if (!uuid.safeParse(options.registrationId).success) throw new AppError('not_found');
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await repository.findRegistration(scope, options.registrationId);
    if (!row) throw new AppError('not_found');
    const applications = await repository.listApplicationsOfRegistration(scope, row.id);
    const events = await repository.listAuditEventsOf(scope, [row.id, ...applications.map((entry) => entry.id)]);
    const registrant = toRegistrant(row, await namesFor(scope, [row]));
    // The answers are the registration's response to the government's registration survey (outreach's
    // survey engine), labelled as the questions were asked, also those removed since.
    const survey = (await readRegistrationSurveyAnswers(scope, [row.id])).get(row.id);
    return {
      ...registrant,
      linkedFromLgCode: row.linked_from_lg_code,
      premiumSince: row.premium_since,
      showNameOnCard: row.show_name_on_card,
      survey: {
        ties: registrant.ties.map((code) => ({ code, label: relationshipTieLabels[code] })),
        note: survey?.note ?? null,
        answers: survey?.answers ?? [],
      },
      applications: applications.map(toApplication),
      history: events.map((event) => ({
        occurredAt: event.occurred_at,
        action: event.action,
        actorKind: event.actor_kind,
        subjectType: event.subject_type,
        data: event.data,
      })),
    };
  });
}

export interface QueueItem extends PremiumApplication {
  registrant: {
    sharedName: string | null;
    ageBand: AgeBand | null;
    residence: Residence;
    identityVerified: boolean;
    ownResidence: boolean;
    tier: 'basic' | 'premium';
    status: 'active' | 'withdrawn' | 'released';
  };
}

function toQueueItem(row: repository.ApplicationListRow, names: Names): QueueItem {
  return {
    ...toApplication(row),
    registrationId: row.registration_id,
    registrant: {
      sharedName: row.shared_name,
      ageBand: row.age_band,
      residence: {
        prefectureCode: row.residence_prefecture_code,
        prefectureName: row.residence_prefecture_code
          ? (names.prefectures.get(row.residence_prefecture_code) ?? null)
          : null,
        lgCode: row.residence_lg_code,
        municipalityName: row.residence_lg_code ? (names.municipalities.get(row.residence_lg_code) ?? null) : null,
      },
      identityVerified: row.identity_verified,
      ownResidence: row.own_residence,
      tier: row.tier,
      status: row.registration_status,
    },
  };
}

/**
 * The premium queue: pending applications oldest first (first come, first decided), or the decided
 * ones, most recent first. Offset paging: a queue is short, and staff want page numbers.
 */
export async function listPremiumApplications(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  which: 'pending' | 'decided';
  page?: number;
  perPage?: number;
}) {
  authorizeRegistrations(options.actor, options.lgCode);
  const perPage = Math.min(Math.max(options.perPage ?? 50, 1), 200);
  const page = Math.max(options.page ?? 1, 1);
  const window = { limit: perPage, offset: (page - 1) * perPage };
  return withTenant(options.db, options.lgCode, async (scope) => {
    const rows =
      options.which === 'pending'
        ? await repository.listPendingApplications(scope, window)
        : await repository.listDecidedApplications(scope, window);
    const total = await repository.countApplications(scope, options.which);
    const names = await namesFor(scope, rows);
    return {
      items: rows.map((row) => toQueueItem(row, names)),
      page,
      perPage,
      total,
      totalPages: Math.max(1, Math.ceil(total / perPage)),
    };
  });
}

/**
 * Staff approve or reject one application of the queue. The rules are re-checked by
 * `decidePremiumApplication` (the card verification, the cap of 3 — the person may have reached it
 * elsewhere since applying), whose refusal is passed on with its message; a rejection needs a reason,
 * which the person receives by mail. Returns the application as decided.
 */
export async function decideTenantPremiumApplication(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  applicationId: string;
  input: z.input<typeof PremiumDecisionInput>;
}): Promise<QueueItem> {
  authorizeRegistrations(options.actor, options.lgCode);
  const reason = options.input.reason?.trim();
  await decidePremiumApplication({ ...options, input: { ...options.input, ...(reason ? { reason } : {}) } });
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await repository.findApplication(scope, options.applicationId);
    if (!row) throw new AppError('not_found');
    return toQueueItem(row, await namesFor(scope, [row]));
  });
}

// CSV export (cells and rows: src/platform/csv.ts).

/** More than this many rows is refused: narrow the filter. About 100,000 registrants fit well under it. */
export const exportRowLimit = 200_000;
// Each batch re-scans and top-N sorts what is left (no index orders by registered_at across tiers), so
// few large batches: 20,000 rows keep the rows in memory small and 100,000 rows take five reads.
const exportBatchSize = 20_000;

/** Japan time to the minute, the way a spreadsheet in a Japanese office reads it. */
function japanDateTime(instant: Date | null): string {
  if (!instant) return '';
  return new Date(instant.getTime() + 9 * 60 * 60 * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

/** The export's header: Japanese, as the people opening it in Excel read it. */
function csvHeader(questions: readonly SurveyQuestion[]): string[] {
  return [
    '登録ID',
    '登録日時',
    '区分',
    '状態',
    '登録の経緯',
    '住所地',
    '氏名',
    'メールアドレス',
    '年代',
    '居住都道府県',
    '居住市区町村',
    '居住市区町村コード',
    '本人確認',
    'プレミアム有効期限',
    '長期滞在',
    '終了日時',
    '終了理由',
    ...relationshipTies.map((tie) => `関係: ${relationshipTieLabels[tie].ja}`),
    '関係: その他の内容',
    ...questions.map((question) => `設問: ${question.label.ja}`),
  ];
}

function csvLine(
  row: repository.RegistrationListRow,
  names: Names,
  questions: readonly SurveyQuestion[],
  survey: RegistrationSurveyAnswers | undefined,
): string {
  const registrant = toRegistrant(row, names);
  const ties = new Set<string>(row.relationship_ties);
  const answers = survey?.customAnswers ?? {};
  return csvRow([
    registrant.id,
    japanDateTime(registrant.registeredAt),
    tierLabels[registrant.tier].ja,
    statusLabels[registrant.status].ja,
    originLabels[registrant.origin].ja,
    registrant.ownResidence ? '○' : '',
    registrant.sharedName,
    registrant.contactEmail,
    registrant.ageBand ? ageBandLabels[registrant.ageBand].ja : '',
    registrant.residence.prefectureName?.ja,
    registrant.residence.municipalityName,
    registrant.residence.lgCode,
    registrant.identityVerified ? '済' : '未',
    japanDateTime(registrant.premiumValidUntil),
    registrant.longStay ? '○' : '',
    japanDateTime(registrant.endedAt),
    registrant.endReason ? endReasonLabels[registrant.endReason].ja : '',
    ...relationshipTies.map((tie) => (ties.has(tie) ? '○' : '')),
    survey?.note,
    ...questions.map((question) => answers[question.id]),
  ]);
}

/**
 * The filtered list as CSV for Excel: UTF-8 with a BOM (Excel in Japan otherwise reads Shift_JIS),
 * a Japanese header, RFC 4180 quoting and CRLF, and cells that would start a formula defused. Read in
 * batches inside one tenant transaction that also records `registrations.exported` with the filter and
 * the row count — never the search text, which may be a name or an address. Built in memory
 * (~300 bytes a row) so that no transaction stays open while a slow client downloads.
 */
export async function exportTenantRegistrations(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  query: z.input<typeof RegistrationListQuery>;
}): Promise<{ chunks: string[]; rowCount: number; filename: string }> {
  authorizeRegistrations(options.actor, options.lgCode);
  const query = parseInput(RegistrationListQuery, options.query);
  const filter = filterOf(query);
  const tenant = await getTenant({ db: options.db, lgCode: options.lgCode });
  const questions = tenant.settings.registration.surveyQuestions;
  const chunks: string[] = ['\uFEFF', csvRow(csvHeader(questions))];
  const rowCount = await withTenant(options.db, options.lgCode, async (scope) => {
    const total = await repository.countRegistrations(scope, filter);
    if (total > exportRowLimit) {
      throw new AppError('validation_failed', {
        detail: {
          ja: `出力できるのは${exportRowLimit.toLocaleString('ja-JP')}件までです（該当 ${total.toLocaleString('ja-JP')}件）。条件を絞り込んでください。`,
          en: `At most ${exportRowLimit.toLocaleString('en-GB')} rows can be exported (${total.toLocaleString('en-GB')} match). Please narrow the filter.`,
        },
      });
    }
    const prefectures = await repository.prefectureNames(scope.trx);
    const municipalities = new Map<string, string>();
    let after: repository.ListCursor | undefined;
    let count = 0;
    for (;;) {
      const rows = await repository.listRegistrations(scope, {
        filter,
        limit: exportBatchSize,
        ...(after ? { after } : {}),
      });
      const unknown = [...new Set(rows.map((row) => row.residence_lg_code))].filter(
        (code): code is string => code !== null && !municipalities.has(code),
      );
      for (const [code, name] of await repository.municipalityNames(scope.trx, unknown)) municipalities.set(code, name);
      const names = { prefectures, municipalities };
      const surveys = await readRegistrationSurveyAnswers(
        scope,
        rows.map((row) => row.id),
      );
      chunks.push(rows.map((row) => csvLine(row, names, questions, surveys.get(row.id))).join(''));
      count += rows.length;
      const last = rows.at(-1);
      if (rows.length < exportBatchSize || !last) break;
      after = { registeredAtMicros: last.registered_at_micros, id: last.id };
    }
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'registrations.exported',
      subjectType: 'registrations',
      data: {
        format: 'csv',
        rowCount: count,
        filter: {
          status: filter.status,
          ownResidence: filter.ownResidence,
          ...(filter.tier ? { tier: filter.tier } : {}),
          ...(filter.prefecture ? { prefecture: filter.prefecture } : {}),
          ...(filter.tie ? { tie: filter.tie } : {}),
          search: filter.q !== undefined,
        },
      },
    });
    return count;
  });
  const date = japanDate(new Date()).replaceAll('-', '');
  return { chunks, rowCount, filename: `registrations-${options.lgCode}-${date}.csv` };
}

// Registration rules (tenant settings, `registration` section).

/** What the rules form changes; the survey questions are added and removed one at a time. */
export const RegistrationRulesInput = RegistrationSettings.pick({
  premiumMode: true,
  premiumMinActivities: true,
  premiumWindow: true,
  longStayDays: true,
  inactivityMonths: true,
});
export type RegistrationRulesInput = z.input<typeof RegistrationRulesInput>;

/** The government's registration rules with national defaults filled in. Readable by its staff. */
export async function getRegistrationRules(options: { db: Kysely<Database>; actor: Actor; lgCode: string }) {
  if (
    !mayManageRegistrations(options.actor, options.lgCode) &&
    !mayUpdateTenantSettings(options.actor, options.lgCode)
  ) {
    throw new AppError('not_found');
  }
  const tenant = await getTenant({ db: options.db, lgCode: options.lgCode });
  return tenant.settings.registration;
}

/**
 * Writes a new `registration` section over the tenant's settings, keeping every other section; the
 * change is audited by `updateTenantSettings` (`tenant.settings_updated`, changed keys).
 */
async function changeRegistrationSettings(
  options: { db: Kysely<Database>; actor: Actor; lgCode: string },
  change: (current: RegistrationSettings) => RegistrationSettings,
): Promise<RegistrationSettings> {
  if (!mayUpdateTenantSettings(options.actor, options.lgCode)) throw new AppError('forbidden');
  const tenant = await getTenant({ db: options.db, lgCode: options.lgCode });
  const registration = change(tenant.settings.registration);
  const updated = await updateTenantSettings({ ...options, settings: { ...tenant.settings, registration } });
  return updated.settings.registration;
}

/** Sets premium mode, minimum activities, window, long-stay days and inactivity months (administrators). */
export async function updateRegistrationRules(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  input: RegistrationRulesInput;
}): Promise<RegistrationSettings> {
  if (!mayUpdateTenantSettings(options.actor, options.lgCode)) throw new AppError('forbidden');
  const rules = parseInput(RegistrationRulesInput, options.input);
  return changeRegistrationSettings(options, (current) => ({ ...current, ...rules }));
}

export const maxSurveyQuestions = 10;

/**
 * A question of the government's own, asked after the national relationship questions. A choice
 * question needs at least two distinct choices (otherwise nobody could answer a required one well);
 * a text question has none.
 */
export const SurveyQuestionInput = SurveyQuestion.superRefine((question, context) => {
  if (question.kind !== 'choice') return;
  const choices = question.choices ?? [];
  if (new Set(choices).size < 2 || new Set(choices).size !== choices.length) {
    context.addIssue({
      code: 'custom',
      path: ['choices'],
      message: '重複しない選択肢を2つ以上入力してください / give at least two different choices',
    });
  }
}).transform((question) => (question.kind === 'text' ? { ...question, choices: undefined } : question));
export type SurveyQuestionInput = z.input<typeof SurveyQuestionInput>;

/** Adds a question to the government's survey (administrators). Ids are unique within the survey. */
export async function addSurveyQuestion(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  input: SurveyQuestionInput;
}): Promise<RegistrationSettings> {
  if (!mayUpdateTenantSettings(options.actor, options.lgCode)) throw new AppError('forbidden');
  const parsed = parseInput(SurveyQuestionInput, options.input);
  const question: SurveyQuestion = {
    id: parsed.id,
    label: parsed.label.en ? { ja: parsed.label.ja, en: parsed.label.en } : { ja: parsed.label.ja },
    kind: parsed.kind,
    required: parsed.required,
    ...(parsed.choices ? { choices: parsed.choices } : {}),
  };
  return changeRegistrationSettings(options, (current) => {
    if (current.surveyQuestions.some((existing) => existing.id === question.id)) {
      throw new AppError('validation_failed', {
        fieldErrors: [{ field: 'id', in: 'body', message: 'already used' }],
        detail: {
          ja: `ID「${question.id}」の設問はすでにあります。別のIDにしてください。`,
          en: `A question with the id "${question.id}" exists already. Please choose another id.`,
        },
      });
    }
    if (current.surveyQuestions.length >= maxSurveyQuestions) {
      throw new AppError('validation_failed', {
        detail: {
          ja: `独自の設問は${maxSurveyQuestions}問までです。`,
          en: `At most ${maxSurveyQuestions} questions of your own.`,
        },
      });
    }
    return { ...current, surveyQuestions: [...current.surveyQuestions, question] };
  });
}

/**
 * Removes a question from the survey (administrators). Answers already given stay with the
 * registrations and are shown by the question's id.
 */
export async function removeSurveyQuestion(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  questionId: string;
}): Promise<RegistrationSettings> {
  if (!mayUpdateTenantSettings(options.actor, options.lgCode)) throw new AppError('forbidden');
  return changeRegistrationSettings(options, (current) => {
    if (!current.surveyQuestions.some((question) => question.id === options.questionId)) {
      throw new AppError('not_found');
    }
    return {
      ...current,
      surveyQuestions: current.surveyQuestions.filter((question) => question.id !== options.questionId),
    };
  });
}
