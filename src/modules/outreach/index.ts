// ── Part B: surveys and community rooms ──
import './surveys.privacy.js';
export {
  checkAnswers,
  isShown,
  SurveyDefinition,
  SurveyQuestion,
  type SurveyAnswer,
  type SurveyAnswers,
} from './surveys.engine.js';
export {
  checkRegistrationAnswers,
  registrationSurveyQuestions,
  relationshipTieLabels,
  relationshipTies,
  toRegistrationAnswers,
  type OwnRegistrationQuestion,
  type RelationshipTie,
} from './surveys.registration.js';
export {
  readMyRegistrationSurveyAnswers,
  readRegistrationSurveyAnswers,
  recordRegistrationSurveyAnswers,
  syncRegistrationSurvey,
  type RegistrationSurveyAnswers,
} from './surveys.service.js';
export { surveyJobs } from './surveys.jobs.js';
export { surveyPages } from './surveys.pages.js';
export { surveyRoutes } from './surveys.routes.js';
// ── end of part B ──
