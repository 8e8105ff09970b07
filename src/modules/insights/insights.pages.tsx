import type { Context } from 'hono';
import type { Actor } from '../../platform/audit.js';
import { AppError } from '../../platform/errors.js';
import { createRouter, localeOf, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { requireSession } from '../../platform/http/session.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import { getTenant } from '../municipalities/index.js';
import {
  auditActionLabels,
  resolveSessionActor,
  staffAreaLinks,
  StaffNav,
  withStaffArea,
  type StaffArea,
} from '../staff/index.js';
import { BarList, CellText, cellLabel, ColumnChart, monthLabel, TileMap } from './charts.js';
import type { Cell, Figures } from './figures.js';
import { csvFilename, insightsCsv } from './insights.csv.js';
import { mayPublishOpenData, mayReadGovernmentInsights, mayReadNationalInsights } from './insights.policy.js';
import { governmentJson, insightsCsvResponse, reportJson } from './insights.routes.js';
import { getGovernmentInsights, getNationalInsights, setOpenData, type InsightsReport } from './insights.service.js';
import { PeriodKey } from './periods.js';

const titles = {
  dashboard: { ja: '関係人口の集計', en: 'Related population' },
  national: { ja: '関係人口の集計（全国）', en: 'Related population (national)' },
} satisfies Record<string, Localized>;

staffAreaLinks.push({ path: '/insights', label: titles.dashboard, show: mayReadGovernmentInsights });

Object.assign(auditActionLabels, {
  'insights.open_data_published': { ja: '集計のオープンデータ公開', en: 'Figures published as open data' },
  'insights.open_data_withdrawn': { ja: '集計のオープンデータ公開を停止', en: 'Open data of figures withdrawn' },
} satisfies Record<string, Localized>);

function dateTimeText(page: PageContext, date: Date | null): string {
  if (!date) return page.t({ ja: 'まだ集計されていません', en: 'not computed yet' });
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Tokyo',
  }).format(date);
}

function periodOf(c: Context<AppEnv>): string {
  const parsed = PeriodKey.safeParse(c.req.query('period') ?? 'last12');
  if (!parsed.success) throw new AppError('insights_period_invalid');
  return parsed.data;
}

/** Words for a chart's description: the latest value and the largest. */
function seriesSummary(page: PageContext, label: Localized, months: string[], cells: Cell[]): string {
  const { t } = page;
  const last = cells.length - 1;
  const shown = cells
    .map((cell, index) => ({ cell, month: months[index] ?? '' }))
    .filter((item) => item.cell.value !== null);
  const largest = shown.sort((a, b) => (b.cell.value ?? 0) - (a.cell.value ?? 0))[0];
  const latest = cells[last];
  const parts = [
    t({
      ja: `${t(label)}。${monthLabel(page, months[0] ?? '')}から${monthLabel(page, months[last] ?? '')}まで。`,
      en: `${t(label)}, ${monthLabel(page, months[0] ?? '')} to ${monthLabel(page, months[last] ?? '')}.`,
    }),
  ];
  if (latest)
    parts.push(t({ ja: `最新の月は${cellLabel(page, latest)}。`, en: ` Latest month: ${cellLabel(page, latest)}.` }));
  if (largest) {
    parts.push(
      t({
        ja: `最も多いのは${monthLabel(page, largest.month)}の${cellLabel(page, largest.cell)}。`,
        en: ` Highest: ${cellLabel(page, largest.cell)} in ${monthLabel(page, largest.month)}.`,
      }),
    );
  }
  parts.push(t({ ja: '数は次の表にあります。', en: ' The numbers are in the table below.' }));
  return parts.join('');
}

function listSummary(page: PageContext, label: Localized, items: Array<{ label: Localized; cell: Cell }>): string {
  const { t } = page;
  const ranked = items
    .filter((item) => item.cell.value !== null && item.cell.value > 0)
    .sort((a, b) => (b.cell.value ?? 0) - (a.cell.value ?? 0));
  const top = ranked.slice(0, 3).map((item) => `${t(item.label)} ${cellLabel(page, item.cell)}`);
  return t({
    ja: `${t(label)}。${top.length > 0 ? `多い順に ${top.join('、')}。` : '表示できる数はありません。'}すべての数は次の表にあります。`,
    en: `${t(label)}. ${top.length > 0 ? `Largest: ${top.join(', ')}.` : 'No number can be shown.'} All numbers are in the table below.`,
  });
}

