import type { Locale, Localized } from '../../platform/i18n.js';
import type { Cell } from './figures.js';
import type { InsightsReport } from './insights.service.js';

/**
 * The figures as one CSV table (RFC 4180, UTF-8 with BOM for Excel): one row per figure, long format, so
 * that every section fits the same columns. Suppressed cells carry the label, never a number.
 */

export const suppressedLabels: Record<'under_threshold' | 'complementary', Localized> = {
  under_threshold: { ja: '10人未満', en: 'Fewer than 10' },
  complementary: { ja: '秘匿', en: 'Withheld' },
};

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  // Defused as in the registrant export: Excel must not run a cell as a formula.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const row = (cells: ReadonlyArray<string | number | null>) => `${cells.map(csvCell).join(',')}\r\n`;

export function cellText(cell: Cell, locale: Locale): string | number {
  return cell.value ?? suppressedLabels[cell.suppressed ?? 'under_threshold'][locale];
}

/** Rows of one report: scope, section, item, code, month, value. */
function reportRows(report: InsightsReport, locale: Locale): string[] {
  const t = (text: Localized) => text[locale];
  const scope = report.scope.lgCode ?? report.scope.prefectureCode ?? 'national';
  const name = t(report.scope.name);
  const out: string[] = [];
  const add = (section: Localized, item: Localized, code: string, month: string, value: string | number) =>
    out.push(row([scope, name, t(section), t(item), code, month, value]));
  const cell = (cellValue: Cell) => cellText(cellValue, locale);
  const { figures } = report;
  const period = `${figures.period.from}..${figures.period.to}`;

  const registrants = { ja: '登録者（関係人口）', en: 'Registrants (related population)' };
  add(registrants, { ja: '合計', en: 'Total' }, 'total', '', cell(figures.registrants.total));
  add(registrants, { ja: 'ベーシック', en: 'Basic' }, 'basic', '', cell(figures.registrants.basic));
  add(registrants, { ja: 'プレミアム', en: 'Premium' }, 'premium', '', cell(figures.registrants.premium));
  add(registrants, { ja: '長期滞在', en: 'Long stay' }, 'long_stay', '', cell(figures.registrants.longStay));
  add(
    { ja: '住所地での登録（関係人口に数えない）', en: 'Registrations where the person lives (not counted)' },
    { ja: '住所地', en: 'Own residence' },
    'own_residence',
    '',
    cell(figures.registrants.ownResidence),
  );
  if (figures.origin) {
    const origin = { ja: '登録の経路', en: 'How registered' };
    add(origin, { ja: '直接登録', en: 'Direct' }, 'direct', '', cell(figures.origin.direct));
    add(
      origin,
      { ja: '市区町村の登録に伴う登録', en: 'Through a municipality' },
      'prefecture_link',
      '',
      cell(figures.origin.prefectureLink),
    );
  }
  const flows = { ja: `期間の動き（${t(figures.period.label)}）`, en: `Changes (${t(figures.period.label)})` };
  add(flows, { ja: '新規登録', en: 'New' }, 'new', period, cell(figures.flows.new));
  add(flows, { ja: 'プレミアムへ移行', en: 'Upgraded to premium' }, 'upgraded', period, cell(figures.flows.upgraded));
  add(flows, { ja: '退会', en: 'Withdrawn' }, 'withdrawn', period, cell(figures.flows.withdrawn));
  add(flows, { ja: '登録解除', en: 'Released' }, 'released', period, cell(figures.flows.released));

  const monthly = { ja: '月別', en: 'By month' };
  for (const month of figures.months) {
    const items: Array<[Localized, string, Cell | number]> = [
      [{ ja: '月末の登録者', en: 'Registrants at month end' }, 'total', month.total],
      [{ ja: '月末のベーシック', en: 'Basic at month end' }, 'basic', month.basic],
      [{ ja: '月末のプレミアム', en: 'Premium at month end' }, 'premium', month.premium],
      [{ ja: '新規登録', en: 'New' }, 'new', month.new],
      [{ ja: 'プレミアムへ移行', en: 'Upgraded' }, 'upgraded', month.upgraded],
      [{ ja: '退会', en: 'Withdrawn' }, 'withdrawn', month.withdrawn],
      [{ ja: '登録解除', en: 'Released' }, 'released', month.released],
      [{ ja: '指定活動の開催回数', en: 'Designated sessions held' }, 'designated_sessions', month.designatedSessions],
      [{ ja: '参加（延べ人日）', en: 'Attendance (person-days)' }, 'attendance', month.attendance],
      [{ ja: 'うち指定活動', en: 'of which designated' }, 'designated_attendance', month.designatedAttendance],
      [{ ja: '活動した登録者', en: 'Registrants who took part' }, 'active_registrants', month.activeRegistrants],
    ];
    for (const [label, code, value] of items)
      add(monthly, label, code, month.month, typeof value === 'number' ? value : cell(value));
  }

  const residence = { ja: '居住地（都道府県）', en: 'Residence (prefecture)' };
  for (const prefecture of figures.residence.prefectures) {
    add(residence, prefecture.name, prefecture.code, '', cell(prefecture.count));
    for (const municipality of prefecture.municipalities ?? []) {
      add(
        { ja: '居住地（市区町村）', en: 'Residence (municipality)' },
        municipality.name,
        municipality.lgCode,
        '',
        cell(municipality.count),
      );
    }
    if (prefecture.otherMunicipalities) {
      add(
        { ja: '居住地（市区町村）', en: 'Residence (municipality)' },
        { ja: `${prefecture.name.ja}のその他・不明`, en: `Other or unknown in ${prefecture.name.en}` },
        `${prefecture.code}-other`,
        '',
        cell(prefecture.otherMunicipalities),
      );
    }
  }
  add(residence, { ja: '不明', en: 'Unknown' }, 'unknown', '', cell(figures.residence.unknown));
  for (const tie of figures.ties)
    add({ ja: '関わり（複数回答）', en: 'Ties (several answers)' }, tie.label, tie.tie, '', cell(tie.count));
  for (const band of figures.ageBands) add({ ja: '年代', en: 'Age band' }, band.label, band.band, '', cell(band.count));

  const activity = { ja: `担い手活動（${t(figures.period.label)}）`, en: `Activities (${t(figures.period.label)})` };
  add(
    activity,
    { ja: '指定活動の開催回数', en: 'Designated sessions held' },
    'designated_sessions',
    period,
    figures.activity.designatedSessions,
  );
  add(
    activity,
    { ja: '参加（延べ人日）', en: 'Attendance (person-days)' },
    'attendance',
    period,
    cell(figures.activity.attendance),
  );
  add(
    activity,
    { ja: 'うち指定活動', en: 'of which designated' },
    'designated_attendance',
    period,
    cell(figures.activity.designatedAttendance),
  );
  add(
    activity,
    { ja: '活動した登録者', en: 'Registrants who took part' },
    'active_registrants',
    period,
    cell(figures.activity.activeRegistrants),
  );
  const progress = { ja: 'プレミアム要件の達成状況（現在）', en: 'Premium requirement progress (now)' };
  add(
    progress,
    { ja: '指定活動なし', en: 'No designated activity' },
    'none',
    '',
    cell(figures.activity.premiumProgress.none),
  );
  add(
    progress,
    { ja: '要件の途中', en: 'Some, not yet enough' },
    'some',
    '',
    cell(figures.activity.premiumProgress.some),
  );
  add(progress, { ja: '要件を達成', en: 'Requirement met' }, 'met', '', cell(figures.activity.premiumProgress.met));

  for (const area of figures.areas ?? []) {
    const section = { ja: '自治体の所在都道府県別の登録', en: 'Registrations by prefecture of the government' };
    add(section, area.name, `${area.prefectureCode}-total`, '', cell(area.total));
    add(
      section,
      { ja: `${area.name.ja}（ベーシック）`, en: `${area.name.en} (basic)` },
      `${area.prefectureCode}-basic`,
      '',
      cell(area.basic),
    );
    add(
      section,
      { ja: `${area.name.ja}（プレミアム）`, en: `${area.name.en} (premium)` },
      `${area.prefectureCode}-premium`,
      '',
      cell(area.premium),
    );
  }
  return out;
}

export function insightsCsv(reports: readonly InsightsReport[], locale: Locale): string[] {
  const header =
    locale === 'ja'
      ? ['対象コード', '対象', '区分', '項目', 'コード', '月・期間', '人数・件数']
      : ['scope', 'name', 'section', 'item', 'code', 'month_or_period', 'value'];
  return ['\uFEFF', row(header), ...reports.flatMap((report) => reportRows(report, locale))];
}

export function csvFilename(scope: string, periodKey: string): string {
  return `insights-${scope}-${periodKey}.csv`;
}
