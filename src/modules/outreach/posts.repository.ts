import { sql, type Insertable, type Kysely, type RawBuilder, type Transaction, type Updateable } from 'kysely';
import type {
  Database,
  PostKind,
  PostRow,
  PostsTable,
  ProjectCategory,
  SavedSearchRow,
} from '../../platform/db/schema.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';
import type { SearchTerm } from './search-text.js';

/** All SQL of posts, search and saved searches. */

export async function insertPost(scope: TenantScope, values: Omit<Insertable<PostsTable>, 'lg_code'>) {
  return scope.trx
    .insertInto('posts')
    .values({ ...values, lg_code: scope.lgCode })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updatePost(scope: TenantScope, id: string, values: Updateable<PostsTable>) {
  return scope.trx
    .updateTable('posts')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where(ownedBy(scope))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function lockPost(scope: TenantScope, id: string) {
  return scope.trx
    .selectFrom('posts')
    .selectAll()
    .where(ownedBy(scope))
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function findTenantPost(scope: TenantScope, id: string) {
  return scope.trx.selectFrom('posts').selectAll().where(ownedBy(scope)).where('id', '=', id).executeTakeFirst();
}

export async function listTenantPosts(
  scope: TenantScope,
  options: { status?: PostRow['status']; organisationId?: string; limit: number; offset: number },
) {
  let query = scope.trx
    .selectFrom('posts')
    .select([
      'id',
      'kind',
      'title',
      'status',
      'audience',
      'organisation_id',
      'publish_at',
      'published_at',
      'updated_at',
      'starts_at',
      (eb) => eb.fn.countAll<string>().over().as('total'),
    ])
    .where(ownedBy(scope))
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit)
    .offset(options.offset);
  if (options.status) query = query.where('status', '=', options.status);
  if (options.organisationId) query = query.where('organisation_id', '=', options.organisationId);
  return query.execute();
}

export async function findOrganisation(scope: TenantScope, id: string) {
  return scope.trx
    .selectFrom('organisations')
    .select(['id', 'name', 'status'])
    .where(ownedBy(scope))
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findProject(scope: TenantScope, id: string) {
  return scope.trx
    .selectFrom('projects')
    .select(['id', 'title', 'status', 'category', 'organisation_id'])
    .where(ownedBy(scope))
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Published projects a post may recruit for (an organisation's own, or all of the government's). */
export async function listRecruitableProjects(scope: TenantScope, organisationId: string | undefined) {
  let query = scope.trx
    .selectFrom('projects')
    .select(['id', 'title', 'category'])
    .where(ownedBy(scope))
    .where('status', '=', 'published')
    .orderBy('title')
    .limit(500);
  if (organisationId) query = query.where('organisation_id', '=', organisationId);
  return query.execute();
}

// Images.

export async function insertImage(scope: TenantScope, values: Omit<Insertable<Database['post_images']>, 'lg_code'>) {
  await scope.trx
    .insertInto('post_images')
    .values({ ...values, lg_code: scope.lgCode })
    .execute();
}

export async function countImages(scope: TenantScope, postId: string): Promise<number> {
  const row = await scope.trx
    .selectFrom('post_images')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where(ownedBy(scope))
    .where('post_id', '=', postId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function deleteImage(scope: TenantScope, postId: string, imageId: string): Promise<number> {
  const result = await scope.trx
    .deleteFrom('post_images')
    .where(ownedBy(scope))
    .where('post_id', '=', postId)
    .where('id', '=', imageId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface ImageInfo {
  id: string;
  alt_text: string;
  width: number;
  height: number;
}

/** The images of posts, without their bytes, in order; visible as the transaction's scope allows. */
export async function imagesOf(trx: Transaction<Database>, posts: ReadonlyArray<{ lgCode: string; id: string }>) {
  if (posts.length === 0) return new Map<string, ImageInfo[]>();
  const rows = await trx
    .selectFrom('post_images')
    .select(['lg_code', 'post_id', 'id', 'alt_text', 'width', 'height'])
    .where(
      sql<boolean>`(lg_code, post_id) in (select * from unnest(${posts.map((post) => post.lgCode)}::char(6)[], ${posts.map((post) => post.id)}::uuid[]))`,
    )
    .orderBy('position')
    .orderBy('created_at')
    .execute();
  const byPost = new Map<string, ImageInfo[]>();
  for (const row of rows) {
    const key = `${row.lg_code}/${row.post_id}`;
    byPost.set(key, [...(byPost.get(key) ?? []), row]);
  }
  return byPost;
}

/** One image's bytes, if the scope lets the transaction see it (RLS follows the post). */
export async function imageBytes(trx: Transaction<Database>, lgCode: string, postId: string, imageId: string) {
  return trx
    .selectFrom('post_images')
    .select(['bytes', 'thumbnail', 'content_type'])
    .where('lg_code', '=', lgCode)
    .where('post_id', '=', postId)
    .where('id', '=', imageId)
    .executeTakeFirst();
}

// Reading published posts (public or person scope: row-level security decides what is visible).

/** Columns of a post as the public pages show it, with its government and activity facts. */
const visibleColumns = sql`
  p.lg_code, p.id, p.kind, p.category, p.audience, p.title, p.summary, p.body, p.place_name, p.place_address,
  p.starts_at, p.ends_at, p.tags, p.published_at, p.organisation_id, p.project_id,
  g.name as government_name, g.kind as government_kind, pf.name as prefecture_name,
  ob.name as organisation_name, pr.title as project_title,
  coalesce(pr.designation = 'designated'
           or (pr.designation = 'inherit' and o.designated and o.status = 'approved'), false) as designated,
  false as open_capacity`;

/** Joins for `visibleColumns`: the master for names, and the project and organisation behind a call for help. */
const visibleJoins = sql`
  join local_governments g on g.lg_code = p.lg_code
  join prefectures pf on pf.prefecture_code = p.prefecture_code
  left join organisations ob on ob.lg_code = p.lg_code and ob.id = p.organisation_id
  left join projects pr on pr.lg_code = p.lg_code and pr.id = p.project_id
  left join organisations o on o.lg_code = pr.lg_code and o.id = pr.organisation_id`;

export interface VisiblePostRow {
  lg_code: string;
  id: string;
  kind: PostKind;
  category: ProjectCategory | null;
  audience: 'public' | 'registrants';
  title: string;
  summary: string;
  body: string;
  place_name: string;
  place_address: string;
  starts_at: Date | null;
  ends_at: Date | null;
  tags: string[];
  published_at: Date;
  organisation_id: string | null;
  project_id: string | null;
  government_name: string;
  government_kind: string;
  prefecture_name: string;
  organisation_name: string | null;
  project_title: string | null;
  designated: boolean;
  open_capacity: boolean;
}

export async function findVisiblePost(trx: Transaction<Database>, lgCode: string, id: string) {
  const result = await sql<VisiblePostRow>`
    select ${visibleColumns}
    from posts p ${visibleJoins}
    where p.lg_code = ${lgCode} and p.id = ${id} and p.status = 'published'`.execute(trx);
  return (await withOpenCapacity(trx, result.rows))[0];
}

/**
 * Sets `open_capacity` on result rows: a session of the row's project still takes applications. Asked
 * for the page's projects only, by index: in the select list the planner hashed every session in the
 * country for each search (measured: 20 ms at 7,000 sessions, growing with them).
 */
async function withOpenCapacity<T extends Pick<VisiblePostRow, 'lg_code' | 'project_id' | 'open_capacity'>>(
  trx: Transaction<Database>,
  rows: T[],
): Promise<T[]> {
  const projects = rows.filter((row) => row.project_id !== null);
  if (projects.length === 0) return rows;
  const open = await sql<{ lg_code: string; project_id: string }>`
    select distinct s.lg_code, s.project_id
    from activity_sessions s
      join unnest(${projects.map((row) => row.lg_code)}::char(6)[], ${projects.map((row) => row.project_id)}::uuid[])
        as u(lg_code, project_id) on s.lg_code = u.lg_code and s.project_id = u.project_id
    where s.status = 'open' and s.ends_at > now() and (s.capacity is null or s.confirmed_count < s.capacity)`.execute(
    trx,
  );
  const keys = new Set(open.rows.map((row) => `${row.lg_code}/${row.project_id}`));
  return rows.map((row) => ({ ...row, open_capacity: keys.has(`${row.lg_code}/${row.project_id}`) }));
}

export type SearchSort = 'relevance' | 'newest' | 'upcoming';

export interface SearchFilters {
  terms: SearchTerm[];
  prefectureCode?: string;
  lgCode?: string;
  /** Several governments (a person's feed). */
  lgCodes?: string[];
  kind?: PostKind;
  category?: ProjectCategory;
  tag?: string;
  /** Happens within [from, to) (instants). */
  from?: Date;
  to?: Date;
  designated?: boolean;
  openCapacity?: boolean;
  publishedAfter?: Date;
  publishedUntil?: Date;
  sort: SearchSort;
  limit: number;
  offset: number;
}

/** The WHERE conditions of a search; `p` is `posts` (with its status) or the `post_search` projection. */
function conditionsOf(filters: SearchFilters, source: 'posts' | 'index'): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = source === 'posts' ? [sql`p.status = 'published'`] : [];
  for (const term of filters.terms) {
    conditions.push(
      sql`(${sql.join(
        term.alternatives.map(
          (alternative) =>
            sql`(p.search_tokens @> ${alternative.tokens}::text[] and strpos(p.search_text, ${alternative.text}) > 0)`,
        ),
        sql` or `,
      )})`,
    );
  }
  if (filters.prefectureCode) conditions.push(sql`p.prefecture_code = ${filters.prefectureCode}`);
  if (filters.lgCode) conditions.push(sql`p.lg_code = ${filters.lgCode}`);
  if (filters.lgCodes) conditions.push(sql`p.lg_code = any(${filters.lgCodes}::char(6)[])`);
  if (filters.kind) conditions.push(sql`p.kind = ${filters.kind}`);
  if (filters.category) conditions.push(sql`p.category = ${filters.category}`);
  if (filters.tag) conditions.push(sql`p.tags @> array[${filters.tag}]::text[]`);
  if (filters.from) conditions.push(sql`coalesce(p.ends_at, p.starts_at) >= ${filters.from}`);
  if (filters.to) conditions.push(sql`p.starts_at < ${filters.to}`);
  if (filters.designated) {
    conditions.push(
      sql`p.kind = 'recruitment' and (pr.designation = 'designated' or (pr.designation = 'inherit' and o.designated and o.status = 'approved'))`,
    );
  }
  if (filters.openCapacity) {
    conditions.push(sql`exists (
      select 1 from activity_sessions s
      where s.lg_code = p.lg_code and s.project_id = p.project_id and s.status = 'open' and s.ends_at > now()
        and (s.capacity is null or s.confirmed_count < s.capacity))`);
  }
  if (filters.publishedAfter) conditions.push(sql`p.published_at > ${filters.publishedAfter}`);
  if (filters.publishedUntil) conditions.push(sql`p.published_at <= ${filters.publishedUntil}`);
  if (filters.sort === 'upcoming') conditions.push(sql`coalesce(p.ends_at, p.starts_at) >= now()`);
  return conditions;
}

/** How well a post matches: per term, 3 when the title has it, 1 when only the rest does. */
function rankOf(terms: SearchTerm[]): RawBuilder<number> {
  if (terms.length === 0) return sql<number>`0`;
  return sql<number>`(${sql.join(
    terms.map(
      (term) =>
        sql`greatest(${sql.join(
          term.alternatives.map(
            (alternative) =>
              sql`case when strpos(p.search_title, ${alternative.text}) > 0 then 3 when strpos(p.search_text, ${alternative.text}) > 0 then 1 else 0 end`,
          ),
          sql`, `,
        )})`,
    ),
    sql` + `,
  )})`;
}

export async function searchVisiblePosts(
  trx: Transaction<Database>,
  filters: SearchFilters,
): Promise<Array<VisiblePostRow & { rank: number; total: string }>> {
  const where = sql.join(conditionsOf(filters, 'posts'), sql` and `);
  const order =
    filters.sort === 'relevance'
      ? sql`rank desc, p.published_at desc, p.id desc`
      : filters.sort === 'upcoming'
        ? sql`p.starts_at asc, p.id asc`
        : sql`p.published_at desc, p.id desc`;
  const result = await sql<VisiblePostRow & { rank: number; total: string }>`
    select ${visibleColumns}, ${rankOf(filters.terms)} as rank, count(*) over () as total
    from posts p ${visibleJoins}
    where ${where}
    order by ${order}
    limit ${filters.limit} offset ${filters.offset}`.execute(trx);
  return withOpenCapacity(trx, result.rows);
}

/** Columns of a result card from the `post_search` projection (same names as `visibleColumns`). */
const indexColumns = sql`
  p.lg_code, p.id, p.kind, p.category, 'public' as audience, p.title, p.summary, '' as body, p.place_name,
  '' as place_address, p.starts_at, p.ends_at, p.tags, p.published_at, p.organisation_id, p.project_id,
  g.name as government_name, g.kind as government_kind, pf.name as prefecture_name,
  p.organisation_name, null::text as project_title, p.thumbnail_id, p.thumbnail_alt,
  coalesce(pr.designation = 'designated'
           or (pr.designation = 'inherit' and o.designated and o.status = 'approved'), false) as designated,
  false as open_capacity`;

const activityJoins = sql`
  left join projects pr on pr.lg_code = p.lg_code and pr.id = p.project_id
  left join organisations o on o.lg_code = pr.lg_code and o.id = pr.organisation_id`;

/** A count stops here: 「10,000件以上」 is as useful as the exact number and costs far less. */
export const countCap = 10_000;

export type IndexRow = VisiblePostRow & { rank: number; thumbnail_id: string | null; thumbnail_alt: string | null };

/**
 * The nationwide search over the public projection `post_search`: the page of results, and the number
 * of matches up to `countCap` + 1.
 */
export async function searchIndex(
  trx: Transaction<Database>,
  filters: SearchFilters,
): Promise<{ rows: IndexRow[]; total: number }> {
  const where = conditionsOf(filters, 'index');
  const whereClause = where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``;
  const order =
    filters.sort === 'relevance'
      ? sql`rank desc, p.published_at desc, p.id desc`
      : filters.sort === 'upcoming'
        ? sql`p.starts_at asc, p.id asc`
        : sql`p.published_at desc, p.id desc`;
  const rows = await sql<IndexRow>`
    select ${indexColumns}, ${rankOf(filters.terms)} as rank
    from post_search p
      join local_governments g on g.lg_code = p.lg_code
      join prefectures pf on pf.prefecture_code = p.prefecture_code
      ${activityJoins}
    ${whereClause}
    order by ${order}
    limit ${filters.limit} offset ${filters.offset}`.execute(trx);
  const needsActivity = filters.designated === true;
  const counted = await sql<{ total: string }>`
    select count(*) as total from (
      select 1 from post_search p ${needsActivity ? activityJoins : sql``}
      ${whereClause}
      limit ${countCap + 1}) matches`.execute(trx);
  return { rows: await withOpenCapacity(trx, rows.rows), total: Number(counted.rows[0]?.total ?? 0) };
}

/**
 * Puts a post's entry in the public projection in step with the post, in the post's own transaction:
 * present exactly while the post is published for everyone.
 */
export async function syncSearchEntry(scope: TenantScope, postId: string): Promise<void> {
  await scope.trx.deleteFrom('post_search').where(ownedBy(scope)).where('id', '=', postId).execute();
  await sql`
    insert into post_search (lg_code, id, prefecture_code, organisation_id, organisation_name, project_id, kind,
                             category, title, summary, place_name, starts_at, ends_at, tags, published_at,
                             thumbnail_id, thumbnail_alt, search_title, search_text, search_tokens)
    select p.lg_code, p.id, p.prefecture_code, p.organisation_id, o.name, p.project_id, p.kind, p.category, p.title,
           case when p.summary <> '' then p.summary
                when length(p.body) > 120 then left(regexp_replace(p.body, '\s+', ' ', 'g'), 119) || '…'
                else regexp_replace(p.body, '\s+', ' ', 'g') end,
           p.place_name, p.starts_at, p.ends_at, p.tags, p.published_at, i.id, i.alt_text,
           p.search_title, p.search_text, p.search_tokens
    from posts p
      left join organisations o on o.lg_code = p.lg_code and o.id = p.organisation_id
      left join lateral (select id, alt_text from post_images
                         where lg_code = p.lg_code and post_id = p.id
                         order by position, created_at limit 1) i on true
    where p.lg_code = ${scope.lgCode} and p.id = ${postId} and p.status = 'published' and p.audience = 'public'`.execute(
    scope.trx,
  );
}

// Fan-out of a new post to the government's registrants.

export async function registrantsAfter(scope: TenantScope, after: string | undefined, limit: number) {
  let query = scope.trx
    .selectFrom('registrations')
    .select(['id', 'person_id'])
    .where(ownedBy(scope))
    .where('status', '=', 'active')
    .orderBy('id')
    .limit(limit);
  if (after) query = query.where('id', '>', after);
  return query.execute();
}

export async function governmentName(db: Kysely<Database>, lgCode: string): Promise<string> {
  const row = await db
    .selectFrom('local_governments as g')
    .innerJoin('prefectures as pf', 'pf.prefecture_code', 'g.prefecture_code')
    .select(['g.name', 'g.kind', 'pf.name as prefecture_name'])
    .where('g.lg_code', '=', lgCode)
    .executeTakeFirst();
  if (!row) return lgCode;
  return row.kind === 'prefecture' ? row.name : `${row.prefecture_name}${row.name}`;
}

/** The governments a person is registered with now (person scope). */
export async function myGovernments(trx: Transaction<Database>, personId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('registrations')
    .select('lg_code')
    .where('person_id', '=', personId)
    .where('status', '=', 'active')
    .execute();
  return rows.map((row) => row.lg_code);
}

// Saved searches.

export async function listSavedSearches(db: Kysely<Database>, personId: string): Promise<SavedSearchRow[]> {
  return db.selectFrom('saved_searches').selectAll().where('person_id', '=', personId).orderBy('created_at').execute();
}

export async function countSavedSearches(db: Kysely<Database>, personId: string): Promise<number> {
  const row = await db
    .selectFrom('saved_searches')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('person_id', '=', personId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function insertSavedSearch(db: Kysely<Database>, values: Insertable<Database['saved_searches']>) {
  return db.insertInto('saved_searches').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function updateSavedSearch(
  db: Kysely<Database>,
  personId: string,
  id: string,
  values: Updateable<Database['saved_searches']>,
) {
  return db
    .updateTable('saved_searches')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where('person_id', '=', personId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteSavedSearch(db: Kysely<Database>, personId: string, id: string): Promise<number> {
  const result = await db
    .deleteFrom('saved_searches')
    .where('person_id', '=', personId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Saved searches to check, oldest check first, after `after` (id) for paging within one run. */
export async function dueSavedSearches(db: Kysely<Database>, options: { before: Date; limit: number; after?: string }) {
  let query = db
    .selectFrom('saved_searches')
    .selectAll()
    .where('notify', '=', true)
    .where('checked_until', '<', options.before)
    .orderBy('id')
    .limit(options.limit);
  if (options.after) query = query.where('id', '>', options.after);
  return query.execute();
}

export async function markSavedSearchChecked(trx: Transaction<Database>, id: string, until: Date): Promise<void> {
  await trx
    .updateTable('saved_searches')
    .set({ checked_until: until })
    .where('id', '=', id)
    .where('checked_until', '<', until)
    .execute();
}
