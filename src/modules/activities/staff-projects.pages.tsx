import type { Context } from 'hono';
import { projectCategories, type ProjectDesignation, type ProjectStatus } from '../../platform/db/schema.js';
import type { AppEnv } from '../../platform/http/app.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, type PageContext } from '../../platform/ui/layout.js';
import { getMunicipality, searchMunicipalities } from '../municipalities/index.js';
import { StaffNav, type StaffArea } from '../staff/index.js';
import { sessionTimeText } from './activities.format.js';
import {
  designationLabels,
  projectCategoryLabels,
  projectStatusLabels,
  sessionStatusLabels,
} from './activities.labels.js';
import { activityPermissions } from './activities.policy.js';
import { listOrganisations } from './organisations.service.js';
import {
  addSession,
  countDesignationRequests,
  createProject,
  getProject,
  listProjects,
  ProjectListQuery,
  requestProjectDesignation,
  setProjectDesignation,
  setProjectStatus,
  updateProject,
  type Project,
} from './projects.service.js';
import {
  activityTitles,
  base,
  ConfirmField,
  dateTimeFormat,
  deps,
  fieldErrorsOf,
  filledQuery,
  FormErrors,
  formString,
  formValues,
  InputField,
  PageError,
  pageValidationError,
  personalPage,
  SelectField,
  statusOf,
  submitForm,
  SuccessNotice,
  TextareaField,
  valueIn,
  type FormState,
} from './staff-activities.ui.js';

/** Projects (事業) and their sessions in the staff area: the list with its filters and plan form, one project. */

export const projectFieldLabels: Record<string, Localized> = {
  organisationId: { ja: '実施する団体', en: 'Run by' },
  title: { ja: '事業名', en: 'Title' },
  category: { ja: '分野', en: 'Category' },
  description: { ja: '事業の内容', en: 'Description' },
  placeName: { ja: '場所', en: 'Place' },
  placeAddress: { ja: '場所の住所', en: 'Address' },
  placeLgCode: { ja: '開催する市区町村', en: 'Municipality' },
  whatToBring: { ja: '持ち物', en: 'What to bring' },
  contact: { ja: '問い合わせ先', en: 'Contact' },
  accessibility: { ja: 'バリアフリー・配慮', en: 'Accessibility' },
  designation: { ja: '指定', en: 'Designation' },
  effectiveFrom: { ja: '適用開始日', en: 'Effective from' },
  body: { ja: '適用開始日', en: 'Effective from' },
  confirm: { ja: '確認', en: 'Confirmation' },
  status: { ja: '状態', en: 'Status' },
  designated: { ja: '指定', en: 'Designation' },
  designationRequested: { ja: '指定の依頼', en: 'Designation requests' },
  page: { ja: 'ページ', en: 'Page' },
};

export const sessionFieldLabels: Record<string, Localized> = {
  startsAt: { ja: '開始日時', en: 'Starts' },
  endsAt: { ja: '終了日時', en: 'Ends' },
  capacity: { ja: '定員', en: 'Capacity' },
  note: { ja: '備考', en: 'Note' },
};

const projectNotices: Record<string, Localized> = {
  created: {
    ja: '事業を計画しました（非公開）。日程を追加して、準備ができたら公開してください。',
    en: 'The project is planned (not public). Add sessions and publish when ready.',
  },
  saved: { ja: '事業を保存しました。', en: 'Saved.' },
  published: { ja: '事業を公開しました。参加の申し込みを受け付けます。', en: 'Published: it takes applications.' },
  draft: { ja: '事業を非公開（計画中）に戻しました。', en: 'Back to planning (not public).' },
  cancelled: {
    ja: '事業を中止しました。これからの回は中止になり、申込者にメールでお知らせします。',
    en: 'The project is cancelled; sessions to come are cancelled and applicants told by mail.',
  },
  archived: { ja: '事業を終了にしました。', en: 'The project is archived.' },
  designation: { ja: '指定を変更しました。', en: 'The designation was changed.' },
  requested: { ja: '自治体に指定を依頼しました。', en: 'The local government was asked to designate it.' },
  'session-added': { ja: '日程を追加しました。', en: 'The session was added.' },
};

function Designated(props: { page: PageContext; designated: boolean; requested?: boolean }) {
  const { t } = props.page;
  if (props.designated) return <span class="badge badge--designated">{t({ ja: '指定', en: 'Designated' })}</span>;
  if (props.requested) return <span class="badge badge--requested">{t({ ja: '指定の依頼中', en: 'Requested' })}</span>;
  return <span class="muted">{t({ ja: '指定なし', en: 'Not designated' })}</span>;
}

/** The municipalities a project of this government may take place in, when it has a choice (a prefecture, a city with wards). */
async function placeChoices(c: Context<AppEnv>, area: StaffArea): Promise<Array<{ value: string; label: string }>> {
  const { db } = deps(c);
  const lgCode = area.tenant.lgCode;
  const isPrefecture = lgCode.slice(2, 5) === '000';
  const places = isPrefecture
    ? (await searchMunicipalities({ db, input: { prefectureCode: lgCode.slice(0, 2), page: 1, perPage: 500 } })).items
        .filter((item) => item.kind !== 'prefecture')
        .map((item) => ({ value: item.lgCode, label: item.name }))
    : (await getMunicipality({ db, lgCode })).wards.map((ward) => ({ value: ward.lgCode, label: ward.name }));
  return places;
}

