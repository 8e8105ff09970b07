import './activities.privacy.js';
export { activityRoutes } from './activities.routes.js';
export { staffActivityRoutes } from './staff-activities.routes.js';
export { checkinPages } from './checkin.pages.js';
export { activityPages } from './activities.pages.js';
export { activityDateOf, checkinClosesAfterMs, checkinOpensBeforeMs } from './attendance.service.js';
export { effectivelyDesignated } from './projects.repository.js';
export { organisationKindLabels, projectCategoryLabels } from './activities.labels.js';
export { checkinCodeAt } from './checkin-code.js';
export { listOrganisations, registerOrganisation, setOrganisationDesignation } from './organisations.service.js';
export {
  addSession,
  createProject,
  requestProjectDesignation,
  setProjectDesignation,
  setProjectStatus,
} from './projects.service.js';
export { applyToSession } from './applications.service.js';
export { applicationNoticeKey } from './activities.notices.js';
export { checkInWithCode } from './attendance.service.js';
export { staffActivityPages } from './staff-activities.pages.js';
