import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession } from '../../platform/http/session.js';
import { LgCode } from '../../platform/lg-code.js';
import { enterTenantStaffArea, resolveSessionActor } from '../staff/index.js';
import {
  createRoom,
  createThread,
  getRoom,
  getThread,
  listMyRooms,
  listRoomsForStaff,
  moderateRoom,
  moderationActions,
  reactionKinds,
  replyToThread,
  reportPost,
  reportReasons,
  resolveReport,
  saveRoomProfile,
  setReaction,
  type PostView,
  type ThreadSummary,
} from './rooms.service.js';

const tags = ['outreach'];
const csrfNote = `State-changing requests need the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie.`;
const accessNote =
  'For registrants of the government and its staff who moderate the room (administrators and staff: every room; ' +
  'organisation staff: their organisation’s project rooms, with a second factor). Anyone else gets 404.';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

const Author = z.object({ memberId: z.uuid(), handle: z.string(), displayName: z.string(), staff: z.boolean() });
const RoomSchema = z
  .object({
    lgCode: z.string(),
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    status: z.enum(['open', 'archived']),
    project: z.object({ id: z.uuid(), title: z.string() }).nullable(),
  })
  .openapi('Room');
const ViewerSchema = z
  .object({
    member: z.object({ id: z.uuid(), handle: z.string(), displayName: z.string() }).nullable(),
    moderator: z.boolean(),
    banned: z.boolean(),
    mayWrite: z.boolean(),
  })
  .openapi('RoomViewer');
const ThreadSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    hidden: z.boolean(),
    locked: z.boolean(),
    postCount: z.number().int(),
    lastPostedAt: z.iso.datetime(),
    createdAt: z.iso.datetime(),
    author: Author,
  })
  .openapi('RoomThread');
const PostSchema = z
  .object({
    id: z.uuid(),
    body: z
      .string()
      .nullable()
      .meta({ description: 'Null when hidden (to others than staff and its author) or deleted' }),
    status: z.enum(['visible', 'hidden', 'deleted']),
    hiddenReason: z.string().nullable(),
    createdAt: z.iso.datetime(),
    author: Author,
    mine: z.boolean(),
    reactions: z.array(z.object({ kind: z.enum(reactionKinds), count: z.number().int(), mine: z.boolean() })),
  })
  .openapi('RoomPost');

const threadJson = (thread: ThreadSummary) => ({
  ...thread,
  lastPostedAt: thread.lastPostedAt.toISOString(),
  createdAt: thread.createdAt.toISOString(),
});
const postJson = (post: PostView) => ({ ...post, createdAt: post.createdAt.toISOString() });

const tenantParams = z.object({ lgCode: LgCode.meta({ param: { name: 'lgCode', in: 'path' } }) });
const roomParams = tenantParams.extend({ roomId: z.string().meta({ param: { name: 'roomId', in: 'path' } }) });
const threadParams = roomParams.extend({ threadId: z.string().meta({ param: { name: 'threadId', in: 'path' } }) });
const postParams = roomParams.extend({ postId: z.string().meta({ param: { name: 'postId', in: 'path' } }) });

const common = {
  401: problemResponse('Not signed in'),
  403: problemResponse('CSRF token missing, or banned from the room'),
  404: problemResponse('Not a registrant or moderator here, or no such room'),
};

const myRoomsRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/rooms',
  tags,
  summary: 'Rooms of the governments I am registered with',
  responses: {
    200: {
      description: 'Rooms',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(
              RoomSchema.extend({ governmentName: z.string(), lastPostedAt: z.iso.datetime().nullable() }),
            ),
          }),
        },
      },
    },
    401: problemResponse('Not signed in'),
  },
});

const profileRoute = createRoute({
  method: 'put',
  path: '/api/v1/rooms/{lgCode}/profile',
  tags,
  summary: 'Choose how I appear in the government’s rooms: a name and an @handle (unique in the government)',
  description: `The name shared with the government at registration is never shown in rooms. ${csrfNote}`,
  request: {
    params: tenantParams,
    body: {
      required: true,
      content: {
        'application/json': { schema: z.object({ handle: z.string(), displayName: z.string() }) },
      },
    },
  },
  responses: {
    200: {
      description: 'Saved',
      content: {
        'application/json': { schema: z.object({ id: z.uuid(), handle: z.string(), displayName: z.string() }) },
      },
    },
    400: problemResponse('Invalid handle or name'),
    409: problemResponse('The handle is taken'),
    ...common,
  },
});

