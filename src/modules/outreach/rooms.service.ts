import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { recordAuditEvent, type Actor } from '../../platform/audit.js';
import { consumeRateLimit } from '../../platform/auth/rate-limit.js';
import type { Database, RoomReactionKind, RoomReportReason } from '../../platform/db/schema.js';
import { withPerson, withTenant, type TenantScope } from '../../platform/db/tenant-scope.js';
import { AppError, parseInput } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import {
  accessOf,
  mayEnterRoom,
  mayManageRooms,
  mayModerateSomeRoom,
  mentionedHandles,
  moderatesRoom,
  type RoomAccess,
} from './rooms.policy.js';
import * as repository from './rooms.repository.js';
import { tellPeople, tellPerson } from './rooms.notify.js';

/**
 * Community rooms (オンラインコミュニティルーム): a government's rooms and its projects' rooms, where its
 * registrants and staff talk in threads. Every use case opens the government's tenant scope, finds out who
 * the person is there (registrant, staff who moderate this room), and answers 404 to anyone else, so a room
 * of another government, or of a government one is not registered with, does not exist for them.
 */

const uuid = z.uuid();
const idOrNotFound = (id: string) => {
  if (!uuid.safeParse(id).success) throw new AppError('not_found');
  return id;
};

export const reactionKinds = ['like', 'thanks', 'cheer'] as const satisfies readonly RoomReactionKind[];
export const reactionLabels: Record<RoomReactionKind, Localized & { symbol: string }> = {
  like: { symbol: '👍', ja: 'いいね', en: 'Like' },
  thanks: { symbol: '🙏', ja: 'ありがとう', en: 'Thanks' },
  cheer: { symbol: '🎉', ja: 'おうえん', en: 'Cheer' },
};

export const reportReasons = [
  'spam',
  'harassment',
  'personal_info',
  'inappropriate',
  'other',
] as const satisfies readonly RoomReportReason[];
export const reportReasonLabels: Record<RoomReportReason, Localized> = {
  spam: { ja: '宣伝・スパム', en: 'Advertising or spam' },
  harassment: { ja: '誹謗中傷・嫌がらせ', en: 'Abuse or harassment' },
  personal_info: { ja: '個人情報が書かれている', en: 'Personal information' },
  inappropriate: { ja: '不適切な内容', en: 'Inappropriate content' },
  other: { ja: 'その他', en: 'Other' },
};

/** Posts a person may send in a window: a conversation, not a flood. */
const postRateLimit = { limit: 30, windowSeconds: 600 };

interface RoomContext {
  scope: TenantScope;
  room: repository.RoomRecord;
  access: RoomAccess;
  moderator: boolean;
  member: Awaited<ReturnType<typeof repository.findMemberOfPerson>>;
  banned: boolean;
}

/** Opens a room for the actor in the government's scope, or `not_found`. */
async function enterRoom(scope: TenantScope, actor: Actor, roomId: string): Promise<RoomContext> {
  if (!actor.id) throw new AppError('unauthenticated');
  const room = await repository.findRoom(scope, idOrNotFound(roomId));
  if (!room) throw new AppError('not_found');
  const access = accessOf(actor, scope.lgCode, await repository.isActiveRegistrant(scope, actor.id));
  const roomScope = { projectId: room.project_id, projectOrganisationId: room.project_organisation_id };
  if (!mayEnterRoom(access, roomScope)) throw new AppError('not_found');
  const member = await repository.findMemberOfPerson(scope, actor.id);
  const banned = member ? (await repository.findActiveBan(scope, room.id, member.id)) !== undefined : false;
  return { scope, room, access, moderator: moderatesRoom(access, roomScope), member, banned };
}

function inTenant<T>(db: Kysely<Database>, lgCode: string, work: (scope: TenantScope) => Promise<T>): Promise<T> {
  if (!isValidLgCode(lgCode)) throw new AppError('not_found');
  return withTenant(db, lgCode, work);
}

/** Who may write here now: a member (a name chosen), the room open, not banned (moderators always). */
function assertMayWrite(context: RoomContext): NonNullable<RoomContext['member']> {
  if (context.room.status === 'archived') throw new AppError('room_archived');
  if (!context.member) throw new AppError('room_profile_required');
  if (context.banned && !context.moderator) throw new AppError('room_banned');
  return context.member;
}

function assertModerator(context: RoomContext): void {
  // Registrants do not learn that moderation exists behind the URL: for them it is not there.
  if (!context.moderator) throw new AppError('not_found');
}

export interface RoomView {
  lgCode: string;
  id: string;
  name: string;
  description: string;
  status: 'open' | 'archived';
  project: { id: string; title: string } | null;
}

function roomView(room: repository.RoomRecord): RoomView {
  return {
    lgCode: room.lg_code,
    id: room.id,
    name: room.name,
    description: room.description,
    status: room.status,
    project: room.project_id ? { id: room.project_id, title: room.project_title ?? '' } : null,
  };
}

