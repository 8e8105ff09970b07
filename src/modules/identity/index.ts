export { identityPages, safeNextPath } from './identity.pages.js';
export { identityRoutes } from './identity.routes.js';
export { accountSections, type AccountSection } from './account-sections.js';
export { completeEmailSignIn, EmailAddress, findOrCreatePerson, startEmailSignIn } from './identity.service.js';
export { privacyPages } from './privacy.pages.js';
export { deleteMyAccount, exportMyData } from './privacy.service.js';
export { passkeyRoutes } from './passkeys.routes.js';
export { passkeyPages, PasskeySecondFactor } from './passkeys.pages.js';
export { passkeyJobs } from './passkeys.jobs.js';
export { completePasskeySecondFactor, startPasskeySecondFactor } from './passkeys.service.js';
import './verification.privacy.js';
export { verificationAccountSection, verificationPages } from './verification.pages.js';
export { verificationRoutes } from './verification.routes.js';
export { verificationJobs } from './verification.jobs.js';
export {
  adultAge,
  ageOn,
  getCurrentVerification,
  getLatestVerification,
  type Verification,
} from './verification.service.js';
export { hasGuardianConsent, listGuardianConsents, type ConsentScope } from './guardian.service.js';
export { verificationRedirectUri } from './oidc-client.js';
