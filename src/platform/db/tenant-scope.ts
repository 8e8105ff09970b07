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

/**
 * Switches an open transaction to the application role with the given scope settings, runs `work`, and
 * puts role and settings back. Values must be validated by the caller: they are written as literals.
 */
async function withScopeInTransaction<T>(
  trx: Transaction<Database>,
  settings: Record<'app.lg_code' | 'app.person_id', string>,
  work: () => Promise<T>,
): Promise<T> {
  const before = await sql<{ role: string; lg_code: string | null; person_id: string | null }>`
    select current_user as role,
           current_setting('app.lg_code', true) as lg_code,
           current_setting('app.person_id', true) as person_id`.execute(trx);
  const previous = before.rows[0];
  await sql.raw(`SET LOCAL ROLE ${appRole}`).execute(trx);
  for (const [name, value] of Object.entries(settings)) await sql.raw(`SET LOCAL ${name} = '${value}'`).execute(trx);
  const result = await work();
  await sql`select set_config('app.lg_code', ${previous?.lg_code ?? ''}, true),
                   set_config('app.person_id', ${previous?.person_id ?? ''}, true)`.execute(trx);
  const role = previous?.role ?? appRole;
  await sql.raw(`SET LOCAL ROLE "${role.replace(/"/g, '""')}"`).execute(trx);
  return result;
}

/**
 * `withTenant` inside a transaction that is already open, for a use case that spans tenants in one
 * transaction (account deletion ends the person's staff memberships in every government at once).
 */
export async function withTenantInTransaction<T>(
  trx: Transaction<Database>,
  lgCode: string,
  work: (scope: TenantScope) => Promise<T>,
): Promise<T> {
  if (!isValidLgCode(lgCode)) throw new Error(`invalid lg_code for tenant scope: ${JSON.stringify(lgCode)}`);
  return withScopeInTransaction(trx, { 'app.lg_code': lgCode, 'app.person_id': '' }, () => work({ lgCode, trx }));
}

/** `withPerson` inside a transaction that is already open. */
export async function withPersonInTransaction<T>(
  trx: Transaction<Database>,
  personId: string,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (!uuidPattern.test(personId)) throw new Error(`invalid person id for person scope: ${JSON.stringify(personId)}`);
  return withScopeInTransaction(trx, { 'app.lg_code': '', 'app.person_id': personId.toLowerCase() }, () => work(trx));
}

/**
 * Runs `work` in one transaction as the application role with neither a tenant nor a person: row-level
 * security then shows only rows a policy makes public (published projects, approved organisations), for
 * pages anyone may read across governments.
 */
export async function withPublicScope<T>(
  db: Kysely<Database>,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql.raw(`SET LOCAL ROLE ${appRole}`).execute(trx);
    await sql.raw(`SET LOCAL app.lg_code = ''`).execute(trx);
    await sql.raw(`SET LOCAL app.person_id = ''`).execute(trx);
    return work(trx);
  });
}
