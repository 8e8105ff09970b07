import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { projectCategories, organisationKinds } from '../../platform/db/schema.js';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession } from '../../platform/http/session.js';
import { LgCode } from '../../platform/lg-code.js';
import { getMyPremiumProgress } from '../registrations/index.js';
import { resolveSessionActor } from '../staff/index.js';
import { applyToSession, ApplicationInput, cancelMyApplication, listMyApplications } from './applications.service.js';
import { checkInWithCode, getMyActivityHistory, type RecordedAttendance } from './attendance.service.js';
import { applyAsOrganisation, OrganisationApplicationInput, type Organisation } from './organisations.service.js';
import { getPublicProject, listUpcomingActivities, UpcomingQuery } from './public.service.js';

const tags = ['activities'];
const csrfNote = `State-changing requests need the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie (double submit).`;

const LocalizedSchema = z.object({ ja: z.string(), en: z.string() });
const iso = (date: Date | null) => (date ? date.toISOString() : null);

const PublicSessionSchema = z
  .object({
    lgCode: z.string(),
    governmentName: z.string(),
    sessionId: z.uuid(),
    projectId: z.uuid(),
    title: z.string(),
    category: z.enum(projectCategories),
    placeName: z.string(),
    organisationName: z.string().nullable(),
    startsAt: z.iso.datetime(),
    endsAt: z.iso.datetime(),
    capacity: z.number().int().nullable(),
    placesLeft: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'null: no limit; 0: applications go on the waiting list' }),
    open: z.boolean().meta({ description: 'Takes applications' }),
    designated: z.boolean().meta({ description: 'Counts for premium registration (designated by the government)' }),
  })
  .openapi('PublicActivitySession');

const PublicProjectSchema = z
  .object({
    project: z.object({
      lgCode: z.string(),
      id: z.uuid(),
      governmentName: z.string(),
      title: z.string(),
      description: z.string(),
      category: z.enum(projectCategories),
      placeName: z.string(),
      placeAddress: z.string(),
      whatToBring: z.string(),
      contact: z.string(),
      accessibility: z.string(),
      organisationName: z.string().nullable(),
      organisationKind: z.enum(organisationKinds).nullable(),
      designated: z.boolean(),
    }),
    sessions: z.array(
      z.object({
        id: z.uuid(),
        startsAt: z.iso.datetime(),
        endsAt: z.iso.datetime(),
        capacity: z.number().int().nullable(),
        placesLeft: z.number().int().nullable(),
        status: z.enum(['open', 'closed', 'cancelled']),
        ended: z.boolean(),
        note: z.string(),
        myApplication: z
          .object({ id: z.uuid(), status: z.enum(['confirmed', 'waitlisted']) })
          .nullable()
          .meta({ description: 'The signed-in person’s live application to this session' }),
      }),
    ),
  })
  .openapi('PublicProject');

const ApplicationResultSchema = z
  .object({
    applicationId: z.uuid(),
    status: z.enum(['confirmed', 'waitlisted']),
    waitlistPosition: z.number().int().nullable().meta({ description: '1 = next to move up' }),
  })
  .openapi('SessionApplicationResult');

const SessionSummarySchema = z.object({
  lgCode: z.string(),
  sessionId: z.uuid(),
  projectId: z.uuid(),
  projectTitle: z.string(),
  organisationName: z.string().nullable(),
  placeName: z.string(),
  startsAt: z.iso.datetime(),
  endsAt: z.iso.datetime(),
  sessionStatus: z.enum(['open', 'closed', 'cancelled']),
  projectStatus: z.enum(['draft', 'published', 'cancelled', 'archived']),
  designated: z.boolean(),
});

const MyApplicationSchema = z
  .object({
    lgCode: z.string(),
    id: z.uuid(),
    status: z.enum(['confirmed', 'waitlisted', 'cancelled', 'withdrawn']),
    appliedAt: z.iso.datetime(),
    waitlistPosition: z.number().int().nullable(),
    governmentName: z.string(),
    session: SessionSummarySchema.nullable(),
  })
  .openapi('MySessionApplication');

const CheckInResultSchema = z
  .object({
    result: z
      .enum(['recorded', 'already_present'])
      .meta({ description: 'already_present: the person was already checked in for this session on this day' }),
    attendanceId: z.uuid(),
    lgCode: z.string(),
    sessionId: z.uuid(),
    projectId: z.uuid(),
    projectTitle: z.string(),
    activityDate: z.string().meta({ description: 'The day in Japan (YYYY-MM-DD) the presence counts for' }),
    designated: z.boolean().meta({ description: 'Counts for premium' }),
    sharedName: z.string().nullable(),
  })
  .openapi('CheckInResult');

export function checkInJson(recorded: RecordedAttendance): z.infer<typeof CheckInResultSchema> {
  return recorded;
}

