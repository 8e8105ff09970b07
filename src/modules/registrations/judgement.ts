/**
 * The premium requirement (L5845–5848, L5908): designated 担い手 activities in the judgement window
 * against the government's minimum, and the long-stay mark. The one place that decides it, for the
 * person's premium page, an application, the staff queue, the nightly renewal run and check-in.
 *
 * What counts: rows of `attendance` (one per person, session and Japanese calendar day present) with
 * status 'present'. A row counts as a designated activity when `designated` is true, the snapshot
 * taken when the person attended, so a designation changed later never takes away a day earned; a
 * 3-day session attended throughout is 3 rows and counts 3. Long stay counts distinct days present,
 * designated or not (a day with two activities is one day of stay).
 *
 * Windows are Japanese calendar days, both ends included (`activity_date` is a `date`):
 * - rolling_12_months at instant T (Japan date D): from the day after D minus 12 months to D. At
 *   2027-06-15 that is 2026-06-16 … 2027-06-15 (365 days); at 2028-02-29 it is 2027-03-01 … 2028-02-29.
 *   A day exactly a year ago no longer counts; today counts.
 * - fiscal_year at T: the fiscal year of T from 04-01 to D, or else the last completed fiscal year
 *   (04-01 … 03-31). The requirement is met if either window meets it; the long-stay mark holds if
 *   either window reaches the threshold. Without the completed year, a government that chose the
 *   fiscal year would see every renewal in April or May fail for want of time (decision 0013).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.js';
import { withTenant, type TenantScope } from '../../platform/db/tenant-scope.js';
import type { Localized } from '../../platform/i18n.js';
import { fiscalYearOf, japanDate, japanMonthsBefore } from '../../platform/time.js';
import type { RegistrationSettings } from '../municipalities/index.js';
import { countAttendance } from './renewal.repository.js';

/** A span of Japanese calendar days, 'YYYY-MM-DD', both ends included. */
export interface JudgementWindow {
  from: string;
  to: string;
}

/** One person's attendance to count in one window. */
export interface AttendanceQuery extends JudgementWindow {
  personId: string;
}

export interface AttendanceCounts {
  /** Present rows of designated activities: one per session and day attended. */
  activityDays: number;
  /** Distinct days present at any activity. */
  daysPresent: number;
}

/**
 * Counts attendance in a tenant's scope, one answer per query in the same order. Set-based: the
 * nightly run asks for thousands of persons in one statement (renewal.repository.ts has the SQL).
 */
export type DesignatedActivityCounter = (
  scope: TenantScope,
  queries: readonly AttendanceQuery[],
) => Promise<AttendanceCounts[]>;

const countDesignatedActivities: DesignatedActivityCounter = countAttendance;

export interface PremiumJudgement {
  met: boolean;
  /** Designated activities counted in the window shown (a multi-day activity counts one per day attended). */
  count: number;
  required: number;
  /** Designated activities still needed (0 when met). */
  missing: number;
  longStay: boolean;
  /** Days present in the window shown. */
  daysPresent: number;
  /** The window the counts are from: the one that met the requirement, else the current one. */
  window: JudgementWindow & { kind: RegistrationSettings['premiumWindow'] };
  explanation: Localized;
}

const dayMs = 24 * 60 * 60 * 1000;

/** The calendar day `days` after a 'YYYY-MM-DD' day. */
function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
}

/**
 * The windows a judgement at `at` counts, current first (see the top of this file for the edges).
 * One for the rolling window, two (current and last completed fiscal year) for the fiscal year.
 */
export function judgementWindows(settings: Pick<RegistrationSettings, 'premiumWindow'>, at: Date): JudgementWindow[] {
  const today = japanDate(at);
  if (settings.premiumWindow === 'fiscal_year') {
    const year = fiscalYearOf(at);
    return [
      { from: `${year}-04-01`, to: today },
      { from: `${year - 1}-04-01`, to: `${year}-03-31` },
    ];
  }
  return [{ from: addDays(japanDate(japanMonthsBefore(at, 12)), 1), to: today }];
}

