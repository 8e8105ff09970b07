import { z } from 'zod';
import { AppError, type FieldError } from '../../platform/errors.js';

/**
 * The survey engine: what a survey is (an ordered list of questions), which questions a person is shown
 * given their earlier answers, and what counts as a valid set of answers. Pure functions, shared by the
 * government's monitor surveys and by the relationship survey of registration, so both ask, check and
 * count answers the same way.
 */

/** `q1`, `c3` for questions a government writes; `national.ties` and `own.visit` in the registration survey. */
export const QuestionId = z.string().regex(/^[a-z][a-z0-9_]{0,39}(\.[a-z][a-z0-9_]{0,39})?$/);

/** Text a government writes: Japanese, with English where it wants. */
export const SurveyText = z.object({
  ja: z.string().trim().min(1).max(300),
  en: z.string().trim().min(1).max(300).optional(),
});
export type SurveyText = z.output<typeof SurveyText>;

export const SurveyChoice = z.object({ value: z.string().min(1).max(100), label: SurveyText });
export type SurveyChoice = z.output<typeof SurveyChoice>;

/** Shown only when an earlier choice or scale question was answered with one of these values. */
export const SurveyCondition = z.object({
  questionId: QuestionId,
  anyOf: z.array(z.string().min(1).max(100)).min(1).max(30),
});
export type SurveyCondition = z.output<typeof SurveyCondition>;

const questionBase = {
  id: QuestionId,
  label: SurveyText,
  help: SurveyText.optional(),
  required: z.boolean().default(false),
  showIf: SurveyCondition.optional(),
  /** A question no longer asked; kept so that earlier answers keep their label (registration survey). */
  retired: z.boolean().optional(),
};

export const SurveyQuestion = z.discriminatedUnion('kind', [
  z.object({ ...questionBase, kind: z.literal('single'), choices: z.array(SurveyChoice).min(1).max(30) }),
  z.object({
    ...questionBase,
    kind: z.literal('multiple'),
    choices: z.array(SurveyChoice).min(1).max(30),
    /** Most choices one person may tick; none: any number. */
    maxChoices: z.number().int().min(1).max(30).optional(),
  }),
  z.object({
    ...questionBase,
    kind: z.literal('scale'),
    min: z.number().int().min(0).max(1),
    max: z.number().int().min(2).max(10),
    minLabel: SurveyText.optional(),
    maxLabel: SurveyText.optional(),
  }),
  z.object({
    ...questionBase,
    kind: z.literal('text'),
    maxLength: z.number().int().min(1).max(4000).default(1000),
    multiline: z.boolean().default(true),
  }),
]);
export type SurveyQuestion = z.output<typeof SurveyQuestion>;
export type SurveyQuestionKind = SurveyQuestion['kind'];
export type ChoiceQuestion = Extract<SurveyQuestion, { kind: 'single' | 'multiple' }>;

export const surveyQuestionKinds = ['single', 'multiple', 'scale', 'text'] as const satisfies SurveyQuestionKind[];

/** Values a condition can name for a question: its choices, or the points of its scale. */
export function conditionValuesOf(question: SurveyQuestion): Array<{ value: string; label: SurveyText }> {
  if (question.kind === 'single' || question.kind === 'multiple') return question.choices;
  if (question.kind === 'scale') {
    const points: Array<{ value: string; label: SurveyText }> = [];
    for (let point = question.min; point <= question.max; point += 1) {
      points.push({ value: String(point), label: { ja: String(point) } });
    }
    return points;
  }
  return [];
}

/**
 * A whole definition: ids unique, choice values unique within a question, and every condition names an
 * earlier question that has that value (so the form can be answered top to bottom, and no cycle exists).
 */
export const SurveyDefinition = z
  .array(SurveyQuestion)
  .max(60)
  .superRefine((questions, context) => {
    const seen = new Map<string, SurveyQuestion>();
    questions.forEach((question, index) => {
      if (seen.has(question.id)) {
        context.addIssue({ code: 'custom', path: [index, 'id'], message: '設問のIDが重複しています / duplicate id' });
      }
      if (question.kind === 'single' || question.kind === 'multiple') {
        const values = question.choices.map((choice) => choice.value);
        if (new Set(values).size !== values.length) {
          context.addIssue({
            code: 'custom',
            path: [index, 'choices'],
            message: '選択肢が重複しています / duplicate choices',
          });
        }
      }
      if (question.kind === 'scale' && question.max <= question.min) {
        context.addIssue({ code: 'custom', path: [index, 'max'], message: '最大値は最小値より大きくしてください' });
      }
      if (question.showIf) {
        const earlier = seen.get(question.showIf.questionId);
        const values = new Set(earlier ? conditionValuesOf(earlier).map((entry) => entry.value) : []);
        if (!earlier || earlier.kind === 'text' || question.showIf.anyOf.some((value) => !values.has(value))) {
          context.addIssue({
            code: 'custom',
            path: [index, 'showIf'],
            message:
              '条件には、前にある選択式の設問とその選択肢を指定してください / condition must name an earlier choice',
          });
        }
      }
      seen.set(question.id, question);
    });
  });
export type SurveyDefinition = z.output<typeof SurveyDefinition>;

/** One checked answer. */
export type SurveyAnswer =
  { kind: 'choices'; values: string[] } | { kind: 'scale'; value: number } | { kind: 'text'; value: string };

