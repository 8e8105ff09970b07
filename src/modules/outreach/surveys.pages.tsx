import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError } from '../../platform/errors.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { requireSession } from '../../platform/http/session.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice, PostForm } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import { auditActionLabels, staffAreaLinks, StaffNav, withStaffArea, type StaffArea } from '../staff/index.js';
import { csvResponse } from './surveys.csv.js';
import { conditionValuesOf, surveyQuestionKinds, textIn, type SurveyQuestion } from './surveys.engine.js';
import { mayManageSurveys, resultStep, resultThreshold } from './surveys.policy.js';
import { relationshipTieLabels, relationshipTies } from './surveys.registration.js';
import {
  addSurveyQuestion,
  answerSurvey,
  closeSurvey,
  createSurvey,
  deleteSurvey,
  exportSurveyResults,
  getSurvey,
  getSurveyForRespondent,
  getSurveyResults,
  listMySurveys,
  listSurveys,
  moveSurveyQuestion,
  publishSurvey,
  removeSurveyQuestion,
  shownQuestions,
  surveyKindLabels,
  updateSurveySettings,
  SurveySettingsInput,
  type QuestionDraftInput,
  type Survey,
  type SurveyToAnswer,
} from './surveys.service.js';
import {
  answerText,
  BarChart,
  dateTimeText,
  ErrorSummary,
  formString,
  formStrings,
  fromJapanLocal,
  isShownInForm,
  messageIn,
  parseForm,
  questionAnchor,
  QuestionField,
  surveyPhaseLabels,
  toJapanLocal,
  valuesFromAnswer,
  type FieldValues,
} from './surveys.ui.js';

const titles = {
  surveys: { ja: 'アンケート', en: 'Surveys' },
  newSurvey: { ja: '新しいアンケート', en: 'New survey' },
  results: { ja: 'アンケートの結果', en: 'Survey results' },
  mine: { ja: 'アンケート', en: 'Surveys' },
} satisfies Record<string, Localized>;

staffAreaLinks.push({ path: '/surveys', label: titles.surveys, show: mayManageSurveys });

Object.assign(auditActionLabels, {
  'survey.created': { ja: 'アンケートの作成', en: 'Survey created' },
  'survey.updated': { ja: 'アンケートの設定の変更', en: 'Survey settings changed' },
  'survey.questions_changed': { ja: 'アンケートの設問の変更', en: 'Survey questions changed' },
  'survey.published': { ja: 'アンケートの公開', en: 'Survey published' },
  'survey.closed': { ja: 'アンケートの受付終了', en: 'Survey closed' },
  'survey.deleted': { ja: 'アンケートの削除', en: 'Survey deleted' },
  'survey.answered': {
    ja: 'アンケートへの回答（回答者は記録しません）',
    en: 'Survey answered (respondent not recorded)',
  },
  'survey.exported': { ja: 'アンケート結果のCSV出力', en: 'Survey results exported (CSV)' },
} satisfies Record<string, Localized>);

const tierLabels: Record<'all' | 'basic' | 'premium', Localized> = {
  all: { ja: 'すべての登録者', en: 'All registrants' },
  basic: { ja: 'ベーシック登録の方', en: 'Basic registrants' },
  premium: { ja: 'プレミアム登録の方', en: 'Premium registrants' },
};

const settingsFieldLabels: Record<string, Localized> = {
  title: { ja: 'タイトル', en: 'Title' },
  titleEn: { ja: 'タイトル（英語）', en: 'Title (English)' },
  description: { ja: '説明', en: 'Description' },
  opensAt: { ja: '受付開始', en: 'Opens' },
  closesAt: { ja: '締め切り', en: 'Closes' },
  questions: { ja: '設問', en: 'Questions' },
  label: { ja: '設問文', en: 'Question' },
  choices: { ja: '選択肢', en: 'Choices' },
  kind: { ja: '回答の形式', en: 'Answer type' },
};

function db(c: Context<AppEnv>) {
  return c.get('deps').database.db;
}

function surveyTitle(page: PageContext, survey: { title: string; titleEn: string | null }): string {
  return page.locale === 'en' && survey.titleEn ? survey.titleEn : survey.title;
}

/** Survey pages show the government's data: never kept by a shared office browser. */
function privatePage(c: Context<AppEnv>, element: unknown, status: ContentfulStatusCode = 200) {
  c.header('Cache-Control', 'no-store');
  return renderPage(c, element, status);
}

function authorizeSurveys(area: StaffArea): void {
  if (!mayManageSurveys(area.actor, area.tenant.lgCode)) throw new AppError('not_found');
}

function audienceText(page: PageContext, survey: Pick<Survey, 'audience'>): string {
  const ties = survey.audience.ties
    .map((tie) => relationshipTieLabels[tie as keyof typeof relationshipTieLabels])
    .filter(Boolean)
    .map((label) => page.t(label));
  const tier = page.t(tierLabels[survey.audience.tier]);
  return ties.length === 0
    ? tier
    : page.t({
        ja: `${tier}のうち、関係が「${ties.join('」「')}」の方`,
        en: `${tier} with the ties: ${ties.join(', ')}`,
      });
}

// ───────────────────────── staff: list and new ─────────────────────────

