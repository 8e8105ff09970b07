/**
 * Posts: a government, or one of its organisations, publishes お知らせ, イベント, 担い手募集 (for one of its
 * projects) and 地域の魅力. Lifecycle: draft → (scheduled →) published → archived, and an archived post
 * may be published again. Every change is audited in the government's trail, in the same transaction.
 * Publishing tells the government's registrants (notification `outreach.new_post`, a digest by default).
 *
 * Who: the government's administrators and staff manage all its posts; a 団体担当者 manages only the posts
 * of the organisation named in their membership, which must be approved by the government. Anyone else,
 * including staff of another government, gets 404.
 */
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { recordAuditEvent, type Actor } from '../../platform/audit.js';
import { tenantRoleOf } from '../../platform/auth/tenant-roles.js';
import {
  postKinds,
  projectCategories,
  type Database,
  type PostKind,
  type PostRow,
  type ProjectCategory,
} from '../../platform/db/schema.js';
import { withTenant, type TenantScope } from '../../platform/db/tenant-scope.js';
import { AppError, parseInput } from '../../platform/errors.js';
import type { Localized } from '../../platform/i18n.js';
import { isValidLgCode } from '../../platform/lg-code.js';
import { enqueueJob } from '../../platform/jobs/runner.js';
import { notifyMany } from './notifications.service.js';
import { processImage } from './posts.images.js';
import * as repository from './posts.repository.js';
import { normalizeForSearch, searchTokens } from './search-text.js';

export const postKindLabels: Record<PostKind, Localized> = {
  notice: { ja: 'お知らせ', en: 'News' },
  event: { ja: 'イベント', en: 'Event' },
  recruitment: { ja: '担い手募集', en: 'Call for help' },
  attraction: { ja: '地域の魅力', en: 'Local attraction' },
};

export const postStatusLabels: Record<PostRow['status'], Localized> = {
  draft: { ja: '下書き', en: 'Draft' },
  scheduled: { ja: '公開予約', en: 'Scheduled' },
  published: { ja: '公開中', en: 'Published' },
  archived: { ja: 'アーカイブ', en: 'Archived' },
};

export const categoryLabels: Record<ProjectCategory, Localized> = {
  festival: { ja: '祭り・伝統行事', en: 'Festivals and traditions' },
  environment: { ja: '清掃・環境', en: 'Clean-ups and environment' },
  disaster_prevention: { ja: '防災・防犯', en: 'Disaster prevention' },
  shopping_mobility: { ja: '買い物・移動支援', en: 'Shopping and mobility' },
  agriculture: { ja: '農林業・援農', en: 'Farming help' },
  children_education: { ja: '子ども・教育', en: 'Children and education' },
  elderly_care: { ja: '高齢者の見守り', en: 'Looking after the elderly' },
  tourism_exchange: { ja: '観光・交流', en: 'Tourism and exchange' },
  vacant_houses: { ja: '空き家・まちづくり', en: 'Vacant houses and town building' },
  other: { ja: 'その他', en: 'Other' },
};

export const audienceLabels: Record<PostRow['audience'], Localized> = {
  public: { ja: 'だれでも（全国検索に表示）', en: 'Everyone (nationwide search)' },
  registrants: { ja: 'この自治体の登録者だけ', en: 'Registrants of this government only' },
};

/** At most this many images per post. */
export const maxImagesPerPost = 10;

const optionalText = (max: number) => z.string().trim().max(max).default('');

