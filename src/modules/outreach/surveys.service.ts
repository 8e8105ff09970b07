import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { personSubject, recordAuditEvent, recordPersonAuditEvent, type Actor } from '../../platform/audit.js';
import type { Database, SurveyAudienceTier, SurveyRow } from '../../platform/db/schema.js';
import { withPerson, withTenant, type TenantScope } from '../../platform/db/tenant-scope.js';
import { AppError, parseInput } from '../../platform/errors.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { japanDate } from '../../platform/time.js';
import { getTenant } from '../municipalities/index.js';
import { byteOrderMark, csvRow } from './surveys.csv.js';
import {
  checkAnswers,
  isShown,
  SurveyDefinition,
  SurveyQuestion,
  surveyQuestionKinds,
  SurveyText,
  type SurveyAnswer,
  type SurveyAnswers,
} from './surveys.engine.js';
import {
  countedResponses,
  isInAudience,
  mayManageSurveys,
  resultThreshold,
  surveyPhase,
  type SurveyPhase,
} from './surveys.policy.js';
import {
  checkRegistrationAnswers,
  mergeRegistrationDefinition,
  registrationSurveyQuestions,
  relationshipTies,
  toRegistrationAnswers,
  type OwnRegistrationQuestion,
  type RegistrationAnswersInput,
} from './surveys.registration.js';
import * as repository from './surveys.repository.js';
import { scheduleSurveyOpeningNotice } from './surveys.jobs.js';

const uuid = z.uuid();

function authorize(actor: Actor, lgCode: string): void {
  // Outsiders, organisation staff and operators: as if the government had no surveys.
  if (!isValidLgCode(lgCode) || !mayManageSurveys(actor, lgCode)) throw new AppError('not_found');
}

function surveyIdOrNotFound(id: string): string {
  if (!uuid.safeParse(id).success) throw new AppError('not_found');
  return id;
}

/** The definition as stored, checked again on the way out (a row is data, not trust). */
function questionsOf(row: Pick<SurveyRow, 'questions'>): SurveyQuestion[] {
  return z.array(SurveyQuestion).parse(row.questions);
}

export interface Survey {
  lgCode: string;
  id: string;
  purpose: 'monitor' | 'registration';
  title: string;
  titleEn: string | null;
  description: string;
  status: 'draft' | 'published' | 'closed';
  phase: SurveyPhase;
  audience: { tier: SurveyAudienceTier; ties: string[] };
  opensAt: Date | null;
  closesAt: Date | null;
  questions: SurveyQuestion[];
  responseCount: number;
  createdAt: Date;
  publishedAt: Date | null;
  closedAt: Date | null;
}

function toSurvey(row: SurveyRow, responseCount: number, now = new Date()): Survey {
  return {
    lgCode: row.lg_code,
    id: row.id,
    purpose: row.purpose,
    title: row.title,
    titleEn: row.title_en,
    description: row.description,
    status: row.status,
    phase: row.purpose === 'registration' ? 'open' : surveyPhase(row, now),
    audience: { tier: row.audience_tier, ties: row.audience_ties },
    opensAt: row.opens_at,
    closesAt: row.closes_at,
    questions: questionsOf(row),
    responseCount,
    createdAt: row.created_at,
    publishedAt: row.published_at,
    closedAt: row.closed_at,
  };
}

// ───────────── the registration survey ─────────────

const registrationSurveyTitle = {
  title: '登録時アンケート（このまちとの関係）',
  titleEn: 'Registration survey (your relationship with the place)',
};

/**
 * The government's registration survey, its stored definition brought in step with what registration
 * asks now (the national questions and the government's own questions from its settings; questions no
 * longer asked stay, retired, so their answers keep their labels). Runs in the caller's transaction.
 */
export async function syncRegistrationSurvey(
  scope: TenantScope,
  own: readonly OwnRegistrationQuestion[],
): Promise<{ id: string; questions: SurveyQuestion[] }> {
  const current = registrationSurveyQuestions(own);
  const row =
    (await repository.findRegistrationSurvey(scope)) ??
    (await repository.ensureRegistrationSurvey(scope, {
      id: uuidv7(),
      purpose: 'registration',
      title: registrationSurveyTitle.title,
      title_en: registrationSurveyTitle.titleEn,
      questions: JSON.stringify(current),
      created_by: 'system',
    }));
  const merged = mergeRegistrationDefinition(questionsOf(row), current);
  if (JSON.stringify(merged) !== JSON.stringify(row.questions)) {
    await repository.updateSurvey(scope, row.id, { questions: JSON.stringify(merged) });
  }
  return { id: row.id, questions: merged };
}

function answerColumns(answer: SurveyAnswer) {
  if (answer.kind === 'choices') return { choices: answer.values, scale: null, text: null };
  if (answer.kind === 'scale') return { choices: null, scale: answer.value, text: null };
  return { choices: null, scale: null, text: answer.value };
}