/** "2026年度" / "FY2026" for a fiscal-year window, from its first day. */
function fiscalYearLabel(window: JudgementWindow): Localized {
  const year = window.from.slice(0, 4);
  return { ja: `${year}年度: `, en: `FY${year}: ` };
}

/**
 * The judgement from counted attendance: pure, so the rule is tested table by table. `counts[i]` is
 * the attendance in `windows[i]`.
 */
export function judgeFromCounts(
  settings: Pick<RegistrationSettings, 'premiumMinActivities' | 'longStayDays' | 'premiumWindow'>,
  windows: readonly JudgementWindow[],
  counts: readonly AttendanceCounts[],
): PremiumJudgement {
  const required = settings.premiumMinActivities;
  const metAt = counts.findIndex((each) => each.activityDays >= required);
  const shown = metAt >= 0 ? metAt : 0;
  const window = windows[shown] ?? windows[0];
  const { activityDays, daysPresent } = counts[shown] ?? { activityDays: 0, daysPresent: 0 };
  if (!window) throw new Error('a judgement needs a window');
  const missing = Math.max(0, required - activityDays);
  const prefix =
    settings.premiumWindow === 'fiscal_year' ? fiscalYearLabel(window) : ({ ja: '', en: '' } satisfies Localized);
  return {
    met: missing === 0,
    count: activityDays,
    required,
    missing,
    longStay: counts.some((each) => each.daysPresent >= settings.longStayDays),
    daysPresent,
    window: { ...window, kind: settings.premiumWindow },
    explanation:
      missing === 0
        ? {
            ja: `${prefix.ja}指定された担い手活動 ${activityDays}回（必要 ${required}回）: 要件を満たしています。`,
            en: `${prefix.en}${activityDays} designated activities (${required} needed): the requirement is met.`,
          }
        : {
            ja: `${prefix.ja}指定された担い手活動 ${activityDays}回（必要 ${required}回）: あと${missing}回必要です。`,
            en: `${prefix.en}${activityDays} of ${required} designated activities: ${missing} more needed.`,
          },
  };
}

/**
 * Judges many persons of one government in its open scope, each at its own instant (the nightly run
 * judges at the run's `now`, and the month-before reminder at the registration's expiry): one counting
 * statement for all of them.
 */
export async function judgePremiumRequirements(
  scope: TenantScope,
  options: { settings: RegistrationSettings; items: ReadonlyArray<{ personId: string; at: Date }> },
): Promise<PremiumJudgement[]> {
  const windowsOf = options.items.map((item) => judgementWindows(options.settings, item.at));
  const queries = options.items.flatMap((item, index) =>
    (windowsOf[index] ?? []).map((window) => ({ personId: item.personId, ...window })),
  );
  const counts = queries.length > 0 ? await countDesignatedActivities(scope, queries) : [];
  let next = 0;
  return windowsOf.map((windows) => {
    const mine = counts.slice(next, next + windows.length);
    next += windows.length;
    return judgeFromCounts(options.settings, windows, mine);
  });
}

/**
 * Whether a person meets a government's premium requirement, explained in words a person can act on
 * ("2 of 3: 1 more needed"). Opens the government's scope unless the caller is already in it.
 */
export async function judgePremiumRequirement(options: {
  db: Kysely<Database>;
  lgCode: string;
  personId: string;
  settings: RegistrationSettings;
  now?: Date;
  scope?: TenantScope;
}): Promise<PremiumJudgement> {
  const at = options.now ?? new Date();
  const judge = async (scope: TenantScope) => {
    const [judgement] = await judgePremiumRequirements(scope, {
      settings: options.settings,
      items: [{ personId: options.personId, at }],
    });
    if (!judgement) throw new Error('no judgement');
    return judgement;
  };
  return options.scope ? judge(options.scope) : withTenant(options.db, options.lgCode, judge);
}
