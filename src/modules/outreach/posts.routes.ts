import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { postKinds, projectCategories, type PostRow } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { createRouter, uploadPathPatterns, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession } from '../../platform/http/session.js';
import { LgCode } from '../../platform/lg-code.js';
import { enterTenantStaffArea } from '../staff/index.js';
import {
  addPostImage,
  archivePost,
  createPost,
  getStaffPost,
  listStaffPosts,
  publishPost,
  removePostImage,
  schedulePost,
  unschedulePost,
  updatePost,
  type StaffPost,
} from './posts.service.js';
import {
  deleteSavedSearch,
  getPublicPost,
  listSavedSearches,
  myFeed,
  saveSearch,
  searchPosts,
  updateSavedSearch,
  type PostCard,
  type PublicPost,
  type SavedSearch,
} from './search.service.js';

const tags = ['outreach'];
const csrfNote = `State-changing requests need the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie (double submit).`;

// Image uploads are larger than the 1 MiB every other request may be.
uploadPathPatterns.push(/^\/api\/v1\/tenants\/\d{6}\/posts\/[^/]+\/images$/);

const iso = (date: Date | null) => date?.toISOString() ?? null;

const PostCardSchema = z
  .object({
    lgCode: z.string().meta({ example: '042056' }),
    id: z.uuid(),
    kind: z.enum(postKinds).meta({ description: 'notice (お知らせ), event, recruitment (担い手募集), attraction' }),
    category: z.enum(projectCategories).nullable(),
    audience: z.enum(['public', 'registrants']),
    title: z.string(),
    summary: z.string(),
    placeName: z.string(),
    startsAt: z.iso.datetime().nullable(),
    endsAt: z.iso.datetime().nullable(),
    tags: z.array(z.string()),
    publishedAt: z.iso.datetime(),
    governmentName: z.string().meta({ example: '宮城県気仙沼市' }),
    prefectureName: z.string(),
    organisationName: z.string().nullable(),
    projectTitle: z.string().nullable(),
    designated: z.boolean().meta({ description: 'A designated activity: counts for premium registration' }),
    openCapacity: z.boolean().meta({ description: 'A session still takes applications' }),
    thumbnail: z.object({ path: z.string(), alt: z.string() }).nullable(),
  })
  .openapi('PostCard');

const PublicPostSchema = PostCardSchema.extend({
  body: z.string(),
  placeAddress: z.string(),
  images: z.array(z.object({ id: z.uuid(), alt: z.string(), width: z.number(), height: z.number(), path: z.string() })),
}).openapi('Post');

function cardJson(card: PostCard): z.infer<typeof PostCardSchema> {
  return {
    ...card,
    startsAt: iso(card.startsAt),
    endsAt: iso(card.endsAt),
    publishedAt: card.publishedAt.toISOString(),
  };
}

function publicPostJson(post: PublicPost): z.infer<typeof PublicPostSchema> {
  return { ...cardJson(post), body: post.body, placeAddress: post.placeAddress, images: post.images };
}

const SearchQuerySchema = z.object({
  q: z.string().max(200).optional().meta({ description: 'Japanese free text; spaces separate terms (all must match)' }),
  prefecture: z.string().optional().meta({ description: 'Prefecture code 01–47', example: '04' }),
  lgCode: z.string().optional().meta({ description: 'One government', example: '042056' }),
  kind: z.enum(postKinds).optional(),
  category: z.enum(projectCategories).optional(),
  tag: z.string().max(30).optional(),
  from: z.string().optional().meta({ description: 'Happens on or after (YYYY-MM-DD, Japan)' }),
  to: z.string().optional().meta({ description: 'Happens on or before (YYYY-MM-DD, Japan)' }),
  designated: z.enum(['true', 'false']).optional().meta({ description: 'Counts for premium' }),
  openCapacity: z.enum(['true', 'false']).optional().meta({ description: 'A session still takes applications' }),
  sort: z.enum(['relevance', 'newest', 'upcoming']).optional(),
  page: z.string().optional(),
  perPage: z.string().optional(),
});