export interface Viewer {
  member: { id: string; handle: string; displayName: string } | null;
  moderator: boolean;
  banned: boolean;
  mayWrite: boolean;
}

function viewerOf(context: RoomContext): Viewer {
  return {
    member: context.member
      ? { id: context.member.id, handle: context.member.handle, displayName: context.member.display_name }
      : null,
    moderator: context.moderator,
    banned: context.banned,
    mayWrite: context.room.status === 'open' && (!context.banned || context.moderator),
  };
}

// ───────────── the person's name in the rooms ─────────────

export const RoomProfileInput = z.object({
  handle: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_]{2,20}$/, {
      message: 'IDは半角英数字と _ で2〜20文字にしてください / 2–20 letters, digits or _',
    }),
  displayName: z
    .string()
    .trim()
    .min(1, { message: '表示名を入力してください / enter a name' })
    .max(40, { message: '表示名は40文字以内にしてください / at most 40 characters' }),
});
export type RoomProfileInput = z.input<typeof RoomProfileInput>;

/**
 * Chooses (or changes) how the person appears in the government's rooms: a name and an @handle, unique in
 * the government. Only registrants and staff of the government have one.
 */
export async function saveRoomProfile(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  input: RoomProfileInput;
}) {
  const input = parseInput(RoomProfileInput, options.input);
  const personId = options.actor.id;
  if (!personId) throw new AppError('unauthenticated');
  try {
    return await inTenant(options.db, options.lgCode, async (scope) => {
      const access = accessOf(options.actor, scope.lgCode, await repository.isActiveRegistrant(scope, personId));
      if (!access.registrant && !access.role) throw new AppError('not_found');
      const taken = await repository.findMemberByHandle(scope, input.handle);
      if (taken && taken.person_id !== personId) throw new AppError('room_handle_taken');
      const existing = await repository.findMemberOfPerson(scope, personId);
      const values = { handle: input.handle, display_name: input.displayName };
      const member = existing
        ? await repository.updateMember(scope, existing.id, values)
        : await repository.insertMember(scope, { id: uuidv7(), person_id: personId, ...values });
      await recordAuditEvent(scope, {
        actor: options.actor,
        action: existing ? 'room.member_updated' : 'room.member_created',
        subjectType: 'room_member',
        subjectId: member.id,
      });
      return { id: member.id, handle: member.handle, displayName: member.display_name };
    });
  } catch (error) {
    // Two people choosing the same handle at once: the unique index decides.
    if ((error as { code?: string }).code === '23505') throw new AppError('room_handle_taken');
    throw error;
  }
}

/** The person's name in the government's rooms, if chosen. */
export async function getRoomProfile(options: { db: Kysely<Database>; actor: Actor; lgCode: string }) {
  const personId = options.actor.id;
  if (!personId) throw new AppError('unauthenticated');
  return inTenant(options.db, options.lgCode, async (scope) => {
    const member = await repository.findMemberOfPerson(scope, personId);
    return member ? { id: member.id, handle: member.handle, displayName: member.display_name } : null;
  });
}

// ───────────── rooms ─────────────

export interface MyRoom extends RoomView {
  governmentName: string;
  lastPostedAt: Date | null;
}

async function governmentNames(db: Kysely<Database>, lgCodes: readonly string[]): Promise<Map<string, string>> {
  if (lgCodes.length === 0) return new Map();
  const rows = await db
    .selectFrom('local_governments as lg')
    .innerJoin('prefectures as p', 'p.prefecture_code', 'lg.prefecture_code')
    .select(['lg.lg_code', 'lg.name', 'lg.kind', 'p.name as prefecture_name'])
    .where('lg.lg_code', 'in', [...lgCodes])
    .execute();
  return new Map(
    rows.map((row) => [row.lg_code, row.kind === 'prefecture' ? row.name : `${row.prefecture_name}${row.name}`]),
  );
}

/** The rooms of every government the person is registered with. */
export async function listMyRooms(options: { db: Kysely<Database>; personId: string }): Promise<MyRoom[]> {
  const rows = await withPerson(options.db, options.personId, (trx) => repository.listRoomsForPerson(trx));
  const names = await governmentNames(options.db, [...new Set(rows.map((row) => row.lg_code))]);
  return rows.map((row) => ({
    lgCode: row.lg_code,
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    project: row.project_id ? { id: row.project_id, title: row.project_title ?? '' } : null,
    governmentName: names.get(row.lg_code) ?? row.lg_code,
    lastPostedAt: row.last_posted_at ? new Date(row.last_posted_at) : null,
  }));
}

export interface ThreadSummary {
  id: string;
  title: string;
  hidden: boolean;
  locked: boolean;
  postCount: number;
  lastPostedAt: Date;
  createdAt: Date;
  author: { memberId: string; handle: string; displayName: string; staff: boolean };
}

function threadSummary(row: repository.ThreadRecord): ThreadSummary {
  return {
    id: row.id,
    title: row.title,
    hidden: row.status === 'hidden',
    locked: row.locked_at !== null,
    postCount: row.post_count,
    lastPostedAt: row.last_posted_at,
    createdAt: row.created_at,
    author: {
      memberId: row.author_member_id,
      handle: row.author_handle,
      displayName: row.author_name,
      staff: row.author_role === 'staff',
    },
  };
}

