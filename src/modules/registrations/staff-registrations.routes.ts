import { createRoute, z } from '@hono/zod-openapi';
import { csvResponse } from '../../platform/csv.js';
import type { Context } from 'hono';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession } from '../../platform/http/session.js';
import { LgCode } from '../../platform/lg-code.js';
import { enterTenantStaffArea } from '../staff/index.js';
import {
  decideTenantPremiumApplication,
  exportTenantRegistrations,
  getTenantRegistration,
  ListCursor,
  listPremiumApplications,
  listTenantRegistrations,
  RegistrationListQuery,
  type QueueItem,
  type Registrant,
  type RegistrationDetail,
} from './staff-registrations.service.js';
import { relationshipTies } from './survey.js';

const tags = ['registrations'];
const csrfNote = `State-changing requests need the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie.`;
const areaNote =
  "Needs a session of this local government's administrator (自治体管理者) or staff (自治体職員) that proved a " +
  'second factor. Registrants are the government’s personal data: for anyone else — another government’s staff, ' +
  'organisation staff, operators — they do not exist (404), exactly like a government that does not exist.';

const LocalizedSchema = z.object({ ja: z.string(), en: z.string() });

const ResidenceSchema = z
  .object({
    prefectureCode: z.string().nullable(),
    prefectureName: LocalizedSchema.nullable(),
    lgCode: z.string().nullable(),
    municipalityName: z.string().nullable(),
  })
  .openapi('RegistrantResidence');

const RegistrantSchema = z
  .object({
    id: z.uuid(),
    tier: z.enum(['basic', 'premium']),
    status: z.enum(['active', 'withdrawn', 'released']),
    origin: z.enum(['direct', 'prefecture_link']),
    ownResidence: z.boolean().meta({ description: '住所地: the person lives here (not related population)' }),
    longStay: z.boolean(),
    sharedName: z.string().nullable().meta({ description: 'The name the person shares (as verified, or as given)' }),
    contactEmail: z.string().nullable(),
    ageBand: z.enum(['under_18', '18_29', '30_39', '40_49', '50_59', '60_69', '70_plus']).nullable(),
    residence: ResidenceSchema,
    identityVerified: z.boolean(),
    ties: z.array(z.enum(relationshipTies)),
    premiumValidUntil: z.iso.datetime().nullable(),
    registeredAt: z.iso.datetime(),
    endedAt: z.iso.datetime().nullable(),
    endReason: z.enum(['withdrawn', 'inactive', 'account_deleted', 'prefecture_link_removed']).nullable(),
  })
  .openapi('TenantRegistrant');

const JudgementSchema = z
  .object({
    met: z.boolean(),
    count: z.number().int().meta({ description: 'Designated activities counted in the window' }),
    required: z.number().int(),
    longStay: z.boolean(),
    explanation: LocalizedSchema,
  })
  .meta({ description: 'The requirement judgement when the person applied (or when the system decided)' });

const ApplicationFields = {
  id: z.uuid(),
  kind: z.enum(['initial', 'renewal']),
  status: z.enum(['pending', 'approved', 'rejected', 'withdrawn']),
  appliedAt: z.iso.datetime(),
  decidedAt: z.iso.datetime().nullable(),
  decidedBy: z.string().nullable().meta({ description: "A staff member's id, or 'system'" }),
  reason: z.string().nullable(),
  judgement: JudgementSchema.nullable(),
};

const RegistrationDetailSchema = RegistrantSchema.extend({
  linkedFromLgCode: z.string().nullable(),
  premiumSince: z.iso.datetime().nullable(),
  showNameOnCard: z.boolean(),
  survey: z.object({
    ties: z.array(z.object({ code: z.enum(relationshipTies), label: LocalizedSchema })),
    note: z.string().nullable().meta({ description: 'The free text of その他' }),
    answers: z.array(
      z.object({
        questionId: z.string(),
        label: z
          .object({ ja: z.string(), en: z.string().optional() })
          .nullable()
          .meta({ description: "The government's label; null when the question was removed since" }),
        answer: z.string(),
      }),
    ),
  }),
  applications: z.array(z.object(ApplicationFields)),
  history: z.array(
    z.object({
      occurredAt: z.iso.datetime(),
      action: z.string().meta({ example: 'premium.approved' }),
      actorKind: z.string(),
      subjectType: z.string(),
      data: z.record(z.string(), z.unknown()),
    }),
  ),
}).openapi('TenantRegistrationDetail');

