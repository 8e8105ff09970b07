import './registrations.privacy.js';
export {
  applyForPremium,
  decidePremiumApplication,
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
  useDesignatedActivityCounter,
  type DesignatedActivityCounter,
  type PremiumJudgement,
} from './judgement.js';
export { relationshipTieLabels, relationshipTies, type RelationshipTie } from './survey.js';
export { premiumCap, premiumCapCount } from './registrations.policy.js';
