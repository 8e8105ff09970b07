import { sql, type Kysely } from 'kysely';
import type { Database, LocalGovernmentKind, TenantRow } from '../../platform/db/schema.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';
import { escapeLikePattern } from './search-text.js';

export interface LocalGovernmentSearch {
  prefectureCode?: string;
  /** Already folded with `foldForSearch`. */
  prefix?: string;
  kinds: LocalGovernmentKind[];
  participating?: boolean;
  limit: number;
  offset: number;
}

function localGovernmentColumns(db: Kysely<Database>) {
  return db
    .selectFrom('local_governments as lg')
    .innerJoin('prefectures as p', 'p.prefecture_code', 'lg.prefecture_code')
    .leftJoin('tenants as t', (join) => join.onRef('t.lg_code', '=', 'lg.lg_code').on('t.status', '=', 'active'))
    .select([
      'lg.lg_code',
      'lg.kind',
      'lg.name',
      'lg.name_kana',
      'lg.parent_lg_code',
      'lg.latitude',
      'lg.longitude',
      'lg.url',
      'lg.prefecture_code',
      'p.name as prefecture_name',
      'p.name_en as prefecture_name_en',
      sql<boolean>`t.lg_code is not null`.as('participating'),
    ]);
}

export type LocalGovernmentRecord = Awaited<
  ReturnType<ReturnType<typeof localGovernmentColumns>['executeTakeFirstOrThrow']>
>;

/** One page of the master, filtered, in code order, with the total for paging. */
export async function searchLocalGovernments(db: Kysely<Database>, search: LocalGovernmentSearch) {
  let query = localGovernmentColumns(db).where('lg.kind', 'in', search.kinds);
  if (search.prefectureCode) query = query.where('lg.prefecture_code', '=', search.prefectureCode);
  if (search.prefix) {
    const pattern = `${escapeLikePattern(search.prefix)}%`;
    query = query.where((eb) => eb.or([eb('lg.search_name', 'like', pattern), eb('lg.search_kana', 'like', pattern)]));
  }
  if (search.participating !== undefined) {
    query = query.where(search.participating ? sql<boolean>`t.lg_code is not null` : sql<boolean>`t.lg_code is null`);
  }
  const [items, total] = await Promise.all([
    query.orderBy('lg.lg_code').limit(search.limit).offset(search.offset).execute(),
    query
      .clearSelect()
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.count) };
}

export async function findLocalGovernment(db: Kysely<Database>, lgCode: string) {
  return localGovernmentColumns(db).where('lg.lg_code', '=', lgCode).executeTakeFirst();
}

export async function listWardsOf(db: Kysely<Database>, cityLgCode: string) {
  return localGovernmentColumns(db).where('lg.parent_lg_code', '=', cityLgCode).orderBy('lg.lg_code').execute();
}

export async function listPrefectures(db: Kysely<Database>) {
  return db.selectFrom('prefectures').selectAll().orderBy('prefecture_code').execute();
}

export async function findTenant(scope: TenantScope): Promise<TenantRow | undefined> {
  return scope.trx.selectFrom('tenants').selectAll().where(ownedBy(scope)).executeTakeFirst();
}

export async function insertTenant(scope: TenantScope, settings: Record<string, unknown>): Promise<TenantRow> {
  return scope.trx
    .insertInto('tenants')
    .values({ lg_code: scope.lgCode, settings: JSON.stringify(settings) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Locks the tenant row for the rest of the transaction, so concurrent settings edits do not interleave. */
export async function lockTenant(scope: TenantScope): Promise<TenantRow | undefined> {
  return scope.trx.selectFrom('tenants').selectAll().where(ownedBy(scope)).forUpdate().executeTakeFirst();
}

export async function updateTenantSettingsRow(
  scope: TenantScope,
  settings: Record<string, unknown>,
): Promise<TenantRow> {
  return scope.trx
    .updateTable('tenants')
    .set({ settings: JSON.stringify(settings), updated_at: sql<Date>`now()` })
    .where(ownedBy(scope))
    .returningAll()
    .executeTakeFirstOrThrow();
}
