import './staff.privacy.js';
import './staff.account.js';
export {
  auditActionLabels,
  staffAreaLinks,
  StaffNav,
  staffPages,
  withArea as withStaffArea,
  type StaffArea,
  type StaffAreaLink,
} from './staff.pages.js';
export { staffRoutes } from './staff.routes.js';
export { currentTotpCode, enrolDemoTotp, resetSecondFactorByEmail } from './second-factor.service.js';
export {
  enterTenantStaffArea,
  acceptInvitation,
  addOrganisationStaffMember,
  changeStaffRole,
  listStaffMembers,
  grantOperator,
  inviteStaff,
  listOrganisationStaff,
  resolveSessionActor,
  revokeInvitation,
  type StaffInvitation,
  type StaffMember,
} from './staff.service.js';
export {
  knowsTenant,
  mayActAsStaff,
  mayInviteOrganisationStaff,
  mayManageStaff,
  mayReadTenantAuditTrail,
  mayUpdateTenantSettings,
} from './staff.policy.js';