const roomRoute = createRoute({
  method: 'get',
  path: '/api/v1/rooms/{lgCode}/{roomId}',
  tags,
  summary: 'A room and a page of its threads (latest activity first)',
  description: accessNote,
  request: { params: roomParams, query: z.object({ cursor: z.string().optional() }) },
  responses: {
    200: {
      description: 'The room',
      content: {
        'application/json': {
          schema: z.object({
            room: RoomSchema,
            viewer: ViewerSchema,
            threads: z.array(ThreadSchema),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    ...common,
  },
});

const newThreadRoute = createRoute({
  method: 'post',
  path: '/api/v1/rooms/{lgCode}/{roomId}/threads',
  tags,
  summary: 'Start a thread; @handles in it notify those people',
  description: `${accessNote} ${csrfNote}`,
  request: {
    params: roomParams,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ title: z.string(), body: z.string() }) } },
    },
  },
  responses: {
    201: {
      description: 'Started',
      content: { 'application/json': { schema: z.object({ threadId: z.uuid(), postId: z.uuid() }) } },
    },
    400: problemResponse('Invalid title or text'),
    409: problemResponse('No room name chosen yet, or the room is archived'),
    429: problemResponse('Too many posts in a short time'),
    ...common,
  },
});

const threadRoute = createRoute({
  method: 'get',
  path: '/api/v1/rooms/{lgCode}/{roomId}/threads/{threadId}',
  tags,
  summary: 'A thread with its posts and reactions',
  description: accessNote,
  request: { params: threadParams },
  responses: {
    200: {
      description: 'The thread',
      content: {
        'application/json': {
          schema: z.object({
            room: RoomSchema,
            viewer: ViewerSchema,
            thread: ThreadSchema,
            hiddenReason: z.string().nullable(),
            truncated: z.boolean(),
            posts: z.array(PostSchema),
          }),
        },
      },
    },
    ...common,
  },
});

const replyRoute = createRoute({
  method: 'post',
  path: '/api/v1/rooms/{lgCode}/{roomId}/threads/{threadId}/posts',
  tags,
  summary: 'Reply in a thread; @handles notify',
  description: `${accessNote} ${csrfNote}`,
  request: {
    params: threadParams,
    body: { required: true, content: { 'application/json': { schema: z.object({ body: z.string() }) } } },
  },
  responses: {
    201: { description: 'Posted', content: { 'application/json': { schema: z.object({ postId: z.uuid() }) } } },
    400: problemResponse('Invalid text'),
    409: problemResponse('The thread is locked, the room archived, or no room name chosen'),
    429: problemResponse('Too many posts in a short time'),
    ...common,
  },
});

const reactionRoute = (method: 'put' | 'delete') =>
  createRoute({
    method,
    path: '/api/v1/rooms/{lgCode}/{roomId}/posts/{postId}/reactions/{kind}',
    tags,
    summary: method === 'put' ? 'React to a post' : 'Take a reaction back',
    description: csrfNote,
    request: {
      params: postParams.extend({ kind: z.enum(reactionKinds).meta({ param: { name: 'kind', in: 'path' } }) }),
    },
    responses: { 204: { description: 'Done' }, ...common },
  });

const reportRoute = createRoute({
  method: 'post',
  path: '/api/v1/rooms/{lgCode}/{roomId}/posts/{postId}/reports',
  tags,
  summary: 'Report a post to the room’s staff (once per post); you are told the outcome',
  description: `${accessNote} ${csrfNote}`,
  request: {
    params: postParams,
    body: {
      required: true,
      content: {
        'application/json': { schema: z.object({ reason: z.enum(reportReasons), note: z.string().optional() }) },
      },
    },
  },
  responses: {
    201: { description: 'Reported', content: { 'application/json': { schema: z.object({ reportId: z.uuid() }) } } },
    409: problemResponse('Already reported'),
    ...common,
  },
});

const staffListRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/rooms',
  tags,
  summary: 'Rooms I moderate, with their open reports and bans, and projects that could have a room',
  description: 'Staff with a second factor; organisation staff see their organisation’s project rooms.',
  request: { params: tenantParams },
  responses: {
    200: {
      description: 'Rooms',
      content: {
        'application/json': {
          schema: z.object({
            rooms: z.array(RoomSchema.extend({ openReports: z.number().int(), threadCount: z.number().int() })),
            reports: z.array(
              z.object({
                id: z.uuid(),
                roomId: z.uuid(),
                roomName: z.string(),
                threadId: z.uuid(),
                postId: z.uuid(),
                reason: z.enum(reportReasons),
                note: z.string(),
                reportedAt: z.iso.datetime(),
                post: z.object({ body: z.string(), status: z.string() }),
                author: z.object({ memberId: z.uuid(), handle: z.string(), displayName: z.string() }),
              }),
            ),
            bans: z.array(
              z.object({
                id: z.uuid(),
                roomId: z.uuid(),
                reason: z.string(),
                bannedAt: z.iso.datetime(),
                member: z.object({ id: z.uuid(), handle: z.string(), displayName: z.string() }),
              }),
            ),
            projectsWithoutRoom: z.array(z.object({ id: z.uuid(), title: z.string() })),
            mayCreateGovernmentRoom: z.boolean(),
          }),
        },
      },
    },
    ...common,
  },
});

const createRoomRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/rooms',
  tags,
  summary: 'Open a room of the government, or of a published project (one per project)',
  description: csrfNote,
  request: {
    params: tenantParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ name: z.string(), description: z.string().optional(), projectId: z.uuid().optional() }),
        },
      },
    },
  },
  responses: {
    201: { description: 'Opened', content: { 'application/json': { schema: z.object({ id: z.uuid() }) } } },
    400: problemResponse('Invalid name'),
    409: problemResponse('The project has a room, or is not published'),
    ...common,
  },
});

const moderateRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/rooms/{roomId}/moderation',
  tags,
  summary: 'Moderate: hide or show a post or thread, lock or unlock a thread, ban a member or lift a ban',
  description:
    '`targetId` is the post, the thread, the member (`ban_member`) or the ban (`lift_ban`). Hiding and banning ' +
    'need a `reason`, which the person concerned is told; hiding a reported post resolves its reports and tells ' +
    `the reporters. Audited. ${csrfNote}`,
  request: {
    params: roomParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ action: z.enum(moderationActions), targetId: z.uuid(), reason: z.string().optional() }),
        },
      },
    },
  },
  responses: { 204: { description: 'Done' }, 400: problemResponse('Invalid action or no reason'), ...common },
});

const resolveRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/room-reports/{reportId}/resolution',
  tags,
  summary: 'Decide on a reported post: hide it, hide it and ban its author, or leave it',
  description: `All open reports of the post are resolved; reporters and author are told. Audited. ${csrfNote}`,
  request: {
    params: tenantParams.extend({ reportId: z.string().meta({ param: { name: 'reportId', in: 'path' } }) }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ outcome: z.enum(['hidden', 'banned', 'no_action']), reason: z.string().optional() }),
        },
      },
    },
  },
  responses: { 204: { description: 'Decided' }, 400: problemResponse('No reason for hiding'), ...common },
});

function deps(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config, requestId: c.get('requestId') };
}

async function sessionActor(c: Context<AppEnv>) {
  return resolveSessionActor({ ...deps(c), session: requireSession(c) });
}

async function staffActor(c: Context<AppEnv>, lgCode: string) {
  return (await enterTenantStaffArea({ ...deps(c), session: requireSession(c), lgCode })).actor;
}

