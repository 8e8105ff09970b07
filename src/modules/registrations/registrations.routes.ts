import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession } from '../../platform/http/session.js';
import { LgCode } from '../../platform/lg-code.js';
import {
  applyForPremium,
  listMyRegistrations,
  registerWithGovernment,
  RegistrationInput,
  setPrefectureLink,
  setShowNameOnCard,
  withdrawRegistration,
  type MyRegistration,
} from './registrations.service.js';

const tags = ['registrations'];
const csrfNote = `State-changing requests need the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie (double submit).`;

const LocalizedSchema = z.object({ ja: z.string(), en: z.string() });

const MyRegistrationSchema = z
  .object({
    lgCode: z.string().meta({ example: '042056' }),
    id: z.uuid(),
    governmentName: z.string().meta({ example: '宮城県気仙沼市' }),
    isPrefecture: z.boolean(),
    tier: z.enum(['basic', 'premium']),
    status: z.enum(['active', 'withdrawn', 'released']),
    origin: z
      .enum(['direct', 'prefecture_link'])
      .meta({ description: 'prefecture_link: made by a registration with one of the prefecture’s municipalities' }),
    linkedFromLgCode: z.string().nullable(),
    ownResidence: z
      .boolean()
      .meta({ description: '住所地: the person lives here; allowed for basic, never counted as related population' }),
    premiumValidUntil: z.iso.datetime().nullable(),
    longStay: z.boolean(),
    showNameOnCard: z.boolean(),
    registeredAt: z.iso.datetime(),
    endedAt: z.iso.datetime().nullable(),
    endReason: z
      .string()
      .nullable()
      .meta({ description: 'withdrawn, inactive, account_deleted or prefecture_link_removed' }),
    pendingApplication: z.boolean().meta({ description: 'A premium application is waiting for a decision' }),
    stayQuestionOpen: z
      .boolean()
      .meta({ description: 'Asked whether to stay after a long time without access, and not answered yet' }),
  })
  .openapi('MyRegistration');

const RegistrationRequestSchema = RegistrationInput.extend({ lgCode: LgCode }).openapi('RegistrationRequest');

const PremiumApplicationSchema = z
  .object({
    applicationId: z.uuid(),
    status: z
      .enum(['pending', 'approved', 'rejected'])
      .meta({ description: 'pending in the government’s manual mode; decided at once in its automatic mode' }),
    judgement: z.object({
      met: z.boolean(),
      count: z.number().int(),
      required: z.number().int(),
      longStay: z.boolean(),
      explanation: LocalizedSchema,
    }),
  })
  .openapi('PremiumApplication');

const lgCodeParam = z.object({ lgCode: LgCode.meta({ param: { name: 'lgCode', in: 'path' } }) });

function toJson(registration: MyRegistration): z.infer<typeof MyRegistrationSchema> {
  return {
    ...registration,
    premiumValidUntil: registration.premiumValidUntil?.toISOString() ?? null,
    registeredAt: registration.registeredAt.toISOString(),
    endedAt: registration.endedAt?.toISOString() ?? null,
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/me/registrations',
  tags,
  summary: 'My places: the signed-in person’s registrations, current first, then past ones',
  responses: {
    200: {
      description: 'Registrations and the prefectures the person opted out of the prefecture link for',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(MyRegistrationSchema),
            prefectureLinkOptOuts: z.array(z.string()).meta({
              description: 'Prefecture codes where a municipality registration does not register with the prefecture',
            }),
          }),
        },
      },
    },
    401: problemResponse('Not signed in'),
  },
});

const registerRoute = createRoute({
  method: 'post',
  path: '/api/v1/me/registrations',
  tags,
  summary: 'Register with a participating government (basic: immediate), answering the relationship survey',
  description:
    'A municipality registration also registers the person with its prefecture (when the prefecture takes part) ' +
    'unless `linkPrefecture` is false, which is kept as an opt-out for that prefecture (an earlier opt-out holds ' +
    'until PUT /api/v1/me/prefecture-links/{prefectureLgCode} turns the link on). ' +
    '`declaredResidenceLgCode` (a municipality) is used only while the person has no card verification. ' +
    csrfNote,
  request: {
    body: { required: true, content: { 'application/json': { schema: RegistrationRequestSchema } } },
  },
  responses: {
    201: {
      description: 'Registered',
      content: {
        'application/json': {
          schema: z.object({
            registration: MyRegistrationSchema,
            linkedPrefecture: MyRegistrationSchema.nullable().meta({
              description: 'The prefecture registration this registration made, if any',
            }),
          }),
        },
      },
    },
    400: problemResponse('Invalid code or survey answers (the fields are named)'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('No such government, or it does not take part'),
    409: problemResponse('Already registered with this government'),
  },
});

const withdrawRoute = createRoute({
  method: 'delete',
  path: '/api/v1/me/registrations/{lgCode}',
  tags,
  summary: 'Leave a government (withdraw the registration)',
  description:
    'A prefecture registration made only by this municipality’s registration ends with it; a pending premium ' +
    `application ends too. ${csrfNote}`,
  request: { params: lgCodeParam },
  responses: {
    204: { description: 'Withdrawn' },
    400: problemResponse('The code is malformed'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('No active registration with this government'),
  },
});

const updateRoute = createRoute({
  method: 'patch',
  path: '/api/v1/me/registrations/{lgCode}',
  tags,
  summary: 'Choose whether the registration card shows my name',
  description: csrfNote,
  request: {
    params: lgCodeParam,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ showNameOnCard: z.boolean() }) } },
    },
  },
  responses: {
    204: { description: 'Saved' },
    400: problemResponse('Invalid code or body'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('No active registration with this government'),
  },
});

