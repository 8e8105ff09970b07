import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, type AppRouter } from '../../platform/http/app.js';
import { problemResponse } from '../../platform/http/problem.js';
import { LgCode, PrefectureCode } from '../../platform/lg-code.js';
import {
  getMunicipality,
  listPrefectures,
  localGovernmentKinds,
  searchMunicipalities,
  type SearchMunicipalitiesInput,
} from './municipalities.service.js';

const tags = ['municipalities'];

const MunicipalitySchema = z
  .object({
    lgCode: z.string().meta({ example: '042056' }),
    name: z.string().meta({ example: '気仙沼市' }),
    nameKana: z.string().meta({ example: 'けせんぬまし' }),
    kind: z.enum(localGovernmentKinds),
    prefecture: z.object({ code: z.string(), name: z.string(), nameEn: z.string() }),
    parentLgCode: z.string().nullable().meta({ description: 'For a ward of a designated city: the city' }),
    location: z
      .object({ latitude: z.number(), longitude: z.number() })
      .nullable()
      .meta({ description: 'Position of the government office' }),
    url: z.string().nullable(),
    participating: z.boolean().meta({ description: 'Whether the government has joined the platform' }),
  })
  .openapi('Municipality');

const MunicipalityDetailSchema = MunicipalitySchema.extend({ wards: z.array(MunicipalitySchema) }).openapi(
  'MunicipalityDetail',
);

const MunicipalityPageSchema = z
  .object({
    items: z.array(MunicipalitySchema),
    page: z.number().int(),
    perPage: z.number().int(),
    total: z.number().int(),
    totalPages: z.number().int(),
  })
  .openapi('MunicipalityPage');

export const MunicipalitySearchQuery = z.object({
  prefecture: PrefectureCode.optional(),
  q: z
    .string()
    .trim()
    .max(50)
    .optional()
    .meta({ description: 'Prefix of the name in kanji or of its reading in kana', example: 'けせん' }),
  kind: z
    .enum(localGovernmentKinds)
    .optional()
    .meta({ description: 'Wards of designated cities are listed only when asked for' }),
  participating: z.enum(['true', 'false']).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  perPage: z.coerce.number().int().min(1).max(100).default(20),
});

/** The same query drives the API and the 「自治体をさがす」 page. */
export function searchInputFrom(query: z.infer<typeof MunicipalitySearchQuery>): SearchMunicipalitiesInput {
  return {
    ...(query.prefecture ? { prefectureCode: query.prefecture } : {}),
    ...(query.q ? { q: query.q } : {}),
    ...(query.kind ? { kind: query.kind } : {}),
    ...(query.participating ? { participating: query.participating === 'true' } : {}),
    page: query.page,
    perPage: query.perPage,
  };
}

const listMunicipalitiesRoute = createRoute({
  method: 'get',
  path: '/api/v1/municipalities',
  tags,
  summary: 'Search local governments (自治体をさがす)',
  request: { query: MunicipalitySearchQuery },
  responses: {
    200: {
      description: 'One page of local governments',
      content: { 'application/json': { schema: MunicipalityPageSchema } },
    },
    400: problemResponse('A query parameter is invalid'),
    503: problemResponse('The database cannot be reached'),
  },
});

const getMunicipalityRoute = createRoute({
  method: 'get',
  path: '/api/v1/municipalities/{lgCode}',
  tags,
  summary: 'One local government by its 全国地方公共団体コード',
  request: { params: z.object({ lgCode: LgCode.meta({ param: { name: 'lgCode', in: 'path' } }) }) },
  responses: {
    200: { description: 'The local government', content: { 'application/json': { schema: MunicipalityDetailSchema } } },
    400: problemResponse('The code is malformed or its check digit does not match'),
    404: problemResponse('No local government has this code'),
    503: problemResponse('The database cannot be reached'),
  },
});

const listPrefecturesRoute = createRoute({
  method: 'get',
  path: '/api/v1/prefectures',
  tags,
  summary: 'The 47 prefectures',
  responses: {
    200: {
      description: 'All prefectures in code order',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(
              z
                .object({
                  code: z.string(),
                  lgCode: z.string(),
                  name: z.string(),
                  nameKana: z.string(),
                  nameEn: z.string(),
                  isoCode: z.string(),
                })
                .openapi('Prefecture'),
            ),
          }),
        },
      },
    },
    503: problemResponse('The database cannot be reached'),
  },
});

export function municipalityRoutes(): AppRouter {
  const router = createRouter();
  router.openapi(listMunicipalitiesRoute, async (c) => {
    const query = c.req.valid('query');
    const result = await searchMunicipalities({
      db: c.get('deps').database.db,
      input: searchInputFrom(query),
    });
    return c.json(result, 200);
  });
  router.openapi(getMunicipalityRoute, async (c) => {
    const { lgCode } = c.req.valid('param');
    return c.json(await getMunicipality({ db: c.get('deps').database.db, lgCode }), 200);
  });
  router.openapi(listPrefecturesRoute, async (c) => {
    return c.json({ items: await listPrefectures({ db: c.get('deps').database.db }) }, 200);
  });
  return router;
}