function answerFromColumns(row: { choices: string[] | null; scale: number | null; text: string | null }): SurveyAnswer {
  if (row.choices) return { kind: 'choices', values: row.choices };
  if (row.scale !== null) return { kind: 'scale', value: Number(row.scale) };
  return { kind: 'text', value: row.text ?? '' };
}

/**
 * Stores the answers a person gave when registering, as a response to the government's registration
 * survey, in the registration's own tenant transaction (so both exist together or not at all). The
 * answers are checked again by the engine; the registration service checked them before opening it.
 */
export async function recordRegistrationSurveyAnswers(
  scope: TenantScope,
  options: {
    registrationId: string;
    personId: string;
    own: readonly OwnRegistrationQuestion[];
    input: RegistrationAnswersInput;
  },
): Promise<void> {
  const answers = checkRegistrationAnswers(options.input, options.own);
  const survey = await syncRegistrationSurvey(scope, options.own);
  await repository.insertResponse(
    scope,
    {
      id: uuidv7(),
      survey_id: survey.id,
      person_id: options.personId,
      registration_id: options.registrationId,
    },
    [...answers].map(([questionId, answer]) => ({ question_id: questionId, ...answerColumns(answer) })),
  );
}

export interface RegistrationSurveyAnswers {
  ties: string[];
  note: string | null;
  /** The government's own questions, by their own id, with the label they had (null if never known). */
  answers: Array<{ questionId: string; label: { ja: string; en?: string } | null; answer: string }>;
  customAnswers: Record<string, string>;
}

function groupAnswers(rows: ReadonlyArray<{ registration_id: string | null; question_id: string } & AnswerColumns>) {
  const byRegistration = new Map<string, SurveyAnswers>();
  for (const row of rows) {
    if (!row.registration_id) continue;
    const answers = byRegistration.get(row.registration_id) ?? new Map<string, SurveyAnswer>();
    answers.set(row.question_id, answerFromColumns(row));
    byRegistration.set(row.registration_id, answers);
  }
  return byRegistration;
}

type AnswerColumns = { choices: string[] | null; scale: number | null; text: string | null };

/**
 * The registration survey's answers of some registrations of the government (staff detail and export),
 * in the registration API's shape with the own questions labelled from the stored definition.
 */
export async function readRegistrationSurveyAnswers(
  scope: TenantScope,
  registrationIds: readonly string[],
): Promise<Map<string, RegistrationSurveyAnswers>> {
  const rows = await repository.listRegistrationAnswers(scope, registrationIds);
  const survey = rows.length > 0 ? await repository.findRegistrationSurvey(scope) : undefined;
  const questions = survey ? questionsOf(survey) : [];
  const labels = new Map(questions.map((question) => [question.id, question.label]));
  // In the order the questions are asked; answers to questions never known last.
  const position = new Map(questions.map((question, index) => [question.id, index]));
  const ordered = [...rows].sort(
    (a, b) =>
      (position.get(a.question_id) ?? questions.length) - (position.get(b.question_id) ?? questions.length) ||
      a.question_id.localeCompare(b.question_id),
  );
  const result = new Map<string, RegistrationSurveyAnswers>();
  for (const [registrationId, answers] of groupAnswers(ordered)) {
    const shaped = toRegistrationAnswers(answers);
    result.set(registrationId, {
      ties: shaped.ties,
      note: shaped.note,
      customAnswers: shaped.customAnswers,
      answers: Object.entries(shaped.customAnswers).map(([questionId, answer]) => {
        const label = labels.get(`own.${questionId}`);
        return {
          questionId,
          label: label ? (label.en ? { ja: label.ja, en: label.en } : { ja: label.ja }) : null,
          answer,
        };
      }),
    });
  }
  return result;
}

/** The person's own registration-survey answers in every government (their data export). */
export async function readMyRegistrationSurveyAnswers(
  db: Kysely<Database>,
  personId: string,
): Promise<Map<string, ReturnType<typeof toRegistrationAnswers>>> {
  const rows = await withPerson(db, personId, (trx) => repository.listResponsesOfPerson(trx, personId));
  const result = new Map<string, ReturnType<typeof toRegistrationAnswers>>();
  for (const [registrationId, answers] of groupAnswers(rows))
    result.set(registrationId, toRegistrationAnswers(answers));
  return result;
}

// ───────────── the government's side: writing surveys ─────────────

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((value) => (value ? value : undefined));

/** Title, description, audience and period of a survey. */
export const SurveySettingsInput = z
  .object({
    title: z.string().trim().min(1, { message: 'タイトルを入力してください / enter a title' }).max(200),
    titleEn: optionalText(200),
    description: z.string().trim().max(4000).default(''),
    audienceTier: z.enum(['all', 'basic', 'premium']).default('all'),
    audienceTies: z.array(z.enum(relationshipTies)).max(relationshipTies.length).default([]),
    opensAt: z.date().optional(),
    closesAt: z.date().optional(),
  })
  .superRefine((input, context) => {
    if (input.opensAt && input.closesAt && input.closesAt <= input.opensAt) {
      context.addIssue({
        code: 'custom',
        path: ['closesAt'],
        message: '締め切りは開始より後にしてください / must be after the opening',
      });
    }
  });
