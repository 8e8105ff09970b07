import { sql, type Insertable, type Transaction, type Updateable } from 'kysely';
import type {
  Database,
  RoomBansTable,
  RoomMemberRow,
  RoomPostsTable,
  RoomReactionKind,
  RoomReportsTable,
  RoomThreadsTable,
  RoomsTable,
} from '../../platform/db/schema.js';
import { ownedBy, type TenantScope } from '../../platform/db/tenant-scope.js';

/** All SQL of community rooms. The projects table (activities) is read here, never written. */

const roomColumns = [
  'r.lg_code',
  'r.id',
  'r.project_id',
  'r.name',
  'r.description',
  'r.status',
  'r.created_at',
  'r.archived_at',
  'p.title as project_title',
  'p.organisation_id as project_organisation_id',
] as const;

export async function findRoom(scope: TenantScope, roomId: string) {
  return scope.trx
    .selectFrom('rooms as r')
    .leftJoin('projects as p', (join) => join.onRef('p.lg_code', '=', 'r.lg_code').onRef('p.id', '=', 'r.project_id'))
    .select(roomColumns)
    .where(ownedBy(scope, 'r'))
    .where('r.id', '=', roomId)
    .executeTakeFirst();
}
export type RoomRecord = NonNullable<Awaited<ReturnType<typeof findRoom>>>;

export async function lockRoom(scope: TenantScope, roomId: string) {
  return scope.trx
    .selectFrom('rooms')
    .selectAll()
    .where(ownedBy(scope))
    .where('id', '=', roomId)
    .forUpdate()
    .executeTakeFirst();
}

/** The government's rooms with open report counts, its own rooms first, then by project. */
export async function listRooms(scope: TenantScope) {
  return scope.trx
    .selectFrom('rooms as r')
    .leftJoin('projects as p', (join) => join.onRef('p.lg_code', '=', 'r.lg_code').onRef('p.id', '=', 'r.project_id'))
    .select(roomColumns)
    .select((eb) => [
      eb
        .selectFrom('room_reports as rep')
        .select((inner) => inner.fn.countAll<string>().as('count'))
        .whereRef('rep.lg_code', '=', 'r.lg_code')
        .whereRef('rep.room_id', '=', 'r.id')
        .where('rep.status', '=', 'open')
        .as('open_reports'),
      eb
        .selectFrom('room_threads as t')
        .select((inner) => inner.fn.countAll<string>().as('count'))
        .whereRef('t.lg_code', '=', 'r.lg_code')
        .whereRef('t.room_id', '=', 'r.id')
        .as('thread_count'),
    ])
    .where(ownedBy(scope, 'r'))
    .orderBy(sql`r.project_id is not null`)
    .orderBy('r.created_at')
    .execute();
}

export async function insertRoom(scope: TenantScope, values: Omit<Insertable<RoomsTable>, 'lg_code'>) {
  return scope.trx
    .insertInto('rooms')
    .values({ ...values, lg_code: scope.lgCode })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateRoom(scope: TenantScope, roomId: string, values: Updateable<RoomsTable>) {
  await scope.trx
    .updateTable('rooms')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where(ownedBy(scope))
    .where('id', '=', roomId)
    .execute();
}

export async function findRoomOfProject(scope: TenantScope, projectId: string) {
  return scope.trx
    .selectFrom('rooms')
    .select('id')
    .where(ownedBy(scope))
    .where('project_id', '=', projectId)
    .executeTakeFirst();
}

export async function findProject(scope: TenantScope, projectId: string) {
  return scope.trx
    .selectFrom('projects')
    .select(['id', 'title', 'status', 'organisation_id'])
    .where(ownedBy(scope))
    .where('id', '=', projectId)
    .executeTakeFirst();
}

/** Published projects without a room, for the "open a room" choice (of one organisation, when given). */
export async function listProjectsWithoutRoom(scope: TenantScope, organisationId?: string) {
  let query = scope.trx
    .selectFrom('projects as p')
    .select(['p.id', 'p.title'])
    .where(ownedBy(scope, 'p'))
    .where('p.status', '=', 'published')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('rooms as r')
            .select('r.id')
            .whereRef('r.lg_code', '=', 'p.lg_code')
            .whereRef('r.project_id', '=', 'p.id'),
        ),
      ),
    );
  if (organisationId) query = query.where('p.organisation_id', '=', organisationId);
  return query.orderBy('p.title').limit(200).execute();
}

