import type { Kysely } from 'kysely';
import { recordAuditEvent, type Actor } from '../../platform/audit.js';
import type { Database } from '../../platform/db/schema.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { AppError } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { fiscalYearOf, fiscalYearRange, japanDate } from '../../platform/time.js';
import { getTenant, TenantSettings, type TenantSettingsResolved } from '../municipalities/index.js';
import { buildFigures, type Figures, type Names } from './figures.js';
import * as repository from './insights.repository.js';
import { mayPublishOpenData, mayReadGovernmentInsights, mayReadNationalInsights } from './insights.policy.js';
import { activityRanges, availablePeriods, japanMonth, last12Key, resolvePeriod } from './periods.js';

/**
 * The related population made visible (DOMAIN §1): figures for a government (its own registrants), a
 * prefecture (its own, and its municipalities' in aggregate only), and the nation (aggregates of all).
 * Figures come from rollups kept current by `refreshInsights`; every count of people is suppressed below
 * 10 before it leaves this module (figures.ts, suppression.ts).
 */

export interface InsightsReport {
  scope: {
    kind: 'government' | 'municipalities' | 'national';
    lgCode: string | null;
    prefectureCode: string | null;
    name: Localized;
  };
  /** When the figures were last brought up to date: registrations (fold) and activities (recomputation). */
  updatedAt: { registrations: Date | null; activity: Date | null };
  periods: Array<{ key: string; label: Localized }>;
  figures: Figures;
  /** For a prefecture's view of its municipalities: how many take part. */
  participatingMunicipalities: number | null;
}

export interface GovernmentInsights {
  own: InsightsReport;
  /** A prefecture only: its participating municipalities together, never one by one. */
  municipalities: InsightsReport | null;
}

const isPrefecture = (lgCode: string) => lgCode.slice(2, 5) === '000';

async function loadNames(db: Kysely<Database>): Promise<Names> {
  const [prefectures, municipalities] = await Promise.all([
    db.selectFrom('prefectures').select(['prefecture_code', 'name', 'name_en']).execute(),
    db
      .selectFrom('local_governments as lg')
      .innerJoin('prefectures as p', 'p.prefecture_code', 'lg.prefecture_code')
      .select(['lg.lg_code', 'lg.name', 'p.name as prefecture_name', 'p.name_en as prefecture_name_en'])
      .where('lg.kind', '!=', 'prefecture')
      .execute(),
  ]);
  return {
    prefectures: new Map(prefectures.map((row) => [row.prefecture_code, { ja: row.name, en: row.name_en }])),
    municipalities: new Map(
      municipalities.map((row) => [
        row.lg_code,
        { ja: `${row.prefecture_name}${row.name}`, en: `${row.name} (${row.prefecture_name_en})` },
      ]),
    ),
  };
}

let namesCache: { at: number; names: Promise<Names> } | undefined;

/** Names change only with the master (a reload at start): kept for an hour. */
function names(db: Kysely<Database>): Promise<Names> {
  if (!namesCache || Date.now() - namesCache.at > 60 * 60 * 1000) {
    namesCache = { at: Date.now(), names: loadNames(db) };
    namesCache.names.catch(() => {
      namesCache = undefined;
    });
  }
  return namesCache.names;
}

async function governmentName(db: Kysely<Database>, lgCode: string): Promise<Localized> {
  const known = await names(db);
  const name = isPrefecture(lgCode) ? known.prefectures.get(lgCode.slice(0, 2)) : known.municipalities.get(lgCode);
  return name ?? { ja: lgCode, en: lgCode };
}

interface ReportOptions {
  db: Kysely<Database>;
  scope: string;
  kind: InsightsReport['scope']['kind'];
  lgCode: string | null;
  prefectureCode: string | null;
  name: Localized;
  periodKey: string;
  now: Date;
  premiumRequired: number | null;
  showOrigin: boolean;
  withAreas?: boolean;
  participatingMunicipalities?: number;
}

/**
 * Reports computed since the last refresh, by everything they depend on. Figures change only when a
 * refresh writes the rollups, so a report is reused while the refresh times it was made at are still the
 * latest (one small query), and for the same Japanese day (periods and the current month move with it).
 */
const reportCache = new Map<string, { refreshed: string; report: InsightsReport }>();
const reportCacheSize = 500;

async function report(options: ReportOptions): Promise<InsightsReport> {
  const refreshed = await repository.lastRefreshes(options.db);
  const refreshKey = `${refreshed.registrations?.toISOString()}|${refreshed.activity?.toISOString()}`;
  const { db: _db, now, ...shape } = options;
  const key = JSON.stringify({ ...shape, day: japanDate(now) });
  const cached = reportCache.get(key);
  if (cached && cached.refreshed === refreshKey) return cached.report;
  const made = await computeReport(options, refreshed);
  reportCache.delete(key);
  reportCache.set(key, { refreshed: refreshKey, report: made });
  if (reportCache.size > reportCacheSize) reportCache.delete(reportCache.keys().next().value as string);
  return made;
}

