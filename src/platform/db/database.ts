import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { acquireLockFile } from './lock-file.js';
import type { Database } from './schema.js';

export type DatabaseEngine = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  engine: DatabaseEngine;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /** Finishes pooled work, flushes the embedded database to disk and releases its lock. */
  close(): Promise<void>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel` (used to wake the job runner). Best effort: callers
   * must also poll, since a dropped connection loses notifications. Returns the function that stops it.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /** PGlite only: a tarball of the whole database, to start copies of it quickly (tests). */
  dumpDataDir?: () => Promise<Blob>;
}

export type DatabaseTarget =
  | { engine: 'postgres'; connectionString: string; poolMax?: number }
  /** `dataDir` is a folder, or `memory://` for a throw-away database; `loadDataDir` starts from a dump. */
  | { engine: 'pglite'; dataDir: string; loadDataDir?: Blob };

/**
 * Opens Kysely over the `pg` driver in both modes, so the two engines share one driver and the same
 * type parsing (int8 as string). PGlite has one session: its pool has size 1 and serialises work.
 */
export async function openDatabase(target: DatabaseTarget, logger?: Logger): Promise<DatabaseHandle> {
  if (target.engine === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: target.poolMax ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // A client losing its server, idle or checked out, must not crash the process: without a listener
    // pg raises the 'error' event as an uncaught exception. The query in flight reports the failure.
    const onConnectionLost = (error: Error) =>
      logger?.warn({ err: { message: error.message } }, 'database connection lost');
    pool.on('error', onConnectionLost);
    pool.on('connect', (client) => client.on('error', onConnectionLost));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      engine: 'postgres',
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: async () => {
        await db.destroy();
      },
      listen: async (channel, onNotify) => {
        const client = new pg.Client({ connectionString: target.connectionString });
        client.on('error', (error) => logger?.warn({ err: { message: error.message } }, 'listen connection lost'));
        client.on('notification', (message) => {
          if (message.channel === channel) onNotify();
        });
        await client.connect();
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        return async () => {
          await client.end().catch(() => {});
        };
      },
    };
  }

  const inMemory = target.dataDir.startsWith('memory://');
  const releaseLock = inMemory ? () => {} : acquireLockFile(`${resolve(target.dataDir)}.lock`);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(inMemory ? undefined : resolve(target.dataDir), {
      ...(target.loadDataDir ? { loadDataDir: target.loadDataDir } : {}),
    });
  } catch (error) {
    releaseLock();
    throw error;
  }
  const pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    engine: 'pglite',
    dumpDataDir: () => pglite.dumpDataDir('none'),
    listen: async (channel, onNotify) => {
      const stop = await pglite.listen(channel, () => onNotify());
      return async () => {
        if (!pglite.closed) await stop();
      };
    },
    ping: async () => {
      if (closed || pglite.closed) throw new Error('PGlite is closed');
      await sql`select 1`.execute(db);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
      // close() checkpoints and writes the WAL to the folder: nothing committed is lost.
      await pglite.close();
      releaseLock();
    },
  };
}
