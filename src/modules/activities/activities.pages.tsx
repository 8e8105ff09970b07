import type { Context } from 'hono';
import { organisationKinds, projectCategories } from '../../platform/db/schema.js';
import { AppError, problemCatalog, toAppError, type FieldError } from '../../platform/errors.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { requireSession } from '../../platform/http/session.js';
import type { Localized } from '../../platform/i18n.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { fiscalYearOf } from '../../platform/time.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import { listPrefectures, searchMunicipalities } from '../municipalities/index.js';
import { getMyPremiumProgress, listMyRegistrations } from '../registrations/index.js';
import { resolveSessionActor } from '../staff/index.js';
import {
  applicationStatusLabels,
  attendanceMethodLabels,
  organisationKindLabels,
  projectCategoryLabels,
} from './activities.labels.js';
import { sessionTimeText } from './activities.format.js';
import { applyToSession, cancelMyApplication, listMyApplications } from './applications.service.js';
import { getMyActivityHistory } from './attendance.service.js';
import { applyAsOrganisation } from './organisations.service.js';
import { getPublicProject, listUpcomingActivities, UpcomingQuery } from './public.service.js';

const titles = {
  list: { ja: '担い手活動をさがす', en: 'Find local activities' },
  mine: { ja: 'わたしの活動', en: 'My activities' },
  record: { ja: '担い手活動の記録', en: 'Record of activities' },
  apply: { ja: '関係団体として参加を申し込む', en: 'Apply as a related organisation' },
} satisfies Record<string, Localized>;

type FormBody = Record<string, string | File | (string | File)[]>;

function formValue(body: FormBody, name: string): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

function deps(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config, requestId: c.get('requestId') };
}

function errorText(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  return page.t(error.detail ?? { ja: entry.ja.detail, en: entry.en.detail });
}

/** Service messages are written "日本語 / English"; a person reads the half in their language. */
function messageIn(page: PageContext, message: string): string {
  const [ja, en] = message.split(' / ');
  return (page.locale === 'en' ? en : ja) ?? message;
}

function dateText(page: PageContext, date: string): string {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'long',
    timeZone: 'Asia/Tokyo',
  }).format(new Date(`${date}T12:00:00+09:00`));
}

function placesText(page: PageContext, placesLeft: number | null, open: boolean): string {
  if (!open) return page.t({ ja: '受付終了', en: 'Applications closed' });
  if (placesLeft === null) return page.t({ ja: '定員なし', en: 'No limit' });
  if (placesLeft === 0) return page.t({ ja: '満員（キャンセル待ちで申し込めます）', en: 'Full (waiting list open)' });
  return page.t({ ja: `残り${placesLeft}人`, en: `${placesLeft} places left` });
}

function DesignatedBadge(props: { page: PageContext }) {
  return (
    <span class="badge badge--designated">
      {props.page.t({ ja: 'プレミアム登録の対象活動', en: 'Counts for premium' })}
    </span>
  );
}

// ───────────────────────────── /activities ─────────────────────────────