async function computeReport(options: ReportOptions, refreshed: InsightsReport['updatedAt']): Promise<InsightsReport> {
  const nameMaps = await names(options.db);
  const current = japanMonth(options.now);
  const { rows, areas, period } = await repository.withInsights(options.db, 'reader', async (trx) => {
    const registrations = await repository.readRegistrationRollups(trx, options.scope);
    const earliest = registrations.monthly[0]?.month ?? null;
    const period = resolvePeriod(options.periodKey, options.now, earliest);
    // The activity periods this report shows: its months, its distinct period, and the premium window.
    const activity = await repository.readActivityRollups(trx, options.scope, [
      'W',
      period.activityPeriod,
      ...period.months.map((month) => `M:${month}`),
    ]);
    return {
      rows: { ...registrations, activity },
      period,
      areas: options.withAreas ? await repository.readAreaTotals(trx) : undefined,
    };
  });
  const earliest = rows.monthly[0]?.month ?? null;
  const figures = buildFigures({
    rows,
    period,
    currentMonth: current,
    names: nameMaps,
    showOrigin: options.showOrigin,
    premiumRequired: options.premiumRequired,
    ...(areas ? { areas } : {}),
  });
  return {
    scope: { kind: options.kind, lgCode: options.lgCode, prefectureCode: options.prefectureCode, name: options.name },
    updatedAt: refreshed,
    periods: availablePeriods(options.now, earliest),
    figures,
    participatingMunicipalities: options.participatingMunicipalities ?? null,
  };
}

/**
 * A government's figures (its own registrants), and for a prefecture also those of its participating
 * municipalities together. Its administrators and staff only; for anyone else it does not exist (404).
 */
export async function getGovernmentInsights(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  period?: string;
  now?: Date;
}): Promise<GovernmentInsights> {
  if (!isValidLgCode(options.lgCode) || !mayReadGovernmentInsights(options.actor, options.lgCode)) {
    throw new AppError('not_found');
  }
  return governmentInsights({ ...options, period: options.period ?? 'last12', now: options.now ?? new Date() });
}

async function governmentInsights(options: {
  db: Kysely<Database>;
  lgCode: string;
  period: string;
  now: Date;
}): Promise<GovernmentInsights> {
  const tenant = await getTenant({ db: options.db, lgCode: options.lgCode }).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'tenant_not_found') throw new AppError('not_found');
    throw error;
  });
  const name = await governmentName(options.db, options.lgCode);
  const prefectureCode = options.lgCode.slice(0, 2);
  const own = await report({
    db: options.db,
    scope: repository.scopes.government(options.lgCode),
    kind: 'government',
    lgCode: options.lgCode,
    prefectureCode,
    name,
    periodKey: options.period,
    now: options.now,
    premiumRequired: tenant.settings.registration.premiumMinActivities,
    showOrigin: isPrefecture(options.lgCode),
  });
  if (!isPrefecture(options.lgCode)) return { own, municipalities: null };
  const municipalities = await report({
    db: options.db,
    scope: repository.scopes.municipalitiesOf(prefectureCode),
    kind: 'municipalities',
    lgCode: null,
    prefectureCode,
    name: { ja: `${name.ja}内の参加市区町村（合計）`, en: `Participating municipalities of ${name.en} (together)` },
    periodKey: options.period,
    now: options.now,
    premiumRequired: null,
    showOrigin: false,
    participatingMunicipalities: await repository.countParticipatingMunicipalities(options.db, prefectureCode),
  });
  return { own, municipalities };
}

/** The nation: every government's registrations together (link registrations counted once). Operators only. */
export async function getNationalInsights(options: {
  db: Kysely<Database>;
  actor: Actor;
  period?: string;
  now?: Date;
}): Promise<InsightsReport> {
  if (!mayReadNationalInsights(options.actor)) throw new AppError('not_found');
  return report({
    db: options.db,
    scope: repository.scopes.national,
    kind: 'national',
    lgCode: null,
    prefectureCode: null,
    name: { ja: '全国', en: 'Japan' },
    periodKey: options.period ?? 'last12',
    now: options.now ?? new Date(),
    premiumRequired: null,
    showOrigin: false,
    withAreas: true,
  });
}

/**
 * Open data: the government's own figures, exactly as its staff see them, for anyone — only while the
 * government publishes them (`insights.openData`). Otherwise 404 with a reason.
 */
