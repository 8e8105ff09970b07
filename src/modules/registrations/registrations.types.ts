import type { Insertable as KyselyInsertable } from 'kysely';
import type { Database } from '../../platform/db/schema.js';

export type { Database, RegistrationRow, PremiumApplicationRow } from '../../platform/db/schema.js';
export type Insertable<Table extends keyof Database> = KyselyInsertable<Database[Table]>;
