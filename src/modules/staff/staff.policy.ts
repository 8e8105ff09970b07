import type { Actor } from '../../platform/audit.js';
import { isActingOperator, tenantRoleOf } from '../../platform/auth/tenant-roles.js';
import { AppError } from '../../platform/errors.js';
import { mayUpdateTenantSettings as municipalityMayUpdateTenantSettings } from '../municipalities/index.js';

/**
 * Who may do what in a government's staff area. Pure predicates over the actor (its memberships and
 * whether its session proved a second factor); the service asks them, the tests table them.
 *
 * Three answers matter and are kept apart on purpose:
 * - `knowsTenant` false: the tenant's staff area does not exist for this actor (404, not 403, so that
 *   an outsider learns nothing about another government's staff);
 * - `mayActAsStaff` false while `knowsTenant` is true: a member whose session has not proven a second
 *   factor (sent to the second-factor page);
 * - a specific action false: a member without the role for it (403).
 */

/** A member of the tenant (any role, second factor or not), or a national operator. */
export function knowsTenant(actor: Actor, lgCode: string): boolean {
  return actor.kind === 'operator' || (actor.memberships ?? []).some((membership) => membership.lgCode === lgCode);
}

/** Staff work in the tenant: an active membership (or operator) and a proven second factor. */
export function mayActAsStaff(actor: Actor, lgCode: string): boolean {
  return isActingOperator(actor) || tenantRoleOf(actor, lgCode) !== undefined;
}

const isTenantAdmin = (actor: Actor, lgCode: string): boolean => tenantRoleOf(actor, lgCode) === 'tenant_admin';

/** Invite, change roles, remove: the government's administrators, and operators (a tenant's first admin). */
export function mayManageStaff(actor: Actor, lgCode: string): boolean {
  return isActingOperator(actor) || isTenantAdmin(actor, lgCode);
}

/**
 * Invite a 団体担当者 for one of the government's organisations: the government's administrators and
 * staff (who register and approve organisations), and operators.
 */
export function mayInviteOrganisationStaff(actor: Actor, lgCode: string): boolean {
  const role = tenantRoleOf(actor, lgCode);
  return isActingOperator(actor) || role === 'tenant_admin' || role === 'tenant_staff';
}

/** The tenant's audit trail: its administrators, and operators who secure the platform. */
export function mayReadTenantAuditTrail(actor: Actor, lgCode: string): boolean {
  return isActingOperator(actor) || isTenantAdmin(actor, lgCode);
}

/** The rule lives with the tenants (municipalities module); re-exported so the staff area asks one place. */
export function mayUpdateTenantSettings(actor: Actor, lgCode: string): boolean {
  return municipalityMayUpdateTenantSettings(actor, lgCode);
}

/** What the staff area may offer this actor in this tenant, for pages and for API clients. */
export function staffPermissions(actor: Actor, lgCode: string) {
  return {
    manageStaff: mayManageStaff(actor, lgCode),
    readAuditTrail: mayReadTenantAuditTrail(actor, lgCode),
    updateSettings: mayUpdateTenantSettings(actor, lgCode),
  };
}

/** Throws `forbidden` unless `allowed`: for members of the tenant who lack the role. */
export function authorize(allowed: boolean): void {
  if (!allowed) throw new AppError('forbidden');
}
