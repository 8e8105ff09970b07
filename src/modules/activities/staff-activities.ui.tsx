import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { tenantRoleOf } from '../../platform/auth/tenant-roles.js';
import { AppError, problemCatalog, toAppError } from '../../platform/errors.js';
import type { AppEnv } from '../../platform/http/app.js';
import type { Localized } from '../../platform/i18n.js';
import { Notice } from '../../platform/ui/forms.js';
import { Layout, pageContext, renderPage, type PageContext } from '../../platform/ui/layout.js';
import { StaffNav, withStaffArea, type StaffArea } from '../staff/index.js';
import { mayEnterActivities, organisationOf } from './activities.policy.js';

/**
 * What the staff pages of 担い手 activities share: entering the area, forms that post and come back with
 * their values and errors, the error summary, labelled fields, and Japan-time formats.
 */

export const activityTitles = {
  projects: { ja: '担い手活動', en: 'Activities' },
  project: { ja: '事業の詳細', en: 'Project' },
  session: { ja: '参加者と出欠', en: 'Participants and attendance' },
  organisations: { ja: '関係団体', en: 'Related organisations' },
  organisation: { ja: '団体の詳細', en: 'Organisation' },
  attendance: { ja: '出欠の集計', en: 'Attendance report' },
  noOrganisation: { ja: '所属団体が設定されていません', en: 'No organisation set' },
} satisfies Record<string, Localized>;

export function deps(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config };
}

export function base(area: StaffArea): string {
  return `/staff/${area.tenant.lgCode}`;
}

/** The actors a menu entry of activities is for: the government's staff, and 団体担当者 with an organisation. */
export function mayUseActivities(actor: StaffArea['actor'], lgCode: string): boolean {
  const role = tenantRoleOf(actor, lgCode);
  if (role === 'tenant_admin' || role === 'tenant_staff') return true;
  return organisationOf(actor, lgCode) !== undefined;
}

/**
 * Opens a page of the activities area: others than the government's staff and 団体担当者 (operators too)
 * find nothing here (404). A 団体担当者 whose organisation is not set yet is told what to do rather than
 * shown an error.
 */
export function withActivities(c: Context<AppEnv>, handler: (area: StaffArea) => Promise<Response>) {
  return withStaffArea(c, async (area) => {
    const lgCode = area.tenant.lgCode;
    if (!mayEnterActivities(area.actor, lgCode)) throw new AppError('not_found');
    if (!mayUseActivities(area.actor, lgCode)) return noOrganisationPage(c, area);
    return handler(area);
  });
}

function noOrganisationPage(c: Context<AppEnv>, area: StaffArea) {
  const page = pageContext(c);
  const { t } = page;
  return renderPage(
    c,
    <Layout page={page} title={activityTitles.noOrganisation}>
      <StaffNav page={page} area={area} current={c.req.path} />
      <h1>{t(activityTitles.noOrganisation)}</h1>
      <Notice kind="info">
        {t({
          ja: 'あなたは団体担当者として登録されていますが、どの団体の担当者かがまだ設定されていません。担い手活動（事業・日程・参加者・出欠）を管理するには、自治体の担当者に所属団体を設定してもらってください。',
          en: 'You are organisation staff, but your organisation has not been set yet. To manage activities (projects, sessions, participants, attendance), please ask the local government to set your organisation.',
        })}
      </Notice>
      <p>
        <a href={base(area)}>{t({ ja: '職員用ページのホームへ', en: 'Back to the staff area' })}</a>
      </p>
    </Layout>,
    403,
  );
}

/** Pages that show participants' names and addresses are not kept by browsers or proxies (shared office PCs). */
export function personalPage(c: Context<AppEnv>, element: unknown, status: ContentfulStatusCode = 200) {
  c.header('Cache-Control', 'no-store');
  return renderPage(c, element, status);
}

export function errorText(page: PageContext, error: AppError): string {
  const entry = problemCatalog[error.code];
  return page.t(error.detail ?? { ja: entry.ja.detail, en: entry.en.detail });
}

/**
 * The services write field messages as 「日本語 / English」; this picks the reader's half. A message in
 * English only (a library default) is replaced by a plain request to check the field.
 */
