import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError, parseInput, problemCatalog } from '../../platform/errors.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import { listPrefectures, mayUpdateTenantSettings, type SurveyQuestion } from '../municipalities/index.js';
import { auditActionLabels, staffAreaLinks, StaffNav, withStaffArea, type StaffArea } from '../staff/index.js';
import { mayManageRegistrations } from './registrations.service.js';
import {
  addSurveyQuestion,
  ageBandLabels,
  applicationStatusLabels,
  decideTenantPremiumApplication,
  endReasonLabels,
  exportTenantRegistrations,
  getRegistrationRules,
  getTenantRegistration,
  listPremiumApplications,
  listTenantRegistrations,
  maxSurveyQuestions,
  originLabels,
  RegistrationListQuery,
  RegistrationRulesInput,
  removeSurveyQuestion,
  statusLabels,
  SurveyQuestionInput,
  tierLabels,
  updateRegistrationRules,
  type QueueItem,
  type Residence,
} from './staff-registrations.service.js';
import { csvResponse } from './staff-registrations.routes.js';
import { relationshipTieLabels, relationshipTies } from './survey.js';

const titles = {
  registrants: { ja: '登録者', en: 'Registrants' },
  registrant: { ja: '登録者の詳細', en: 'Registrant' },
  queue: { ja: 'プレミアム登録の審査', en: 'Premium applications' },
  rules: { ja: '登録のルール', en: 'Registration rules' },
} satisfies Record<string, Localized>;

staffAreaLinks.push(
  { path: '/registrations', label: titles.registrants, show: mayManageRegistrations },
  { path: '/premium-applications', label: titles.queue, show: mayManageRegistrations },
  { path: '/registration-settings', label: titles.rules, show: mayUpdateTenantSettings },
);

Object.assign(auditActionLabels, {
  'registration.created': { ja: '登録', en: 'Registered' },
  'registration.withdrawn': { ja: '退会', en: 'Withdrawn' },
  'registration.released': { ja: '登録解除', en: 'Released' },
  'premium.applied': { ja: 'プレミアム登録の申請', en: 'Premium applied for' },
  'premium.approved': { ja: 'プレミアム登録の承認', en: 'Premium approved' },
  'premium.rejected': { ja: 'プレミアム登録の却下', en: 'Premium rejected' },
  'registrations.exported': { ja: '登録者のCSV出力', en: 'Registrants exported (CSV)' },
} satisfies Record<string, Localized>);

const actorKindLabels: Record<string, Localized> = {
  person: { ja: '登録者本人', en: 'The registrant' },
  staff: { ja: '職員', en: 'Staff' },
  operator: { ja: '運営者', en: 'Operator' },
  system: { ja: 'システム', en: 'System' },
};

const filterLabels: Record<string, Localized> = {
  q: { ja: '氏名・メールアドレス（先頭から）', en: 'Name or e-mail (start)' },
  tier: { ja: '区分', en: 'Tier' },
  status: { ja: '状態', en: 'Status' },
  prefecture: { ja: '居住都道府県', en: 'Prefecture of residence' },
  tie: { ja: '関係', en: 'Relationship' },
  ownResidence: { ja: '住所地の登録', en: 'Registrations where the person lives' },
};

const ownResidenceLabels: Record<'include' | 'exclude' | 'only', Localized> = {
  include: { ja: '含める', en: 'Include' },
  exclude: { ja: '除く', en: 'Leave out' },
  only: { ja: '住所地のみ', en: 'Only those' },
};

function deps(c: Context<AppEnv>) {
  return { db: c.get('deps').database.db };
}

/** Registrants are personal data: for anyone but the government's administrators and staff, not found. */
function authorizeRegistrants(area: StaffArea): void {
  if (!mayManageRegistrations(area.actor, area.tenant.lgCode)) throw new AppError('not_found');
}

function authorizeRules(area: StaffArea): void {
  if (!mayUpdateTenantSettings(area.actor, area.tenant.lgCode)) throw new AppError('forbidden');
}

/** Pages that show registrants are not kept by the browser or a proxy (shared office PCs). */
function personalPage(c: Context<AppEnv>, element: unknown, status: ContentfulStatusCode = 200) {
  c.header('Cache-Control', 'no-store');
  return renderPage(c, element, status);
}

function errorText(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  const detail = page.t(error.detail ?? { ja: entry.ja.detail, en: entry.en.detail });
  const fields = error.fieldErrors.map((field) => `${field.field}: ${field.message}`);
  return fields.length > 0 && !error.detail ? `${detail} (${fields.join(', ')})` : detail;
}

function dateTimeFormat(page: PageContext) {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Tokyo',
  });
}

function dateFormat(page: PageContext) {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeZone: 'Asia/Tokyo',
  });
}

function residenceText(page: PageContext, residence: Residence): string {
  const parts = [residence.prefectureName ? page.t(residence.prefectureName) : '', residence.municipalityName ?? ''];
  const text = parts.filter(Boolean).join(' ');
  return text || page.t({ ja: '不明', en: 'Unknown' });
}

function nameText(page: PageContext, name: string | null): string {
  return name ?? page.t({ ja: '（氏名の共有なし）', en: '(no name shared)' });
}

/** The query without empty values: a form's 「すべて」 option means no filter, not an invalid one. */
function filledQuery(c: Context<AppEnv>): Record<string, string> {
  return Object.fromEntries(Object.entries(c.req.query()).filter(([key, value]) => value !== '' && key !== 'lang'));
}

function formString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
}

