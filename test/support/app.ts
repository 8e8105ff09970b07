import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/platform/config.js';
import type { AppRouter } from '../../src/platform/http/app.js';
import { createLogger } from '../../src/platform/logger.js';
import type { DatabaseHandle } from '../../src/platform/db/database.js';

export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://localhost:3000', DEMO_DATA: 'false', ...overrides });
}

/** The whole HTTP stack in process, over a test database: `app.request('/path')`. */
export function testApp(database: DatabaseHandle, overrides: Record<string, string> = {}): AppRouter {
  return buildApp({ config: testConfig(overrides), logger: testLogger, database });
}