const threadsPerPage = 30;

/** A room and a page of its threads, latest activity first (moderators also see hidden ones). */
export async function getRoom(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  roomId: string;
  cursor?: string;
}) {
  const before = options.cursor ? decodeCursor(options.cursor) : undefined;
  return inTenant(options.db, options.lgCode, async (scope) => {
    const context = await enterRoom(scope, options.actor, options.roomId);
    const rows = await repository.listThreads(scope, {
      roomId: context.room.id,
      includeHidden: context.moderator,
      limit: threadsPerPage + 1,
      ...(before ? { before } : {}),
    });
    const page = rows.slice(0, threadsPerPage);
    const last = page.at(-1);
    return {
      room: roomView(context.room),
      viewer: viewerOf(context),
      threads: page.map(threadSummary),
      nextCursor: rows.length > threadsPerPage && last ? encodeCursor(last.last_posted_at, last.id) : null,
    };
  });
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } | undefined {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = at ? new Date(at) : undefined;
  if (!date || Number.isNaN(date.getTime()) || !id || !uuid.safeParse(id).success) return undefined;
  return { at: date, id };
}

export interface PostView {
  id: string;
  /** Null when hidden (for everyone but moderators and the author) or deleted. */
  body: string | null;
  status: 'visible' | 'hidden' | 'deleted';
  hiddenReason: string | null;
  createdAt: Date;
  author: { memberId: string; handle: string; displayName: string; staff: boolean };
  mine: boolean;
  reactions: Array<{ kind: RoomReactionKind; count: number; mine: boolean }>;
}

const postsPerThread = 500;

/** A thread with its posts; a hidden thread exists only for moderators (and its author). */
export async function getThread(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  roomId: string;
  threadId: string;
}) {
  return inTenant(options.db, options.lgCode, async (scope) => {
    const context = await enterRoom(scope, options.actor, options.roomId);
    const thread = await repository.findThread(scope, context.room.id, idOrNotFound(options.threadId));
    const memberId = context.member?.id;
    if (!thread) throw new AppError('not_found');
    if (thread.status === 'hidden' && !context.moderator && thread.author_member_id !== memberId) {
      throw new AppError('not_found');
    }
    const posts = await repository.listPosts(scope, thread.id, postsPerThread);
    const reactions = await repository.reactionCounts(
      scope,
      posts.map((post) => post.id),
      memberId,
    );
    return {
      room: roomView(context.room),
      viewer: viewerOf(context),
      thread: threadSummary(thread),
      hiddenReason: thread.hidden_reason,
      truncated: posts.length >= postsPerThread,
      posts: posts.map((post): PostView => {
        const mine = post.author_member_id === memberId;
        const readable = post.status === 'visible' || (post.status === 'hidden' && (context.moderator || mine));
        return {
          id: post.id,
          body: readable ? post.body : null,
          status: post.status,
          hiddenReason: post.status === 'hidden' && (context.moderator || mine) ? post.hidden_reason : null,
          createdAt: post.created_at,
          author: {
            memberId: post.author_member_id,
            handle: post.author_handle,
            displayName: post.author_name,
            staff: post.author_role === 'staff',
          },
          mine,
          reactions: reactionKinds.map((kind) => {
            const found = reactions.find((entry) => entry.post_id === post.id && entry.kind === kind);
            return { kind, count: found?.count ?? 0, mine: found?.mine ?? false };
          }),
        };
      }),
    };
  });
}

export const ThreadInput = z.object({
  title: z
    .string()
    .trim()
    .min(1, { message: 'タイトルを入力してください / enter a title' })
    .max(120, { message: 'タイトルは120文字以内にしてください / at most 120 characters' }),
  body: z
    .string()
    .trim()
    .min(1, { message: '本文を入力してください / write something' })
    .max(4000, { message: '本文は4000文字以内にしてください / at most 4000 characters' }),
});
export const PostInput = ThreadInput.pick({ body: true });

/**
 * Tells the people a post mentions (@handle) who can read the room, once per post and person; never the
 * author, and at most 10 a post.
 */
async function notifyMentions(
  context: RoomContext,
  options: { author: { personId: string; displayName: string }; body: string; threadId: string; postId: string },
) {
  const handles = mentionedHandles(options.body);
  const people = (
    await repository.mentionablePeople(context.scope, handles, {
      projectOrganisationId: context.room.project_organisation_id,
    })
  ).filter((person) => person.person_id !== options.author.personId);
  if (people.length === 0) return [];
  const excerpt = [...options.body].length > 120 ? `${[...options.body].slice(0, 120).join('')}…` : options.body;
  await tellPeople(
    context.scope.trx,
    people.map((person) => ({
      personId: person.person_id,
      lgCode: context.scope.lgCode,
      kind: 'outreach.room_mention' as const,
      title: {
        ja: `${options.author.displayName}さんがあなたの名前を書きました`,
        en: `${options.author.displayName} mentioned you`,
      },
      body: { ja: `「${context.room.name}」で:\n${excerpt}`, en: `In "${context.room.name}":\n${excerpt}` },
      link: `/rooms/${context.scope.lgCode}/${context.room.id}/threads/${options.threadId}#post-${options.postId}`,
      idempotencyKey: `room-mention:${options.postId}`,
    })),
  );
  return people.map((person) => person.handle);
}

