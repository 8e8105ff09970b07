import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from './schema.js';

export const migrationsFolder = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/**
 * Applies the numbered SQL files in `migrations/` that have not run yet, each in its own transaction,
 * under an advisory lock so that several processes starting at once apply each file exactly once.
 * Forward-only: a file that already ran is never edited; a new file is added instead.
 */
export async function migrateToLatest(db: Kysely<Database>, logger?: Logger): Promise<string[]> {
  const files = (await readdir(migrationsFolder)).filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name)).sort();
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(hashtext('furusato.migrations'))`.execute(connection);
    try {
      await sql`create table if not exists schema_migrations (
        version text primary key,
        applied_at timestamptz not null default now()
      )`.execute(connection);
      const applied = new Set(
        (await sql<{ version: string }>`select version from schema_migrations`.execute(connection)).rows.map(
          (row) => row.version,
        ),
      );
      const newlyApplied: string[] = [];
      for (const file of files) {
        if (applied.has(file)) continue;
        const text = await readFile(join(migrationsFolder, file), 'utf8');
        await connection.transaction().execute(async (trx) => {
          await sql.raw(text).execute(trx);
          await sql`insert into schema_migrations (version) values (${file})`.execute(trx);
        });
        logger?.info({ migration: file }, 'migration applied');
        newlyApplied.push(file);
      }
      return newlyApplied;
    } finally {
      await sql`select pg_advisory_unlock(hashtext('furusato.migrations'))`.execute(connection);
    }
  });
}
