import type { FC } from 'hono/jsx';
import type { CurrentSession } from '../../platform/auth/sessions.js';
import type { PageContext } from '../../platform/ui/layout.js';

/**
 * Sections of the account page contributed by the parts of identity (passkeys, verification, privacy),
 * shown between the profile and the device list, in this order.
 */
export type AccountSection = FC<{ page: PageContext; session: CurrentSession }>;

export const accountSections: AccountSection[] = [];
