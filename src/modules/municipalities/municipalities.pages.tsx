import type { Context } from 'hono';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { AppError } from '../../platform/errors.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import { MunicipalitySearchQuery, searchInputFrom } from './municipalities.routes.js';
import {
  getMunicipality,
  kindLabels,
  listPrefectures,
  localGovernmentKinds,
  searchMunicipalities,
  type LocalGovernment,
} from './municipalities.service.js';

const searchTitle = { ja: '自治体をさがす', en: 'Find a local government' };

const fieldLabels: Record<string, { ja: string; en: string }> = {
  q: { ja: '名前・よみ', en: 'Name or reading' },
  prefecture: { ja: '都道府県', en: 'Prefecture' },
  kind: { ja: '種別', en: 'Kind' },
  participating: { ja: '参加している自治体のみ', en: 'Participating only' },
  page: { ja: 'ページ', en: 'Page' },
  perPage: { ja: '表示件数', en: 'Results per page' },
};

function governmentName(government: LocalGovernment): string {
  return government.kind === 'prefecture' ? government.name : `${government.prefecture.name} ${government.name}`;
}

function ParticipatingBadge(props: { page: PageContext }) {
  return <span class="badge badge--participating">{props.page.t({ ja: '参加中', en: 'Participating' })}</span>;
}

