import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';

export interface RateLimitRule {
  /** Most hits allowed in one window. */
  limit: number;
  windowSeconds: number;
}

/**
 * Counts one hit against `key` in the current fixed window and refuses with `rate_limited` once the
 * window holds more than `rule.limit`. Kept in the database so every process shares the count.
 * Keys must not contain personal data: pass a pseudonym of an address, not the address.
 */
export async function consumeRateLimit(db: Kysely<Database>, key: string, rule: RateLimitRule): Promise<void> {
  const result = await sql<{ hits: number }>`
    insert into rate_limits (key, window_start, hits)
    values (${key}, to_timestamp(floor(extract(epoch from now()) / ${rule.windowSeconds}) * ${rule.windowSeconds}), 1)
    on conflict (key, window_start) do update set hits = rate_limits.hits + 1
    returning hits`.execute(db);
  const hits = result.rows[0]?.hits ?? 0;
  if (hits > rule.limit) {
    throw new AppError('rate_limited', {
      detail: {
        ja: `短い時間に操作が多すぎます。${Math.ceil(rule.windowSeconds / 60)}分ほど待ってから、もう一度お試しください。`,
        en: `Too many attempts. Please wait about ${Math.ceil(rule.windowSeconds / 60)} minutes and try again.`,
      },
    });
  }
}

/** Removes windows that ended long ago (run by the maintenance job). */
export async function pruneRateLimits(db: Kysely<Database>): Promise<number> {
  const result = await db
    .deleteFrom('rate_limits')
    .where('window_start', '<', sql<Date>`now() - interval '2 days'`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
