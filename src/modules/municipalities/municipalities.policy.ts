import type { Actor } from '../../platform/audit.js';
import type { LocalGovernmentKind } from '../../platform/db/schema.js';

/**
 * Who may do what with governments as tenants. Pure predicates: the service asks, the tests table them.
 * Staff roles (自治体管理者) arrive with the identity module and extend these rules.
 */
export const isPlatformActor = (actor: Actor): boolean => actor.kind === 'operator' || actor.kind === 'system';

/** Prefectures and municipalities join; wards of designated cities do not (the city is the tenant). */
export const canBeTenant = (kind: LocalGovernmentKind): boolean => kind !== 'designated_city_ward';

export const mayJoinTenant = (actor: Actor): boolean => isPlatformActor(actor);

export const mayUpdateTenantSettings = (actor: Actor): boolean => isPlatformActor(actor);
