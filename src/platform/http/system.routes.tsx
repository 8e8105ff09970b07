import { createRoute, z } from '@hono/zod-openapi';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { AppError } from '../errors.js';
import { islandBundle, islandOf } from '../ui/islands/bundle.js';
import { Layout, pageContext, renderPage } from '../ui/layout.js';
import { createRouter, type AppRouter } from './app.js';
import { problemResponse } from './problem.js';

const require = createRequire(import.meta.url);
const ownAssets = fileURLToPath(new URL('../ui/assets/', import.meta.url));
const tokensFolder = dirname(require.resolve('@digital-go-jp/design-tokens/dist/tokens.css'));
const swaggerFolder = dirname(require.resolve('swagger-ui-dist/package.json'));

/** Files served under /assets: our own and those of two npm packages, never fetched from elsewhere. */
const assets: Record<string, { file: string; type: string }> = {
  'tokens.css': { file: join(tokensFolder, 'tokens.css'), type: 'text/css; charset=utf-8' },
  'app.css': { file: join(ownAssets, 'app.css'), type: 'text/css; charset=utf-8' },
  'insights.css': { file: join(ownAssets, 'insights.css'), type: 'text/css; charset=utf-8' },
  'api-docs.js': { file: join(ownAssets, 'api-docs.js'), type: 'text/javascript; charset=utf-8' },
  'swagger-ui.css': { file: join(swaggerFolder, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: join(swaggerFolder, 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
};
const assetCache = new Map<string, Buffer>();
const gzippedCache = new Map<string, Buffer>();

const HealthSchema = z.object({ status: z.enum(['ok', 'unavailable']) }).openapi('Health');

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['system'],
  summary: 'Liveness: the process is up',
  responses: { 200: { description: 'Up', content: { 'application/json': { schema: HealthSchema } } } },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['system'],
  summary: 'Readiness: the database answers',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: HealthSchema } } },
    503: problemResponse('The database cannot be reached'),
  },
});

export const openApiInfo: Parameters<AppRouter['getOpenAPI31Document']>[0] = {
  openapi: '3.1.0',
  info: {
    title: 'Furusato API',
    version: '1.0.0',
    description:
      'ふるさと住民登録プラットフォームのAPIです。Errors are RFC 9457 problem documents (application/problem+json) ' +
      'with Japanese and English text; send Accept-Language: en for English titles.',
    license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
  },
  tags: [
    { name: 'municipalities', description: '全国地方公共団体コード master and participating governments' },
    { name: 'identity', description: 'Accounts, sign-in and sessions' },
    {
      name: 'registrations',
      description: 'The signed-in person’s registrations (ふるさと住民登録), premium applications and prefecture links',
    },
    {
      name: 'activities',
      description:
        '担い手 activities: related organisations, projects and sessions, designation, applications and waiting lists, QR check-in, attendance, activity history and premium progress',
    },
    {
      name: 'outreach',
      description: 'Notifications and their preferences, posts, nationwide search and saved searches',
    },
    { name: 'staff', description: 'Staff of local governments: members, invitations, second factor, audit trail' },
    {
      name: 'outreach',
      description: 'Outreach: surveys (モニターアンケート) and answers, community rooms, threads and moderation',
    },
    {
      name: 'insights',
      description: 'Related-population figures (関係人口) of a government, a prefecture and the nation; open data',
    },
    { name: 'system', description: 'Health and readiness' },
  ],
};

/** Health, readiness, the OpenAPI document and its browsable page, static assets, and the home page. */
export function systemRoutes(root: AppRouter): AppRouter {
  const router = createRouter();

  router.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));

  router.openapi(readyRoute, async (c) => {
    try {
      await c.get('deps').database.ping();
    } catch (error) {
      throw new AppError('service_unavailable', { cause: error });
    }
    return c.json({ status: 'ok' as const }, 200);
  });

  router.get('/api/openapi.json', (c) => c.json(root.getOpenAPI31Document(openApiInfo)));

  router.get('/api/docs', (c) =>
    c.html(
      '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
        '<title>Furusato API</title><link rel="stylesheet" href="/assets/swagger-ui.css"></head>' +
        '<body><div id="swagger-ui"></div><script src="/assets/swagger-ui-bundle.js"></script>' +
        '<script src="/assets/api-docs.js"></script></body></html>',
    ),
  );

  router.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const island = islandOf(name);
    const asset = assets[name];
    if (!island && !asset) throw new AppError('not_found');
    let body = assetCache.get(name);
    if (!body) {
      body = island ? Buffer.from(await islandBundle(island)) : await readFile(asset!.file);
      assetCache.set(name, body);
    }
    const headers: Record<string, string> = {
      'Content-Type': island ? 'text/javascript; charset=utf-8' : asset!.type,
      'Cache-Control': 'public, max-age=3600',
      Vary: 'Accept-Encoding',
    };
    // Scripts and styles travel gzipped (a third of their size) to phones on weak rural networks.
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      let zipped = gzippedCache.get(name);
      if (!zipped) {
        zipped = gzipSync(body, { level: 9 });
        gzippedCache.set(name, zipped);
      }
      return c.body(new Uint8Array(zipped), 200, { ...headers, 'Content-Encoding': 'gzip' });
    }
    return c.body(new Uint8Array(body), 200, headers);
  });

  router.get('/', (c) => {
    const page = pageContext(c);
    const { t } = page;
    const title = { ja: 'ふるさと住民登録', en: 'Furusato Resident Registration' };
    return renderPage(
      c,
      <Layout page={page} title={title}>
        <h1>{t(title)}</h1>
        <p class="lead">
          {t({
            ja: '住んでいる場所のほかに、心を寄せるまちとつながり、まちの担い手として関わるための仕組みです。',
            en: 'Stay connected with the towns you care about beyond where you live, and help them as a hometown resident.',
          })}
        </p>
        <p>
          <a class="button" href="/municipalities">
            {t({ ja: '自治体をさがす', en: 'Find a local government' })}
          </a>
        </p>
        {c.get('deps').config.demoData && c.get('deps').config.NODE_ENV !== 'production' && (
          <p>
            <a href="/dev/demo">
              {t({ ja: 'デモの使い方（デモ用アカウント）', en: 'Trying the demo (demo accounts)' })}
            </a>
          </p>
        )}
        <h2>{t({ ja: '開発者の方へ', en: 'For developers' })}</h2>
        <p>
          <a href="/api/docs">{t({ ja: 'API ドキュメント', en: 'API documentation' })}</a>
        </p>
      </Layout>,
    );
  });

  return router;
}