export const PostInput = z
  .object({
    kind: z.enum(postKinds),
    title: z.string().trim().min(1, { message: 'タイトルを入力してください / enter a title' }).max(200),
    summary: optionalText(300),
    body: optionalText(20_000),
    category: z.enum(projectCategories).nullish(),
    audience: z.enum(['public', 'registrants']).default('public'),
    placeName: optionalText(200),
    placeAddress: optionalText(300),
    placeLgCode: z.string().refine(isValidLgCode, 'not a valid 全国地方公共団体コード').nullish(),
    startsAt: z.iso.datetime({ offset: true }).nullish(),
    endsAt: z.iso.datetime({ offset: true }).nullish(),
    tags: z
      .array(z.string().trim().min(1).max(30))
      .max(10)
      .default([])
      .transform((tags) => [...new Set(tags.map((tag) => tag.normalize('NFKC')))]),
    /** The project a call for help recruits for (required for 担い手募集). */
    projectId: z.uuid().nullish(),
  })
  .superRefine((input, ctx) => {
    if (input.endsAt && !input.startsAt) {
      ctx.addIssue({ code: 'custom', path: ['startsAt'], message: '開始日時も入力してください / give a start too' });
    }
    if (input.startsAt && input.endsAt && new Date(input.endsAt) < new Date(input.startsAt)) {
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: '終了は開始より後に / end after the start' });
    }
  });
export type PostInput = z.input<typeof PostInput>;

/** Any staff role of the government may post; what they may touch is decided per post. */
export function mayManagePosts(actor: Actor, lgCode: string): boolean {
  return tenantRoleOf(actor, lgCode) !== undefined || (actor.kind === 'operator' && actor.secondFactor === true);
}

interface PostAuthor {
  /** The organisation a 団体担当者 posts for; undefined for government staff. */
  organisationId: string | undefined;
}

/** The actor as an author here, or 404 for anyone not staff of this government. */
function authorIn(actor: Actor, lgCode: string): PostAuthor {
  if (!isValidLgCode(lgCode) || !mayManagePosts(actor, lgCode)) throw new AppError('not_found');
  const membership = actor.memberships?.find((entry) => entry.lgCode === lgCode);
  if (membership?.role === 'organisation_staff') {
    if (!membership.organisationId) throw new AppError('organisation_required');
    return { organisationId: membership.organisationId };
  }
  return { organisationId: undefined };
}

/** An organisation's staff see their organisation's posts only: another's post is not found. */
function mayTouch(author: PostAuthor, post: Pick<PostRow, 'organisation_id'>): boolean {
  return author.organisationId === undefined || post.organisation_id === author.organisationId;
}

async function requireApprovedOrganisation(scope: TenantScope, author: PostAuthor): Promise<void> {
  if (!author.organisationId) return;
  const organisation = await repository.findOrganisation(scope, author.organisationId);
  if (!organisation) throw new AppError('organisation_required');
  if (organisation.status !== 'approved') throw new AppError('organisation_not_approved');
}

async function lockOwnPost(scope: TenantScope, author: PostAuthor, postId: string): Promise<PostRow> {
  if (!z.uuid().safeParse(postId).success) throw new AppError('not_found');
  const post = await repository.lockPost(scope, postId);
  if (!post || !mayTouch(author, post)) throw new AppError('not_found');
  return post;
}

/** What the search index holds of a post: its fields, its government's and organisation's names. */
function searchFields(input: z.output<typeof PostInput>, context: { governmentName: string; organisation?: string }) {
  const text = [
    input.title,
    input.summary,
    input.body,
    input.placeName,
    input.placeAddress,
    ...input.tags,
    context.governmentName,
    context.organisation ?? '',
  ].join('\n');
  return {
    search_title: normalizeForSearch(input.title),
    search_text: normalizeForSearch(text),
    search_tokens: searchTokens(text),
  };
}

/** The project of a call for help: published, of the author's organisation if they post for one. */
async function checkedProject(scope: TenantScope, author: PostAuthor, input: z.output<typeof PostInput>) {
  if (!input.projectId) {
    if (input.kind === 'recruitment') throw new AppError('post_project_required');
    return undefined;
  }
  const project = await repository.findProject(scope, input.projectId);
  if (!project || (author.organisationId && project.organisation_id !== author.organisationId)) {
    throw new AppError('post_project_not_found');
  }
  return project;
}

