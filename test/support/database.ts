import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { loadMasterData } from '../../src/modules/municipalities/index.js';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.js';
import { migrateToLatest } from '../../src/platform/db/migrate.js';

/**
 * Test databases. Each test file gets its own fresh database, migrated and holding the municipality
 * master, on the engine the run targets:
 * - PGlite (default): a copy of a prepared template tarball (TEST_PGLITE_TEMPLATE), or built here.
 * - PostgreSQL (TEST_DATABASE_URL set): `CREATE DATABASE … TEMPLATE` of the prepared template
 *   (TEST_PG_TEMPLATE), or an empty database migrated here. Dropped again on close.
 */
export const testEngine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDatabase extends DatabaseHandle {
  /** Connection string of this database (PostgreSQL only), for a second process or a proxy. */
  connectionString?: string;
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function prepareFreshDatabase(database: DatabaseHandle): Promise<void> {
  await migrateToLatest(database.db);
  await loadMasterData(database.db);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const templatePath = process.env.TEST_PGLITE_TEMPLATE;
    if (templatePath) {
      const tarball = new Blob([new Uint8Array(await readFile(templatePath))]);
      return openDatabase({ engine: 'pglite', dataDir: 'memory://', loadDataDir: tarball });
    }
    const database = await openDatabase({ engine: 'pglite', dataDir: 'memory://' });
    await prepareFreshDatabase(database);
    return database;
  }

  const name = `furusato_test_${randomBytes(6).toString('hex')}`;
  const template = process.env.TEST_PG_TEMPLATE;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : ''}`);
  } finally {
    await admin.end();
  }
  const connectionString = withDatabaseName(adminUrl, name);
  const database = await openDatabase({ engine: 'postgres', connectionString, poolMax: 5 });
  if (!template) await prepareFreshDatabase(database);
  return {
    ...database,
    connectionString,
    close: async () => {
      await database.close();
      await dropDatabase(adminUrl, name);
    },
  };
}