export type SurveySettingsInput = z.input<typeof SurveySettingsInput>;

function settingsColumns(input: z.output<typeof SurveySettingsInput>) {
  return {
    title: input.title,
    title_en: input.titleEn ?? null,
    description: input.description,
    audience_tier: input.audienceTier,
    audience_ties: [...new Set(input.audienceTies)],
    opens_at: input.opensAt ?? null,
    closes_at: input.closesAt ?? null,
  };
}

/** A government's surveys (the registration survey first), with how many answered each. */
export async function listSurveys(options: { db: Kysely<Database>; actor: Actor; lgCode: string; now?: Date }) {
  authorize(options.actor, options.lgCode);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const rows = await repository.listSurveys(scope);
    return rows.map((row) => toSurvey(row, Number(row.response_count ?? 0), options.now));
  });
}

/** Starts a survey as a draft: nobody sees it until it is published. Audited. */
export async function createSurvey(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  input: SurveySettingsInput;
}): Promise<Survey> {
  authorize(options.actor, options.lgCode);
  const input = parseInput(SurveySettingsInput, options.input);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await repository.insertSurvey(scope, {
      id: uuidv7(),
      purpose: 'monitor',
      ...settingsColumns(input),
      created_by: options.actor.id,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'survey.created',
      subjectType: 'survey',
      subjectId: row.id,
      data: { audienceTier: input.audienceTier, audienceTies: input.audienceTies },
    });
    return toSurvey(row, 0);
  });
}

export async function getSurvey(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  surveyId: string;
  now?: Date;
}): Promise<Survey> {
  authorize(options.actor, options.lgCode);
  const id = surveyIdOrNotFound(options.surveyId);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await repository.findSurvey(scope, id);
    if (!row) throw new AppError('not_found');
    return toSurvey(row, await repository.countResponses(scope, id), options.now);
  });
}

/**
 * Locks a monitor survey of the government for a change, refusing the registration survey (its questions
 * come from the registration settings) and, with `draftOnly`, a published one.
 */
async function lockForChange(scope: TenantScope, surveyId: string, draftOnly: boolean): Promise<SurveyRow> {
  const row = await repository.lockSurvey(scope, surveyIdOrNotFound(surveyId));
  if (!row) throw new AppError('not_found');
  if (row.purpose !== 'monitor' || (draftOnly && row.status !== 'draft')) throw new AppError('survey_not_editable');
  return row;
}

/**
 * Changes a survey's settings. A draft changes freely; once published only the closing time may move
 * (not into the past), since people already answered to that audience and those questions.
 */
export async function updateSurveySettings(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  surveyId: string;
  input: SurveySettingsInput;
  now?: Date;
}): Promise<Survey> {
  authorize(options.actor, options.lgCode);
  const input = parseInput(SurveySettingsInput, options.input);
  const now = options.now ?? new Date();
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await lockForChange(scope, options.surveyId, false);
    let changed: string[];
    let updated: SurveyRow;
    if (row.status === 'draft') {
      const columns = settingsColumns(input);
      changed = Object.entries(columns)
        .filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(row[key as keyof SurveyRow]))
        .map(([key]) => key);
      updated = await repository.updateSurvey(scope, row.id, columns);
    } else {
      if (row.status === 'closed') throw new AppError('survey_not_editable');
      const same = settingsColumns(input);
      const others = { ...same, closes_at: row.closes_at, opens_at: row.opens_at };
      const unchanged = Object.entries(others).every(
        ([key, value]) => JSON.stringify(value) === JSON.stringify(row[key as keyof SurveyRow]),
      );
      if (!unchanged) throw new AppError('survey_not_editable');
      if (!input.closesAt || input.closesAt <= now || (row.opens_at && input.closesAt <= row.opens_at)) {
        throw new AppError('validation_failed', {
          fieldErrors: [
            { field: 'closesAt', in: 'body', message: '締め切りは今より後にしてください / must be later than now' },
          ],
          detail: { ja: '締め切りは今より後にしてください。', en: 'The closing time must be later than now.' },
        });
      }
      changed = ['closes_at'];
      updated = await repository.updateSurvey(scope, row.id, { closes_at: input.closesAt });
    }
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'survey.updated',
      subjectType: 'survey',
      subjectId: row.id,
      data: { changed },
    });
    return toSurvey(updated, await repository.countResponses(scope, row.id), now);
  });
}