export function localMessage(page: PageContext, message: string): string {
  const [ja, en] = message.split(' / ');
  if (en !== undefined && ja !== undefined) return page.locale === 'ja' ? ja : en;
  if (page.locale === 'ja' && !/[\u3040-\u30ff\u4e00-\u9fff]/.test(message)) return '正しく入力してください';
  return message;
}

/** A form that came back: which one, what was typed, and why it was refused. */
export interface FormState {
  form: string;
  values: Record<string, string>;
  error: AppError;
}

export function statusOf(state: FormState | undefined): ContentfulStatusCode {
  return (state?.error.status ?? 200) as ContentfulStatusCode;
}

/** Field messages of a form that came back, by field name (the first message of each). */
export function fieldErrorsOf(page: PageContext, state: FormState | undefined, form: string): Record<string, string> {
  if (!state || state.form !== form) return {};
  const errors: Record<string, string> = {};
  for (const field of state.error.fieldErrors) {
    const name = field.field.split('.')[0] ?? field.field;
    errors[name] ??= localMessage(page, field.message);
  }
  return errors;
}

/** What a field of a form shows: what was typed when the form came back, else the stored value. */
export function valueIn(state: FormState | undefined, form: string, name: string, stored: string): string {
  return state && state.form === form ? (state.values[name] ?? '') : stored;
}

export function formString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** Every text field of a posted form, trimmed (the CSRF token left out). */
export function formValues(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body)
      .filter(([key, value]) => key !== '_csrf' && typeof value === 'string')
      .map(([key, value]) => [key, (value as string).trim()]),
  );
}

/**
 * Refusals a person can read and act on are shown on the page with the form; the rest (not found, not
 * signed in, a failure of ours) go to the error page. A 404 must stay a 404: it hides what is not theirs.
 */
const errorPageCodes = new Set<string>([
  'not_found',
  'unauthenticated',
  'second_factor_required',
  'csrf_rejected',
  'internal_error',
  'service_unavailable',
]);

/**
 * Runs one use case for a posted form: on success, back to `success` with its notice (303, so a reload
 * does not post again); when refused, the page again with what was typed and why, with the refusal's
 * status.
 */
export async function submitForm(
  c: Context<AppEnv>,
  options: {
    form: string;
    values: Record<string, string>;
    action: () => Promise<unknown>;
    success: string | (() => string);
    rerender: (state: FormState) => Promise<Response>;
  },
): Promise<Response> {
  try {
    await options.action();
  } catch (thrown) {
    const error = thrown instanceof ZodError ? toAppError(thrown) : thrown;
    if (error instanceof AppError && !errorPageCodes.has(error.code)) {
      return options.rerender({ form: options.form, values: options.values, error });
    }
    throw thrown;
  }
  return c.redirect(typeof options.success === 'string' ? options.success : options.success(), 303);
}

/** A refusal raised by the page itself (a confirmation box left empty), shaped like a service's. */
export function pageValidationError(field: string, message: Localized): AppError {
  return new AppError('validation_failed', {
    fieldErrors: [{ field, in: 'body', message: `${message.ja} / ${message.en}` }],
    detail: message,
  });
}

/**
 * The error summary at the top of a form that came back: announced (role=alert), naming each field in
 * the reader's language with a link to it. Other refusals show their message.
 */
