import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import { fiscalYearOf, fiscalYearRange, japanDate } from '../../platform/time.js';

/**
 * Periods of the dashboards: the 12 calendar months up to this one, or a fiscal year (4/1–3/31) up to
 * the current one. A fixed menu rather than free dates, because people who took part in activities are
 * counted once per period (distinct), and only precomputed periods can be read without a scan.
 */
export const PeriodKey = z
  .string()
  .regex(/^(last12|FY\d{4})$/)
  .meta({ description: '`last12` (the 12 months up to this one, default) or a fiscal year such as `FY2025`' });

export interface Period {
  key: string;
  label: Localized;
  /** Months in the period up to the current one, oldest first, as YYYY-MM (Japan). */
  months: string[];
  /** The stored activity period with the distinct counts of this period. */
  activityPeriod: string;
}

/** YYYY-MM of an instant in Japan. */
export function japanMonth(instant: Date): string {
  return japanDate(instant).slice(0, 7);
}

export function addMonths(month: string, count: number): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (monthNumber - 1) + count;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

export function monthRange(from: string, to: string): string[] {
  const months: string[] = [];
  for (let month = from; month <= to; month = addMonths(month, 1)) months.push(month);
  return months;
}

export function fiscalYearOfMonth(month: string): number {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return monthNumber >= 4 ? year : year - 1;
}

/** The activity key of the 12 months ending with `month`. */
export const last12Key = (month: string) => `L12:${month}`;

export function resolvePeriod(key: string, now: Date, earliestMonth: string | null): Period {
  const current = japanMonth(now);
  if (key === 'last12') {
    return {
      key,
      label: { ja: '直近12か月', en: 'Last 12 months' },
      months: monthRange(addMonths(current, -11), current),
      activityPeriod: last12Key(current),
    };
  }
  const match = /^FY(\d{4})$/.exec(key);
  const fiscalYear = match ? Number(match[1]) : NaN;
  const currentFiscalYear = fiscalYearOf(now);
  const earliestFiscalYear = earliestMonth
    ? Math.min(fiscalYearOfMonth(earliestMonth), currentFiscalYear)
    : currentFiscalYear;
  if (!(fiscalYear >= Math.max(earliestFiscalYear, currentFiscalYear - 9) && fiscalYear <= currentFiscalYear))
    throw new AppError('insights_period_invalid');
  const start = `${fiscalYear}-04`;
  const end = `${fiscalYear + 1}-03`;
  return {
    key,
    label: { ja: `${fiscalYear}年度`, en: `FY${fiscalYear}` },
    months: monthRange(start, end < current ? end : current),
    activityPeriod: `FY:${fiscalYear}`,
  };
}

/** The periods offered: the last 12 months, then fiscal years from the current one back to the first with data. */
export function availablePeriods(now: Date, earliestMonth: string | null): Array<{ key: string; label: Localized }> {
  const currentFiscalYear = fiscalYearOf(now);
  const earliest = earliestMonth ? Math.min(fiscalYearOfMonth(earliestMonth), currentFiscalYear) : currentFiscalYear;
  const periods: Array<{ key: string; label: Localized }> = [
    { key: 'last12', label: { ja: '直近12か月', en: 'Last 12 months' } },
  ];
  for (let year = currentFiscalYear; year >= Math.max(earliest, currentFiscalYear - 9); year -= 1) {
    periods.push({ key: `FY${year}`, label: { ja: `${year}年度`, en: `FY${year}` } });
  }
  return periods;
}

/**
 * What the activity recomputation covers at `now`: every month from 24 months back (Japan), the current
 * and the previous fiscal year, and the 12 calendar months up to this one; each as [start, end) dates.
 */
export function activityRanges(now: Date) {
  const current = japanMonth(now);
  const firstMonth = addMonths(current, -24);
  const fiscalYear = fiscalYearOf(now);
  const fyDates = (year: number) => {
    const range = fiscalYearRange(year);
    return { start: japanDate(range.start), end: japanDate(range.end) };
  };
  const previous = fyDates(fiscalYear - 1);
  const from = previous.start < `${firstMonth}-01` ? previous.start : `${firstMonth}-01`;
  return {
    from,
    months: monthRange(from.slice(0, 7), current).map((month) => `M:${month}`),
    periods: [
      { period: `FY:${fiscalYear}`, ...fyDates(fiscalYear) },
      { period: `FY:${fiscalYear - 1}`, ...previous },
      { period: last12Key(current), start: `${addMonths(current, -11)}-01`, end: `${addMonths(current, 1)}-01` },
    ],
  };
}
