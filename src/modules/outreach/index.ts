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
export { postJobs } from './posts.jobs.js';
export { postRoutes } from './posts.routes.js';
export { postPages } from './posts.pages.js';
export { searchPages } from './search.pages.js';
export { mayManagePosts, postKindLabels } from './posts.service.js';
export { normalizeForSearch, parseQuery, searchTokens } from './search-text.js';
