export { staffPages } from './staff.pages.js';
export { staffRoutes } from './staff.routes.js';
export { resetSecondFactorByEmail } from './second-factor.service.js';
export {
  enterTenantStaffArea,
  grantOperator,
  inviteStaff,
  resolveSessionActor,
  type StaffInvitation,
  type StaffMember,
} from './staff.service.js';
export {
  knowsTenant,
  mayActAsStaff,
  mayManageStaff,
  mayReadTenantAuditTrail,
  mayUpdateTenantSettings,
} from './staff.policy.js';