/** Starts a thread with its first post. Mentions in it notify. */
export async function createThread(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  roomId: string;
  input: z.input<typeof ThreadInput>;
}) {
  const input = parseInput(ThreadInput, options.input);
  if (options.actor.id) await consumeRateLimit(options.db, `room-post:${options.actor.id}`, postRateLimit);
  return inTenant(options.db, options.lgCode, async (scope) => {
    const context = await enterRoom(scope, options.actor, options.roomId);
    const member = assertMayWrite(context);
    const threadId = uuidv7();
    const postId = uuidv7();
    const role = context.moderator ? 'staff' : 'registrant';
    await repository.insertThread(scope, {
      id: threadId,
      room_id: context.room.id,
      title: input.title,
      author_member_id: member.id,
      author_role: role,
      post_count: 1,
    });
    await repository.insertPost(scope, {
      id: postId,
      room_id: context.room.id,
      thread_id: threadId,
      author_member_id: member.id,
      author_role: role,
      body: input.body,
    });
    const mentioned = await notifyMentions(context, {
      author: { personId: member.person_id, displayName: member.display_name },
      body: `${input.title}\n${input.body}`,
      threadId,
      postId,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'room.thread_created',
      subjectType: 'room_thread',
      subjectId: threadId,
      data: { roomId: context.room.id, memberId: member.id, mentions: mentioned.length },
    });
    return { threadId, postId };
  });
}

/** Replies in a thread (not a locked or hidden one). Mentions notify. */
export async function replyToThread(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  roomId: string;
  threadId: string;
  input: z.input<typeof PostInput>;
}) {
  const input = parseInput(PostInput, options.input);
  if (options.actor.id) await consumeRateLimit(options.db, `room-post:${options.actor.id}`, postRateLimit);
  return inTenant(options.db, options.lgCode, async (scope) => {
    const context = await enterRoom(scope, options.actor, options.roomId);
    const member = assertMayWrite(context);
    // Locked: replies wait for the thread row, so a reply cannot slip in beside a lock.
    const thread = await repository.lockThread(scope, context.room.id, idOrNotFound(options.threadId));
    if (!thread || (thread.status === 'hidden' && !context.moderator)) throw new AppError('not_found');
    if (thread.locked_at) throw new AppError('room_thread_locked');
    const postId = uuidv7();
    await repository.insertPost(scope, {
      id: postId,
      room_id: context.room.id,
      thread_id: thread.id,
      author_member_id: member.id,
      author_role: context.moderator ? 'staff' : 'registrant',
      body: input.body,
    });
    await repository.touchThread(scope, thread.id);
    const mentioned = await notifyMentions(context, {
      author: { personId: member.person_id, displayName: member.display_name },
      body: input.body,
      threadId: thread.id,
      postId,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'room.post_created',
      subjectType: 'room_post',
      subjectId: postId,
      data: { roomId: context.room.id, threadId: thread.id, memberId: member.id, mentions: mentioned.length },
    });
    return { postId };
  });
}

/** The author takes their own post back: its text goes, a note that it was deleted stays. */
export async function deleteOwnPost(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  roomId: string;
  postId: string;
}) {
  await inTenant(options.db, options.lgCode, async (scope) => {
    const context = await enterRoom(scope, options.actor, options.roomId);
    const post = await repository.findPost(scope, context.room.id, idOrNotFound(options.postId));
    if (!post || !context.member || post.author_member_id !== context.member.id) throw new AppError('not_found');
    if (post.status === 'deleted') return;
    await repository.updatePost(scope, post.id, {
      status: 'deleted',
      body: '',
      deleted_at: new Date(),
      hidden_at: null,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'room.post_deleted',
      subjectType: 'room_post',
      subjectId: post.id,
      data: { roomId: context.room.id, threadId: post.thread_id },
    });
  });
}

/**
 * Adds or takes back a reaction. Not audited: a reaction is the person's own small expression, like a read
 * mark, and the government's audit trail is for what its staff and the system decide.
 */
export async function setReaction(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  roomId: string;
  postId: string;
  kind: RoomReactionKind;
  on: boolean;
}) {
  if (!reactionKinds.includes(options.kind)) throw new AppError('not_found');
  await inTenant(options.db, options.lgCode, async (scope) => {
    const context = await enterRoom(scope, options.actor, options.roomId);
    const member = assertMayWrite(context);
    const post = await repository.findPost(scope, context.room.id, idOrNotFound(options.postId));
    if (!post || post.status !== 'visible') throw new AppError('not_found');
    if (options.on) await repository.addReaction(scope, post.id, member.id, options.kind);
    else await repository.removeReaction(scope, post.id, member.id, options.kind);
  });
}

