import type { Transaction } from 'kysely';
import type { Database } from './registrations.types.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';

/** The columns a card shows; never the contact, residence or survey fields. */
const cardColumns = [
  'lg_code',
  'id',
  'status',
  'tier',
  'premium_valid_until',
  'long_stay',
  'own_residence',
  'show_name_on_card',
  'shared_name',
] as const;

/** Person scope (withPerson): the holder's own active registration with one government. */
export async function findOwnActiveRegistration(trx: Transaction<Database>, personId: string, lgCode: string) {
  return trx
    .selectFrom('registrations')
    .select(cardColumns)
    .where('person_id', '=', personId)
    .where('lg_code', '=', lgCode)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

/** Tenant scope: the registration a card token names, in whatever state it is now. */
export async function findRegistrationForCard(scope: TenantScope, id: string) {
  return scope.trx
    .selectFrom('registrations')
    .select(cardColumns)
    .where(ownedBy(scope))
    .where('id', '=', id)
    .executeTakeFirst();
}

export type CardRow = NonNullable<Awaited<ReturnType<typeof findRegistrationForCard>>>;

/** Tenant scope: who holds the registration a card names, for an organiser's check-in scan. */
export async function findCardHolder(scope: TenantScope, id: string) {
  return scope.trx
    .selectFrom('registrations')
    .select(['id', 'person_id', 'status'])
    .where(ownedBy(scope))
    .where('id', '=', id)
    .executeTakeFirst();
}
