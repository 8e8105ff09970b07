import { sql, type Transaction } from 'kysely';
import type { Database, ProjectCategory } from '../../platform/db/schema.js';
import { effectivelyDesignated } from './projects.repository.js';

// Public scope (withPublicScope): row-level security shows published projects, their sessions and
// approved organisations of every government; the WHERE clauses say the same for clarity and plans.

export interface UpcomingFilter {
  lgCode?: string;
  prefectureCode?: string;
  category?: ProjectCategory;
  designatedOnly?: boolean;
  now: Date;
}

function upcomingQuery(trx: Transaction<Database>, filter: UpcomingFilter) {
  let query = trx
    .selectFrom('activity_sessions as s')
    .innerJoin('projects as p', (join) => join.onRef('p.lg_code', '=', 's.lg_code').onRef('p.id', '=', 's.project_id'))
    .leftJoin('organisations as o', (join) =>
      join.onRef('o.lg_code', '=', 'p.lg_code').onRef('o.id', '=', 'p.organisation_id'),
    )
    .where('p.status', '=', 'published')
    .where('s.status', '<>', 'cancelled')
    .where('s.ends_at', '>', filter.now);
  if (filter.lgCode) query = query.where('s.lg_code', '=', filter.lgCode);
  if (filter.prefectureCode) query = query.where(sql<boolean>`left(s.lg_code, 2) = ${filter.prefectureCode}`);
  if (filter.category) query = query.where('p.category', '=', filter.category);
  if (filter.designatedOnly) query = query.where(effectivelyDesignated());
  return query;
}

/** Sessions still to come of published projects, soonest first. */
export async function listUpcomingSessions(
  trx: Transaction<Database>,
  filter: UpcomingFilter,
  limit: number,
  offset: number,
) {
  const total = await upcomingQuery(trx, filter)
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  const rows = await upcomingQuery(trx, filter)
    .select([
      's.lg_code',
      's.id as session_id',
      's.starts_at',
      's.ends_at',
      's.capacity',
      's.confirmed_count',
      's.status as session_status',
      'p.id as project_id',
      'p.title',
      'p.category',
      'p.place_name',
      'o.name as organisation_name',
      effectivelyDesignated().as('designated'),
    ])
    .orderBy('s.starts_at')
    .orderBy('s.id')
    .limit(limit)
    .offset(offset)
    .execute();
  return { rows, total: Number(total.count) };
}

export async function findPublicProject(trx: Transaction<Database>, lgCode: string, projectId: string) {
  return trx
    .selectFrom('projects as p')
    .leftJoin('organisations as o', (join) =>
      join.onRef('o.lg_code', '=', 'p.lg_code').onRef('o.id', '=', 'p.organisation_id'),
    )
    .selectAll('p')
    .select(['o.name as organisation_name', 'o.kind as organisation_kind', effectivelyDesignated().as('designated')])
    .where('p.lg_code', '=', lgCode)
    .where('p.id', '=', projectId)
    .where('p.status', '=', 'published')
    .executeTakeFirst();
}

export async function listPublicSessions(trx: Transaction<Database>, lgCode: string, projectId: string, now: Date) {
  return trx
    .selectFrom('activity_sessions')
    .selectAll()
    .where('lg_code', '=', lgCode)
    .where('project_id', '=', projectId)
    .where('ends_at', '>', new Date(now.getTime() - 90 * 24 * 60 * 60 * 1000))
    .orderBy('starts_at')
    .limit(200)
    .execute();
}
