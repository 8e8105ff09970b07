import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { createRouter, type AppEnv, type AppRouter } from '../../platform/http/app.js';
import { csrfHeaderName } from '../../platform/http/csrf.js';
import { problemResponse } from '../../platform/http/problem.js';
import { requireSession } from '../../platform/http/session.js';
import { localeOf } from '../../platform/http/app.js';
import { LgCode } from '../../platform/lg-code.js';
import { enterTenantStaffArea, resolveSessionActor } from '../staff/index.js';
import { csvFilename, insightsCsv } from './insights.csv.js';
import {
  getGovernmentInsights,
  getNationalInsights,
  getOpenDataInsights,
  listOpenDataGovernments,
  setOpenData,
  type GovernmentInsights,
  type InsightsReport,
} from './insights.service.js';
import { PeriodKey } from './periods.js';
import { relationshipTies } from './figures.js';

const tags = ['insights'];
const privacyNote =
  'Every count of people is suppressed below 10 (`value: null`, `suppressed: "under_threshold"`), and further ' +
  'cells are withheld (`suppressed: "complementary"`) where a small number could otherwise be worked out from a ' +
  'total and its parts or from one month to the next. Zero is shown. Registrations with the person’s own ' +
  'residence (住所地) are never counted as related population; they are one figure apart (`ownResidence`).';
const areaNote =
  "Needs a session of this local government's administrator (自治体管理者) or staff (自治体職員) that proved a " +
  'second factor. For anyone else — another government’s staff, organisation staff, operators — the figures do not ' +
  'exist (404), like a government that does not exist.';

const LocalizedSchema = z.object({ ja: z.string(), en: z.string() });

const CellSchema = z
  .object({
    value: z.number().int().nullable().meta({ description: 'The count; null when suppressed' }),
    suppressed: z.enum(['under_threshold', 'complementary']).optional(),
  })
  .openapi('InsightsCell');

const MonthSchema = z.object({
  month: z.string().meta({ example: '2026-04' }),
  total: CellSchema.meta({ description: 'Registrants (related population) at the end of the month' }),
  basic: CellSchema,
  premium: CellSchema,
  new: CellSchema,
  upgraded: CellSchema,
  withdrawn: CellSchema,
  released: CellSchema,
  attendance: CellSchema.meta({ description: 'Days present at 担い手 activities (person-days)' }),
  designatedAttendance: CellSchema,
  activeRegistrants: CellSchema.meta({
    description: 'Registrants (not 住所地) present at least once in the month at the government’s activities',
  }),
  designatedSessions: z.number().int().meta({ description: 'Sessions of designated activities held (not people)' }),
});

const FiguresSchema = z
  .object({
    period: z.object({ key: z.string(), label: LocalizedSchema, from: z.string(), to: z.string() }),
    registrants: z.object({
      total: CellSchema,
      basic: CellSchema,
      premium: CellSchema,
      longStay: CellSchema,
      ownResidence: CellSchema.meta({ description: '住所地 registrations: not related population, shown apart' }),
    }),
    origin: z.object({ direct: CellSchema, prefectureLink: CellSchema }).nullable(),
    flows: z.object({ new: CellSchema, upgraded: CellSchema, withdrawn: CellSchema, released: CellSchema }),
    months: z.array(MonthSchema),
    residence: z.object({
      prefectures: z.array(
        z.object({
          code: z.string(),
          name: LocalizedSchema,
          count: CellSchema,
          municipalities: z
            .array(z.object({ lgCode: z.string(), name: LocalizedSchema, count: CellSchema }))
            .nullable()
            .meta({ description: 'Prefectures with 100 registrants or more: the largest municipalities' }),
          otherMunicipalities: CellSchema.nullable(),
        }),
      ),
      unknown: CellSchema,
    }),
    ties: z.array(z.object({ tie: z.enum(relationshipTies), label: LocalizedSchema, count: CellSchema })),
    ageBands: z.array(z.object({ band: z.string(), label: LocalizedSchema, count: CellSchema })),
    activity: z.object({
      designatedSessions: z.number().int(),
      attendance: CellSchema,
      designatedAttendance: CellSchema,
      activeRegistrants: CellSchema,
      premiumProgress: z.object({
        required: z.number().int().nullable().meta({ description: 'The government’s minimum (null for aggregates)' }),
        none: CellSchema,
        some: CellSchema,
        met: CellSchema,
      }),
    }),
    areas: z
      .array(
        z.object({
          prefectureCode: z.string(),
          name: LocalizedSchema,
          total: CellSchema,
          basic: CellSchema,
          premium: CellSchema,
        }),
      )
      .nullable()
      .meta({ description: 'National only: registrations held by the governments of each prefecture' }),
  })
  .openapi('InsightsFigures');

