import type { Context } from 'hono';
import type { AppEnv } from '../../platform/http/app.js';
import { AppError, problemCatalog, type FieldError } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import type { PageContext } from '../../platform/ui/layout.js';
import { conditionValuesOf, textIn, type SurveyAnswer, type SurveyQuestion } from './surveys.engine.js';

/**
 * Page parts shared by the survey and room pages of outreach: Japan-time form values, error summaries,
 * the accessible bar chart, and a survey question as a form field.
 */

type FormBody = Record<string, string | File | (string | File)[]>;

export function formString(body: FormBody, name: string): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
}

export function formStrings(body: FormBody, name: string): string[] {
  const value = body[name];
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.filter((entry): entry is string => typeof entry === 'string');
}

export async function parseForm(c: Context<AppEnv>): Promise<FormBody> {
  return (await c.req.parseBody({ all: true })) as FormBody;
}

const japanOffsetMs = 9 * 60 * 60 * 1000;

/** A `datetime-local` value typed in Japan (2026-06-01T09:00) as an instant; '' or nonsense: undefined. */
export function fromJapanLocal(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}:00+09:00`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** An instant as a `datetime-local` value in Japan time. */
export function toJapanLocal(date: Date | null | undefined): string {
  if (!date) return '';
  return new Date(date.getTime() + japanOffsetMs).toISOString().slice(0, 16);
}

export function dateTimeText(page: PageContext, date: Date | null | undefined): string {
  if (!date) return '—';
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Tokyo',
  }).format(date);
}

/** Service messages are written "日本語 / English"; a person reads the half in their language. */
export function messageIn(page: PageContext, message: string): string {
  const [ja, en] = message.split(' / ');
  return (page.locale === 'en' ? en : ja) ?? message;
}

export function errorTitle(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  return page.t({ ja: entry.ja.title, en: entry.en.title });
}

export function errorDetail(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  return page.t(error.detail ?? { ja: entry.ja.detail, en: entry.en.detail });
}

/** The error as a notice: title, detail, and each field (linked to it when the page has it). */
export function ErrorSummary(props: {
  page: PageContext;
  error: AppError;
  labelOf?: (field: string) => string | undefined;
  anchorOf?: (field: string) => string | undefined;
}) {
  const { page, error } = props;
  return (
    <div class="notice notice--error" role="alert">
      <p>
        <strong>{errorTitle(page, error)}</strong> {errorDetail(page, error)}
      </p>
      {error.fieldErrors.length > 0 && (
        <ul>
          {error.fieldErrors.map((field: FieldError) => {
            const label = props.labelOf?.(field.field);
            const text = `${label ? `${label}: ` : ''}${messageIn(page, field.message)}`;
            const anchor = props.anchorOf?.(field.field);
            return <li>{anchor ? <a href={`#${anchor}`}>{text}</a> : text}</li>;
          })}
        </ul>
      )}
    </div>
  );
}

/** Shown when a use case refuses: the error, or the 404 it stands for. */
export function isShownInForm(error: unknown): error is AppError {
  return error instanceof AppError && error.status < 500 && error.code !== 'not_found' && error.status !== 401;
}

export interface ChartBar {
  label: string;
  count: number;
}

/**
 * A horizontal bar chart as server-drawn SVG: an image with a title and a description that reads out
 * every bar (its text alternative); pages put the same numbers in a table next to it. Attributes only,
 * no inline style, so the strict CSP holds.
 */