export type SurveyAnswers = Map<string, SurveyAnswer>;

/** The values an answer stands for when a condition asks about it. */
function valuesOf(answer: SurveyAnswer | undefined): string[] {
  if (!answer) return [];
  if (answer.kind === 'choices') return answer.values;
  if (answer.kind === 'scale') return [String(answer.value)];
  return [];
}

/** Whether a question is asked, given the answers to the questions before it. */
export function isShown(question: SurveyQuestion, answers: SurveyAnswers): boolean {
  if (question.retired) return false;
  if (!question.showIf) return true;
  const condition = question.showIf;
  return valuesOf(answers.get(condition.questionId)).some((value) => condition.anyOf.includes(value));
}

/** The questions still asked (retired ones are only for reading old answers). */
export function askedQuestions(questions: readonly SurveyQuestion[]): SurveyQuestion[] {
  return questions.filter((question) => !question.retired);
}

function isBlank(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.every((entry) => isBlank(entry));
  return false;
}

const messages = {
  required: '回答してください / required',
  notAChoice: '選択肢から選んでください / not one of the choices',
  unknown: 'この設問はありません / no such question',
  tooMany: (count: number) => `選べるのは${count}つまでです / choose at most ${count}`,
  scale: (min: number, max: number) => `${min}〜${max}の数で答えてください / a whole number from ${min} to ${max}`,
  tooLong: (length: number) => `${length}文字以内で書いてください / at most ${length} characters`,
};

export interface CheckOptions {
  /** The name a client sent a question's answer under (a form or an older API may name it differently). */
  fieldOf?: (questionId: string) => string;
  in?: FieldError['in'];
}

/**
 * Checks raw answers (question id → a string, a list of strings, or a number) against the questions,
 * top to bottom: a question whose condition is not met is skipped and any answer to it dropped (a person
 * without JavaScript sees every question and may have filled one in before changing the answer it depends
 * on); required means required when shown. Every problem is collected and thrown as one
 * `validation_failed`, each naming its field with a message in Japanese and English.
 */
export function checkAnswers(
  questions: readonly SurveyQuestion[],
  raw: Readonly<Record<string, unknown>>,
  options: CheckOptions = {},
): SurveyAnswers {
  const fieldOf = options.fieldOf ?? ((id: string) => `answers.${id}`);
  const where = options.in ?? 'body';
  const errors: FieldError[] = [];
  const fail = (questionId: string, message: string) => errors.push({ field: fieldOf(questionId), in: where, message });

  const asked = new Set(askedQuestions(questions).map((question) => question.id));
  for (const id of Object.keys(raw)) {
    if (!asked.has(id) && !isBlank(raw[id])) fail(id, messages.unknown);
  }

  const answers: SurveyAnswers = new Map();
  for (const question of askedQuestions(questions)) {
    if (!isShown(question, answers)) continue;
    const value = raw[question.id];
    if (isBlank(value)) {
      if (question.required) fail(question.id, messages.required);
      continue;
    }
    switch (question.kind) {
      case 'single': {
        const chosen = Array.isArray(value) ? value : [value];
        const values = question.choices.map((choice) => choice.value);
        if (chosen.length !== 1 || typeof chosen[0] !== 'string' || !values.includes(chosen[0])) {
          fail(question.id, messages.notAChoice);
          break;
        }
        answers.set(question.id, { kind: 'choices', values: [chosen[0]] });
        break;
      }
      case 'multiple': {
        const chosen = (Array.isArray(value) ? value : [value]).filter((entry) => !isBlank(entry));
        const values = question.choices.map((choice) => choice.value);
        if (chosen.some((entry) => typeof entry !== 'string' || !values.includes(entry))) {
          fail(question.id, messages.notAChoice);
          break;
        }
        // In the order of the choices, each once.
        const picked = values.filter((entry) => chosen.includes(entry));
        if (question.maxChoices !== undefined && picked.length > question.maxChoices) {
          fail(question.id, messages.tooMany(question.maxChoices));
          break;
        }
        answers.set(question.id, { kind: 'choices', values: picked });
        break;
      }
      case 'scale': {
        const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
        if (!Number.isInteger(number) || number < question.min || number > question.max) {
          fail(question.id, messages.scale(question.min, question.max));
          break;
        }
        answers.set(question.id, { kind: 'scale', value: number });
        break;
      }
      case 'text': {
        if (typeof value !== 'string') {
          fail(question.id, messages.tooLong(question.maxLength));
          break;
        }
        // Line ends as one character each, the way the browser's maxlength counts them.
        const text = value.replace(/\r\n/g, '\n').trim();
        if ([...text].length > question.maxLength) {
          fail(question.id, messages.tooLong(question.maxLength));
          break;
        }
        answers.set(question.id, { kind: 'text', value: text });
        break;
      }
    }
  }
  if (errors.length > 0) {
    throw new AppError('validation_failed', {
      fieldErrors: errors,
      detail: { ja: 'アンケートの回答を確認してください。', en: 'Please check your answers to the survey.' },
    });
  }
  return answers;
}

/** A question's label in the reader's language (the Japanese one when the government wrote no English). */
export function textIn(text: SurveyText, locale: 'ja' | 'en'): string {
  return locale === 'en' ? (text.en ?? text.ja) : text.ja;
}
