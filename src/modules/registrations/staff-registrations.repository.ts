import { sql, type Expression, type ExpressionBuilder, type SqlBool, type Transaction } from 'kysely';
import type { Database } from './registrations.types.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';

// The government's side of registrations. Every query runs in the tenant's scope and carries
// `ownedBy`; none reads the national persons table: what a government knows of a person is what the
// registration row shares with it.

export interface RegistrationListFilter {
  /** Start of the shared name (spaces ignored), or start of the contact address. */
  q?: string;
  tier?: 'basic' | 'premium';
  status: 'active' | 'withdrawn' | 'released';
  /** Two-digit prefecture code of the residence. */
  prefecture?: string;
  tie?: string;
  ownResidence: 'include' | 'exclude' | 'only';
}

/** Position after the last row of a page: registered_at in microseconds since the epoch, and the id. */
export interface ListCursor {
  registeredAtMicros: string;
  id: string;
}

const listColumns = [
  'r.id',
  'r.tier',
  'r.status',
  'r.origin',
  'r.linked_from_lg_code',
  'r.own_residence',
  'r.shared_name',
  'r.contact_email',
  'r.age_band',
  'r.residence_prefecture_code',
  'r.residence_lg_code',
  'r.identity_verified',
  'r.relationship_ties',
  'r.relationship_note',
  'r.custom_answers',
  'r.premium_since',
  'r.premium_valid_until',
  'r.long_stay',
  'r.registered_at',
  'r.ended_at',
  'r.end_reason',
] as const;

/** LIKE treats % _ and \ specially; a search for "50%" means the characters. */
function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

function matching(scope: TenantScope, filter: RegistrationListFilter) {
  return (eb: ExpressionBuilder<Database & { r: Database['registrations'] }, 'r'>): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [ownedBy(scope, 'r'), eb('r.status', '=', filter.status)];
    if (filter.tier) conditions.push(eb('r.tier', '=', filter.tier));
    if (filter.prefecture) conditions.push(eb('r.residence_prefecture_code', '=', filter.prefecture));
    // `@>` with an array literal is what the GIN index on relationship_ties answers.
    if (filter.tie) conditions.push(sql<SqlBool>`r.relationship_ties @> ARRAY[${filter.tie}]::text[]`);
    if (filter.ownResidence !== 'include') {
      conditions.push(eb('r.own_residence', '=', filter.ownResidence === 'only'));
    }
    if (filter.q) {
      const name = filter.q.replace(/[\s\u3000]+/g, '');
      const alternatives: Expression<SqlBool>[] = [
        sql<SqlBool>`lower(r.contact_email) like ${likePrefix(filter.q.toLowerCase())}`,
      ];
      if (name) {
        // Names are stored as verified ("山田 太郎") or as typed; staff type them with or without spaces.
        alternatives.push(sql<SqlBool>`translate(r.shared_name, ' 　', '') like ${likePrefix(name)}`);
      }
      conditions.push(eb.or(alternatives));
    }
    return eb.and(conditions);
  };
}

/** One page of the tenant's registrations, newest first; `cursor` continues after a previous page. */
export async function listRegistrations(
  scope: TenantScope,
  options: { filter: RegistrationListFilter; after?: ListCursor; limit: number },
) {
  let query = scope.trx
    .selectFrom('registrations as r')
    .select(listColumns)
    .select(sql<string>`(extract(epoch from r.registered_at) * 1000000)::bigint::text`.as('registered_at_micros'))
    .where(matching(scope, options.filter));
  if (options.after) {
    const { registeredAtMicros, id } = options.after;
    query = query.where(
      sql<SqlBool>`(r.registered_at, r.id) < (timestamptz 'epoch' + ${registeredAtMicros}::bigint * interval '1 microsecond', ${id}::uuid)`,
    );
  }
  return query.orderBy('r.registered_at', 'desc').orderBy('r.id', 'desc').limit(options.limit).execute();
}

export type RegistrationListRow = Awaited<ReturnType<typeof listRegistrations>>[number];

