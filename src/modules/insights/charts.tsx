import type { Localized } from '../../platform/i18n.js';
import type { PageContext } from '../../platform/ui/layout.js';
import type { Cell } from './figures.js';
import { suppressedLabels } from './insights.csv.js';

/**
 * Server-rendered SVG charts. Each is a `figure` whose SVG has `role="img"`, a title and a description
 * in words (the largest and latest values), and the page puts the same data in a table next to it, so a
 * screen reader, a printout and a cheap phone without JavaScript all get every number. Colours come from
 * classes in insights.css (the strict CSP allows no inline styles).
 */

export function cellLabel(page: PageContext, cell: Cell): string {
  if (cell.value === null) return page.t(suppressedLabels[cell.suppressed ?? 'under_threshold']);
  return cell.value.toLocaleString(page.locale === 'ja' ? 'ja-JP' : 'en-GB');
}

export function CellText(props: { page: PageContext; cell: Cell }) {
  if (props.cell.value === null) {
    return (
      <span class={`suppressed suppressed--${props.cell.suppressed ?? 'under_threshold'}`}>
        {cellLabel(props.page, props.cell)}
      </span>
    );
  }
  return <>{cellLabel(props.page, props.cell)}</>;
}

export function monthLabel(page: PageContext, month: string): string {
  const [year, number] = month.split('-');
  return page.locale === 'ja' ? `${year}年${Number(number)}月` : `${year}-${number}`;
}

function niceMax(value: number): number {
  if (value <= 10) return 10;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

export interface Series {
  label: Localized;
  className: string;
  values: Cell[];
}

/**
 * Columns per category (months), stacked when several series are given (basic under premium). A
 * suppressed value draws no bar and a small mark, since its size is unknown.
 */
export function ColumnChart(props: {
  page: PageContext;
  id: string;
  title: Localized;
  categories: string[];
  categoryLabel: (category: string) => string;
  series: Series[];
  summary: string;
}) {
  const { t } = props.page;
  const width = 720;
  const height = 260;
  const left = 56;
  const bottom = 40;
  const top = 16;
  const plotWidth = width - left - 8;
  const plotHeight = height - top - bottom;
  const totals = props.categories.map((_, index) =>
    props.series.reduce((sum, series) => sum + (series.values[index]?.value ?? 0), 0),
  );
  const max = niceMax(Math.max(0, ...totals));
  const slot = plotWidth / Math.max(1, props.categories.length);
  const barWidth = Math.max(4, slot * 0.6);
  const y = (value: number) => top + plotHeight - (value / max) * plotHeight;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => Math.round(max * share));
  const labelEvery = Math.ceil(props.categories.length / 12);
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby={`${props.id}-title ${props.id}-desc`}
        class="chart__svg"
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={`${props.id}-title`}>{t(props.title)}</title>
        <desc id={`${props.id}-desc`}>{props.summary}</desc>
        {ticks.map((tick) => (
          <g>
            <line x1={left} x2={width - 8} y1={y(tick)} y2={y(tick)} class="chart__grid" />
            <text x={left - 6} y={y(tick) + 4} class="chart__tick" text-anchor="end">
              {tick.toLocaleString()}
            </text>
          </g>
        ))}
        {props.categories.map((category, index) => {
          const x = left + index * slot + (slot - barWidth) / 2;
          let base = 0;
          const suppressed = props.series.some((series) => series.values[index]?.value === null);
          return (
            <g>
              {props.series.map((series) => {
                const value = series.values[index]?.value ?? null;
                if (value === null || value === 0) return null;
                const rect = (
                  <rect
                    x={x}
                    y={y(base + value)}
                    width={barWidth}
                    height={y(base) - y(base + value)}
                    class={series.className}
                  />
                );
                base += value;
                return rect;
              })}
              {suppressed && (
                <text x={x + barWidth / 2} y={y(base) - 4} class="chart__mark" text-anchor="middle">
                  ＊
                </text>
              )}
              {index % labelEvery === 0 && (
                <text x={x + barWidth / 2} y={height - bottom + 16} class="chart__tick" text-anchor="middle">
                  {props.categoryLabel(category)}
                </text>
              )}
            </g>
          );
        })}
        <line x1={left} x2={width - 8} y1={y(0)} y2={y(0)} class="chart__axis" />
      </svg>
      <figcaption>
        {t(props.title)}
        {props.series.length > 1 && (
          <span class="chart__legend">
            {props.series.map((series) => (
              <span class="chart__legend-item">
                <svg width="12" height="12" aria-hidden="true" focusable="false">
                  <rect width="12" height="12" class={series.className} />
                </svg>{' '}
                {t(series.label)}
              </span>
            ))}
          </span>
        )}
        <span class="chart__note">
          {t({
            ja: '＊: 10人未満などのため数を表示していない月',
            en: '＊: a month whose number is withheld (fewer than 10, …)',
          })}
        </span>
      </figcaption>
    </figure>
  );
}