export async function getOpenDataInsights(options: {
  db: Kysely<Database>;
  lgCode: string;
  period?: string;
  now?: Date;
}): Promise<InsightsReport> {
  if (!isValidLgCode(options.lgCode)) throw new AppError('insights_open_data_off');
  const tenant = await getTenant({ db: options.db, lgCode: options.lgCode }).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'tenant_not_found') throw new AppError('insights_open_data_off');
    throw error;
  });
  if (!tenant.settings.insights.openData) throw new AppError('insights_open_data_off');
  const result = await governmentInsights({
    db: options.db,
    lgCode: options.lgCode,
    period: options.period ?? 'last12',
    now: options.now ?? new Date(),
  });
  return result.own;
}

/** Governments that publish open data, for the public list. */
export async function listOpenDataGovernments(options: { db: Kysely<Database> }) {
  const rows = await options.db
    .selectFrom('tenants as t')
    .innerJoin('local_governments as lg', 'lg.lg_code', 't.lg_code')
    .innerJoin('prefectures as p', 'p.prefecture_code', 'lg.prefecture_code')
    .select(['t.lg_code', 't.settings', 'lg.name', 'lg.kind', 'p.name as prefecture_name'])
    .where('t.status', '=', 'active')
    .orderBy('t.lg_code')
    .execute();
  return rows
    .filter((row) => TenantSettings.parse(row.settings).insights.openData)
    .map((row) => ({
      lgCode: row.lg_code,
      name: row.kind === 'prefecture' ? row.name : `${row.prefecture_name}${row.name}`,
    }));
}

/**
 * Switches open data on or off (自治体管理者): the tenant's setting and its audit events (the settings
 * change, and what it means) in one transaction.
 */
export async function setOpenData(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  enabled: boolean;
}): Promise<{ openData: boolean }> {
  if (!mayReadGovernmentInsights(options.actor, options.lgCode)) throw new AppError('not_found');
  if (!mayPublishOpenData(options.actor, options.lgCode)) throw new AppError('forbidden');
  return withTenant(options.db, options.lgCode, async (scope) => {
    const settings = await repository.setOpenDataSetting(scope, options.enabled);
    if (!settings) throw new AppError('not_found');
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'tenant.settings_updated',
      subjectType: 'tenant',
      subjectId: scope.lgCode,
      data: { changedKeys: ['insights'] },
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: options.enabled ? 'insights.open_data_published' : 'insights.open_data_withdrawn',
      subjectType: 'tenant',
      subjectId: scope.lgCode,
    });
    return { openData: TenantSettings.parse(settings).insights.openData };
  });
}

// ---------------------------------------------------------------------------------------------------
// Keeping the rollups current.

export interface RefreshResult {
  rebuilt: boolean;
  deltas: number;
  activityGovernments: number;
  ms: number;
}

const foldBatchSize = 50_000;

/**
 * Brings every figure up to date: folds the registration deltas (in batches of 50,000, each one
 * transaction) and recomputes the activity figures of governments whose activities changed. The first
 * run on a database rebuilds everything from the registrations (the trigger sees only changes after
 * migration 0030). Idempotent and safe to run at any time: one run at a time (advisory lock).
 */
export async function refreshInsights(options: { db: Kysely<Database>; now?: Date }): Promise<RefreshResult> {
  const started = performance.now();
  const now = options.now ?? new Date();
  return repository.withRefreshLock(options.db, async (connection) => {
    const rebuilt = !(await repository.withInsights(connection, 'system', (trx) => repository.hasRebuilt(trx)));
    let deltas = 0;
    if (rebuilt) {
      deltas = await rebuildLocked(connection);
    } else {
      const startedAt = new Date();
      for (;;) {
        const folded = await repository.withInsights(connection, 'system', (trx) =>
          repository.foldDeltaBatch(trx, foldBatchSize),
        );
        deltas += folded;
        if (folded < foldBatchSize) break;
      }
      await repository.withInsights(connection, 'system', (trx) =>
        repository.recordRefresh(trx, { kind: 'fold', startedAt, deltas, governments: 0 }),
      );
    }
    const changed = await repository.withInsights(connection, 'system', (trx) => repository.takeActivityChanges(trx));
    const activityGovernments = rebuilt
      ? await recomputeActivityLocked(connection, await repository.listParticipatingGovernments(connection), now)
      : changed.length > 0
        ? await recomputeActivityLocked(connection, changed, now)
        : 0;
    return { rebuilt, deltas, activityGovernments, ms: Math.round(performance.now() - started) };
  });
}

/**
 * Recomputes every registration rollup from the registrations themselves, in one repeatable-read
 * transaction: deltas visible to its snapshot are already in the rows it reads and are dropped; deltas of
 * changes committed after the snapshot stay for the next fold. For the first run, after a bulk import
 * with triggers off, or to repair. `deltas` is then the number of active registrations counted.
 */