const QueueItemSchema = z
  .object({
    ...ApplicationFields,
    registrationId: z.uuid(),
    registrant: z.object({
      sharedName: z.string().nullable(),
      ageBand: z.string().nullable(),
      residence: ResidenceSchema,
      identityVerified: z.boolean(),
      ownResidence: z.boolean(),
      tier: z.enum(['basic', 'premium']),
      status: z.enum(['active', 'withdrawn', 'released']),
    }),
  })
  .openapi('QueuedPremiumApplication');

const CountsSchema = z.object({
  active: z.object({
    total: z.number().int(),
    basic: z.number().int(),
    premium: z.number().int(),
    ownResidence: z.number().int(),
  }),
  withdrawn: z.number().int(),
  released: z.number().int(),
});

const TenantParams = z.object({ lgCode: LgCode.meta({ param: { name: 'lgCode', in: 'path' } }) });

const areaErrors = {
  401: problemResponse('Not signed in'),
  403: problemResponse('No second factor in this session (second_factor_required)'),
  404: problemResponse('Not staff of this local government (or not allowed to see registrants), or no such thing'),
} as const;

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/registrations',
  tags,
  summary: 'Registrants of the local government, newest first (filters, keyset paging)',
  description: `${areaNote} Page on with \`cursor\` = \`nextCursor\` of the previous page.`,
  request: {
    params: TenantParams,
    query: RegistrationListQuery.extend({
      cursor: ListCursor.optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: {
      description: 'One page, how many match, and counts by tier and status',
      content: {
        'application/json': {
          schema: z
            .object({
              items: z.array(RegistrantSchema),
              total: z.number().int().meta({ description: 'Registrations matching the filters' }),
              counts: CountsSchema,
              nextCursor: z.string().nullable(),
            })
            .openapi('TenantRegistrantPage'),
        },
      },
    },
    400: problemResponse('Invalid filter'),
    ...areaErrors,
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/registrations/export',
  tags,
  summary: 'The filtered registrants as CSV (Excel: UTF-8 with BOM, Japanese header)',
  description:
    `${areaNote} RFC 4180 (CRLF, quoted where needed); a cell starting with = + - @ gets a leading ' so that ` +
    'Excel does not run it as a formula. Every export is recorded in the audit trail (filter and row count).',
  request: { params: TenantParams, query: RegistrationListQuery },
  responses: {
    200: { description: 'The CSV file', content: { 'text/csv': { schema: z.string() } } },
    400: problemResponse('Invalid filter, or too many rows (narrow the filter)'),
    ...areaErrors,
  },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/registrations/{id}',
  tags,
  summary: 'One registration: what it shares, survey answers, premium applications, history',
  description: areaNote,
  request: { params: TenantParams.extend({ id: z.string().max(64) }) },
  responses: {
    200: { description: 'The registration', content: { 'application/json': { schema: RegistrationDetailSchema } } },
    ...areaErrors,
  },
});

const queueRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/premium-applications',
  tags,
  summary: 'Premium applications: the pending queue (oldest first) or the decided ones (newest first)',
  description: areaNote,
  request: {
    params: TenantParams,
    query: z.object({
      status: z.enum(['pending', 'decided']).default('pending'),
      page: z.coerce.number().int().min(1).max(10_000).default(1),
      perPage: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: {
      description: 'One page of applications',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(QueueItemSchema),
            page: z.number().int(),
            perPage: z.number().int(),
            total: z.number().int(),
            totalPages: z.number().int(),
          }),
        },
      },
    },
    ...areaErrors,
  },
});

const DecisionBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    reason: z.string().max(1000).optional().meta({ description: 'Required to reject; the person receives it' }),
  })
  .openapi('PremiumDecision');

