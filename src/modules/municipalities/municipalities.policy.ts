import type { Actor } from '../../platform/audit.js';
import { isActingOperator, tenantRoleOf } from '../../platform/auth/tenant-roles.js';
import type { LocalGovernmentKind } from '../../platform/db/schema.js';

/**
 * Who may do what with governments as tenants. Pure predicates: the service asks, the tests table them.
 * A government's own administrator (自治体管理者) manages its settings; the actor carries its memberships.
 */
export const isPlatformActor = (actor: Actor): boolean => isActingOperator(actor) || actor.kind === 'system';

/** Prefectures and municipalities join; wards of designated cities do not (the city is the tenant). */
export const canBeTenant = (kind: LocalGovernmentKind): boolean => kind !== 'designated_city_ward';

export const mayJoinTenant = (actor: Actor): boolean => isPlatformActor(actor);

export const mayUpdateTenantSettings = (actor: Actor, lgCode: string): boolean =>
  isPlatformActor(actor) || tenantRoleOf(actor, lgCode) === 'tenant_admin';