export const ReportInput = z.object({
  reason: z.enum(reportReasons, { message: '理由を選んでください / choose a reason' }),
  note: z.string().trim().max(1000, { message: '1000文字以内にしてください / at most 1000 characters' }).default(''),
});

/** A member reports a post to the room's staff; once per post and person. Audited. */
export async function reportPost(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  roomId: string;
  postId: string;
  input: z.input<typeof ReportInput>;
}) {
  const input = parseInput(ReportInput, options.input);
  try {
    return await inTenant(options.db, options.lgCode, async (scope) => {
      const context = await enterRoom(scope, options.actor, options.roomId);
      const member = assertMayWrite(context);
      const post = await repository.findPost(scope, context.room.id, idOrNotFound(options.postId));
      if (!post || post.status === 'deleted') throw new AppError('not_found');
      const reportId = uuidv7();
      await repository.insertReport(scope, {
        id: reportId,
        room_id: context.room.id,
        thread_id: post.thread_id,
        post_id: post.id,
        reporter_member_id: member.id,
        reason: input.reason,
        note: input.note,
      });
      await recordAuditEvent(scope, {
        actor: options.actor,
        action: 'room.post_reported',
        subjectType: 'room_post',
        subjectId: post.id,
        data: { roomId: context.room.id, reportId, reason: input.reason },
      });
      return { reportId };
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new AppError('room_report_exists');
    throw error;
  }
}

// ───────────── moderation ─────────────

export const moderationActions = [
  'hide_post',
  'unhide_post',
  'hide_thread',
  'unhide_thread',
  'lock_thread',
  'unlock_thread',
  'ban_member',
  'lift_ban',
] as const;
export type ModerationAction = (typeof moderationActions)[number];

export const ModerationInput = z
  .object({
    action: z.enum(moderationActions),
    /** The post, thread, member or ban acted on. */
    targetId: z.uuid({ message: '対象が正しくありません / invalid target' }),
    reason: z.string().trim().max(1000).default(''),
  })
  .superRefine((input, context) => {
    if (['hide_post', 'hide_thread', 'ban_member'].includes(input.action) && !input.reason) {
      context.addIssue({
        code: 'custom',
        path: ['reason'],
        message: '理由を書いてください（本人に伝えます） / give a reason (the person is told)',
      });
    }
  });
export type ModerationInput = z.input<typeof ModerationInput>;

const roomLink = (scope: TenantScope, roomId: string, threadId?: string) =>
  `/rooms/${scope.lgCode}/${roomId}${threadId ? `/threads/${threadId}` : ''}`;

async function hidePost(
  context: RoomContext,
  actor: Actor,
  post: NonNullable<Awaited<ReturnType<typeof repository.findPost>>>,
  reason: string,
  reportOutcome: 'hidden' | 'banned',
) {
  const { scope } = context;
  if (post.status === 'visible') {
    await repository.updatePost(scope, post.id, {
      status: 'hidden',
      hidden_at: new Date(),
      hidden_by: actor.id,
      hidden_reason: reason,
    });
    await tellPerson(scope.trx, {
      personId: post.author_person_id,
      lgCode: scope.lgCode,
      kind: 'outreach.room_moderation',
      title: { ja: 'あなたの投稿が非表示になりました', en: 'Your post was hidden' },
      body: {
        ja: `「${context.room.name}」のあなたの投稿を、管理者が非表示にしました。\n理由: ${reason}`,
        en: `Staff hid your post in "${context.room.name}".\nReason: ${reason}`,
      },
      link: `${roomLink(scope, context.room.id, post.thread_id)}#post-${post.id}`,
      idempotencyKey: `room-post-hidden:${post.id}:${uuidv7()}`,
    });
  }
  await tellReporters(context, post, reportOutcome, actor);
}

const outcomeTexts: Record<'hidden' | 'banned' | 'no_action', Localized> = {
  hidden: {
    ja: 'ご報告いただいた投稿を確認し、非表示にしました。ご協力ありがとうございました。',
    en: 'We checked the post you reported and hid it. Thank you.',
  },
  banned: {
    ja: 'ご報告いただいた投稿を確認し、非表示にしたうえで、投稿した方のこのルームへの参加を停止しました。ご協力ありがとうございました。',
    en: 'We checked the post you reported, hid it and stopped its author from taking part in this room. Thank you.',
  },
  no_action: {
    ja: 'ご報告いただいた投稿を確認しましたが、ルームのきまりに反するものではないと判断しました。ご協力ありがとうございました。',
    en: 'We checked the post you reported and found it within the room’s rules. Thank you.',
  },
};

/** Resolves the post's open reports with the outcome and tells each reporter. */
async function tellReporters(
  context: RoomContext,
  post: { id: string; thread_id: string },
  outcome: 'hidden' | 'banned' | 'no_action',
  actor: Actor,
) {
  const { scope } = context;
  const reporters = await repository.resolveReportsOfPost(scope, post.id, {
    outcome,
    resolvedBy: actor.id ?? 'system',
  });
  await tellPeople(
    scope.trx,
    reporters
      .filter((reporter): reporter is { reportId: string; personId: string } => reporter.personId !== undefined)
      .map((reporter) => ({
        personId: reporter.personId,
        lgCode: scope.lgCode,
        kind: 'outreach.room_moderation' as const,
        title: { ja: 'ご報告への対応について', en: 'About your report' },
        body: {
          ja: `「${context.room.name}」で報告された投稿について: ${outcomeTexts[outcome].ja}`,
          en: `About the post you reported in "${context.room.name}": ${outcomeTexts[outcome].en}`,
        },
        link: roomLink(scope, context.room.id, post.thread_id),
        idempotencyKey: `room-report:${reporter.reportId}`,
      })),
  );
  if (reporters.length > 0) {
    await recordAuditEvent(scope, {
      actor,
      action: 'room.reports_resolved',
      subjectType: 'room_post',
      subjectId: post.id,
      data: { roomId: context.room.id, outcome, reports: reporters.length },
    });
  }
}

async function banMember(context: RoomContext, actor: Actor, memberId: string, reason: string) {
  const { scope } = context;
  const member = await repository.findMember(scope, memberId);
  if (!member) throw new AppError('not_found');
  if (await repository.findActiveBan(scope, context.room.id, member.id)) return;
  const banId = uuidv7();
  await repository.insertBan(scope, {
    id: banId,
    room_id: context.room.id,
    member_id: member.id,
    reason,
    banned_by: actor.id ?? 'system',
  });
  await tellPerson(scope.trx, {
    personId: member.person_id,
    lgCode: scope.lgCode,
    kind: 'outreach.room_moderation',
    title: { ja: 'ルームへの参加が停止されました', en: 'Your participation in a room was stopped' },
    body: {
      ja: `「${context.room.name}」への投稿・リアクション・報告は、管理者の判断で停止されました。閲覧はできます。\n理由: ${reason}`,
      en: `Staff stopped your posts, reactions and reports in "${context.room.name}". You can still read it.\nReason: ${reason}`,
    },
    link: roomLink(scope, context.room.id),
    idempotencyKey: `room-ban:${banId}`,
  });
  await recordAuditEvent(scope, {
    actor,
    action: 'room.member_banned',
    subjectType: 'room_member',
    subjectId: member.id,
    data: { roomId: context.room.id, banId },
  });
}

/**
 * Staff moderate a room: hide or show a post or a thread, lock or unlock a thread, ban a member from the
 * room or lift it. Each is audited; the person concerned is told (a hidden post, a hidden thread, a ban and
 * its end), and hiding a reported post resolves its reports and tells the reporters.
 */
export async function moderateRoom(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  roomId: string;
  input: ModerationInput;
}): Promise<void> {
  const input = parseInput(ModerationInput, options.input);
  await inTenant(options.db, options.lgCode, async (scope) => {
    const context = await enterRoom(scope, options.actor, options.roomId);
    assertModerator(context);
    const { actor } = options;
    const audit = (action: string, subjectType: string, subjectId: string, data: Record<string, unknown> = {}) =>
      recordAuditEvent(scope, { actor, action, subjectType, subjectId, data: { roomId: context.room.id, ...data } });

    switch (input.action) {
      case 'hide_post': {
        const post = await repository.findPost(scope, context.room.id, input.targetId);
        if (!post || post.status === 'deleted') throw new AppError('not_found');
        await hidePost(context, actor, post, input.reason, 'hidden');
        await audit('room.post_hidden', 'room_post', post.id, { threadId: post.thread_id });
        return;
      }
      case 'unhide_post': {
        const post = await repository.findPost(scope, context.room.id, input.targetId);
        if (!post || post.status !== 'hidden') throw new AppError('not_found');
        await repository.updatePost(scope, post.id, {
          status: 'visible',
          hidden_at: null,
          hidden_by: null,
          hidden_reason: null,
        });
        await tellPerson(scope.trx, {
          personId: post.author_person_id,
          lgCode: scope.lgCode,
          kind: 'outreach.room_moderation',
          title: { ja: 'あなたの投稿が再び表示されました', en: 'Your post is shown again' },
          body: {
            ja: `「${context.room.name}」で非表示になっていたあなたの投稿を、管理者が再び表示しました。`,
            en: `Staff showed your hidden post in "${context.room.name}" again.`,
          },
          link: `${roomLink(scope, context.room.id, post.thread_id)}#post-${post.id}`,
          idempotencyKey: `room-post-shown:${post.id}:${uuidv7()}`,
        });
        await audit('room.post_unhidden', 'room_post', post.id, { threadId: post.thread_id });
        return;
      }
      case 'hide_thread':
      case 'unhide_thread': {
        const thread = await repository.lockThread(scope, context.room.id, input.targetId);
        if (!thread) throw new AppError('not_found');
        const hide = input.action === 'hide_thread';
        if ((thread.status === 'hidden') === hide) return;
        await repository.updateThread(
          scope,
          thread.id,
          hide
            ? { status: 'hidden', hidden_at: new Date(), hidden_by: actor.id, hidden_reason: input.reason }
            : { status: 'visible', hidden_at: null, hidden_by: null, hidden_reason: null },
        );
        const author = await repository.findMember(scope, thread.author_member_id);
        if (author) {
          await tellPerson(scope.trx, {
            personId: author.person_id,
            lgCode: scope.lgCode,
            kind: 'outreach.room_moderation',
            title: hide
              ? { ja: 'あなたのスレッドが非表示になりました', en: 'Your thread was hidden' }
              : { ja: 'あなたのスレッドが再び表示されました', en: 'Your thread is shown again' },
            body: hide
              ? {
                  ja: `「${context.room.name}」のスレッド「${thread.title}」を、管理者が非表示にしました。\n理由: ${input.reason}`,
                  en: `Staff hid your thread "${thread.title}" in "${context.room.name}".\nReason: ${input.reason}`,
                }
              : {
                  ja: `「${context.room.name}」のスレッド「${thread.title}」を、管理者が再び表示しました。`,
                  en: `Staff showed your thread "${thread.title}" in "${context.room.name}" again.`,
                },
            link: roomLink(scope, context.room.id, thread.id),
            idempotencyKey: `room-thread-${hide ? 'hidden' : 'shown'}:${thread.id}:${uuidv7()}`,
          });
        }
        await audit(hide ? 'room.thread_hidden' : 'room.thread_unhidden', 'room_thread', thread.id);
        return;
      }
      case 'lock_thread':
      case 'unlock_thread': {
        const thread = await repository.lockThread(scope, context.room.id, input.targetId);
        if (!thread) throw new AppError('not_found');
        const lock = input.action === 'lock_thread';
        if ((thread.locked_at !== null) === lock) return;
        await repository.updateThread(
          scope,
          thread.id,
          lock ? { locked_at: new Date(), locked_by: actor.id } : { locked_at: null, locked_by: null },
        );
        await audit(lock ? 'room.thread_locked' : 'room.thread_unlocked', 'room_thread', thread.id, {
          ...(input.reason ? { reason: input.reason } : {}),
        });
        return;
      }
      case 'ban_member':
        await banMember(context, actor, input.targetId, input.reason);
        return;
      case 'lift_ban': {
        const lifted = await repository.liftBan(scope, input.targetId, actor.id ?? 'system');
        if (!lifted || lifted.room_id !== context.room.id) throw new AppError('not_found');
        const member = await repository.findMember(scope, lifted.member_id);
        if (member) {
          await tellPerson(scope.trx, {
            personId: member.person_id,
            lgCode: scope.lgCode,
            kind: 'outreach.room_moderation',
            title: { ja: 'ルームに再び参加できます', en: 'You can take part in the room again' },
            body: {
              ja: `「${context.room.name}」への参加の停止が解除されました。`,
              en: `Your participation in "${context.room.name}" is no longer stopped.`,
            },
            link: roomLink(scope, context.room.id),
            idempotencyKey: `room-ban-lifted:${lifted.id}`,
          });
        }
        await audit('room.ban_lifted', 'room_member', lifted.member_id, { banId: lifted.id });
        return;
      }
    }
  });
}

export const ReportResolutionInput = z
  .object({
    outcome: z.enum(['hidden', 'banned', 'no_action']),
    reason: z.string().trim().max(1000).default(''),
  })
  .superRefine((input, context) => {
    if (input.outcome !== 'no_action' && !input.reason) {
      context.addIssue({
        code: 'custom',
        path: ['reason'],
        message: '理由を書いてください（投稿した方に伝えます） / give a reason (the author is told)',
      });
    }
  });

/**
 * Staff decide on a reported post: hide it, hide it and ban its author from the room, or leave it. All open
 * reports of the post are resolved with that outcome and each reporter is told; the author is told of a
 * hidden post and a ban. Audited.
 */
export async function resolveReport(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  reportId: string;
  input: z.input<typeof ReportResolutionInput>;
}): Promise<void> {
  const input = parseInput(ReportResolutionInput, options.input);
  await inTenant(options.db, options.lgCode, async (scope) => {
    const report = await repository.findReport(scope, idOrNotFound(options.reportId));
    if (!report) throw new AppError('not_found');
    const context = await enterRoom(scope, options.actor, report.room_id);
    assertModerator(context);
    if (report.status !== 'open') return;
    const post = await repository.findPost(scope, context.room.id, report.post_id);
    if (!post) throw new AppError('not_found');
    if (input.outcome === 'no_action') {
      await tellReporters(context, post, 'no_action', options.actor);
      return;
    }
    await hidePost(context, options.actor, post, input.reason, input.outcome);
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'room.post_hidden',
      subjectType: 'room_post',
      subjectId: post.id,
      data: { roomId: context.room.id, threadId: post.thread_id, reportId: report.id },
    });
    if (input.outcome === 'banned') await banMember(context, options.actor, post.author_member_id, input.reason);
  });
}