const applyRoute = createRoute({
  method: 'post',
  path: '/api/v1/me/registrations/{lgCode}/premium-applications',
  tags,
  summary: 'Apply for premium registration with a government I am registered with',
  description:
    'Needs a current My Number card verification, a guardian’s consent under 18, a government that is not ' +
    'where the person lives, and at most 3 premium governments (a prefecture counts once with its ' +
    'municipality). Refusals are 422 problems naming the rule. ' +
    csrfNote,
  request: { params: lgCodeParam },
  responses: {
    201: { description: 'Applied', content: { 'application/json': { schema: PremiumApplicationSchema } } },
    400: problemResponse('The code is malformed'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('No active registration with this government'),
    409: problemResponse('Already premium, or an application is pending'),
    422: problemResponse('A premium rule refuses the application (code names the rule)'),
  },
});

const prefectureLinkRoute = createRoute({
  method: 'put',
  path: '/api/v1/me/prefecture-links/{prefectureLgCode}',
  tags,
  summary: 'Turn the prefecture link on or off for one prefecture',
  description:
    'Off: later municipality registrations in the prefecture do not register with it, and a basic prefecture ' +
    'registration the link made ends. On: the opt-out goes, and if the person holds a municipality there the ' +
    `prefecture registration is made. ${csrfNote}`,
  request: {
    params: z.object({
      prefectureLgCode: LgCode.meta({ param: { name: 'prefectureLgCode', in: 'path' }, example: '040002' }),
    }),
    body: { required: true, content: { 'application/json': { schema: z.object({ linked: z.boolean() }) } } },
  },
  responses: {
    200: {
      description: 'Saved',
      content: {
        'application/json': { schema: z.object({ prefectureLgCode: z.string(), linked: z.boolean() }) },
      },
    },
    400: problemResponse('Invalid code or body'),
    401: problemResponse('Not signed in'),
    403: problemResponse('CSRF token missing or wrong'),
    404: problemResponse('No such prefecture'),
  },
});

function context(c: Context<AppEnv>) {
  return { db: c.get('deps').database.db, requestId: c.get('requestId') };
}

export function registrationRoutes(): AppRouter {
  const router = createRouter();

  router.openapi(listRoute, async (c) => {
    const session = requireSession(c);
    const mine = await listMyRegistrations({ db: context(c).db, personId: session.personId });
    return c.json({ items: mine.registrations.map(toJson), prefectureLinkOptOuts: mine.prefectureLinkOptOuts }, 200);
  });

  router.openapi(registerRoute, async (c) => {
    const session = requireSession(c);
    const { lgCode, ...input } = c.req.valid('json');
    const made = await registerWithGovernment({ ...context(c), personId: session.personId, lgCode, input });
    const mine = await listMyRegistrations({ db: context(c).db, personId: session.personId });
    const find = (id: string | undefined) => mine.registrations.find((registration) => registration.id === id);
    const registration = find(made.registration.id);
    if (!registration) throw new Error('registration not visible to its person after insert');
    const linked = find(made.linkedPrefecture?.id);
    return c.json({ registration: toJson(registration), linkedPrefecture: linked ? toJson(linked) : null }, 201);
  });

  router.openapi(withdrawRoute, async (c) => {
    const session = requireSession(c);
    await withdrawRegistration({ ...context(c), personId: session.personId, lgCode: c.req.valid('param').lgCode });
    return c.body(null, 204);
  });

  router.openapi(updateRoute, async (c) => {
    const session = requireSession(c);
    await setShowNameOnCard({
      db: context(c).db,
      personId: session.personId,
      lgCode: c.req.valid('param').lgCode,
      show: c.req.valid('json').showNameOnCard,
    });
    return c.body(null, 204);
  });

  router.openapi(applyRoute, async (c) => {
    const session = requireSession(c);
    const applied = await applyForPremium({
      ...context(c),
      personId: session.personId,
      lgCode: c.req.valid('param').lgCode,
    });
    const { met, count, required, longStay, explanation } = applied.judgement;
    const status: 'pending' | 'approved' | 'rejected' =
      applied.status === 'approved' || applied.status === 'rejected' ? applied.status : 'pending';
    return c.json(
      {
        applicationId: applied.applicationId,
        status,
        judgement: { met, count, required, longStay, explanation },
      },
      201,
    );
  });

  router.openapi(prefectureLinkRoute, async (c) => {
    const session = requireSession(c);
    const { prefectureLgCode } = c.req.valid('param');
    const { linked } = c.req.valid('json');
    await setPrefectureLink({ ...context(c), personId: session.personId, prefectureLgCode, linked });
    return c.json({ prefectureLgCode, linked }, 200);
  });

  return router;
}