const ReportSchema = z
  .object({
    scope: z.object({
      kind: z.enum(['government', 'municipalities', 'national']),
      lgCode: z.string().nullable(),
      prefectureCode: z.string().nullable(),
      name: LocalizedSchema,
    }),
    updatedAt: z.object({
      registrations: z.iso.datetime().nullable().meta({ description: 'When registration figures were last folded' }),
      activity: z.iso.datetime().nullable().meta({ description: 'When activity figures were last recomputed' }),
    }),
    periods: z.array(z.object({ key: z.string(), label: LocalizedSchema })),
    participatingMunicipalities: z.number().int().nullable(),
    figures: FiguresSchema,
  })
  .openapi('InsightsReport');

const GovernmentSchema = z
  .object({
    own: ReportSchema,
    municipalities: ReportSchema.nullable().meta({
      description: 'A prefecture only: its participating municipalities together (never one by one)',
    }),
  })
  .openapi('GovernmentInsights');

const TenantParams = z.object({ lgCode: LgCode.meta({ param: { name: 'lgCode', in: 'path' } }) });
const PeriodQuery = z.object({ period: PeriodKey.default('last12') });

const areaErrors = {
  400: problemResponse('Invalid period (insights_period_invalid)'),
  401: problemResponse('Not signed in'),
  403: problemResponse('No second factor in this session (second_factor_required)'),
  404: problemResponse('Not staff of this local government (or not allowed to see its figures)'),
} as const;

const governmentRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/insights',
  tags,
  summary: 'The government’s related-population figures (a prefecture: also its municipalities together)',
  description: `${areaNote} ${privacyNote}`,
  request: { params: TenantParams, query: PeriodQuery },
  responses: {
    200: { description: 'The figures', content: { 'application/json': { schema: GovernmentSchema } } },
    ...areaErrors,
  },
});

const governmentCsvRoute = createRoute({
  method: 'get',
  path: '/api/v1/tenants/{lgCode}/insights/csv',
  tags,
  summary: 'The same figures as CSV (UTF-8 with BOM, one row per figure)',
  description: `${areaNote} Suppressed cells read 「10人未満」 or 「秘匿」 (Accept-Language: en gives English).`,
  request: { params: TenantParams, query: PeriodQuery },
  responses: {
    200: { description: 'The CSV file', content: { 'text/csv': { schema: z.string() } } },
    ...areaErrors,
  },
});

const OpenDataBody = z.object({ enabled: z.boolean() }).openapi('InsightsOpenData');

const openDataSettingRoute = createRoute({
  method: 'put',
  path: '/api/v1/tenants/{lgCode}/insights/open-data',
  tags,
  summary: 'Publish the government’s figures as open data, or stop (自治体管理者)',
  description:
    `${areaNote} Only administrators change it (403 for staff). While on, ` +
    '`GET /api/v1/open-data/insights/{lgCode}` answers anyone with the same figures. Audited. ' +
    `State-changing requests need the \`${csrfHeaderName}\` header with the value of the \`csrf\` cookie.`,
  request: {
    params: TenantParams,
    body: { required: true, content: { 'application/json': { schema: OpenDataBody } } },
  },
  responses: {
    200: {
      description: 'The setting now',
      content: { 'application/json': { schema: z.object({ openData: z.boolean() }) } },
    },
    400: problemResponse('Invalid body'),
    401: problemResponse('Not signed in'),
    403: problemResponse('Not an administrator, or no second factor'),
    404: problemResponse('Not staff of this local government'),
  },
});

const nationalNote =
  'The national operator only (a session with a second factor); 404 for everyone else. Registrations of all ' +
  'governments together; registrations a prefecture holds through a municipality registration (prefecture link) ' +
  'are counted once, with the municipality. A person registered with several governments counts once for each.';

const nationalRoute = createRoute({
  method: 'get',
  path: '/api/v1/insights/national',
  tags,
  summary: 'National related-population figures',
  description: `${nationalNote} ${privacyNote}`,
  request: { query: PeriodQuery },
  responses: {
    200: { description: 'The figures', content: { 'application/json': { schema: ReportSchema } } },
    400: problemResponse('Invalid period'),
    401: problemResponse('Not signed in'),
    404: problemResponse('Not the national operator'),
  },
});

const nationalCsvRoute = createRoute({
  method: 'get',
  path: '/api/v1/insights/national/csv',
  tags,
  summary: 'National figures as CSV',
  description: nationalNote,
  request: { query: PeriodQuery },
  responses: {
    200: { description: 'The CSV file', content: { 'text/csv': { schema: z.string() } } },
    400: problemResponse('Invalid period'),
    401: problemResponse('Not signed in'),
    404: problemResponse('Not the national operator'),
  },
});

const openDataListRoute = createRoute({
  method: 'get',
  path: '/api/v1/open-data/insights',
  tags,
  summary: 'Governments that publish their related-population figures as open data',
  description: 'Public, no sign-in.',
  responses: {
    200: {
      description: 'The list',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(z.object({ lgCode: z.string(), name: z.string(), url: z.string(), csvUrl: z.string() })),
          }),
        },
      },
    },
  },
});