function KeyFigure(props: { page: PageContext; label: Localized; cell: Cell | number; note?: Localized }) {
  const { t } = props.page;
  return (
    <div class="key-figure">
      <dt>{t(props.label)}</dt>
      <dd>
        <span class="key-figure__value">
          {typeof props.cell === 'number' ? (
            props.cell.toLocaleString()
          ) : (
            <CellText page={props.page} cell={props.cell} />
          )}
        </span>
        {props.note && <span class="key-figure__note">{t(props.note)}</span>}
      </dd>
    </div>
  );
}

function Definitions(props: { page: PageContext; figures: Figures }) {
  const { t } = props.page;
  const required = props.figures.activity.premiumProgress.required;
  return (
    <section aria-labelledby="definitions-heading" class="insights-section">
      <h2 id="definitions-heading">{t({ ja: 'この集計の決まり', en: 'How these figures are made' })}</h2>
      <dl class="definitions">
        <dt>{t({ ja: '登録者（関係人口）', en: 'Registrants (related population)' })}</dt>
        <dd>
          {t({
            ja: 'いま登録中（退会・登録解除されていない）の登録です。住所地（その人が住んでいる自治体）での登録は関係人口に数えず、「住所地での登録」として別に示します。複数の自治体の集計では、1人が複数の自治体に登録していれば、その数だけ数えます（延べ）。',
            en: 'Registrations that are active now (not withdrawn or released). Registrations where the person lives (住所地) are not related population; they are shown apart. Aggregates of several governments count a person once for each government they registered with.',
          })}
        </dd>
        <dt>{t({ ja: '10人未満・秘匿', en: 'Fewer than 10, withheld' })}</dt>
        <dd>
          {t({
            ja: '1〜9人の数は「10人未満」と表示します。さらに、合計と内訳の差や前月との差から10人未満の数が分かってしまう場合は、別の数も「秘匿」とします。0は表示します。',
            en: 'Counts of 1 to 9 people read "fewer than 10". Where a small number could be worked out from a total and its parts or from month to month, another number is withheld as well. Zero is shown.',
          })}
        </dd>
        <dt>{t({ ja: '活動した登録者', en: 'Registrants who took part' })}</dt>
        <dd>
          {t({
            ja: '期間中に、この自治体の担い手活動に1日以上出席した人のうち、出席した時に（住所地以外で）登録していた人の数です（1人は期間中1回だけ数えます）。',
            en: 'People present at least one day at this government’s 担い手 activities in the period who were registered (not as 住所地) when they attended; each person once per period.',
          })}
        </dd>
        <dt>{t({ ja: '参加（延べ人日）・指定活動', en: 'Attendance (person-days), designated' })}</dt>
        <dd>
          {t({
            ja: '出席の記録の数です（1人が1日出席すると1）。指定活動は、自治体が指定した担い手活動（プレミアム登録の要件に数えるもの）です。開催回数は人数ではないため、そのまま表示します。',
            en: 'Attendance records (one person present one day is 1). Designated activities are those the government designated (they count for premium). Sessions held are not people and are shown as they are.',
          })}
        </dd>
        <dt>{t({ ja: 'プレミアム要件の達成状況', en: 'Premium requirement progress' })}</dt>
        <dd>
          {required === null
            ? t({
                ja: '各自治体の要件（期間と回数）で、登録者が指定活動に出席した日数を数えたものの合計です。',
                en: 'Designated days of each registrant counted by each government’s own requirement, added up.',
              })
            : t({
                ja: `現在の要件（指定活動${required}回）の期間に、登録者が指定活動に出席した日数です。`,
                en: `Designated days of each registrant in the window of the current requirement (${required} designated activities).`,
              })}
        </dd>
      </dl>
    </section>
  );
}

function PeriodForm(props: { page: PageContext; action: string; report: InsightsReport; view?: string }) {
  const { t } = props.page;
  return (
    <form method="get" action={props.action} class="period-form">
      {props.view && <input type="hidden" name="view" value={props.view} />}
      <label for="period">{t({ ja: '集計期間', en: 'Period' })}</label>
      <select id="period" name="period">
        {props.report.periods.map((period) => (
          <option value={period.key} selected={period.key === props.report.figures.period.key}>
            {t(period.label)}
          </option>
        ))}
      </select>
      <button type="submit" class="button button--secondary">
        {t({ ja: '表示する', en: 'Show' })}
      </button>
    </form>
  );
}

