import { z } from 'zod';
import type { SurveyQuestion } from '../municipalities/index.js';
import {
  checkRegistrationAnswers,
  relationshipTieLabels,
  relationshipTies,
  toRegistrationAnswers,
  type RelationshipTie,
} from '../outreach/index.js';

/**
 * The relationship survey asked at every registration (L5839–5843). It is a survey of the outreach survey
 * engine (the national question set of ties lives there, with the engine's rules for conditions and
 * required answers); this file keeps the registration API's shape of the answers.
 */
export { relationshipTieLabels, relationshipTies, type RelationshipTie };

export const SurveyAnswers = z.object({
  ties: z.array(z.enum(relationshipTies)).min(1, { message: '1つ以上選んでください / choose at least one' }).max(8),
  note: z.string().trim().max(500).optional(),
  customAnswers: z.record(z.string(), z.string().trim().max(500)).default({}),
});
export type SurveyAnswers = z.output<typeof SurveyAnswers>;

/**
 * Checks the answers with the survey engine against the national set and the government's own questions:
 * "その他" needs its free text, required questions need an answer, a choice must be one of its choices, and
 * answers to questions the government does not ask are refused. Returns them as they will be stored.
 */
export function checkSurveyAnswers(answers: SurveyAnswers, questions: readonly SurveyQuestion[]): SurveyAnswers {
  const checked = toRegistrationAnswers(checkRegistrationAnswers(answers, questions));
  return {
    ties: checked.ties as RelationshipTie[],
    ...(checked.note === null ? {} : { note: checked.note }),
    customAnswers: checked.customAnswers,
  };
}
