import './activities.privacy.js';
export { activityRoutes } from './activities.routes.js';
export { staffActivityRoutes } from './staff-activities.routes.js';
export {
  activityDateOf,
  checkinClosesAfterMs,
  checkinOpensBeforeMs,
  onAttendanceRecorded,
  type AttendanceRecordedHook,
} from './attendance.service.js';
export { effectivelyDesignated } from './projects.repository.js';
export { organisationKindLabels, projectCategoryLabels } from './activities.labels.js';
export { staffActivityPages } from './staff-activities.pages.js';
