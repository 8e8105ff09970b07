import './notifications.privacy.js';
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