const searchRoute = createRoute({
  method: 'get',
  path: '/api/v1/search/posts',
  tags,
  summary: 'Nationwide search of published posts (お知らせ, イベント, 担い手募集, 地域の魅力)',
  description:
    'Japanese text is normalised (full/half width, katakana/hiragana, old kanji forms) and matched by bigrams: ' +
    '「祭り」 finds 「夏祭り」, 「ﾎﾞﾗﾝﾃｨｱ」 and 「ぼらんてぃあ」 find 「ボランティア」. Public posts only (registrants-only ' +
    'posts are in GET /api/v1/me/feed). Sort: relevance (default with text), newest (default without), upcoming.',
  request: { query: SearchQuerySchema },
  responses: {
    200: {
      description: 'A page of results',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(PostCardSchema),
            total: z.number().int().meta({ description: 'Matches, counted up to 10,000' }),
            totalCapped: z.boolean().meta({ description: 'More than 10,000 matches' }),
            page: z.number().int(),
            perPage: z.number().int(),
            sort: z.enum(['relevance', 'newest', 'upcoming']),
            terms: z.array(z.string()).meta({ description: 'The query terms as normalised' }),
          }),
        },
      },
    },
    400: problemResponse('Invalid parameter (named)'),
  },
});

const publicPostRoute = createRoute({
  method: 'get',
  path: '/api/v1/posts/{lgCode}/{postId}',
  tags,
  summary: 'One published post',
  request: {
    params: z.object({
      lgCode: LgCode.meta({ param: { name: 'lgCode', in: 'path' } }),
      postId: z.uuid().meta({ param: { name: 'postId', in: 'path' } }),
    }),
  },
  responses: {
    200: { description: 'The post', content: { 'application/json': { schema: PublicPostSchema } } },
    404: problemResponse('Not published, archived, for registrants only, or no such post'),
  },
});

const feedRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/feed',
  tags,
  summary: 'Posts of the governments I am registered with, newest first',
  request: { query: z.object({ page: z.coerce.number().int().min(1).max(500).default(1) }) },
  responses: {
    200: {
      description: 'A page of the feed',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(PostCardSchema), total: z.number().int(), page: z.number().int() }),
        },
      },
    },
    401: problemResponse('Not signed in'),
  },
});

const SavedSearchSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    query: z.record(z.string(), z.string()),
    notify: z.boolean(),
    createdAt: z.iso.datetime(),
    path: z.string().meta({ example: '/search?q=%E7%A5%AD%E3%82%8A' }),
  })
  .openapi('SavedSearch');

const savedJson = (saved: SavedSearch) => ({ ...saved, createdAt: saved.createdAt.toISOString() });

const listSavedRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/saved-searches',
  tags,
  summary: 'My saved searches',
  responses: {
    200: {
      description: 'Saved searches',
      content: { 'application/json': { schema: z.object({ items: z.array(SavedSearchSchema) }) } },
    },
    401: problemResponse('Not signed in'),
  },
});

const createSavedRoute = createRoute({
  method: 'post',
  path: '/api/v1/me/saved-searches',
  tags,
  summary: 'Save a search; new matches are notified (outreach.saved_search)',
  description: `\`query\` holds the search's parameters as GET /api/v1/search/posts takes them. ${csrfNote}`,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            name: z.string().max(100).optional(),
            query: z.record(z.string(), z.string()),
            notify: z.boolean().optional(),
          }),
        },
      },
    },
  },
  responses: {
    201: { description: 'Saved', content: { 'application/json': { schema: SavedSearchSchema } } },
    400: problemResponse('Invalid search'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    409: problemResponse('50 saved searches already'),
  },
});

const savedIdParams = z.object({ id: z.uuid().meta({ param: { name: 'id', in: 'path' } }) });

const updateSavedRoute = createRoute({
  method: 'patch',
  path: '/api/v1/me/saved-searches/{id}',
  tags,
  summary: 'Rename a saved search or turn its notices on or off',
  description: csrfNote,
  request: {
    params: savedIdParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ name: z.string().max(100).optional(), notify: z.boolean().optional() }),
        },
      },
    },
  },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: SavedSearchSchema } } },
    401: problemResponse('Not signed in'),
    404: problemResponse('No such saved search of mine'),
  },
});

const deleteSavedRoute = createRoute({
  method: 'delete',
  path: '/api/v1/me/saved-searches/{id}',
  tags,
  summary: 'Delete a saved search',
  description: csrfNote,
  request: { params: savedIdParams },
  responses: {
    204: { description: 'Deleted' },
    401: problemResponse('Not signed in'),
    404: problemResponse('No such saved search of mine'),
  },
});

// Staff API.

