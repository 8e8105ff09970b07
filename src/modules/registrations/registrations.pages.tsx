import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.js';
import { AppError, problemCatalog, toAppError, type FieldError } from '../../platform/errors.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { requireSession } from '../../platform/http/session.js';
import type { Localized } from '../../platform/i18n.js';
import { isValidLgCode, prefectureCodeOf } from '../../platform/lg-code.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import { getCurrentVerification, hasGuardianConsent, type Verification } from '../identity/index.js';
import {
  getMunicipality,
  getTenant,
  listPrefectures,
  searchMunicipalities,
  type LocalGovernment,
  type RegistrationSettings,
  type SurveyQuestion,
} from '../municipalities/index.js';
import { judgePremiumRequirement, type PremiumJudgement } from './judgement.js';
import { answerStayQuestion } from './inactivity.service.js';
import { exceedsPremiumCap, premiumCap, premiumCapCount, type CapEntry } from './registrations.policy.js';
import {
  applyForPremium,
  getMyResidence,
  listMyRegistrations,
  registerWithGovernment,
  setPrefectureLink,
  setShowNameOnCard,
  withdrawRegistration,
  type MyRegistration,
  type RegistrationInput,
} from './registrations.service.js';
import { relationshipTieLabels, relationshipTies, type RelationshipTie } from './survey.js';

const titles = {
  places: { ja: 'マイページ：登録している自治体', en: 'My page: where I am registered' },
  register: { ja: 'ふるさと住民登録をする', en: 'Register as a hometown resident' },
} satisfies Record<string, Localized>;

const tierLabels: Record<MyRegistration['tier'], Localized> = {
  basic: { ja: 'ベーシック', en: 'Basic' },
  premium: { ja: 'プレミアム', en: 'Premium' },
};

const endReasonLabels: Record<string, Localized> = {
  withdrawn: { ja: 'ご自身で登録をやめました', en: 'You left' },
  inactive: {
    ja: '長い間ご利用がなく、お返事もなかったため解除されました',
    en: 'Released after a long time without use',
  },
  prefecture_link_removed: {
    ja: '市区町村の登録にともなう都道府県への登録が終わりました',
    en: 'The prefecture registration that came with a municipality ended',
  },
  account_deleted: { ja: 'アカウントの削除により解除されました', en: 'Released when the account was deleted' },
};

type FormBody = Record<string, string | File | (string | File)[]>;

function formValue(body: FormBody, name: string): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

function formValues(body: FormBody, name: string): string[] {
  const value = body[name];
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.filter((entry): entry is string => typeof entry === 'string');
}

function dateText(page: PageContext, date: Date): string {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'long',
    timeZone: 'Asia/Tokyo',
  }).format(date);
}

function errorDetail(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  return page.t(error.detail ?? { ja: entry.ja.detail, en: entry.en.detail });
}

function errorTitle(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  return page.t({ ja: entry.ja.title, en: entry.en.title });
}

/** Service messages are written "日本語 / English"; a person reads the half in their language. */
function messageIn(page: PageContext, message: string): string {
  const [ja, en] = message.split(' / ');
  return (page.locale === 'en' ? en : ja) ?? message;
}

function governmentNameOf(government: LocalGovernment): string {
  return government.kind === 'prefecture' ? government.name : `${government.prefecture.name}${government.name}`;
}

function db(c: Context<AppEnv>): Kysely<Database> {
  return c.get('deps').database.db;
}

/** A code from a URL that is not a valid 全国地方公共団体コード is a page that does not exist. */
function lgCodeParam(c: Context<AppEnv>, name: string, code: 'registration_not_found' | 'municipality_not_found') {
  const lgCode = c.req.param(name) ?? '';
  if (!isValidLgCode(lgCode)) throw new AppError(code);
  return lgCode;
}

// ───────────────────────────── /my/places ─────────────────────────────

type PlacesNotice = 'registered' | 'left' | 'link_on' | 'link_off' | 'show_name' | 'stayed';

function placesNotice(page: PageContext, c: Context<AppEnv>, nameOf: (lgCode: string) => string) {
  const { t } = page;
  const notice = c.req.query('notice') as PlacesNotice | undefined;
  const lgCode = c.req.query('lgCode') ?? '';
  const name = isValidLgCode(lgCode) ? nameOf(lgCode) : '';
  const linked = c.req.query('linked') ?? '';
  switch (notice) {
    case 'registered':
      return (
        <Notice kind="success">
          {t({ ja: `${name}に登録しました。`, en: `You are now registered with ${name}.` })}
          {isValidLgCode(linked) &&
            t({
              ja: `あわせて${nameOf(linked)}にも登録しました。`,
              en: ` You are also registered with ${nameOf(linked)}.`,
            })}
        </Notice>
      );
    case 'left':
      return <Notice kind="success">{t({ ja: `${name}の登録をやめました。`, en: `You left ${name}.` })}</Notice>;
    case 'link_on':
      return (
        <Notice kind="success">
          {t({ ja: `${name}にも登録する設定にしました。`, en: `Registrations now include ${name}.` })}
        </Notice>
      );
    case 'link_off':
      return (
        <Notice kind="success">
          {t({ ja: `${name}には登録しない設定にしました。`, en: `Registrations no longer include ${name}.` })}
        </Notice>
      );
    case 'stayed':
      return (
        <Notice kind="success">
          {t({
            ja: `${name}の登録を続けます。お返事ありがとうございます。`,
            en: `You stay registered with ${name}. Thank you.`,
          })}
        </Notice>
      );
    case 'show_name':
      return <Notice kind="success">{t({ ja: '保存しました。', en: 'Saved.' })}</Notice>;
    default:
      return null;
  }
}

function OwnResidenceNote(props: { page: PageContext }) {
  return (
    <>
      {props.page.t({
        ja: 'お住まいの自治体（住所地）です。登録はできますが、関係人口としては数えません。プレミアム登録はできません。',
        en: 'This is where you live. You may stay registered, but you are not counted as related population here, and premium is not available.',
      })}
    </>
  );
}

/**
 * The inactivity question (L5950–5966): after a long time without use the person is asked whether to
 * stay, and without an answer the registration is released. [続ける] answers it.
 */
function StayQuestion(props: { page: PageContext; registration: MyRegistration }) {
  const { page, registration } = props;
  const { t } = page;
  return (
    <Notice kind="info">
      <p>
        <strong>{t({ ja: 'まだ登録を続けますか？', en: 'Do you want to stay registered?' })}</strong>{' '}
        {t({
          ja: 'しばらくご利用がないため、確認しています。お返事がないと、登録は自動的に解除されます。',
          en: 'You have not used the service for a while. Without an answer, the registration is released automatically.',
        })}
      </p>
      <PostForm page={page} action={`/my/places/${registration.lgCode}/stay`}>
        <button type="submit" class="button">
          {t({ ja: '続ける', en: 'Continue' })}
        </button>
      </PostForm>
    </Notice>
  );
}

