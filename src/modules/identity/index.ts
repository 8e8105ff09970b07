export { identityPages, safeNextPath } from './identity.pages.js';
export { identityRoutes } from './identity.routes.js';
export { accountSections, type AccountSection } from './account-sections.js';
export { completeEmailSignIn, startEmailSignIn, EmailAddress } from './identity.service.js';
export { privacyPages } from './privacy.pages.js';
export { deleteMyAccount, exportMyData } from './privacy.service.js';
