import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { createLogger } from '../logger.js';
import { pruneFinishedJobs, pruneSignInLeftovers } from './maintenance.js';

const logger = createLogger('silent');

describe('maintenance jobs', () => {
  let database: TestDatabase;

  before(async () => {
    database = await openTestDatabase();
  });

  after(async () => {
    await database.close();
  });

  const context = (payload: never) => ({ db: database.db, payload, lgCode: null, jobId: uuidv7(), attempt: 1, logger });

  it('removes finished jobs after their keep period, and sent mail after a day', async () => {
    const insert = (name: string, status: 'succeeded' | 'failed' | 'pending', finishedDaysAgo: number | null) =>
      database.db
        .insertInto('jobs')
        .values({
          id: uuidv7(),
          name,
          status,
          finished_at: finishedDaysAgo === null ? null : sql<Date>`now() - (interval '1 day' * ${finishedDaysAgo})`,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    const old = await insert('x.old', 'failed', 40);
    const recent = await insert('x.recent', 'succeeded', 2);
    const pending = await insert('x.pending', 'pending', null);
    const oldMail = await insert('platform.send-mail', 'succeeded', 2);
    await pruneFinishedJobs.handle(context({ keepDays: 30 } as never));
    const left = (await database.db.selectFrom('jobs').select('id').execute()).map((row) => row.id);
    assert.ok(!left.includes(old.id));
    assert.ok(!left.includes(oldMail.id), 'sent mail (addresses) goes after a day');
    assert.ok(left.includes(recent.id) && left.includes(pending.id));
  });

  it('removes old rate-limit windows, expired sign-in challenges and long-ended sessions only', async () => {
    const person = await database.db
      .insertInto('persons')
      .values({ id: uuidv7(), email: 'prune@example.jp' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`insert into rate_limits (key, window_start, hits) values
      ('old', now() - interval '3 days', 1), ('current', now(), 1)`.execute(database.db);
    for (const [id, expiresSql] of [
      [uuidv7(), sql<Date>`now() - interval '2 days'`],
      [uuidv7(), sql<Date>`now() + interval '10 minutes'`],
    ] as const) {
      await database.db
        .insertInto('email_challenges')
        .values({
          id,
          email: 'prune@example.jp',
          purpose: 'sign_in',
          token_hash: id,
          code_hash: id,
          expires_at: expiresSql,
        })
        .execute();
    }
    for (const [token, expires, revoked] of [
      ['ended', sql<Date>`now() - interval '31 days'`, null],
      ['revoked-long-ago', sql<Date>`now() + interval '1 day'`, sql<Date>`now() - interval '31 days'`],
      ['revoked-recently', sql<Date>`now() + interval '1 day'`, sql<Date>`now() - interval '1 day'`],
      ['live', sql<Date>`now() + interval '1 day'`, null],
    ] as const) {
      await database.db
        .insertInto('sessions')
        .values({
          token_hash: token,
          id: uuidv7(),
          person_id: person.id,
          authenticated_by: 'email',
          expires_at: expires,
          revoked_at: revoked,
        })
        .execute();
    }
    await pruneSignInLeftovers.handle(context({} as never));
    const windows = (await database.db.selectFrom('rate_limits').select('key').execute()).map((row) => row.key);
    assert.deepEqual(windows, ['current']);
    const challenges = await database.db.selectFrom('email_challenges').select('id').execute();
    assert.equal(challenges.length, 1);
    const sessions = (
      await database.db.selectFrom('sessions').select('token_hash').orderBy('token_hash').execute()
    ).map((row) => row.token_hash);
    assert.deepEqual(sessions, ['live', 'revoked-recently']);
  });
});
