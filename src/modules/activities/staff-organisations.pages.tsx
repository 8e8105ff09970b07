import type { Context } from 'hono';
import { organisationKinds, type OrganisationStatus } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import type { AppEnv } from '../../platform/http/app.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, type PageContext } from '../../platform/ui/layout.js';
import { inviteStaff, revokeInvitation, StaffNav, type StaffArea } from '../staff/index.js';
import { activityPermissions, authorizeActivities, mayManageOrganisations } from './activities.policy.js';
import {
  designationLabels,
  organisationKindLabels,
  organisationStatusLabels,
  projectCategoryLabels,
  projectStatusLabels,
} from './activities.labels.js';
import {
  decideOrganisation,
  getOrganisation,
  listOrganisations,
  registerOrganisation,
  setOrganisationDesignation,
  setOrganisationSuspended,
  updateOrganisation,
  type Organisation,
} from './organisations.service.js';
import { listProjects, ProjectListQuery } from './projects.service.js';
import {
  activityTitles,
  base,
  dateTimeFormat,
  deps,
  FormErrors,
  fieldErrorsOf,
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

/** Related organisations (関係団体) in the staff area: the government's list and register form, one organisation. */

export const organisationFieldLabels: Record<string, Localized> = {
  name: { ja: '団体名', en: 'Name' },
  kind: { ja: '団体の種類', en: 'Kind' },
  description: { ja: '団体の紹介', en: 'Description' },
  area: { ja: '活動地域', en: 'Area of work' },
  contactEmail: { ja: '連絡先メールアドレス', en: 'Contact e-mail' },
  contactPhone: { ja: '連絡先電話番号', en: 'Contact phone' },
  website: { ja: 'ウェブサイト', en: 'Website' },
  corporateNumber: { ja: '法人番号', en: 'Corporate number' },
  reason: { ja: '理由', en: 'Reason' },
  effectiveFrom: { ja: '適用開始日', en: 'Effective from' },
  body: { ja: '適用開始日', en: 'Effective from' },
  email: { ja: 'メールアドレス', en: 'E-mail address' },
};

const organisationNotices: Record<string, Localized> = {
  registered: { ja: '団体を登録しました。', en: 'The organisation was registered.' },
  saved: { ja: '団体の情報を保存しました。', en: 'Saved.' },
  approved: {
    ja: '承認しました。申請者はこの団体の団体担当者になり、お知らせが届きます。',
    en: 'Approved. The applicant becomes its organisation staff and is told.',
  },
  rejected: {
    ja: '承認しませんでした。理由を申請者にメールでお知らせします。',
    en: 'Rejected; the applicant is told why.',
  },
  designated: { ja: '団体を指定しました。', en: 'The organisation is designated.' },
  undesignated: { ja: '団体の指定を取り消しました。', en: 'The designation was revoked.' },
  suspended: { ja: '団体の活動を停止しました。', en: 'The organisation is suspended.' },
  reinstated: { ja: '団体の活動停止を解除しました。', en: 'The organisation is reinstated.' },
  invited: { ja: '招待メールを送りました。', en: 'The invitation was sent.' },
  invitationWithdrawn: {
    ja: '招待を取り消しました。招待のリンクはもう使えません。',
    en: 'The invitation was withdrawn; its link no longer works.',
  },
};

interface OrganisationForm {
  name: string;
  kind: string;
  description: string;
  area: string;
  contactEmail: string;
  contactPhone: string;
  website: string;
  corporateNumber: string;
}

function organisationFormOf(organisation?: Organisation): OrganisationForm {
  return {
    name: organisation?.name ?? '',
    kind: organisation?.kind ?? '',
    description: organisation?.description ?? '',
    area: organisation?.area ?? '',
    contactEmail: organisation?.contactEmail ?? '',
    contactPhone: organisation?.contactPhone ?? '',
    website: organisation?.website ?? '',
    corporateNumber: organisation?.corporateNumber ?? '',
  };
}

function organisationInputOf(values: Record<string, string>) {
  return {
    name: values.name ?? '',
    kind: (values.kind ?? '') as Organisation['kind'],
    description: values.description ?? '',
    area: values.area ?? '',
    contactEmail: values.contactEmail ?? '',
    contactPhone: values.contactPhone ?? '',
    website: values.website ?? '',
    corporateNumber: values.corporateNumber ?? '',
  };
}

/** Every field of OrganisationInput, for registering and for the profile. */
function OrganisationFields(props: {
  page: PageContext;
  state: FormState | undefined;
  form: string;
  stored: OrganisationForm;
}) {
  const { page, state, form, stored } = props;
  const { t } = page;
  const errors = fieldErrorsOf(page, state, form);
  const value = (name: keyof OrganisationForm) => valueIn(state, form, name, stored[name]);
  const label = (name: string) => organisationFieldLabels[name]!;
  return (
    <>
      <InputField
        page={page}
        id="name"
        name="name"
        label={label('name')}
        required
        maxlength={200}
        value={value('name')}
        error={errors.name}
        autocomplete="organization"
      />
      <SelectField
        page={page}
        id="kind"
        name="kind"
        label={label('kind')}
        required
        value={value('kind')}
        error={errors.kind}
        options={[
          { value: '', label: t({ ja: '選んでください', en: 'Choose one' }) },
          ...organisationKinds.map((kind) => ({ value: kind, label: t(organisationKindLabels[kind]) })),
        ]}
      />
      <TextareaField
        page={page}
        id="description"
        name="description"
        label={label('description')}
        rows={4}
        maxlength={4000}
        value={value('description')}
        error={errors.description}
        hint={{ ja: '活動の内容や目的（4000文字まで）。', en: 'What it does and why (up to 4000 characters).' }}
      />
      <InputField
        page={page}
        id="area"
        name="area"
        label={label('area')}
        maxlength={200}
        value={value('area')}
        error={errors.area}
        hint={{ ja: '例: 魚町地区、市内全域', en: 'For example: 魚町地区, the whole city' }}
      />
      <InputField
        page={page}
        id="contactEmail"
        name="contactEmail"
        type="email"
        label={label('contactEmail')}
        maxlength={254}
        value={value('contactEmail')}
        error={errors.contactEmail}
        autocomplete="email"
      />
      <InputField
        page={page}
        id="contactPhone"
        name="contactPhone"
        type="tel"
        label={label('contactPhone')}
        maxlength={20}
        value={value('contactPhone')}
        error={errors.contactPhone}
        autocomplete="tel"
        hint={{
          ja: '数字とハイフンで入力してください（例: 0226-22-0000）。',
          en: 'Digits and hyphens (e.g. 0226-22-0000).',
        }}
      />
      <InputField
        page={page}
        id="website"
        name="website"
        type="url"
        label={label('website')}
        maxlength={500}
        value={value('website')}
        error={errors.website}
        autocomplete="url"
        hint={{ ja: 'http:// か https:// で始まるURL。', en: 'A URL starting with http:// or https://.' }}
      />
      <InputField
        page={page}
        id="corporateNumber"
        name="corporateNumber"
        label={label('corporateNumber')}
        maxlength={16}
        inputmode="numeric"
        value={value('corporateNumber')}
        error={errors.corporateNumber}
        hint={{
          ja: '法人の場合、13桁の法人番号（任意）。',
          en: 'For an incorporated organisation: its 13-digit corporate number (optional).',
        }}
      />
    </>
  );
}

function StatusBadge(props: { page: PageContext; status: OrganisationStatus }) {
  return (
    <span class={`badge badge--status-${props.status}`}>{props.page.t(organisationStatusLabels[props.status])}</span>
  );
}

export async function organisationsPage(c: Context<AppEnv>, area: StaffArea, state?: FormState) {
  const page = pageContext(c);
  const { t } = page;
  const { db } = deps(c);
  const lgCode = area.tenant.lgCode;
  const permissions = activityPermissions(area.actor, lgCode);
  const items = await listOrganisations({ db, actor: area.actor, lgCode });
  const pending = items.filter((item) => item.status === 'pending').length;
  const format = dateTimeFormat(page);
  return personalPage(
    c,
    <Layout page={page} title={activityTitles.organisations}>
      <StaffNav page={page} area={area} current={`${base(area)}/organisations`} />
      <h1>{t(activityTitles.organisations)}</h1>
      <p>
        {permissions.manageOrganisations
          ? t({
              ja: '自治会や地域運営組織、NPOなど、この自治体の区域で担い手活動を行う団体です。自治体が登録するか、団体からの申請を承認すると、団体担当者が事業を計画し、参加者と出欠を管理できます。',
              en: 'Neighbourhood associations, RMOs, NPOs and others that run activities in this area. Once registered or approved, their staff plan projects and manage participants and attendance.',
            })
          : t({
              ja: 'あなたが担当している団体です。団体の情報は、自治体とあなたが編集できます。',
              en: 'The organisation you work for. Its profile can be edited by the local government and by you.',
            })}
      </p>
      <SuccessNotice page={page} notices={organisationNotices} notice={c.req.query('notice')} />
      <PageError page={page} state={state} />
      {permissions.manageOrganisations && pending > 0 && (
        <Notice kind="info">
          {t({
            ja: `承認を待っている申請が ${pending}件 あります。団体名を選んで審査してください。`,
            en: `${pending} application${pending === 1 ? '' : 's'} waiting for approval: open one to decide.`,
          })}
        </Notice>
      )}

      <section aria-labelledby="organisations-heading">
        <h2 id="organisations-heading">
          {t({ ja: `団体の一覧（${items.length}団体）`, en: `Organisations (${items.length})` })}
        </h2>
        {items.length === 0 ? (
          <p>{t({ ja: 'まだ団体はありません。', en: 'No organisations yet.' })}</p>
        ) : (
          <table class="data">
            <caption class="visually-hidden">
              {t({ ja: '関係団体の一覧（承認待ちが先頭）', en: 'Related organisations (waiting ones first)' })}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t({ ja: '団体名', en: 'Name' })}</th>
                <th scope="col">{t({ ja: '種類', en: 'Kind' })}</th>
                <th scope="col">{t({ ja: '活動地域', en: 'Area' })}</th>
                <th scope="col">{t({ ja: '状態', en: 'Status' })}</th>
                <th scope="col">{t({ ja: '団体の指定', en: 'Designation' })}</th>
                <th scope="col">{t({ ja: '事業数', en: 'Projects' })}</th>
                <th scope="col">{t({ ja: '登録・申請日', en: 'Since' })}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr>
                  <th scope="row">
                    <a href={`${base(area)}/organisations/${item.id}`}>{item.name}</a>
                  </th>
                  <td>{t(organisationKindLabels[item.kind])}</td>
                  <td>{item.area || '—'}</td>
                  <td>
                    <StatusBadge page={page} status={item.status} />
                    {item.status === 'pending' && item.appliedByPerson && (
                      <span class="muted"> {t({ ja: '（団体からの申請）', en: '(applied)' })}</span>
                    )}
                  </td>
                  <td>{item.designated ? t({ ja: '指定中', en: 'Designated' }) : '—'}</td>
                  <td>{item.projectCount}</td>
                  <td>{format.format(item.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {permissions.manageOrganisations && (
        <section aria-labelledby="register-heading">
          <h2 id="register-heading">{t({ ja: '団体を登録する', en: 'Register an organisation' })}</h2>
          <p>
            {t({
              ja: '自治体が登録した団体は、すぐに承認済みになります。登録のあと、団体の画面から団体担当者を招待できます。',
              en: 'An organisation the government registers is approved at once. Then invite its staff from its page.',
            })}
          </p>
          <FormErrors page={page} state={state} form="register" labels={organisationFieldLabels} />
          <PostForm page={page} action={`${base(area)}/organisations`} class="form-stack">
            <OrganisationFields page={page} state={state} form="register" stored={organisationFormOf()} />
            <div>
              <button class="button" type="submit">
                {t({ ja: '団体を登録する', en: 'Register' })}
              </button>
            </div>
          </PostForm>
        </section>
      )}
    </Layout>,
    statusOf(state),
  );
}

export async function organisationPage(c: Context<AppEnv>, area: StaffArea, state?: FormState) {
  const page = pageContext(c);
  const { t } = page;
  const { db } = deps(c);
  const lgCode = area.tenant.lgCode;
  const organisationId = c.req.param('organisationId') ?? '';
  const permissions = activityPermissions(area.actor, lgCode);
  const { organisation, staff } = await getOrganisation({ db, actor: area.actor, lgCode, organisationId });
  const projects = await listProjects({
    db,
    actor: area.actor,
    lgCode,
    query: ProjectListQuery.parse({ organisationId: organisation.id, perPage: '50' }),
  });
  const format = dateTimeFormat(page);
  const here = `${base(area)}/organisations/${organisation.id}`;
  const none = '—';
  const errorsOf = (form: string) => fieldErrorsOf(page, state, form);
  return personalPage(
    c,
    <Layout page={page} title={{ ja: `${organisation.name}（関係団体）`, en: `${organisation.name} (organisation)` }}>
      <StaffNav page={page} area={area} current={`${base(area)}/organisations`} />
      <p>
        <a href={`${base(area)}/organisations`}>{t({ ja: '関係団体の一覧へ', en: 'Back to the organisations' })}</a>
      </p>
      <h1>
        {organisation.name} <StatusBadge page={page} status={organisation.status} />
      </h1>
      <SuccessNotice page={page} notices={organisationNotices} notice={c.req.query('notice')} />
      <PageError page={page} state={state} />

      <section aria-labelledby="profile-heading">
        <h2 id="profile-heading">{t({ ja: '団体の情報', en: 'Profile' })}</h2>
        <dl class="facts">
          <dt>{t({ ja: '種類', en: 'Kind' })}</dt>
          <dd>{t(organisationKindLabels[organisation.kind])}</dd>
          <dt>{t({ ja: '状態', en: 'Status' })}</dt>
          <dd>
            {t(organisationStatusLabels[organisation.status])}
            {organisation.decisionReason && ` — ${t({ ja: '理由', en: 'Reason' })}: ${organisation.decisionReason}`}
          </dd>
          <dt>{t({ ja: '団体の指定（パターン②）', en: 'Designation (pattern ②)' })}</dt>
          <dd>
            {organisation.designated
              ? t({
                  ja: `指定中（${organisation.designatedAt ? format.format(organisation.designatedAt) : ''}から）`,
                  en: `Designated (since ${organisation.designatedAt ? format.format(organisation.designatedAt) : ''})`,
                })
              : t({ ja: '指定なし', en: 'Not designated' })}
          </dd>
          <dt>{t(organisationFieldLabels.area!)}</dt>
          <dd>{organisation.area || none}</dd>
          <dt>{t(organisationFieldLabels.description!)}</dt>
          <dd class="multiline">{organisation.description || none}</dd>
          <dt>{t(organisationFieldLabels.contactEmail!)}</dt>
          <dd>{organisation.contactEmail ?? none}</dd>
          <dt>{t(organisationFieldLabels.contactPhone!)}</dt>
          <dd>{organisation.contactPhone ?? none}</dd>
          <dt>{t(organisationFieldLabels.website!)}</dt>
          <dd>{organisation.website ? <a href={organisation.website}>{organisation.website}</a> : none}</dd>
          <dt>{t(organisationFieldLabels.corporateNumber!)}</dt>
          <dd>{organisation.corporateNumber ?? none}</dd>
          <dt>{t({ ja: '登録の経緯', en: 'How it came' })}</dt>
          <dd>
            {organisation.appliedByPerson
              ? t({ ja: '団体からの申請', en: 'The organisation applied' })
              : t({ ja: '自治体が登録', en: 'Registered by the local government' })}
            {` (${format.format(organisation.createdAt)})`}
          </dd>
        </dl>
      </section>

      {permissions.manageOrganisations && organisation.status === 'pending' && (
        <section aria-labelledby="decision-heading">
          <h2 id="decision-heading">{t({ ja: '申請の審査', en: 'Decide the application' })}</h2>
          <p>
            {t({
              ja: '承認すると、申請した方がこの団体の団体担当者になり、事業の計画や出欠の管理ができるようになります。結果は申請者にメールで届きます。',
              en: 'Approval makes the applicant staff of this organisation, who can then plan projects and manage attendance. The applicant is told by mail.',
            })}
          </p>
          <FormErrors
            page={page}
            state={state}
            form="decision"
            labels={organisationFieldLabels}
            ids={{ reason: 'rejectReason' }}
          />
          <div class="form-stack">
            <PostForm page={page} action={`${here}/decision`}>
              <input type="hidden" name="decision" value="approve" />
              <button type="submit" class="button">
                {t({ ja: '承認する', en: 'Approve' })}
              </button>
            </PostForm>
            <PostForm page={page} action={`${here}/decision`} class="form-stack">
              <input type="hidden" name="decision" value="reject" />
              <TextareaField
                page={page}
                id="rejectReason"
                name="reason"
                label={{ ja: '承認しない理由（申請者に届きます）', en: 'Reason to reject (sent to the applicant)' }}
                required
                rows={2}
                maxlength={1000}
                value={valueIn(state, 'decision', 'reason', '')}
                error={errorsOf('decision').reason}
              />
              <div>
                <button type="submit" class="button button--secondary">
                  {t({ ja: '承認しない', en: 'Reject' })}
                </button>
              </div>
            </PostForm>
          </div>
        </section>
      )}

      {permissions.designate && organisation.status === 'approved' && (
        <section aria-labelledby="designation-heading">
          <h2 id="designation-heading">
            {t({ ja: '団体の指定（パターン②）', en: 'Designating the organisation (pattern ②)' })}
          </h2>
          <p>
            {t({
              ja: '団体を指定すると、この団体の事業は、事業ごとに「指定から除外」したものを除いて、すべてプレミアム登録の要件に数える担い手活動になります（パターン②）。事業ごとに指定する方法（パターン①）は、各事業の画面で行います。',
              en: "Designating the organisation makes all its projects count for premium, except those excluded one by one (pattern ②). To designate single projects (pattern ①), use each project's page.",
            })}
          </p>
          <p>
            {t({
              ja: '変更は「適用開始日」以降の出席に適用されます。それより前の日の出席は、それまでの扱いのまま数えます。指定を取り消しても、参加者がすでに得た日数は減りません。過去の日付を選ぶと、その日からの出席にさかのぼって適用します。空欄のときは今日からです。',
              en: 'The change applies to attendance from the effective date. Earlier days keep their designation: revoking never takes away a day someone already earned. A past date applies the change back to that day. Empty means from today.',
            })}
          </p>
          <FormErrors
            page={page}
            state={state}
            form="designation"
            labels={organisationFieldLabels}
            ids={{ effectiveFrom: 'designationFrom', body: 'designationFrom' }}
          />
          <PostForm page={page} action={`${here}/designation`} class="form-stack">
            <input type="hidden" name="designated" value={organisation.designated ? 'false' : 'true'} />
            <InputField
              page={page}
              id="designationFrom"
              name="effectiveFrom"
              type="date"
              label={organisationFieldLabels.effectiveFrom!}
              hint={{ ja: '空欄なら今日から。', en: 'Empty: from today.' }}
              value={valueIn(state, 'designation', 'effectiveFrom', '')}
              error={errorsOf('designation').effectiveFrom ?? errorsOf('designation').body}
            />
            <div>
              <button type="submit" class={organisation.designated ? 'button button--secondary' : 'button'}>
                {organisation.designated
                  ? t({ ja: '団体の指定を取り消す', en: 'Revoke the designation' })
                  : t({ ja: 'この団体を指定する', en: 'Designate this organisation' })}
              </button>
            </div>
          </PostForm>
        </section>
      )}

      {permissions.manageOrganisations &&
        (organisation.status === 'approved' || organisation.status === 'suspended') && (
          <section aria-labelledby="suspension-heading">
            <h2 id="suspension-heading">{t({ ja: '活動の停止', en: 'Suspension' })}</h2>
            <FormErrors
              page={page}
              state={state}
              form="suspension"
              labels={organisationFieldLabels}
              ids={{ reason: 'suspendReason' }}
            />
            {organisation.status === 'approved' ? (
              <>
                <p>
                  {t({
                    ja: '活動を停止すると、団体担当者は事業の計画や公開ができなくなり、団体の指定は今日で終わります（これまでの出席はそのまま数えます）。',
                    en: 'While suspended, its staff cannot plan or publish, and its designation ends today (attendance so far still counts).',
                  })}
                </p>
                <PostForm page={page} action={`${here}/suspension`} class="form-stack">
                  <input type="hidden" name="suspended" value="true" />
                  <TextareaField
                    page={page}
                    id="suspendReason"
                    name="reason"
                    label={{ ja: '停止の理由（記録に残ります）', en: 'Reason (kept on record)' }}
                    rows={2}
                    maxlength={1000}
                    value={valueIn(state, 'suspension', 'reason', '')}
                    error={errorsOf('suspension').reason}
                  />
                  <div>
                    <button type="submit" class="button button--danger">
                      {t({ ja: '活動を停止する', en: 'Suspend' })}
                    </button>
                  </div>
                </PostForm>
              </>
            ) : (
              <PostForm page={page} action={`${here}/suspension`}>
                <input type="hidden" name="suspended" value="false" />
                <p>
                  {t({
                    ja: '停止を解除すると、団体担当者は再び事業を計画・公開できます。団体の指定は、必要ならもう一度行ってください。',
                    en: 'Reinstated, its staff can plan and publish again. Designate it again if needed.',
                  })}
                </p>
                <button type="submit" class="button">
                  {t({ ja: '停止を解除する', en: 'Reinstate' })}
                </button>
              </PostForm>
            )}
          </section>
        )}

      <section aria-labelledby="staff-heading">
        <h2 id="staff-heading">{t({ ja: '団体担当者', en: 'Organisation staff' })}</h2>
        {staff.members.length === 0 ? (
          <p>{t({ ja: '団体担当者はまだいません。', en: 'No organisation staff yet.' })}</p>
        ) : (
          <table class="data">
            <caption class="visually-hidden">{t({ ja: '団体担当者', en: 'Organisation staff' })}</caption>
            <thead>
              <tr>
                <th scope="col">{t({ ja: 'メールアドレス', en: 'E-mail' })}</th>
                <th scope="col">{t({ ja: '担当者になった日', en: 'Since' })}</th>
              </tr>
            </thead>
            <tbody>
              {staff.members.map((member) => (
                <tr>
                  <td>{member.email}</td>
                  <td>{format.format(member.joinedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h3>{t({ ja: '返事を待っている招待', en: 'Open invitations' })}</h3>
        {staff.invitations.length === 0 ? (
          <p>{t({ ja: 'ありません。', en: 'None.' })}</p>
        ) : (
          <table class="data">
            <caption class="visually-hidden">{t({ ja: '返事を待っている招待', en: 'Open invitations' })}</caption>
            <thead>
              <tr>
                <th scope="col">{t({ ja: 'メールアドレス', en: 'E-mail' })}</th>
                <th scope="col">{t({ ja: '招待した日時', en: 'Invited' })}</th>
                <th scope="col">{t({ ja: '有効期限', en: 'Valid until' })}</th>
                {permissions.manageOrganisations && (
                  <th scope="col">
                    <span class="visually-hidden">{t({ ja: '操作', en: 'Actions' })}</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {staff.invitations.map((invitation) => (
                <tr>
                  <td>{invitation.email}</td>
                  <td>{format.format(invitation.createdAt)}</td>
                  <td>{format.format(invitation.expiresAt)}</td>
                  {permissions.manageOrganisations && (
                    <td>
                      <PostForm page={page} action={`${here}/invitations/${invitation.invitationId}/withdraw`}>
                        <button
                          class="button button--secondary"
                          type="submit"
                          aria-label={t({
                            ja: `${invitation.email} への招待を取り消す`,
                            en: `Withdraw the invitation to ${invitation.email}`,
                          })}
                        >
                          {t({ ja: '招待を取り消す', en: 'Withdraw' })}
                        </button>
                      </PostForm>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {permissions.manageOrganisations && organisation.status === 'approved' && (
          <>
            <h3>{t({ ja: '団体担当者を招待する', en: 'Invite organisation staff' })}</h3>
            <FormErrors
              page={page}
              state={state}
              form="invite"
              labels={organisationFieldLabels}
              ids={{ email: 'inviteEmail' }}
            />
            <PostForm page={page} action={`${here}/invitations`} class="form-stack">
              <InputField
                page={page}
                id="inviteEmail"
                name="email"
                type="email"
                label={organisationFieldLabels.email!}
                required
                maxlength={254}
                autocomplete="off"
                hint={{
                  ja: '招待のリンクをこのアドレスに送ります（7日間有効）。受けた方は、この団体の団体担当者になります。',
                  en: 'We mail the invitation link to this address (valid 7 days). The person becomes staff of this organisation.',
                }}
                value={valueIn(state, 'invite', 'email', '')}
                error={errorsOf('invite').email}
              />
              <div>
                <button class="button" type="submit">
                  {t({ ja: '招待メールを送る', en: 'Send the invitation' })}
                </button>
              </div>
            </PostForm>
          </>
        )}
      </section>

      <section aria-labelledby="projects-heading">
        <h2 id="projects-heading">
          {t({ ja: `この団体の事業（${projects.total}件）`, en: `Its projects (${projects.total})` })}
        </h2>
        {projects.items.length === 0 ? (
          <p>{t({ ja: '事業はまだありません。', en: 'No projects yet.' })}</p>
        ) : (
          <table class="data">
            <caption class="visually-hidden">{t({ ja: 'この団体の事業', en: 'Its projects' })}</caption>
            <thead>
              <tr>
                <th scope="col">{t({ ja: '事業名', en: 'Title' })}</th>
                <th scope="col">{t({ ja: '分野', en: 'Category' })}</th>
                <th scope="col">{t({ ja: '状態', en: 'Status' })}</th>
                <th scope="col">{t({ ja: '指定', en: 'Designation' })}</th>
              </tr>
            </thead>
            <tbody>
              {projects.items.map((item) => (
                <tr>
                  <th scope="row">
                    <a href={`${base(area)}/projects/${item.id}`}>{item.title}</a>
                  </th>
                  <td>{t(projectCategoryLabels[item.category])}</td>
                  <td>{t(projectStatusLabels[item.status])}</td>
                  <td>
                    {item.designated
                      ? t({ ja: '指定', en: 'Designated' })
                      : t({ ja: '指定なし', en: 'Not designated' })}
                    {item.designation !== 'inherit' && (
                      <span class="muted"> ({t(designationLabels[item.designation])})</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {projects.total > projects.items.length && (
          <p>
            <a href={`${base(area)}/projects?organisationId=${organisation.id}`}>
              {t({ ja: 'すべての事業を見る', en: 'See all its projects' })}
            </a>
          </p>
        )}
      </section>

      <section aria-labelledby="edit-heading">
        <h2 id="edit-heading">{t({ ja: '団体の情報を編集する', en: 'Edit the profile' })}</h2>
        <FormErrors page={page} state={state} form="profile" labels={organisationFieldLabels} />
        <PostForm page={page} action={here} class="form-stack">
          <OrganisationFields page={page} state={state} form="profile" stored={organisationFormOf(organisation)} />
          <div>
            <button class="button" type="submit">
              {t({ ja: '保存する', en: 'Save' })}
            </button>
          </div>
        </PostForm>
      </section>
    </Layout>,
    statusOf(state),
  );
}

// Posted forms.

export async function registerOrganisationAction(c: Context<AppEnv>, area: StaffArea) {
  const values = formValues(await c.req.parseBody());
  let id = '';
  return submitForm(c, {
    form: 'register',
    values,
    action: async () => {
      ({ id } = await registerOrganisation({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        input: organisationInputOf(values),
      }));
    },
    success: () => `${base(area)}/organisations/${id}?notice=registered`,
    rerender: (state) => organisationsPage(c, area, state),
  });
}

export async function updateOrganisationAction(c: Context<AppEnv>, area: StaffArea) {
  const values = formValues(await c.req.parseBody());
  const organisationId = c.req.param('organisationId') ?? '';
  return submitForm(c, {
    form: 'profile',
    values,
    action: () =>
      updateOrganisation({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        organisationId,
        input: organisationInputOf(values),
      }),
    success: `${base(area)}/organisations/${organisationId}?notice=saved`,
    rerender: (state) => organisationPage(c, area, state),
  });
}

export async function decideOrganisationAction(c: Context<AppEnv>, area: StaffArea) {
  const body = await c.req.parseBody();
  const values = formValues(body);
  const organisationId = c.req.param('organisationId') ?? '';
  const approve = formString(body, 'decision') === 'approve';
  return submitForm(c, {
    form: 'decision',
    values,
    action: () =>
      decideOrganisation({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        organisationId,
        input: approve ? { decision: 'approve' } : { decision: 'reject', reason: values.reason ?? '' },
      }),
    success: `${base(area)}/organisations/${organisationId}?notice=${approve ? 'approved' : 'rejected'}`,
    rerender: (state) => organisationPage(c, area, state),
  });
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

export async function designateOrganisationAction(c: Context<AppEnv>, area: StaffArea) {
  const body = await c.req.parseBody();
  const values = formValues(body);
  const organisationId = c.req.param('organisationId') ?? '';
  const designated = formString(body, 'designated') === 'true';
  const effectiveFrom = values.effectiveFrom ?? '';
  return submitForm(c, {
    form: 'designation',
    values,
    action: async () => {
      if (effectiveFrom && !datePattern.test(effectiveFrom)) {
        throw pageValidationError('effectiveFrom', {
          ja: '日付を YYYY-MM-DD の形式で入力してください',
          en: 'Enter the date as YYYY-MM-DD',
        });
      }
      await setOrganisationDesignation({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        organisationId,
        designated,
        ...(effectiveFrom ? { effectiveFrom } : {}),
      });
    },
    success: `${base(area)}/organisations/${organisationId}?notice=${designated ? 'designated' : 'undesignated'}`,
    rerender: (state) => organisationPage(c, area, state),
  });
}

export async function suspendOrganisationAction(c: Context<AppEnv>, area: StaffArea) {
  const body = await c.req.parseBody();
  const values = formValues(body);
  const organisationId = c.req.param('organisationId') ?? '';
  const suspended = formString(body, 'suspended') === 'true';
  return submitForm(c, {
    form: 'suspension',
    values,
    action: () =>
      setOrganisationSuspended({
        db: deps(c).db,
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        organisationId,
        suspended,
        ...(values.reason ? { reason: values.reason.slice(0, 1000) } : {}),
      }),
    success: `${base(area)}/organisations/${organisationId}?notice=${suspended ? 'suspended' : 'reinstated'}`,
    rerender: (state) => organisationPage(c, area, state),
  });
}

/** The government withdraws an open invitation of the organisation's 団体担当者 (audited). */
export async function withdrawOrganisationInvitationAction(c: Context<AppEnv>, area: StaffArea) {
  const organisationId = c.req.param('organisationId') ?? '';
  const invitationId = c.req.param('invitationId') ?? '';
  const { db } = deps(c);
  const lgCode = area.tenant.lgCode;
  return submitForm(c, {
    form: 'withdraw',
    values: {},
    action: async () => {
      authorizeActivities(area.actor, lgCode, mayManageOrganisations(area.actor, lgCode));
      await revokeInvitation({ db, actor: area.actor, lgCode, invitationId, organisationId });
    },
    success: `${base(area)}/organisations/${organisationId}?notice=invitationWithdrawn`,
    rerender: (state) => organisationPage(c, area, state),
  });
}

/** The government invites a 団体担当者 of an approved organisation (as the API's staff-invitations does). */
export async function inviteOrganisationStaffAction(c: Context<AppEnv>, area: StaffArea) {
  const values = formValues(await c.req.parseBody());
  const organisationId = c.req.param('organisationId') ?? '';
  const { db, config } = deps(c);
  const lgCode = area.tenant.lgCode;
  return submitForm(c, {
    form: 'invite',
    values,
    action: async () => {
      authorizeActivities(area.actor, lgCode, mayManageOrganisations(area.actor, lgCode));
      const { organisation } = await getOrganisation({ db, actor: area.actor, lgCode, organisationId });
      if (organisation.status !== 'approved') throw new AppError('organisation_not_approved');
      const email = values.email ?? '';
      if (!email) {
        throw pageValidationError('email', {
          ja: 'メールアドレスを入力してください',
          en: 'Enter an e-mail address',
        });
      }
      await inviteStaff({
        db,
        config,
        actor: area.actor,
        lgCode,
        // A malformed address fails the service's schema and comes back as a field error.
        input: { email, role: 'organisation_staff', organisationId: organisation.id },
      });
    },
    success: `${base(area)}/organisations/${organisationId}?notice=invited`,
    rerender: (state) => organisationPage(c, area, state),
  });
}
