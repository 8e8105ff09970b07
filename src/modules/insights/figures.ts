import type { AgeBand } from '../../platform/db/schema.js';
import type { Localized } from '../../platform/i18n.js';
import { relationshipTieLabels, relationshipTies, type RelationshipTie } from '../registrations/index.js';
import type { ScopeRows } from './insights.repository.js';
import { addMonths, type Period } from './periods.js';
import { suppress, suppressionThreshold, type Relation, type SuppressionReason } from './suppression.js';

/**
 * Turns the raw rollups of one scope into the figures people see, with every count of people passed
 * through `suppress` together with the relations between them. Pure: the pages, the API, the CSV and
 * open data all show what this returns, so they show the same numbers.
 */

/** A count of people: `value` is null when suppressed, and `suppressed` says why. */
export interface Cell {
  value: number | null;
  suppressed?: SuppressionReason;
}

export const ageBands = [
  'under_18',
  '18_29',
  '30_39',
  '40_49',
  '50_59',
  '60_69',
  '70_plus',
] as const satisfies readonly AgeBand[];

export const ageBandLabels: Record<AgeBand | 'unknown', Localized> = {
  under_18: { ja: '18歳未満', en: 'Under 18' },
  '18_29': { ja: '18〜29歳', en: '18–29' },
  '30_39': { ja: '30代', en: '30s' },
  '40_49': { ja: '40代', en: '40s' },
  '50_59': { ja: '50代', en: '50s' },
  '60_69': { ja: '60代', en: '60s' },
  '70_plus': { ja: '70歳以上', en: '70 or older' },
  unknown: { ja: '不明（本人確認前）', en: 'Unknown (not verified)' },
};

export { relationshipTieLabels, relationshipTies };

/** Prefectures whose registrants are broken down by municipality: "large groups" only. */
export const municipalityBreakdownMinimum = 100;
/** At most this many municipalities are listed per prefecture; the rest are one row. */
export const municipalityBreakdownRows = 20;

export interface MonthFigures {
  month: string;
  total: Cell;
  basic: Cell;
  premium: Cell;
  new: Cell;
  upgraded: Cell;
  withdrawn: Cell;
  released: Cell;
  attendance: Cell;
  designatedAttendance: Cell;
  activeRegistrants: Cell;
  /** Sessions, not people: never suppressed. */
  designatedSessions: number;
}

export interface ResidencePrefecture {
  code: string;
  name: Localized;
  count: Cell;
  /** For prefectures with at least `municipalityBreakdownMinimum` registrants. */
  municipalities: Array<{ lgCode: string; name: Localized; count: Cell }> | null;
  /** The prefecture's registrants in municipalities not listed, or with unknown municipality. */
  otherMunicipalities: Cell | null;
}

export interface AreaFigures {
  prefectureCode: string;
  name: Localized;
  total: Cell;
  basic: Cell;
  premium: Cell;
}

export interface Figures {
  period: { key: string; label: Localized; from: string; to: string };
  registrants: { total: Cell; basic: Cell; premium: Cell; longStay: Cell; ownResidence: Cell };
  origin: { direct: Cell; prefectureLink: Cell } | null;
  flows: { new: Cell; upgraded: Cell; withdrawn: Cell; released: Cell };
  months: MonthFigures[];
  residence: { prefectures: ResidencePrefecture[]; unknown: Cell };
  ties: Array<{ tie: RelationshipTie; label: Localized; count: Cell }>;
  ageBands: Array<{ band: AgeBand | 'unknown'; label: Localized; count: Cell }>;
  activity: {
    designatedSessions: number;
    attendance: Cell;
    designatedAttendance: Cell;
    activeRegistrants: Cell;
    premiumProgress: { required: number | null; none: Cell; some: Cell; met: Cell };
  };
  /** National only: registrations held by the governments of each prefecture. */
  areas: AreaFigures[] | null;
}

export interface Names {
  prefectures: Map<string, Localized>;
  municipalities: Map<string, Localized>;
}

export interface BuildOptions {
  rows: ScopeRows;
  period: Period;
  /** The current month (Japan): its stock is the current figures. */
  currentMonth: string;
  names: Names;
  /** Show the origin split (a prefecture's own registrations: direct or through a municipality). */
  showOrigin: boolean;
  /** The premium minimum of a single government; null for aggregates of many. */
  premiumRequired: number | null;
  areas?: Array<{ prefectureCode: string; dimension: string; key: string; count: number }>;
}

const measureEvents = ['new', 'upgraded', 'withdrawn', 'released'] as const;