async function postValues(scope: TenantScope, author: PostAuthor, input: z.output<typeof PostInput>) {
  const project = await checkedProject(scope, author, input);
  const organisation = author.organisationId
    ? await repository.findOrganisation(scope, author.organisationId)
    : undefined;
  const governmentName = await repository.governmentName(scope.trx, scope.lgCode);
  return {
    kind: input.kind,
    category: input.category ?? project?.category ?? null,
    audience: input.audience,
    title: input.title,
    summary: input.summary,
    body: input.body,
    place_name: input.placeName,
    place_address: input.placeAddress,
    place_lg_code: input.placeLgCode ?? null,
    starts_at: input.startsAt ? new Date(input.startsAt) : null,
    ends_at: input.endsAt ? new Date(input.endsAt) : null,
    tags: input.tags,
    project_id: project?.id ?? null,
    ...searchFields(input, {
      governmentName,
      ...(organisation ? { organisation: organisation.name } : {}),
    }),
  };
}

/** Writes a new draft. Nothing is public until it is published. */
export async function createPost(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  input: PostInput;
}): Promise<PostRow> {
  const author = authorIn(options.actor, options.lgCode);
  const input = parseInput(PostInput, options.input);
  return withTenant(options.db, options.lgCode, async (scope) => {
    await requireApprovedOrganisation(scope, author);
    const values = await postValues(scope, author, input);
    const by = options.actor.id ?? options.actor.kind;
    const post = await repository.insertPost(scope, {
      id: uuidv7(),
      prefecture_code: options.lgCode.slice(0, 2),
      organisation_id: author.organisationId ?? null,
      ...values,
      created_by: by,
      updated_by: by,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'post.created',
      subjectType: 'post',
      subjectId: post.id,
      data: { kind: post.kind, audience: post.audience, organisationId: post.organisation_id },
    });
    return post;
  });
}

/** Changes a post's content (a draft, a scheduled or a published post; an archived one is frozen). */
export async function updatePost(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  postId: string;
  input: PostInput;
}): Promise<PostRow> {
  const author = authorIn(options.actor, options.lgCode);
  const input = parseInput(PostInput, options.input);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const post = await lockOwnPost(scope, author, options.postId);
    if (post.status === 'archived') throw new AppError('post_not_editable');
    await requireApprovedOrganisation(scope, author);
    const values = await postValues(scope, author, input);
    const updated = await repository.updatePost(scope, post.id, {
      ...values,
      updated_by: options.actor.id ?? options.actor.kind,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'post.updated',
      subjectType: 'post',
      subjectId: post.id,
      data: { status: post.status },
    });
    await repository.syncSearchEntry(scope, post.id);
    return updated;
  });
}

export const publishPostSpec = {
  name: 'outreach.publish-post',
  payload: z.object({ lgCode: z.string().regex(/^\d{6}$/), postId: z.uuid(), publishAt: z.iso.datetime() }),
  maxAttempts: 8,
} as const;

export const announcePostSpec = {
  name: 'outreach.announce-post',
  payload: z.object({ lgCode: z.string().regex(/^\d{6}$/), postId: z.uuid() }),
  maxAttempts: 8,
} as const;

async function publishInScope(scope: TenantScope, post: PostRow, actor: Actor, now: Date): Promise<PostRow> {
  const published = await repository.updatePost(scope, post.id, {
    status: 'published',
    publish_at: null,
    // Published again after an archive: it keeps its first date (it is not news again).
    published_at: post.published_at ?? now,
    archived_at: null,
    updated_by: actor.id ?? actor.kind,
  });
  await recordAuditEvent(scope, {
    actor,
    action: 'post.published',
    subjectType: 'post',
    subjectId: post.id,
    data: { republished: post.published_at !== null, scheduled: post.status === 'scheduled' },
  });
  await repository.syncSearchEntry(scope, post.id);
  await enqueueJob(
    scope.trx,
    announcePostSpec,
    { lgCode: scope.lgCode, postId: post.id },
    { lgCode: scope.lgCode, idempotencyKey: `${announcePostSpec.name}:${scope.lgCode}:${post.id}` },
  );
  return published;
}