interface ProjectForm {
  organisationId: string;
  title: string;
  category: string;
  description: string;
  placeName: string;
  placeAddress: string;
  placeLgCode: string;
  whatToBring: string;
  contact: string;
  accessibility: string;
}

function projectFormOf(project?: Project): ProjectForm {
  return {
    organisationId: project?.organisationId ?? '',
    title: project?.title ?? '',
    category: project?.category ?? '',
    description: project?.description ?? '',
    placeName: project?.placeName ?? '',
    placeAddress: project?.placeAddress ?? '',
    placeLgCode: project && project.placeLgCode !== project.lgCode ? (project.placeLgCode ?? '') : '',
    whatToBring: project?.whatToBring ?? '',
    contact: project?.contact ?? '',
    accessibility: project?.accessibility ?? '',
  };
}

function projectInputOf(values: Record<string, string>) {
  return {
    title: values.title ?? '',
    category: (values.category ?? '') as Project['category'],
    description: values.description ?? '',
    placeName: values.placeName ?? '',
    placeAddress: values.placeAddress ?? '',
    placeLgCode: values.placeLgCode ?? '',
    whatToBring: values.whatToBring ?? '',
    contact: values.contact ?? '',
    accessibility: values.accessibility ?? '',
  };
}

function ProjectFields(props: {
  page: PageContext;
  area: StaffArea;
  state: FormState | undefined;
  form: string;
  stored: ProjectForm;
  places: Array<{ value: string; label: string }>;
}) {
  const { page, state, form, stored } = props;
  const { t } = page;
  const errors = fieldErrorsOf(page, state, form);
  const value = (name: keyof ProjectForm) => valueIn(state, form, name, stored[name]);
  const label = (name: string) => projectFieldLabels[name]!;
  return (
    <>
      <InputField
        page={page}
        id="title"
        name="title"
        label={label('title')}
        required
        maxlength={200}
        value={value('title')}
        error={errors.title}
        hint={{ ja: '例: 魚町 朝の清掃活動', en: 'For example: morning clean-up of Uomachi' }}
      />
      <SelectField
        page={page}
        id="category"
        name="category"
        label={label('category')}
        required
        value={value('category')}
        error={errors.category}
        options={[
          { value: '', label: t({ ja: '選んでください', en: 'Choose one' }) },
          ...projectCategories.map((category) => ({ value: category, label: t(projectCategoryLabels[category]) })),
        ]}
      />
      <TextareaField
        page={page}
        id="description"
        name="description"
        label={label('description')}
        rows={5}
        maxlength={8000}
        value={value('description')}
        error={errors.description}
        hint={{
          ja: '何をするか、だれに来てほしいか（8000文字まで）。',
          en: 'What happens and who is welcome (up to 8000 characters).',
        }}
      />
      <InputField
        page={page}
        id="placeName"
        name="placeName"
        label={label('placeName')}
        maxlength={200}
        value={value('placeName')}
        error={errors.placeName}
        hint={{ ja: '例: 魚町公民館', en: 'For example: 魚町公民館' }}
      />
      <InputField
        page={page}
        id="placeAddress"
        name="placeAddress"
        label={label('placeAddress')}
        maxlength={300}
        value={value('placeAddress')}
        error={errors.placeAddress}
        autocomplete="street-address"
      />
      {props.places.length > 0 && (
        <SelectField
          page={page}
          id="placeLgCode"
          name="placeLgCode"
          label={label('placeLgCode')}
          value={value('placeLgCode')}
          error={errors.placeLgCode}
          options={[
            {
              value: '',
              label: t({ ja: `指定しない（${props.area.tenant.name}）`, en: `Not set (${props.area.tenant.name})` }),
            },
            ...props.places,
          ]}
        />
      )}
      <TextareaField
        page={page}
        id="whatToBring"
        name="whatToBring"
        label={label('whatToBring')}
        rows={2}
        maxlength={1000}
        value={value('whatToBring')}
        error={errors.whatToBring}
        hint={{
          ja: '例: 軍手、飲み物、汚れてもよい服装',
          en: 'For example: gloves, a drink, clothes that may get dirty',
        }}
      />
      <TextareaField
        page={page}
        id="contact"
        name="contact"
        label={label('contact')}
        rows={2}
        maxlength={500}
        value={value('contact')}
        error={errors.contact}
        hint={{ ja: '参加者からの問い合わせ先（公開されます）。', en: 'Where participants can ask (shown publicly).' }}
      />
      <TextareaField
        page={page}
        id="accessibility"
        name="accessibility"
        label={label('accessibility')}
        rows={2}
        maxlength={1000}
        value={value('accessibility')}
        error={errors.accessibility}
        hint={{
          ja: '段差、車いす、トイレ、手話通訳など。',
          en: 'Steps, wheelchairs, toilets, sign language and so on.',
        }}
      />
    </>
  );
}