export async function rebuildInsights(options: { db: Kysely<Database>; now?: Date }): Promise<RefreshResult> {
  const started = performance.now();
  return repository.withRefreshLock(options.db, async (connection) => {
    const deltas = await rebuildLocked(connection);
    await repository.withInsights(connection, 'system', (trx) => repository.takeActivityChanges(trx));
    const governments = await repository.listParticipatingGovernments(connection);
    const activityGovernments = await recomputeActivityLocked(connection, governments, options.now ?? new Date());
    return { rebuilt: true, deltas, activityGovernments, ms: Math.round(performance.now() - started) };
  });
}

async function rebuildLocked(db: Kysely<Database>): Promise<number> {
  const startedAt = new Date();
  return repository.withInsights(
    db,
    'system',
    async (trx) => {
      const governments = await repository.listParticipatingGovernments(trx);
      const current = new Map<string, number>();
      const monthly = new Map<string, number>();
      const add = (map: Map<string, number>, key: string, count: number) => map.set(key, (map.get(key) ?? 0) + count);
      let registrations = 0;
      for (const lgCode of governments) {
        const { cells, months } = await repository.inGovernmentScope(trx, lgCode, (scoped) =>
          repository.aggregateGovernment(scoped, lgCode),
        );
        for (const cell of cells) {
          const scopes = repository.scopesOfGovernment(lgCode, { linkRegistration: cell.origin === 'prefecture_link' });
          for (const scope of scopes) add(current, `${scope}\u0000${cell.dimension}\u0000${cell.key}`, cell.count);
          if (cell.dimension === 'total' || cell.dimension === 'own_residence') registrations += cell.count;
        }
        for (const month of months) {
          const scopes = repository.scopesOfGovernment(lgCode, {
            linkRegistration: month.origin === 'prefecture_link',
          });
          for (const scope of scopes) add(monthly, `${scope}\u0000${month.month}\u0000${month.measure}`, month.count);
        }
      }
      // Deltas visible to this snapshot are in the rows just read; later ones stay for the next fold.
      await repository.clearRegistrationRollups(trx);
      await repository.insertRollups(trx, current, monthly);
      await repository.recordRefresh(trx, { kind: 'rebuild', startedAt, deltas: 0, governments: governments.length });
      return registrations;
    },
    { isolation: 'repeatable read' },
  );
}

/** Recomputes the activity figures of these governments (all of them nightly, since windows move). */
export async function recomputeActivity(options: {
  db: Kysely<Database>;
  lgCodes?: readonly string[];
  now?: Date;
}): Promise<number> {
  return repository.withRefreshLock(options.db, async (connection) =>
    recomputeActivityLocked(
      connection,
      options.lgCodes ?? (await repository.listParticipatingGovernments(connection)),
      options.now ?? new Date(),
    ),
  );
}

/** The premium window of a government at `now`, as judgement.ts computes it, in Japanese dates. */
function premiumWindow(settings: TenantSettingsResolved, now: Date): { start: string; end: string } {
  if (settings.registration.premiumWindow === 'fiscal_year') {
    const range = fiscalYearRange(fiscalYearOf(now));
    return { start: japanDate(range.start), end: japanDate(new Date(range.end.getTime() - 1)) };
  }
  const start = new Date(now);
  start.setUTCFullYear(start.getUTCFullYear() - 1);
  return { start: japanDate(start), end: japanDate(now) };
}

async function recomputeActivityLocked(db: Kysely<Database>, lgCodes: readonly string[], now: Date): Promise<number> {
  if (lgCodes.length === 0) return 0;
  const startedAt = new Date();
  const ranges = activityRanges(now);
  const recomputed = [...ranges.months, ...ranges.periods.map((period) => period.period), 'W'];
  const settings = new Map(
    (
      await db
        .selectFrom('tenants')
        .select(['lg_code', 'settings'])
        .where('lg_code', 'in', [...lgCodes])
        .execute()
    ).map((row) => [row.lg_code, TenantSettings.parse(row.settings)]),
  );
  let count = 0;
  for (const lgCode of lgCodes) {
    const tenantSettings = settings.get(lgCode);
    if (!tenantSettings) continue;
    await repository.withInsights(db, 'system', (trx) =>
      repository.inGovernmentScope(trx, lgCode, async (scoped) => {
        const values = await repository.computeActivity(scoped, lgCode, {
          from: ranges.from,
          periods: ranges.periods,
          window: {
            ...premiumWindow(tenantSettings, now),
            required: tenantSettings.registration.premiumMinActivities,
          },
          now,
        });
        await repository.storeActivity(scoped, lgCode, recomputed, values);
      }),
    );
    count += 1;
  }
  await repository.withInsights(db, 'system', (trx) =>
    repository.recordRefresh(trx, { kind: 'activity', startedAt, deltas: 0, governments: count }),
  );
  return count;
}