/** Publishes now (a draft, a scheduled post, or an archived one again). */
export async function publishPost(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  postId: string;
  now?: Date;
}): Promise<PostRow> {
  const author = authorIn(options.actor, options.lgCode);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const post = await lockOwnPost(scope, author, options.postId);
    if (post.status === 'published') throw new AppError('post_transition_invalid');
    await requireApprovedOrganisation(scope, author);
    return publishInScope(scope, post, options.actor, options.now ?? new Date());
  });
}

/** Schedules a draft (or moves a scheduled post) to publish itself at `publishAt`. */
export async function schedulePost(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  postId: string;
  publishAt: Date;
  now?: Date;
}): Promise<PostRow> {
  const author = authorIn(options.actor, options.lgCode);
  if (Number.isNaN(options.publishAt.getTime())) {
    throw new AppError('validation_failed', { fieldErrors: [{ field: 'publishAt', in: 'body', message: 'a date' }] });
  }
  if (options.publishAt <= (options.now ?? new Date())) throw new AppError('post_schedule_in_past');
  return withTenant(options.db, options.lgCode, async (scope) => {
    const post = await lockOwnPost(scope, author, options.postId);
    if (post.status !== 'draft' && post.status !== 'scheduled') throw new AppError('post_transition_invalid');
    await requireApprovedOrganisation(scope, author);
    const scheduled = await repository.updatePost(scope, post.id, {
      status: 'scheduled',
      publish_at: options.publishAt,
      updated_by: options.actor.id ?? options.actor.kind,
    });
    await enqueueJob(
      scope.trx,
      publishPostSpec,
      { lgCode: scope.lgCode, postId: post.id, publishAt: options.publishAt.toISOString() },
      {
        lgCode: scope.lgCode,
        runAt: options.publishAt,
        idempotencyKey: `${publishPostSpec.name}:${scope.lgCode}:${post.id}:${options.publishAt.toISOString()}`,
      },
    );
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'post.scheduled',
      subjectType: 'post',
      subjectId: post.id,
      data: { publishAt: options.publishAt.toISOString() },
    });
    return scheduled;
  });
}

/** Takes a scheduled post back to draft (its publication job then finds nothing to do). */
export async function unschedulePost(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  postId: string;
}): Promise<PostRow> {
  const author = authorIn(options.actor, options.lgCode);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const post = await lockOwnPost(scope, author, options.postId);
    if (post.status !== 'scheduled') throw new AppError('post_transition_invalid');
    const draft = await repository.updatePost(scope, post.id, {
      status: 'draft',
      publish_at: null,
      updated_by: options.actor.id ?? options.actor.kind,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'post.unscheduled',
      subjectType: 'post',
      subjectId: post.id,
    });
    return draft;
  });
}

/** Archives a published post: it leaves search, feeds and its public page (404), and stays for the record. */
export async function archivePost(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  postId: string;
}): Promise<PostRow> {
  const author = authorIn(options.actor, options.lgCode);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const post = await lockOwnPost(scope, author, options.postId);
    if (post.status !== 'published') throw new AppError('post_transition_invalid');
    const archived = await repository.updatePost(scope, post.id, {
      status: 'archived',
      archived_at: new Date(),
      updated_by: options.actor.id ?? options.actor.kind,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'post.archived',
      subjectType: 'post',
      subjectId: post.id,
    });
    await repository.syncSearchEntry(scope, post.id);
    return archived;
  });
}

/**
 * The publication job of a scheduled post: publishes it if it is still scheduled for that time (it may
 * have been moved, taken back or published by hand since), as the system.
 */
export async function publishScheduledPost(options: {
  db: Kysely<Database>;
  lgCode: string;
  postId: string;
  publishAt: Date;
  now: Date;
}): Promise<boolean> {
  return withTenant(options.db, options.lgCode, async (scope) => {
    const post = await repository.lockPost(scope, options.postId);
    if (!post || post.status !== 'scheduled' || post.publish_at?.getTime() !== options.publishAt.getTime()) {
      return false;
    }
    if (options.publishAt > options.now) return false;
    await publishInScope(scope, post, { kind: 'system', id: null }, options.now);
    return true;
  });
}