async function listPage(c: Context<AppEnv>, area: StaffArea) {
  const page = pageContext(c);
  const { t } = page;
  const { db } = deps(c);
  const lgCode = area.tenant.lgCode;
  const base = `/staff/${lgCode}`;
  const { cursor, ...raw } = filledQuery(c);
  const parsed = RegistrationListQuery.safeParse(raw);
  const errors = parsed.success
    ? []
    : [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '')))].map((field) =>
        t(filterLabels[field] ?? { ja: field, en: field }),
      );
  const prefectures = await listPrefectures({ db });
  const result = parsed.success
    ? await listTenantRegistrations({
        db,
        actor: area.actor,
        lgCode,
        query: parsed.data,
        limit: 50,
        ...(cursor ? { cursor } : {}),
      })
    : undefined;
  const filterParams = new URLSearchParams(raw).toString();
  const withParams = (path: string, extra: Record<string, string> = {}) => {
    const params = new URLSearchParams({ ...raw, ...extra }).toString();
    return params ? `${path}?${params}` : path;
  };
  const format = dateFormat(page);
  const counts = result?.counts;
  return personalPage(
    c,
    <Layout page={page} title={titles.registrants}>
      <StaffNav page={page} area={area} current={`${base}/registrations`} />
      <h1>{t(titles.registrants)}</h1>
      {counts && (
        <p>
          {t({
            ja: `登録中 ${counts.active.total}人（ベーシック ${counts.active.basic}人・プレミアム ${counts.active.premium}人、うち住所地 ${counts.active.ownResidence}人）／退会 ${counts.withdrawn}人／登録解除 ${counts.released}人`,
            en: `Active ${counts.active.total} (basic ${counts.active.basic}, premium ${counts.active.premium}; ${counts.active.ownResidence} where they live) / withdrawn ${counts.withdrawn} / released ${counts.released}`,
          })}
        </p>
      )}
      <form class="search-form" method="get" action={`${base}/registrations`} role="search">
        <div class="field">
          <label for="q">{t(filterLabels.q!)}</label>
          <input type="search" id="q" name="q" value={raw.q ?? ''} maxlength={100} autocomplete="off" />
        </div>
        <div class="field">
          <label for="tier">{t(filterLabels.tier!)}</label>
          <select id="tier" name="tier">
            <option value="">{t({ ja: 'すべて', en: 'All' })}</option>
            {(['basic', 'premium'] as const).map((tier) => (
              <option value={tier} selected={raw.tier === tier}>
                {t(tierLabels[tier])}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="status">{t(filterLabels.status!)}</label>
          <select id="status" name="status">
            {(['active', 'withdrawn', 'released'] as const).map((status) => (
              <option value={status} selected={(raw.status ?? 'active') === status}>
                {t(statusLabels[status])}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="prefecture">{t(filterLabels.prefecture!)}</label>
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
          <label for="tie">{t(filterLabels.tie!)}</label>
          <select id="tie" name="tie">
            <option value="">{t({ ja: 'すべて', en: 'All' })}</option>
            {relationshipTies.map((tie) => (
              <option value={tie} selected={raw.tie === tie}>
                {t(relationshipTieLabels[tie])}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="ownResidence">{t(filterLabels.ownResidence!)}</label>
          <select id="ownResidence" name="ownResidence">
            {(['include', 'exclude', 'only'] as const).map((choice) => (
              <option value={choice} selected={(raw.ownResidence ?? 'include') === choice}>
                {t(ownResidenceLabels[choice])}
              </option>
            ))}
          </select>
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
          <h2 id="results-heading">{t({ ja: `該当 ${result.total}件`, en: `${result.total} matching` })}</h2>
          <p>
            <a href={`${base}/registrations.csv${filterParams ? `?${filterParams}` : ''}`}>
              {t({ ja: 'この条件でCSVをダウンロード（Excel用）', en: 'Download these as CSV (for Excel)' })}
            </a>{' '}
            <span class="muted">
              {t({
                ja: 'ダウンロードは操作の記録（監査ログ）に残ります。',
                en: 'Downloads are recorded in the audit trail.',
              })}
            </span>
          </p>
          {result.items.length === 0 ? (
            <p>{t({ ja: '該当する登録者はいません。', en: 'No registrants match.' })}</p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">{t({ ja: '氏名', en: 'Name' })}</th>
                  <th scope="col">{t({ ja: '区分', en: 'Tier' })}</th>
                  <th scope="col">{t({ ja: '年代', en: 'Age' })}</th>
                  <th scope="col">{t({ ja: '居住地', en: 'Lives in' })}</th>
                  <th scope="col">{t({ ja: '本人確認', en: 'Verified' })}</th>
                  <th scope="col">{t({ ja: '登録日', en: 'Registered' })}</th>
                </tr>
              </thead>
              <tbody>
                {result.items.map((item) => (
                  <tr>
                    <td>
                      <a href={`${base}/registrations/${item.id}`}>{nameText(page, item.sharedName)}</a>
                      {item.ownResidence && <span class="badge">{t({ ja: '住所地', en: 'Lives here' })}</span>}
                      {item.longStay && <span class="badge">{t({ ja: '長期滞在', en: 'Long stay' })}</span>}
                    </td>
                    <td>{t(tierLabels[item.tier])}</td>
                    <td>{item.ageBand ? t(ageBandLabels[item.ageBand]) : '—'}</td>
                    <td>{residenceText(page, item.residence)}</td>
                    <td>{item.identityVerified ? t({ ja: '済', en: 'Yes' }) : t({ ja: '未', en: 'No' })}</td>
                    <td>{format.format(item.registeredAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p class="pager">
            {cursor && (
              <a href={withParams(`${base}/registrations`)}>{t({ ja: '最初のページへ', en: 'First page' })}</a>
            )}{' '}
            {result.nextCursor && (
              <a href={withParams(`${base}/registrations`, { cursor: result.nextCursor })}>
                {t({ ja: '次のページへ', en: 'Next page' })}
              </a>
            )}
          </p>
        </section>
      )}
    </Layout>,
    errors.length > 0 ? 400 : 200,
  );
}

function JudgementText(props: { page: PageContext; item: { judgement: QueueItem['judgement'] } }) {
  const { t } = props.page;
  if (!props.item.judgement)
    return <span class="muted">{t({ ja: '判定の記録なし', en: 'No judgement recorded' })}</span>;
  return (
    <>
      {t(props.item.judgement.explanation)}
      {props.item.judgement.longStay && <span class="badge">{t({ ja: '長期滞在', en: 'Long stay' })}</span>}
    </>
  );
}

async function detailPage(c: Context<AppEnv>, area: StaffArea) {
  const page = pageContext(c);
  const { t } = page;
  const lgCode = area.tenant.lgCode;
  const base = `/staff/${lgCode}`;
  const detail = await getTenantRegistration({
    db: deps(c).db,
    actor: area.actor,
    lgCode,
    registrationId: c.req.param('id') ?? '',
  });
  const format = dateTimeFormat(page);
  const day = dateFormat(page);
  const none = '—';
  return personalPage(
    c,
    <Layout page={page} title={titles.registrant}>
      <StaffNav page={page} area={area} current={`${base}/registrations`} />
      <p>
        <a href={`${base}/registrations`}>{t({ ja: '登録者の一覧へ', en: 'Back to the registrants' })}</a>
      </p>
      <h1>{nameText(page, detail.sharedName)}</h1>

      <section aria-labelledby="registration-heading">
        <h2 id="registration-heading">{t({ ja: '登録', en: 'Registration' })}</h2>
        <dl class="facts">
          <dt>{t({ ja: '区分', en: 'Tier' })}</dt>
          <dd>{t(tierLabels[detail.tier])}</dd>
          <dt>{t({ ja: '状態', en: 'Status' })}</dt>
          <dd>
            {t(statusLabels[detail.status])}
            {detail.endedAt && ` (${format.format(detail.endedAt)})`}
            {detail.endReason && ` ${t(endReasonLabels[detail.endReason])}`}
          </dd>
          <dt>{t({ ja: 'プレミアム有効期限', en: 'Premium valid until' })}</dt>
          <dd>{detail.premiumValidUntil ? day.format(detail.premiumValidUntil) : none}</dd>
          <dt>{t({ ja: '長期滞在', en: 'Long stay' })}</dt>
          <dd>{detail.longStay ? t({ ja: 'あり', en: 'Yes' }) : t({ ja: 'なし', en: 'No' })}</dd>
          <dt>{t({ ja: '住所地（お住まいの自治体）', en: 'Lives here (住所地)' })}</dt>
          <dd>
            {detail.ownResidence
              ? t({
                  ja: 'はい（関係人口には数えません）',
                  en: 'Yes (not counted as related population)',
                })
              : t({ ja: 'いいえ', en: 'No' })}
          </dd>
          <dt>{t({ ja: '登録の経緯', en: 'How registered' })}</dt>
          <dd>{t(originLabels[detail.origin])}</dd>
          <dt>{t({ ja: '登録日', en: 'Registered' })}</dt>
          <dd>{format.format(detail.registeredAt)}</dd>
        </dl>
      </section>

      <section aria-labelledby="shared-heading">
        <h2 id="shared-heading">{t({ ja: '共有されている情報', en: 'What the person shares' })}</h2>
        <dl class="facts">
          <dt>{t({ ja: '氏名', en: 'Name' })}</dt>
          <dd>{detail.sharedName ?? none}</dd>
          <dt>{t({ ja: 'メールアドレス', en: 'E-mail' })}</dt>
          <dd>{detail.contactEmail ?? none}</dd>
          <dt>{t({ ja: '年代', en: 'Age' })}</dt>
          <dd>{detail.ageBand ? t(ageBandLabels[detail.ageBand]) : none}</dd>
          <dt>{t({ ja: '居住地', en: 'Lives in' })}</dt>
          <dd>{residenceText(page, detail.residence)}</dd>
          <dt>{t({ ja: '本人確認', en: 'Identity' })}</dt>
          <dd>
            {detail.identityVerified
              ? t({ ja: 'マイナンバーカードで確認済み', en: 'Verified with the My Number card' })
              : t({ ja: '未確認', en: 'Not verified' })}
          </dd>
        </dl>
      </section>

      <section aria-labelledby="survey-heading">
        <h2 id="survey-heading">{t({ ja: 'アンケートの回答', en: 'Survey answers' })}</h2>
        <dl class="facts">
          <dt>{t({ ja: 'このまちとの関係', en: 'Relationship with the place' })}</dt>
          <dd>
            {detail.survey.ties.length === 0 ? (
              none
            ) : (
              <ul>
                {detail.survey.ties.map((tie) => (
                  <li>{t(tie.label)}</li>
                ))}
              </ul>
            )}
          </dd>
          {detail.survey.note && (
            <>
              <dt>{t({ ja: '「その他」の内容', en: '“Other”' })}</dt>
              <dd>{detail.survey.note}</dd>
            </>
          )}
          {detail.survey.answers.map((answer) => (
            <>
              <dt>
                {answer.label
                  ? page.locale === 'en' && answer.label.en
                    ? answer.label.en
                    : answer.label.ja
                  : t({
                      ja: `（削除された設問 ${answer.questionId}）`,
                      en: `(removed question ${answer.questionId})`,
                    })}
              </dt>
              <dd>{answer.answer}</dd>
            </>
          ))}
        </dl>
      </section>

      <section aria-labelledby="applications-heading">
        <h2 id="applications-heading">{t({ ja: 'プレミアム登録の申請', en: 'Premium applications' })}</h2>
        {detail.applications.length === 0 ? (
          <p>{t({ ja: '申請はありません。', en: 'None.' })}</p>
        ) : (
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{t({ ja: '申請日時', en: 'Applied' })}</th>
                <th scope="col">{t({ ja: '状態', en: 'Status' })}</th>
                <th scope="col">{t({ ja: '要件の判定', en: 'Requirement' })}</th>
                <th scope="col">{t({ ja: '決定日時', en: 'Decided' })}</th>
                <th scope="col">{t({ ja: '理由', en: 'Reason' })}</th>
              </tr>
            </thead>
            <tbody>
              {detail.applications.map((application) => (
                <tr>
                  <td>{format.format(application.appliedAt)}</td>
                  <td>{t(applicationStatusLabels[application.status])}</td>
                  <td>
                    <JudgementText page={page} item={application} />
                  </td>
                  <td>{application.decidedAt ? format.format(application.decidedAt) : none}</td>
                  <td>{application.reason ?? none}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {detail.applications.some((application) => application.status === 'pending') && (
          <p>
            <a href={`${base}/premium-applications`}>{t({ ja: '審査の画面へ', en: 'Go to the queue' })}</a>
          </p>
        )}
      </section>

      <section aria-labelledby="history-heading">
        <h2 id="history-heading">{t({ ja: '履歴', en: 'History' })}</h2>
        <table class="data">
          <thead>
            <tr>
              <th scope="col">{t({ ja: '日時', en: 'Time' })}</th>
              <th scope="col">{t({ ja: '操作', en: 'Action' })}</th>
              <th scope="col">{t({ ja: '実行者', en: 'By' })}</th>
            </tr>
          </thead>
          <tbody>
            {detail.history.map((entry) => {
              const label = auditActionLabels[entry.action];
              const actor = actorKindLabels[entry.actorKind];
              return (
                <tr>
                  <td>{format.format(entry.occurredAt)}</td>
                  <td>{label ? t(label) : <code>{entry.action}</code>}</td>
                  <td>{actor ? t(actor) : entry.actorKind}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </Layout>,
  );
}

const queueNotices: Record<string, Localized> = {
  approved: { ja: '承認しました。本人にメールで知らせます。', en: 'Approved. The person is told by mail.' },
  rejected: {
    ja: '却下しました。理由を本人にメールで知らせます。',
    en: 'Rejected. The person gets the reason by mail.',
  },
};

const modeLabels: Record<'manual' | 'automatic', Localized> = {
  manual: { ja: '職員が審査する', en: 'Staff decide' },
  automatic: { ja: 'システムが自動で判定する', en: 'The system decides automatically' },
};

const windowLabels: Record<'rolling_12_months' | 'fiscal_year', Localized> = {
  rolling_12_months: { ja: '直近12か月', en: 'Last 12 months' },
  fiscal_year: { ja: '年度（4月〜3月）', en: 'Fiscal year (April–March)' },
};

function pageNumber(value: string | undefined): number {
  const number = Number(value);
  return Number.isInteger(number) && number >= 1 && number <= 10_000 ? number : 1;
}

async function queuePage(
  c: Context<AppEnv>,
  area: StaffArea,
  options: { error?: AppError; failedId?: string; reason?: string } = {},
) {
  const page = pageContext(c);
  const { t } = page;
  const { db } = deps(c);
  const lgCode = area.tenant.lgCode;
  const base = `/staff/${lgCode}`;
  const pendingPage = pageNumber(c.req.query('page'));
  const decidedPage = pageNumber(c.req.query('decidedPage'));
  const [pending, decided, rules] = [
    await listPremiumApplications({ db, actor: area.actor, lgCode, which: 'pending', page: pendingPage, perPage: 20 }),
    await listPremiumApplications({ db, actor: area.actor, lgCode, which: 'decided', page: decidedPage, perPage: 20 }),
    await getRegistrationRules({ db, actor: area.actor, lgCode }),
  ];
  const format = dateTimeFormat(page);
  const notice = queueNotices[c.req.query('notice') ?? ''];
  const here = (params: Record<string, number>) =>
    `${base}/premium-applications?${new URLSearchParams(
      Object.entries({ page: pendingPage, decidedPage, ...params }).map(([key, value]) => [key, String(value)]),
    ).toString()}`;
  return personalPage(
    c,
    <Layout page={page} title={titles.queue}>
      <StaffNav page={page} area={area} current={`${base}/premium-applications`} />
      <h1>{t(titles.queue)}</h1>
      <p>
        {t({
          ja: `審査の方法: ${modeLabels[rules.premiumMode].ja}。要件: ${windowLabels[rules.premiumWindow].ja}に指定の担い手活動 ${rules.premiumMinActivities}回以上。承認すると、プレミアム登録が1年間有効になります。`,
          en: `Decided by: ${modeLabels[rules.premiumMode].en}. Requirement: ${rules.premiumMinActivities} or more designated activities in the ${windowLabels[rules.premiumWindow].en.toLowerCase()}. Approval makes the registration premium for one year.`,
        })}
      </p>
      {notice && <Notice kind="success">{t(notice)}</Notice>}
      {options.error && <Notice kind="error">{errorText(page, options.error)}</Notice>}

      <section aria-labelledby="pending-heading">
        <h2 id="pending-heading">{t({ ja: `審査待ち（${pending.total}件）`, en: `Pending (${pending.total})` })}</h2>
        {pending.items.length === 0 && (
          <p>{t({ ja: '審査待ちの申請はありません。', en: 'No pending applications.' })}</p>
        )}
        {pending.items.map((item) => (
          <article aria-labelledby={`application-${item.id}`}>
            <h3 id={`application-${item.id}`}>
              <a href={`${base}/registrations/${item.registrationId}`}>{nameText(page, item.registrant.sharedName)}</a>
            </h3>
            <dl class="facts">
              <dt>{t({ ja: '申請日時', en: 'Applied' })}</dt>
              <dd>
                {format.format(item.appliedAt)}
                {item.kind === 'renewal' && <span class="badge">{t({ ja: '更新', en: 'Renewal' })}</span>}
              </dd>
              <dt>{t({ ja: '要件の判定（申請時）', en: 'Requirement (when applying)' })}</dt>
              <dd>
                <JudgementText page={page} item={item} />
              </dd>
              <dt>{t({ ja: '年代・居住地', en: 'Age, lives in' })}</dt>
              <dd>
                {item.registrant.ageBand ? t(ageBandLabels[item.registrant.ageBand]) : '—'}
                {' / '}
                {residenceText(page, item.registrant.residence)}
              </dd>
              <dt>{t({ ja: '本人確認', en: 'Identity' })}</dt>
              <dd>
                {item.registrant.identityVerified
                  ? t({ ja: 'マイナンバーカードで確認済み', en: 'Verified with the My Number card' })
                  : t({ ja: '未確認', en: 'Not verified' })}
              </dd>
            </dl>
            <h4>{t({ ja: 'この申請の審査', en: 'Decide this application' })}</h4>
            <div class="form-stack">
              <PostForm page={page} action={`${base}/premium-applications/${item.id}/decision`}>
                <input type="hidden" name="decision" value="approve" />
                <button type="submit" class="button">
                  {t({ ja: '承認する', en: 'Approve' })}
                </button>
              </PostForm>
              <PostForm page={page} action={`${base}/premium-applications/${item.id}/decision`} class="form-stack">
                <input type="hidden" name="decision" value="reject" />
                <div class="field">
                  <label for={`reason-${item.id}`}>
                    {t({ ja: '却下の理由（本人に届きます）', en: 'Reason to reject (sent to the person)' })}
                  </label>
                  <textarea id={`reason-${item.id}`} name="reason" rows={2} maxlength={1000} required>
                    {options.failedId === item.id ? (options.reason ?? '') : ''}
                  </textarea>
                </div>
                <div>
                  <button type="submit" class="button button--secondary">
                    {t({ ja: '却下する', en: 'Reject' })}
                  </button>
                </div>
              </PostForm>
            </div>
          </article>
        ))}
        <p class="pager">
          {pendingPage > 1 && <a href={here({ page: pendingPage - 1 })}>{t({ ja: '前へ', en: 'Previous' })}</a>}{' '}
          {pendingPage < pending.totalPages && (
            <a href={here({ page: pendingPage + 1 })}>{t({ ja: '次へ', en: 'Next' })}</a>
          )}
        </p>
      </section>

      <section aria-labelledby="decided-heading">
        <h2 id="decided-heading">{t({ ja: `審査済み（${decided.total}件）`, en: `Decided (${decided.total})` })}</h2>
        {decided.items.length === 0 ? (
          <p>{t({ ja: 'まだありません。', en: 'None yet.' })}</p>
        ) : (
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{t({ ja: '決定日時', en: 'Decided' })}</th>
                <th scope="col">{t({ ja: '氏名', en: 'Name' })}</th>
                <th scope="col">{t({ ja: '結果', en: 'Result' })}</th>
                <th scope="col">{t({ ja: '決定', en: 'By' })}</th>
                <th scope="col">{t({ ja: '理由', en: 'Reason' })}</th>
              </tr>
            </thead>
            <tbody>
              {decided.items.map((item) => (
                <tr>
                  <td>{item.decidedAt ? format.format(item.decidedAt) : '—'}</td>
                  <td>
                    <a href={`${base}/registrations/${item.registrationId}`}>
                      {nameText(page, item.registrant.sharedName)}
                    </a>
                  </td>
                  <td>{t(applicationStatusLabels[item.status])}</td>
                  <td>
                    {item.decidedBy === 'system' ? t({ ja: 'システム', en: 'System' }) : t({ ja: '職員', en: 'Staff' })}
                  </td>
                  <td>{item.reason ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="pager">
          {decidedPage > 1 && <a href={here({ decidedPage: decidedPage - 1 })}>{t({ ja: '前へ', en: 'Previous' })}</a>}{' '}
          {decidedPage < decided.totalPages && (
            <a href={here({ decidedPage: decidedPage + 1 })}>{t({ ja: '次へ', en: 'Next' })}</a>
          )}
        </p>
      </section>
    </Layout>,
    options.error ? (options.error.status as ContentfulStatusCode) : 200,
  );
}

/** Refusals staff can read and act on are shown on the queue; others (not found, …) are error pages. */
const queueErrors = new Set<string>([
  'validation_failed',
  'premium_application_decided',
  'premium_limit_reached',
  'premium_requires_verification',
  'premium_requires_guardian_consent',
  'premium_not_at_residence',
  'registration_not_found',
]);

async function decide(c: Context<AppEnv>, area: StaffArea) {
  const body = await c.req.parseBody();
  const applicationId = c.req.param('applicationId') ?? '';
  const decision = formString(body, 'decision');
  const reason = formString(body, 'reason');
  const lgCode = area.tenant.lgCode;
  try {
    await decideTenantPremiumApplication({
      db: deps(c).db,
      actor: area.actor,
      lgCode,
      applicationId,
      input:
        decision === 'reject'
          ? { decision: 'reject', reason }
          : decision === 'approve'
            ? { decision: 'approve', ...(reason ? { reason } : {}) }
            : { decision: 'reject', reason: '' },
    });
  } catch (error) {
    if (error instanceof AppError && queueErrors.has(error.code)) {
      const shown =
        error.code === 'validation_failed'
          ? new AppError('validation_failed', {
              detail: { ja: '却下するときは理由を書いてください。', en: 'Please give a reason to reject.' },
            })
          : error;
      return queuePage(c, area, { error: shown, failedId: applicationId, reason });
    }
    throw error;
  }
  return c.redirect(
    `/staff/${lgCode}/premium-applications?notice=${decision === 'approve' ? 'approved' : 'rejected'}`,
    303,
  );
}

interface RulesForm {
  premiumMode: string;
  premiumMinActivities: string;
  premiumWindow: string;
  longStayDays: string;
  inactivityMonths: string;
}

interface QuestionForm {
  id: string;
  labelJa: string;
  labelEn: string;
  kind: string;
  choices: string;
  required: boolean;
}

const ruleFieldLabels: Record<string, Localized> = {
  premiumMode: { ja: 'プレミアム登録の審査', en: 'Premium decisions' },
  premiumMinActivities: { ja: '必要な担い手活動の回数', en: 'Designated activities needed' },
  premiumWindow: { ja: '回数を数える期間', en: 'Counted over' },
  longStayDays: { ja: '長期滞在とする日数（年間）', en: 'Days a year for the long-stay mark' },
  inactivityMonths: { ja: '継続の確認までの期間（月）', en: 'Months without access before asking' },
  id: { ja: '設問ID', en: 'Question id' },
  label: { ja: '設問文', en: 'Question' },
  kind: { ja: '回答の形式', en: 'Answer kind' },
  choices: { ja: '選択肢', en: 'Choices' },
};

function fieldNames(error: AppError, page: PageContext): string[] {
  return [...new Set(error.fieldErrors.map((field) => field.field.split('.')[0] ?? field.field))].map((field) =>
    page.t(ruleFieldLabels[field] ?? { ja: field, en: field }),
  );
}

async function rulesPage(
  c: Context<AppEnv>,
  area: StaffArea,
  options: { rules?: RulesForm; question?: QuestionForm; error?: AppError; errorIn?: 'rules' | 'question' } = {},
) {
  const page = pageContext(c);
  const { t } = page;
  const lgCode = area.tenant.lgCode;
  const base = `/staff/${lgCode}`;
  const current = await getRegistrationRules({ db: deps(c).db, actor: area.actor, lgCode });
  const rules: RulesForm = options.rules ?? {
    premiumMode: current.premiumMode,
    premiumMinActivities: String(current.premiumMinActivities),
    premiumWindow: current.premiumWindow,
    longStayDays: String(current.longStayDays),
    inactivityMonths: String(current.inactivityMonths),
  };
  const question: QuestionForm = options.question ?? {
    id: '',
    labelJa: '',
    labelEn: '',
    kind: 'text',
    choices: '',
    required: false,
  };
  const notice = c.req.query('notice');
  const errorBlock = (where: 'rules' | 'question') =>
    options.error && options.errorIn === where ? (
      <Notice kind="error">
        {errorText(page, options.error)}
        {fieldNames(options.error, page).length > 0 && ` ${fieldNames(options.error, page).join('、')}`}
      </Notice>
    ) : null;
  return renderPage(
    c,
    <Layout page={page} title={titles.rules}>
      <StaffNav page={page} area={area} current={`${base}/registration-settings`} />
      <h1>{t(titles.rules)}</h1>
      <p>
        {t({
          ja: '国の基準（年3回以上の担い手活動、長期滞在は年10日以上）をもとに、この自治体のルールを決めます。',
          en: 'Set this government’s rules on the national base (3 or more activities a year; long stay: 10 days a year).',
        })}
      </p>
      {notice === 'saved' && <Notice kind="success">{t({ ja: '保存しました。', en: 'Saved.' })}</Notice>}

      <section aria-labelledby="rules-heading">
        <h2 id="rules-heading">{t({ ja: 'プレミアム登録と継続の確認', en: 'Premium and inactivity' })}</h2>
        {errorBlock('rules')}
        <PostForm page={page} action={`${base}/registration-settings`} class="form-stack">
          <fieldset class="field">
            <legend>{t(ruleFieldLabels.premiumMode!)}</legend>
            {(['manual', 'automatic'] as const).map((mode) => (
              <label class="checkbox">
                <input type="radio" name="premiumMode" value={mode} checked={rules.premiumMode === mode} />
                {t(modeLabels[mode])}
              </label>
            ))}
          </fieldset>
          <div class="field">
            <label for="premiumMinActivities">{t(ruleFieldLabels.premiumMinActivities!)}</label>
            <span class="hint" id="premiumMinActivities-hint">
              {t({
                ja: '1〜100回。連続した複数日の活動は日数分と数えます。',
                en: '1–100. A continuous multi-day activity counts once per day.',
              })}
            </span>
            <input
              type="number"
              id="premiumMinActivities"
              name="premiumMinActivities"
              min={1}
              max={100}
              required
              value={rules.premiumMinActivities}
              aria-describedby="premiumMinActivities-hint"
            />
          </div>
          <fieldset class="field">
            <legend>{t(ruleFieldLabels.premiumWindow!)}</legend>
            {(['rolling_12_months', 'fiscal_year'] as const).map((window) => (
              <label class="checkbox">
                <input type="radio" name="premiumWindow" value={window} checked={rules.premiumWindow === window} />
                {t(windowLabels[window])}
              </label>
            ))}
          </fieldset>
          <div class="field">
            <label for="longStayDays">{t(ruleFieldLabels.longStayDays!)}</label>
            <span class="hint" id="longStayDays-hint">
              {t({ ja: '1〜366日。登録証に長期滞在と表示されます。', en: '1–366. Shown on the registration card.' })}
            </span>
            <input
              type="number"
              id="longStayDays"
              name="longStayDays"
              min={1}
              max={366}
              required
              value={rules.longStayDays}
              aria-describedby="longStayDays-hint"
            />
          </div>
          <div class="field">
            <label for="inactivityMonths">{t(ruleFieldLabels.inactivityMonths!)}</label>
            <span class="hint" id="inactivityMonths-hint">
              {t({
                ja: '6〜120か月。この期間利用のないベーシック登録者に、登録を続けるか確認します。',
                en: '6–120. Basic registrants without access this long are asked whether to stay.',
              })}
            </span>
            <input
              type="number"
              id="inactivityMonths"
              name="inactivityMonths"
              min={6}
              max={120}
              required
              value={rules.inactivityMonths}
              aria-describedby="inactivityMonths-hint"
            />
          </div>
          <div>
            <button class="button" type="submit">
              {t({ ja: '保存する', en: 'Save' })}
            </button>
          </div>
        </PostForm>
      </section>

      <section aria-labelledby="questions-heading">
        <h2 id="questions-heading">{t({ ja: '独自のアンケート設問', en: 'Your own survey questions' })}</h2>
        <p>
          {t({
            ja: `登録のときに、国の共通設問（このまちとの関係）に続けてたずねます（${maxSurveyQuestions}問まで）。`,
            en: `Asked at registration after the national relationship question (up to ${maxSurveyQuestions}).`,
          })}
        </p>
        {current.surveyQuestions.length === 0 ? (
          <p>{t({ ja: '設問はありません。', en: 'No questions.' })}</p>
        ) : (
          <table class="data">
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">{t(ruleFieldLabels.label!)}</th>
                <th scope="col">{t(ruleFieldLabels.kind!)}</th>
                <th scope="col">{t({ ja: '必須', en: 'Required' })}</th>
                <th scope="col">{t({ ja: '操作', en: 'Actions' })}</th>
              </tr>
            </thead>
            <tbody>
              {current.surveyQuestions.map((entry: SurveyQuestion) => (
                <tr>
                  <td>
                    <code>{entry.id}</code>
                  </td>
                  <td>
                    {entry.label.ja}
                    {entry.label.en && (
                      <>
                        <br />
                        <span class="muted" lang="en">
                          {entry.label.en}
                        </span>
                      </>
                    )}
                  </td>
                  <td>
                    {entry.kind === 'choice'
                      ? `${t({ ja: '選択', en: 'Choice' })}: ${(entry.choices ?? []).join(' / ')}`
                      : t({ ja: '自由記述', en: 'Text' })}
                  </td>
                  <td>{entry.required ? t({ ja: '必須', en: 'Yes' }) : t({ ja: '任意', en: 'No' })}</td>
                  <td>
                    <PostForm
                      page={page}
                      action={`${base}/registration-settings/questions/${entry.id}/remove`}
                      class="inline-form"
                    >
                      <button type="submit" class="button button--danger">
                        {t({ ja: '削除', en: 'Remove' })}
                      </button>
                    </PostForm>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

        <h3>{t({ ja: '設問を追加する', en: 'Add a question' })}</h3>
        {errorBlock('question')}
        <PostForm page={page} action={`${base}/registration-settings/questions`} class="form-stack">
          <div class="field">
            <label for="questionId">{t(ruleFieldLabels.id!)}</label>
            <span class="hint" id="questionId-hint">
              {t({
                ja: '半角英小文字で始まる、英小文字・数字・_ の40文字まで（例: visit_purpose）。集計やCSVで使います。',
                en: 'Lower-case letters, digits and _, starting with a letter, up to 40 (e.g. visit_purpose).',
              })}
            </span>
            <input
              type="text"
              id="questionId"
              name="id"
              required
              maxlength={40}
              pattern="[a-z][a-z0-9_]{0,39}"
              value={question.id}
              aria-describedby="questionId-hint"
            />
          </div>
          <div class="field">
            <label for="labelJa">{t({ ja: '設問文（日本語）', en: 'Question (Japanese)' })}</label>
            <input type="text" id="labelJa" name="labelJa" required maxlength={200} value={question.labelJa} />
          </div>
          <div class="field">
            <label for="labelEn">{t({ ja: '設問文（英語・任意）', en: 'Question (English, optional)' })}</label>
            <input type="text" id="labelEn" name="labelEn" maxlength={200} value={question.labelEn} />
          </div>
          <div class="field">
            <label for="kind">{t(ruleFieldLabels.kind!)}</label>
            <select id="kind" name="kind">
              <option value="text" selected={question.kind === 'text'}>
                {t({ ja: '自由記述', en: 'Text' })}
              </option>
              <option value="choice" selected={question.kind === 'choice'}>
                {t({ ja: '選択肢から選ぶ', en: 'Choose one of the choices' })}
              </option>
            </select>
          </div>
          <div class="field">
            <label for="choices">{t(ruleFieldLabels.choices!)}</label>
            <span class="hint" id="choices-hint">
              {t({
                ja: '「選択肢から選ぶ」のとき、1行に1つずつ（2〜20個）。',
                en: 'For a choice question: one per line (2–20).',
              })}
            </span>
            <textarea id="choices" name="choices" rows={4} aria-describedby="choices-hint">
              {question.choices}
            </textarea>
          </div>
          <div class="field">
            <label class="checkbox">
              <input type="checkbox" name="required" value="true" checked={question.required} />
              {t({ ja: '回答を必須にする', en: 'Answer required' })}
            </label>
          </div>
          <div>
            <button class="button" type="submit">
              {t({ ja: '設問を追加する', en: 'Add the question' })}
            </button>
          </div>
        </PostForm>
      </section>
    </Layout>,
    options.error ? (options.error.status as ContentfulStatusCode) : 200,
  );
}

/** Numbers from a form: an empty or non-numeric field is left for the schema to name. */
function formNumber(value: string): number | string {
  return /^\d{1,6}$/.test(value) ? Number(value) : value;
}

async function saveRules(c: Context<AppEnv>, area: StaffArea) {
  const body = await c.req.parseBody();
  const form: RulesForm = {
    premiumMode: formString(body, 'premiumMode'),
    premiumMinActivities: formString(body, 'premiumMinActivities'),
    premiumWindow: formString(body, 'premiumWindow'),
    longStayDays: formString(body, 'longStayDays'),
    inactivityMonths: formString(body, 'inactivityMonths'),
  };
  try {
    const input = parseInput(RegistrationRulesInput, {
      premiumMode: form.premiumMode,
      premiumMinActivities: formNumber(form.premiumMinActivities),
      premiumWindow: form.premiumWindow,
      longStayDays: formNumber(form.longStayDays),
      inactivityMonths: formNumber(form.inactivityMonths),
    });
    await updateRegistrationRules({ db: deps(c).db, actor: area.actor, lgCode: area.tenant.lgCode, input });
  } catch (error) {
    if (error instanceof AppError && error.code === 'validation_failed') {
      return rulesPage(c, area, { rules: form, error, errorIn: 'rules' });
    }
    throw error;
  }
  return c.redirect(`/staff/${area.tenant.lgCode}/registration-settings?notice=saved`, 303);
}

async function addQuestion(c: Context<AppEnv>, area: StaffArea) {
  const body = await c.req.parseBody();
  const form: QuestionForm = {
    id: formString(body, 'id'),
    labelJa: formString(body, 'labelJa'),
    labelEn: formString(body, 'labelEn'),
    kind: formString(body, 'kind'),
    choices: formString(body, 'choices'),
    required: formString(body, 'required') === 'true',
  };
  const choices = form.choices
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  try {
    const input = parseInput(SurveyQuestionInput, {
      id: form.id,
      label: { ja: form.labelJa, ...(form.labelEn ? { en: form.labelEn } : {}) },
      kind: form.kind,
      required: form.required,
      ...(form.kind === 'choice' ? { choices } : {}),
    });
    await addSurveyQuestion({ db: deps(c).db, actor: area.actor, lgCode: area.tenant.lgCode, input });
  } catch (error) {
    if (error instanceof AppError && error.code === 'validation_failed') {
      return rulesPage(c, area, { question: form, error, errorIn: 'question' });
    }
    throw error;
  }
  return c.redirect(`/staff/${area.tenant.lgCode}/registration-settings?notice=saved`, 303);
}

export function staffRegistrationPages(): AppRouter {
  const router = createRouter();

  router.get('/staff/:lgCode/registrations', (c) =>
    withStaffArea(c, async (area) => {
      authorizeRegistrants(area);
      return listPage(c, area);
    }),
  );

  router.get('/staff/:lgCode/registrations.csv', (c) =>
    withStaffArea(c, async (area) => {
      authorizeRegistrants(area);
      const query = filledQuery(c);
      // The list's page position does not narrow an export: every matching row is in it.
      delete query.cursor;
      const file = await exportTenantRegistrations({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        query: parseInput(RegistrationListQuery, query),
      });
      return csvResponse(file);
    }),
  );

  router.get('/staff/:lgCode/registrations/:id', (c) =>
    withStaffArea(c, async (area) => {
      authorizeRegistrants(area);
      return detailPage(c, area);
    }),
  );

  router.get('/staff/:lgCode/premium-applications', (c) =>
    withStaffArea(c, async (area) => {
      authorizeRegistrants(area);
      return queuePage(c, area);
    }),
  );

  router.post('/staff/:lgCode/premium-applications/:applicationId/decision', (c) =>
    withStaffArea(c, async (area) => {
      authorizeRegistrants(area);
      return decide(c, area);
    }),
  );

  router.get('/staff/:lgCode/registration-settings', (c) =>
    withStaffArea(c, async (area) => {
      authorizeRules(area);
      return rulesPage(c, area);
    }),
  );

  router.post('/staff/:lgCode/registration-settings', (c) =>
    withStaffArea(c, async (area) => {
      authorizeRules(area);
      return saveRules(c, area);
    }),
  );

  router.post('/staff/:lgCode/registration-settings/questions', (c) =>
    withStaffArea(c, async (area) => {
      authorizeRules(area);
      return addQuestion(c, area);
    }),
  );

  router.post('/staff/:lgCode/registration-settings/questions/:questionId/remove', (c) =>
    withStaffArea(c, async (area) => {
      authorizeRules(area);
      await removeSurveyQuestion({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        questionId: c.req.param('questionId'),
      });
      return c.redirect(`/staff/${area.tenant.lgCode}/registration-settings?notice=saved`, 303);
    }),
  );

  return router;
}
