import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logger.js';
import { testApp, testConfig } from './support/app.js';
import { openTestDatabase, testEngine, type TestDatabase } from './support/database.js';

describe('HTTP platform', () => {
  let database: TestDatabase;

  before(async () => {
    database = await openTestDatabase();
  });

  after(async () => {
    await database.close();
  });

  it('gives every response a request id, and keeps one sent by a proxy', async () => {
    const app = testApp(database);
    const fresh = await app.request('/healthz');
    assert.match(fresh.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const forwarded = await app.request('/healthz', { headers: { 'X-Request-Id': 'edge-123' } });
    assert.equal(forwarded.headers.get('x-request-id'), 'edge-123');
  });

  it('sends a strict Content-Security-Policy and secure headers, and pages carry no inline script', async () => {
    const app = testApp(database);
    for (const path of ['/', '/municipalities', '/api/docs']) {
      const response = await app.request(path);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      const html = await response.text();
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${path} has an inline script`);
      assert.doesNotMatch(html, /\son[a-z]+=/i, `${path} has an inline event handler`);
    }
  });

  it('answers unknown API paths with a 404 problem and unknown pages with a Japanese page', async () => {
    const app = testApp(database);
    const api = await app.request('/api/v1/nothing-here');
    assert.equal(api.status, 404);
    assert.match(api.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const body = (await api.json()) as { status: number; localized: { ja: { title: string }; en: { title: string } } };
    assert.equal(body.status, 404);
    assert.deepEqual([body.localized.ja.title, body.localized.en.title], ['見つかりません', 'Not found']);
    const page = await app.request('/nothing-here');
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /見つかりません/);
  });

  it('refuses a cross-site form post before it reaches a handler', async () => {
    const app = testApp(database);
    const response = await app.request('/api/v1/municipalities', {
      method: 'POST',
      headers: { Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    assert.equal(response.status, 403);
    const body = (await response.json()) as { code: string };
    assert.equal(body.code, 'csrf_rejected');
  });

  it('refuses a body over 1 MiB with a 413 problem', async () => {
    const app = testApp(database);
    const response = await app.request('/api/v1/municipalities', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(2 * 1024 * 1024) },
      body: 'x'.repeat(2 * 1024 * 1024),
    });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { code: string }).code, 'payload_too_large');
  });

  it('publishes a valid OpenAPI 3.1 document and a browsable page with local assets', async () => {
    const app = testApp(database);
    const response = await app.request('/api/openapi.json');
    assert.equal(response.status, 200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(document.openapi, '3.1.0');
    for (const path of [
      '/api/v1/municipalities',
      '/api/v1/municipalities/{lgCode}',
      '/api/v1/prefectures',
      '/readyz',
    ]) {
      assert.ok(document.paths[path], `${path} documented`);
    }
    await SwaggerParser.validate(structuredClone(document) as never);
    const docs = await (await app.request('/api/docs')).text();
    for (const asset of ['/assets/swagger-ui-bundle.js', '/assets/swagger-ui.css', '/assets/api-docs.js']) {
      assert.ok(docs.includes(asset), asset);
      assert.equal((await app.request(asset)).status, 200, asset);
    }
  });

  it('logs one line per request with the route pattern, never the query or the concrete path', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = buildApp({ config: testConfig(), logger: createLogger('info', sink), database });
    await app.request(`/api/v1/municipalities?q=${encodeURIComponent('山田太郎')}`);
    await app.request('/api/v1/municipalities/042056');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      entries.map((entry) => [entry.method, entry.route, entry.status]),
      [
        ['GET', '/api/v1/municipalities', 200],
        ['GET', '/api/v1/municipalities/:lgCode', 200],
      ],
    );
    assert.ok(entries.every((entry) => typeof entry.requestId === 'string' && typeof entry.durationMs === 'number'));
    assert.doesNotMatch(lines.join(''), /山田|%E5%B1%B1|042056/);
  });

  it('reports ready while the database answers, and 503 problems once it is gone', async () => {
    const own = await openTestDatabase();
    const app = testApp(own);
    assert.equal((await app.request('/readyz')).status, 200);
    assert.equal((await app.request('/healthz')).status, 200);
    await own.close();
    const ready = await app.request('/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.headers.get('retry-after'), '5');
    assert.equal(((await ready.json()) as { code: string }).code, 'service_unavailable');
    const api = await app.request('/api/v1/municipalities');
    assert.equal(api.status, 503);
    assert.match(api.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal((await app.request('/healthz')).status, 200, 'the process itself is still up');
  });
});

/**
 * A TCP proxy in front of PostgreSQL that the test can cut and restore, standing in for a database
 * server that goes away and comes back.
 */
class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.server = undefined;
  }
}

describe('database outage on PostgreSQL', { skip: testEngine !== 'postgres' && 'runs with TEST_DATABASE_URL' }, () => {
  it('answers 503 while PostgreSQL is unreachable and recovers by itself when it returns', async () => {
    const database = await openTestDatabase();
    const target = new URL(database.connectionString!);
    const proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.open();
    const viaProxy = new URL(database.connectionString!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const proxied = await openDatabase({ engine: 'postgres', connectionString: viaProxy.toString(), poolMax: 2 });
    const app = testApp(proxied);
    try {
      assert.equal((await app.request('/api/v1/municipalities/042056')).status, 200);
      await proxy.cut();
      assert.equal((await app.request('/readyz')).status, 503);
      const during = await app.request('/api/v1/municipalities/042056');
      assert.equal(during.status, 503);
      assert.equal(((await during.json()) as { code: string }).code, 'service_unavailable');
      await proxy.open();
      let recovered = 0;
      for (let attempt = 0; attempt < 20 && recovered !== 200; attempt += 1) {
        recovered = (await app.request('/readyz')).status;
        if (recovered !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(recovered, 200);
      assert.equal((await app.request('/api/v1/municipalities/042056')).status, 200);
    } finally {
      await proxied.close();
      await proxy.cut();
      await database.close();
    }
  });
});