export function buildFigures(options: BuildOptions): Figures {
  const { rows, period, currentMonth, names } = options;
  const values = new Map<string, number>();
  const relations: Relation[] = [];
  const notShown = new Set<string>();
  const set = (key: string, value: number) => values.set(key, value);

  const current = new Map(rows.current.map((row) => [`${row.dimension}|${row.key}`, row.count]));
  const cur = (dimension: string, key: string) => current.get(`${dimension}|${key}`) ?? 0;

  // Current registrants (related population) and their breakdowns.
  set('reg.total', cur('total', 'all'));
  set('reg.basic', cur('tier', 'basic'));
  set('reg.premium', cur('tier', 'premium'));
  set('reg.own', cur('own_residence', 'all'));
  relations.push({ kind: 'sum', total: 'reg.total', parts: ['reg.basic', 'reg.premium'] });
  set('reg.longstay', cur('long_stay', 'yes'));
  set('reg.longstay.no', cur('long_stay', 'no'));
  notShown.add('reg.longstay.no');
  relations.push({ kind: 'sum', total: 'reg.total', parts: ['reg.longstay', 'reg.longstay.no'] });
  if (options.showOrigin) {
    set('origin.direct', cur('origin', 'direct'));
    set('origin.link', cur('origin', 'prefecture_link'));
    relations.push({ kind: 'sum', total: 'reg.total', parts: ['origin.direct', 'origin.link'] });
  }

  const prefectureCodes = [...names.prefectures.keys()].sort();
  for (const code of prefectureCodes) set(`res.${code}`, cur('residence_prefecture', code));
  set('res.unknown', cur('residence_prefecture', 'unknown'));
  relations.push({
    kind: 'sum',
    total: 'reg.total',
    parts: [...prefectureCodes.map((code) => `res.${code}`), 'res.unknown'],
  });
  const municipalityRows = rows.current.filter((row) => row.dimension === 'residence_municipality' && row.count > 0);
  const brokenDown = new Map<string, Array<{ lgCode: string; count: number }>>();
  for (const code of prefectureCodes) {
    if (cur('residence_prefecture', code) < municipalityBreakdownMinimum) continue;
    const listed = municipalityRows
      .filter((row) => row.key.startsWith(code) && row.count >= suppressionThreshold)
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1))
      .slice(0, municipalityBreakdownRows)
      .map((row) => ({ lgCode: row.key, count: row.count }));
    brokenDown.set(code, listed);
    for (const municipality of listed) set(`muni.${municipality.lgCode}`, municipality.count);
    const rest = cur('residence_prefecture', code) - listed.reduce((sum, row) => sum + row.count, 0);
    set(`muni.rest.${code}`, rest);
    relations.push({
      kind: 'sum',
      total: `res.${code}`,
      parts: [...listed.map((row) => `muni.${row.lgCode}`), `muni.rest.${code}`],
    });
  }

  for (const tie of relationshipTies) set(`tie.${tie}`, cur('tie', tie));
  for (const band of [...ageBands, 'unknown'] as const) set(`age.${band}`, cur('age_band', band));
  relations.push({ kind: 'sum', total: 'reg.total', parts: [...ageBands, 'unknown'].map((band) => `age.${band}`) });

  // Months: the stock at each month's end is the sum of every event up to it.
  const monthly = new Map<string, Map<string, number>>();
  for (const row of rows.monthly) {
    const measures = monthly.get(row.month) ?? new Map<string, number>();
    measures.set(row.measure, (measures.get(row.measure) ?? 0) + row.count);
    monthly.set(row.month, measures);
  }
  const measure = (month: string, name: string) => monthly.get(month)?.get(name) ?? 0;
  const stockChange = (month: string) => {
    const m = (name: string) => measure(month, name);
    const basic =
      m('new:basic') +
      m('joined:basic') +
      m('downgraded:basic') -
      m('withdrawn:basic') -
      m('released:basic') -
      m('left:basic') -
      m('upgraded:premium');
    const premium =
      m('new:premium') +
      m('joined:premium') +
      m('upgraded:premium') -
      m('withdrawn:premium') -
      m('released:premium') -
      m('left:premium') -
      m('downgraded:basic');
    return { basic, premium };
  };
  const firstPeriodMonth = period.months[0] ?? currentMonth;
  let basicStock = 0;
  let premiumStock = 0;
  for (const row of [...monthly.keys()].sort()) {
    if (row >= firstPeriodMonth) break;
    const change = stockChange(row);
    basicStock += change.basic;
    premiumStock += change.premium;
  }
  const activity = new Map(rows.activity.map((row) => [`${row.period}|${row.measure}`, row.count]));
  const act = (activityPeriod: string, name: string) => activity.get(`${activityPeriod}|${name}`) ?? 0;

  const monthKeys: Array<{ month: string; total: string; basic: string; premium: string }> = [];
  for (const month of period.months) {
    const change = stockChange(month);
    basicStock += change.basic;
    premiumStock += change.premium;
    const isCurrent = month === currentMonth;
    const keys = isCurrent
      ? { month, total: 'reg.total', basic: 'reg.basic', premium: 'reg.premium' }
      : { month, total: `stock.total.${month}`, basic: `stock.basic.${month}`, premium: `stock.premium.${month}` };
    if (!isCurrent) {
      set(keys.basic, basicStock);
      set(keys.premium, premiumStock);
      set(keys.total, basicStock + premiumStock);
      relations.push({ kind: 'sum', total: keys.total, parts: [keys.basic, keys.premium] });
    }
    monthKeys.push(keys);
    set(`new.${month}`, measure(month, 'new:basic') + measure(month, 'new:premium'));
    set(`upgraded.${month}`, measure(month, 'upgraded:premium'));
    set(`withdrawn.${month}`, measure(month, 'withdrawn:basic') + measure(month, 'withdrawn:premium'));
    set(`released.${month}`, measure(month, 'released:basic') + measure(month, 'released:premium'));
    set(`att.${month}`, act(`M:${month}`, 'attendance'));
    set(`datt.${month}`, act(`M:${month}`, 'designated_attendance'));
    set(`ndatt.${month}`, act(`M:${month}`, 'attendance') - act(`M:${month}`, 'designated_attendance'));
    notShown.add(`ndatt.${month}`);
    relations.push({ kind: 'sum', total: `att.${month}`, parts: [`datt.${month}`, `ndatt.${month}`] });
    set(`active.${month}`, act(`M:${month}`, 'active_registrants'));
  }
  // Consecutive months: this month's registrants = last month's + new − withdrawn − released (moves into
  // and out of 住所地 are not shown, so this is treated as exact: it can only hide more).
  for (let index = 1; index < monthKeys.length; index += 1) {
    const previous = monthKeys[index - 1]!;
    const here = monthKeys[index]!;
    relations.push({
      kind: 'balance',
      terms: [
        { key: here.total, sign: 1 },
        { key: previous.total, sign: -1 },
        { key: `new.${here.month}`, sign: -1 },
        { key: `withdrawn.${here.month}`, sign: 1 },
        { key: `released.${here.month}`, sign: 1 },
      ],
    });
  }
  for (const event of measureEvents) {
    set(
      `flow.${event}`,
      period.months.reduce((sum, month) => sum + (values.get(`${event}.${month}`) ?? 0), 0),
    );
    relations.push({ kind: 'sum', total: `flow.${event}`, parts: period.months.map((month) => `${event}.${month}`) });
  }

  // Activity in the period: monthly sums, and registrants who took part (distinct, so no sum).
  const sumMonths = (name: string) => period.months.reduce((sum, month) => sum + act(`M:${month}`, name), 0);
  set('act.att', sumMonths('attendance'));
  set('act.datt', sumMonths('designated_attendance'));
  set('act.ndatt', sumMonths('attendance') - sumMonths('designated_attendance'));
  notShown.add('act.ndatt');
  relations.push({ kind: 'sum', total: 'act.att', parts: ['act.datt', 'act.ndatt'] });
  relations.push({ kind: 'sum', total: 'act.att', parts: period.months.map((month) => `att.${month}`) });
  relations.push({ kind: 'sum', total: 'act.datt', parts: period.months.map((month) => `datt.${month}`) });
  set('act.active', act(period.activityPeriod, 'active_registrants'));
  const some = act('W', 'progress_some');
  const met = act('W', 'progress_met');
  set('prog.some', some);
  set('prog.met', met);
  set('prog.none', Math.max(0, cur('total', 'all') - some - met));
  relations.push({ kind: 'sum', total: 'reg.total', parts: ['prog.none', 'prog.some', 'prog.met'] });

  // National: registrations held by the governments of each prefecture, which add up to the nation's.
  const areaCodes = options.areas ? prefectureCodes : [];
  if (options.areas) {
    const area = (code: string, dimension: string, key: string) =>
      options.areas?.find((row) => row.prefectureCode === code && row.dimension === dimension && row.key === key)
        ?.count ?? 0;
    for (const code of areaCodes) {
      set(`area.${code}.total`, area(code, 'total', 'all'));
      set(`area.${code}.basic`, area(code, 'tier', 'basic'));
      set(`area.${code}.premium`, area(code, 'tier', 'premium'));
      relations.push({
        kind: 'sum',
        total: `area.${code}.total`,
        parts: [`area.${code}.basic`, `area.${code}.premium`],
      });
    }
    for (const column of ['total', 'basic', 'premium'] as const) {
      relations.push({ kind: 'sum', total: `reg.${column}`, parts: areaCodes.map((code) => `area.${code}.${column}`) });
    }
  }

  const hidden = suppress({ values, relations, notShown });
  const cell = (key: string): Cell => {
    const reason = hidden.get(key);
    return reason ? { value: null, suppressed: reason } : { value: values.get(key) ?? 0 };
  };

  const sessionsOf = (activityPeriod: string) => act(activityPeriod, 'designated_sessions');
  return {
    period: {
      key: period.key,
      label: period.label,
      from: period.months[0] ?? currentMonth,
      to: period.months[period.months.length - 1] ?? currentMonth,
    },
    registrants: {
      total: cell('reg.total'),
      basic: cell('reg.basic'),
      premium: cell('reg.premium'),
      longStay: cell('reg.longstay'),
      ownResidence: cell('reg.own'),
    },
    origin: options.showOrigin ? { direct: cell('origin.direct'), prefectureLink: cell('origin.link') } : null,
    flows: {
      new: cell('flow.new'),
      upgraded: cell('flow.upgraded'),
      withdrawn: cell('flow.withdrawn'),
      released: cell('flow.released'),
    },
    months: monthKeys.map((keys) => ({
      month: keys.month,
      total: cell(keys.total),
      basic: cell(keys.basic),
      premium: cell(keys.premium),
      new: cell(`new.${keys.month}`),
      upgraded: cell(`upgraded.${keys.month}`),
      withdrawn: cell(`withdrawn.${keys.month}`),
      released: cell(`released.${keys.month}`),
      attendance: cell(`att.${keys.month}`),
      designatedAttendance: cell(`datt.${keys.month}`),
      activeRegistrants: cell(`active.${keys.month}`),
      designatedSessions: sessionsOf(`M:${keys.month}`),
    })),
    residence: {
      prefectures: prefectureCodes.map((code) => {
        const listed = brokenDown.get(code);
        return {
          code,
          name: names.prefectures.get(code) ?? { ja: code, en: code },
          count: cell(`res.${code}`),
          municipalities: listed
            ? listed.map((row) => ({
                lgCode: row.lgCode,
                name: names.municipalities.get(row.lgCode) ?? { ja: row.lgCode, en: row.lgCode },
                count: cell(`muni.${row.lgCode}`),
              }))
            : null,
          otherMunicipalities: listed ? cell(`muni.rest.${code}`) : null,
        };
      }),
      unknown: cell('res.unknown'),
    },
    ties: relationshipTies.map((tie) => ({ tie, label: relationshipTieLabels[tie], count: cell(`tie.${tie}`) })),
    ageBands: [...ageBands, 'unknown' as const].map((band) => ({
      band,
      label: ageBandLabels[band],
      count: cell(`age.${band}`),
    })),
    activity: {
      designatedSessions: period.months.reduce((sum, month) => sum + sessionsOf(`M:${month}`), 0),
      attendance: cell('act.att'),
      designatedAttendance: cell('act.datt'),
      activeRegistrants: cell('act.active'),
      premiumProgress: {
        required: options.premiumRequired,
        none: cell('prog.none'),
        some: cell('prog.some'),
        met: cell('prog.met'),
      },
    },
    areas: options.areas
      ? areaCodes.map((code) => ({
          prefectureCode: code,
          name: names.prefectures.get(code) ?? { ja: code, en: code },
          total: cell(`area.${code}.total`),
          basic: cell(`area.${code}.basic`),
          premium: cell(`area.${code}.premium`),
        }))
      : null,
  };
}

/** Every count of people in the figures, for tests and for the CSV: [path, cell]. */
export function cellsOf(figures: Figures): Array<[string, Cell]> {
  const out: Array<[string, Cell]> = [];
  const visit = (path: string, value: unknown) => {
    if (value && typeof value === 'object' && 'value' in value && !Array.isArray(value)) {
      out.push([path, value as Cell]);
      return;
    }
    if (Array.isArray(value)) value.forEach((item, index) => visit(`${path}[${index}]`, item));
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(path ? `${path}.${key}` : key, item);
    }
  };
  visit('', figures);
  return out;
}

export { addMonths };
