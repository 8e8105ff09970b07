import type { FC } from 'hono/jsx';
import type { Kysely } from 'kysely';
import type { CurrentSession } from '../../platform/auth/sessions.js';
import type { Database } from '../../platform/db/schema.js';
import type { PageContext } from '../../platform/ui/layout.js';

/**
 * Sections of the account page contributed by the parts of identity (passkeys, verification, privacy),
 * shown between the profile and the device list, in this order. A section may be an async component
 * that loads what it shows from `db`.
 */
export type AccountSection = FC<{ page: PageContext; session: CurrentSession; db: Kysely<Database> }>;

export const accountSections: AccountSection[] = [];