// ───────────── the staff area ─────────────

export const RoomInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, { message: 'ルームの名前を入力してください / enter a name' })
    .max(100, { message: '100文字以内にしてください / at most 100 characters' }),
  description: z.string().trim().max(2000).default(''),
  projectId: z.uuid({ message: '事業を選んでください / choose a project' }).optional(),
});

function authorizeStaffArea(actor: Actor, lgCode: string) {
  if (!isValidLgCode(lgCode) || !mayModerateSomeRoom(actor, lgCode)) throw new AppError('not_found');
}

/**
 * The rooms a staff member looks after, with their open reports and bans, and the published projects that
 * could have a room. Organisation staff see only their organisation's project rooms.
 */
export async function listRoomsForStaff(options: { db: Kysely<Database>; actor: Actor; lgCode: string }) {
  authorizeStaffArea(options.actor, options.lgCode);
  return inTenant(options.db, options.lgCode, async (scope) => {
    const access = accessOf(options.actor, scope.lgCode, false);
    const rooms = (await repository.listRooms(scope)).filter((room) =>
      moderatesRoom(access, { projectId: room.project_id, projectOrganisationId: room.project_organisation_id }),
    );
    const roomIds = rooms.map((room) => room.id);
    const organisationOnly = access.role === 'organisation_staff' ? (access.organisationId ?? undefined) : undefined;
    return {
      rooms: rooms.map((room) => ({
        ...roomView(room),
        openReports: Number(room.open_reports ?? 0),
        threadCount: Number(room.thread_count ?? 0),
      })),
      reports: (await repository.listOpenReports(scope, roomIds)).map((report) => ({
        id: report.id,
        roomId: report.room_id,
        roomName: report.room_name,
        threadId: report.thread_id,
        postId: report.post_id,
        reason: report.reason,
        note: report.note,
        reportedAt: report.created_at,
        post: { body: report.body, status: report.post_status },
        author: { memberId: report.author_member_id, handle: report.author_handle, displayName: report.author_name },
      })),
      bans: (await repository.listActiveBans(scope, roomIds)).map((ban) => ({
        id: ban.id,
        roomId: ban.room_id,
        reason: ban.reason,
        bannedAt: ban.banned_at,
        member: { id: ban.member_id, handle: ban.handle, displayName: ban.display_name },
      })),
      projectsWithoutRoom: await repository.listProjectsWithoutRoom(scope, organisationOnly),
      mayCreateGovernmentRoom: mayManageRooms(options.actor, scope.lgCode),
    };
  });
}