const designationFilterLabels: Record<string, Localized> = {
  '': { ja: 'すべて', en: 'All' },
  true: { ja: '指定あり', en: 'Designated' },
  false: { ja: '指定なし', en: 'Not designated' },
};

export async function projectsPage(c: Context<AppEnv>, area: StaffArea, state?: FormState) {
  const page = pageContext(c);
  const { t } = page;
  const { db } = deps(c);
  const lgCode = area.tenant.lgCode;
  const permissions = activityPermissions(area.actor, lgCode);
  const here = `${base(area)}/projects`;
  const raw = state ? {} : filledQuery(c);
  const { organisationId: organisationChoice, ...rest } = raw;
  const query = {
    ...rest,
    ...(organisationChoice === 'own'
      ? { own: 'true' }
      : organisationChoice
        ? { organisationId: organisationChoice }
        : {}),
  };
  const parsed = ProjectListQuery.safeParse(query);
  const filterErrors = parsed.success
    ? []
    : [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '')))].map((field) =>
        t(projectFieldLabels[field === 'own' ? 'organisationId' : field] ?? { ja: field, en: field }),
      );
  const organisations = await listOrganisations({ db, actor: area.actor, lgCode });
  const approved = organisations.filter((organisation) => organisation.status === 'approved');
  const own = permissions.organisationId
    ? organisations.find((item) => item.id === permissions.organisationId)
    : undefined;
  const result = parsed.success ? await listProjects({ db, actor: area.actor, lgCode, query: parsed.data }) : undefined;
  const waiting = permissions.designate
    ? ((await countDesignationRequests({ db, actor: area.actor, lgCode })) ?? 0)
    : 0;
  const places = await placeChoices(c, area);
  const format = dateTimeFormat(page);
  const withParams = (extra: Record<string, string>) => {
    const params = new URLSearchParams({ ...raw, ...extra }).toString();
    return params ? `${here}?${params}` : here;
  };
  const planErrors = fieldErrorsOf(page, state, 'plan');
  return personalPage(
    c,
    <Layout page={page} title={activityTitles.projects}>
      <StaffNav page={page} area={area} current={here} />
      <h1>{t(activityTitles.projects)}</h1>
      <p>
        {permissions.governmentStaff
          ? t({
              ja: 'この自治体の区域の担い手活動の事業です。団体が計画中（非公開）の事業も、ここで共有されます。プレミアム登録の要件に数えるのは、自治体が指定した事業の活動だけです。',
              en: "Projects of activities in this area, including organisations' plans not yet public. Only designated projects count for premium.",
            })
          : t({
              ja: `${own?.name ?? ''}の事業です。計画中の事業も自治体と共有されます。プレミアム登録の要件に数えるには、自治体の指定が必要です。`,
              en: `Projects of ${own?.name ?? 'your organisation'}. Plans are shared with the local government; designation by the government makes them count for premium.`,
            })}
      </p>
      <SuccessNotice page={page} notices={projectNotices} notice={c.req.query('notice')} />
      <PageError page={page} state={state} />
      {permissions.designate && waiting > 0 && (
        <Notice kind="info">
          <a href={`${here}?designationRequested=true`}>
            {t({
              ja: `団体から指定の依頼が ${waiting}件 届いています。`,
              en: `${waiting} designation request${waiting === 1 ? '' : 's'} from organisations waiting.`,
            })}
          </a>
        </Notice>
      )}

      <form
        class="search-form"
        method="get"
        action={here}
        role="search"
        aria-label={t({ ja: '事業の絞り込み', en: 'Filter projects' })}
      >
        <div class="field">
          <label for="filter-status">{t(projectFieldLabels.status!)}</label>
          <select id="filter-status" name="status">
            <option value="">{t({ ja: 'すべて', en: 'All' })}</option>
            {(['draft', 'published', 'cancelled', 'archived'] as const).map((status) => (
              <option value={status} selected={raw.status === status}>
                {t(projectStatusLabels[status])}
              </option>
            ))}
          </select>
        </div>
        {permissions.governmentStaff && (
          <div class="field">
            <label for="filter-organisation">{t(projectFieldLabels.organisationId!)}</label>
            <select id="filter-organisation" name="organisationId">
              <option value="">{t({ ja: 'すべて', en: 'All' })}</option>
              <option value="own" selected={organisationChoice === 'own'}>
                {t({ ja: '自治体の事業', en: "The government's own" })}
              </option>
              {organisations.map((organisation) => (
                <option value={organisation.id} selected={organisationChoice === organisation.id}>
                  {organisation.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div class="field">
          <label for="filter-designated">{t(projectFieldLabels.designated!)}</label>
          <select id="filter-designated" name="designated">
            {['', 'true', 'false'].map((choice) => (
              <option value={choice} selected={(raw.designated ?? '') === choice}>
                {t(designationFilterLabels[choice]!)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-category">{t(projectFieldLabels.category!)}</label>
          <select id="filter-category" name="category">
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
            <input
              type="checkbox"
              name="designationRequested"
              value="true"
              checked={raw.designationRequested === 'true'}
            />
            {t({ ja: '指定の依頼が届いている事業だけ', en: 'Only projects asking for designation' })}
          </label>
        </div>
        <div>
          <button class="button" type="submit">
            {t({ ja: '絞り込む', en: 'Filter' })}
          </button>
        </div>
      </form>

      {filterErrors.length > 0 && (
        <div class="error-summary" role="alert">
          <p class="error-summary__title">
            {t({ ja: '次の条件を確認してください。', en: 'Please check the following.' })}
          </p>
          <ul>
            {filterErrors.map((label) => (
              <li>{label}</li>
            ))}
          </ul>
        </div>
      )}

      {result && (
        <section aria-labelledby="results-heading">
          <h2 id="results-heading">{t({ ja: `事業 ${result.total}件`, en: `${result.total} projects` })}</h2>
          {result.items.length === 0 ? (
            <p>{t({ ja: '該当する事業はありません。', en: 'No projects match.' })}</p>
          ) : (
            <table class="data">
              <caption class="visually-hidden">
                {t({
                  ja: `事業の一覧（${result.page} / ${result.totalPages}ページ、新しい順）`,
                  en: `Projects (page ${result.page} of ${result.totalPages}, newest first)`,
                })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t(projectFieldLabels.title!)}</th>
                  <th scope="col">{t(projectFieldLabels.organisationId!)}</th>
                  <th scope="col">{t(projectFieldLabels.category!)}</th>
                  <th scope="col">{t(projectFieldLabels.status!)}</th>
                  <th scope="col">{t(projectFieldLabels.designation!)}</th>
                  <th scope="col">{t({ ja: '次の回', en: 'Next session' })}</th>
                  <th scope="col">{t({ ja: '回数', en: 'Sessions' })}</th>
                </tr>
              </thead>
              <tbody>
                {result.items.map((item) => (
                  <tr>
                    <th scope="row">
                      <a href={`${here}/${item.id}`}>{item.title}</a>
                    </th>
                    <td>{item.organisationName ?? t({ ja: '自治体', en: 'The government' })}</td>
                    <td>{t(projectCategoryLabels[item.category])}</td>
                    <td>{t(projectStatusLabels[item.status])}</td>
                    <td>
                      <Designated page={page} designated={item.designated} requested={item.designationRequested} />
                    </td>
                    <td>{item.nextSessionAt ? format.format(item.nextSessionAt) : '—'}</td>
                    <td>{item.sessionCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav class="pager" aria-label={t({ ja: 'ページ', en: 'Pages' })}>
            {result.page > 1 && (
              <a href={withParams({ page: String(result.page - 1) })}>
                {t({ ja: '前のページへ', en: 'Previous page' })}
              </a>
            )}
            <span>
              {t({
                ja: `${result.page} / ${result.totalPages}ページ`,
                en: `Page ${result.page} of ${result.totalPages}`,
              })}
            </span>
            {result.page < result.totalPages && (
              <a href={withParams({ page: String(result.page + 1) })}>{t({ ja: '次のページへ', en: 'Next page' })}</a>
            )}
          </nav>
        </section>
      )}

      <section aria-labelledby="plan-heading">
        <h2 id="plan-heading">{t({ ja: '事業を計画する', en: 'Plan a project' })}</h2>
        <p>
          {t({
            ja: '新しい事業は「計画中（非公開）」として作られ、自治体と共有されます。日程を追加してから公開すると、登録者が申し込めるようになります。',
            en: 'A new project starts as a plan (not public), shared with the local government. Add sessions, then publish it to take applications.',
          })}
        </p>
        <FormErrors page={page} state={state} form="plan" labels={{ ...projectFieldLabels }} />
        <PostForm page={page} action={here} class="form-stack">
          {permissions.governmentStaff ? (
            <SelectField
              page={page}
              id="organisationId"
              name="organisationId"
              label={projectFieldLabels.organisationId!}
              value={valueIn(state, 'plan', 'organisationId', '')}
              error={planErrors.organisationId}
              hint={{
                ja: '承認済みの団体か、自治体自身の事業かを選びます。',
                en: 'An approved organisation, or the government itself.',
              }}
              options={[
                {
                  value: '',
                  label: t({
                    ja: `自治体の事業（${area.tenant.name}）`,
                    en: `The government's own (${area.tenant.name})`,
                  }),
                },
                ...approved.map((organisation) => ({ value: organisation.id, label: organisation.name })),
              ]}
            />
          ) : (
            <p>
              <strong>{t(projectFieldLabels.organisationId!)}</strong>: {own?.name ?? ''}
            </p>
          )}
          <ProjectFields page={page} area={area} state={state} form="plan" stored={projectFormOf()} places={places} />
          <div>
            <button class="button" type="submit">
              {t({ ja: '事業を計画する', en: 'Plan the project' })}
            </button>
          </div>
        </PostForm>
      </section>
    </Layout>,
    state ? statusOf(state) : filterErrors.length > 0 ? 400 : 200,
  );
}

const statusActions: Record<ProjectStatus, Array<{ to: ProjectStatus; label: Localized; secondary?: boolean }>> = {
  draft: [{ to: 'published', label: { ja: '公開する', en: 'Publish' } }],
  published: [
    { to: 'draft', label: { ja: '非公開（計画中）に戻す', en: 'Back to planning' }, secondary: true },
    { to: 'archived', label: { ja: '終了にする', en: 'Archive' }, secondary: true },
  ],
  archived: [{ to: 'published', label: { ja: 'もう一度公開する', en: 'Publish again' } }],
  cancelled: [],
};

const designationChoices: Record<ProjectDesignation, Localized> = {
  designated: { ja: 'この事業を指定する（パターン①）', en: 'Designate this project (pattern ①)' },
  inherit: designationLabels.inherit,
  excluded: { ja: 'この事業を団体の指定から除外する', en: "Exclude it from the organisation's designation" },
};

export async function projectPage(c: Context<AppEnv>, area: StaffArea, state?: FormState) {
  const page = pageContext(c);
  const { t } = page;
  const { db } = deps(c);
  const lgCode = area.tenant.lgCode;
  const permissions = activityPermissions(area.actor, lgCode);
  const { project, sessions } = await getProject({
    db,
    actor: area.actor,
    lgCode,
    projectId: c.req.param('projectId') ?? '',
  });
  const organisation = project.organisationId
    ? (await listOrganisations({ db, actor: area.actor, lgCode })).find((item) => item.id === project.organisationId)
    : undefined;
  const places = await placeChoices(c, area);
  const format = dateTimeFormat(page);
  const here = `${base(area)}/projects/${project.id}`;
  const none = '—';
  const errorsOf = (form: string) => fieldErrorsOf(page, state, form);
  const open = project.status !== 'cancelled' && project.status !== 'archived';
  const placeName = places.find((place) => place.value === project.placeLgCode)?.label;
  const choices: ProjectDesignation[] = project.organisationId
    ? ['designated', 'inherit', 'excluded']
    : ['designated', 'inherit'];
  const choiceLabel = (choice: ProjectDesignation): string =>
    choice === 'inherit'
      ? project.organisationId
        ? t({
            ja: `団体の指定に従う（団体は現在「${organisation?.designated ? '指定中' : '指定なし'}」）`,
            en: `Follow the organisation (currently ${organisation?.designated ? 'designated' : 'not designated'})`,
          })
        : t({ ja: '指定しない', en: 'Not designated' })
      : t(designationChoices[choice]);
  return personalPage(
    c,
    <Layout page={page} title={{ ja: `${project.title}（事業）`, en: `${project.title} (project)` }}>
      <StaffNav page={page} area={area} current={`${base(area)}/projects`} />
      <p>
        <a href={`${base(area)}/projects`}>{t({ ja: '事業の一覧へ', en: 'Back to the projects' })}</a>
      </p>
      <h1>{project.title}</h1>
      <p>
        <span class="badge">{t(projectStatusLabels[project.status])}</span>{' '}
        <Designated page={page} designated={project.designated} requested={project.designationRequestedAt !== null} />
      </p>
      <SuccessNotice page={page} notices={projectNotices} notice={c.req.query('notice')} />
      <PageError page={page} state={state} />

      <section aria-labelledby="facts-heading">
        <h2 id="facts-heading">{t({ ja: '事業の概要', en: 'Overview' })}</h2>
        <dl class="facts">
          <dt>{t(projectFieldLabels.organisationId!)}</dt>
          <dd>
            {project.organisationId ? (
              <a href={`${base(area)}/organisations/${project.organisationId}`}>{project.organisationName}</a>
            ) : (
              t({ ja: `自治体（${area.tenant.name}）`, en: `The government (${area.tenant.name})` })
            )}
          </dd>
          <dt>{t(projectFieldLabels.category!)}</dt>
          <dd>{t(projectCategoryLabels[project.category])}</dd>
          <dt>{t(projectFieldLabels.status!)}</dt>
          <dd>
            {t(projectStatusLabels[project.status])}
            {project.publishedAt && ` (${t({ ja: '公開', en: 'published' })} ${format.format(project.publishedAt)})`}
          </dd>
          <dt>{t({ ja: 'プレミアム登録の要件', en: 'Counts for premium' })}</dt>
          <dd>
            {project.designated
              ? t({ ja: '数える（指定された担い手活動）', en: 'Yes (a designated activity)' })
              : t({ ja: '数えない（指定なし）', en: 'No (not designated)' })}
            {` — ${t(designationLabels[project.designation])}`}
            {project.designationRequestedAt &&
              !project.designated &&
              ` — ${t({ ja: '指定の依頼', en: 'designation requested' })} ${format.format(project.designationRequestedAt)}`}
          </dd>
          <dt>{t(projectFieldLabels.description!)}</dt>
          <dd class="multiline">{project.description || none}</dd>
          <dt>{t(projectFieldLabels.placeName!)}</dt>
          <dd>{[project.placeName, project.placeAddress, placeName].filter(Boolean).join(' / ') || none}</dd>
          <dt>{t(projectFieldLabels.whatToBring!)}</dt>
          <dd class="multiline">{project.whatToBring || none}</dd>
          <dt>{t(projectFieldLabels.contact!)}</dt>
          <dd class="multiline">{project.contact || none}</dd>
          <dt>{t(projectFieldLabels.accessibility!)}</dt>
          <dd class="multiline">{project.accessibility || none}</dd>
          <dt>{t({ ja: '作成日時', en: 'Created' })}</dt>
          <dd>{format.format(project.createdAt)}</dd>
        </dl>
      </section>

      <section aria-labelledby="status-heading">
        <h2 id="status-heading">{t({ ja: '公開と中止', en: 'Publishing and cancelling' })}</h2>
        <FormErrors page={page} state={state} form="status" labels={projectFieldLabels} />
        {project.status === 'cancelled' ? (
          <p>{t({ ja: 'この事業は中止されました。', en: 'This project was cancelled.' })}</p>
        ) : (
          <>
            <div class="button-row">
              {statusActions[project.status].map((action) => (
                <PostForm page={page} action={`${here}/status`} class="inline-form">
                  <input type="hidden" name="status" value={action.to} />
                  <button type="submit" class={action.secondary ? 'button button--secondary' : 'button'}>
                    {t(action.label)}
                  </button>
                </PostForm>
              ))}
            </div>
            {project.status !== 'archived' && (
              <>
                <h3>{t({ ja: '事業を中止する', en: 'Cancel the project' })}</h3>
                <FormErrors
                  page={page}
                  state={state}
                  form="cancel"
                  labels={projectFieldLabels}
                  ids={{ confirm: 'cancelConfirm' }}
                />
                <PostForm page={page} action={`${here}/status`} class="form-stack">
                  <input type="hidden" name="status" value="cancelled" />
                  <ConfirmField
                    page={page}
                    id="cancelConfirm"
                    label={{
                      ja: '中止すると元に戻せません。これからの回はすべて中止になり、申し込んだ方全員にメールでお知らせします。',
                      en: 'This cannot be undone. Every session to come is cancelled and every applicant is told by mail.',
                    }}
                    error={errorsOf('cancel').confirm}
                  />
                  <div>
                    <button type="submit" class="button button--danger">
                      {t({ ja: 'この事業を中止する', en: 'Cancel this project' })}
                    </button>
                  </div>
                </PostForm>
              </>
            )}
          </>
        )}
      </section>

      <section aria-labelledby="designation-heading">
        <h2 id="designation-heading">{t({ ja: '指定（プレミアム登録の要件）', en: 'Designation (premium)' })}</h2>
        {permissions.designate ? (
          <>
            <p>
              {t({
                ja: '指定された事業の活動だけが、プレミアム登録の要件（自治体が定める回数の担い手活動）に数えられます。変更は「適用開始日」以降の出席に適用され、それより前の日の出席は、それまでの扱いのまま数えます。過去の日付を選ぶと、その日からさかのぼって適用します。空欄なら今日からです。',
                en: 'Only designated projects count for premium. A change applies to attendance from the effective date; earlier days keep their designation. A past date applies it back to that day. Empty means from today.',
              })}
            </p>
            {project.designationRequestedAt && !project.designated && (
              <Notice kind="info">
                {t({
                  ja: `団体からこの事業の指定の依頼が届いています（${format.format(project.designationRequestedAt)}）。`,
                  en: `The organisation asked for this project to be designated (${format.format(project.designationRequestedAt)}).`,
                })}
              </Notice>
            )}
            <FormErrors
              page={page}
              state={state}
              form="designation"
              labels={projectFieldLabels}
              ids={{ effectiveFrom: 'designationFrom', body: 'designationFrom' }}
            />
            <PostForm page={page} action={`${here}/designation`} class="form-stack">
              <fieldset class="field">
                <legend>{t({ ja: 'この事業の指定', en: 'Designation of this project' })}</legend>
                {choices.map((choice) => (
                  <label class="checkbox">
                    <input
                      type="radio"
                      name="designation"
                      value={choice}
                      checked={valueIn(state, 'designation', 'designation', project.designation) === choice}
                    />
                    {choiceLabel(choice)}
                  </label>
                ))}
              </fieldset>
              <InputField
                page={page}
                id="designationFrom"
                name="effectiveFrom"
                type="date"
                label={projectFieldLabels.effectiveFrom!}
                hint={{ ja: '空欄なら今日から。', en: 'Empty: from today.' }}
                value={valueIn(state, 'designation', 'effectiveFrom', '')}
                error={errorsOf('designation').effectiveFrom ?? errorsOf('designation').body}
              />
              <div>
                <button type="submit" class="button">
                  {t({ ja: '指定を保存する', en: 'Save the designation' })}
                </button>
              </div>
            </PostForm>
          </>
        ) : project.designated ? (
          <p>
            {t({
              ja: 'この事業は自治体に指定されています。参加者の出席は、プレミアム登録の要件に数えられます。',
              en: 'The local government designated this project: attendance counts for premium.',
            })}
          </p>
        ) : project.designationRequestedAt ? (
          <p>
            {t({
              ja: `自治体に指定を依頼しました（${format.format(project.designationRequestedAt)}）。自治体の判断をお待ちください。`,
              en: `You asked the local government to designate it (${format.format(project.designationRequestedAt)}). Please wait for its decision.`,
            })}
          </p>
        ) : (
          <>
            <p>
              {t({
                ja: 'この事業はまだ指定されていません。指定されると、参加者の出席がプレミアム登録の要件に数えられます。指定するかどうかは自治体が決めます。',
                en: 'Not designated yet. Once designated, attendance counts for premium. The local government decides.',
              })}
            </p>
            <FormErrors page={page} state={state} form="request" labels={projectFieldLabels} />
            <PostForm page={page} action={`${here}/designation-request`}>
              <button type="submit" class="button">
                {t({ ja: '自治体に指定を依頼する', en: 'Ask the local government to designate it' })}
              </button>
            </PostForm>
          </>
        )}
      </section>

      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">{t({ ja: `日程（${sessions.length}回）`, en: `Sessions (${sessions.length})` })}</h2>
        {sessions.length === 0 ? (
          <p>{t({ ja: 'まだ日程はありません。', en: 'No sessions yet.' })}</p>
        ) : (
          <table class="data">
            <caption class="visually-hidden">{t({ ja: 'この事業の日程', en: 'Sessions of this project' })}</caption>
            <thead>
              <tr>
                <th scope="col">{t({ ja: '日時', en: 'When' })}</th>
                <th scope="col">{t(sessionFieldLabels.capacity!)}</th>
                <th scope="col">{t({ ja: '参加確定', en: 'Confirmed' })}</th>
                <th scope="col">{t({ ja: 'キャンセル待ち', en: 'Waiting' })}</th>
                <th scope="col">{t({ ja: '出席者', en: 'Present' })}</th>
                <th scope="col">{t(projectFieldLabels.status!)}</th>
                <th scope="col">{t({ ja: 'チェックイン', en: 'Check-in' })}</th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((session) => (
                <tr>
                  <th scope="row">
                    <a href={`${base(area)}/sessions/${session.id}`}>
                      {sessionTimeText(session.startsAt, session.endsAt, page.locale)}
                    </a>
                    {session.note && <span class="muted"> {session.note}</span>}
                  </th>
                  <td>{session.capacity ?? t({ ja: '制限なし', en: 'No limit' })}</td>
                  <td>{session.confirmedCount}</td>
                  <td>{session.waitlistedCount}</td>
                  <td>{session.attendeeCount}</td>
                  <td>{t(sessionStatusLabels[session.status])}</td>
                  <td>
                    {session.status !== 'cancelled' && (
                      <a href={`${base(area)}/sessions/${session.id}/check-in`}>
                        {t({ ja: 'チェックイン画面', en: 'Check-in page' })}
                      </a>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {open ? (
          <>
            <h3>{t({ ja: '日程を追加', en: 'Add a session' })}</h3>
            <FormErrors page={page} state={state} form="session" labels={sessionFieldLabels} />
            <PostForm page={page} action={`${here}/sessions`} class="form-stack">
              <SessionFields
                page={page}
                state={state}
                form="session"
                stored={{ startsAt: '', endsAt: '', capacity: '', note: '' }}
              />
              <div>
                <button type="submit" class="button">
                  {t({ ja: '日程を追加する', en: 'Add the session' })}
                </button>
              </div>
            </PostForm>
          </>
        ) : (
          <p class="muted">
            {t({
              ja: '中止または終了した事業には、日程を追加できません。',
              en: 'A cancelled or archived project takes no new sessions.',
            })}
          </p>
        )}
      </section>

      {open && (
        <section aria-labelledby="edit-heading">
          <h2 id="edit-heading">{t({ ja: '事業の内容を編集する', en: 'Edit the project' })}</h2>
          <FormErrors page={page} state={state} form="edit" labels={projectFieldLabels} />
          <PostForm page={page} action={here} class="form-stack">
            <ProjectFields
              page={page}
              area={area}
              state={state}
              form="edit"
              stored={projectFormOf(project)}
              places={places}
            />
            <div>
              <button class="button" type="submit">
                {t({ ja: '保存する', en: 'Save' })}
              </button>
            </div>
          </PostForm>
        </section>
      )}
    </Layout>,
    statusOf(state),
  );
}

export interface SessionForm {
  startsAt: string;
  endsAt: string;
  capacity: string;
  note: string;
}

/** Start, end (Japan time; a session may span several days), capacity and note. */
export function SessionFields(props: {
  page: PageContext;
  state: FormState | undefined;
  form: string;
  stored: SessionForm;
}) {
  const { page, state, form, stored } = props;
  const errors = fieldErrorsOf(page, state, form);
  const value = (name: keyof SessionForm) => valueIn(state, form, name, stored[name]);
  const label = (name: string) => sessionFieldLabels[name]!;
  return (
    <>
      <InputField
        page={page}
        id="startsAt"
        name="startsAt"
        type="datetime-local"
        label={label('startsAt')}
        required
        value={value('startsAt')}
        error={errors.startsAt}
        hint={{ ja: '日本時間で入力してください。', en: 'In Japan time.' }}
      />
      <InputField
        page={page}
        id="endsAt"
        name="endsAt"
        type="datetime-local"
        label={label('endsAt')}
        required
        value={value('endsAt')}
        error={errors.endsAt}
        hint={{
          ja: '日本時間。複数日にわたる回（3日間の祭りなど）は最終日の終了時刻を入力します（31日まで）。',
          en: 'Japan time. For a session over several days (a 3-day festival), the end on its last day (31 days at most).',
        }}
      />
      <InputField
        page={page}
        id="capacity"
        name="capacity"
        type="number"
        min={1}
        max={100000}
        label={label('capacity')}
        value={value('capacity')}
        error={errors.capacity}
        hint={{
          ja: '人数。空欄なら制限なし。定員を超えた申し込みはキャンセル待ちになります。',
          en: 'People. Empty: no limit. Beyond it, people join the waiting list.',
        }}
      />
      <TextareaField
        page={page}
        id="note"
        name="note"
        label={label('note')}
        rows={2}
        maxlength={1000}
        value={value('note')}
        error={errors.note}
        hint={{
          ja: '集合場所や雨天時の扱いなど（公開されます）。',
          en: 'Meeting point, rain plan and so on (public).',
        }}
      />
    </>
  );
}

export function sessionInputOf(values: Record<string, string>) {
  return {
    startsAt: values.startsAt ?? '',
    endsAt: values.endsAt ?? '',
    capacity: values.capacity ?? '',
    note: values.note ?? '',
  };
}

// Posted forms.

export async function createProjectAction(c: Context<AppEnv>, area: StaffArea) {
  const values = formValues(await c.req.parseBody());
  let id = '';
  return submitForm(c, {
    form: 'plan',
    values,
    action: async () => {
      ({ id } = await createProject({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        input: { ...projectInputOf(values), organisationId: values.organisationId ?? '' },
      }));
    },
    success: () => `${base(area)}/projects/${id}?notice=created`,
    rerender: (state) => projectsPage(c, area, state),
  });
}

export async function updateProjectAction(c: Context<AppEnv>, area: StaffArea) {
  const values = formValues(await c.req.parseBody());
  const projectId = c.req.param('projectId') ?? '';
  return submitForm(c, {
    form: 'edit',
    values,
    action: () =>
      updateProject({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        projectId,
        input: projectInputOf(values),
      }),
    success: `${base(area)}/projects/${projectId}?notice=saved`,
    rerender: (state) => projectPage(c, area, state),
  });
}

const projectStatuses: readonly ProjectStatus[] = ['draft', 'published', 'cancelled', 'archived'];

export async function projectStatusAction(c: Context<AppEnv>, area: StaffArea) {
  const body = await c.req.parseBody();
  const values = formValues(body);
  const projectId = c.req.param('projectId') ?? '';
  const status = projectStatuses.find((candidate) => candidate === formString(body, 'status'));
  return submitForm(c, {
    form: status === 'cancelled' ? 'cancel' : 'status',
    values,
    action: async () => {
      if (!status) throw pageValidationError('status', { ja: '操作を選んでください', en: 'Choose an action' });
      if (status === 'cancelled' && values.confirm !== 'yes') {
        throw pageValidationError('confirm', {
          ja: '中止してよいか確認のチェックを入れてください',
          en: 'Tick the box to confirm the cancellation',
        });
      }
      await setProjectStatus({ db: deps(c).db, actor: area.actor, lgCode: area.tenant.lgCode, projectId, status });
    },
    success: `${base(area)}/projects/${projectId}?notice=${status ?? ''}`,
    rerender: (state) => projectPage(c, area, state),
  });
}

const designations: readonly ProjectDesignation[] = ['inherit', 'designated', 'excluded'];

export async function projectDesignationAction(c: Context<AppEnv>, area: StaffArea) {
  const body = await c.req.parseBody();
  const values = formValues(body);
  const projectId = c.req.param('projectId') ?? '';
  const designation = designations.find((candidate) => candidate === formString(body, 'designation'));
  const effectiveFrom = values.effectiveFrom ?? '';
  return submitForm(c, {
    form: 'designation',
    values,
    action: async () => {
      if (!designation) throw pageValidationError('designation', { ja: '指定を選んでください', en: 'Choose one' });
      if (effectiveFrom && !/^\d{4}-\d{2}-\d{2}$/.test(effectiveFrom)) {
        throw pageValidationError('effectiveFrom', {
          ja: '日付を YYYY-MM-DD の形式で入力してください',
          en: 'Enter the date as YYYY-MM-DD',
        });
      }
      await setProjectDesignation({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        projectId,
        designation,
        ...(effectiveFrom ? { effectiveFrom } : {}),
      });
    },
    success: `${base(area)}/projects/${projectId}?notice=designation`,
    rerender: (state) => projectPage(c, area, state),
  });
}

export async function requestDesignationAction(c: Context<AppEnv>, area: StaffArea) {
  const projectId = c.req.param('projectId') ?? '';
  return submitForm(c, {
    form: 'request',
    values: {},
    action: () =>
      requestProjectDesignation({ db: deps(c).db, actor: area.actor, lgCode: area.tenant.lgCode, projectId }),
    success: `${base(area)}/projects/${projectId}?notice=requested`,
    rerender: (state) => projectPage(c, area, state),
  });
}

export async function addSessionAction(c: Context<AppEnv>, area: StaffArea) {
  const values = formValues(await c.req.parseBody());
  const projectId = c.req.param('projectId') ?? '';
  return submitForm(c, {
    form: 'session',
    values,
    action: () =>
      addSession({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        projectId,
        input: sessionInputOf(values),
      }),
    success: `${base(area)}/projects/${projectId}?notice=session-added`,
    rerender: (state) => projectPage(c, area, state),
  });
}
