import { AppError } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import { checkAnswers, type SurveyAnswer, type SurveyAnswers, type SurveyQuestion } from './surveys.engine.js';

/**
 * The relationship survey asked at registration (L5839–5843) as a survey of the engine: the national
 * question of ties (with its free text for その他, asked only when その他 is ticked) followed by the
 * government's own questions from its registration settings. The question set of ties is national, so
 * its wording lives here in code; the registrations module asks it through these functions.
 */

export const relationshipTies = [
  'birthplace_or_lived',
  'family',
  'furusato_nozei',
  'tourism_or_homecoming',
  'work_or_side_job',
  'dual_residence',
  'volunteer',
  'other',
] as const;
export type RelationshipTie = (typeof relationshipTies)[number];

export const relationshipTieLabels: Record<RelationshipTie, Localized> = {
  birthplace_or_lived: { ja: '出身・居住歴がある', en: 'Born or lived here' },
  family: { ja: '家族・親戚がいる', en: 'Family or relatives here' },
  furusato_nozei: { ja: 'ふるさと納税をしている', en: 'Furusato nozei donor' },
  tourism_or_homecoming: { ja: '観光・帰省で訪れる', en: 'Visit for tourism or homecoming' },
  work_or_side_job: { ja: '仕事・副業で関わっている', en: 'Work or side job here' },
  dual_residence: { ja: '二地域居住をしている・したい', en: 'Live here part of the year, or want to' },
  volunteer: { ja: 'ボランティアで関わっている', en: 'Volunteer here' },
  other: { ja: 'その他', en: 'Other' },
};

export const tiesQuestionId = 'national.ties';
export const tiesNoteQuestionId = 'national.note';
const ownPrefix = 'own.';

/** A question a government adds in its registration settings (municipalities' `SurveyQuestion`). */
export interface OwnRegistrationQuestion {
  id: string;
  label: { ja: string; en?: string | undefined };
  kind: 'text' | 'choice';
  choices?: string[] | undefined;
  required: boolean;
}

export const nationalRegistrationQuestions: SurveyQuestion[] = [
  {
    id: tiesQuestionId,
    kind: 'multiple',
    label: { ja: 'このまちとの関係（あてはまるものすべて）', en: 'Your ties with the place (all that apply)' },
    required: true,
    choices: relationshipTies.map((tie) => ({ value: tie, label: relationshipTieLabels[tie] })),
  },
  {
    id: tiesNoteQuestionId,
    kind: 'text',
    label: { ja: '「その他」の内容', en: '"Other": details' },
    required: true,
    showIf: { questionId: tiesQuestionId, anyOf: ['other'] },
    maxLength: 500,
    multiline: false,
  },
];

/** The engine's form of one of the government's own questions: a choice is a single choice, its value the text. */
export function ownQuestionToSurvey(question: OwnRegistrationQuestion): SurveyQuestion {
  const label = question.label.en ? { ja: question.label.ja, en: question.label.en } : { ja: question.label.ja };
  if (question.kind === 'choice') {
    return {
      id: `${ownPrefix}${question.id}`,
      kind: 'single',
      label,
      required: question.required,
      choices: (question.choices ?? []).map((choice) => ({ value: choice, label: { ja: choice } })),
    };
  }
  return {
    id: `${ownPrefix}${question.id}`,
    kind: 'text',
    label,
    required: question.required,
    maxLength: 500,
    multiline: false,
  };
}

/** The questions asked at registration with this government now. */
export function registrationSurveyQuestions(own: readonly OwnRegistrationQuestion[]): SurveyQuestion[] {
  return [...nationalRegistrationQuestions, ...own.map(ownQuestionToSurvey)];
}

/**
 * The stored definition brought in step with what is asked now: the current questions first, then any
 * question asked before and no longer, marked retired, so that the answers given to it keep their label.
 */
export function mergeRegistrationDefinition(
  stored: readonly SurveyQuestion[],
  current: readonly SurveyQuestion[],
): SurveyQuestion[] {
  const currentIds = new Set(current.map((question) => question.id));
  const retired = stored
    .filter((question) => !currentIds.has(question.id))
    .map((question) => {
      // A condition may name a question that is gone; a retired question is never shown anyway.
      const { showIf: _dropped, ...rest } = question;
      return { ...rest, retired: true } as SurveyQuestion;
    });
  return [...current, ...retired];
}

/** The registration API's shape of the answers (kept for its clients and tests). */
export interface RegistrationAnswersInput {
  ties: readonly string[];
  note?: string | undefined;
  customAnswers: Readonly<Record<string, string>>;
}

/**
 * Checks the registration's answers with the engine. Fields are named as the registration API names
 * them: `ties`, `note`, `customAnswers.<id>`.
 */
export function checkRegistrationAnswers(
  input: RegistrationAnswersInput,
  own: readonly OwnRegistrationQuestion[],
): SurveyAnswers {
  const raw: Record<string, unknown> = { [tiesQuestionId]: [...input.ties], [tiesNoteQuestionId]: input.note ?? '' };
  for (const [id, answer] of Object.entries(input.customAnswers)) raw[`${ownPrefix}${id}`] = answer;
  try {
    return checkAnswers(registrationSurveyQuestions(own), raw, {
      fieldOf: (questionId) =>
        questionId === tiesQuestionId
          ? 'ties'
          : questionId === tiesNoteQuestionId
            ? 'note'
            : `customAnswers.${questionId.startsWith(ownPrefix) ? questionId.slice(ownPrefix.length) : questionId}`,
    });
  } catch (error) {
    // The free text of その他 says what it wants, as the registration form always has.
    if (error instanceof AppError) {
      for (const field of error.fieldErrors) {
        if (field.field === 'note') field.message = '「その他」の内容を書いてください / describe "other"';
      }
    }
    throw error;
  }
}

function answerText(answer: SurveyAnswer): string {
  if (answer.kind === 'choices') return answer.values.join('、');
  return String(answer.value);
}

/** The answers in the registration API's shape: ties, the その他 text, and own answers by their own id. */
export function toRegistrationAnswers(answers: SurveyAnswers): {
  ties: string[];
  note: string | null;
  customAnswers: Record<string, string>;
} {
  const ties = answers.get(tiesQuestionId);
  const note = answers.get(tiesNoteQuestionId);
  const customAnswers: Record<string, string> = {};
  for (const [questionId, answer] of answers) {
    if (questionId.startsWith(ownPrefix)) customAnswers[questionId.slice(ownPrefix.length)] = answerText(answer);
  }
  return {
    ties: ties?.kind === 'choices' ? ties.values : [],
    note: note ? answerText(note) : null,
    customAnswers,
  };
}

/** The government's own question id behind an engine id (`own.visit` → `visit`), if it is one. */
export function ownQuestionIdOf(questionId: string): string | undefined {
  return questionId.startsWith(ownPrefix) ? questionId.slice(ownPrefix.length) : undefined;
}
