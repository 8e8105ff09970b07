import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deviceLabelOf } from '../../platform/auth/sessions.js';
import { AppError } from '../../platform/errors.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession } from '../../platform/http/session.js';
import {
  deliverySettingsFrom,
  getNotificationPreferences,
  listMyNotifications,
  markNotificationsRead,
  subscribeToPush,
  unsubscribeFromPush,
  updateNotificationPreferences,
  type NotificationItem,
  type NotificationPreferences,
} from './notifications.service.js';

const tags = ['outreach'];
const csrfNote = `State-changing requests need the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie (double submit).`;

const LocalizedSchema = z.object({ ja: z.string(), en: z.string() });

const NotificationSchema = z
  .object({
    id: z.uuid(),
    kind: z.string().meta({ example: 'registrations.premium_decision' }),
    lgCode: z.string().nullable().meta({ description: 'The government it is about, if any' }),
    title: LocalizedSchema,
    body: LocalizedSchema,
    link: z.string().nullable().meta({ description: 'A path on this site', example: '/my/places' }),
    urgent: z.boolean(),
    createdAt: z.iso.datetime(),
    readAt: z.iso.datetime().nullable(),
  })
  .openapi('Notification');

const EmailChoiceSchema = z
  .enum(['immediate', 'digest', 'off'])
  .meta({ description: 'immediate (outside quiet hours), digest (once a day), off' });

const ChannelsSchema = z.object({ inApp: z.boolean(), email: EmailChoiceSchema, push: z.boolean() });

const PreferencesSchema = z
  .object({
    kinds: z.array(
      z.object({
        kind: z.string(),
        label: LocalizedSchema,
        description: LocalizedSchema,
        channels: ChannelsSchema,
        emailRequired: z.boolean(),
      }),
    ),
    quietHours: z
      .object({ start: z.string().meta({ example: '22:00' }), end: z.string().meta({ example: '07:00' }) })
      .nullable()
      .meta({ description: 'Japan time; may wrap midnight. Only urgent notifications come through.' }),
    digestHour: z.number().int().meta({ description: 'Hour (Japan time) of the daily digest mail' }),
    emailPaused: z.boolean().meta({ description: 'Every notification e-mail stopped' }),
    pushDevices: z.array(
      z.object({
        id: z.uuid(),
        deviceLabel: z.string(),
        createdAt: z.iso.datetime(),
        lastSuccessAt: z.iso.datetime().nullable(),
      }),
    ),
  })
  .openapi('NotificationPreferences');

const PreferencesRequestSchema = z
  .object({
    channels: z
      .record(z.string(), ChannelsSchema.partial())
      .optional()
      .meta({ description: 'Kinds to change (others keep their setting)' }),
    quietHours: z
      .object({
        start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
        end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
      })
      .nullable()
      .optional(),
    digestHour: z.number().int().min(0).max(23).optional(),
    emailPaused: z.boolean().optional(),
  })
  .openapi('NotificationPreferencesUpdate');

const PushSubscriptionSchema = z
  .object({
    endpoint: z.url().max(2000),
    keys: z.object({ p256dh: z.string().max(200), auth: z.string().max(100) }),
  })
  .openapi('PushSubscription');

function itemJson(item: NotificationItem): z.infer<typeof NotificationSchema> {
  return { ...item, createdAt: item.createdAt.toISOString(), readAt: item.readAt?.toISOString() ?? null };
}

function preferencesJson(preferences: NotificationPreferences): z.infer<typeof PreferencesSchema> {
  return {
    ...preferences,
    pushDevices: preferences.pushDevices.map((device) => ({
      ...device,
      createdAt: device.createdAt.toISOString(),
      lastSuccessAt: device.lastSuccessAt?.toISOString() ?? null,
    })),
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/notifications',
  tags,
  summary: 'My notifications, newest first',
  request: {
    query: z.object({
      unread: z.enum(['true', 'false']).optional().meta({ description: 'true: unread only' }),
      cursor: z.string().max(60).optional().meta({ description: 'nextCursor of the previous page' }),
      limit: z.coerce.number().int().min(1).max(100).default(30),
    }),
  },
  responses: {
    200: {
      description: 'A page of notifications, with the unread count',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(NotificationSchema),
            unreadCount: z.number().int(),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    400: problemResponse('Bad query'),
    401: problemResponse('Not signed in'),
  },
});

const readRoute = createRoute({
  method: 'post',
  path: '/api/v1/me/notifications/read',
  tags,
  summary: 'Mark notifications read (some by id, or all)',
  description: csrfNote,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.union([z.object({ ids: z.array(z.uuid()).min(1).max(500) }), z.object({ all: z.literal(true) })]),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Marked',
      content: {
        'application/json': { schema: z.object({ marked: z.number().int(), unreadCount: z.number().int() }) },
      },
    },
    400: problemResponse('Bad body'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
  },
});

const getPreferencesRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/notification-preferences',
  tags,
  summary: 'My notification preferences: channels per kind, quiet hours, digest hour, push devices',
  responses: {
    200: { description: 'Preferences', content: { 'application/json': { schema: PreferencesSchema } } },
    401: problemResponse('Not signed in'),
  },
});

const putPreferencesRoute = createRoute({
  method: 'put',
  path: '/api/v1/me/notification-preferences',
  tags,
  summary: 'Change my notification preferences',
  description:
    'Channels per kind: `inApp`, `email` (`immediate`, `digest`, `off`), `push`. Quiet hours hold e-mail and push ' +
    'until they end (urgent notifications come through); the digest hour may not fall inside them. ' +
    csrfNote,
  request: { body: { required: true, content: { 'application/json': { schema: PreferencesRequestSchema } } } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: PreferencesSchema } } },
    400: problemResponse('Invalid preferences (the fields are named)'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
  },
});

const vapidKeyRoute = createRoute({
  method: 'get',
  path: '/api/v1/push/vapid-public-key',
  tags,
  summary: 'The VAPID public key browsers subscribe with (applicationServerKey)',
  responses: {
    200: {
      description: 'The key, base64url',
      content: { 'application/json': { schema: z.object({ publicKey: z.string() }) } },
    },
    409: problemResponse('Push is not set up on this site'),
  },
});

const subscribeRoute = createRoute({
  method: 'post',
  path: '/api/v1/me/push-subscriptions',
  tags,
  summary: 'Receive Web Push notifications in this browser',
  description: `The browser's PushSubscription (endpoint and keys) as PushSubscription.toJSON() gives it. ${csrfNote}`,
  request: { body: { required: true, content: { 'application/json': { schema: PushSubscriptionSchema } } } },
  responses: {
    201: { description: 'Subscribed' },
    400: problemResponse('Invalid subscription'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    409: problemResponse('Push is not set up on this site'),
    422: problemResponse('The endpoint is not a known push service'),
  },
});

const unsubscribeRoute = createRoute({
  method: 'delete',
  path: '/api/v1/me/push-subscriptions',
  tags,
  summary: 'Stop Web Push notifications in a browser',
  description: csrfNote,
  request: {
    body: { required: true, content: { 'application/json': { schema: z.object({ endpoint: z.url().max(2000) }) } } },
  },
  responses: {
    204: { description: 'Removed' },
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('No such subscription of mine'),
  },
});

function context(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config, requestId: c.get('requestId') };
}

export function notificationRoutes(): AppRouter {
  const router = createRouter();

  router.openapi(listRoute, async (c) => {
    const session = requireSession(c);
    const { unread, cursor, limit } = c.req.valid('query');
    const result = await listMyNotifications({
      db: context(c).db,
      personId: session.personId,
      unreadOnly: unread === 'true',
      limit,
      ...(cursor ? { cursor } : {}),
    });
    return c.json({ ...result, items: result.items.map(itemJson) }, 200);
  });

  router.openapi(readRoute, async (c) => {
    const session = requireSession(c);
    const body = c.req.valid('json');
    const { db } = context(c);
    const marked = await markNotificationsRead({
      db,
      personId: session.personId,
      ids: 'all' in body ? 'all' : body.ids,
    });
    const { unreadCount } = await listMyNotifications({ db, personId: session.personId, limit: 1 });
    return c.json({ marked, unreadCount }, 200);
  });

  router.openapi(getPreferencesRoute, async (c) => {
    const session = requireSession(c);
    return c.json(
      preferencesJson(await getNotificationPreferences({ db: context(c).db, personId: session.personId })),
      200,
    );
  });

  router.openapi(putPreferencesRoute, async (c) => {
    const session = requireSession(c);
    const { db, requestId } = context(c);
    const saved = await updateNotificationPreferences({
      db,
      personId: session.personId,
      input: c.req.valid('json'),
      requestId,
    });
    return c.json(preferencesJson(saved), 200);
  });

  router.openapi(vapidKeyRoute, (c) => {
    const push = c.get('deps').config.webPush;
    if (!push) throw new AppError('push_unavailable');
    return c.json({ publicKey: push.publicKey }, 200);
  });

  router.openapi(subscribeRoute, async (c) => {
    const session = requireSession(c);
    const { db, config, requestId } = context(c);
    await subscribeToPush({
      db,
      personId: session.personId,
      input: c.req.valid('json'),
      deviceLabel: deviceLabelOf(c.req.header('user-agent')),
      settings: deliverySettingsFrom(config),
      requestId,
    });
    return c.body(null, 201);
  });

  router.openapi(unsubscribeRoute, async (c) => {
    const session = requireSession(c);
    const { db, requestId } = context(c);
    await unsubscribeFromPush({ db, personId: session.personId, endpoint: c.req.valid('json').endpoint, requestId });
    return c.body(null, 204);
  });

  return router;
}