/** One question as staff write it: choices are texts (their values are made here), a condition names a choice. */
export const QuestionDraftInput = z
  .object({
    kind: z.enum(surveyQuestionKinds),
    label: SurveyText,
    help: SurveyText.optional(),
    required: z.boolean().default(false),
    choices: z.array(z.string().trim().min(1).max(100)).max(30).default([]),
    maxChoices: z.number().int().min(1).max(30).optional(),
    scaleMin: z.number().int().min(0).max(1).default(1),
    scaleMax: z.number().int().min(2).max(10).default(5),
    minLabel: SurveyText.optional(),
    maxLabel: SurveyText.optional(),
    maxLength: z.number().int().min(1).max(4000).default(1000),
    multiline: z.boolean().default(true),
    showIf: z.object({ questionId: z.string(), anyOf: z.array(z.string()).min(1) }).optional(),
  })
  .superRefine((input, context) => {
    if ((input.kind === 'single' || input.kind === 'multiple') && new Set(input.choices).size < 2) {
      context.addIssue({
        code: 'custom',
        path: ['choices'],
        message: '選択肢を2つ以上入力してください / give at least two choices',
      });
    }
    if (new Set(input.choices).size !== input.choices.length) {
      context.addIssue({ code: 'custom', path: ['choices'], message: '選択肢が重複しています / duplicate choices' });
    }
  });
export type QuestionDraftInput = z.input<typeof QuestionDraftInput>;

/** The next free `q<n>` id of a survey. */
function nextQuestionId(questions: readonly SurveyQuestion[]): string {
  const taken = new Set(questions.map((question) => question.id));
  let number = questions.length + 1;
  while (taken.has(`q${number}`)) number += 1;
  return `q${number}`;
}

function questionFromDraft(draft: z.output<typeof QuestionDraftInput>, id: string): SurveyQuestion {
  const base = {
    id,
    label: draft.label,
    required: draft.required,
    ...(draft.help ? { help: draft.help } : {}),
    ...(draft.showIf ? { showIf: draft.showIf } : {}),
  };
  const choices = draft.choices.map((label, index) => ({ value: `c${index + 1}`, label: { ja: label } }));
  switch (draft.kind) {
    case 'single':
      return { ...base, kind: 'single', choices };
    case 'multiple':
      return { ...base, kind: 'multiple', choices, ...(draft.maxChoices ? { maxChoices: draft.maxChoices } : {}) };
    case 'scale':
      return {
        ...base,
        kind: 'scale',
        min: draft.scaleMin,
        max: draft.scaleMax,
        ...(draft.minLabel ? { minLabel: draft.minLabel } : {}),
        ...(draft.maxLabel ? { maxLabel: draft.maxLabel } : {}),
      };
    case 'text':
      return { ...base, kind: 'text', maxLength: draft.maxLength, multiline: draft.multiline };
  }
}

/** Checks a whole definition, naming the fields (`questions.2.showIf`), in Japanese and English. */
function checkedDefinition(questions: unknown): SurveyQuestion[] {
  const parsed = SurveyDefinition.safeParse(questions);
  if (!parsed.success) {
    throw new AppError('validation_failed', {
      fieldErrors: parsed.error.issues.map((issue) => ({
        field: ['questions', ...issue.path.map(String)].join('.'),
        in: 'body',
        message: issue.message,
      })),
      detail: { ja: '設問の内容を確認してください。', en: 'Please check the questions.' },
    });
  }
  if (parsed.data.some((question) => question.id.includes('.'))) {
    throw new AppError('validation_failed', {
      fieldErrors: [{ field: 'questions', in: 'body', message: 'IDに「.」は使えません / no "." in ids' }],
    });
  }
  return parsed.data;
}

async function saveQuestions(
  scope: TenantScope,
  actor: Actor,
  row: SurveyRow,
  questions: SurveyQuestion[],
  change: string,
): Promise<Survey> {
  const checked = checkedDefinition(questions);
  const updated = await repository.updateSurvey(scope, row.id, { questions: JSON.stringify(checked) });
  await recordAuditEvent(scope, {
    actor,
    action: 'survey.questions_changed',
    subjectType: 'survey',
    subjectId: row.id,
    data: { change, questionCount: checked.length },
  });
  return toSurvey(updated, 0);
}

/** Adds a question at the end of a draft. */
export async function addSurveyQuestion(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  surveyId: string;
  input: QuestionDraftInput;
}): Promise<Survey> {
  authorize(options.actor, options.lgCode);
  const draft = parseInput(QuestionDraftInput, options.input);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await lockForChange(scope, options.surveyId, true);
    const questions = questionsOf(row);
    return saveQuestions(
      scope,
      options.actor,
      row,
      [...questions, questionFromDraft(draft, nextQuestionId(questions))],
      'added',
    );
  });
}

/** Removes a question of a draft; questions whose condition named it lose the condition (they are asked always). */
export async function removeSurveyQuestion(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  surveyId: string;
  questionId: string;
}): Promise<Survey> {
  authorize(options.actor, options.lgCode);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await lockForChange(scope, options.surveyId, true);
    const questions = questionsOf(row);
    if (!questions.some((question) => question.id === options.questionId)) throw new AppError('not_found');
    const kept = questions
      .filter((question) => question.id !== options.questionId)
      .map((question) => {
        if (question.showIf?.questionId !== options.questionId) return question;
        const { showIf: _removed, ...rest } = question;
        return rest as SurveyQuestion;
      });
    return saveQuestions(scope, options.actor, row, kept, 'removed');
  });
}