function CurrentRegistration(props: {
  page: PageContext;
  registration: MyRegistration;
  nameOf: (lgCode: string) => string;
}) {
  const { page, registration } = props;
  const { t } = page;
  const headingId = `place-${registration.lgCode}`;
  return (
    <li class="place" aria-labelledby={headingId}>
      <h3 id={headingId} class="place__name">
        {registration.governmentName}
        <span class={`badge badge--${registration.tier}`}>{t(tierLabels[registration.tier])}</span>
      </h3>
      {registration.origin === 'prefecture_link' && registration.linkedFromLgCode && (
        <p class="muted">
          {t({
            ja: `（${props.nameOf(registration.linkedFromLgCode)}の登録により県にも登録）`,
            en: `(registered through your registration with ${props.nameOf(registration.linkedFromLgCode)})`,
          })}
        </p>
      )}
      {registration.stayQuestionOpen && <StayQuestion page={page} registration={registration} />}
      <dl class="facts">
        <dt>{t({ ja: '登録の種類', en: 'Registration' })}</dt>
        <dd>
          {t(tierLabels[registration.tier])}
          {registration.tier === 'premium' &&
            registration.premiumValidUntil &&
            t({
              ja: `（${dateText(page, registration.premiumValidUntil)}まで有効）`,
              en: ` (valid until ${dateText(page, registration.premiumValidUntil)})`,
            })}
          {registration.longStay && t({ ja: '・長期滞在', en: ', long stay' })}
        </dd>
        {registration.pendingApplication && (
          <>
            <dt>{t({ ja: 'プレミアム登録の申請', en: 'Premium application' })}</dt>
            <dd>
              {registration.tier === 'premium'
                ? t({
                    ja: '更新の審査中（自治体の審査をお待ちください）',
                    en: 'Renewal under review by the government',
                  })
                : t({ ja: '申請中（自治体の審査をお待ちください）', en: 'Pending (the government reviews it)' })}
            </dd>
          </>
        )}
        {registration.ownResidence && (
          <>
            <dt>{t({ ja: '住所地', en: 'Where you live' })}</dt>
            <dd>
              <OwnResidenceNote page={page} />
            </dd>
          </>
        )}
        <dt>{t({ ja: '登録日', en: 'Registered on' })}</dt>
        <dd>{dateText(page, registration.registeredAt)}</dd>
        <dt>{t({ ja: '登録証の氏名', en: 'Name on the card' })}</dt>
        <dd>
          {registration.showNameOnCard ? t({ ja: '表示する', en: 'Shown' }) : t({ ja: '表示しない', en: 'Not shown' })}{' '}
          <PostForm page={page} action={`/my/places/${registration.lgCode}/show-name`} class="inline-form">
            <input type="hidden" name="show" value={registration.showNameOnCard ? 'false' : 'true'} />
            <button type="submit" class="link-button">
              {registration.showNameOnCard
                ? t({ ja: '表示しないに変える', en: 'Stop showing it' })
                : t({ ja: '表示するに変える', en: 'Show it' })}
            </button>
          </PostForm>
        </dd>
      </dl>
      <ul class="place__actions">
        <li>
          <a href={`/my/places/${registration.lgCode}/card`}>{t({ ja: '登録証を表示', en: 'Show the card' })}</a>
        </li>
        {registration.tier === 'basic' && (
          <li>
            <a href={`/my/places/${registration.lgCode}/premium`}>
              {registration.pendingApplication
                ? t({ ja: 'プレミアム登録の申請状況', en: 'Premium application status' })
                : t({ ja: 'プレミアム登録について', en: 'About premium registration' })}
            </a>
          </li>
        )}
        {registration.tier === 'premium' && (
          <li>
            <a href={`/my/places/${registration.lgCode}/premium`}>
              {t({ ja: 'プレミアム登録の内容', en: 'Premium registration' })}
            </a>
          </li>
        )}
        <li>
          <a href={`/my/places/${registration.lgCode}/leave`}>{t({ ja: '登録をやめる', en: 'Leave' })}</a>
        </li>
      </ul>
    </li>
  );
}

interface PrefectureLinkRow {
  lgCode: string;
  name: string;
  participating: boolean;
  optedOut: boolean;
  /** The person's current registration with the prefecture, if any. */
  registration: MyRegistration | undefined;
}

function prefectureLinkState(page: PageContext, row: PrefectureLinkRow, nameOf: (lgCode: string) => string): string {
  const { t } = page;
  if (row.registration?.origin === 'direct') {
    return t({
      ja: `${row.name}に直接登録しています。この設定にかかわらず、登録は続きます。`,
      en: `You registered with ${row.name} directly; that registration stays whatever this setting says.`,
    });
  }
  if (row.registration) {
    const from = row.registration.linkedFromLgCode ? nameOf(row.registration.linkedFromLgCode) : '';
    return t({
      ja: `登録しています（${from}の登録により県にも登録）。`,
      en: `Registered (through your registration with ${from}).`,
    });
  }
  if (row.optedOut) {
    return t({
      ja: `${row.name}には登録しない設定です。このあと県内の市区町村に登録しても、県には登録されません。`,
      en: `You chose not to be registered with ${row.name}, also for later registrations in the prefecture.`,
    });
  }
  if (!row.participating) {
    return t({
      ja: `${row.name}はまだ参加していないため、県への登録はありません。`,
      en: `${row.name} has not joined yet, so there is no prefecture registration.`,
    });
  }
  return t({ ja: '登録していません。', en: 'Not registered.' });
}

function PrefectureLinks(props: {
  page: PageContext;
  rows: PrefectureLinkRow[];
  orphanOptOuts: Array<{ lgCode: string; name: string }>;
  nameOf: (lgCode: string) => string;
}) {
  const { page } = props;
  const { t } = page;
  if (props.rows.length === 0 && props.orphanOptOuts.length === 0) return null;
  return (
    <section aria-labelledby="links-heading">
      <h2 id="links-heading">{t({ ja: '都道府県への登録', en: 'Prefecture registrations' })}</h2>
      <p>
        {t({
          ja: '市区町村に登録すると、その都道府県にもあわせて登録されます（都道府県が参加している場合）。都道府県ごとに、登録するかどうかを選べます。',
          en: 'Registering with a municipality also registers you with its prefecture (when the prefecture takes part). You can choose this for each prefecture.',
        })}
      </p>
      <ul class="place-list">
        {props.rows.map((row) => (
          <li class="place">
            <h3 class="place__name">{row.name}</h3>
            <p>{prefectureLinkState(page, row, props.nameOf)}</p>
            <PostForm page={page} action={`/my/prefecture-links/${row.lgCode}`}>
              <input type="hidden" name="linked" value={row.optedOut ? 'true' : 'false'} />
              <button type="submit" class="button button--secondary">
                {row.optedOut
                  ? t({ ja: `${row.name}にも登録する`, en: `Register with ${row.name} too` })
                  : t({ ja: `${row.name}には登録しない`, en: `Do not register with ${row.name}` })}
              </button>
            </PostForm>
          </li>
        ))}
        {props.orphanOptOuts.map((optOut) => (
          <li class="place">
            <h3 class="place__name">{optOut.name}</h3>
            <p>
              {t({
                ja: `県内の市区町村に登録しても、${optOut.name}には登録しない設定です。`,
                en: `Registrations in this prefecture do not include ${optOut.name}.`,
              })}
            </p>
            <PostForm page={page} action={`/my/prefecture-links/${optOut.lgCode}`}>
              <input type="hidden" name="linked" value="true" />
              <button type="submit" class="button button--secondary">
                {t({ ja: 'この設定をやめる', en: 'Remove this setting' })}
              </button>
            </PostForm>
          </li>
        ))}
      </ul>
    </section>
  );
}