const HistorySchema = z
  .object({
    groups: z.array(
      z.object({
        lgCode: z.string(),
        governmentName: z.string(),
        fiscalYear: z.number().int(),
        days: z.number().int(),
        designatedDays: z.number().int().meta({ description: 'Days that counted for premium' }),
        entries: z.array(
          z.object({
            attendanceId: z.uuid(),
            activityDate: z.string(),
            method: z.enum(['session_qr', 'card_qr', 'manual']),
            designated: z.boolean(),
            projectTitle: z.string(),
            organisationName: z.string().nullable(),
            placeName: z.string(),
          }),
        ),
      }),
    ),
  })
  .openapi('ActivityHistory');

const ProgressSchema = z
  .object({
    lgCode: z.string(),
    governmentName: z.string(),
    tier: z.enum(['basic', 'premium']),
    premiumValidUntil: z.iso.datetime().nullable(),
    mode: z.enum(['manual', 'automatic']),
    judgement: z.object({
      met: z.boolean(),
      count: z.number().int().meta({ description: 'Designated activity days in the window' }),
      required: z.number().int(),
      missing: z.number().int().meta({ description: 'Designated activity days still needed (0 when met)' }),
      longStay: z.boolean(),
      daysPresent: z.number().int().meta({ description: 'Days present in the window (long stay)' }),
      window: z.object({
        from: z.string().meta({ description: 'First Japan date counted (YYYY-MM-DD)' }),
        to: z.string().meta({ description: 'Last Japan date counted' }),
        kind: z.enum(['rolling_12_months', 'fiscal_year']),
      }),
      explanation: LocalizedSchema,
    }),
  })
  .openapi('PremiumProgress');

export const OrganisationSchema = z
  .object({
    lgCode: z.string(),
    id: z.uuid().meta({ description: 'The same id in every government the organisation works with' }),
    name: z.string(),
    kind: z.enum(organisationKinds),
    description: z.string(),
    area: z.string(),
    contactEmail: z.string().nullable(),
    contactPhone: z.string().nullable(),
    website: z.string().nullable(),
    corporateNumber: z.string().nullable(),
    status: z.enum(['pending', 'approved', 'rejected', 'suspended']),
    designated: z.boolean().meta({ description: 'Pattern ②: its projects count for premium unless excluded' }),
    designatedAt: z.iso.datetime().nullable(),
    appliedByPerson: z.boolean(),
    decidedAt: z.iso.datetime().nullable(),
    decisionReason: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Organisation');

export function organisationJson(organisation: Organisation): z.infer<typeof OrganisationSchema> {
  return {
    ...organisation,
    designatedAt: iso(organisation.designatedAt),
    decidedAt: iso(organisation.decidedAt),
    createdAt: organisation.createdAt.toISOString(),
  };
}

const OrganisationFields = z.object({
  name: z.string().max(200),
  kind: z.enum(organisationKinds),
  description: z.string().max(4000).optional(),
  area: z.string().max(200).optional(),
  contactEmail: z.string().max(254).optional(),
  contactPhone: z.string().max(20).optional(),
  website: z.string().max(500).optional(),
  corporateNumber: z.string().max(20).optional().meta({ description: '法人番号 (13 digits, check digit checked)' }),
});

export const OrganisationBodySchema = OrganisationFields.openapi('OrganisationInput');

const OrganisationApplicationSchema = z
  .union([
    OrganisationFields.extend({ lgCode: LgCode }),
    z.object({
      lgCode: LgCode,
      sameAsIn: LgCode.meta({
        description:
          'A government where the applicant is already this organisation’s 団体担当者: the organisation keeps its id and profile',
      }),
    }),
  ])
  .openapi('OrganisationApplication');

const lgCodeParam = LgCode.meta({ param: { name: 'lgCode', in: 'path' } });
const idParam = (name: string) =>
  z
    .string()
    .max(64)
    .meta({ param: { name, in: 'path' } });

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/activities',
  tags,
  summary: '担い手 activities still to come in every government (published projects), soonest first',
  request: { query: UpcomingQuery },
  responses: {
    200: {
      description: 'One page',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(PublicSessionSchema),
            page: z.number().int(),
            perPage: z.number().int(),
            total: z.number().int(),
            totalPages: z.number().int(),
          }),
        },
      },
    },
    400: problemResponse('Invalid filter'),
  },
});

const projectRoute = createRoute({
  method: 'get',
  path: '/api/v1/activities/{lgCode}/projects/{projectId}',
  tags,
  summary: 'A published project with its sessions (and, signed in, my applications to them)',
  request: { params: z.object({ lgCode: lgCodeParam, projectId: idParam('projectId') }) },
  responses: {
    200: { description: 'The project', content: { 'application/json': { schema: PublicProjectSchema } } },
    400: problemResponse('Malformed code'),
    404: problemResponse('No such published project'),
  },
});