/** Moves a question of a draft one place up or down (a condition must still name an earlier question). */
export async function moveSurveyQuestion(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  surveyId: string;
  questionId: string;
  direction: 'up' | 'down';
}): Promise<Survey> {
  authorize(options.actor, options.lgCode);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await lockForChange(scope, options.surveyId, true);
    const questions = questionsOf(row);
    const index = questions.findIndex((question) => question.id === options.questionId);
    if (index < 0) throw new AppError('not_found');
    const target = options.direction === 'up' ? index - 1 : index + 1;
    if (target < 0 || target >= questions.length) return toSurvey(row, 0);
    const moved = [...questions];
    [moved[index], moved[target]] = [moved[target]!, moved[index]!];
    return saveQuestions(scope, options.actor, row, moved, 'moved');
  });
}

/** Replaces every question of a draft at once (the API's form of editing). */
export async function replaceSurveyQuestions(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  surveyId: string;
  questions: unknown;
}): Promise<Survey> {
  authorize(options.actor, options.lgCode);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await lockForChange(scope, options.surveyId, true);
    return saveQuestions(scope, options.actor, row, checkedDefinition(options.questions), 'replaced');
  });
}

/**
 * Publishes a draft: it needs questions and a period that has not ended (no opening time: it opens now).
 * From here its questions and audience are fixed. Registrants in the audience are told when it opens.
 */
export async function publishSurvey(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  surveyId: string;
  now?: Date;
}): Promise<Survey> {
  authorize(options.actor, options.lgCode);
  const now = options.now ?? new Date();
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await lockForChange(scope, options.surveyId, true);
    const errors = [];
    if (questionsOf(row).length === 0) {
      errors.push({ field: 'questions', in: 'body' as const, message: '設問を1つ以上作ってください / add a question' });
    }
    if (!row.closes_at || row.closes_at <= now) {
      errors.push({
        field: 'closesAt',
        in: 'body' as const,
        message: '今より後の締め切りを設定してください / set a closing time later than now',
      });
    }
    if (errors.length > 0) {
      throw new AppError('validation_failed', {
        fieldErrors: errors,
        detail: {
          ja: '公開する前に、設問と締め切りを設定してください。',
          en: 'Add questions and a closing time first.',
        },
      });
    }
    const opensAt = row.opens_at && row.opens_at > now ? row.opens_at : now;
    const updated = await repository.updateSurvey(scope, row.id, {
      status: 'published',
      opens_at: opensAt,
      published_at: now,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'survey.published',
      subjectType: 'survey',
      subjectId: row.id,
      data: { opensAt: opensAt.toISOString(), closesAt: row.closes_at?.toISOString() },
    });
    await scheduleSurveyOpeningNotice(scope, { surveyId: row.id, opensAt });
    return toSurvey(updated, 0, now);
  });
}

/** Ends a published survey now (before its closing time). */
export async function closeSurvey(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  surveyId: string;
}): Promise<Survey> {
  authorize(options.actor, options.lgCode);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await lockForChange(scope, options.surveyId, false);
    if (row.status !== 'published') throw new AppError('survey_not_editable');
    const updated = await repository.updateSurvey(scope, row.id, { status: 'closed', closed_at: new Date() });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'survey.closed',
      subjectType: 'survey',
      subjectId: row.id,
    });
    return toSurvey(updated, await repository.countResponses(scope, row.id));
  });
}

/** Deletes a draft (never a published survey: its answers are the government's record). */
export async function deleteSurvey(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  surveyId: string;
}): Promise<void> {
  authorize(options.actor, options.lgCode);
  await withTenant(options.db, options.lgCode, async (scope) => {
    const row = await lockForChange(scope, options.surveyId, true);
    await repository.deleteDraftSurvey(scope, row.id);
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'survey.deleted',
      subjectType: 'survey',
      subjectId: row.id,
    });
  });
}

// ───────────── results ─────────────

export interface ChoiceCount {
  value: string;
  label: SurveyText;
  count: number;
}

export type QuestionResult = {
  question: SurveyQuestion;
  /** How many counted responses answered it. */
  answered: number;
  /** Fewer than the threshold answered it: nothing about it is shown. */
  suppressed: boolean;
} & (
  | { kind: 'choices'; counts: ChoiceCount[] }
  | { kind: 'scale'; counts: ChoiceCount[]; mean: number | null }
  | { kind: 'text'; texts: string[]; textCount: number }
);

export interface SurveyResults {
  survey: Survey;
  /** Every response so far. */
  responseCount: number;
  /** The responses the results count (in steps; 0 below the threshold). */
  countedCount: number;
  threshold: number;
  questions: QuestionResult[];
}

/** Texts shown on the results page per question; the CSV of comments has them all. */
const textsOnPage = 30;

