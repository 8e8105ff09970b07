import type { Actor } from '../../platform/audit.js';
import { tenantRoleOf } from '../../platform/auth/tenant-roles.js';
import { AppError } from '../../platform/errors.js';

/**
 * Who may do what with 担い手 activities in a government, as pure predicates over the actor (memberships,
 * second factor). Two sides:
 * - the government (自治体管理者・自治体職員): everything in its area — organisations, designation, every
 *   project and roster;
 * - an organisation (団体担当者 with an organisation set): its own projects, sessions, rosters and
 *   check-in, and nothing of other organisations.
 * Operators run the platform but do not see rosters (they hold applicants' names): for them, as for
 * outsiders, the activities area does not exist (404).
 */

/** The government's own staff with a second factor. */
export function isGovernmentStaff(actor: Actor, lgCode: string): boolean {
  const role = tenantRoleOf(actor, lgCode);
  return role === 'tenant_admin' || role === 'tenant_staff';
}

/** The organisation a 団体担当者 works for in this government (with a second factor), if any. */
export function organisationOf(actor: Actor, lgCode: string): string | undefined {
  if (tenantRoleOf(actor, lgCode) !== 'organisation_staff') return undefined;
  return actor.memberships?.find((membership) => membership.lgCode === lgCode)?.organisationId ?? undefined;
}

/** Any staff member of the tenant who works on activities: the government, or a 団体担当者. */
export function mayEnterActivities(actor: Actor, lgCode: string): boolean {
  return isGovernmentStaff(actor, lgCode) || tenantRoleOf(actor, lgCode) === 'organisation_staff';
}

/** Register, approve, suspend organisations and invite their staff: the government. */
export function mayManageOrganisations(actor: Actor, lgCode: string): boolean {
  return isGovernmentStaff(actor, lgCode);
}

/** See an organisation's record: the government, or the organisation's own staff. */
export function mayViewOrganisation(actor: Actor, lgCode: string, organisationId: string): boolean {
  return isGovernmentStaff(actor, lgCode) || organisationOf(actor, lgCode) === organisationId;
}

/** Edit an organisation's profile: the government, or the organisation's own staff. */
export const mayEditOrganisationProfile = mayViewOrganisation;

/** Designate (patterns ① and ②) and revoke: the government alone (L5985–5989). */
export function mayDesignate(actor: Actor, lgCode: string): boolean {
  return isGovernmentStaff(actor, lgCode);
}

/**
 * Plan, change and run a project (its sessions, roster, messages, check-in): the government for any
 * project in its area (its own have no organisation), an organisation's staff for that organisation's.
 */
export function mayManageProject(actor: Actor, lgCode: string, project: { organisationId: string | null }): boolean {
  if (isGovernmentStaff(actor, lgCode)) return true;
  const own = organisationOf(actor, lgCode);
  return own !== undefined && project.organisationId === own;
}

/** What the activities pages may offer this actor here (for menus and buttons). */
export function activityPermissions(actor: Actor, lgCode: string) {
  return {
    manageOrganisations: mayManageOrganisations(actor, lgCode),
    designate: mayDesignate(actor, lgCode),
    organisationId: organisationOf(actor, lgCode) ?? null,
    governmentStaff: isGovernmentStaff(actor, lgCode),
  };
}

/** For staff of the tenant: 404 when the activities area is not theirs, 403 when the role is missing. */
export function authorizeActivities(actor: Actor, lgCode: string, allowed: boolean): void {
  if (!mayEnterActivities(actor, lgCode)) throw new AppError('not_found');
  if (!allowed) throw new AppError('forbidden');
}