const StaffPostSchema = z
  .object({
    id: z.uuid(),
    lgCode: z.string(),
    kind: z.enum(postKinds),
    category: z.enum(projectCategories).nullable(),
    audience: z.enum(['public', 'registrants']),
    title: z.string(),
    summary: z.string(),
    body: z.string(),
    placeName: z.string(),
    placeAddress: z.string(),
    placeLgCode: z.string().nullable(),
    startsAt: z.iso.datetime().nullable(),
    endsAt: z.iso.datetime().nullable(),
    tags: z.array(z.string()),
    projectId: z.uuid().nullable(),
    organisationId: z.uuid().nullable(),
    status: z.enum(['draft', 'scheduled', 'published', 'archived']),
    publishAt: z.iso.datetime().nullable(),
    publishedAt: z.iso.datetime().nullable(),
    archivedAt: z.iso.datetime().nullable(),
    updatedAt: z.iso.datetime(),
    images: z.array(z.object({ id: z.uuid(), altText: z.string(), width: z.number(), height: z.number() })),
  })
  .openapi('StaffPost');

function staffPostJson(post: PostRow, images: StaffPost['images'] = []): z.infer<typeof StaffPostSchema> {
  return {
    id: post.id,
    lgCode: post.lg_code,
    kind: post.kind,
    category: post.category,
    audience: post.audience,
    title: post.title,
    summary: post.summary,
    body: post.body,
    placeName: post.place_name,
    placeAddress: post.place_address,
    placeLgCode: post.place_lg_code,
    startsAt: iso(post.starts_at),
    endsAt: iso(post.ends_at),
    tags: post.tags,
    projectId: post.project_id,
    organisationId: post.organisation_id,
    status: post.status,
    publishAt: iso(post.publish_at),
    publishedAt: iso(post.published_at),
    archivedAt: iso(post.archived_at),
    updatedAt: post.updated_at.toISOString(),
    images: images.map((image) => ({
      id: image.id,
      altText: image.alt_text,
      width: image.width,
      height: image.height,
    })),
  };
}

const PostInputSchema = z
  .object({
    kind: z.enum(postKinds),
    title: z.string().max(200),
    summary: z.string().max(300).optional(),
    body: z.string().max(20_000).optional(),
    category: z.enum(projectCategories).nullable().optional(),
    audience: z.enum(['public', 'registrants']).optional(),
    placeName: z.string().max(200).optional(),
    placeAddress: z.string().max(300).optional(),
    placeLgCode: z.string().nullable().optional(),
    startsAt: z.string().nullable().optional().meta({ description: 'ISO 8601 with offset' }),
    endsAt: z.string().nullable().optional(),
    tags: z.array(z.string().max(30)).max(10).optional(),
    projectId: z.uuid().nullable().optional().meta({ description: 'Required for recruitment (担い手募集)' }),
  })
  .openapi('PostInput');

const tenantParams = z.object({ lgCode: LgCode.meta({ param: { name: 'lgCode', in: 'path' } }) });
const postParams = tenantParams.extend({ postId: z.uuid().meta({ param: { name: 'postId', in: 'path' } }) });

const staffErrors = {
  401: problemResponse('Not signed in'),
  403: problemResponse('Second factor missing, CSRF token missing, or organisation not approved'),
  404: problemResponse('Not staff of this government, or not your organisation’s post'),
} as const;

const staffListRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/posts',
  tags,
  summary: 'The government’s posts (an organisation’s staff: their organisation’s), last changed first',
  request: {
    params: tenantParams,
    query: z.object({
      status: z.enum(['draft', 'scheduled', 'published', 'archived']).optional(),
      page: z.coerce.number().int().min(1).default(1),
    }),
  },
  responses: {
    200: {
      description: 'Posts',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(
              StaffPostSchema.pick({ id: true, kind: true, title: true, status: true, audience: true }).extend({
                publishAt: z.iso.datetime().nullable(),
                publishedAt: z.iso.datetime().nullable(),
                updatedAt: z.iso.datetime(),
              }),
            ),
            total: z.number().int(),
            page: z.number().int(),
          }),
        },
      },
    },
    ...staffErrors,
  },
});

const staffCreateRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/posts',
  tags,
  summary: 'Write a draft post',
  description: csrfNote,
  request: {
    params: tenantParams,
    body: { required: true, content: { 'application/json': { schema: PostInputSchema } } },
  },
  responses: {
    201: { description: 'Draft', content: { 'application/json': { schema: StaffPostSchema } } },
    400: problemResponse('Invalid post (fields named)'),
    422: problemResponse('A call for help without a (published) project of yours'),
    ...staffErrors,
  },
});

const staffGetRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/posts/{postId}',
  tags,
  summary: 'One post, any status',
  request: { params: postParams },
  responses: {
    200: { description: 'The post', content: { 'application/json': { schema: StaffPostSchema } } },
    ...staffErrors,
  },
});

const staffUpdateRoute = createRoute({
  method: 'put',
  path: '/api/v1/tenants/{lgCode}/posts/{postId}',
  tags,
  summary: 'Change a post (not an archived one)',
  description: csrfNote,
  request: {
    params: postParams,
    body: { required: true, content: { 'application/json': { schema: PostInputSchema } } },
  },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: StaffPostSchema } } },
    400: problemResponse('Invalid post (fields named)'),
    409: problemResponse('Archived'),
    422: problemResponse('A call for help without a (published) project of yours'),
    ...staffErrors,
  },
});

const transitionRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/posts/{postId}/{action}',
  tags,
  summary: 'publish (now), schedule (`publishAt`), unschedule, or archive a post',
  description:
    'schedule takes a JSON body `{"publishAt": "2027-07-01T09:00:00+09:00"}`; the others take none. Publishing tells ' +
    `the government's registrants (notification outreach.new_post). ${csrfNote}`,
  request: {
    params: postParams.extend({
      action: z.enum(['publish', 'schedule', 'unschedule', 'archive']).meta({ param: { name: 'action', in: 'path' } }),
    }),
  },
  responses: {
    200: { description: 'Done', content: { 'application/json': { schema: StaffPostSchema } } },
    400: problemResponse('schedule without publishAt'),
    409: problemResponse('Not possible in the post’s state'),
    422: problemResponse('publishAt in the past'),
    ...staffErrors,
  },
});

const imageUploadRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/posts/{postId}/images',
  tags,
  summary: 'Add an image (JPEG, PNG, WebP, GIF, AVIF; up to 12 MB): resized, metadata (EXIF, GPS) removed',
  description: `multipart/form-data with \`file\` and optional \`altText\`. ${csrfNote}`,
  request: {
    params: postParams,
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: z.object({
            file: z.any().meta({ type: 'string', format: 'binary' }),
            altText: z.string().optional(),
          }),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'Added',
      content: {
        'application/json': { schema: z.object({ id: z.uuid(), width: z.number(), height: z.number() }) },
      },
    },
    409: problemResponse('10 images already, or archived'),
    413: problemResponse('Larger than 12 MB'),
    415: problemResponse('Not a readable image'),
    ...staffErrors,
  },
});

const imageDeleteRoute = createRoute({
  method: 'delete',
  path: '/api/v1/tenants/{lgCode}/posts/{postId}/images/{imageId}',
  tags,
  summary: 'Remove an image',
  description: csrfNote,
  request: { params: postParams.extend({ imageId: z.uuid().meta({ param: { name: 'imageId', in: 'path' } }) }) },
  responses: { 204: { description: 'Removed' }, ...staffErrors },
});

function deps(c: Context<AppEnv>) {
  return { db: c.get('deps').database.db, requestId: c.get('requestId') };
}

async function staffActor(c: Context<AppEnv>, lgCode: string) {
  const area = await enterTenantStaffArea({ ...deps(c), session: requireSession(c), lgCode });
  return { db: deps(c).db, actor: area.actor, lgCode };
}