async function computeResults(
  scope: TenantScope,
  row: SurveyRow,
  options: { now?: Date; textsPerQuestion?: number },
): Promise<SurveyResults> {
  const questions = questionsOf(row);
  const responseCount = await repository.countResponses(scope, row.id);
  const counted = countedResponses(responseCount);
  const survey = toSurvey(row, responseCount, options.now);
  if (counted === 0) return { survey, responseCount, countedCount: 0, threshold: resultThreshold, questions: [] };

  const answered = new Map(
    (await repository.countAnswered(scope, row.id, counted)).map((entry) => [entry.questionId, entry.answered]),
  );
  const choiceRows = await repository.countChoices(scope, row.id, counted);
  const scaleRows = await repository.countScale(scope, row.id, counted);
  const textQuestionIds = questions
    .filter((question) => question.kind === 'text' && (answered.get(question.id) ?? 0) >= resultThreshold)
    .map((question) => question.id);
  const texts = await repository.listTexts(scope, row.id, counted, textQuestionIds, options.textsPerQuestion);

  const results = questions.map((question): QuestionResult => {
    const count = answered.get(question.id) ?? 0;
    const suppressed = count < resultThreshold;
    const base = { question, answered: count, suppressed };
    if (question.kind === 'single' || question.kind === 'multiple') {
      const found = suppressed ? [] : choiceRows.filter((entry) => entry.questionId === question.id);
      const counts = question.choices.map((choice) => ({
        ...choice,
        count: found.find((entry) => entry.value === choice.value)?.count ?? 0,
      }));
      // Values the definition no longer lists (an old registration question): shown as they were given.
      for (const entry of found) {
        if (!question.choices.some((choice) => choice.value === entry.value)) {
          counts.push({ value: entry.value, label: { ja: entry.value }, count: entry.count });
        }
      }
      return { ...base, kind: 'choices', counts };
    }
    if (question.kind === 'scale') {
      const found = suppressed ? [] : scaleRows.filter((entry) => entry.questionId === question.id);
      const counts: ChoiceCount[] = [];
      let sum = 0;
      for (let point = question.min; point <= question.max; point += 1) {
        const pointCount = found.find((entry) => entry.value === point)?.count ?? 0;
        sum += point * pointCount;
        counts.push({ value: String(point), label: { ja: String(point) }, count: pointCount });
      }
      return { ...base, kind: 'scale', counts, mean: suppressed || count === 0 ? null : sum / count };
    }
    const own = suppressed ? [] : texts.filter((entry) => entry.questionId === question.id).map((entry) => entry.text);
    return { ...base, kind: 'text', texts: own, textCount: suppressed ? 0 : count };
  });
  return { survey, responseCount, countedCount: counted, threshold: resultThreshold, questions: results };
}

/**
 * Live results of a survey (or of the registration survey), under the privacy rule: nothing below the
 * threshold, answers counted in steps, free text apart from everything else and in no telling order.
 */
export async function getSurveyResults(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  surveyId: string;
  now?: Date;
}): Promise<SurveyResults> {
  authorize(options.actor, options.lgCode);
  const id = surveyIdOrNotFound(options.surveyId);
  // The registration survey's questions follow the registration settings: bring them in step first, so a
  // question the government added or removed since the last registration shows as it is now.
  const own = (await getTenant({ db: options.db, lgCode: options.lgCode })).settings.registration.surveyQuestions;
  return withTenant(options.db, options.lgCode, async (scope) => {
    let row = await repository.findSurvey(scope, id);
    if (!row || row.status === 'draft') throw new AppError('not_found');
    if (row.purpose === 'registration') {
      await syncRegistrationSurvey(scope, own);
      row = (await repository.findSurvey(scope, id)) ?? row;
    }
    return computeResults(scope, row, { textsPerQuestion: textsOnPage, ...(options.now ? { now: options.now } : {}) });
  });
}

export const surveyKindLabels: Record<SurveyQuestion['kind'], { ja: string; en: string }> = {
  single: { ja: '単一選択', en: 'Single choice' },
  multiple: { ja: '複数選択', en: 'Multiple choice' },
  scale: { ja: '段階評価', en: 'Scale' },
  text: { ja: '自由記述', en: 'Free text' },
};

const suppressedNote = `回答者が${resultThreshold}人未満のため表示しません`;

/**
 * The results as CSV for Excel: `summary` is the same table as the page (one row per choice or point,
 * with counts and shares), `comments` every free-text answer (question and text only, shuffled). There is
 * no file of individual responses: a row per person would tie each one's answers together. Refused below
 * the threshold. Audited (`survey.exported`, which file and how many rows).
 */