export function FormErrors(props: {
  page: PageContext;
  state: FormState | undefined;
  form: string;
  labels: Record<string, Localized>;
  /** Field name → id of its input, where they differ (forms repeated on one page). */
  ids?: Record<string, string>;
}) {
  const { page, state } = props;
  const { t } = page;
  if (!state || state.form !== props.form) return null;
  const named = Object.entries(fieldErrorsOf(page, state, props.form));
  // Other refusals are shown once, at the top of the page (see PageError).
  if (state.error.code !== 'validation_failed' || named.length === 0) return null;
  return (
    <div class="error-summary" role="alert">
      <p class="error-summary__title">
        {t({
          ja: `入力内容に誤りがあります（${named.length}件）。次の項目を確認してください。`,
          en: `Please check ${named.length === 1 ? 'this field' : `these ${named.length} fields`}.`,
        })}
      </p>
      <ul>
        {named.map(([name, message]) => (
          <li>
            <a href={`#${props.ids?.[name] ?? name}`}>
              {props.labels[name] ? t(props.labels[name]) : name}: {message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * A refusal that is not about a field (a conflict, a rule of the service, a missing role): at the top of
 * the page, announced, whichever form it came from (the form may no longer be shown).
 */
export function PageError(props: { page: PageContext; state: FormState | undefined }) {
  const { state } = props;
  if (!state) return null;
  if (state.error.code === 'validation_failed' && state.error.fieldErrors.length > 0) return null;
  return <Notice kind="error">{errorText(props.page, state.error)}</Notice>;
}

interface FieldProps {
  page: PageContext;
  id: string;
  name: string;
  label: Localized;
  hint?: Localized;
  error?: string | undefined;
  required?: boolean;
}

function described(props: FieldProps): string | undefined {
  const ids = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

function FieldLabel(props: FieldProps) {
  const { t } = props.page;
  return (
    <>
      <label for={props.id}>
        {t(props.label)}
        {props.required && <span class="required">{t({ ja: '（必須）', en: ' (required)' })}</span>}
      </label>
      {props.hint && (
        <span class="hint" id={`${props.id}-hint`}>
          {t(props.hint)}
        </span>
      )}
      {props.error && (
        <span class="field-error" id={`${props.id}-error`}>
          {props.error}
        </span>
      )}
    </>
  );
}

export function InputField(
  props: FieldProps & {
    type?: 'text' | 'email' | 'tel' | 'url' | 'number' | 'date' | 'datetime-local';
    value: string;
    maxlength?: number;
    min?: string | number;
    max?: string | number;
    autocomplete?: string;
    inputmode?: 'numeric' | 'tel' | 'email' | 'url';
  },
) {
  return (
    <div class="field">
      <FieldLabel {...props} />
      <input
        type={props.type ?? 'text'}
        id={props.id}
        name={props.name}
        value={props.value}
        required={props.required}
        maxlength={props.maxlength}
        min={props.min}
        max={props.max}
        autocomplete={props.autocomplete}
        inputmode={props.inputmode}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={described(props)}
      />
    </div>
  );
}

export function TextareaField(props: FieldProps & { value: string; rows?: number; maxlength?: number }) {
  return (
    <div class="field">
      <FieldLabel {...props} />
      <textarea
        id={props.id}
        name={props.name}
        rows={props.rows ?? 3}
        required={props.required}
        maxlength={props.maxlength}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={described(props)}
      >
        {props.value}
      </textarea>
    </div>
  );
}

export function SelectField(
  props: FieldProps & { value: string; options: ReadonlyArray<{ value: string; label: string }> },
) {
  return (
    <div class="field">
      <FieldLabel {...props} />
      <select
        id={props.id}
        name={props.name}
        required={props.required}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={described(props)}
      >
        {props.options.map((option) => (
          <option value={option.value} selected={option.value === props.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A box a person ticks to confirm something that cannot be undone (cancelling tells every applicant). */
export function ConfirmField(props: { page: PageContext; id: string; label: Localized; error?: string | undefined }) {
  return (
    <div class="field">
      {props.error && (
        <span class="field-error" id={`${props.id}-error`}>
          {props.error}
        </span>
      )}
      <label class="checkbox">
        <input
          type="checkbox"
          id={props.id}
          name="confirm"
          value="yes"
          required
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={props.error ? `${props.id}-error` : undefined}
        />
        {props.page.t(props.label)}
      </label>
    </div>
  );
}

export function SuccessNotice(props: { page: PageContext; notices: Record<string, Localized>; notice?: string }) {
  const text = props.notices[props.notice ?? ''];
  return text ? <Notice kind="success">{props.page.t(text)}</Notice> : null;
}

export function dateTimeFormat(page: PageContext) {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Tokyo',
  });
}

/** A Japan calendar day (YYYY-MM-DD) as people read it, with the weekday: 「2026年12月5日(土)」. */
export function dayText(page: PageContext, day: string): string {
  return new Intl.DateTimeFormat(page.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric',
    month: page.locale === 'ja' ? 'long' : 'short',
    day: 'numeric',
    weekday: 'short',
    timeZone: 'Asia/Tokyo',
  }).format(new Date(`${day}T12:00:00+09:00`));
}

/** The query without empty values: a form's 「すべて」 option means no filter, not an invalid one. */
export function filledQuery(c: Context<AppEnv>): Record<string, string> {
  return Object.fromEntries(Object.entries(c.req.query()).filter(([key, value]) => value !== '' && key !== 'lang'));
}