async function searchPage(c: Context<AppEnv>) {
  const page = pageContext(c);
  const { t } = page;
  const db = c.get('deps').database.db;
  // The form's 「すべて」 options send an empty value, which means no filter, not an invalid one.
  const raw = Object.fromEntries(Object.entries(c.req.query()).filter(([, value]) => value !== ''));
  const parsed = MunicipalitySearchQuery.safeParse(raw);
  const prefectures = await listPrefectures({ db });
  const errors = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const field = String(issue.path[0] ?? '');
        return t(fieldLabels[field] ?? { ja: field, en: field });
      });
  const result = parsed.success
    ? await searchMunicipalities({
        db,
        input: searchInputFrom(parsed.data),
      })
    : undefined;

  const pageHref = (target: number) => {
    const params = new URLSearchParams(Object.entries(raw).filter(([key]) => key !== 'page' && key !== 'lang'));
    params.set('page', String(target));
    return `/municipalities?${params.toString()}`;
  };

  return renderPage(
    c,
    <Layout page={page} title={searchTitle}>
      <h1>{t(searchTitle)}</h1>
      <p>
        {t({
          ja: '全国の都道府県・市区町村を、名前やよみがな（先頭の文字）でさがせます。',
          en: 'Search every prefecture and municipality in Japan by the start of its name or reading.',
        })}
      </p>
      <form class="search-form" method="get" action="/municipalities" role="search">
        <div class="field">
          <label for="q">{t(fieldLabels.q!)}</label>
          <span class="hint" id="q-hint">
            {t({ ja: '例: けせんぬま、気仙沼、カミヤマ', en: 'e.g. けせんぬま, 気仙沼, カミヤマ' })}
          </span>
          <input
            type="search"
            id="q"
            name="q"
            value={raw.q ?? ''}
            maxlength={50}
            aria-describedby="q-hint"
            autocomplete="off"
          />
        </div>
        <div class="field">
          <label for="prefecture">{t(fieldLabels.prefecture!)}</label>
          <select id="prefecture" name="prefecture">
            <option value="">{t({ ja: 'すべて', en: 'All' })}</option>
            {prefectures.map((prefecture) => (
              <option value={prefecture.code} selected={raw.prefecture === prefecture.code}>
                {page.locale === 'ja' ? prefecture.name : prefecture.nameEn}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="kind">{t(fieldLabels.kind!)}</label>
          <select id="kind" name="kind">
            <option value="">{t({ ja: 'すべて', en: 'All' })}</option>
            {localGovernmentKinds.map((kind) => (
              <option value={kind} selected={raw.kind === kind}>
                {t(kindLabels[kind])}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label class="checkbox">
            <input type="checkbox" name="participating" value="true" checked={raw.participating === 'true'} />
            {t(fieldLabels.participating!)}
          </label>
        </div>
        <div>
          <button class="button" type="submit">
            {t({ ja: 'さがす', en: 'Search' })}
          </button>
        </div>
      </form>

      {errors.length > 0 && (
        <div role="alert" class="error-list">
          <p>{t({ ja: '次の項目を確認してください。', en: 'Please check the following.' })}</p>
          <ul>
            {errors.map((label) => (
              <li>{label}</li>
            ))}
          </ul>
        </div>
      )}

      {result && (
        <section aria-labelledby="results-heading">
          <h2 id="results-heading">{t({ ja: '検索結果', en: 'Results' })}</h2>
          <p role="status">
            {t({
              ja: `${result.total.toLocaleString('ja-JP')}件（${result.page} / ${result.totalPages}ページ）`,
              en: `${result.total.toLocaleString('en-US')} found (page ${result.page} of ${result.totalPages})`,
            })}
          </p>
          {result.total === 0 ? (
            <p>
              {t({
                ja: '該当する自治体はありません。名前の先頭の文字から入力してください。',
                en: 'No local government matches. Type the start of the name.',
              })}
            </p>
          ) : (
            <ul class="result-list">
              {result.items.map((government) => (
                <li>
                  <a href={`/municipalities/${government.lgCode}`}>{governmentName(government)}</a>
                  {government.participating && <ParticipatingBadge page={page} />}
                  <br />
                  <span class="muted">
                    {government.nameKana}・{t(kindLabels[government.kind])}・{government.lgCode}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <nav class="pager" aria-label={t({ ja: 'ページ送り', en: 'Pagination' })}>
            {result.page > 1 ? (
              <a href={pageHref(result.page - 1)}>{t({ ja: '← 前のページ', en: '← Previous' })}</a>
            ) : (
              <span />
            )}
            {result.page < result.totalPages ? (
              <a href={pageHref(result.page + 1)}>{t({ ja: '次のページ →', en: 'Next →' })}</a>
            ) : (
              <span />
            )}
          </nav>
        </section>
      )}
    </Layout>,
    parsed.success ? 200 : 400,
  );
}

async function detailPage(c: Context<AppEnv>) {
  const lgCode = c.req.param('lgCode') ?? '';
  // A malformed code in a URL is simply a page that does not exist.
  if (!isValidLgCode(lgCode)) throw new AppError('municipality_not_found');
  const page = pageContext(c);
  const { t } = page;
  const government = await getMunicipality({ db: c.get('deps').database.db, lgCode });
  const title = { ja: governmentName(government), en: governmentName(government) };
  return renderPage(
    c,
    <Layout page={page} title={title}>
      <p>
        <a href="/municipalities">{t({ ja: '← 自治体をさがす', en: '← Find a local government' })}</a>
      </p>
      <h1>
        {governmentName(government)}
        {government.participating && <ParticipatingBadge page={page} />}
      </h1>
      <dl class="facts">
        <dt>{t({ ja: 'よみがな', en: 'Reading' })}</dt>
        <dd>{government.nameKana}</dd>
        <dt>{t({ ja: '全国地方公共団体コード', en: 'Local government code' })}</dt>
        <dd>{government.lgCode}</dd>
        <dt>{t({ ja: '種別', en: 'Kind' })}</dt>
        <dd>{t(kindLabels[government.kind])}</dd>
        <dt>{t({ ja: '都道府県', en: 'Prefecture' })}</dt>
        <dd>{page.locale === 'ja' ? government.prefecture.name : government.prefecture.nameEn}</dd>
        <dt>{t({ ja: 'この仕組みへの参加', en: 'On this platform' })}</dt>
        <dd>
          {government.participating
            ? t({
                ja: '参加しています。ふるさと住民として登録できます。',
                en: 'Participating: you can register as a hometown resident.',
              })
            : t({ ja: 'まだ参加していません。', en: 'Not participating yet.' })}
        </dd>
        {government.url && (
          <>
            <dt>{t({ ja: '公式サイト', en: 'Official website' })}</dt>
            <dd>
              <a href={government.url} rel="noopener noreferrer">
                {government.url}
              </a>
            </dd>
          </>
        )}
        {government.location && (
          <>
            <dt>{t({ ja: '役所・役場の位置', en: 'Office location' })}</dt>
            <dd>
              {t({ ja: '緯度', en: 'Latitude' })} {government.location.latitude.toFixed(5)}、
              {t({ ja: '経度', en: 'Longitude' })} {government.location.longitude.toFixed(5)}
            </dd>
          </>
        )}
        {government.parentLgCode && (
          <>
            <dt>{t({ ja: '市', en: 'City' })}</dt>
            <dd>
              <a href={`/municipalities/${government.parentLgCode}`}>{government.parentLgCode}</a>
            </dd>
          </>
        )}
      </dl>
      {government.participating && (
        <p>
          <a class="button" href={`/register/${government.lgCode}`}>
            {t({ ja: 'この自治体にふるさと住民登録をする', en: 'Register with this local government' })}
          </a>
        </p>
      )}
      {government.wards.length > 0 && (
        <section aria-labelledby="wards-heading">
          <h2 id="wards-heading">{t({ ja: '区', en: 'Wards' })}</h2>
          <ul class="result-list">
            {government.wards.map((ward) => (
              <li>
                <a href={`/municipalities/${ward.lgCode}`}>{ward.name}</a>
                <span class="muted"> {ward.nameKana}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </Layout>,
  );
}

export function municipalityPages(): AppRouter {
  const router = createRouter();
  router.get('/municipalities', searchPage);
  router.get('/municipalities/:lgCode', detailPage);
  return router;
}