const applyRoute = createRoute({
  method: 'post',
  path: '/api/v1/activities/{lgCode}/sessions/{sessionId}/applications',
  tags,
  summary: 'Apply to a session: confirmed within capacity, otherwise on the waiting list',
  description:
    'The organiser sees the name the person shares with this government as a registrant (or the account’s ' +
    `display name) and the e-mail address, for messages about the session. A confirmation mail is sent. ${csrfNote}`,
  request: {
    params: z.object({ lgCode: lgCodeParam, sessionId: idParam('sessionId') }),
    body: {
      required: false,
      content: { 'application/json': { schema: z.object(ApplicationInput.shape).openapi('ApplicationInput') } },
    },
  },
  responses: {
    201: { description: 'Applied', content: { 'application/json': { schema: ApplicationResultSchema } } },
    400: problemResponse('Invalid input'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('No such session of a published project'),
    409: problemResponse('Already applied, applications closed, session cancelled or over'),
  },
});

const myApplicationsRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/session-applications',
  tags,
  summary: 'My applications, upcoming first (with my place on the waiting list)',
  responses: {
    200: {
      description: 'Applications',
      content: { 'application/json': { schema: z.object({ items: z.array(MyApplicationSchema) }) } },
    },
    401: problemResponse('Not signed in'),
  },
});

const cancelRoute = createRoute({
  method: 'delete',
  path: '/api/v1/me/session-applications/{lgCode}/{applicationId}',
  tags,
  summary: 'Cancel my application; a confirmed place goes to the first person waiting',
  description: csrfNote,
  request: { params: z.object({ lgCode: lgCodeParam, applicationId: idParam('applicationId') }) },
  responses: {
    204: { description: 'Cancelled' },
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('No such application of mine'),
    409: problemResponse('Already ended, or the session is over'),
  },
});

const checkInRoute = createRoute({
  method: 'post',
  path: '/api/v1/me/check-ins',
  tags,
  summary: "Check in with the code scanned on the organiser's screen",
  description:
    'The code changes every 30 seconds and is accepted for about a minute. Refused with a clear problem: a ' +
    'forged or altered code (checkin_code_invalid), an expired one (checkin_code_expired), a code of another ' +
    'session than `sessionId` (checkin_wrong_session), outside the session’s check-in hours, 30 minutes before ' +
    'the start to 30 minutes after the end (checkin_outside_window). The same person is counted once per ' +
    `session and day: a second check-in answers 200 with result already_present. ${csrfNote}`,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              code: z.string().min(1).max(300).meta({ description: 'What the scanner read (the URL in the QR code)' }),
              sessionId: z.uuid().optional().meta({ description: 'The session the person means to check in to' }),
            })
            .openapi('CheckInRequest'),
        },
      },
    },
  },
  responses: {
    201: { description: 'Checked in', content: { 'application/json': { schema: CheckInResultSchema } } },
    200: { description: 'Already checked in today', content: { 'application/json': { schema: CheckInResultSchema } } },
    400: problemResponse('Invalid or expired code'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    409: problemResponse('Code of another session, outside check-in hours, or the session is cancelled'),
  },
});

const historyRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/activity-history',
  tags,
  summary: 'My activity history: days present per government and fiscal year',
  request: {
    query: z.object({
      fiscalYear: z.coerce.number().int().min(2020).max(2100).optional(),
      lgCode: LgCode.optional(),
    }),
  },
  responses: {
    200: { description: 'History', content: { 'application/json': { schema: HistorySchema } } },
    400: problemResponse('Invalid filter'),
    401: problemResponse('Not signed in'),
  },
});

const progressRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/registrations/{lgCode}/premium-progress',
  tags,
  summary: 'My premium requirement for a government, explained (e.g. 2 of 3: 1 more needed)',
  request: { params: z.object({ lgCode: LgCode.meta({ param: { name: 'lgCode', in: 'path' } }) }) },
  responses: {
    200: { description: 'The judgement now', content: { 'application/json': { schema: ProgressSchema } } },
    400: problemResponse('Malformed code'),
    401: problemResponse('Not signed in'),
    404: problemResponse('Not registered with this government'),
  },
});

const organisationApplicationRoute = createRoute({
  method: 'post',
  path: '/api/v1/organisation-applications',
  tags,
  summary: 'Apply, on an organisation’s behalf, to work with a government as a related organisation (関係団体)',
  description:
    'The government approves or rejects; approval makes the applicant the organisation’s 団体担当者 there. ' +
    `With \`sameAsIn\`, an organisation the applicant already serves elsewhere comes along with its id and profile. ${csrfNote}`,
  request: { body: { required: true, content: { 'application/json': { schema: OrganisationApplicationSchema } } } },
  responses: {
    201: { description: 'Applied (pending)', content: { 'application/json': { schema: OrganisationSchema } } },
    400: problemResponse('Invalid input (the fields are named)'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('No such government taking part, or not this organisation’s staff in sameAsIn'),
    409: problemResponse('The organisation is already known to this government, or not approved where it comes from'),
  },
});

function deps(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config, requestId: c.get('requestId') };
}