export async function countRegistrations(scope: TenantScope, filter: RegistrationListFilter): Promise<number> {
  const row = await scope.trx
    .selectFrom('registrations as r')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where(matching(scope, filter))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Registrations by status, tier and 住所地, for the counts above the list. */
export async function countRegistrationsByKind(scope: TenantScope) {
  const rows = await scope.trx
    .selectFrom('registrations')
    .select(['status', 'tier', 'own_residence', (eb) => eb.fn.countAll<string>().as('count')])
    .where(ownedBy(scope))
    .groupBy(['status', 'tier', 'own_residence'])
    .execute();
  return rows.map((row) => ({ ...row, count: Number(row.count) }));
}

export async function findRegistration(scope: TenantScope, id: string) {
  return scope.trx
    .selectFrom('registrations as r')
    .select(listColumns)
    .select(['r.show_name_on_card'])
    .where(ownedBy(scope, 'r'))
    .where('r.id', '=', id)
    .executeTakeFirst();
}

export type RegistrationRecord = NonNullable<Awaited<ReturnType<typeof findRegistration>>>;

export async function listApplicationsOfRegistration(scope: TenantScope, registrationId: string) {
  return scope.trx
    .selectFrom('premium_applications')
    .select(['id', 'kind', 'status', 'judgement', 'applied_at', 'decided_at', 'decided_by', 'reason'])
    .where(ownedBy(scope))
    .where('registration_id', '=', registrationId)
    .orderBy('applied_at', 'desc')
    .execute();
}

/** The tenant's audit events about these subjects (a registration and its applications), oldest first. */
export async function listAuditEventsOf(scope: TenantScope, subjectIds: readonly string[]) {
  if (subjectIds.length === 0) return [];
  return scope.trx
    .selectFrom('audit_events')
    .select(['id', 'occurred_at', 'actor_kind', 'action', 'subject_type', 'subject_id', 'data'])
    .where(ownedBy(scope))
    .where('subject_id', 'in', [...subjectIds])
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
}

const applicationColumns = [
  'a.id',
  'a.registration_id',
  'a.kind',
  'a.status',
  'a.judgement',
  'a.applied_at',
  'a.decided_at',
  'a.decided_by',
  'a.reason',
  'r.shared_name',
  'r.age_band',
  'r.residence_prefecture_code',
  'r.residence_lg_code',
  'r.identity_verified',
  'r.own_residence',
  'r.tier',
  'r.status as registration_status',
] as const;

function applicationsWith(scope: TenantScope) {
  return scope.trx
    .selectFrom('premium_applications as a')
    .innerJoin('registrations as r', (join) =>
      join.onRef('r.lg_code', '=', 'a.lg_code').onRef('r.id', '=', 'a.registration_id'),
    )
    .where(ownedBy(scope, 'a'))
    .where(ownedBy(scope, 'r'));
}

/** The queue: pending applications oldest first (first come, first decided). */
export async function listPendingApplications(scope: TenantScope, options: { limit: number; offset: number }) {
  return applicationsWith(scope)
    .select(applicationColumns)
    .where('a.status', '=', 'pending')
    .orderBy('a.applied_at')
    .orderBy('a.id')
    .limit(options.limit)
    .offset(options.offset)
    .execute();
}

/** Decided (approved, rejected, withdrawn) applications, most recently decided first. */
export async function listDecidedApplications(scope: TenantScope, options: { limit: number; offset: number }) {
  return applicationsWith(scope)
    .select(applicationColumns)
    .where('a.status', '<>', 'pending')
    .orderBy('a.decided_at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(options.limit)
    .offset(options.offset)
    .execute();
}

export type ApplicationListRow = Awaited<ReturnType<typeof listPendingApplications>>[number];

export async function countApplications(scope: TenantScope, which: 'pending' | 'decided'): Promise<number> {
  const row = await scope.trx
    .selectFrom('premium_applications')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where(ownedBy(scope))
    .where('status', which === 'pending' ? '=' : '<>', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function findApplication(scope: TenantScope, id: string) {
  return applicationsWith(scope).select(applicationColumns).where('a.id', '=', id).executeTakeFirst();
}

// Master data (a reference table on Citus): readable in any scope.

export async function prefectureNames(trx: Transaction<Database>) {
  const rows = await trx.selectFrom('prefectures').select(['prefecture_code', 'name', 'name_en']).execute();
  return new Map(rows.map((row) => [row.prefecture_code, { ja: row.name, en: row.name_en }]));
}

export async function municipalityNames(trx: Transaction<Database>, lgCodes: readonly string[]) {
  if (lgCodes.length === 0) return new Map<string, string>();
  const rows = await trx
    .selectFrom('local_governments')
    .select(['lg_code', 'name'])
    .where('lg_code', 'in', [...lgCodes])
    .execute();
  return new Map(rows.map((row) => [row.lg_code, row.name]));
}
