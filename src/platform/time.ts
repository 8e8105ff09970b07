/**
 * Japan time and the fiscal year (4/1–3/31), computed in one place. Timestamps are stored as
 * timestamptz; these helpers only decide which Japanese calendar day or fiscal year an instant is in.
 */
const japanOffsetMs = 9 * 60 * 60 * 1000;

/** The calendar date in Japan (YYYY-MM-DD) of an instant. Japan has no daylight saving time. */
export function japanDate(instant: Date): string {
  return new Date(instant.getTime() + japanOffsetMs).toISOString().slice(0, 10);
}

/** The fiscal year (年度) an instant falls in: 2026-03-31 JST is FY2025, 2026-04-01 JST is FY2026. */
export function fiscalYearOf(instant: Date): number {
  const [year, month] = japanDate(instant).split('-').map(Number) as [number, number];
  return month >= 4 ? year : year - 1;
}

/** First and last instants of a fiscal year: [April 1 00:00 JST, next April 1 00:00 JST). */
export function fiscalYearRange(fiscalYear: number): { start: Date; end: Date } {
  return {
    start: new Date(Date.UTC(fiscalYear, 3, 1) - japanOffsetMs),
    end: new Date(Date.UTC(fiscalYear + 1, 3, 1) - japanOffsetMs),
  };
}

/**
 * The same Japan wall-clock time `months` calendar months earlier. A day the earlier month lacks becomes
 * its last day (3/31 minus one month is 2/28 or 2/29), so "24 months without access" never skips a day.
 */
export function japanMonthsBefore(instant: Date, months: number): Date {
  const local = new Date(instant.getTime() + japanOffsetMs);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  local.setUTCFullYear(year, month, Math.min(local.getUTCDate(), lastDay));
  return new Date(local.getTime() - japanOffsetMs);
}