/** Registrations read and notified per transaction when a post is announced. */
const announceBatch = 5_000;

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/**
 * Tells the government's current registrants about a published post, 5,000 per transaction. The
 * notification key is the post's, so a retry (or publishing again after an archive) tells nobody twice.
 */
export async function announcePost(options: { db: Kysely<Database>; lgCode: string; postId: string }): Promise<number> {
  const governmentName = await repository.governmentName(options.db, options.lgCode);
  let after: string | undefined;
  let notified = 0;
  for (;;) {
    const batch = await withTenant(options.db, options.lgCode, async (scope) => {
      const post = await repository.findTenantPost(scope, options.postId);
      if (!post || post.status !== 'published') return { size: 0, last: undefined };
      const registrants = await repository.registrantsAfter(scope, after, announceBatch);
      const text = post.summary || truncate(post.body, 200) || post.title;
      notified += await notifyMany(
        scope.trx,
        registrants.map((registrant) => ({
          personId: registrant.person_id,
          lgCode: options.lgCode,
          kind: 'outreach.new_post' as const,
          title: {
            ja: truncate(`${governmentName}：${post.title}`, 200),
            en: truncate(`${governmentName}: ${post.title}`, 200),
          },
          body: { ja: text, en: text },
          link: `/posts/${options.lgCode}/${post.id}`,
          idempotencyKey: `outreach.new_post:${options.lgCode}:${post.id}`,
        })),
      );
      return { size: registrants.length, last: registrants.at(-1)?.id };
    });
    if (batch.size < announceBatch || !batch.last) return notified;
    after = batch.last;
  }
}

// Staff views.

export interface StaffPostSummary {
  id: string;
  kind: PostKind;
  title: string;
  status: PostRow['status'];
  audience: PostRow['audience'];
  organisationId: string | null;
  publishAt: Date | null;
  publishedAt: Date | null;
  updatedAt: Date;
  startsAt: Date | null;
}

export async function listStaffPosts(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  status?: PostRow['status'];
  page?: number;
  perPage?: number;
}): Promise<{ items: StaffPostSummary[]; total: number; page: number; perPage: number }> {
  const author = authorIn(options.actor, options.lgCode);
  const perPage = Math.min(Math.max(options.perPage ?? 30, 1), 100);
  const page = Math.max(options.page ?? 1, 1);
  const rows = await withTenant(options.db, options.lgCode, (scope) =>
    repository.listTenantPosts(scope, {
      ...(options.status ? { status: options.status } : {}),
      ...(author.organisationId ? { organisationId: author.organisationId } : {}),
      limit: perPage,
      offset: (page - 1) * perPage,
    }),
  );
  return {
    items: rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      title: row.title,
      status: row.status,
      audience: row.audience,
      organisationId: row.organisation_id,
      publishAt: row.publish_at,
      publishedAt: row.published_at,
      updatedAt: row.updated_at,
      startsAt: row.starts_at,
    })),
    total: Number(rows[0]?.total ?? 0),
    page,
    perPage,
  };
}

export interface StaffPost {
  post: PostRow;
  images: repository.ImageInfo[];
  organisationName: string | null;
  projectTitle: string | null;
}

export async function getStaffPost(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  postId: string;
}): Promise<StaffPost> {
  const author = authorIn(options.actor, options.lgCode);
  if (!z.uuid().safeParse(options.postId).success) throw new AppError('not_found');
  return withTenant(options.db, options.lgCode, async (scope) => {
    const post = await repository.findTenantPost(scope, options.postId);
    if (!post || !mayTouch(author, post)) throw new AppError('not_found');
    const images = (await repository.imagesOf(scope.trx, [{ lgCode: scope.lgCode, id: post.id }])).get(
      `${scope.lgCode}/${post.id}`,
    );
    const organisation = post.organisation_id
      ? await repository.findOrganisation(scope, post.organisation_id)
      : undefined;
    const project = post.project_id ? await repository.findProject(scope, post.project_id) : undefined;
    return {
      post,
      images: images ?? [],
      organisationName: organisation?.name ?? null,
      projectTitle: project?.title ?? null,
    };
  });
}

