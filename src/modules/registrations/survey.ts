import { z } from 'zod';
import type { SurveyQuestion } from '../municipalities/index.js';
import { AppError, type FieldError } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';

/** The national relationship question set, asked at every registration (L5839–5843). */
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

export const SurveyAnswers = z.object({
  ties: z.array(z.enum(relationshipTies)).min(1, { message: '1つ以上選んでください / choose at least one' }).max(8),
  note: z.string().trim().max(500).optional(),
  customAnswers: z.record(z.string(), z.string().trim().max(500)).default({}),
});
export type SurveyAnswers = z.output<typeof SurveyAnswers>;

/**
 * Checks the answers against the national set and the government's own questions: "その他" needs its
 * free text, required questions need an answer, a choice must be one of its choices, and answers to
 * questions the government does not ask are refused.
 */
export function checkSurveyAnswers(answers: SurveyAnswers, questions: readonly SurveyQuestion[]): SurveyAnswers {
  const errors: FieldError[] = [];
  if (answers.ties.includes('other') && !answers.note) {
    errors.push({ field: 'note', in: 'body', message: '「その他」の内容を書いてください / describe "other"' });
  }
  const known = new Map(questions.map((question) => [question.id, question]));
  for (const id of Object.keys(answers.customAnswers)) {
    if (!known.has(id)) errors.push({ field: `customAnswers.${id}`, in: 'body', message: 'unknown question' });
  }
  const customAnswers: Record<string, string> = {};
  for (const question of questions) {
    const answer = answers.customAnswers[question.id] ?? '';
    if (!answer) {
      if (question.required) {
        errors.push({ field: `customAnswers.${question.id}`, in: 'body', message: '回答してください / required' });
      }
      continue;
    }
    if (question.kind === 'choice' && !(question.choices ?? []).includes(answer)) {
      errors.push({
        field: `customAnswers.${question.id}`,
        in: 'body',
        message: '選択肢から選んでください / not a choice',
      });
      continue;
    }
    customAnswers[question.id] = answer;
  }
  if (errors.length > 0) {
    throw new AppError('validation_failed', {
      fieldErrors: errors,
      detail: {
        ja: 'アンケートの回答を確認してください。',
        en: 'Please check your answers to the survey.',
      },
    });
  }
  return { ...answers, ...(answers.ties.includes('other') ? {} : { note: undefined }), customAnswers };
}