const openDataRoute = createRoute({
  method: 'get',
  path: '/api/v1/open-data/insights/{lgCode}',
  tags,
  summary: 'Open data: a government’s related-population figures',
  description: `Public, no sign-in, for governments that switched it on; 404 (insights_open_data_off) otherwise. The same figures as the government’s own dashboard. ${privacyNote}`,
  request: { params: TenantParams, query: PeriodQuery },
  responses: {
    200: { description: 'The figures', content: { 'application/json': { schema: ReportSchema } } },
    400: problemResponse('Invalid period'),
    404: problemResponse('Not published (insights_open_data_off)'),
  },
});

const openDataCsvRoute = createRoute({
  method: 'get',
  path: '/api/v1/open-data/insights/{lgCode}/csv',
  tags,
  summary: 'Open data as CSV',
  description: 'Public, no sign-in, for governments that switched it on.',
  request: { params: TenantParams, query: PeriodQuery },
  responses: {
    200: { description: 'The CSV file', content: { 'text/csv': { schema: z.string() } } },
    400: problemResponse('Invalid period'),
    404: problemResponse('Not published (insights_open_data_off)'),
  },
});

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function reportJson(report: InsightsReport) {
  return {
    ...report,
    updatedAt: { registrations: iso(report.updatedAt.registrations), activity: iso(report.updatedAt.activity) },
  };
}

export function governmentJson(insights: GovernmentInsights) {
  return {
    own: reportJson(insights.own),
    municipalities: insights.municipalities ? reportJson(insights.municipalities) : null,
  };
}

/** A CSV download. Aggregates, but of the government's personal data: never cached by the way. */
export function insightsCsvResponse(chunks: string[], filename: string, options: { public?: boolean } = {}): Response {
  return new Response(new Blob(chunks).stream(), {
    status: 200,
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': options.public ? 'public, max-age=300' : 'no-store',
      ...(options.public ? { 'Access-Control-Allow-Origin': '*' } : {}),
    },
  });
}

function deps(c: Context<AppEnv>) {
  const { database, config } = c.get('deps');
  return { db: database.db, config, requestId: c.get('requestId') };
}

async function enterArea(c: Context<AppEnv>, lgCode: string) {
  const area = await enterTenantStaffArea({ ...deps(c), session: requireSession(c), lgCode });
  return { db: deps(c).db, actor: area.actor, lgCode };
}

async function operatorActor(c: Context<AppEnv>) {
  return resolveSessionActor({ ...deps(c), session: requireSession(c) });
}

export function insightsRoutes(): AppRouter {
  const router = createRouter();

  router.openapi(governmentRoute, async (c) => {
    const scope = await enterArea(c, c.req.valid('param').lgCode);
    const insights = await getGovernmentInsights({ ...scope, period: c.req.valid('query').period });
    c.header('Cache-Control', 'no-store');
    return c.json(governmentJson(insights), 200);
  });

  router.openapi(governmentCsvRoute, async (c) => {
    const { lgCode } = c.req.valid('param');
    const { period } = c.req.valid('query');
    const scope = await enterArea(c, lgCode);
    const insights = await getGovernmentInsights({ ...scope, period });
    const reports = [insights.own, ...(insights.municipalities ? [insights.municipalities] : [])];
    return insightsCsvResponse(insightsCsv(reports, localeOf(c)), csvFilename(lgCode, period));
  });

  router.openapi(openDataSettingRoute, async (c) => {
    const scope = await enterArea(c, c.req.valid('param').lgCode);
    const result = await setOpenData({ ...scope, enabled: c.req.valid('json').enabled });
    return c.json(result, 200);
  });

  router.openapi(nationalRoute, async (c) => {
    const report = await getNationalInsights({
      db: deps(c).db,
      actor: await operatorActor(c),
      period: c.req.valid('query').period,
    });
    c.header('Cache-Control', 'no-store');
    return c.json(reportJson(report), 200);
  });

  router.openapi(nationalCsvRoute, async (c) => {
    const { period } = c.req.valid('query');
    const report = await getNationalInsights({ db: deps(c).db, actor: await operatorActor(c), period });
    return insightsCsvResponse(insightsCsv([report], localeOf(c)), csvFilename('national', period));
  });

  router.openapi(openDataListRoute, async (c) => {
    const items = await listOpenDataGovernments({ db: deps(c).db });
    c.header('Access-Control-Allow-Origin', '*');
    return c.json(
      {
        items: items.map((item) => ({
          ...item,
          url: `/api/v1/open-data/insights/${item.lgCode}`,
          csvUrl: `/api/v1/open-data/insights/${item.lgCode}/csv`,
        })),
      },
      200,
    );
  });

  router.openapi(openDataRoute, async (c) => {
    const report = await getOpenDataInsights({
      db: deps(c).db,
      lgCode: c.req.valid('param').lgCode,
      period: c.req.valid('query').period,
    });
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(reportJson(report), 200);
  });

  router.openapi(openDataCsvRoute, async (c) => {
    const { lgCode } = c.req.valid('param');
    const { period } = c.req.valid('query');
    const report = await getOpenDataInsights({ db: deps(c).db, lgCode, period });
    return insightsCsvResponse(insightsCsv([report], localeOf(c)), csvFilename(lgCode, period), { public: true });
  });

  return router;
}