export function roomRoutes(): AppRouter {
  const router = createRouter();

  router.openapi(myRoomsRoute, async (c) => {
    const rooms = await listMyRooms({ db: deps(c).db, personId: requireSession(c).personId });
    return c.json({ items: rooms.map((room) => ({ ...room, lastPostedAt: iso(room.lastPostedAt) })) }, 200);
  });

  router.openapi(profileRoute, async (c) => {
    const actor = await sessionActor(c);
    const profile = await saveRoomProfile({
      db: deps(c).db,
      actor,
      lgCode: c.req.valid('param').lgCode,
      input: c.req.valid('json'),
    });
    return c.json(profile, 200);
  });

  router.openapi(roomRoute, async (c) => {
    const { lgCode, roomId } = c.req.valid('param');
    const { cursor } = c.req.valid('query');
    const data = await getRoom({
      db: deps(c).db,
      actor: await sessionActor(c),
      lgCode,
      roomId,
      ...(cursor ? { cursor } : {}),
    });
    return c.json({ ...data, threads: data.threads.map(threadJson) }, 200);
  });

  router.openapi(newThreadRoute, async (c) => {
    const { lgCode, roomId } = c.req.valid('param');
    const made = await createThread({
      db: deps(c).db,
      actor: await sessionActor(c),
      lgCode,
      roomId,
      input: c.req.valid('json'),
    });
    return c.json(made, 201);
  });

  router.openapi(threadRoute, async (c) => {
    const { lgCode, roomId, threadId } = c.req.valid('param');
    const data = await getThread({ db: deps(c).db, actor: await sessionActor(c), lgCode, roomId, threadId });
    return c.json({ ...data, thread: threadJson(data.thread), posts: data.posts.map(postJson) }, 200);
  });

  router.openapi(replyRoute, async (c) => {
    const { lgCode, roomId, threadId } = c.req.valid('param');
    const made = await replyToThread({
      db: deps(c).db,
      actor: await sessionActor(c),
      lgCode,
      roomId,
      threadId,
      input: c.req.valid('json'),
    });
    return c.json(made, 201);
  });

  for (const method of ['put', 'delete'] as const) {
    router.openapi(reactionRoute(method), async (c) => {
      const { lgCode, roomId, postId, kind } = c.req.valid('param');
      await setReaction({
        db: deps(c).db,
        actor: await sessionActor(c),
        lgCode,
        roomId,
        postId,
        kind,
        on: method === 'put',
      });
      return c.body(null, 204);
    });
  }

  router.openapi(reportRoute, async (c) => {
    const { lgCode, roomId, postId } = c.req.valid('param');
    const made = await reportPost({
      db: deps(c).db,
      actor: await sessionActor(c),
      lgCode,
      roomId,
      postId,
      input: c.req.valid('json'),
    });
    return c.json(made, 201);
  });

  router.openapi(staffListRoute, async (c) => {
    const { lgCode } = c.req.valid('param');
    const data = await listRoomsForStaff({ db: deps(c).db, actor: await staffActor(c, lgCode), lgCode });
    return c.json(
      {
        ...data,
        reports: data.reports.map((report) => ({ ...report, reportedAt: report.reportedAt.toISOString() })),
        bans: data.bans.map((ban) => ({ ...ban, bannedAt: ban.bannedAt.toISOString() })),
      },
      200,
    );
  });

  router.openapi(createRoomRoute, async (c) => {
    const { lgCode } = c.req.valid('param');
    const made = await createRoom({
      db: deps(c).db,
      actor: await staffActor(c, lgCode),
      lgCode,
      input: c.req.valid('json'),
    });
    return c.json(made, 201);
  });

  router.openapi(moderateRoute, async (c) => {
    const { lgCode, roomId } = c.req.valid('param');
    await moderateRoom({
      db: deps(c).db,
      actor: await staffActor(c, lgCode),
      lgCode,
      roomId,
      input: c.req.valid('json'),
    });
    return c.body(null, 204);
  });

  router.openapi(resolveRoute, async (c) => {
    const { lgCode, reportId } = c.req.valid('param');
    await resolveReport({
      db: deps(c).db,
      actor: await staffActor(c, lgCode),
      lgCode,
      reportId,
      input: c.req.valid('json'),
    });
    return c.body(null, 204);
  });

  return router;
}
