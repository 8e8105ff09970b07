import './registrations.privacy.js';
export { registrationPages } from './registrations.pages.js';
export { registrationRoutes } from './registrations.routes.js';
export {
  applyForPremium,
  countCurrentRegistrations,
  decidePremiumApplication,
  getMyPremiumProgress,
  getMyResidence,
  listMyRegistrations,
  mayManageRegistrations,
  PremiumDecisionInput,
  premiumValidityDays,
  registerWithGovernment,
  RegistrationInput,
  setPrefectureLink,
  setShowNameOnCard,
  withdrawRegistration,
  type MyRegistration,
} from './registrations.service.js';
export {
  judgePremiumRequirement,
  judgePremiumRequirements,
  judgementWindows,
  type AttendanceCounts,
  type AttendanceQuery,
  type DesignatedActivityCounter,
  type JudgementWindow,
  type PremiumJudgement,
} from './judgement.js';
export { refreshLongStay } from './renewal.service.js';
export { renewalJobs } from './renewal.jobs.js';
export { relationshipTieLabels, relationshipTies, type RelationshipTie } from './survey.js';
export { premiumCap, premiumCapCount } from './registrations.policy.js';
export { answerStayQuestion } from './inactivity.service.js';
export { inactivityJobs } from './inactivity.jobs.js';
export { cardPages } from './card.pages.js';
export { cardTokenIn, identifyCardHolder, type CardHolder, type CardInvalidReason } from './card.service.js';
export { cardRoutes } from './card.routes.js';
export { staffRegistrationPages } from './staff-registrations.pages.js';
export { staffRegistrationRoutes } from './staff-registrations.routes.js';