async function listPage(c: Context<AppEnv>, area: StaffArea) {
  const page = pageContext(c);
  const { t } = page;
  const base = `/staff/${area.tenant.lgCode}/surveys`;
  const surveys = await listSurveys({ db: db(c), actor: area.actor, lgCode: area.tenant.lgCode });
  const notice = c.req.query('notice');
  return privatePage(
    c,
    <Layout page={page} title={titles.surveys}>
      <StaffNav page={page} area={area} current={base} />
      <h1>{t(titles.surveys)}</h1>
      {notice === 'deleted' && (
        <Notice kind="success">{t({ ja: '下書きを削除しました。', en: 'Draft deleted.' })}</Notice>
      )}
      <p>
        {t({
          ja: '登録者にアンケート（モニターアンケート）を送り、結果をグラフとCSVで見られます。登録時アンケートの集計もここで見られます。',
          en: 'Ask your registrants a survey and read the results as charts and CSV. The registration survey’s results are here too.',
        })}
      </p>
      <p>
        <a class="button" href={`${base}/new`}>
          {t({ ja: '新しいアンケートを作る', en: 'Write a new survey' })}
        </a>
      </p>
      <table class="data">
        <caption class="visually-hidden">{t(titles.surveys)}</caption>
        <thead>
          <tr>
            <th scope="col">{t({ ja: 'タイトル', en: 'Title' })}</th>
            <th scope="col">{t({ ja: '状態', en: 'Status' })}</th>
            <th scope="col">{t({ ja: '期間', en: 'Period' })}</th>
            <th scope="col">{t({ ja: '回答数', en: 'Answers' })}</th>
          </tr>
        </thead>
        <tbody>
          {surveys.map((survey) => (
            <tr>
              <td>
                <a href={survey.purpose === 'registration' ? `${base}/${survey.id}/results` : `${base}/${survey.id}`}>
                  {surveyTitle(page, survey)}
                </a>
                {survey.purpose === 'registration' && (
                  <span class="badge">{t({ ja: '登録時', en: 'At registration' })}</span>
                )}
              </td>
              <td>
                {survey.purpose === 'registration' ? t(surveyPhaseLabels.open) : t(surveyPhaseLabels[survey.phase])}
              </td>
              <td>
                {survey.purpose === 'registration'
                  ? t({ ja: '登録のたびに', en: 'At each registration' })
                  : `${dateTimeText(page, survey.opensAt)} 〜 ${dateTimeText(page, survey.closesAt)}`}
              </td>
              <td>{survey.responseCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>,
  );
}

interface SettingsForm {
  title: string;
  titleEn: string;
  description: string;
  audienceTier: string;
  audienceTies: string[];
  opensAt: string;
  closesAt: string;
}

function settingsFormOf(survey: Survey | undefined): SettingsForm {
  return {
    title: survey?.title ?? '',
    titleEn: survey?.titleEn ?? '',
    description: survey?.description ?? '',
    audienceTier: survey?.audience.tier ?? 'all',
    audienceTies: survey?.audience.ties ?? [],
    opensAt: toJapanLocal(survey?.opensAt),
    closesAt: toJapanLocal(survey?.closesAt),
  };
}

async function readSettingsForm(c: Context<AppEnv>): Promise<SettingsForm> {
  const body = await parseForm(c);
  return {
    title: formString(body, 'title'),
    titleEn: formString(body, 'titleEn'),
    description: formString(body, 'description'),
    audienceTier: formString(body, 'audienceTier') || 'all',
    audienceTies: formStrings(body, 'audienceTies'),
    opensAt: formString(body, 'opensAt'),
    closesAt: formString(body, 'closesAt'),
  };
}

/**
 * The form's values as the service takes them. A date that is not one is named as a field error together
 * with whatever else the settings lack, so a person fixes everything in one go.
 */
function settingsInput(form: SettingsForm): SurveySettingsInput {
  const badDates = (['opensAt', 'closesAt'] as const).filter((field) => form[field] && !fromJapanLocal(form[field]));
  const opensAt = fromJapanLocal(form.opensAt);
  const closesAt = fromJapanLocal(form.closesAt);
  const input: SurveySettingsInput = {
    title: form.title,
    ...(form.titleEn ? { titleEn: form.titleEn } : {}),
    description: form.description,
    audienceTier: form.audienceTier as SurveySettingsInput['audienceTier'],
    audienceTies: form.audienceTies as SurveySettingsInput['audienceTies'],
    ...(opensAt ? { opensAt } : {}),
    ...(closesAt ? { closesAt } : {}),
  };
  if (badDates.length === 0) return input;
  const checked = SurveySettingsInput.safeParse(input);
  throw new AppError('validation_failed', {
    fieldErrors: [
      ...(checked.success
        ? []
        : checked.error.issues.map((issue) => ({
            field: issue.path.map(String).join('.'),
            in: 'form' as const,
            message: issue.message,
          }))),
      ...badDates.map((field) => ({
        field,
        in: 'form' as const,
        message: '日時を正しく入力してください / enter a date and time',
      })),
    ],
  });
}

function SettingsFields(props: { page: PageContext; form: SettingsForm; onlyClosing?: boolean }) {
  const { page, form } = props;
  const { t } = page;
  if (props.onlyClosing) {
    return (
      <div class="field">
        <label for="closesAt">{t(settingsFieldLabels.closesAt!)}</label>
        <input type="datetime-local" id="closesAt" name="closesAt" value={form.closesAt} required />
      </div>
    );
  }
  return (
    <>
      <div class="field">
        <label for="title">{t(settingsFieldLabels.title!)}</label>
        <input type="text" id="title" name="title" value={form.title} maxlength={200} required />
      </div>
      <div class="field">
        <label for="titleEn">{t({ ja: 'タイトル（英語・任意）', en: 'Title in English (optional)' })}</label>
        <input type="text" id="titleEn" name="titleEn" value={form.titleEn} maxlength={200} />
      </div>
      <div class="field">
        <label for="description">{t(settingsFieldLabels.description!)}</label>
        <textarea id="description" name="description" rows={4} maxlength={4000}>
          {form.description}
        </textarea>
      </div>
      <fieldset class="field">
        <legend>{t({ ja: '対象', en: 'Audience' })}</legend>
        {(['all', 'basic', 'premium'] as const).map((tier) => (
          <label class="checkbox">
            <input type="radio" name="audienceTier" value={tier} checked={form.audienceTier === tier} />
            {t(tierLabels[tier])}
          </label>
        ))}
      </fieldset>
      <fieldset class="field" aria-describedby="audienceTies-hint">
        <legend>{t({ ja: '関係で絞り込む（任意）', en: 'Only these ties (optional)' })}</legend>
        <span class="hint" id="audienceTies-hint">
          {t({
            ja: '選ぶと、登録時アンケートでいずれかを選んだ方だけが対象になります。選ばなければ全員です。',
            en: 'If you choose any, only registrants who gave one of them at registration are asked.',
          })}
        </span>
        {relationshipTies.map((tie) => (
          <label class="checkbox">
            <input type="checkbox" name="audienceTies" value={tie} checked={form.audienceTies.includes(tie)} />
            {t(relationshipTieLabels[tie])}
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="opensAt">
          {t({ ja: '受付開始（空欄なら公開したとき）', en: 'Opens (empty: when published)' })}
        </label>
        <input type="datetime-local" id="opensAt" name="opensAt" value={form.opensAt} />
      </div>
      <div class="field">
        <label for="closesAt">{t({ ja: '締め切り（日本時間）', en: 'Closes (Japan time)' })}</label>
        <input type="datetime-local" id="closesAt" name="closesAt" value={form.closesAt} />
      </div>
    </>
  );
}

function fieldLabel(page: PageContext, field: string): string | undefined {
  const key = field.split('.').at(-1) ?? field;
  const label = settingsFieldLabels[field] ?? settingsFieldLabels[key];
  return label ? page.t(label) : undefined;
}

async function newPage(c: Context<AppEnv>, area: StaffArea, options: { form?: SettingsForm; error?: AppError } = {}) {
  const page = pageContext(c);
  const { t } = page;
  const base = `/staff/${area.tenant.lgCode}/surveys`;
  return privatePage(
    c,
    <Layout page={page} title={titles.newSurvey}>
      <StaffNav page={page} area={area} current={base} />
      <p>
        <a href={base}>{t({ ja: '← アンケートの一覧', en: '← All surveys' })}</a>
      </p>
      <h1>{t(titles.newSurvey)}</h1>
      {options.error && <ErrorSummary page={page} error={options.error} labelOf={(field) => fieldLabel(page, field)} />}
      <p>
        {t({
          ja: 'まず下書きを作り、設問を加えてから公開します。公開するまで登録者には見えません。',
          en: 'Start a draft, add questions, then publish. Registrants see nothing until then.',
        })}
      </p>
      <PostForm page={page} action={base} class="form-stack">
        <SettingsFields page={page} form={options.form ?? settingsFormOf(undefined)} />
        <div>
          <button class="button" type="submit">
            {t({ ja: '下書きを作る', en: 'Create the draft' })}
          </button>
        </div>
      </PostForm>
    </Layout>,
    options.error ? (options.error.status as ContentfulStatusCode) : 200,
  );
}

// ───────────────────────── staff: one survey ─────────────────────────

interface QuestionForm {
  kind: string;
  labelJa: string;
  labelEn: string;
  helpJa: string;
  required: boolean;
  choices: string;
  maxChoices: string;
  scaleMin: string;
  scaleMax: string;
  minLabel: string;
  maxLabel: string;
  maxLength: string;
  multiline: boolean;
  showIf: string;
}

const emptyQuestionForm: QuestionForm = {
  kind: 'single',
  labelJa: '',
  labelEn: '',
  helpJa: '',
  required: true,
  choices: '',
  maxChoices: '',
  scaleMin: '1',
  scaleMax: '5',
  minLabel: '',
  maxLabel: '',
  maxLength: '1000',
  multiline: true,
  showIf: '',
};

function QuestionSummary(props: { page: PageContext; question: SurveyQuestion; questions: readonly SurveyQuestion[] }) {
  const { page, question } = props;
  const { t } = page;
  const details: string[] = [t(surveyKindLabels[question.kind])];
  details.push(question.required ? t({ ja: '必須', en: 'required' }) : t({ ja: '任意', en: 'optional' }));
  if (question.kind === 'single' || question.kind === 'multiple') {
    details.push(question.choices.map((choice) => textIn(choice.label, page.locale)).join(' / '));
  }
  if (question.kind === 'scale') details.push(`${question.min}〜${question.max}`);
  if (question.showIf) {
    const index = props.questions.findIndex((each) => each.id === question.showIf?.questionId);
    const source = props.questions[index];
    const values = source
      ? conditionValuesOf(source)
          .filter((entry) => question.showIf?.anyOf.includes(entry.value))
          .map((entry) => textIn(entry.label, page.locale))
      : [];
    details.push(
      t({
        ja: `Q${index + 1}が「${values.join('」「')}」のときだけ`,
        en: `only if Q${index + 1} is ${values.join(', ')}`,
      }),
    );
  }
  return <span class="muted">{details.join('・')}</span>;
}

function QuestionFormFields(props: { page: PageContext; form: QuestionForm; questions: readonly SurveyQuestion[] }) {
  const { page, form } = props;
  const { t } = page;
  const conditionSources = props.questions.filter((question) => question.kind !== 'text');
  return (
    <>
      <div class="field">
        <label for="kind">{t(settingsFieldLabels.kind!)}</label>
        <select id="kind" name="kind">
          {surveyQuestionKinds.map((kind) => (
            <option value={kind} selected={form.kind === kind}>
              {t(surveyKindLabels[kind])}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="labelJa">{t({ ja: '設問文', en: 'Question (Japanese)' })}</label>
        <input type="text" id="labelJa" name="labelJa" value={form.labelJa} maxlength={300} required />
      </div>
      <div class="field">
        <label for="labelEn">{t({ ja: '設問文（英語・任意）', en: 'Question in English (optional)' })}</label>
        <input type="text" id="labelEn" name="labelEn" value={form.labelEn} maxlength={300} />
      </div>
      <div class="field">
        <label for="helpJa">{t({ ja: '補足（任意）', en: 'Help text (optional)' })}</label>
        <input type="text" id="helpJa" name="helpJa" value={form.helpJa} maxlength={300} />
      </div>
      <div class="field">
        <label class="checkbox">
          <input type="checkbox" name="required" value="true" checked={form.required} />
          {t({ ja: '回答を必須にする', en: 'Answer required' })}
        </label>
      </div>
      <div class="field">
        <label for="choices">
          {t({ ja: '選択肢（単一選択・複数選択）', en: 'Choices (single and multiple choice)' })}
        </label>
        <span class="hint" id="choices-hint">
          {t({ ja: '1行に1つずつ、2〜30個。', en: 'One per line, 2–30.' })}
        </span>
        <textarea id="choices" name="choices" rows={4} aria-describedby="choices-hint">
          {form.choices}
        </textarea>
      </div>
      <div class="field">
        <label for="maxChoices">
          {t({ ja: '選べる数の上限（複数選択・任意）', en: 'Most choices (multiple, optional)' })}
        </label>
        <input type="text" inputmode="numeric" id="maxChoices" name="maxChoices" value={form.maxChoices} />
      </div>
      <div class="field">
        <label for="scaleMin">{t({ ja: '段階評価の最小', en: 'Scale from' })}</label>
        <select id="scaleMin" name="scaleMin">
          {['0', '1'].map((value) => (
            <option value={value} selected={form.scaleMin === value}>
              {value}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="scaleMax">{t({ ja: '段階評価の最大', en: 'Scale to' })}</label>
        <select id="scaleMax" name="scaleMax">
          {['2', '3', '4', '5', '6', '7', '8', '9', '10'].map((value) => (
            <option value={value} selected={form.scaleMax === value}>
              {value}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="minLabel">{t({ ja: '最小の意味（例: まったくそう思わない）', en: 'Meaning of the lowest' })}</label>
        <input type="text" id="minLabel" name="minLabel" value={form.minLabel} maxlength={300} />
      </div>
      <div class="field">
        <label for="maxLabel">{t({ ja: '最大の意味（例: とてもそう思う）', en: 'Meaning of the highest' })}</label>
        <input type="text" id="maxLabel" name="maxLabel" value={form.maxLabel} maxlength={300} />
      </div>
      <div class="field">
        <label for="maxLength">{t({ ja: '自由記述の最大文字数', en: 'Free text: most characters' })}</label>
        <input type="text" inputmode="numeric" id="maxLength" name="maxLength" value={form.maxLength} />
      </div>
      <div class="field">
        <label class="checkbox">
          <input type="checkbox" name="multiline" value="true" checked={form.multiline} />
          {t({ ja: '自由記述を複数行にする', en: 'Free text on several lines' })}
        </label>
      </div>
      <div class="field">
        <label for="showIf">{t({ ja: 'この設問を出す条件（任意）', en: 'Ask only when (optional)' })}</label>
        <select id="showIf" name="showIf">
          <option value="">{t({ ja: '常に出す', en: 'Always' })}</option>
          {conditionSources.map((question) =>
            conditionValuesOf(question).map((entry) => {
              const number = props.questions.indexOf(question) + 1;
              const value = `${question.id}=${entry.value}`;
              return (
                <option value={value} selected={form.showIf === value}>
                  {t({
                    ja: `Q${number}「${textIn(question.label, 'ja')}」で「${textIn(entry.label, 'ja')}」と答えたとき`,
                    en: `Q${number} answered "${textIn(entry.label, 'en')}"`,
                  })}
                </option>
              );
            }),
          )}
        </select>
      </div>
    </>
  );
}

function questionDraftFrom(form: QuestionForm): QuestionDraftInput {
  const number = (value: string) => (/^\d{1,4}$/.test(value) ? Number(value) : undefined);
  const [conditionQuestion, conditionValue] = form.showIf.split('=');
  const isChoice = form.kind === 'single' || form.kind === 'multiple';
  return {
    kind: form.kind as QuestionDraftInput['kind'],
    label: { ja: form.labelJa, ...(form.labelEn ? { en: form.labelEn } : {}) },
    ...(form.helpJa ? { help: { ja: form.helpJa } } : {}),
    required: form.required,
    choices: isChoice
      ? form.choices
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter(Boolean)
      : [],
    ...(form.kind === 'multiple' && number(form.maxChoices) ? { maxChoices: number(form.maxChoices) } : {}),
    ...(form.kind === 'scale'
      ? {
          scaleMin: number(form.scaleMin) ?? 1,
          scaleMax: number(form.scaleMax) ?? 5,
          ...(form.minLabel ? { minLabel: { ja: form.minLabel } } : {}),
          ...(form.maxLabel ? { maxLabel: { ja: form.maxLabel } } : {}),
        }
      : {}),
    ...(form.kind === 'text' ? { maxLength: number(form.maxLength) ?? 1000, multiline: form.multiline } : {}),
    ...(conditionQuestion && conditionValue
      ? { showIf: { questionId: conditionQuestion, anyOf: [conditionValue] } }
      : {}),
  };
}

async function surveyPage(
  c: Context<AppEnv>,
  area: StaffArea,
  options: {
    settings?: SettingsForm;
    settingsError?: AppError;
    question?: QuestionForm;
    questionError?: AppError;
    actionError?: AppError;
  } = {},
) {
  const page = pageContext(c);
  const { t } = page;
  const base = `/staff/${area.tenant.lgCode}/surveys`;
  const survey = await getSurvey({
    db: db(c),
    actor: area.actor,
    lgCode: area.tenant.lgCode,
    surveyId: c.req.param('surveyId') ?? '',
  });
  if (survey.purpose === 'registration') return c.redirect(`${base}/${survey.id}/results`, 303);
  const here = `${base}/${survey.id}`;
  const title = { ja: survey.title, en: survey.titleEn ?? survey.title };
  const notice = c.req.query('notice');
  const draft = survey.status === 'draft';
  const error = options.settingsError ?? options.questionError ?? options.actionError;
  return privatePage(
    c,
    <Layout page={page} title={title}>
      <StaffNav page={page} area={area} current={base} />
      <p>
        <a href={base}>{t({ ja: '← アンケートの一覧', en: '← All surveys' })}</a>
      </p>
      <h1>
        {t(title)} <span class="badge">{t(surveyPhaseLabels[survey.phase])}</span>
      </h1>
      {notice === 'saved' && <Notice kind="success">{t({ ja: '保存しました。', en: 'Saved.' })}</Notice>}
      {notice === 'published' && (
        <Notice kind="success">
          {t({
            ja: '公開しました。受付が始まると、対象の登録者にお知らせします。',
            en: 'Published. The audience is told when it opens.',
          })}
        </Notice>
      )}
      {notice === 'closed' && <Notice kind="success">{t({ ja: '受付を終了しました。', en: 'Closed.' })}</Notice>}
      {error && <ErrorSummary page={page} error={error} labelOf={(field) => fieldLabel(page, field)} />}

      <section aria-labelledby="facts-heading">
        <h2 id="facts-heading">{t({ ja: '概要', en: 'Overview' })}</h2>
        <dl class="facts">
          <dt>{t({ ja: '対象', en: 'Audience' })}</dt>
          <dd>{audienceText(page, survey)}</dd>
          <dt>{t({ ja: '期間', en: 'Period' })}</dt>
          <dd>
            {survey.opensAt ? dateTimeText(page, survey.opensAt) : t({ ja: '公開したとき', en: 'When published' })} 〜{' '}
            {dateTimeText(page, survey.closesAt)}
          </dd>
          <dt>{t({ ja: '回答数', en: 'Answers' })}</dt>
          <dd>
            {survey.responseCount}{' '}
            {survey.status !== 'draft' && (
              <a href={`${here}/results`}>{t({ ja: '結果を見る', en: 'See the results' })}</a>
            )}
          </dd>
        </dl>
      </section>

      <section aria-labelledby="questions-heading">
        <h2 id="questions-heading">{t({ ja: '設問', en: 'Questions' })}</h2>
        {survey.questions.length === 0 ? (
          <p>{t({ ja: 'まだ設問がありません。', en: 'No questions yet.' })}</p>
        ) : (
          <ol class="survey-outline">
            {survey.questions.map((question, index) => (
              <li>
                <strong>{textIn(question.label, page.locale)}</strong>{' '}
                <QuestionSummary page={page} question={question} questions={survey.questions} />
                {draft && (
                  <span class="survey-outline__actions">
                    {index > 0 && (
                      <PostForm page={page} action={`${here}/questions/${question.id}/up`} class="inline-form">
                        <button type="submit" class="link-button">
                          {t({ ja: `Q${index + 1}を上へ`, en: `Move Q${index + 1} up` })}
                        </button>
                      </PostForm>
                    )}{' '}
                    {index < survey.questions.length - 1 && (
                      <PostForm page={page} action={`${here}/questions/${question.id}/down`} class="inline-form">
                        <button type="submit" class="link-button">
                          {t({ ja: `Q${index + 1}を下へ`, en: `Move Q${index + 1} down` })}
                        </button>
                      </PostForm>
                    )}{' '}
                    <PostForm page={page} action={`${here}/questions/${question.id}/remove`} class="inline-form">
                      <button type="submit" class="link-button">
                        {t({ ja: `Q${index + 1}を削除`, en: `Remove Q${index + 1}` })}
                      </button>
                    </PostForm>
                  </span>
                )}
              </li>
            ))}
          </ol>
        )}
        {draft && (
          <>
            <h3 id="add-question">{t({ ja: '設問を追加する', en: 'Add a question' })}</h3>
            <PostForm page={page} action={`${here}/questions`} class="form-stack">
              <QuestionFormFields
                page={page}
                form={options.question ?? emptyQuestionForm}
                questions={survey.questions}
              />
              <div>
                <button class="button" type="submit">
                  {t({ ja: '設問を追加する', en: 'Add the question' })}
                </button>
              </div>
            </PostForm>
          </>
        )}
      </section>

      <section aria-labelledby="settings-heading">
        <h2 id="settings-heading">{t({ ja: '設定', en: 'Settings' })}</h2>
        {survey.status === 'closed' ? (
          <p>{t({ ja: '受付を終了したアンケートは変更できません。', en: 'A closed survey cannot change.' })}</p>
        ) : (
          <PostForm page={page} action={`${here}/settings`} class="form-stack">
            {!draft && (
              <p class="muted">
                {t({
                  ja: '公開後に変えられるのは締め切りだけです。',
                  en: 'After publishing only the closing time can change.',
                })}
              </p>
            )}
            <SettingsFields page={page} form={options.settings ?? settingsFormOf(survey)} onlyClosing={!draft} />
            <div>
              <button class="button button--secondary" type="submit">
                {t({ ja: '設定を保存する', en: 'Save the settings' })}
              </button>
            </div>
          </PostForm>
        )}
      </section>

      <section aria-labelledby="actions-heading">
        <h2 id="actions-heading">{t({ ja: '公開・終了', en: 'Publish or close' })}</h2>
        {draft && (
          <>
            <p>
              {t({
                ja: '公開すると設問と対象は変えられません。受付開始の日時に、対象の登録者へお知らせが届きます。',
                en: 'Once published, questions and audience are fixed. The audience is told when it opens.',
              })}
            </p>
            <PostForm page={page} action={`${here}/publish`} class="inline-form">
              <button type="submit" class="button">
                {t({ ja: '公開する', en: 'Publish' })}
              </button>
            </PostForm>{' '}
            <PostForm page={page} action={`${here}/delete`} class="inline-form">
              <button type="submit" class="button button--danger">
                {t({ ja: '下書きを削除する', en: 'Delete the draft' })}
              </button>
            </PostForm>
          </>
        )}
        {survey.status === 'published' && (
          <PostForm page={page} action={`${here}/close`} class="inline-form">
            <button type="submit" class="button button--danger">
              {t({ ja: '今すぐ受付を終了する', en: 'Close now' })}
            </button>
          </PostForm>
        )}
        {survey.status === 'closed' && <p>{t({ ja: '受付は終了しました。', en: 'This survey has ended.' })}</p>}
      </section>
    </Layout>,
    error ? (error.status as ContentfulStatusCode) : 200,
  );
}

async function readQuestionForm(c: Context<AppEnv>): Promise<QuestionForm> {
  const body = await parseForm(c);
  return {
    kind: formString(body, 'kind'),
    labelJa: formString(body, 'labelJa'),
    labelEn: formString(body, 'labelEn'),
    helpJa: formString(body, 'helpJa'),
    required: formString(body, 'required') === 'true',
    choices: formString(body, 'choices'),
    maxChoices: formString(body, 'maxChoices'),
    scaleMin: formString(body, 'scaleMin'),
    scaleMax: formString(body, 'scaleMax'),
    minLabel: formString(body, 'minLabel'),
    maxLabel: formString(body, 'maxLabel'),
    maxLength: formString(body, 'maxLength'),
    multiline: formString(body, 'multiline') === 'true',
    showIf: formString(body, 'showIf'),
  };
}

// ───────────────────────── staff: results ─────────────────────────

async function resultsPage(c: Context<AppEnv>, area: StaffArea) {
  const page = pageContext(c);
  const { t } = page;
  const base = `/staff/${area.tenant.lgCode}/surveys`;
  const results = await getSurveyResults({
    db: db(c),
    actor: area.actor,
    lgCode: area.tenant.lgCode,
    surveyId: c.req.param('surveyId') ?? '',
  });
  const survey = results.survey;
  const here = `${base}/${survey.id}`;
  const title = { ja: `${survey.title}：結果`, en: `${survey.titleEn ?? survey.title}: results` };
  const visible = results.questions.filter((result) => !result.question.retired || result.answered > 0);
  return privatePage(
    c,
    <Layout page={page} title={title}>
      <StaffNav page={page} area={area} current={base} />
      <p>
        <a href={survey.purpose === 'registration' ? base : here}>
          {survey.purpose === 'registration'
            ? t({ ja: '← アンケートの一覧', en: '← All surveys' })
            : t({ ja: '← アンケートの設定', en: '← The survey' })}
        </a>
      </p>
      <h1>{t(title)}</h1>
      <p>
        {t({
          ja: `回答 ${results.responseCount}件のうち、集計の対象 ${results.countedCount}件（${t(surveyPhaseLabels[survey.phase])}）`,
          en: `${results.countedCount} of ${results.responseCount} answers counted (${t(surveyPhaseLabels[survey.phase])})`,
        })}
      </p>
      <Notice kind="info">
        {t({
          ja: `回答した人が特定されないよう、回答が${resultThreshold}件に達するまで結果は表示せず、その後は${resultStep}件ごとに集計に加えます。回答者が${resultThreshold}人未満の設問は表示しません。自由記述はほかの回答と結びつかないよう、順番を入れ替えて別に表示します。回答者の名前や回答日時は表示しません。`,
          en: `So that nobody can be singled out, results appear once ${resultThreshold} answers are in and then grow ${resultStep} answers at a time; a question answered by fewer than ${resultThreshold} is not shown; free text is shown apart from the other answers, shuffled; no names or times.`,
        })}
      </Notice>
      {results.countedCount === 0 ? (
        <p>
          {t({
            ja: `まだ結果は表示できません（回答 ${results.responseCount}件）。`,
            en: `No results yet (${results.responseCount} answers).`,
          })}
        </p>
      ) : (
        <>
          <p>
            <a href={`${here}/results.csv?part=summary`}>
              {t({ ja: '集計をCSVでダウンロード（Excel用）', en: 'Download the summary as CSV (for Excel)' })}
            </a>{' '}
            {visible.some((result) => result.kind === 'text' && !result.suppressed) && (
              <>
                ／{' '}
                <a href={`${here}/results.csv?part=comments`}>
                  {t({ ja: '自由記述をCSVでダウンロード', en: 'Download the free text as CSV' })}
                </a>
              </>
            )}{' '}
            <span class="muted">
              {t({ ja: 'ダウンロードは監査ログに残ります。', en: 'Downloads are recorded in the audit trail.' })}
            </span>
          </p>
          {visible.map((result, index) => {
            const headingId = `result-${index + 1}`;
            const label = `Q${index + 1}. ${textIn(result.question.label, page.locale)}`;
            return (
              <section aria-labelledby={headingId} class="survey-result">
                <h2 id={headingId}>
                  {label}
                  {result.question.retired && (
                    <span class="badge">{t({ ja: '現在は聞いていない設問', en: 'No longer asked' })}</span>
                  )}
                </h2>
                <p class="muted">
                  {t(surveyKindLabels[result.question.kind])}・
                  {t({ ja: `回答者 ${result.answered}人`, en: `${result.answered} answered` })}
                </p>
                {result.suppressed ? (
                  <p>
                    {t({
                      ja: `回答者が${resultThreshold}人未満のため表示しません。`,
                      en: `Fewer than ${resultThreshold} answered: not shown.`,
                    })}
                  </p>
                ) : result.kind === 'text' ? (
                  result.texts.length === 0 ? (
                    <p>{t({ ja: '記述はありません。', en: 'No text.' })}</p>
                  ) : (
                    <>
                      <ul class="survey-comments">
                        {result.texts.map((text) => (
                          <li>{text}</li>
                        ))}
                      </ul>
                      {result.textCount > result.texts.length && (
                        <p class="muted">
                          {t({
                            ja: `ほか${result.textCount - result.texts.length}件はCSVでご覧ください。`,
                            en: `${result.textCount - result.texts.length} more in the CSV.`,
                          })}
                        </p>
                      )}
                    </>
                  )
                ) : (
                  <>
                    <BarChart
                      id={`chart-${index + 1}`}
                      title={label}
                      page={page}
                      total={result.answered}
                      bars={result.counts.map((count) => ({
                        label: textIn(count.label, page.locale),
                        count: count.count,
                      }))}
                    />
                    {result.kind === 'scale' && result.mean !== null && (
                      <p>
                        {t({
                          ja: `平均 ${result.mean.toFixed(2)}`,
                          en: `Mean ${result.mean.toFixed(2)}`,
                        })}
                      </p>
                    )}
                    <table class="data">
                      <caption class="visually-hidden">{label}</caption>
                      <thead>
                        <tr>
                          <th scope="col">{t({ ja: '選択肢', en: 'Choice' })}</th>
                          <th scope="col">{t({ ja: '件数', en: 'Count' })}</th>
                          <th scope="col">{t({ ja: '割合', en: 'Share' })}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {result.counts.map((count) => (
                          <tr>
                            <th scope="row">{textIn(count.label, page.locale)}</th>
                            <td>{count.count}</td>
                            <td>
                              {result.answered > 0
                                ? `${Math.round((count.count / result.answered) * 1000) / 10}%`
                                : '—'}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </>
                )}
              </section>
            );
          })}
        </>
      )}
    </Layout>,
  );
}

// ───────────────────────── registrants ─────────────────────────

function SurveyList(props: { page: PageContext; surveys: SurveyToAnswer[]; answered?: boolean }) {
  const { page } = props;
  const { t } = page;
  return (
    <ul class="result-list">
      {props.surveys.map((survey) => (
        <li>
          <a href={`/my/surveys/${survey.lgCode}/${survey.id}`}>{surveyTitle(page, survey)}</a>
          <br />
          <span class="muted">
            {survey.governmentName}・
            {props.answered
              ? t({
                  ja: `${dateTimeText(page, survey.answeredAt)}に回答`,
                  en: `Answered ${dateTimeText(page, survey.answeredAt)}`,
                })
              : t({
                  ja: `締め切り ${dateTimeText(page, survey.closesAt)}`,
                  en: `Closes ${dateTimeText(page, survey.closesAt)}`,
                })}
          </span>
        </li>
      ))}
    </ul>
  );
}

async function myListPage(c: Context<AppEnv>) {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const mine = await listMySurveys({ db: db(c), personId: session.personId });
  return privatePage(
    c,
    <Layout page={page} title={titles.mine}>
      <h1>{t(titles.mine)}</h1>
      <p>
        {t({
          ja: '登録している自治体からのアンケートです。回答は1回だけです。自治体には集計した結果だけが伝わり、あなたの名前は伝わりません。',
          en: 'Surveys from the places you are registered with. You answer once. The place sees counted results only, never your name.',
        })}
      </p>
      <section aria-labelledby="to-answer">
        <h2 id="to-answer">{t({ ja: '回答を受け付けているアンケート', en: 'Open for your answers' })}</h2>
        {mine.toAnswer.length === 0 ? (
          <p>{t({ ja: 'いま回答できるアンケートはありません。', en: 'Nothing to answer right now.' })}</p>
        ) : (
          <SurveyList page={page} surveys={mine.toAnswer} />
        )}
      </section>
      {mine.answered.length > 0 && (
        <section aria-labelledby="answered">
          <h2 id="answered">{t({ ja: '回答したアンケート', en: 'Answered' })}</h2>
          <SurveyList page={page} surveys={mine.answered} answered />
        </section>
      )}
    </Layout>,
  );
}

async function answerPage(
  c: Context<AppEnv>,
  options: { values?: FieldValues; error?: AppError } = {},
): Promise<Response> {
  const session = requireSession(c);
  const page = pageContext(c);
  const { t } = page;
  const lgCode = c.req.param('lgCode') ?? '';
  const survey = await getSurveyForRespondent({
    db: db(c),
    personId: session.personId,
    lgCode,
    surveyId: c.req.param('surveyId') ?? '',
  });
  const title = { ja: survey.title, en: survey.titleEn ?? survey.title };
  const here = `/my/surveys/${lgCode}/${survey.id}`;
  const errorsFor = (questionId: string) =>
    (options.error?.fieldErrors ?? [])
      .filter((field) => field.field === `a.${questionId}`)
      .map((field) => messageIn(page, field.message));
  const numberOf = new Map(survey.questions.map((question, index) => [question.id, index + 1]));
  const labelOf = (field: string) => {
    const question = survey.questions.find((each) => `a.${each.id}` === field);
    return question ? `Q${numberOf.get(question.id)}` : undefined;
  };
  const anchorOf = (field: string) => (field.startsWith('a.') ? questionAnchor(field.slice(2)) : undefined);
  const answered = survey.myAnswers;
  return privatePage(
    c,
    <Layout page={page} title={title}>
      <p>
        <a href="/my/surveys">{t({ ja: '← アンケートの一覧', en: '← All surveys' })}</a>
      </p>
      <h1>{t(title)}</h1>
      <p class="muted">
        {survey.governmentName}・{t({ ja: '締め切り', en: 'Closes' })} {dateTimeText(page, survey.closesAt)}
      </p>
      {survey.description && <p class="survey-description">{survey.description}</p>}
      {c.req.query('notice') === 'answered' && (
        <Notice kind="success">
          {t({ ja: '回答を送りました。ご協力ありがとうございました。', en: 'Thank you for your answers.' })}
        </Notice>
      )}
      {options.error && <ErrorSummary page={page} error={options.error} labelOf={labelOf} anchorOf={anchorOf} />}
      {answered ? (
        <section aria-labelledby="my-answers">
          <h2 id="my-answers">{t({ ja: 'あなたの回答', en: 'Your answers' })}</h2>
          <dl class="facts">
            {shownQuestions(survey.questions, answered).map((question) => (
              <>
                <dt>
                  Q{numberOf.get(question.id)}. {textIn(question.label, page.locale)}
                </dt>
                <dd>{answerText(page, question, answered.get(question.id))}</dd>
              </>
            ))}
          </dl>
        </section>
      ) : survey.phase !== 'open' ? (
        <Notice kind="info">
          {survey.phase === 'scheduled'
            ? t({
                ja: `受付は${dateTimeText(page, survey.opensAt)}からです。`,
                en: `Opens ${dateTimeText(page, survey.opensAt)}.`,
              })
            : t({ ja: 'このアンケートの受付は終了しました。', en: 'This survey has ended.' })}
        </Notice>
      ) : (
        <PostForm page={page} action={here} class="form-stack survey-form">
          <p class="muted">
            {t({
              ja: '回答は1回だけで、送ったあとは変えられません。自治体には集計した結果だけが伝わります。',
              en: 'You answer once and cannot change it afterwards. The place sees counted results only.',
            })}
          </p>
          {survey.questions.map((question, index) => (
            <QuestionField
              page={page}
              question={question}
              questions={survey.questions}
              number={index + 1}
              values={options.values?.[question.id] ?? valuesFromAnswer(undefined)}
              errors={errorsFor(question.id)}
            />
          ))}
          <div>
            <button class="button" type="submit">
              {t({ ja: '回答を送る', en: 'Send my answers' })}
            </button>
          </div>
        </PostForm>
      )}
      <script src="/assets/survey-form.js" defer />
    </Layout>,
    options.error ? (options.error.status as ContentfulStatusCode) : 200,
  );
}

export function surveyPages(): AppRouter {
  const router = createRouter();

  router.get('/staff/:lgCode/surveys', (c) =>
    withStaffArea(c, async (area) => {
      authorizeSurveys(area);
      return listPage(c, area);
    }),
  );

  router.get('/staff/:lgCode/surveys/new', (c) =>
    withStaffArea(c, async (area) => {
      authorizeSurveys(area);
      return newPage(c, area);
    }),
  );

  router.post('/staff/:lgCode/surveys', (c) =>
    withStaffArea(c, async (area) => {
      authorizeSurveys(area);
      const form = await readSettingsForm(c);
      try {
        const survey = await createSurvey({
          db: db(c),
          actor: area.actor,
          lgCode: area.tenant.lgCode,
          input: settingsInput(form),
        });
        return c.redirect(`/staff/${area.tenant.lgCode}/surveys/${survey.id}`, 303);
      } catch (error) {
        if (isShownInForm(error)) return newPage(c, area, { form, error });
        throw error;
      }
    }),
  );

  router.get('/staff/:lgCode/surveys/:surveyId', (c) =>
    withStaffArea(c, async (area) => {
      authorizeSurveys(area);
      return surveyPage(c, area);
    }),
  );

  router.post('/staff/:lgCode/surveys/:surveyId/settings', (c) =>
    withStaffArea(c, async (area) => {
      authorizeSurveys(area);
      const surveyId = c.req.param('surveyId');
      const current = await getSurvey({ db: db(c), actor: area.actor, lgCode: area.tenant.lgCode, surveyId });
      const posted = await readSettingsForm(c);
      // Once published only the closing time is in the form; the rest stays as it is.
      const form = current.status === 'draft' ? posted : { ...settingsFormOf(current), closesAt: posted.closesAt };
      try {
        await updateSurveySettings({
          db: db(c),
          actor: area.actor,
          lgCode: area.tenant.lgCode,
          surveyId,
          input: settingsInput(form),
        });
      } catch (error) {
        if (isShownInForm(error)) return surveyPage(c, area, { settings: form, settingsError: error });
        throw error;
      }
      return c.redirect(`/staff/${area.tenant.lgCode}/surveys/${surveyId}?notice=saved`, 303);
    }),
  );

  router.post('/staff/:lgCode/surveys/:surveyId/questions', (c) =>
    withStaffArea(c, async (area) => {
      authorizeSurveys(area);
      const surveyId = c.req.param('surveyId');
      const form = await readQuestionForm(c);
      try {
        await addSurveyQuestion({
          db: db(c),
          actor: area.actor,
          lgCode: area.tenant.lgCode,
          surveyId,
          input: questionDraftFrom(form),
        });
      } catch (error) {
        if (isShownInForm(error)) return surveyPage(c, area, { question: form, questionError: error });
        throw error;
      }
      return c.redirect(`/staff/${area.tenant.lgCode}/surveys/${surveyId}?notice=saved#add-question`, 303);
    }),
  );

  for (const action of ['up', 'down', 'remove'] as const) {
    router.post(`/staff/:lgCode/surveys/:surveyId/questions/:questionId/${action}`, (c) =>
      withStaffArea(c, async (area) => {
        authorizeSurveys(area);
        const common = {
          db: db(c),
          actor: area.actor,
          lgCode: area.tenant.lgCode,
          surveyId: c.req.param('surveyId'),
          questionId: c.req.param('questionId'),
        };
        try {
          if (action === 'remove') await removeSurveyQuestion(common);
          else await moveSurveyQuestion({ ...common, direction: action });
        } catch (error) {
          if (isShownInForm(error)) return surveyPage(c, area, { actionError: error });
          throw error;
        }
        return c.redirect(`/staff/${area.tenant.lgCode}/surveys/${common.surveyId}?notice=saved`, 303);
      }),
    );
  }

  router.post('/staff/:lgCode/surveys/:surveyId/publish', (c) =>
    withStaffArea(c, async (area) => {
      authorizeSurveys(area);
      const surveyId = c.req.param('surveyId');
      try {
        await publishSurvey({ db: db(c), actor: area.actor, lgCode: area.tenant.lgCode, surveyId });
      } catch (error) {
        if (isShownInForm(error)) return surveyPage(c, area, { actionError: error });
        throw error;
      }
      return c.redirect(`/staff/${area.tenant.lgCode}/surveys/${surveyId}?notice=published`, 303);
    }),
  );

  router.post('/staff/:lgCode/surveys/:surveyId/close', (c) =>
    withStaffArea(c, async (area) => {
      authorizeSurveys(area);
      const surveyId = c.req.param('surveyId');
      try {
        await closeSurvey({ db: db(c), actor: area.actor, lgCode: area.tenant.lgCode, surveyId });
      } catch (error) {
        if (isShownInForm(error)) return surveyPage(c, area, { actionError: error });
        throw error;
      }
      return c.redirect(`/staff/${area.tenant.lgCode}/surveys/${surveyId}?notice=closed`, 303);
    }),
  );

  router.post('/staff/:lgCode/surveys/:surveyId/delete', (c) =>
    withStaffArea(c, async (area) => {
      authorizeSurveys(area);
      const surveyId = c.req.param('surveyId');
      try {
        await deleteSurvey({ db: db(c), actor: area.actor, lgCode: area.tenant.lgCode, surveyId });
      } catch (error) {
        if (isShownInForm(error)) return surveyPage(c, area, { actionError: error });
        throw error;
      }
      return c.redirect(`/staff/${area.tenant.lgCode}/surveys?notice=deleted`, 303);
    }),
  );

  router.get('/staff/:lgCode/surveys/:surveyId/results', (c) =>
    withStaffArea(c, async (area) => {
      authorizeSurveys(area);
      return resultsPage(c, area);
    }),
  );

  router.get('/staff/:lgCode/surveys/:surveyId/results.csv', (c) =>
    withStaffArea(c, async (area) => {
      authorizeSurveys(area);
      const part = c.req.query('part') === 'comments' ? 'comments' : 'summary';
      const file = await exportSurveyResults({
        db: db(c),
        actor: area.actor,
        lgCode: area.tenant.lgCode,
        surveyId: c.req.param('surveyId'),
        part,
      });
      return csvResponse(file);
    }),
  );

  router.get('/my/surveys', (c) => myListPage(c));

  router.get('/my/surveys/:lgCode/:surveyId', (c) => answerPage(c));

  router.post('/my/surveys/:lgCode/:surveyId', async (c) => {
    const session = requireSession(c);
    const lgCode = c.req.param('lgCode');
    const surveyId = c.req.param('surveyId');
    const body = await parseForm(c);
    const values: FieldValues = {};
    for (const key of Object.keys(body)) {
      if (key.startsWith('a.')) values[key.slice(2)] = formStrings(body, key);
    }
    // A text box or a radio group sends one value; check boxes several.
    const survey = await getSurveyForRespondent({ db: db(c), personId: session.personId, lgCode, surveyId });
    const answers: Record<string, unknown> = {};
    for (const question of survey.questions) {
      const given = values[question.id];
      if (!given) continue;
      answers[question.id] = question.kind === 'multiple' ? given : given[0];
    }
    try {
      await answerSurvey({
        db: db(c),
        personId: session.personId,
        lgCode,
        surveyId,
        answers,
        requestId: c.get('requestId'),
        from: 'form',
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'validation_failed') {
        const renamed = new AppError('validation_failed', {
          ...(error.detail ? { detail: error.detail } : {}),
          fieldErrors: error.fieldErrors.map((field) => ({ ...field, field: field.field.replace(/^answers\./, 'a.') })),
        });
        return answerPage(c, { values, error: renamed });
      }
      if (isShownInForm(error)) return answerPage(c, { values, error });
      throw error;
    }
    return c.redirect(`/my/surveys/${lgCode}/${surveyId}?notice=answered`, 303);
  });

  return router;
}