/** The dashboard of one report: the same figures as the API, the CSV and open data. */
export function InsightsDashboard(props: {
  page: PageContext;
  report: InsightsReport;
  action: string;
  downloads: { csv: string; json: string };
  view?: string;
}) {
  const { page, report } = props;
  const { t } = page;
  const { figures } = report;
  const months = figures.months.map((month) => month.month);
  const tier = (cell: Cell, label: Localized) => ({ label, cell });
  return (
    <>
      <div class="insights-toolbar">
        <PeriodForm page={page} action={props.action} report={report} {...(props.view ? { view: props.view } : {})} />
        <p class="insights-updated">
          {t({ ja: '最終更新', en: 'Last updated' })}: {t({ ja: '登録', en: 'registrations' })}{' '}
          {dateTimeText(page, report.updatedAt.registrations)} / {t({ ja: '活動', en: 'activities' })}{' '}
          {dateTimeText(page, report.updatedAt.activity)}
        </p>
        <p class="insights-downloads">
          <a href={props.downloads.csv} download>
            {t({ ja: 'CSVでダウンロード', en: 'Download CSV' })}
          </a>{' '}
          <a href={props.downloads.json} download>
            {t({ ja: 'JSONでダウンロード', en: 'Download JSON' })}
          </a>
        </p>
      </div>

      <section aria-labelledby="summary-heading" class="insights-section">
        <h2 id="summary-heading">{t({ ja: '登録者の数', en: 'Registrants' })}</h2>
        <dl class="key-figures">
          <KeyFigure
            page={page}
            label={{ ja: '登録者（関係人口）', en: 'Registrants (related population)' }}
            cell={figures.registrants.total}
          />
          <KeyFigure page={page} label={{ ja: 'ベーシック', en: 'Basic' }} cell={figures.registrants.basic} />
          <KeyFigure page={page} label={{ ja: 'プレミアム', en: 'Premium' }} cell={figures.registrants.premium} />
          <KeyFigure page={page} label={{ ja: '長期滞在', en: 'Long stay' }} cell={figures.registrants.longStay} />
          <KeyFigure
            page={page}
            label={{ ja: '住所地での登録（別掲）', en: 'Where they live (apart)' }}
            cell={figures.registrants.ownResidence}
            note={{ ja: '関係人口に数えません', en: 'not related population' }}
          />
        </dl>
        {figures.origin && (
          <table class="data-table">
            <caption>{t({ ja: '登録の経路', en: 'How they registered' })}</caption>
            <tbody>
              <tr>
                <th scope="row">{t({ ja: '直接登録', en: 'Directly' })}</th>
                <td class="number">
                  <CellText page={page} cell={figures.origin.direct} />
                </td>
              </tr>
              <tr>
                <th scope="row">{t({ ja: '市区町村の登録に伴う登録', en: 'Through a municipality registration' })}</th>
                <td class="number">
                  <CellText page={page} cell={figures.origin.prefectureLink} />
                </td>
              </tr>
            </tbody>
          </table>
        )}
        <h3>{t({ ja: `期間の動き（${t(figures.period.label)}）`, en: `Changes (${t(figures.period.label)})` })}</h3>
        <dl class="key-figures">
          <KeyFigure page={page} label={{ ja: '新規登録', en: 'New' }} cell={figures.flows.new} />
          <KeyFigure
            page={page}
            label={{ ja: 'プレミアムへ移行', en: 'Upgraded to premium' }}
            cell={figures.flows.upgraded}
          />
          <KeyFigure page={page} label={{ ja: '退会', en: 'Withdrawn' }} cell={figures.flows.withdrawn} />
          <KeyFigure page={page} label={{ ja: '登録解除', en: 'Released' }} cell={figures.flows.released} />
        </dl>
      </section>

      <section aria-labelledby="trend-heading" class="insights-section">
        <h2 id="trend-heading">{t({ ja: '月ごとの推移', en: 'Month by month' })}</h2>
        <ColumnChart
          page={page}
          id="chart-trend"
          title={{ ja: '月末の登録者数（ベーシック・プレミアム）', en: 'Registrants at month end (basic, premium)' }}
          categories={months}
          categoryLabel={(month) => (page.locale === 'ja' ? `${Number(month.slice(5))}月` : month.slice(2))}
          series={[
            {
              label: { ja: 'ベーシック', en: 'Basic' },
              className: 'chart__bar--basic',
              values: figures.months.map((month) => month.basic),
            },
            {
              label: { ja: 'プレミアム', en: 'Premium' },
              className: 'chart__bar--premium',
              values: figures.months.map((month) => month.premium),
            },
          ]}
          summary={seriesSummary(
            page,
            { ja: '月末の登録者数', en: 'Registrants at month end' },
            months,
            figures.months.map((month) => month.total),
          )}
        />
        <ColumnChart
          page={page}
          id="chart-new"
          title={{ ja: '月ごとの新規登録', en: 'New registrations by month' }}
          categories={months}
          categoryLabel={(month) => (page.locale === 'ja' ? `${Number(month.slice(5))}月` : month.slice(2))}
          series={[
            {
              label: { ja: '新規登録', en: 'New' },
              className: 'chart__bar--new',
              values: figures.months.map((month) => month.new),
            },
          ]}
          summary={seriesSummary(
            page,
            { ja: '月ごとの新規登録', en: 'New registrations by month' },
            months,
            figures.months.map((month) => month.new),
          )}
        />
        <div class="table-scroll">
          <table class="data-table" id="table-trend">
            <caption>{t({ ja: '月ごとの登録者と動き', en: 'Registrants and changes by month' })}</caption>
            <thead>
              <tr>
                <th scope="col">{t({ ja: '月', en: 'Month' })}</th>
                <th scope="col">{t({ ja: '月末の登録者', en: 'Registrants' })}</th>
                <th scope="col">{t({ ja: 'ベーシック', en: 'Basic' })}</th>
                <th scope="col">{t({ ja: 'プレミアム', en: 'Premium' })}</th>
                <th scope="col">{t({ ja: '新規', en: 'New' })}</th>
                <th scope="col">{t({ ja: 'プレミアムへ移行', en: 'Upgraded' })}</th>
                <th scope="col">{t({ ja: '退会', en: 'Withdrawn' })}</th>
                <th scope="col">{t({ ja: '登録解除', en: 'Released' })}</th>
              </tr>
            </thead>
            <tbody>
              {figures.months.map((month) => (
                <tr>
                  <th scope="row">{monthLabel(page, month.month)}</th>
                  {[
                    month.total,
                    month.basic,
                    month.premium,
                    month.new,
                    month.upgraded,
                    month.withdrawn,
                    month.released,
                  ].map((cell) => (
                    <td class="number">
                      <CellText page={page} cell={cell} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="residence-heading" class="insights-section">
        <h2 id="residence-heading">{t({ ja: '住んでいるところ', en: 'Where they live' })}</h2>
        <TileMap
          page={page}
          id="chart-residence"
          title={{ ja: '居住地の都道府県別の登録者', en: 'Registrants by prefecture of residence' }}
          prefectures={figures.residence.prefectures}
          summary={listSummary(
            page,
            {
              ja: '居住地の都道府県別の登録者（日本地図のタイル表示）',
              en: 'Registrants by prefecture of residence (tile map of Japan)',
            },
            figures.residence.prefectures.map((prefecture) => ({ label: prefecture.name, cell: prefecture.count })),
          )}
        />
        <div class="table-scroll">
          <table class="data-table" id="table-residence">
            <caption>
              {t({
                ja: '居住地別の登録者（登録者が100人以上の都道府県は市区町村別も）',
                en: 'Registrants by residence (by municipality where a prefecture has 100 or more)',
              })}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t({ ja: '居住地', en: 'Residence' })}</th>
                <th scope="col">{t({ ja: '登録者', en: 'Registrants' })}</th>
              </tr>
            </thead>
            <tbody>
              {figures.residence.prefectures.map((prefecture) => (
                <>
                  <tr>
                    <th scope="row">{t(prefecture.name)}</th>
                    <td class="number">
                      <CellText page={page} cell={prefecture.count} />
                    </td>
                  </tr>
                  {(prefecture.municipalities ?? []).map((municipality) => (
                    <tr class="data-table__sub">
                      <th scope="row">{t(municipality.name)}</th>
                      <td class="number">
                        <CellText page={page} cell={municipality.count} />
                      </td>
                    </tr>
                  ))}
                  {prefecture.otherMunicipalities && (
                    <tr class="data-table__sub">
                      <th scope="row">
                        {t({
                          ja: `${prefecture.name.ja}のその他の市区町村・不明`,
                          en: `Other or unknown in ${prefecture.name.en}`,
                        })}
                      </th>
                      <td class="number">
                        <CellText page={page} cell={prefecture.otherMunicipalities} />
                      </td>
                    </tr>
                  )}
                </>
              ))}
              <tr>
                <th scope="row">{t({ ja: '不明', en: 'Unknown' })}</th>
                <td class="number">
                  <CellText page={page} cell={figures.residence.unknown} />
                </td>
              </tr>
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="people-heading" class="insights-section">
        <h2 id="people-heading">{t({ ja: '関わりと年代', en: 'Ties and age' })}</h2>
        <BarList
          page={page}
          id="chart-ties"
          title={{
            ja: 'まちとの関わり（登録時のアンケート、複数回答）',
            en: 'Ties with the place (survey at registration, several answers)',
          }}
          items={figures.ties.map((tie) => tier(tie.count, tie.label))}
          summary={listSummary(
            page,
            { ja: 'まちとの関わり', en: 'Ties with the place' },
            figures.ties.map((tie) => tier(tie.count, tie.label)),
          )}
        />
        <CategoryTable
          page={page}
          caption={{ ja: 'まちとの関わり（複数回答）', en: 'Ties (several answers)' }}
          items={figures.ties.map((tie) => tier(tie.count, tie.label))}
        />
        <BarList
          page={page}
          id="chart-age"
          title={{ ja: '年代別の登録者', en: 'Registrants by age band' }}
          items={figures.ageBands.map((band) => tier(band.count, band.label))}
          summary={listSummary(
            page,
            { ja: '年代別の登録者', en: 'Registrants by age band' },
            figures.ageBands.map((band) => tier(band.count, band.label)),
          )}
        />
        <CategoryTable
          page={page}
          caption={{ ja: '年代別の登録者', en: 'Registrants by age band' }}
          items={figures.ageBands.map((band) => tier(band.count, band.label))}
        />
      </section>

      <section aria-labelledby="activity-heading" class="insights-section">
        <h2 id="activity-heading">
          {t({ ja: `担い手活動（${t(figures.period.label)}）`, en: `Activities (${t(figures.period.label)})` })}
        </h2>
        <dl class="key-figures">
          <KeyFigure
            page={page}
            label={{ ja: '指定活動の開催回数', en: 'Designated sessions held' }}
            cell={figures.activity.designatedSessions}
          />
          <KeyFigure
            page={page}
            label={{ ja: '参加（延べ人日）', en: 'Attendance (person-days)' }}
            cell={figures.activity.attendance}
          />
          <KeyFigure
            page={page}
            label={{ ja: 'うち指定活動', en: 'of which designated' }}
            cell={figures.activity.designatedAttendance}
          />
          <KeyFigure
            page={page}
            label={{ ja: '活動した登録者', en: 'Registrants who took part' }}
            cell={figures.activity.activeRegistrants}
          />
        </dl>
        <div class="table-scroll">
          <table class="data-table" id="table-activity">
            <caption>{t({ ja: '月ごとの担い手活動', en: 'Activities by month' })}</caption>
            <thead>
              <tr>
                <th scope="col">{t({ ja: '月', en: 'Month' })}</th>
                <th scope="col">{t({ ja: '指定活動の開催回数', en: 'Designated sessions' })}</th>
                <th scope="col">{t({ ja: '参加（延べ人日）', en: 'Attendance' })}</th>
                <th scope="col">{t({ ja: 'うち指定活動', en: 'Designated' })}</th>
                <th scope="col">{t({ ja: '活動した登録者', en: 'Took part' })}</th>
              </tr>
            </thead>
            <tbody>
              {figures.months.map((month) => (
                <tr>
                  <th scope="row">{monthLabel(page, month.month)}</th>
                  <td class="number">{month.designatedSessions.toLocaleString()}</td>
                  {[month.attendance, month.designatedAttendance, month.activeRegistrants].map((cell) => (
                    <td class="number">
                      <CellText page={page} cell={cell} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <table class="data-table" id="table-progress">
          <caption>
            {figures.activity.premiumProgress.required === null
              ? t({
                  ja: 'プレミアム要件の達成状況（現在、各自治体の要件による）',
                  en: 'Premium requirement progress (now, by each government’s requirement)',
                })
              : t({
                  ja: `プレミアム要件の達成状況（現在、指定活動${figures.activity.premiumProgress.required}回以上）`,
                  en: `Premium requirement progress (now, ${figures.activity.premiumProgress.required} designated activities or more)`,
                })}
          </caption>
          <tbody>
            {(
              [
                [{ ja: '指定活動への出席なし', en: 'No designated activity' }, figures.activity.premiumProgress.none],
                [
                  { ja: '出席あり（要件まであと少し）', en: 'Some, not yet enough' },
                  figures.activity.premiumProgress.some,
                ],
                [{ ja: '要件を達成', en: 'Requirement met' }, figures.activity.premiumProgress.met],
              ] as Array<[Localized, Cell]>
            ).map(([label, cell]) => (
              <tr>
                <th scope="row">{t(label)}</th>
                <td class="number">
                  <CellText page={page} cell={cell} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {figures.areas && (
        <section aria-labelledby="areas-heading" class="insights-section">
          <h2 id="areas-heading">{t({ ja: '自治体の所在都道府県別', en: 'By prefecture of the government' })}</h2>
          <div class="table-scroll">
            <table class="data-table" id="table-areas">
              <caption>
                {t({
                  ja: '各都道府県内の自治体（都道府県と市区町村）が持つ登録（都道府県への連携登録は市区町村側で1回だけ数えます）',
                  en: 'Registrations held by the governments in each prefecture (prefecture-link registrations counted once, with the municipality)',
                })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t({ ja: '都道府県', en: 'Prefecture' })}</th>
                  <th scope="col">{t({ ja: '登録', en: 'Registrations' })}</th>
                  <th scope="col">{t({ ja: 'ベーシック', en: 'Basic' })}</th>
                  <th scope="col">{t({ ja: 'プレミアム', en: 'Premium' })}</th>
                </tr>
              </thead>
              <tbody>
                {figures.areas.map((area) => (
                  <tr>
                    <th scope="row">{t(area.name)}</th>
                    {[area.total, area.basic, area.premium].map((cell) => (
                      <td class="number">
                        <CellText page={page} cell={cell} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}

      <Definitions page={page} figures={figures} />
    </>
  );
}

function CategoryTable(props: {
  page: PageContext;
  caption: Localized;
  items: Array<{ label: Localized; cell: Cell }>;
}) {
  const { t } = props.page;
  return (
    <table class="data-table">
      <caption>{t(props.caption)}</caption>
      <tbody>
        {props.items.map((item) => (
          <tr>
            <th scope="row">{t(item.label)}</th>
            <td class="number">
              <CellText page={props.page} cell={item.cell} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function InsightsStyles() {
  return <link rel="stylesheet" href="/assets/insights.css" />;
}

function OpenDataForm(props: { page: PageContext; lgCode: string; enabled: boolean; mayChange: boolean }) {
  const { t } = props.page;
  const url = `/api/v1/open-data/insights/${props.lgCode}`;
  return (
    <section aria-labelledby="open-data-heading" class="insights-section">
      <h2 id="open-data-heading">{t({ ja: 'オープンデータ', en: 'Open data' })}</h2>
      <p>
        {props.enabled
          ? t({
              ja: 'この集計（このページと同じ数、10人未満は伏せたもの）をオープンデータとして公開しています。',
              en: 'These figures (the same numbers as this page, fewer than 10 withheld) are published as open data.',
            })
          : t({
              ja: 'この集計をオープンデータとして公開していません。公開すると、だれでも次のURLから同じ数を取得できます。',
              en: 'These figures are not published. Once published, anyone can fetch the same numbers at these addresses.',
            })}
      </p>
      <ul>
        <li>
          JSON: <code>{url}</code>
        </li>
        <li>
          CSV: <code>{`${url}/csv`}</code>
        </li>
      </ul>
      {props.mayChange ? (
        <PostForm page={props.page} action={`/staff/${props.lgCode}/insights/open-data`} class="inline-form">
          <input type="hidden" name="enabled" value={props.enabled ? 'false' : 'true'} />
          <button type="submit" class={props.enabled ? 'button button--secondary' : 'button'}>
            {props.enabled
              ? t({ ja: '公開をやめる', en: 'Stop publishing' })
              : t({ ja: 'オープンデータとして公開する', en: 'Publish as open data' })}
          </button>
        </PostForm>
      ) : (
        <p class="muted">
          {t({ ja: '公開するかどうかは自治体管理者が決めます。', en: 'Administrators decide whether to publish.' })}
        </p>
      )}
    </section>
  );
}

async function governmentPage(c: Context<AppEnv>, area: StaffArea) {
  const page = pageContext(c);
  const { t } = page;
  const lgCode = area.tenant.lgCode;
  const period = periodOf(c);
  const insights = await getGovernmentInsights({ db: c.get('deps').database.db, actor: area.actor, lgCode, period });
  const view = c.req.query('view') === 'municipalities' && insights.municipalities ? 'municipalities' : 'own';
  const report = view === 'municipalities' && insights.municipalities ? insights.municipalities : insights.own;
  const tenant = await getTenant({ db: c.get('deps').database.db, lgCode });
  const base = `/staff/${lgCode}/insights`;
  const query = `?period=${encodeURIComponent(period)}${view === 'municipalities' ? '&view=municipalities' : ''}`;
  const notice = c.req.query('notice');
  return renderPage(
    c,
    <Layout page={page} title={titles.dashboard}>
      <InsightsStyles />
      <StaffNav page={page} area={area} current={base} />
      <h1>
        {t(titles.dashboard)}: {t(report.scope.name)}
      </h1>
      {notice === 'open-data-on' && (
        <Notice kind="success">{t({ ja: 'オープンデータとして公開しました。', en: 'Published as open data.' })}</Notice>
      )}
      {notice === 'open-data-off' && (
        <Notice kind="success">{t({ ja: 'オープンデータの公開をやめました。', en: 'Open data withdrawn.' })}</Notice>
      )}
      {insights.municipalities && (
        <nav aria-label={t({ ja: '集計の対象', en: 'Whose figures' })} class="view-switch">
          <ul class="nav-list">
            <li>
              <a
                href={`${base}?period=${encodeURIComponent(period)}`}
                aria-current={view === 'own' ? 'page' : undefined}
              >
                {t({ ja: `${area.tenant.name}の登録者`, en: `Registrants of ${area.tenant.name}` })}
              </a>
            </li>
            <li>
              <a
                href={`${base}?period=${encodeURIComponent(period)}&view=municipalities`}
                aria-current={view === 'municipalities' ? 'page' : undefined}
              >
                {t({ ja: '域内の参加市区町村（合計）', en: 'Participating municipalities (together)' })}
              </a>
            </li>
          </ul>
        </nav>
      )}
      {view === 'municipalities' && (
        <p>
          {t({
            ja: `域内の参加市区町村（${report.participatingMunicipalities ?? 0}団体）の登録者を合わせた数です。市区町村ごとの数は、それぞれの自治体のものなので表示しません。`,
            en: `Registrants of the prefecture's ${report.participatingMunicipalities ?? 0} participating municipalities together. Figures of each municipality are that municipality's own and are not shown.`,
          })}
        </p>
      )}
      <InsightsDashboard
        page={page}
        report={report}
        action={base}
        downloads={{ csv: `${base}.csv${query}`, json: `${base}.json${query}` }}
        {...(view === 'municipalities' ? { view } : {})}
      />
      {view === 'own' && (
        <OpenDataForm
          page={page}
          lgCode={lgCode}
          enabled={tenant.settings.insights.openData}
          mayChange={mayPublishOpenData(area.actor, lgCode)}
        />
      )}
    </Layout>,
  );
}

async function operatorActor(c: Context<AppEnv>): Promise<Actor> {
  const actor = await resolveSessionActor({
    db: c.get('deps').database.db,
    session: requireSession(c),
    requestId: c.get('requestId'),
  });
  if (actor.kind === 'operator' && actor.secondFactor === false) {
    throw new AppError('second_factor_required');
  }
  if (!mayReadNationalInsights(actor)) throw new AppError('not_found');
  return actor;
}

async function withOperator(c: Context<AppEnv>, handler: (actor: Actor) => Promise<Response>): Promise<Response> {
  let actor: Actor;
  try {
    actor = await operatorActor(c);
  } catch (error) {
    if (error instanceof AppError && error.code === 'second_factor_required') {
      const url = new URL(c.req.url);
      return c.redirect(`/staff/second-factor?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    throw error;
  }
  return handler(actor);
}

async function nationalPage(c: Context<AppEnv>, actor: Actor) {
  const page = pageContext(c);
  const { t } = page;
  const period = periodOf(c);
  const report = await getNationalInsights({ db: c.get('deps').database.db, actor, period });
  const base = '/operator/insights';
  const query = `?period=${encodeURIComponent(period)}`;
  return renderPage(
    c,
    <Layout page={page} title={titles.national}>
      <InsightsStyles />
      <p>
        <a href="/staff">{t({ ja: '職員用ページへ戻る', en: 'Back to the staff area' })}</a>
      </p>
      <h1>{t(titles.national)}</h1>
      <p>
        {t({
          ja: '参加しているすべての自治体の登録を合わせた数です（延べ。都道府県への連携登録は市区町村側で1回だけ数えます）。自治体ごとの数は表示しません。',
          en: 'Registrations of every participating government together (a person counts once per government; prefecture-link registrations once, with the municipality). Figures of single governments are not shown.',
        })}
      </p>
      <InsightsDashboard
        page={page}
        report={report}
        action={base}
        downloads={{ csv: `${base}.csv${query}`, json: `${base}.json${query}` }}
      />
    </Layout>,
  );
}

function jsonDownload(body: unknown, filename: string): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status: 200,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'no-store',
    },
  });
}

export function insightsPages(): AppRouter {
  const router = createRouter();

  router.get('/staff/:lgCode/insights', (c) => withStaffArea(c, (area) => governmentPage(c, area)));

  router.get('/staff/:lgCode/insights.csv', (c) =>
    withStaffArea(c, async (area) => {
      const period = periodOf(c);
      const insights = await getGovernmentInsights({
        db: c.get('deps').database.db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        period,
      });
      const reports =
        c.req.query('view') === 'municipalities' && insights.municipalities
          ? [insights.municipalities]
          : [insights.own, ...(insights.municipalities ? [insights.municipalities] : [])];
      return insightsCsvResponse(insightsCsv(reports, localeOf(c)), csvFilename(area.tenant.lgCode, period));
    }),
  );

  router.get('/staff/:lgCode/insights.json', (c) =>
    withStaffArea(c, async (area) => {
      const period = periodOf(c);
      const insights = await getGovernmentInsights({
        db: c.get('deps').database.db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        period,
      });
      return jsonDownload(governmentJson(insights), `insights-${area.tenant.lgCode}-${period}.json`);
    }),
  );

  router.post('/staff/:lgCode/insights/open-data', (c) =>
    withStaffArea(c, async (area) => {
      const body = await c.req.parseBody();
      const enabled = body.enabled === 'true';
      await setOpenData({ db: c.get('deps').database.db, actor: area.actor, lgCode: area.tenant.lgCode, enabled });
      return c.redirect(
        `/staff/${area.tenant.lgCode}/insights?notice=${enabled ? 'open-data-on' : 'open-data-off'}`,
        303,
      );
    }),
  );

  router.get('/operator/insights', (c) => withOperator(c, (actor) => nationalPage(c, actor)));

  router.get('/operator/insights.csv', (c) =>
    withOperator(c, async (actor) => {
      const period = periodOf(c);
      const report = await getNationalInsights({ db: c.get('deps').database.db, actor, period });
      return insightsCsvResponse(insightsCsv([report], localeOf(c)), csvFilename('national', period));
    }),
  );

  router.get('/operator/insights.json', (c) =>
    withOperator(c, async (actor) => {
      const period = periodOf(c);
      const report = await getNationalInsights({ db: c.get('deps').database.db, actor, period });
      return jsonDownload(reportJson(report), `insights-national-${period}.json`);
    }),
  );

  return router;
}