/** Horizontal bars for categories (ties, age bands), the value written at the end of each bar. */
export function BarList(props: {
  page: PageContext;
  id: string;
  title: Localized;
  items: Array<{ label: Localized; cell: Cell }>;
  summary: string;
}) {
  const { t } = props.page;
  const rowHeight = 26;
  const labelWidth = 210;
  const width = 720;
  const height = props.items.length * rowHeight + 8;
  const max = niceMax(Math.max(0, ...props.items.map((item) => item.cell.value ?? 0)));
  const barSpace = width - labelWidth - 110;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby={`${props.id}-title ${props.id}-desc`}
        class="chart__svg"
      >
        <title id={`${props.id}-title`}>{t(props.title)}</title>
        <desc id={`${props.id}-desc`}>{props.summary}</desc>
        {props.items.map((item, index) => {
          const y = index * rowHeight + 4;
          const value = item.cell.value;
          const barLength = value ? (value / max) * barSpace : 0;
          return (
            <g>
              <text x={labelWidth - 8} y={y + 17} class="chart__label" text-anchor="end">
                {t(item.label)}
              </text>
              {barLength > 0 && (
                <rect x={labelWidth} y={y + 4} width={barLength} height={rowHeight - 8} class="chart__bar" />
              )}
              <text x={labelWidth + barLength + 6} y={y + 17} class="chart__value">
                {cellLabel(props.page, item.cell)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>{t(props.title)}</figcaption>
    </figure>
  );
}

/**
 * 47 prefectures as a tile grid (column, row), roughly where they lie: a map that needs no geometry and
 * gives every prefecture the same area, so Tokyo and Tottori are equally visible.
 */
export const prefectureTiles: Record<string, [number, number]> = {
  '01': [12, 0],
  '02': [12, 1],
  '05': [11, 2],
  '03': [12, 2],
  '06': [11, 3],
  '04': [12, 3],
  '17': [8, 4],
  '16': [9, 4],
  '15': [10, 4],
  '07': [11, 4],
  '18': [7, 5],
  '21': [8, 5],
  '20': [9, 5],
  '10': [10, 5],
  '09': [11, 5],
  '08': [12, 5],
  '32': [2, 6],
  '31': [3, 6],
  '28': [4, 6],
  '26': [5, 6],
  '25': [6, 6],
  '24': [7, 6],
  '23': [8, 6],
  '19': [9, 6],
  '11': [10, 6],
  '13': [11, 6],
  '12': [12, 6],
  '35': [1, 7],
  '34': [2, 7],
  '33': [3, 7],
  '27': [4, 7],
  '29': [5, 7],
  '30': [6, 7],
  '22': [9, 7],
  '14': [11, 7],
  '41': [0, 8],
  '40': [1, 8],
  '44': [2, 8],
  '38': [3, 8],
  '37': [4, 8],
  '36': [5, 8],
  '42': [0, 9],
  '43': [1, 9],
  '45': [2, 9],
  '39': [4, 9],
  '46': [1, 10],
  '47': [0, 11],
};

/** Shade classes from light to dark; suppressed and zero tiles have their own. */
const shades = 5;

export function TileMap(props: {
  page: PageContext;
  id: string;
  title: Localized;
  prefectures: Array<{ code: string; name: Localized; count: Cell }>;
  summary: string;
}) {
  const { t } = props.page;
  const size = 52;
  const gap = 3;
  const width = 13 * (size + gap);
  const height = 12 * (size + gap);
  const max = Math.max(0, ...props.prefectures.map((prefecture) => prefecture.count.value ?? 0));
  const shadeOf = (cell: Cell) => {
    if (cell.value === null) return 'tile--suppressed';
    if (cell.value === 0 || max === 0) return 'tile--zero';
    return `tile--${Math.min(shades, Math.ceil((cell.value / max) * shades))}`;
  };
  const bounds = [1, 2, 3, 4, 5].map((step) => Math.ceil((max * step) / shades));
  return (
    <figure class="chart tile-map">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby={`${props.id}-title ${props.id}-desc`}
        class="chart__svg tile-map__svg"
      >
        <title id={`${props.id}-title`}>{t(props.title)}</title>
        <desc id={`${props.id}-desc`}>{props.summary}</desc>
        {props.prefectures.map((prefecture) => {
          const tile = prefectureTiles[prefecture.code];
          if (!tile) return null;
          const [column, row] = tile;
          const x = column * (size + gap);
          const y = row * (size + gap);
          const shade = shadeOf(prefecture.count);
          const dark = shade === 'tile--4' || shade === 'tile--5';
          return (
            <g>
              <rect x={x} y={y} width={size} height={size} rx={4} class={`tile ${shade}`} />
              <text
                x={x + size / 2}
                y={y + 21}
                class={`tile__name${dark ? ' tile__name--dark' : ''}`}
                text-anchor="middle"
              >
                {t(prefecture.name)
                  .replace(/(都|府|県)$/, '')
                  .slice(0, 4)}
              </text>
              <text
                x={x + size / 2}
                y={y + 40}
                class={`tile__value${dark ? ' tile__name--dark' : ''}`}
                text-anchor="middle"
              >
                {prefecture.count.value === null ? '<10' : prefecture.count.value.toLocaleString()}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        {t(props.title)}
        <span class="chart__legend">
          <span class="chart__legend-item">
            <svg width="12" height="12" aria-hidden="true" focusable="false">
              <rect width="12" height="12" class="tile tile--zero" />
            </svg>{' '}
            0
          </span>
          {bounds.map((bound, index) => (
            <span class="chart__legend-item">
              <svg width="12" height="12" aria-hidden="true" focusable="false">
                <rect width="12" height="12" class={`tile tile--${index + 1}`} />
              </svg>{' '}
              {t({ ja: `${bound.toLocaleString()}人まで`, en: `up to ${bound.toLocaleString()}` })}
            </span>
          ))}
          <span class="chart__legend-item">
            <svg width="12" height="12" aria-hidden="true" focusable="false">
              <rect width="12" height="12" class="tile tile--suppressed" />
            </svg>{' '}
            {t({ ja: '10人未満・秘匿', en: 'Fewer than 10 or withheld' })}
          </span>
        </span>
      </figcaption>
    </figure>
  );
}
