import type { Actor } from '../audit.js';
import type { StaffRole } from '../db/schema.js';

export type { StaffRole };

export const staffRoles = [
  'tenant_admin',
  'tenant_staff',
  'organisation_staff',
] as const satisfies readonly StaffRole[];

export const staffRoleLabels: Record<StaffRole, { ja: string; en: string }> = {
  tenant_admin: { ja: '自治体管理者', en: 'Local government administrator' },
  tenant_staff: { ja: '自治体職員', en: 'Local government staff' },
  organisation_staff: { ja: '団体担当者', en: 'Organisation staff' },
};

/** One active staff membership of the person behind an actor: which tenant, in which role. */
export interface TenantMembership {
  lgCode: string;
  membershipId: string;
  role: StaffRole;
  /** For organisation_staff: the related organisation they work for (organisations arrive later). */
  organisationId: string | null;
}

/**
 * Operators act nationally. An operator from a browser session counts only once the session proved a
 * second factor; the operator command and the system carry no session (`secondFactor` absent) and are
 * authenticated by their access to the server.
 */
export function isActingOperator(actor: Actor): boolean {
  return actor.kind === 'operator' && actor.secondFactor !== false;
}

/**
 * The actor's role in a tenant, only when the actor may use it now: an active membership there and a
 * session that proved a second factor. Every module's policy asks this rather than reading memberships.
 */
export function tenantRoleOf(actor: Actor, lgCode: string): StaffRole | undefined {
  if (actor.secondFactor !== true) return undefined;
  return actor.memberships?.find((membership) => membership.lgCode === lgCode)?.role;
}