export async function isActiveRegistrant(scope: TenantScope, personId: string): Promise<boolean> {
  const row = await scope.trx
    .selectFrom('registrations')
    .select('id')
    .where(ownedBy(scope))
    .where('person_id', '=', personId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return row !== undefined;
}

// Members (how people appear in the rooms).

export async function findMemberOfPerson(scope: TenantScope, personId: string): Promise<RoomMemberRow | undefined> {
  return scope.trx
    .selectFrom('room_members')
    .selectAll()
    .where(ownedBy(scope))
    .where('person_id', '=', personId)
    .executeTakeFirst();
}

export async function findMember(scope: TenantScope, memberId: string): Promise<RoomMemberRow | undefined> {
  return scope.trx
    .selectFrom('room_members')
    .selectAll()
    .where(ownedBy(scope))
    .where('id', '=', memberId)
    .executeTakeFirst();
}

export async function findMemberByHandle(scope: TenantScope, handle: string) {
  return scope.trx
    .selectFrom('room_members')
    .select(['id', 'person_id'])
    .where(ownedBy(scope))
    .where(sql<boolean>`lower(handle) = ${handle.toLowerCase()}`)
    .executeTakeFirst();
}

export async function insertMember(
  scope: TenantScope,
  values: { id: string; person_id: string; handle: string; display_name: string },
): Promise<RoomMemberRow> {
  return scope.trx
    .insertInto('room_members')
    .values({ ...values, lg_code: scope.lgCode })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateMember(
  scope: TenantScope,
  memberId: string,
  values: { handle: string; display_name: string },
): Promise<RoomMemberRow> {
  return scope.trx
    .updateTable('room_members')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where(ownedBy(scope))
    .where('id', '=', memberId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Of the mentioned handles, the people who can read the room: active registrants of the government, and
 * its administrators and staff (organisation staff only in their organisation's project room).
 */
export async function mentionablePeople(
  scope: TenantScope,
  handles: readonly string[],
  room: { projectOrganisationId: string | null },
) {
  if (handles.length === 0) return [];
  const result = await sql<{ person_id: string; handle: string }>`
    select m.person_id, m.handle
    from room_members m
    where m.lg_code = ${scope.lgCode}
      and lower(m.handle) in (${sql.join(handles.map((handle) => sql`${handle}`))})
      and (
        exists (select 1 from registrations g
                where g.lg_code = m.lg_code and g.person_id = m.person_id and g.status = 'active')
        or exists (select 1 from staff_memberships s
                   where s.lg_code = m.lg_code and s.person_id = m.person_id and s.status = 'active'
                     and (s.role in ('tenant_admin', 'tenant_staff')
                          or (s.organisation_id is not null
                              and s.organisation_id = ${room.projectOrganisationId})))
      )`.execute(scope.trx);
  return result.rows;
}

// Threads and posts.

const threadColumns = [
  't.id',
  't.room_id',
  't.title',
  't.status',
  't.locked_at',
  't.hidden_reason',
  't.created_at',
  't.last_posted_at',
  't.post_count',
  't.author_role',
  't.author_member_id',
  'm.handle as author_handle',
  'm.display_name as author_name',
] as const;

export async function listThreads(
  scope: TenantScope,
  options: { roomId: string; includeHidden: boolean; before?: { at: Date; id: string }; limit: number },
) {
  let query = scope.trx
    .selectFrom('room_threads as t')
    .innerJoin('room_members as m', (join) =>
      join.onRef('m.lg_code', '=', 't.lg_code').onRef('m.id', '=', 't.author_member_id'),
    )
    .select(threadColumns)
    .where(ownedBy(scope, 't'))
    .where('t.room_id', '=', options.roomId);
  if (!options.includeHidden) query = query.where('t.status', '=', 'visible');
  if (options.before) {
    const before = options.before;
    query = query.where((eb) =>
      eb.or([
        eb('t.last_posted_at', '<', before.at),
        eb.and([eb('t.last_posted_at', '=', before.at), eb('t.id', '<', before.id)]),
      ]),
    );
  }
  return query.orderBy('t.last_posted_at', 'desc').orderBy('t.id', 'desc').limit(options.limit).execute();
}

export async function findThread(scope: TenantScope, roomId: string, threadId: string) {
  return scope.trx
    .selectFrom('room_threads as t')
    .innerJoin('room_members as m', (join) =>
      join.onRef('m.lg_code', '=', 't.lg_code').onRef('m.id', '=', 't.author_member_id'),
    )
    .select(threadColumns)
    .where(ownedBy(scope, 't'))
    .where('t.room_id', '=', roomId)
    .where('t.id', '=', threadId)
    .executeTakeFirst();
}
export type ThreadRecord = NonNullable<Awaited<ReturnType<typeof findThread>>>;

export async function lockThread(scope: TenantScope, roomId: string, threadId: string) {
  return scope.trx
    .selectFrom('room_threads')
    .selectAll()
    .where(ownedBy(scope))
    .where('room_id', '=', roomId)
    .where('id', '=', threadId)
    .forUpdate()
    .executeTakeFirst();
}

export async function insertThread(scope: TenantScope, values: Omit<Insertable<RoomThreadsTable>, 'lg_code'>) {
  await scope.trx
    .insertInto('room_threads')
    .values({ ...values, lg_code: scope.lgCode })
    .execute();
}

export async function updateThread(
  scope: TenantScope,
  threadId: string,
  values: Omit<Updateable<RoomThreadsTable>, 'lg_code' | 'id'>,
) {
  await scope.trx.updateTable('room_threads').set(values).where(ownedBy(scope)).where('id', '=', threadId).execute();
}

/** A reply moves the thread to the top and counts it. */
export async function touchThread(scope: TenantScope, threadId: string) {
  await scope.trx
    .updateTable('room_threads')
    .set((eb) => ({ last_posted_at: sql<Date>`now()`, post_count: eb('post_count', '+', 1) }))
    .where(ownedBy(scope))
    .where('id', '=', threadId)
    .execute();
}

export async function insertPost(scope: TenantScope, values: Omit<Insertable<RoomPostsTable>, 'lg_code'>) {
  await scope.trx
    .insertInto('room_posts')
    .values({ ...values, lg_code: scope.lgCode })
    .execute();
}

export async function listPosts(scope: TenantScope, threadId: string, limit: number) {
  return scope.trx
    .selectFrom('room_posts as p')
    .innerJoin('room_members as m', (join) =>
      join.onRef('m.lg_code', '=', 'p.lg_code').onRef('m.id', '=', 'p.author_member_id'),
    )
    .select([
      'p.id',
      'p.thread_id',
      'p.body',
      'p.status',
      'p.hidden_reason',
      'p.created_at',
      'p.author_role',
      'p.author_member_id',
      'm.handle as author_handle',
      'm.display_name as author_name',
    ])
    .where(ownedBy(scope, 'p'))
    .where('p.thread_id', '=', threadId)
    .orderBy('p.created_at')
    .orderBy('p.id')
    .limit(limit)
    .execute();
}

export async function findPost(scope: TenantScope, roomId: string, postId: string) {
  return scope.trx
    .selectFrom('room_posts as p')
    .innerJoin('room_members as m', (join) =>
      join.onRef('m.lg_code', '=', 'p.lg_code').onRef('m.id', '=', 'p.author_member_id'),
    )
    .select([
      'p.id',
      'p.room_id',
      'p.thread_id',
      'p.body',
      'p.status',
      'p.created_at',
      'p.author_member_id',
      'm.person_id as author_person_id',
      'm.display_name as author_name',
    ])
    .where(ownedBy(scope, 'p'))
    .where('p.room_id', '=', roomId)
    .where('p.id', '=', postId)
    .forUpdate('p')
    .executeTakeFirst();
}

export async function updatePost(
  scope: TenantScope,
  postId: string,
  values: Omit<Updateable<RoomPostsTable>, 'lg_code' | 'id'>,
) {
  await scope.trx.updateTable('room_posts').set(values).where(ownedBy(scope)).where('id', '=', postId).execute();
}

// Reactions.

export async function reactionCounts(scope: TenantScope, postIds: readonly string[], memberId: string | undefined) {
  if (postIds.length === 0) return [];
  const result = await sql<{ post_id: string; kind: RoomReactionKind; count: string; mine: boolean }>`
    select post_id, kind, count(*) as count,
           coalesce(bool_or(member_id = ${memberId ?? null}::uuid), false) as mine
    from room_reactions
    where lg_code = ${scope.lgCode} and post_id in (${sql.join(postIds.map((id) => sql`${id}::uuid`))})
    group by post_id, kind`.execute(scope.trx);
  return result.rows.map((row) => ({ ...row, count: Number(row.count) }));
}

export async function addReaction(scope: TenantScope, postId: string, memberId: string, kind: RoomReactionKind) {
  await scope.trx
    .insertInto('room_reactions')
    .values({ lg_code: scope.lgCode, post_id: postId, member_id: memberId, kind })
    .onConflict((conflict) => conflict.columns(['lg_code', 'post_id', 'member_id', 'kind']).doNothing())
    .execute();
}

export async function removeReaction(scope: TenantScope, postId: string, memberId: string, kind: RoomReactionKind) {
  await scope.trx
    .deleteFrom('room_reactions')
    .where(ownedBy(scope))
    .where('post_id', '=', postId)
    .where('member_id', '=', memberId)
    .where('kind', '=', kind)
    .execute();
}

// Reports.

export async function insertReport(scope: TenantScope, values: Omit<Insertable<RoomReportsTable>, 'lg_code'>) {
  await scope.trx
    .insertInto('room_reports')
    .values({ ...values, lg_code: scope.lgCode })
    .execute();
}

export async function findReport(scope: TenantScope, reportId: string) {
  return scope.trx
    .selectFrom('room_reports')
    .selectAll()
    .where(ownedBy(scope))
    .where('id', '=', reportId)
    .forUpdate()
    .executeTakeFirst();
}

/** Resolves every open report of a post; returns the reporters (their members' persons) to tell. */
export async function resolveReportsOfPost(
  scope: TenantScope,
  postId: string,
  values: { outcome: 'hidden' | 'banned' | 'no_action'; resolvedBy: string },
) {
  const reports = await scope.trx
    .updateTable('room_reports')
    .set({ status: 'resolved', resolved_at: sql<Date>`now()`, resolved_by: values.resolvedBy, outcome: values.outcome })
    .where(ownedBy(scope))
    .where('post_id', '=', postId)
    .where('status', '=', 'open')
    .returning(['id', 'reporter_member_id'])
    .execute();
  if (reports.length === 0) return [];
  const members = await scope.trx
    .selectFrom('room_members')
    .select(['id', 'person_id'])
    .where(ownedBy(scope))
    .where(
      'id',
      'in',
      reports.map((report) => report.reporter_member_id),
    )
    .execute();
  return reports.map((report) => ({
    reportId: report.id,
    personId: members.find((member) => member.id === report.reporter_member_id)?.person_id,
  }));
}

/** Open reports, one line per post, oldest first, for the rooms given. */
export async function listOpenReports(scope: TenantScope, roomIds: readonly string[]) {
  if (roomIds.length === 0) return [];
  return scope.trx
    .selectFrom('room_reports as rep')
    .innerJoin('room_posts as p', (join) =>
      join.onRef('p.lg_code', '=', 'rep.lg_code').onRef('p.id', '=', 'rep.post_id'),
    )
    .innerJoin('room_members as author', (join) =>
      join.onRef('author.lg_code', '=', 'p.lg_code').onRef('author.id', '=', 'p.author_member_id'),
    )
    .innerJoin('rooms as r', (join) => join.onRef('r.lg_code', '=', 'rep.lg_code').onRef('r.id', '=', 'rep.room_id'))
    .select([
      'rep.id',
      'rep.room_id',
      'rep.thread_id',
      'rep.post_id',
      'rep.reason',
      'rep.note',
      'rep.created_at',
      'p.body',
      'p.status as post_status',
      'author.id as author_member_id',
      'author.handle as author_handle',
      'author.display_name as author_name',
      'r.name as room_name',
    ])
    .where(ownedBy(scope, 'rep'))
    .where('rep.status', '=', 'open')
    .where('rep.room_id', 'in', [...roomIds])
    .orderBy('rep.created_at')
    .limit(500)
    .execute();
}

// Bans.

export async function findActiveBan(scope: TenantScope, roomId: string, memberId: string) {
  return scope.trx
    .selectFrom('room_bans')
    .selectAll()
    .where(ownedBy(scope))
    .where('room_id', '=', roomId)
    .where('member_id', '=', memberId)
    .where('lifted_at', 'is', null)
    .executeTakeFirst();
}

export async function insertBan(scope: TenantScope, values: Omit<Insertable<RoomBansTable>, 'lg_code'>) {
  await scope.trx
    .insertInto('room_bans')
    .values({ ...values, lg_code: scope.lgCode })
    .execute();
}

export async function liftBan(scope: TenantScope, banId: string, liftedBy: string) {
  return scope.trx
    .updateTable('room_bans')
    .set({ lifted_at: sql<Date>`now()`, lifted_by: liftedBy })
    .where(ownedBy(scope))
    .where('id', '=', banId)
    .where('lifted_at', 'is', null)
    .returning(['id', 'room_id', 'member_id'])
    .executeTakeFirst();
}

export async function listActiveBans(scope: TenantScope, roomIds: readonly string[]) {
  if (roomIds.length === 0) return [];
  return scope.trx
    .selectFrom('room_bans as b')
    .innerJoin('room_members as m', (join) =>
      join.onRef('m.lg_code', '=', 'b.lg_code').onRef('m.id', '=', 'b.member_id'),
    )
    .select(['b.id', 'b.room_id', 'b.reason', 'b.banned_at', 'm.id as member_id', 'm.handle', 'm.display_name'])
    .where(ownedBy(scope, 'b'))
    .where('b.lifted_at', 'is', null)
    .where('b.room_id', 'in', [...roomIds])
    .orderBy('b.banned_at', 'desc')
    .execute();
}

// The person's own scope.

/** Rooms of the governments the person is registered with (row-level security shows only those). */
export async function listRoomsForPerson(trx: Transaction<Database>) {
  return trx
    .selectFrom('rooms as r')
    .leftJoin('projects as p', (join) => join.onRef('p.lg_code', '=', 'r.lg_code').onRef('p.id', '=', 'r.project_id'))
    .select([
      'r.lg_code',
      'r.id',
      'r.name',
      'r.description',
      'r.status',
      'r.project_id',
      'p.title as project_title',
      sql<Date | null>`(select max(t.last_posted_at) from room_threads t
                         where t.lg_code = r.lg_code and t.room_id = r.id)`.as('last_posted_at'),
    ])
    .orderBy('r.lg_code')
    .orderBy(sql`r.project_id is not null`)
    .orderBy('r.created_at')
    .execute();
}

export async function listMembersOfPerson(trx: Transaction<Database>, personId: string) {
  return trx.selectFrom('room_members').selectAll().where('person_id', '=', personId).execute();
}

export async function listPostsOfMember(scope: TenantScope, memberId: string) {
  return scope.trx
    .selectFrom('room_posts')
    .select(['id', 'room_id', 'thread_id', 'body', 'status', 'created_at'])
    .where(ownedBy(scope))
    .where('author_member_id', '=', memberId)
    .orderBy('created_at')
    .execute();
}

/** Account deletion: the person's posts lose their text, their name in the rooms goes. */
export async function eraseMember(scope: TenantScope, memberId: string) {
  await scope.trx
    .updateTable('room_posts')
    .set({ body: '', status: 'deleted', deleted_at: sql<Date>`coalesce(deleted_at, now())`, hidden_at: null })
    .where(ownedBy(scope))
    .where('author_member_id', '=', memberId)
    .execute();
  await scope.trx
    .updateTable('room_threads')
    .set({ title: '（削除されたスレッド）' })
    .where(ownedBy(scope))
    .where('author_member_id', '=', memberId)
    .execute();
  await scope.trx
    .updateTable('room_members')
    .set({ display_name: '退会したユーザー', handle: sql<string>`'deleted_' || substr(md5(id::text), 1, 12)` })
    .where(ownedBy(scope))
    .where('id', '=', memberId)
    .execute();
}