export function activityRoutes(): AppRouter {
  const router = createRouter();

  router.openapi(listRoute, async (c) => {
    const result = await listUpcomingActivities({ db: deps(c).db, query: c.req.valid('query') });
    return c.json(
      {
        ...result,
        items: result.items.map((item) => ({
          ...item,
          startsAt: item.startsAt.toISOString(),
          endsAt: item.endsAt.toISOString(),
        })),
      },
      200,
    );
  });

  router.openapi(projectRoute, async (c) => {
    const { lgCode, projectId } = c.req.valid('param');
    const session = c.get('session');
    const result = await getPublicProject({
      db: deps(c).db,
      lgCode,
      projectId,
      ...(session ? { personId: session.personId } : {}),
    });
    return c.json(
      {
        project: result.project,
        sessions: result.sessions.map((item) => ({
          ...item,
          startsAt: item.startsAt.toISOString(),
          endsAt: item.endsAt.toISOString(),
          myApplication: item.myApplication
            ? { id: item.myApplication.id, status: item.myApplication.status as 'confirmed' | 'waitlisted' }
            : null,
        })),
      },
      200,
    );
  });

  router.openapi(applyRoute, async (c) => {
    const session = requireSession(c);
    const { lgCode, sessionId } = c.req.valid('param');
    const body = c.req.header('content-type')?.includes('application/json') ? c.req.valid('json') : {};
    const applied = await applyToSession({
      ...deps(c),
      personId: session.personId,
      lgCode,
      sessionId,
      input: body ?? {},
    });
    return c.json(
      {
        applicationId: applied.applicationId,
        status: applied.status as 'confirmed' | 'waitlisted',
        waitlistPosition: applied.waitlistPosition,
      },
      201,
    );
  });

  router.openapi(myApplicationsRoute, async (c) => {
    const session = requireSession(c);
    const items = await listMyApplications({ db: deps(c).db, personId: session.personId });
    return c.json(
      {
        items: items.map((item) => ({
          ...item,
          appliedAt: item.appliedAt.toISOString(),
          session: item.session
            ? {
                ...item.session,
                startsAt: item.session.startsAt.toISOString(),
                endsAt: item.session.endsAt.toISOString(),
              }
            : null,
        })),
      },
      200,
    );
  });

  router.openapi(cancelRoute, async (c) => {
    const session = requireSession(c);
    const { lgCode, applicationId } = c.req.valid('param');
    await cancelMyApplication({ ...deps(c), personId: session.personId, lgCode, applicationId });
    return c.body(null, 204);
  });

  router.openapi(checkInRoute, async (c) => {
    const session = requireSession(c);
    const { code, sessionId } = c.req.valid('json');
    const recorded = await checkInWithCode({
      ...deps(c),
      personId: session.personId,
      code,
      ...(sessionId ? { expectedSessionId: sessionId } : {}),
    });
    return c.json(checkInJson(recorded), recorded.result === 'recorded' ? 201 : 200);
  });

  router.openapi(historyRoute, async (c) => {
    const session = requireSession(c);
    const query = c.req.valid('query');
    const groups = await getMyActivityHistory({
      db: deps(c).db,
      personId: session.personId,
      ...(query.fiscalYear ? { fiscalYear: query.fiscalYear } : {}),
      ...(query.lgCode ? { lgCode: query.lgCode } : {}),
    });
    return c.json({ groups }, 200);
  });

  router.openapi(progressRoute, async (c) => {
    const session = requireSession(c);
    const progress = await getMyPremiumProgress({
      db: deps(c).db,
      personId: session.personId,
      lgCode: c.req.valid('param').lgCode,
    });
    return c.json(
      {
        lgCode: progress.lgCode,
        governmentName: progress.governmentName,
        tier: progress.tier,
        premiumValidUntil: iso(progress.premiumValidUntil),
        mode: progress.mode,
        judgement: progress.judgement,
      },
      200,
    );
  });

  router.openapi(organisationApplicationRoute, async (c) => {
    const session = requireSession(c);
    const { lgCode, ...input } = c.req.valid('json');
    const actor = await resolveSessionActor({ db: deps(c).db, session, requestId: deps(c).requestId });
    const organisation = await applyAsOrganisation({ db: deps(c).db, actor, lgCode, input });
    return c.json(organisationJson(organisation), 201);
  });

  return router;
}