async function listPage(c: Context<AppEnv>) {
  const page = pageContext(c);
  const { t } = page;
  const raw = Object.fromEntries(Object.entries(c.req.query()).filter(([, value]) => value !== ''));
  const parsed = UpcomingQuery.safeParse(raw);
  const prefectures = await listPrefectures({ db: deps(c).db });
  const result = parsed.success ? await listUpcomingActivities({ db: deps(c).db, query: parsed.data }) : undefined;
  const pageHref = (number: number) =>
    `/activities?${new URLSearchParams({ ...raw, page: String(number) }).toString()}`;
  return renderPage(
    c,
    <Layout page={page} title={titles.list}>
      <h1>{t(titles.list)}</h1>
      <p class="lead">
        {t({
          ja: '全国の自治体や地域の団体が募集している担い手活動（祭り、清掃、買い物支援、援農、防災訓練など）です。',
          en: 'Activities that towns and local organisations across Japan are looking for help with.',
        })}
      </p>
      <form class="search-form" method="get" action="/activities" role="search">
        <div class="field">
          <label for="prefecture">{t({ ja: '都道府県', en: 'Prefecture' })}</label>
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
          <label for="category">{t({ ja: '分野', en: 'Category' })}</label>
          <select id="category" name="category">
            <option value="">{t({ ja: 'すべて', en: 'All' })}</option>
            {projectCategories.map((category) => (
              <option value={category} selected={raw.category === category}>
                {t(projectCategoryLabels[category])}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label class="checkbox">
            <input type="checkbox" name="designated" value="true" checked={raw.designated === 'true'} />
            {t({ ja: 'プレミアム登録の対象活動だけ', en: 'Only activities that count for premium' })}
          </label>
        </div>
        {raw.lgCode && <input type="hidden" name="lgCode" value={raw.lgCode} />}
        <div>
          <button class="button" type="submit">
            {t({ ja: 'さがす', en: 'Search' })}
          </button>
        </div>
      </form>
      {!parsed.success && (
        <Notice kind="error">
          {t({ ja: '検索の条件が正しくありません。', en: 'The search conditions are not valid.' })}
        </Notice>
      )}
      {result && (
        <>
          <h2>{t({ ja: `${result.total}件の活動予定`, en: `${result.total} upcoming sessions` })}</h2>
          {result.items.length === 0 ? (
            <p>{t({ ja: '条件に合う活動はありません。', en: 'No activity matches.' })}</p>
          ) : (
            <ul class="card-list">
              {result.items.map((item) => (
                <li class="card-list__item">
                  <h3>
                    <a href={`/activities/${item.lgCode}/${item.projectId}`}>{item.title}</a>
                  </h3>
                  <p>
                    {item.governmentName}
                    {item.organisationName ? ` ・ ${item.organisationName}` : ''} ・{' '}
                    {t(projectCategoryLabels[item.category])}
                  </p>
                  <p>
                    {sessionTimeText(item.startsAt, item.endsAt, page.locale)}
                    {item.placeName ? ` ・ ${item.placeName}` : ''}
                  </p>
                  <p>
                    {placesText(page, item.placesLeft, item.open)} {item.designated && <DesignatedBadge page={page} />}
                  </p>
                </li>
              ))}
            </ul>
          )}
          {result.totalPages > 1 && (
            <nav aria-label={t({ ja: 'ページ', en: 'Pages' })} class="pager">
              {result.page > 1 && <a href={pageHref(result.page - 1)}>{t({ ja: '前へ', en: 'Previous' })}</a>}
              <span>
                {result.page} / {result.totalPages}
              </span>
              {result.page < result.totalPages && (
                <a href={pageHref(result.page + 1)}>{t({ ja: '次へ', en: 'Next' })}</a>
              )}
            </nav>
          )}
        </>
      )}
    </Layout>,
    parsed.success ? 200 : 400,
  );
}

// ───────────────────────────── /activities/{lgCode}/{projectId} ─────────────────────────────

type ProjectNotice = 'applied' | 'waitlisted' | 'cancelled';

async function projectPage(
  c: Context<AppEnv>,
  ids: { lgCode: string; projectId: string },
  problem?: { error: AppError; status: number },
) {
  const page = pageContext(c);
  const { t } = page;
  const session = c.get('session');
  const { lgCode, projectId } = ids;
  const { project, sessions } = await getPublicProject({
    db: deps(c).db,
    lgCode,
    projectId,
    ...(session ? { personId: session.personId } : {}),
  });
  const notice = c.req.query('notice') as ProjectNotice | undefined;
  const here = `/activities/${project.lgCode}/${project.id}`;
  const details: Array<[Localized, string]> = [
    [{ ja: '主催', en: 'Organiser' }, project.organisationName ?? project.governmentName],
    [{ ja: '分野', en: 'Category' }, t(projectCategoryLabels[project.category])],
    [{ ja: '場所', en: 'Place' }, [project.placeName, project.placeAddress].filter(Boolean).join(' ')],
    [{ ja: '持ち物', en: 'What to bring' }, project.whatToBring],
    [{ ja: 'バリアフリー・配慮', en: 'Accessibility' }, project.accessibility],
    [{ ja: '問い合わせ先', en: 'Contact' }, project.contact],
  ];
  return renderPage(
    c,
    <Layout page={page} title={{ ja: project.title, en: project.title }}>
      <p>
        <a href={`/activities?lgCode=${project.lgCode}`}>
          {t({ ja: `${project.governmentName}の活動一覧`, en: `Activities in ${project.governmentName}` })}
        </a>
      </p>
      <h1>{project.title}</h1>
      <p>
        {project.governmentName} {project.designated && <DesignatedBadge page={page} />}
      </p>
      {notice === 'applied' && (
        <Notice kind="success">
          {t({
            ja: '参加を申し込みました（参加確定）。確認のメールをお送りしました。',
            en: 'You are in. A confirmation mail is on its way.',
          })}
        </Notice>
      )}
      {notice === 'waitlisted' && (
        <Notice kind="success">
          {t({
            ja: `キャンセル待ち（${c.req.query('position') ?? ''}番目）で申し込みました。空きが出ると自動で繰り上がり、メールでお知らせします。`,
            en: `You are on the waiting list (number ${c.req.query('position') ?? ''}). You move up automatically and get a mail when a place frees.`,
          })}
        </Notice>
      )}
      {notice === 'cancelled' && (
        <Notice kind="success">
          {t({ ja: '申し込みをキャンセルしました。', en: 'Your application is cancelled.' })}
        </Notice>
      )}
      {problem && <Notice kind="error">{errorText(page, problem.error)}</Notice>}
      {project.description && <p class="prose">{project.description}</p>}
      <dl class="facts">
        {details
          .filter(([, value]) => value)
          .map(([label, value]) => (
            <>
              <dt>{t(label)}</dt>
              <dd>{value}</dd>
            </>
          ))}
      </dl>
      {project.designated && (
        <p>
          {t({
            ja: 'この活動は自治体が指定した担い手活動です。参加すると、プレミアム登録の要件（年3回など、自治体ごとの回数）に数えられます。複数日にわたる回は、参加した日数を数えます。',
            en: 'This activity is designated by the local government: taking part counts toward premium registration (e.g. 3 a year, set by each government). A session over several days counts each day you attend.',
          })}
        </p>
      )}
      <h2>{t({ ja: '日程', en: 'Sessions' })}</h2>
      {sessions.length === 0 ? (
        <p>{t({ ja: '予定されている日程はまだありません。', en: 'No session is planned yet.' })}</p>
      ) : (
        <table class="data">
          <caption class="visually-hidden">{t({ ja: '日程と申し込み', en: 'Sessions and applications' })}</caption>
          <thead>
            <tr>
              <th scope="col">{t({ ja: '日時', en: 'When' })}</th>
              <th scope="col">{t({ ja: '空き', en: 'Places' })}</th>
              <th scope="col">{t({ ja: '申し込み', en: 'Apply' })}</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((item) => (
              <tr>
                <th scope="row">
                  {sessionTimeText(item.startsAt, item.endsAt, page.locale)}
                  {item.note && <div class="hint">{item.note}</div>}
                </th>
                <td>
                  {item.status === 'cancelled'
                    ? t({ ja: '中止', en: 'Cancelled' })
                    : item.ended
                      ? t({ ja: '終了', en: 'Over' })
                      : placesText(page, item.placesLeft, item.status === 'open')}
                </td>
                <td>
                  {item.myApplication ? (
                    <>
                      <p>{t(applicationStatusLabels[item.myApplication.status])}</p>
                      {!item.ended && (
                        <PostForm
                          page={page}
                          action={`/my/activities/applications/${project.lgCode}/${item.myApplication.id}/cancel`}
                        >
                          <input type="hidden" name="back" value={here} />
                          <button type="submit" class="button button--secondary">
                            {t({ ja: 'キャンセルする', en: 'Cancel' })}
                          </button>
                        </PostForm>
                      )}
                    </>
                  ) : item.status === 'open' && !item.ended ? (
                    session ? (
                      <PostForm page={page} action={`/activities/${project.lgCode}/sessions/${item.id}/apply`}>
                        <input type="hidden" name="project" value={project.id} />
                        <label for={`comment-${item.id}`} class="visually-hidden">
                          {t({ ja: '主催者への連絡（任意）', en: 'Note to the organiser (optional)' })}
                        </label>
                        <input
                          id={`comment-${item.id}`}
                          name="comment"
                          type="text"
                          maxlength={500}
                          placeholder={t({ ja: '主催者への連絡（任意）', en: 'Note to the organiser (optional)' })}
                        />
                        <button type="submit" class="button">
                          {item.placesLeft === 0
                            ? t({ ja: 'キャンセル待ちで申し込む', en: 'Join the waiting list' })
                            : t({ ja: '参加を申し込む', en: 'Apply' })}
                        </button>
                      </PostForm>
                    ) : (
                      <a class="button" href={`/signin?next=${encodeURIComponent(here)}`}>
                        {t({ ja: 'ログインして申し込む', en: 'Sign in to apply' })}
                      </a>
                    )
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {session && (
        <p class="hint">
          {t({
            ja: '申し込むと、あなたのお名前（登録している自治体に伝えているお名前、またはアカウントの表示名）とメールアドレスが主催者に伝わります。',
            en: 'When you apply, the organiser receives your name (as you share it with this government, or your display name) and e-mail address.',
          })}
        </p>
      )}
    </Layout>,
    (problem?.status ?? 200) as 200,
  );
}

async function applySubmit(c: Context<AppEnv>) {
  const session = requireSession(c);
  const body = (await c.req.parseBody()) as FormBody;
  const lgCode = c.req.param('lgCode') ?? '';
  const projectId = formValue(body, 'project');
  try {
    const applied = await applyToSession({
      ...deps(c),
      personId: session.personId,
      lgCode,
      sessionId: c.req.param('sessionId') ?? '',
      input: { comment: formValue(body, 'comment') },
    });
    const notice =
      applied.status === 'confirmed'
        ? 'notice=applied'
        : `notice=waitlisted&position=${applied.waitlistPosition ?? ''}`;
    return c.redirect(`/activities/${lgCode}/${projectId}?${notice}`, 303);
  } catch (error) {
    const appError = toAppError(error);
    if (appError.status >= 500 || !isValidLgCode(lgCode) || !/^[0-9a-f-]{36}$/.test(projectId)) throw error;
    return projectPage(c, { lgCode, projectId }, { error: appError, status: appError.status });
  }
}

async function cancelSubmit(c: Context<AppEnv>) {
  const session = requireSession(c);
  const body = (await c.req.parseBody()) as FormBody;
  await cancelMyApplication({
    ...deps(c),
    personId: session.personId,
    lgCode: c.req.param('lgCode') ?? '',
    applicationId: c.req.param('applicationId') ?? '',
  });
  const back = formValue(body, 'back');
  const safeBack = /^\/activities\/\d{6}\/[0-9a-f-]{36}$/.test(back) ? back : '/my/activities';
  return c.redirect(`${safeBack}?notice=cancelled`, 303);
}

// ───────────────────────────── /my/activities ─────────────────────────────

async function myActivitiesPage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const { db } = deps(c);
  const now = new Date();
  const [applications, history, mine] = [
    await listMyApplications({ db, personId: session.personId, now }),
    await getMyActivityHistory({ db, personId: session.personId }),
    await listMyRegistrations({ db, personId: session.personId }),
  ];
  const active = mine.registrations.filter((registration) => registration.status === 'active');
  const progress = [];
  for (const registration of active) {
    progress.push(await getMyPremiumProgress({ db, personId: session.personId, lgCode: registration.lgCode }));
  }
  const upcoming = applications.filter(
    (item) =>
      (item.status === 'confirmed' || item.status === 'waitlisted') && item.session && item.session.endsAt > now,
  );
  const notice = c.req.query('notice');
  return renderPage(
    c,
    <Layout page={page} title={titles.mine}>
      <h1>{t(titles.mine)}</h1>
      {notice === 'cancelled' && (
        <Notice kind="success">
          {t({ ja: '申し込みをキャンセルしました。', en: 'Your application is cancelled.' })}
        </Notice>
      )}
      <p>
        <a class="button" href="/my/check-in">
          {t({ ja: '会場でチェックインする', en: 'Check in at the venue' })}
        </a>{' '}
        <a href="/activities">{t(titles.list)}</a>
      </p>

      <h2>{t({ ja: '申し込んでいる活動', en: 'Coming up' })}</h2>
      {upcoming.length === 0 ? (
        <p>{t({ ja: '申し込んでいる活動はありません。', en: 'You have not applied to anything coming up.' })}</p>
      ) : (
        <ul class="card-list">
          {upcoming.map((item) => (
            <li class="card-list__item">
              <h3>
                <a href={`/activities/${item.lgCode}/${item.session!.projectId}`}>{item.session!.projectTitle}</a>
              </h3>
              <p>
                {sessionTimeText(item.session!.startsAt, item.session!.endsAt, page.locale)} ・ {item.governmentName}
              </p>
              <p>
                <strong>
                  {t(applicationStatusLabels[item.status])}
                  {item.waitlistPosition !== null &&
                    t({ ja: `（${item.waitlistPosition}番目）`, en: ` (number ${item.waitlistPosition})` })}
                </strong>{' '}
                {item.session!.designated && <DesignatedBadge page={page} />}
              </p>
              <PostForm page={page} action={`/my/activities/applications/${item.lgCode}/${item.id}/cancel`}>
                <button type="submit" class="button button--secondary">
                  {t({ ja: 'キャンセルする', en: 'Cancel' })}
                </button>
              </PostForm>
            </li>
          ))}
        </ul>
      )}

      <h2>{t({ ja: 'プレミアム登録の要件', en: 'Premium requirement' })}</h2>
      {progress.length === 0 ? (
        <p>
          {t({
            ja: 'ふるさと住民登録をしている自治体はまだありません。',
            en: 'You are not registered with any government yet.',
          })}{' '}
          <a href="/register">{t({ ja: '登録する', en: 'Register' })}</a>
        </p>
      ) : (
        <ul class="card-list">
          {progress.map((entry) => (
            <li class="card-list__item">
              <h3>{entry.governmentName}</h3>
              <p>{t(entry.judgement.explanation)}</p>
              {entry.judgement.longStay && (
                <p>{t({ ja: '長期滞在の要件を満たしています。', en: 'You meet the long-stay mark.' })}</p>
              )}
              <p class="hint">
                {entry.judgement.window.kind === 'fiscal_year'
                  ? t({ ja: '数える期間: 今年度（4月1日から）', en: 'Counted: this fiscal year (from 1 April)' })
                  : t({ ja: '数える期間: 直近12か月', en: 'Counted: the last 12 months' })}
              </p>
            </li>
          ))}
        </ul>
      )}

      <h2>{t({ ja: '参加した活動', en: 'Activities I took part in' })}</h2>
      {history.length === 0 ? (
        <p>{t({ ja: '参加した活動の記録はまだありません。', en: 'No activity recorded yet.' })}</p>
      ) : (
        history.map((group) => (
          <section aria-labelledby={`history-${group.lgCode}-${group.fiscalYear}`}>
            <h3 id={`history-${group.lgCode}-${group.fiscalYear}`}>
              {group.governmentName} ・ {t({ ja: `${group.fiscalYear}年度`, en: `FY${group.fiscalYear}` })}
            </h3>
            <p>
              {t({
                ja: `参加 ${group.days}日（うち指定された担い手活動 ${group.designatedDays}日）`,
                en: `${group.days} days (${group.designatedDays} designated)`,
              })}{' '}
              <a href={`/my/activities/record?lgCode=${group.lgCode}&fiscalYear=${group.fiscalYear}`}>
                {t({ ja: '印刷用の記録', en: 'Printable record' })}
              </a>
            </p>
            <HistoryTable page={page} entries={group.entries} />
          </section>
        ))
      )}
    </Layout>,
  );
}

function HistoryTable(props: {
  page: PageContext;
  entries: Awaited<ReturnType<typeof getMyActivityHistory>>[number]['entries'];
}) {
  const { t } = props.page;
  return (
    <table class="data">
      <caption class="visually-hidden">{t({ ja: '参加した日', en: 'Days present' })}</caption>
      <thead>
        <tr>
          <th scope="col">{t({ ja: '日付', en: 'Date' })}</th>
          <th scope="col">{t({ ja: '活動', en: 'Activity' })}</th>
          <th scope="col">{t({ ja: '主催', en: 'Organiser' })}</th>
          <th scope="col">{t({ ja: '指定', en: 'Designated' })}</th>
          <th scope="col">{t({ ja: '記録の方法', en: 'Recorded by' })}</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.map((entry) => (
          <tr>
            <td>{dateText(props.page, entry.activityDate)}</td>
            <th scope="row">{entry.projectTitle}</th>
            <td>{entry.organisationName ?? '—'}</td>
            <td>{entry.designated ? t({ ja: '指定', en: 'Yes' }) : '—'}</td>
            <td>{t(attendanceMethodLabels[entry.method])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function recordPage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const lgCode = c.req.query('lgCode') ?? '';
  const fiscalYear = Number(c.req.query('fiscalYear') ?? fiscalYearOf(new Date()));
  if (!isValidLgCode(lgCode) || !Number.isInteger(fiscalYear) || fiscalYear < 2020 || fiscalYear > 2100) {
    throw new AppError('not_found');
  }
  const [group] = await getMyActivityHistory({ db: deps(c).db, personId: session.personId, lgCode, fiscalYear });
  const issued = new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'long',
    timeZone: 'Asia/Tokyo',
  }).format(new Date());
  return renderPage(
    c,
    <Layout page={page} title={titles.record}>
      <article class="printable-record">
        <h1>{t(titles.record)}</h1>
        <dl class="facts">
          <dt>{t({ ja: 'お名前', en: 'Name' })}</dt>
          <dd>{session.displayName ?? '—'}</dd>
          <dt>{t({ ja: '自治体', en: 'Local government' })}</dt>
          <dd>{group?.governmentName ?? lgCode}</dd>
          <dt>{t({ ja: '年度', en: 'Fiscal year' })}</dt>
          <dd>
            {t({
              ja: `${fiscalYear}年度（${fiscalYear}年4月〜${fiscalYear + 1}年3月）`,
              en: `FY${fiscalYear} (April ${fiscalYear} – March ${fiscalYear + 1})`,
            })}
          </dd>
          <dt>{t({ ja: '参加日数', en: 'Days present' })}</dt>
          <dd>
            {t({
              ja: `${group?.days ?? 0}日（うち指定された担い手活動 ${group?.designatedDays ?? 0}日）`,
              en: `${group?.days ?? 0} (${group?.designatedDays ?? 0} designated)`,
            })}
          </dd>
        </dl>
        {group ? (
          <HistoryTable page={page} entries={group.entries} />
        ) : (
          <p>{t({ ja: 'この年度の参加記録はありません。', en: 'No activity in this fiscal year.' })}</p>
        )}
        <p class="hint">
          {t({
            ja: `${issued} 時点の、ふるさと住民登録システムの記録です。`,
            en: `As recorded by the Furusato registration system on ${issued}.`,
          })}
        </p>
      </article>
      <p class="no-print">
        <a href="/my/activities">{t({ ja: '← わたしの活動へ', en: '← My activities' })}</a>
      </p>
    </Layout>,
  );
}

// ───────────────────────────── /organisations/apply ─────────────────────────────

const organisationFields: Array<{
  name: string;
  label: Localized;
  type?: string;
  hint?: Localized;
  textarea?: boolean;
}> = [
  { name: 'name', label: { ja: '団体名（必須）', en: 'Name (required)' } },
  {
    name: 'area',
    label: { ja: '活動している地域', en: 'Area of activity' },
    hint: { ja: '例: 魚町地区', en: 'e.g. the Uomachi district' },
  },
  { name: 'description', label: { ja: '団体の紹介', en: 'About the organisation' }, textarea: true },
  { name: 'contactEmail', label: { ja: '連絡先メールアドレス', en: 'Contact e-mail' }, type: 'email' },
  { name: 'contactPhone', label: { ja: '連絡先電話番号', en: 'Contact phone' }, type: 'tel' },
  { name: 'website', label: { ja: 'ウェブサイト', en: 'Website' }, type: 'url' },
  {
    name: 'corporateNumber',
    label: { ja: '法人番号（13桁・法人の場合）', en: 'Corporate number (13 digits, if incorporated)' },
    hint: {
      ja: '国税庁の法人番号公表サイトで確認できます。',
      en: 'Shown on the National Tax Agency’s corporate number site.',
    },
  },
];

async function organisationApplyPage(
  c: Context<AppEnv>,
  state: { values?: Record<string, string>; errors?: FieldError[]; problem?: AppError; status?: number } = {},
) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const { db } = deps(c);
  const actor = await resolveSessionActor({ db, session });
  const elsewhere = (actor.memberships ?? []).filter(
    (membership) => membership.role === 'organisation_staff' && membership.organisationId,
  );
  // Every participating government, prefectures first as the master orders them (at most 1,788).
  const participating: Awaited<ReturnType<typeof searchMunicipalities>>['items'] = [];
  for (let number = 1; number <= 10; number += 1) {
    const batch = await searchMunicipalities({ db, input: { participating: true, page: number, perPage: 200 } });
    participating.push(...batch.items);
    if (batch.items.length < 200) break;
  }
  const values = state.values ?? { lgCode: c.req.query('lgCode') ?? '' };
  const errorOf = (name: string) => state.errors?.find((error) => error.field === name);
  return renderPage(
    c,
    <Layout page={page} title={titles.apply}>
      <h1>{t(titles.apply)}</h1>
      <p>
        {t({
          ja: '自治会、NPO、まちづくり会社などの団体として、自治体と一緒に担い手活動を行うための申し込みです。自治体が承認すると、あなたはこの団体の「団体担当者」として、活動の計画・参加者の受付・出欠の記録ができるようになります。',
          en: 'Apply for your organisation (neighbourhood association, NPO, …) to run activities with a local government. Once the government approves, you manage its activities as organisation staff.',
        })}
      </p>
      {state.problem && <Notice kind="error">{errorText(page, state.problem)}</Notice>}
      {state.errors && state.errors.length > 0 && (
        <div role="alert" class="error-list">
          <p>{t({ ja: '次の項目を確認してください。', en: 'Please check the following.' })}</p>
          <ul>
            {state.errors.map((error) => (
              <li>
                <a href={`#${error.field}`}>{messageIn(page, error.message)}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
      <PostForm page={page} action="/organisations/apply">
        <div class="field">
          <label for="lgCode">{t({ ja: '申し込む自治体（必須）', en: 'Local government (required)' })}</label>
          <select id="lgCode" name="lgCode" required>
            <option value="">{t({ ja: '選んでください', en: 'Choose' })}</option>
            {participating.map((government) => (
              <option value={government.lgCode} selected={values.lgCode === government.lgCode}>
                {government.kind === 'prefecture' ? government.name : `${government.prefecture.name}${government.name}`}
              </option>
            ))}
          </select>
        </div>
        {elsewhere.length > 0 && (
          <fieldset class="field">
            <legend class="label">
              {t({ ja: 'すでに担当している団体', en: 'An organisation you already serve' })}
            </legend>
            <label class="checkbox">
              <input type="radio" name="sameAsIn" value="" checked={!values.sameAsIn} />
              {t({ ja: '新しい団体として申し込む', en: 'A new organisation' })}
            </label>
            {elsewhere.map((membership) => (
              <label class="checkbox">
                <input
                  type="radio"
                  name="sameAsIn"
                  value={membership.lgCode}
                  checked={values.sameAsIn === membership.lgCode}
                />
                {t({
                  ja: `${membership.lgCode} で担当している団体を、この自治体にも登録する`,
                  en: `The organisation I serve in ${membership.lgCode}`,
                })}
              </label>
            ))}
          </fieldset>
        )}
        <div class="field">
          <label for="kind">{t({ ja: '団体の種類（必須）', en: 'Kind (required)' })}</label>
          <select id="kind" name="kind">
            {organisationKinds.map((kind) => (
              <option value={kind} selected={values.kind === kind}>
                {t(organisationKindLabels[kind])}
              </option>
            ))}
          </select>
        </div>
        {organisationFields.map((field) => {
          const error = errorOf(field.name);
          return (
            <div class="field">
              <label for={field.name}>{t(field.label)}</label>
              {field.hint && <span class="hint">{t(field.hint)}</span>}
              {error && <span class="field-error">{messageIn(page, error.message)}</span>}
              {field.textarea ? (
                <textarea id={field.name} name={field.name} rows={5} aria-invalid={error ? 'true' : undefined}>
                  {values[field.name] ?? ''}
                </textarea>
              ) : (
                <input
                  id={field.name}
                  name={field.name}
                  type={field.type ?? 'text'}
                  value={values[field.name] ?? ''}
                  aria-invalid={error ? 'true' : undefined}
                />
              )}
            </div>
          );
        })}
        <button type="submit" class="button">
          {t({ ja: '申し込む', en: 'Apply' })}
        </button>
      </PostForm>
    </Layout>,
    (state.status ?? 200) as 200,
  );
}

async function organisationApplySubmit(c: Context<AppEnv>) {
  const session = requireSession(c);
  const body = (await c.req.parseBody()) as FormBody;
  const values: Record<string, string> = {};
  for (const name of ['lgCode', 'sameAsIn', 'kind', ...organisationFields.map((field) => field.name)]) {
    values[name] = formValue(body, name).trim();
  }
  const { lgCode = '', sameAsIn = '', ...fields } = values;
  if (!isValidLgCode(lgCode)) {
    return organisationApplyPage(c, {
      values,
      errors: [{ field: 'lgCode', in: 'form', message: '申し込む自治体を選んでください / choose a local government' }],
      status: 400,
    });
  }
  try {
    const actor = await resolveSessionActor({ ...deps(c), session });
    const organisation = await applyAsOrganisation({
      db: deps(c).db,
      actor,
      lgCode,
      input: sameAsIn ? { sameAsIn } : (fields as { name: string; kind: (typeof organisationKinds)[number] }),
    });
    const page = pageContext(c);
    return renderPage(
      c,
      <Layout page={page} title={titles.apply}>
        <h1>{page.t({ ja: '申し込みを受け付けました', en: 'Application received' })}</h1>
        <Notice kind="success">
          {page.t({
            ja: `「${organisation.name}」の申し込みを受け付けました。自治体が承認すると、メールでお知らせします。`,
            en: `We received the application of “${organisation.name}”. You will get a mail when the government decides.`,
          })}
        </Notice>
        <p>
          <a href="/activities">{page.t(titles.list)}</a>
        </p>
      </Layout>,
      201,
    );
  } catch (error) {
    const appError = toAppError(error);
    if (appError.status >= 500) throw error;
    return organisationApplyPage(c, {
      values,
      ...(appError.code === 'validation_failed' ? { errors: appError.fieldErrors } : { problem: appError }),
      status: appError.status,
    });
  }
}

export function activityPages(): AppRouter {
  const router = createRouter();
  router.get('/activities', listPage);
  router.get('/activities/:lgCode/:projectId', (c) =>
    projectPage(c, { lgCode: c.req.param('lgCode'), projectId: c.req.param('projectId') }),
  );
  router.post('/activities/:lgCode/sessions/:sessionId/apply', applySubmit);
  router.post('/my/activities/applications/:lgCode/:applicationId/cancel', cancelSubmit);
  router.get('/my/activities', myActivitiesPage);
  router.get('/my/activities/record', recordPage);
  router.get('/organisations/apply', (c) => organisationApplyPage(c));
  router.post('/organisations/apply', organisationApplySubmit);
  return router;
}
