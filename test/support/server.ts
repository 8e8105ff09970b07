import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.js';
import type { DatabaseHandle } from '../../src/platform/db/database.js';
import type { AppRouter } from '../../src/platform/http/app.js';
import { testConfig, testLogger } from './app.js';

export interface TestServer {
  /** Origin the app is served on, e.g. `http://127.0.0.1:41234`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The whole app over real HTTP on a free loopback port, for a browser to talk to. The app is built only
 * once the port is known, because the CSRF check compares a form's Origin with PUBLIC_URL.
 */
export async function startTestServer(
  database: DatabaseHandle,
  /** A function gets the address first: a provider that must know the app's callback URL starts there. */
  configOverrides: Record<string, string> | ((url: string) => Promise<Record<string, string>>) = {},
  /** `localhost` for WebAuthn: browsers refuse an IP address as the relying party id. */
  options: { publicHost?: 'localhost' | '127.0.0.1' } = {},
): Promise<TestServer> {
  let app: AppRouter | undefined;
  const server: ServerType = await new Promise((resolve) => {
    const created = serve(
      {
        fetch: (request, env) => {
          if (!app) return new Response('starting', { status: 503 });
          return app.fetch(request, env);
        },
        hostname: '127.0.0.1',
        port: 0,
      },
      () => resolve(created),
    );
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.publicHost ?? '127.0.0.1'}:${port}`;
  const overrides = typeof configOverrides === 'function' ? await configOverrides(url) : configOverrides;
  app = buildApp({ config: testConfig({ PUBLIC_URL: url, ...overrides }), logger: testLogger, database });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      // A browser keeps connections alive; nothing is in flight once the tests are done with it.
      if ('closeAllConnections' in server) server.closeAllConnections();
    });
    return closing;
  };
  return { url, close };
}