/**
 * Opens a room: one of the government's own (administrators and staff), or the room of a published project
 * (one per project; organisation staff for their own organisation's projects). Audited.
 */
export async function createRoom(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  input: z.input<typeof RoomInput>;
}) {
  authorizeStaffArea(options.actor, options.lgCode);
  const input = parseInput(RoomInput, options.input);
  try {
    return await inTenant(options.db, options.lgCode, async (scope) => {
      const access = accessOf(options.actor, scope.lgCode, false);
      let projectOrganisationId: string | null = null;
      if (input.projectId) {
        const project = await repository.findProject(scope, input.projectId);
        if (!project) throw new AppError('not_found');
        projectOrganisationId = project.organisation_id;
        if (!moderatesRoom(access, { projectId: project.id, projectOrganisationId })) throw new AppError('forbidden');
        if (project.status !== 'published') throw new AppError('project_not_published');
        if (await repository.findRoomOfProject(scope, project.id)) throw new AppError('room_exists');
      } else if (!mayManageRooms(options.actor, scope.lgCode)) {
        throw new AppError('forbidden');
      }
      const room = await repository.insertRoom(scope, {
        id: uuidv7(),
        project_id: input.projectId ?? null,
        name: input.name,
        description: input.description,
        created_by: options.actor.id,
      });
      await recordAuditEvent(scope, {
        actor: options.actor,
        action: 'room.created',
        subjectType: 'room',
        subjectId: room.id,
        data: { projectId: input.projectId ?? null },
      });
      return { id: room.id };
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new AppError('room_exists');
    throw error;
  }
}

/** Archives a room (read only from then on) or opens it again. Audited. */
export async function setRoomArchived(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  roomId: string;
  archived: boolean;
}) {
  authorizeStaffArea(options.actor, options.lgCode);
  await inTenant(options.db, options.lgCode, async (scope) => {
    const context = await enterRoom(scope, options.actor, options.roomId);
    assertModerator(context);
    if ((context.room.status === 'archived') === options.archived) return;
    await repository.lockRoom(scope, context.room.id);
    await repository.updateRoom(
      scope,
      context.room.id,
      options.archived ? { status: 'archived', archived_at: new Date() } : { status: 'open', archived_at: null },
    );
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: options.archived ? 'room.archived' : 'room.reopened',
      subjectType: 'room',
      subjectId: context.room.id,
    });
  });
}