function PastRegistrations(props: { page: PageContext; registrations: MyRegistration[] }) {
  const { page } = props;
  const { t } = page;
  if (props.registrations.length === 0) return null;
  return (
    <section aria-labelledby="past-heading">
      <h2 id="past-heading">{t({ ja: '過去の登録', en: 'Past registrations' })}</h2>
      <table class="data">
        <thead>
          <tr>
            <th scope="col">{t({ ja: '自治体', en: 'Local government' })}</th>
            <th scope="col">{t({ ja: '期間', en: 'Period' })}</th>
            <th scope="col">{t({ ja: '理由', en: 'Why it ended' })}</th>
          </tr>
        </thead>
        <tbody>
          {props.registrations.map((registration) => (
            <tr>
              <th scope="row">
                {registration.governmentName}
                <br />
                <span class="muted">{t(tierLabels[registration.tier])}</span>
              </th>
              <td>
                {dateText(page, registration.registeredAt)} 〜{' '}
                {registration.endedAt ? dateText(page, registration.endedAt) : ''}
              </td>
              <td>
                {registration.endReason
                  ? t(
                      endReasonLabels[registration.endReason] ?? {
                        ja: registration.endReason,
                        en: registration.endReason,
                      },
                    )
                  : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

async function placesPage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const mine = await listMyRegistrations({ db: db(c), personId: session.personId });
  const current = mine.registrations.filter((registration) => registration.status === 'active');
  const past = mine.registrations.filter((registration) => registration.status !== 'active');
  const prefectures = await listPrefectures({ db: db(c) });
  const names = new Map<string, string>(prefectures.map((prefecture) => [prefecture.lgCode, prefecture.name]));
  for (const registration of [...past, ...current]) names.set(registration.lgCode, registration.governmentName);
  const nameOf = (lgCode: string) => names.get(lgCode) ?? lgCode;

  const heldPrefectureCodes = new Set(
    current
      .filter((registration) => !registration.isPrefecture)
      .map((registration) => prefectureCodeOf(registration.lgCode)),
  );
  const held = prefectures.filter((prefecture) => heldPrefectureCodes.has(prefecture.code));
  const participating = await Promise.all(
    held.map((prefecture) => getMunicipality({ db: db(c), lgCode: prefecture.lgCode })),
  );
  const rows: PrefectureLinkRow[] = held.map((prefecture, index) => ({
    lgCode: prefecture.lgCode,
    name: prefecture.name,
    participating: participating[index]?.participating ?? false,
    optedOut: mine.prefectureLinkOptOuts.includes(prefecture.lgCode),
    registration: current.find((registration) => registration.lgCode === prefecture.lgCode),
  }));
  const orphanOptOuts = mine.prefectureLinkOptOuts
    .filter((lgCode) => !held.some((prefecture) => prefecture.lgCode === lgCode))
    .map((lgCode) => ({ lgCode, name: nameOf(lgCode) }));

  return renderPage(
    c,
    <Layout page={page} title={titles.places}>
      <h1>{t(titles.places)}</h1>
      {placesNotice(page, c, nameOf)}
      <section aria-labelledby="current-heading">
        <h2 id="current-heading">{t({ ja: '登録中の自治体', en: 'Current registrations' })}</h2>
        {current.length === 0 ? (
          <p>{t({ ja: 'まだどの自治体にも登録していません。', en: 'You are not registered anywhere yet.' })}</p>
        ) : (
          <ul class="place-list">
            {current.map((registration) => (
              <CurrentRegistration page={page} registration={registration} nameOf={nameOf} />
            ))}
          </ul>
        )}
        <p>
          <a class="button" href="/register">
            {current.length === 0
              ? t({ ja: '自治体を選んで登録する', en: 'Choose a place to register with' })
              : t({ ja: 'ほかの自治体にも登録する', en: 'Register with another place' })}
          </a>
        </p>
      </section>
      <PrefectureLinks page={page} rows={rows} orphanOptOuts={orphanOptOuts} nameOf={nameOf} />
      <PastRegistrations page={page} registrations={past} />
    </Layout>,
  );
}

// ───────────────────────────── /register ─────────────────────────────

async function chooseGovernmentPage(c: Context<AppEnv>) {
  const page = pageContext(c);
  const { t } = page;
  const q = (c.req.query('q') ?? '').trim().slice(0, 50);
  const prefecture = c.req.query('prefecture') ?? '';
  const prefectureCode = /^(0[1-9]|[1-3]\d|4[0-7])$/.test(prefecture) ? prefecture : undefined;
  const pageNumber = Math.min(Math.max(Number.parseInt(c.req.query('page') ?? '1', 10) || 1, 1), 10_000);
  const prefectures = await listPrefectures({ db: db(c) });
  const result = await searchMunicipalities({
    db: db(c),
    input: {
      participating: true,
      ...(q ? { q } : {}),
      ...(prefectureCode ? { prefectureCode } : {}),
      page: pageNumber,
      perPage: 20,
    },
  });
  const session = c.get('session');
  const registeredWith = new Set(
    session
      ? (await listMyRegistrations({ db: db(c), personId: session.personId })).registrations
          .filter((registration) => registration.status === 'active')
          .map((registration) => registration.lgCode)
      : [],
  );
  const pageHref = (target: number) => {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (prefectureCode) params.set('prefecture', prefectureCode);
    params.set('page', String(target));
    return `/register?${params.toString()}`;
  };

  return renderPage(
    c,
    <Layout page={page} title={titles.register}>
      <h1>{t(titles.register)}</h1>
      <p>
        {t({
          ja: '心を寄せる市区町村・都道府県に「ふるさと住民」として登録できます。ベーシック登録は条件なしで、すぐに登録できます。いくつでも登録できます。',
          en: 'Register as a hometown resident with the municipalities and prefectures you care about. Basic registration has no conditions and is immediate; register with as many as you like.',
        })}
      </p>
      <form class="search-form" method="get" action="/register" role="search">
        <div class="field">
          <label for="q">{t({ ja: '名前・よみ', en: 'Name or reading' })}</label>
          <span class="hint" id="q-hint">
            {t({ ja: '例: けせんぬま、気仙沼', en: 'e.g. けせんぬま, 気仙沼' })}
          </span>
          <input type="search" id="q" name="q" value={q} maxlength={50} aria-describedby="q-hint" autocomplete="off" />
        </div>
        <div class="field">
          <label for="prefecture">{t({ ja: '都道府県', en: 'Prefecture' })}</label>
          <select id="prefecture" name="prefecture">
            <option value="">{t({ ja: 'すべて', en: 'All' })}</option>
            {prefectures.map((each) => (
              <option value={each.code} selected={prefectureCode === each.code}>
                {page.locale === 'ja' ? each.name : each.nameEn}
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
      <section aria-labelledby="results-heading">
        <h2 id="results-heading">{t({ ja: '登録できる自治体', en: 'Places you can register with' })}</h2>
        <p role="status">
          {t({
            ja: `${result.total.toLocaleString('ja-JP')}件（${result.page} / ${result.totalPages}ページ）`,
            en: `${result.total.toLocaleString('en-US')} found (page ${result.page} of ${result.totalPages})`,
          })}
        </p>
        {result.total === 0 ? (
          <p>
            {t({
              ja: '条件にあう参加自治体はありません。参加している自治体にだけ登録できます。',
              en: 'No participating local government matches. Only participating governments take registrations.',
            })}
          </p>
        ) : (
          <ul class="result-list">
            {result.items.map((government) => (
              <li>
                {registeredWith.has(government.lgCode) ? (
                  <>
                    <strong>{governmentNameOf(government)}</strong>
                    <span class="badge">{t({ ja: '登録済み', en: 'Registered' })}</span>
                  </>
                ) : (
                  <a href={`/register/${government.lgCode}`}>{governmentNameOf(government)}</a>
                )}
                <br />
                <span class="muted">{government.nameKana}</span>
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
    </Layout>,
  );
}

/** What the registration form shows again after a refusal or the residence step. */
interface RegisterFormValues {
  ties: string[];
  note: string;
  customAnswers: Record<string, string>;
  linkPrefecture: boolean;
  showNameOnCard: boolean;
  residencePrefecture: string;
  declaredResidenceLgCode: string;
}

interface RegisterTarget {
  lgCode: string;
  name: string;
  isPrefecture: boolean;
  prefecture: { code: string; lgCode: string; name: string; participating: boolean };
  settings: RegistrationSettings;
}

/** The government to register with, or the rule that refuses it (not in the master, not taking part). */
async function registerTarget(c: Context<AppEnv>, lgCode: string): Promise<RegisterTarget> {
  const government = await getMunicipality({ db: db(c), lgCode });
  const tenant = government.participating ? await getTenant({ db: db(c), lgCode }) : undefined;
  if (!tenant || tenant.status !== 'active') {
    throw new AppError('tenant_not_found', {
      detail: {
        ja: `${governmentNameOf(government)}は、まだふるさと住民登録に参加していないため登録できません。登録できるのは、参加している自治体だけです。`,
        en: `${governmentNameOf(government)} has not joined Furusato registration yet. Only participating governments take registrations.`,
      },
    });
  }
  const prefectures = await listPrefectures({ db: db(c) });
  const prefecture = prefectures.find((each) => each.code === government.prefecture.code);
  const prefectureGovernment = prefecture ? await getMunicipality({ db: db(c), lgCode: prefecture.lgCode }) : undefined;
  return {
    lgCode,
    name: governmentNameOf(government),
    isPrefecture: government.kind === 'prefecture',
    prefecture: {
      code: government.prefecture.code,
      lgCode: prefecture?.lgCode ?? '',
      name: government.prefecture.name,
      participating: prefectureGovernment?.participating ?? false,
    },
    settings: tenant.settings.registration,
  };
}

function refusalPage(c: Context<AppEnv>, error: AppError) {
  const page = pageContext(c);
  const { t } = page;
  const title = { ja: problemCatalog[error.code].ja.title, en: problemCatalog[error.code].en.title };
  return renderPage(
    c,
    <Layout page={page} title={title}>
      <h1>{t(title)}</h1>
      <Notice kind="error">{errorDetail(page, error)}</Notice>
      <p>
        <a href="/register">{t({ ja: '登録できる自治体をさがす', en: 'Find a place to register with' })}</a>
      </p>
    </Layout>,
    error.status === 409 ? 409 : 404,
  );
}

/** The form control an entry of the error summary jumps to. */
function fieldIdOf(field: string): string {
  if (field.startsWith('customAnswers.')) return `q-${field.slice('customAnswers.'.length)}`;
  if (field.startsWith('ties')) return `tie-${relationshipTies[0]}`;
  return field;
}

function fieldLabelOf(page: PageContext, field: string, target: RegisterTarget): string {
  if (field.startsWith('customAnswers.')) {
    const question = target.settings.surveyQuestions.find((each) => `customAnswers.${each.id}` === field);
    return question ? page.t({ ja: question.label.ja, en: question.label.en ?? question.label.ja }) : field;
  }
  if (field.startsWith('ties')) return page.t({ ja: 'つながり', en: 'Your ties' });
  if (field === 'note') return page.t({ ja: '「その他」の内容', en: '"Other": details' });
  if (field === 'declaredResidenceLgCode') return page.t({ ja: 'お住まいの市区町村', en: 'Where you live' });
  return field;
}

/** "Field: message", unless the message already names the field. */
function summaryLine(page: PageContext, error: FieldError, target: RegisterTarget): string {
  const label = fieldLabelOf(page, error.field, target);
  const message = messageIn(page, error.message);
  return message.includes(label) ? message : `${label}: ${message}`;
}

function FieldMessage(props: { id: string; errors: FieldError[]; page: PageContext }) {
  if (props.errors.length === 0) return null;
  return (
    <span class="field-error" id={props.id}>
      {props.errors.map((error) => messageIn(props.page, error.message)).join(' ')}
    </span>
  );
}

function CustomQuestion(props: { page: PageContext; question: SurveyQuestion; value: string; errors: FieldError[] }) {
  const { page, question } = props;
  const { t } = page;
  const id = `q-${question.id}`;
  const label = t({ ja: question.label.ja, en: question.label.en ?? question.label.ja });
  const invalid = props.errors.length > 0;
  return (
    <div class="field">
      <label for={id}>
        {label}
        {question.required ? t({ ja: '（必須）', en: ' (required)' }) : t({ ja: '（任意）', en: ' (optional)' })}
      </label>
      <FieldMessage id={`${id}-error`} errors={props.errors} page={page} />
      {question.kind === 'choice' ? (
        <select
          id={id}
          name={`q.${question.id}`}
          aria-invalid={invalid ? 'true' : undefined}
          aria-describedby={invalid ? `${id}-error` : undefined}
        >
          <option value="">{t({ ja: '選んでください', en: 'Choose' })}</option>
          {(question.choices ?? []).map((choice) => (
            <option value={choice} selected={props.value === choice}>
              {choice}
            </option>
          ))}
        </select>
      ) : (
        <input
          type="text"
          id={id}
          name={`q.${question.id}`}
          value={props.value}
          maxlength={500}
          aria-invalid={invalid ? 'true' : undefined}
          aria-describedby={invalid ? `${id}-error` : undefined}
        />
      )}
    </div>
  );
}

async function ResidenceField(props: {
  page: PageContext;
  db: Kysely<Database>;
  personId: string;
  values: RegisterFormValues;
  errors: FieldError[];
}) {
  const { page } = props;
  const { t } = page;
  const residence = await getMyResidence({ db: props.db, personId: props.personId });
  if (residence.source === 'verified') {
    const verification = await getCurrentVerification({ db: props.db, personId: props.personId });
    const place = verification?.residence.municipalityName
      ? `${verification.residence.prefectureName ?? ''}${verification.residence.municipalityName}`
      : t({ ja: '特定できませんでした', en: 'could not be determined' });
    return (
      <div class="field">
        <span class="label">{t({ ja: 'お住まいの市区町村', en: 'Where you live' })}</span>
        <span class="hint">
          {t({ ja: 'マイナンバーカードの本人確認による: ', en: 'From your My Number card verification: ' })}
          {place}
        </span>
      </div>
    );
  }
  const prefectures = await listPrefectures({ db: props.db });
  const chosenPrefecture = props.values.residencePrefecture || residence.prefectureCode || '';
  const municipalities = /^\d{2}$/.test(chosenPrefecture)
    ? (
        await searchMunicipalities({
          db: props.db,
          input: { prefectureCode: chosenPrefecture, page: 1, perPage: 1000 },
        })
      ).items.filter((government) => government.kind !== 'prefecture')
    : [];
  const chosenMunicipality = props.values.declaredResidenceLgCode || residence.lgCode || '';
  const invalid = props.errors.length > 0;
  return (
    <fieldset class="field">
      <legend>{t({ ja: 'お住まいの市区町村（任意）', en: 'Where you live (optional)' })}</legend>
      <span class="hint" id="residence-hint">
        {t({
          ja: 'お住まいの自治体（住所地）への登録は、関係人口として数えないため、お聞きしています。先に都道府県を選び、「市区町村を表示する」を押してください。マイナンバーカードで本人確認をすると、カードの住所が使われます。',
          en: 'A registration where you live is not counted as related population, so we ask. Choose the prefecture first and press "Show municipalities". After verifying with your My Number card, its address is used instead.',
        })}
      </span>
      <div class="field">
        <label for="residencePrefecture">{t({ ja: '都道府県', en: 'Prefecture' })}</label>
        <select id="residencePrefecture" name="residencePrefecture" aria-describedby="residence-hint">
          <option value="">{t({ ja: '選んでください', en: 'Choose' })}</option>
          {prefectures.map((prefecture) => (
            <option value={prefecture.code} selected={chosenPrefecture === prefecture.code}>
              {page.locale === 'ja' ? prefecture.name : prefecture.nameEn}
            </option>
          ))}
        </select>
      </div>
      <div>
        <button type="submit" name="step" value="residence" class="button button--secondary">
          {t({ ja: '市区町村を表示する', en: 'Show municipalities' })}
        </button>
      </div>
      {municipalities.length > 0 && (
        <div class="field">
          <label for="declaredResidenceLgCode">{t({ ja: '市区町村', en: 'Municipality' })}</label>
          <FieldMessage id="declaredResidenceLgCode-error" errors={props.errors} page={page} />
          <select
            id="declaredResidenceLgCode"
            name="declaredResidenceLgCode"
            aria-invalid={invalid ? 'true' : undefined}
            aria-describedby={invalid ? 'declaredResidenceLgCode-error' : undefined}
          >
            <option value="">{t({ ja: '選んでください', en: 'Choose' })}</option>
            {municipalities.map((government) => (
              <option value={government.lgCode} selected={chosenMunicipality === government.lgCode}>
                {government.name}
              </option>
            ))}
          </select>
        </div>
      )}
    </fieldset>
  );
}

async function registerFormPage(
  c: Context<AppEnv>,
  options: { values?: RegisterFormValues; error?: AppError; status?: 200 | 400 | 409 } = {},
) {
  const session = requireSession(c);
  const lgCode = lgCodeParam(c, 'lgCode', 'municipality_not_found');
  const page = pageContext(c);
  const { t } = page;
  let target: RegisterTarget;
  try {
    target = await registerTarget(c, lgCode);
  } catch (error) {
    if (error instanceof AppError && error.code === 'tenant_not_found') return refusalPage(c, error);
    throw error;
  }
  const mine = await listMyRegistrations({ db: db(c), personId: session.personId });
  const already = mine.registrations.some(
    (registration) => registration.lgCode === lgCode && registration.status === 'active',
  );
  const optedOut = mine.prefectureLinkOptOuts.includes(target.prefecture.lgCode);
  const atPrefecture = mine.registrations.some(
    (registration) => registration.lgCode === target.prefecture.lgCode && registration.status === 'active',
  );
  const values: RegisterFormValues = options.values ?? {
    ties: [],
    note: '',
    customAnswers: {},
    linkPrefecture: true,
    showNameOnCard: false,
    residencePrefecture: '',
    declaredResidenceLgCode: '',
  };
  const fieldErrors = options.error?.code === 'validation_failed' ? options.error.fieldErrors : [];
  const errorsFor = (match: (field: string) => boolean) => fieldErrors.filter((error) => match(error.field));
  const tieErrors = errorsFor((field) => field.startsWith('ties'));
  const noteErrors = errorsFor((field) => field === 'note');
  const title = { ja: `${target.name}に登録する`, en: `Register with ${target.name}` };

  return renderPage(
    c,
    <Layout page={page} title={title}>
      <p>
        <a href="/register">{t({ ja: '← 自治体を選びなおす', en: '← Choose another place' })}</a>
      </p>
      <h1>{t(title)}</h1>
      {options.error && options.error.code !== 'validation_failed' && (
        <Notice kind="error">
          <strong>{errorTitle(page, options.error)}</strong> {errorDetail(page, options.error)}
          {options.error.code === 'registration_exists' && (
            <>
              {' '}
              <a href="/my/places">{t({ ja: '登録している自治体を見る', en: 'See where you are registered' })}</a>
            </>
          )}
        </Notice>
      )}
      {options.error && fieldErrors.length > 0 && (
        <div class="notice notice--error" role="alert">
          <p>
            <strong>{errorDetail(page, options.error)}</strong>
          </p>
          <ul>
            {fieldErrors.map((error) => (
              <li>
                <a href={`#${fieldIdOf(error.field)}`}>{summaryLine(page, error, target)}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
      {already && !options.error ? (
        <>
          <Notice kind="info">
            {t({
              ja: `${target.name}には、すでに登録しています。同じ自治体に二重に登録することはできません。`,
              en: `You are already registered with ${target.name}; one registration per place.`,
            })}
          </Notice>
          <p>
            <a class="button" href="/my/places">
              {t({ ja: '登録している自治体を見る', en: 'See where you are registered' })}
            </a>
          </p>
        </>
      ) : (
        <>
          <p>
            {t({
              ja: 'ベーシック登録は、条件なしですぐに登録できます。登録すると、この自治体からのお知らせが届きます。はじめに、この自治体とのつながりを教えてください。',
              en: 'Basic registration has no conditions and is immediate. You will receive news from this place. First, tell us how you are connected to it.',
            })}
          </p>
          <PostForm page={page} action={`/register/${lgCode}`} class="form-stack">
            <fieldset class="field" aria-describedby={tieErrors.length > 0 ? 'ties-error' : 'ties-hint'}>
              <legend>
                {t({
                  ja: `${target.name}とのつながり（あてはまるものすべて）`,
                  en: `Your ties with ${target.name} (all that apply)`,
                })}
              </legend>
              <span class="hint" id="ties-hint">
                {t({ ja: '1つ以上選んでください。', en: 'Choose at least one.' })}
              </span>
              <FieldMessage id="ties-error" errors={tieErrors} page={page} />
              {relationshipTies.map((tie: RelationshipTie) => (
                <label class="checkbox">
                  <input
                    type="checkbox"
                    id={`tie-${tie}`}
                    name="ties"
                    value={tie}
                    checked={values.ties.includes(tie)}
                  />
                  {t(relationshipTieLabels[tie])}
                </label>
              ))}
              <div class="field">
                <label for="note">
                  {t({ ja: '「その他」を選んだ方は、内容を書いてください', en: 'If "Other": describe' })}
                </label>
                <FieldMessage id="note-error" errors={noteErrors} page={page} />
                <input
                  type="text"
                  id="note"
                  name="note"
                  value={values.note}
                  maxlength={500}
                  aria-invalid={noteErrors.length > 0 ? 'true' : undefined}
                  aria-describedby={noteErrors.length > 0 ? 'note-error' : undefined}
                />
              </div>
            </fieldset>

            {target.settings.surveyQuestions.length > 0 && (
              <fieldset class="field">
                <legend>{t({ ja: `${target.name}からの質問`, en: `Questions from ${target.name}` })}</legend>
                {target.settings.surveyQuestions.map((question) => (
                  <CustomQuestion
                    page={page}
                    question={question}
                    value={values.customAnswers[question.id] ?? ''}
                    errors={errorsFor((field) => field === `customAnswers.${question.id}`)}
                  />
                ))}
              </fieldset>
            )}

            {!target.isPrefecture && (
              <div class="field">
                {atPrefecture || optedOut ? (
                  <>
                    <span class="label">{t({ ja: '都道府県への登録', en: 'Prefecture registration' })}</span>
                    <span class="hint">
                      {atPrefecture
                        ? t({
                            ja: `${target.prefecture.name}には、すでに登録しています。`,
                            en: `You are already registered with ${target.prefecture.name}.`,
                          })
                        : t({
                            ja: `${target.prefecture.name}には登録しない設定になっています。変えるときは「登録している自治体」のページから変更できます。`,
                            en: `You chose not to be registered with ${target.prefecture.name}. You can change this on the "where I am registered" page.`,
                          })}
                    </span>
                  </>
                ) : (
                  <>
                    <input type="hidden" name="linkOffered" value="true" />
                    <label class="checkbox">
                      <input
                        type="checkbox"
                        name="linkPrefecture"
                        value="true"
                        checked={values.linkPrefecture}
                        aria-describedby="linkPrefecture-hint"
                      />
                      {t({
                        ja: `${target.prefecture.name}にも登録する`,
                        en: `Also register with ${target.prefecture.name}`,
                      })}
                    </label>
                    <span class="hint" id="linkPrefecture-hint">
                      {target.prefecture.participating
                        ? t({
                            ja: `市区町村に登録すると、その都道府県にもあわせて登録され、${target.prefecture.name}からもお知らせが届きます。チェックを外すと、このあと県内のほかの市区町村に登録するときも、県には登録しません。あとから変更できます。`,
                            en: `A municipality registration also registers you with its prefecture, which then sends you news too. Unticked, later registrations in this prefecture do not include it either. You can change this later.`,
                          })
                        : t({
                            ja: `${target.prefecture.name}はまだ参加していないため、いまは県への登録は行われません。チェックを外すと、県には登録しない設定として残ります。`,
                            en: `${target.prefecture.name} has not joined yet, so no prefecture registration is made now. Unticked, the choice is kept for later.`,
                          })}
                    </span>
                  </>
                )}
              </div>
            )}

            <ResidenceField
              page={page}
              db={db(c)}
              personId={session.personId}
              values={values}
              errors={errorsFor((field) => field === 'declaredResidenceLgCode')}
            />

            <fieldset class="field">
              <legend>{t({ ja: '登録証に氏名を表示しますか', en: 'Show your name on the registration card?' })}</legend>
              <span class="hint" id="showName-hint">
                {t({
                  ja: '登録証を確認する人（お店や施設など）に、氏名を見せるかどうかです。あとから変更できます。',
                  en: 'Whether people who check your card (shops, facilities) see your name. You can change it later.',
                })}
              </span>
              <label class="checkbox">
                <input type="radio" name="showNameOnCard" value="false" checked={!values.showNameOnCard} />
                {t({ ja: '表示しない', en: 'Do not show' })}
              </label>
              <label class="checkbox">
                <input type="radio" name="showNameOnCard" value="true" checked={values.showNameOnCard} />
                {t({ ja: '表示する', en: 'Show' })}
              </label>
            </fieldset>

            <div>
              <button class="button" type="submit" name="step" value="register">
                {t({ ja: '登録する', en: 'Register' })}
              </button>
            </div>
          </PostForm>
        </>
      )}
    </Layout>,
    options.status ?? 200,
  );
}

function registerValuesFrom(body: FormBody): RegisterFormValues {
  const customAnswers: Record<string, string> = {};
  for (const key of Object.keys(body)) {
    if (key.startsWith('q.')) customAnswers[key.slice(2)] = formValue(body, key).trim();
  }
  return {
    ties: formValues(body, 'ties'),
    note: formValue(body, 'note').trim(),
    customAnswers,
    linkPrefecture: formValue(body, 'linkPrefecture') === 'true',
    showNameOnCard: formValue(body, 'showNameOnCard') === 'true',
    residencePrefecture: formValue(body, 'residencePrefecture'),
    declaredResidenceLgCode: formValue(body, 'declaredResidenceLgCode'),
  };
}

async function registerSubmit(c: Context<AppEnv>) {
  const session = requireSession(c);
  const lgCode = lgCodeParam(c, 'lgCode', 'municipality_not_found');
  const body = (await c.req.parseBody({ all: true })) as FormBody;
  const values = registerValuesFrom(body);
  if (formValue(body, 'step') === 'residence') return registerFormPage(c, { values });
  // A residence from another prefecture than the one now chosen is a stale choice, not an answer.
  const residence =
    values.declaredResidenceLgCode &&
    (!values.residencePrefecture || values.declaredResidenceLgCode.startsWith(values.residencePrefecture))
      ? values.declaredResidenceLgCode
      : undefined;
  const answers = Object.fromEntries(Object.entries(values.customAnswers).filter(([, answer]) => answer !== ''));
  const input: RegistrationInput = {
    ties: values.ties as RelationshipTie[],
    ...(values.note ? { note: values.note } : {}),
    customAnswers: answers,
    showNameOnCard: values.showNameOnCard,
    // Without the checkbox (a prefecture, or an opt-out made before) the service's rule stands: the
    // opt-out is kept; an unticked box is the person's opt-out.
    linkPrefecture: formValue(body, 'linkOffered') === 'true' ? values.linkPrefecture : true,
    ...(residence ? { declaredResidenceLgCode: residence } : {}),
  };
  try {
    const made = await registerWithGovernment({
      db: db(c),
      personId: session.personId,
      lgCode,
      input,
      requestId: c.get('requestId'),
    });
    const params = new URLSearchParams({ notice: 'registered', lgCode });
    if (made.linkedPrefecture) params.set('linked', made.linkedPrefecture.lg_code);
    return c.redirect(`/my/places?${params.toString()}`, 303);
  } catch (thrown) {
    const error = toAppError(thrown);
    if (error.code === 'validation_failed') return registerFormPage(c, { values, error, status: 400 });
    if (error.code === 'registration_exists') return registerFormPage(c, { values, error, status: 409 });
    if (error.code === 'tenant_not_found') return refusalPage(c, error);
    throw thrown;
  }
}

// ───────────────────────────── /my/places/{lgCode}/premium ─────────────────────────────

/** The person's current registration at `lgCode`, or the 404 page that says there is none. */
async function myRegistrationAt(c: Context<AppEnv>, personId: string, lgCode: string) {
  const mine = await listMyRegistrations({ db: db(c), personId });
  const registration = mine.registrations.find((each) => each.lgCode === lgCode && each.status === 'active');
  if (!registration) throw new AppError('registration_not_found');
  return { registration, mine };
}

function capEntryOf(registration: MyRegistration): CapEntry {
  return {
    lgCode: registration.lgCode,
    isPrefecture: registration.isPrefecture,
    prefectureCode: prefectureCodeOf(registration.lgCode),
    premiumOrPending: registration.tier === 'premium' || registration.pendingApplication,
  };
}

interface PremiumFacts {
  verification: Verification | undefined;
  guardianConsent: boolean;
  capCount: number;
  exceedsCap: boolean;
  judgement: PremiumJudgement;
  settings: RegistrationSettings;
}

async function premiumFacts(
  c: Context<AppEnv>,
  personId: string,
  registration: MyRegistration,
  all: MyRegistration[],
): Promise<PremiumFacts> {
  const tenant = await getTenant({ db: db(c), lgCode: registration.lgCode });
  const settings = tenant.settings.registration;
  const verification = await getCurrentVerification({ db: db(c), personId });
  const guardianConsent = verification?.minor
    ? await hasGuardianConsent({ db: db(c), personId, scope: 'premium_registration' })
    : false;
  const current = all.filter((each) => each.status === 'active');
  const others = current.filter((each) => each.lgCode !== registration.lgCode).map(capEntryOf);
  const judgement = await judgePremiumRequirement({
    db: db(c),
    lgCode: registration.lgCode,
    personId,
    settings,
  });
  return {
    verification,
    guardianConsent,
    capCount: premiumCapCount(current.map(capEntryOf)),
    exceedsCap: exceedsPremiumCap(others, capEntryOf(registration)),
    judgement,
    settings,
  };
}

/** One premium condition and where the person stands; the state is in words, the mark only repeats it. */
function Condition(props: {
  page: PageContext;
  met: boolean | 'not_applicable' | 'unknown';
  label: string;
  children?: Child;
}) {
  const { t } = props.page;
  const states = {
    met: { mark: '✓', text: t({ ja: '満たしています', en: 'Met' }) },
    unmet: { mark: '✕', text: t({ ja: 'まだです', en: 'Not yet' }) },
    not_applicable: { mark: '–', text: t({ ja: '対象外', en: 'Not applicable' }) },
    unknown: { mark: '–', text: t({ ja: '未確認', en: 'Not checked yet' }) },
  };
  const key = props.met === true ? 'met' : props.met === false ? 'unmet' : props.met;
  return (
    <li class={`condition condition--${key}`}>
      <strong>{props.label}</strong>
      <span class="condition__state">
        {states[key].mark} {states[key].text}
      </span>
      {props.children ? <div>{props.children}</div> : null}
    </li>
  );
}

type PremiumNotice = 'pending' | 'approved' | 'rejected';

async function premiumPage(c: Context<AppEnv>, options: { error?: AppError } = {}) {
  const session = requireSession(c);
  const lgCode = lgCodeParam(c, 'lgCode', 'registration_not_found');
  const page = pageContext(c);
  const { t } = page;
  const { registration, mine } = await myRegistrationAt(c, session.personId, lgCode);
  const facts = await premiumFacts(c, session.personId, registration, mine.registrations);
  const { verification, settings, judgement } = facts;
  const name = registration.governmentName;
  const title = { ja: `${name}のプレミアム登録`, en: `Premium registration with ${name}` };
  const self = `/my/places/${lgCode}/premium`;
  const notice = c.req.query('notice') as PremiumNotice | undefined;
  const error = options.error;

  return renderPage(
    c,
    <Layout page={page} title={title}>
      <p>
        <a href="/my/places">{t({ ja: '← 登録している自治体', en: '← Where I am registered' })}</a>
      </p>
      <h1>{t(title)}</h1>
      {notice === 'pending' && (
        <Notice kind="success">
          {t({
            ja: '申請しました。自治体が審査します。結果はメールでお知らせします。',
            en: 'Applied. The government reviews your application and tells you the result by e-mail.',
          })}
        </Notice>
      )}
      {notice === 'approved' && (
        <Notice kind="success">
          {t({
            ja: '要件を満たしているため、プレミアム登録になりました。',
            en: 'You meet the requirement: your registration is now premium.',
          })}
        </Notice>
      )}
      {notice === 'rejected' && (
        <Notice kind="error">
          {t({
            ja: `要件をまだ満たしていないため、プレミアム登録にはなりませんでした。${t(judgement.explanation)}`,
            en: `The requirement is not met yet, so the registration stays basic. ${t(judgement.explanation)}`,
          })}
        </Notice>
      )}
      {error && (
        <Notice kind="error">
          <strong>{errorTitle(page, error)}</strong> {errorDetail(page, error)}
          {error.code === 'premium_requires_verification' && (
            <>
              {' '}
              <a href="/verification">{t({ ja: '本人確認のページへ', en: 'Go to identity verification' })}</a>
            </>
          )}
          {error.code === 'premium_requires_guardian_consent' && (
            <>
              {' '}
              <a href="/account">{t({ ja: 'アカウントのページへ', en: 'Go to my account' })}</a>
            </>
          )}
        </Notice>
      )}
      {registration.tier === 'premium' ? (
        <Notice kind="info">
          {t({ ja: 'プレミアム登録中です。', en: 'Your registration is premium.' })}
          {registration.premiumValidUntil &&
            t({
              ja: `${dateText(page, registration.premiumValidUntil)}まで有効です。`,
              en: ` Valid until ${dateText(page, registration.premiumValidUntil)}.`,
            })}{' '}
          {settings.premiumMode === 'automatic'
            ? t({
                ja: '有効期限の日に要件を満たしていれば、自動で1年更新されます。満たしていなければベーシック登録に戻ります。足りない場合は1か月前にお知らせします。',
                en: 'At the expiry it renews for a year by itself if the requirement is met, and returns to basic if not; you are told a month ahead if something is missing.',
              })
            : t({
                ja: '有効期限の1か月前から、自治体が更新を審査します。期限までに承認されなければベーシック登録に戻ります。',
                en: 'A month before the expiry the government reviews the renewal; without its approval by then, the registration returns to basic.',
              })}
        </Notice>
      ) : registration.pendingApplication ? (
        <Notice kind="info">
          {t({ ja: '申請中です。自治体の審査をお待ちください。', en: 'Your application is pending review.' })}
        </Notice>
      ) : null}
      <p>
        {t({
          ja: 'プレミアム登録は、自治体が指定した担い手活動（祭りの運営、清掃、援農など）に継続して参加する方のための登録です。有効期間は1年で、自治体によっては施設の住民料金や滞在の支援などを受けられます。',
          en: 'Premium registration is for people who take part in activities the government designates (festivals, clean-ups, farm help…). It lasts one year; governments may offer resident rates or help with stays.',
        })}
      </p>

      <section aria-labelledby="conditions-heading">
        <h2 id="conditions-heading">{t({ ja: 'プレミアム登録の条件', en: 'What premium needs' })}</h2>
        <ul class="conditions">
          <Condition
            page={page}
            met={verification !== undefined}
            label={t({ ja: 'マイナンバーカードによる本人確認', en: 'Identity verification with the My Number card' })}
          >
            {verification ? (
              t({
                ja: `確認済みです（${dateText(page, verification.expiresAt)}まで有効）。`,
                en: `Verified (valid until ${dateText(page, verification.expiresAt)}).`,
              })
            ) : (
              <>
                {t({
                  ja: 'プレミアム登録には本人確認が必要です。',
                  en: 'Premium needs identity verification.',
                })}{' '}
                <a href="/verification">{t({ ja: '本人確認のページへ', en: 'Go to identity verification' })}</a>
                <PostForm page={page} action="/verification/start" class="form-stack">
                  <input type="hidden" name="next" value={self} />
                  <div>
                    <button class="button button--secondary" type="submit">
                      {t({ ja: 'マイナンバーカードで本人確認する', en: 'Verify with my My Number card' })}
                    </button>
                  </div>
                </PostForm>
              </>
            )}
          </Condition>
          <Condition
            page={page}
            met={!verification ? 'unknown' : verification.minor ? facts.guardianConsent : 'not_applicable'}
            label={t({ ja: '18歳未満の方は、保護者の同意', en: 'Under 18: a guardian’s consent' })}
          >
            {verification?.minor && !facts.guardianConsent && (
              <>
                {t({
                  ja: '保護者に同意を依頼してください。',
                  en: 'Ask your guardian for consent.',
                })}{' '}
                <a href="/account">{t({ ja: 'アカウントのページへ', en: 'Go to my account' })}</a>
              </>
            )}
            {!verification &&
              t({
                ja: '本人確認のあとに確かめます。',
                en: 'Checked after identity verification.',
              })}
          </Condition>
          <Condition
            page={page}
            met={!registration.ownResidence}
            label={t({ ja: 'お住まいの自治体ではないこと', en: 'Not where you live' })}
          >
            {registration.ownResidence && <OwnResidenceNote page={page} />}
          </Condition>
          <Condition
            page={page}
            met={!facts.exceedsCap}
            label={t({
              ja: `プレミアム登録は${premiumCap}団体まで`,
              en: `Premium with at most ${premiumCap} governments`,
            })}
          >
            {t({
              ja: `いまのプレミアム登録（申請中を含む）: ${facts.capCount}団体。登録している市区町村のある都道府県は、その市区町村と合わせて1つと数えます。`,
              en: `Premium now (applications included): ${facts.capCount}. A prefecture counts once together with a municipality of it you hold.`,
            })}
          </Condition>
        </ul>
      </section>

      <section aria-labelledby="requirement-heading">
        <h2 id="requirement-heading">{t({ ja: `${name}の要件`, en: `${name}'s requirement` })}</h2>
        <dl class="facts">
          <dt>{t({ ja: '担い手活動', en: 'Designated activities' })}</dt>
          <dd>
            {t({
              ja: `${name}が指定した担い手活動に${settings.premiumMinActivities}回以上参加（連続した複数日の活動は、日数分として数えます）`,
              en: `Take part in at least ${settings.premiumMinActivities} activities ${name} designates (a multi-day activity counts once per day)`,
            })}
          </dd>
          <dt>{t({ ja: '数える期間', en: 'Counted over' })}</dt>
          <dd>
            {settings.premiumWindow === 'fiscal_year'
              ? t({ ja: '今年度（4月〜翌年3月）', en: 'This fiscal year (April to March)' })
              : t({ ja: '直近12か月', en: 'The last 12 months' })}
          </dd>
          <dt>{t({ ja: '審査', en: 'Review' })}</dt>
          <dd>
            {settings.premiumMode === 'automatic'
              ? t({
                  ja: '要件を満たしていれば、申請と同時に自動で登録されます。',
                  en: 'Decided automatically when you apply.',
                })
              : t({ ja: '自治体の職員が確認して決めます。', en: 'Staff of the government review the application.' })}
          </dd>
          <dt>{t({ ja: 'いまの状況', en: 'Where you stand' })}</dt>
          <dd>{t(judgement.explanation)}</dd>
        </dl>
      </section>

      {registration.tier === 'basic' && !registration.pendingApplication && (
        <PostForm page={page} action={self} class="form-stack">
          <div>
            <button class="button" type="submit">
              {t({ ja: 'プレミアム登録を申請する', en: 'Apply for premium' })}
            </button>
          </div>
        </PostForm>
      )}
    </Layout>,
    error ? (error.status === 409 ? 409 : error.status === 404 ? 404 : 422) : 200,
  );
}

async function premiumSubmit(c: Context<AppEnv>) {
  const session = requireSession(c);
  const lgCode = lgCodeParam(c, 'lgCode', 'registration_not_found');
  try {
    const applied = await applyForPremium({
      db: db(c),
      personId: session.personId,
      lgCode,
      requestId: c.get('requestId'),
    });
    return c.redirect(`/my/places/${lgCode}/premium?notice=${applied.status}`, 303);
  } catch (thrown) {
    // A refusal names its rule on the page itself; anything else (no registration here) is an error page.
    if (thrown instanceof AppError && thrown.code.startsWith('premium_')) return premiumPage(c, { error: thrown });
    throw thrown;
  }
}

// ───────────────────────────── /my/places/{lgCode}/leave ─────────────────────────────

async function leavePage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const lgCode = lgCodeParam(c, 'lgCode', 'registration_not_found');
  const page = pageContext(c);
  const { t } = page;
  const { registration, mine } = await myRegistrationAt(c, session.personId, lgCode);
  const name = registration.governmentName;
  const linked = mine.registrations.find(
    (each) =>
      each.status === 'active' && each.origin === 'prefecture_link' && each.linkedFromLgCode === registration.lgCode,
  );
  const title = { ja: `${name}の登録をやめる`, en: `Leave ${name}` };
  return renderPage(
    c,
    <Layout page={page} title={title}>
      <h1>{t(title)}</h1>
      <p>
        {t({
          ja: `${name}への登録をやめます。${name}からのお知らせは届かなくなり、登録証も使えなくなります。`,
          en: `You are about to leave ${name}. You will no longer receive its news, and the registration card stops working.`,
        })}
      </p>
      <ul>
        {registration.tier === 'premium' && (
          <li>
            {t({
              ja: 'プレミアム登録も終わります。もう一度プレミアム登録をするには、あらためて申請が必要です。',
              en: 'Premium ends too; to be premium again you apply again.',
            })}
          </li>
        )}
        {registration.pendingApplication && (
          <li>
            {t({
              ja: '審査中のプレミアム登録の申請も取り下げになります。',
              en: 'Your pending premium application is withdrawn.',
            })}
          </li>
        )}
        {linked && (
          <li>
            {t({
              ja: `この登録によって行われた${linked.governmentName}への登録も終わります（同じ県内のほかの市区町村に登録している場合は続きます）。`,
              en: `The registration with ${linked.governmentName} that this one made ends too (unless another municipality of yours in the prefecture holds it).`,
            })}
          </li>
        )}
        <li>
          {t({
            ja: 'あとから、もう一度登録することもできます。',
            en: 'You can register again later.',
          })}
        </li>
      </ul>
      <PostForm page={page} action={`/my/places/${lgCode}/leave`} class="form-stack">
        <div>
          <button class="button button--danger" type="submit">
            {t({ ja: '登録をやめる', en: 'Leave' })}
          </button>
        </div>
      </PostForm>
      <p>
        <a href="/my/places">{t({ ja: 'やめずに戻る', en: 'Cancel and go back' })}</a>
      </p>
    </Layout>,
  );
}

export function registrationPages(): AppRouter {
  const router = createRouter();

  router.get('/my/places', placesPage);

  router.get('/register', chooseGovernmentPage);
  router.get('/register/:lgCode', (c) => registerFormPage(c));
  router.post('/register/:lgCode', registerSubmit);

  router.get('/my/places/:lgCode/premium', (c) => premiumPage(c));
  router.post('/my/places/:lgCode/premium', premiumSubmit);

  router.get('/my/places/:lgCode/leave', leavePage);
  router.post('/my/places/:lgCode/leave', async (c) => {
    const session = requireSession(c);
    const lgCode = lgCodeParam(c, 'lgCode', 'registration_not_found');
    await withdrawRegistration({ db: db(c), personId: session.personId, lgCode, requestId: c.get('requestId') });
    return c.redirect(`/my/places?notice=left&lgCode=${lgCode}`, 303);
  });

  router.post('/my/places/:lgCode/stay', async (c) => {
    const session = requireSession(c);
    const lgCode = lgCodeParam(c, 'lgCode', 'registration_not_found');
    await answerStayQuestion({ db: db(c), personId: session.personId, lgCode, requestId: c.get('requestId') });
    return c.redirect(`/my/places?notice=stayed&lgCode=${lgCode}`, 303);
  });

  router.post('/my/places/:lgCode/show-name', async (c) => {
    const session = requireSession(c);
    const lgCode = lgCodeParam(c, 'lgCode', 'registration_not_found');
    const body = (await c.req.parseBody({ all: true })) as FormBody;
    await setShowNameOnCard({
      db: db(c),
      personId: session.personId,
      lgCode,
      show: formValue(body, 'show') === 'true',
    });
    return c.redirect('/my/places?notice=show_name', 303);
  });

  router.post('/my/prefecture-links/:prefectureLgCode', async (c) => {
    const session = requireSession(c);
    const prefectureLgCode = lgCodeParam(c, 'prefectureLgCode', 'municipality_not_found');
    const body = (await c.req.parseBody({ all: true })) as FormBody;
    const linked = formValue(body, 'linked') === 'true';
    await setPrefectureLink({
      db: db(c),
      personId: session.personId,
      prefectureLgCode,
      linked,
      requestId: c.get('requestId'),
    });
    return c.redirect(`/my/places?notice=${linked ? 'link_on' : 'link_off'}&lgCode=${prefectureLgCode}`, 303);
  });

  return router;
}