export function BarChart(props: { id: string; title: string; bars: ChartBar[]; total: number; page: PageContext }) {
  const { bars, total } = props;
  const rowHeight = 32;
  const labelWidth = 220;
  const barWidth = 300;
  const width = labelWidth + barWidth + 90;
  const height = Math.max(1, bars.length) * rowHeight + 8;
  const max = Math.max(1, ...bars.map((bar) => bar.count));
  const share = (count: number) => (total > 0 ? Math.round((count / total) * 1000) / 10 : 0);
  const description = bars
    .map((bar) =>
      props.page.t({
        ja: `${bar.label} ${bar.count}件（${share(bar.count)}%）`,
        en: `${bar.label}: ${bar.count} (${share(bar.count)}%)`,
      }),
    )
    .join(props.page.locale === 'ja' ? '、' : '; ');
  return (
    <svg
      class="bar-chart"
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      role="img"
      aria-labelledby={`${props.id}-title ${props.id}-desc`}
      preserveAspectRatio="xMinYMin meet"
    >
      <title id={`${props.id}-title`}>{props.title}</title>
      <desc id={`${props.id}-desc`}>{description}</desc>
      {bars.map((bar, index) => {
        const y = index * rowHeight + 4;
        const length = Math.round((bar.count / max) * barWidth);
        const label = [...bar.label].length > 16 ? `${[...bar.label].slice(0, 15).join('')}…` : bar.label;
        return (
          <g>
            <text x={labelWidth - 8} y={y + rowHeight / 2 + 5} text-anchor="end" font-size="14" fill="#1a1a1a">
              {label}
            </text>
            <rect x={labelWidth} y={y + 4} width={Math.max(length, 1)} height={rowHeight - 10} fill="#0031d8" />
            <text x={labelWidth + Math.max(length, 1) + 6} y={y + rowHeight / 2 + 5} font-size="14" fill="#1a1a1a">
              {`${bar.count}（${share(bar.count)}%）`}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export function questionAnchor(questionId: string): string {
  return `q-${questionId.replace(/[^a-z0-9_-]/gi, '-')}`;
}

function requiredText(page: PageContext, question: SurveyQuestion): string {
  return question.required
    ? page.t({ ja: '（必須）', en: ' (required)' })
    : page.t({ ja: '（任意）', en: ' (optional)' });
}

/** Describes a condition for people without script (they see every question). */
export function conditionText(
  page: PageContext,
  question: SurveyQuestion,
  questions: readonly SurveyQuestion[],
): string | undefined {
  const condition = question.showIf;
  if (!condition) return undefined;
  const index = questions.findIndex((each) => each.id === condition.questionId);
  const source = questions[index];
  if (!source) return undefined;
  const values = conditionValuesOf(source)
    .filter((entry) => condition.anyOf.includes(entry.value))
    .map((entry) => `「${textIn(entry.label, page.locale)}」`)
    .join(page.locale === 'ja' ? 'または' : ' or ');
  return page.t({
    ja: `Q${index + 1}で${values}と答えた方だけお答えください。`,
    en: `Only if you answered ${values} to Q${index + 1}.`,
  });
}

/** Raw values a form sent (or a person's earlier answer) for a question, to fill the field again. */
export type FieldValues = Record<string, string[]>;

export function valuesFromAnswer(answer: SurveyAnswer | undefined): string[] {
  if (!answer) return [];
  return answer.kind === 'choices' ? answer.values : [String(answer.value)];
}

/**
 * One question as a form field: radio buttons, check boxes, a scale of radio buttons, or a text box.
 * A conditional question carries its condition as data for the survey island, which hides it until
 * the condition is met; without script it is shown with a sentence saying who should answer it.
 */
export function QuestionField(props: {
  page: PageContext;
  question: SurveyQuestion;
  questions: readonly SurveyQuestion[];
  number: number;
  values: string[];
  errors: string[];
}) {
  const { page, question } = props;
  const { t } = page;
  const anchor = questionAnchor(question.id);
  const name = `a.${question.id}`;
  const invalid = props.errors.length > 0;
  const hintId = `${anchor}-hint`;
  const errorId = `${anchor}-error`;
  const condition = conditionText(page, question, props.questions);
  const hints = [
    question.help ? textIn(question.help, page.locale) : undefined,
    condition,
    question.kind === 'multiple'
      ? question.maxChoices
        ? t({ ja: `${question.maxChoices}つまで選べます。`, en: `Choose up to ${question.maxChoices}.` })
        : t({ ja: 'あてはまるものをすべて選んでください。', en: 'Choose all that apply.' })
      : undefined,
    question.kind === 'text'
      ? t({
          ja: `${question.maxLength}文字以内。お名前や連絡先など、あなたやほかの人が特定される内容は書かないでください。`,
          en: `Up to ${question.maxLength} characters. Please do not write anything that identifies you or anyone else.`,
        })
      : undefined,
  ].filter((hint): hint is string => Boolean(hint));
  const describedBy = [hints.length > 0 ? hintId : '', invalid ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const label = `Q${props.number}. ${textIn(question.label, page.locale)}${requiredText(page, question)}`;
  const data = question.showIf
    ? { 'data-show-if': question.showIf.questionId, 'data-show-if-values': question.showIf.anyOf.join(' ') }
    : {};
  const hintBlock = hints.length > 0 && (
    <span class="hint" id={hintId}>
      {hints.join(' ')}
    </span>
  );
  const errorBlock = invalid && (
    <span class="field-error" id={errorId}>
      {props.errors.join(' ')}
    </span>
  );

  if (question.kind === 'text') {
    return (
      <div class="field survey-question" id={`${anchor}-block`} {...data}>
        <label for={anchor}>{label}</label>
        {hintBlock}
        {errorBlock}
        {question.multiline ? (
          <textarea
            id={anchor}
            name={name}
            rows={4}
            maxlength={question.maxLength}
            aria-invalid={invalid ? 'true' : undefined}
            aria-describedby={describedBy}
          >
            {props.values[0] ?? ''}
          </textarea>
        ) : (
          <input
            type="text"
            id={anchor}
            name={name}
            maxlength={question.maxLength}
            value={props.values[0] ?? ''}
            aria-invalid={invalid ? 'true' : undefined}
            aria-describedby={describedBy}
          />
        )}
      </div>
    );
  }

  const options =
    question.kind === 'scale'
      ? conditionValuesOf(question).map((entry, index, all) => ({
          value: entry.value,
          label:
            index === 0 && question.minLabel
              ? `${entry.value}（${textIn(question.minLabel, page.locale)}）`
              : index === all.length - 1 && question.maxLabel
                ? `${entry.value}（${textIn(question.maxLabel, page.locale)}）`
                : entry.value,
        }))
      : question.choices.map((choice) => ({ value: choice.value, label: textIn(choice.label, page.locale) }));
  const type = question.kind === 'multiple' ? 'checkbox' : 'radio';
  return (
    <fieldset
      class={`field survey-question${question.kind === 'scale' ? ' survey-question--scale' : ''}`}
      id={`${anchor}-block`}
      aria-describedby={describedBy}
      {...data}
    >
      <legend>{label}</legend>
      {hintBlock}
      {errorBlock}
      <div class="survey-choices">
        {options.map((option, index) => (
          <label class="checkbox">
            <input
              type={type}
              id={index === 0 ? anchor : `${anchor}-${index}`}
              name={name}
              value={option.value}
              checked={props.values.includes(option.value)}
              aria-invalid={invalid ? 'true' : undefined}
            />
            {option.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** An answer as a person reads it back. */
export function answerText(page: PageContext, question: SurveyQuestion, answer: SurveyAnswer | undefined): string {
  if (!answer) return page.t({ ja: '（回答なし）', en: '(no answer)' });
  if (answer.kind === 'choices' && (question.kind === 'single' || question.kind === 'multiple')) {
    return answer.values
      .map((value) => {
        const choice = question.choices.find((entry) => entry.value === value);
        return choice ? textIn(choice.label, page.locale) : value;
      })
      .join(page.locale === 'ja' ? '、' : ', ');
  }
  if (answer.kind === 'choices') return answer.values.join(', ');
  return String(answer.value);
}

export const surveyPhaseLabels: Record<'draft' | 'scheduled' | 'open' | 'ended', Localized> = {
  draft: { ja: '下書き', en: 'Draft' },
  scheduled: { ja: '受付前', en: 'Not yet open' },
  open: { ja: '受付中', en: 'Open' },
  ended: { ja: '終了', en: 'Ended' },
};