export function postRoutes(): AppRouter {
  const router = createRouter();

  router.openapi(searchRoute, async (c) => {
    const result = await searchPosts({ db: deps(c).db, query: c.req.valid('query') });
    return c.json({ ...result, items: result.items.map(cardJson) }, 200);
  });

  router.openapi(publicPostRoute, async (c) => {
    const { lgCode, postId } = c.req.valid('param');
    const post = await getPublicPost({
      db: deps(c).db,
      lgCode,
      postId,
      ...(c.get('session') ? { personId: c.get('session')!.personId } : {}),
    });
    return c.json(publicPostJson(post), 200);
  });

  router.openapi(feedRoute, async (c) => {
    const session = requireSession(c);
    const feed = await myFeed({ db: deps(c).db, personId: session.personId, page: c.req.valid('query').page });
    return c.json({ items: feed.items.map(cardJson), total: feed.total, page: feed.page }, 200);
  });

  router.openapi(listSavedRoute, async (c) => {
    const session = requireSession(c);
    const items = await listSavedSearches({ db: deps(c).db, personId: session.personId });
    return c.json({ items: items.map(savedJson) }, 200);
  });

  router.openapi(createSavedRoute, async (c) => {
    const session = requireSession(c);
    const saved = await saveSearch({ db: deps(c).db, personId: session.personId, input: c.req.valid('json') });
    return c.json(savedJson(saved), 201);
  });

  router.openapi(updateSavedRoute, async (c) => {
    const session = requireSession(c);
    const saved = await updateSavedSearch({
      db: deps(c).db,
      personId: session.personId,
      id: c.req.valid('param').id,
      input: c.req.valid('json'),
    });
    return c.json(savedJson(saved), 200);
  });

  router.openapi(deleteSavedRoute, async (c) => {
    const session = requireSession(c);
    await deleteSavedSearch({ db: deps(c).db, personId: session.personId, id: c.req.valid('param').id });
    return c.body(null, 204);
  });

  router.openapi(staffListRoute, async (c) => {
    const scope = await staffActor(c, c.req.valid('param').lgCode);
    const { status, page } = c.req.valid('query');
    const result = await listStaffPosts({ ...scope, page, ...(status ? { status } : {}) });
    return c.json(
      {
        items: result.items.map((item) => ({
          id: item.id,
          kind: item.kind,
          title: item.title,
          status: item.status,
          audience: item.audience,
          publishAt: iso(item.publishAt),
          publishedAt: iso(item.publishedAt),
          updatedAt: item.updatedAt.toISOString(),
        })),
        total: result.total,
        page: result.page,
      },
      200,
    );
  });

  router.openapi(staffCreateRoute, async (c) => {
    const scope = await staffActor(c, c.req.valid('param').lgCode);
    const post = await createPost({ ...scope, input: c.req.valid('json') });
    return c.json(staffPostJson(post), 201);
  });

  router.openapi(staffGetRoute, async (c) => {
    const { lgCode, postId } = c.req.valid('param');
    const scope = await staffActor(c, lgCode);
    const found = await getStaffPost({ ...scope, postId });
    return c.json(staffPostJson(found.post, found.images), 200);
  });

  router.openapi(staffUpdateRoute, async (c) => {
    const { lgCode, postId } = c.req.valid('param');
    const scope = await staffActor(c, lgCode);
    const post = await updatePost({ ...scope, postId, input: c.req.valid('json') });
    return c.json(staffPostJson(post), 200);
  });

  router.openapi(imageUploadRoute, async (c) => {
    const { lgCode, postId } = c.req.valid('param');
    const scope = await staffActor(c, lgCode);
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File)) {
      throw new AppError('validation_failed', { fieldErrors: [{ field: 'file', in: 'form', message: 'required' }] });
    }
    const added = await addPostImage({
      ...scope,
      postId,
      file: new Uint8Array(await file.arrayBuffer()),
      ...(typeof form.altText === 'string' ? { altText: form.altText } : {}),
    });
    return c.json(added, 201);
  });

  router.openapi(imageDeleteRoute, async (c) => {
    const { lgCode, postId, imageId } = c.req.valid('param');
    const scope = await staffActor(c, lgCode);
    await removePostImage({ ...scope, postId, imageId });
    return c.body(null, 204);
  });

  // After the image routes: `/images` is not an action.
  router.openapi(transitionRoute, async (c) => {
    const { lgCode, postId, action } = c.req.valid('param');
    const scope = await staffActor(c, lgCode);
    let post: PostRow;
    if (action === 'publish') post = await publishPost({ ...scope, postId });
    else if (action === 'unschedule') post = await unschedulePost({ ...scope, postId });
    else if (action === 'archive') post = await archivePost({ ...scope, postId });
    else {
      const body = (await c.req.json().catch(() => ({}))) as { publishAt?: unknown };
      const publishAt = typeof body.publishAt === 'string' ? new Date(body.publishAt) : undefined;
      if (!publishAt || Number.isNaN(publishAt.getTime())) {
        throw new AppError('validation_failed', {
          fieldErrors: [{ field: 'publishAt', in: 'body', message: 'an ISO 8601 date and time' }],
        });
      }
      post = await schedulePost({ ...scope, postId, publishAt });
    }
    return c.json(staffPostJson(post), 200);
  });

  return router;
}
