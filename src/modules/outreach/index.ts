import './notifications.privacy.js';
import './search.privacy.js';
export {
  defineNotificationKind,
  notificationKinds,
  type NotificationKind,
  type NotificationKindDefinition,
  type NotificationKinds,
} from './notifications.kinds.js';
export {
  countUnreadNotifications,
  deliverNotifications,
  deliverySettingsFrom,
  notify,
  notifyMany,
  type DeliverySettings,
  type NotificationInput,
} from './notifications.service.js';
export { notificationJobs } from './notifications.jobs.js';
export { notificationRoutes } from './notifications.routes.js';
export { loadUnreadNotifications, notificationPages } from './notifications.pages.js';

// ── Part B: surveys and community rooms ──
import './surveys.privacy.js';
import './rooms.privacy.js';
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
  answerSurvey,
  createSurvey,
  getSurveyResults,
  listSurveys,
  publishSurvey,
  replaceSurveyQuestions,
  readMyRegistrationSurveyAnswers,
  readRegistrationSurveyAnswers,
  recordRegistrationSurveyAnswers,
  syncRegistrationSurvey,
  type RegistrationSurveyAnswers,
} from './surveys.service.js';
export { surveyJobs } from './surveys.jobs.js';
export { surveyPages } from './surveys.pages.js';
export { surveyRoutes } from './surveys.routes.js';
export { createRoom, createThread, replyToThread, saveRoomProfile } from './rooms.service.js';
export { roomPages } from './rooms.pages.js';
export { roomRoutes } from './rooms.routes.js';
// ── end of part B ──
export { postJobs } from './posts.jobs.js';
export { postRoutes } from './posts.routes.js';
export { postPages } from './posts.pages.js';
export { searchPages } from './search.pages.js';
export { mayManagePosts, postKindLabels } from './posts.service.js';
export { normalizeForSearch, parseQuery, searchTokens } from './search-text.js';