export async function exportSurveyResults(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  surveyId: string;
  part: 'summary' | 'comments';
}): Promise<{ chunks: string[]; filename: string; rowCount: number }> {
  authorize(options.actor, options.lgCode);
  const id = surveyIdOrNotFound(options.surveyId);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const row = await repository.findSurvey(scope, id);
    if (!row || row.status === 'draft') throw new AppError('not_found');
    const results = await computeResults(scope, row, {});
    if (results.countedCount === 0) throw new AppError('survey_results_too_few');
    const chunks: string[] = [byteOrderMark];
    let rowCount = 0;
    const number = (index: number) => `Q${index + 1}`;
    if (options.part === 'summary') {
      chunks.push(
        csvRow(['設問番号', '設問', '種類', '選択肢・値', '件数', '割合(%)', '設問の回答者数', '集計対象の回答数']),
      );
      results.questions.forEach((result, index) => {
        const head = [number(index), result.question.label.ja, surveyKindLabels[result.question.kind].ja];
        if (result.suppressed) {
          chunks.push(csvRow([...head, suppressedNote, '', '', '', results.countedCount]));
          rowCount += 1;
          return;
        }
        if (result.kind === 'text') {
          chunks.push(
            csvRow([...head, '（自由記述のCSVを参照）', result.textCount, '', result.answered, results.countedCount]),
          );
          rowCount += 1;
          return;
        }
        for (const count of result.counts) {
          const share = result.answered > 0 ? Math.round((count.count / result.answered) * 1000) / 10 : 0;
          chunks.push(csvRow([...head, count.label.ja, count.count, share, result.answered, results.countedCount]));
          rowCount += 1;
        }
        if (result.kind === 'scale' && result.mean !== null) {
          chunks.push(
            csvRow([...head, '平均', Math.round(result.mean * 100) / 100, '', result.answered, results.countedCount]),
          );
          rowCount += 1;
        }
      });
    } else {
      chunks.push(csvRow(['設問番号', '設問', '回答']));
      const textQuestions = results.questions
        .map((result, index) => ({ result, index }))
        .filter(({ result }) => result.kind === 'text' && !result.suppressed);
      const texts = await repository.listTexts(
        scope,
        row.id,
        results.countedCount,
        textQuestions.map(({ result }) => result.question.id),
      );
      for (const { result, index } of textQuestions) {
        for (const entry of texts.filter((text) => text.questionId === result.question.id)) {
          chunks.push(csvRow([number(index), result.question.label.ja, entry.text]));
          rowCount += 1;
        }
      }
    }
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'survey.exported',
      subjectType: 'survey',
      subjectId: row.id,
      data: { format: 'csv', part: options.part, rowCount, countedResponses: results.countedCount },
    });
    const date = japanDate(new Date()).replaceAll('-', '');
    return { chunks, rowCount, filename: `survey-${options.part}-${options.lgCode}-${date}.csv` };
  });
}

// ───────────── the registrant's side ─────────────

export interface SurveyToAnswer {
  lgCode: string;
  governmentName: string;
  id: string;
  title: string;
  titleEn: string | null;
  description: string;
  phase: SurveyPhase;
  opensAt: Date | null;
  closesAt: Date | null;
  answeredAt: Date | null;
}

async function governmentNames(db: Kysely<Database>, lgCodes: readonly string[]): Promise<Map<string, string>> {
  if (lgCodes.length === 0) return new Map();
  const rows = await db
    .selectFrom('local_governments as lg')
    .innerJoin('prefectures as p', 'p.prefecture_code', 'lg.prefecture_code')
    .select(['lg.lg_code', 'lg.name', 'lg.kind', 'p.name as prefecture_name'])
    .where('lg.lg_code', 'in', [...lgCodes])
    .execute();
  return new Map(
    rows.map((row) => [row.lg_code, row.kind === 'prefecture' ? row.name : `${row.prefecture_name}${row.name}`]),
  );
}

/**
 * The surveys of the governments the person is registered with that are for them: open ones to answer
 * (soonest closing first) and the ones they answered. Surveys for another audience are not listed.
 */
export async function listMySurveys(options: { db: Kysely<Database>; personId: string; now?: Date }) {
  const now = options.now ?? new Date();
  const rows = await withPerson(options.db, options.personId, (trx) =>
    repository.listSurveysForPerson(trx, options.personId),
  );
  const names = await governmentNames(options.db, [...new Set(rows.map((row) => row.lg_code))]);
  const mine = rows
    .filter((row) =>
      isInAudience(
        { tier: row.audience_tier, ties: row.audience_ties },
        { tier: row.tier, ties: row.relationship_ties },
      ),
    )
    .map((row): SurveyToAnswer => ({
      lgCode: row.lg_code,
      governmentName: names.get(row.lg_code) ?? row.lg_code,
      id: row.id,
      title: row.title,
      titleEn: row.title_en,
      description: row.description,
      phase: surveyPhase(row, now),
      opensAt: row.opens_at,
      closesAt: row.closes_at,
      answeredAt: row.submitted_at,
    }));
  return {
    toAnswer: mine.filter((survey) => survey.phase === 'open' && !survey.answeredAt),
    answered: mine.filter((survey) => survey.answeredAt).reverse(),
  };
}

