import { sql, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import { isValidLgCode } from '../lg-code.js';
import type { Database } from './schema.js';

/** The role that row-level security policies apply to (created by migration 0001). */
export const appRole = 'furusato_app';

/** A transaction bound to one tenant: every query in it sees only that tenant's rows. */
export interface TenantScope {
  readonly lgCode: string;
  readonly trx: Transaction<Database>;
}

/**
 * Runs `work` in one transaction scoped to the tenant `lgCode`. The transaction drops to the
 * application role (PGlite and test connections are superusers, who bypass RLS) and sets
 * `app.lg_code` with `SET LOCAL`, which Citus forwards to its workers where `set_config` is not.
 * The code is validated (digits and check digit) before it is written into the statement as a literal.
 */
export async function withTenant<T>(
  db: Kysely<Database>,
  lgCode: string,
  work: (scope: TenantScope) => Promise<T>,
): Promise<T> {
  if (!isValidLgCode(lgCode)) throw new Error(`invalid lg_code for tenant scope: ${JSON.stringify(lgCode)}`);
  return db.transaction().execute(async (trx) => {
    await sql.raw(`SET LOCAL ROLE ${appRole}`).execute(trx);
    await sql.raw(`SET LOCAL app.lg_code = '${lgCode}'`).execute(trx);
    return work({ lgCode, trx });
  });
}

/**
 * The WHERE clause every tenant query carries: `lg_code = <scope>`. Row-level security is the second
 * wall; this one keeps plans single-shard on Citus and makes the intent visible in the query.
 * Pass `table` when the query joins several tenant tables.
 */
export function ownedBy(scope: Pick<TenantScope, 'lgCode'>, table?: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(table ? `${table}.lg_code` : 'lg_code')} = ${scope.lgCode}`;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs `work` in one transaction in which row-level security shows a person their own rows across all
 * tenants (policies read `app.person_id`), e.g. "which governments am I staff of" before any tenant is
 * chosen. No tenant is set, so tenant policies match nothing else. The id is validated as a UUID before
 * it is written into the statement as a literal, for the same Citus reason as `withTenant`.
 */
export async function withPerson<T>(
  db: Kysely<Database>,
  personId: string,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (!uuidPattern.test(personId)) throw new Error(`invalid person id for person scope: ${JSON.stringify(personId)}`);
  return db.transaction().execute(async (trx) => {
    await sql.raw(`SET LOCAL ROLE ${appRole}`).execute(trx);
    await sql.raw(`SET LOCAL app.person_id = '${personId.toLowerCase()}'`).execute(trx);
    return work(trx);
  });
}
