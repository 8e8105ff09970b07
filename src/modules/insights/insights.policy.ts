import type { Actor } from '../../platform/audit.js';
import { isActingOperator, tenantRoleOf } from '../../platform/auth/tenant-roles.js';

/**
 * Who sees which figures. Pure predicates over the actor; the service asks them, the tests table them.
 * Figures are aggregates, but of the government's personal data (DOMAIN §3): like its registrants, they
 * exist only for its administrators and staff. Organisation staff, other governments and operators get
 * 404 for a government's figures; operators see the national aggregates instead.
 */

/** A government's own figures (and, for a prefecture, its municipalities' together). */
export function mayReadGovernmentInsights(actor: Actor, lgCode: string): boolean {
  const role = tenantRoleOf(actor, lgCode);
  return role === 'tenant_admin' || role === 'tenant_staff';
}

/** Publishing the government's figures as open data is its administrators' decision. */
export function mayPublishOpenData(actor: Actor, lgCode: string): boolean {
  return tenantRoleOf(actor, lgCode) === 'tenant_admin';
}

/** The national aggregates: the national operator (with a second factor in a browser session). */
export function mayReadNationalInsights(actor: Actor): boolean {
  return isActingOperator(actor);
}