export interface SurveyForRespondent extends SurveyToAnswer {
  questions: SurveyQuestion[];
  /** The person's own answers, once given. */
  myAnswers: SurveyAnswers | undefined;
}

/**
 * Opens a survey for a registrant. Someone who is not a registrant of the government, or not in the
 * survey's audience, gets `not_found`: for them the survey does not exist.
 */
async function surveyForRespondent(
  scope: TenantScope,
  personId: string,
  surveyId: string,
): Promise<{ row: SurveyRow; registration: { id: string } }> {
  const row = await repository.findSurvey(scope, surveyIdOrNotFound(surveyId));
  if (!row || row.purpose !== 'monitor' || row.status === 'draft') throw new AppError('not_found');
  const registration = await repository.findActiveRegistration(scope, personId);
  if (
    !registration ||
    !isInAudience(
      { tier: row.audience_tier, ties: row.audience_ties },
      { tier: registration.tier, ties: registration.relationship_ties },
    )
  ) {
    throw new AppError('not_found');
  }
  return { row, registration };
}

export async function getSurveyForRespondent(options: {
  db: Kysely<Database>;
  personId: string;
  lgCode: string;
  surveyId: string;
  now?: Date;
}): Promise<SurveyForRespondent> {
  if (!isValidLgCode(options.lgCode)) throw new AppError('not_found');
  const now = options.now ?? new Date();
  const names = await governmentNames(options.db, [options.lgCode]);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const { row } = await surveyForRespondent(scope, options.personId, options.surveyId);
    const response = await repository.findMonitorResponse(scope, row.id, options.personId);
    const myAnswers = response
      ? new Map(
          (await repository.listAnswersOfResponse(scope, response.id)).map((answer) => [
            answer.question_id,
            answerFromColumns(answer),
          ]),
        )
      : undefined;
    return {
      lgCode: row.lg_code,
      governmentName: names.get(row.lg_code) ?? row.lg_code,
      id: row.id,
      title: row.title,
      titleEn: row.title_en,
      description: row.description,
      phase: surveyPhase(row, now),
      opensAt: row.opens_at,
      closesAt: row.closes_at,
      answeredAt: response?.submitted_at ?? null,
      questions: questionsOf(row),
      myAnswers,
    };
  });
}

/**
 * A registrant answers a survey, once. The engine checks the answers (conditions, required, choices,
 * scale, length); the database refuses a second response even when two arrive at the same moment. The
 * government's audit trail records that an answer came, never whose: the person's own trail records it.
 */
export async function answerSurvey(options: {
  db: Kysely<Database>;
  personId: string;
  lgCode: string;
  surveyId: string;
  answers: Record<string, unknown>;
  requestId?: string;
  now?: Date;
  /** How the answers were sent, for the field names of errors (`form` for the page). */
  from?: 'body' | 'form';
}): Promise<{ responseId: string }> {
  if (!isValidLgCode(options.lgCode)) throw new AppError('not_found');
  const now = options.now ?? new Date();
  try {
    return await withTenant(options.db, options.lgCode, async (scope) => {
      const { row } = await surveyForRespondent(scope, options.personId, options.surveyId);
      if (surveyPhase(row, now) !== 'open') throw new AppError('survey_not_open');
      if (await repository.findMonitorResponse(scope, row.id, options.personId)) {
        throw new AppError('survey_already_answered');
      }
      const answers = checkAnswers(questionsOf(row), options.answers, { in: options.from ?? 'body' });
      const responseId = uuidv7();
      await repository.insertResponse(
        scope,
        { id: responseId, survey_id: row.id, person_id: options.personId, registration_id: null, submitted_at: now },
        [...answers].map(([questionId, answer]) => ({ question_id: questionId, ...answerColumns(answer) })),
      );
      await recordAuditEvent(scope, {
        actor: { kind: 'person', id: null, ...(options.requestId ? { requestId: options.requestId } : {}) },
        action: 'survey.answered',
        subjectType: 'survey',
        subjectId: row.id,
      });
      await recordPersonAuditEvent(scope.trx, {
        subject: personSubject(options.personId),
        action: 'person.survey_answered',
        data: { lgCode: scope.lgCode, surveyId: row.id },
        ...(options.requestId ? { requestId: options.requestId } : {}),
      });
      return { responseId };
    });
  } catch (error) {
    // The unique index decided between two submissions at once: the later one has already answered.
    if (isUniqueViolation(error)) throw new AppError('survey_already_answered');
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** Which questions the person saw, given their answers (for showing their answers back). */
export function shownQuestions(questions: readonly SurveyQuestion[], answers: SurveyAnswers): SurveyQuestion[] {
  const seen: SurveyAnswers = new Map();
  const shown: SurveyQuestion[] = [];
  for (const question of questions) {
    if (question.retired || !isShown(question, seen)) continue;
    shown.push(question);
    const answer = answers.get(question.id);
    if (answer) seen.set(question.id, answer);
  }
  return shown;
}