/** The published projects the author may recruit for (for the post form). */
export async function listRecruitableProjects(options: { db: Kysely<Database>; actor: Actor; lgCode: string }) {
  const author = authorIn(options.actor, options.lgCode);
  return withTenant(options.db, options.lgCode, (scope) =>
    repository.listRecruitableProjects(scope, author.organisationId),
  );
}

/** Adds an image (resized, metadata stripped) to a post that is not archived. */
export async function addPostImage(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  postId: string;
  file: Uint8Array;
  altText?: string;
}): Promise<{ id: string; width: number; height: number }> {
  const author = authorIn(options.actor, options.lgCode);
  const altText = (options.altText ?? '').trim();
  if (altText.length > 300) {
    throw new AppError('validation_failed', { fieldErrors: [{ field: 'altText', in: 'form', message: '300 max' }] });
  }
  // Decoding is CPU work: done before the transaction, which on PGlite holds everyone else.
  const image = await processImage(options.file);
  return withTenant(options.db, options.lgCode, async (scope) => {
    const post = await lockOwnPost(scope, author, options.postId);
    if (post.status === 'archived') throw new AppError('post_not_editable');
    const count = await repository.countImages(scope, post.id);
    if (count >= maxImagesPerPost) throw new AppError('post_image_limit');
    const id = uuidv7();
    await repository.insertImage(scope, {
      id,
      post_id: post.id,
      position: count,
      alt_text: altText,
      content_type: image.contentType,
      width: image.width,
      height: image.height,
      bytes: image.bytes,
      thumbnail: image.thumbnail,
      created_by: options.actor.id ?? options.actor.kind,
    });
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'post.image_added',
      subjectType: 'post',
      subjectId: post.id,
      data: { imageId: id, width: image.width, height: image.height, bytes: image.bytes.length },
    });
    await repository.syncSearchEntry(scope, post.id);
    return { id, width: image.width, height: image.height };
  });
}

export async function removePostImage(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  postId: string;
  imageId: string;
}): Promise<void> {
  const author = authorIn(options.actor, options.lgCode);
  if (!z.uuid().safeParse(options.imageId).success) throw new AppError('not_found');
  await withTenant(options.db, options.lgCode, async (scope) => {
    const post = await lockOwnPost(scope, author, options.postId);
    if (post.status === 'archived') throw new AppError('post_not_editable');
    if ((await repository.deleteImage(scope, post.id, options.imageId)) === 0) throw new AppError('not_found');
    await recordAuditEvent(scope, {
      actor: options.actor,
      action: 'post.image_removed',
      subjectType: 'post',
      subjectId: post.id,
      data: { imageId: options.imageId },
    });
    await repository.syncSearchEntry(scope, post.id);
  });
}

/** An image of a post for the staff preview (drafts included). */
export async function getStaffPostImage(options: {
  db: Kysely<Database>;
  actor: Actor;
  lgCode: string;
  postId: string;
  imageId: string;
}) {
  const author = authorIn(options.actor, options.lgCode);
  if (!z.uuid().safeParse(options.postId).success || !z.uuid().safeParse(options.imageId).success) {
    throw new AppError('not_found');
  }
  return withTenant(options.db, options.lgCode, async (scope) => {
    const post = await repository.findTenantPost(scope, options.postId);
    if (!post || !mayTouch(author, post)) throw new AppError('not_found');
    const image = await repository.imageBytes(scope.trx, scope.lgCode, post.id, options.imageId);
    if (!image) throw new AppError('not_found');
    return image;
  });
}