const decideRoute = createRoute({
  method: 'post',
  path: '/api/v1/tenants/{lgCode}/premium-applications/{id}/decision',
  tags,
  summary: 'Approve or reject a premium application',
  description:
    `${areaNote} Approval re-checks the rules (card verification, the cap of 3: the person may have reached it ` +
    `elsewhere since applying) and is refused with the rule (422). ${csrfNote}`,
  request: {
    params: TenantParams.extend({ id: z.string().max(64) }),
    body: { required: true, content: { 'application/json': { schema: DecisionBody } } },
  },
  responses: {
    200: { description: 'The decided application', content: { 'application/json': { schema: QueueItemSchema } } },
    400: problemResponse('A rejection without a reason'),
    ...areaErrors,
    409: problemResponse('Already decided'),
    422: problemResponse('Approval refused by the rules (premium_limit_reached, premium_requires_verification, …)'),
  },
});

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function registrantJson(registrant: Registrant) {
  return {
    ...registrant,
    premiumValidUntil: iso(registrant.premiumValidUntil),
    registeredAt: registrant.registeredAt.toISOString(),
    endedAt: iso(registrant.endedAt),
  };
}

function applicationJson<T extends { appliedAt: Date; decidedAt: Date | null }>(application: T) {
  return { ...application, appliedAt: application.appliedAt.toISOString(), decidedAt: iso(application.decidedAt) };
}

function detailJson(detail: RegistrationDetail) {
  return {
    ...registrantJson(detail),
    linkedFromLgCode: detail.linkedFromLgCode,
    premiumSince: iso(detail.premiumSince),
    showNameOnCard: detail.showNameOnCard,
    survey: detail.survey,
    applications: detail.applications.map(applicationJson),
    history: detail.history.map((entry) => ({ ...entry, occurredAt: entry.occurredAt.toISOString() })),
  };
}

function queueItemJson(item: QueueItem) {
  return applicationJson(item);
}

function deps(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config, requestId: c.get('requestId') };
}

/** Session, membership (else 404), second factor (else 403); the service then asks for the role. */
async function enterArea(c: Context<AppEnv>, lgCode: string) {
  const area = await enterTenantStaffArea({ ...deps(c), session: requireSession(c), lgCode });
  return { db: deps(c).db, actor: area.actor, lgCode };
}

/** Shared with the staff page (kept here for the modules that import it from registrations). */
export { csvResponse };

export function staffRegistrationRoutes(): AppRouter {
  const router = createRouter();

  router.openapi(listRoute, async (c) => {
    const { cursor, limit, ...query } = c.req.valid('query');
    const scope = await enterArea(c, c.req.valid('param').lgCode);
    const result = await listTenantRegistrations({ ...scope, query, limit, ...(cursor ? { cursor } : {}) });
    return c.json({ ...result, items: result.items.map(registrantJson) }, 200);
  });

  // Before the {id} route: "export" is not an id.
  router.openapi(exportRoute, async (c) => {
    const scope = await enterArea(c, c.req.valid('param').lgCode);
    const file = await exportTenantRegistrations({ ...scope, query: c.req.valid('query') });
    return csvResponse(file);
  });

  router.openapi(detailRoute, async (c) => {
    const { lgCode, id } = c.req.valid('param');
    const scope = await enterArea(c, lgCode);
    return c.json(detailJson(await getTenantRegistration({ ...scope, registrationId: id })), 200);
  });

  router.openapi(queueRoute, async (c) => {
    const { status, page, perPage } = c.req.valid('query');
    const scope = await enterArea(c, c.req.valid('param').lgCode);
    const result = await listPremiumApplications({ ...scope, which: status, page, perPage });
    return c.json({ ...result, items: result.items.map(queueItemJson) }, 200);
  });

  router.openapi(decideRoute, async (c) => {
    const { lgCode, id } = c.req.valid('param');
    const body = c.req.valid('json');
    const scope = await enterArea(c, lgCode);
    const decided = await decideTenantPremiumApplication({
      ...scope,
      applicationId: id,
      input:
        body.decision === 'approve'
          ? { decision: 'approve', ...(body.reason ? { reason: body.reason } : {}) }
          : { decision: 'reject', reason: body.reason ?? '' },
    });
    return c.json(queueItemJson(decided), 200);
  });

  return router;
}
