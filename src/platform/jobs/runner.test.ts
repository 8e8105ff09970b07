import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { z } from 'zod';
import { openTestDatabase, testEngine, type TestDatabase } from '../../../test/support/database.js';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import type { JobRow } from '../db/schema.js';
import { createLogger } from '../logger.js';
import {
  defineJob,
  enqueueJob,
  JobRunner,
  nextRunAfter,
  PermanentJobError,
  type JobDefinition,
  type JobRunnerOptions,
} from './runner.js';

const logger = createLogger('silent');
const onPostgres = testEngine === 'postgres';
const needsPostgres = onPostgres ? false : 'needs PostgreSQL (set TEST_DATABASE_URL)';

let database: TestDatabase;

before(async () => {
  database = await openTestDatabase();
  await sql`create table job_test_effects (key text primary key, job_id uuid not null)`.execute(database.db);
  await sql`create table job_test_runs (job_id uuid not null, runner text not null)`.execute(database.db);
});

after(async () => {
  await database?.close();
});

beforeEach(async () => {
  await sql`delete from jobs`.execute(database.db);
  await sql`delete from job_schedules`.execute(database.db);
  await sql`delete from job_test_effects`.execute(database.db);
  await sql`delete from job_test_runs`.execute(database.db);
});

function createRunner(definitions: JobDefinition[], options: Partial<JobRunnerOptions> = {}): JobRunner {
  return new JobRunner({ database, definitions, logger, pollIntervalMs: 50, ...options });
}

async function jobById(id: string, handle: DatabaseHandle = database): Promise<JobRow> {
  return handle.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function countJobs(name?: string): Promise<number> {
  let query = database.db.selectFrom('jobs').select((eb) => eb.fn.countAll<string>().as('count'));
  if (name) query = query.where('name', '=', name);
  return Number((await query.executeTakeFirstOrThrow()).count);
}

/** Seconds from the database clock until the job is due again. */
async function secondsUntilRunAt(id: string): Promise<number> {
  const result = await sql<{ seconds: number }>`
    select extract(epoch from (run_at - now()))::float8 as seconds from jobs where id = ${id}`.execute(database.db);
  const row = result.rows[0];
  assert.ok(row, `job ${id} exists`);
  return row.seconds;
}

async function waitFor(
  description: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await delay(10);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

interface Call<Payload> {
  payload: Payload;
  attempt: number;
  lgCode: string | null;
  jobId: string;
}

const greetingPayload = z.object({ citizen: z.string().min(1), note: z.string().optional() });
type Greeting = z.infer<typeof greetingPayload>;

/** A job that records each call; `fail` decides per attempt whether (and how) it throws. */
function recordingJob(
  name: string,
  options: {
    fail?: (attempt: number) => Error | undefined;
    maxAttempts?: number;
    backoffMs?: (attempt: number) => number;
  } = {},
): { definition: JobDefinition<Greeting>; calls: Call<Greeting>[] } {
  const calls: Call<Greeting>[] = [];
  const definition = defineJob<Greeting>({
    name,
    payload: greetingPayload,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
    async handle({ payload, attempt, lgCode, jobId }) {
      calls.push({ payload, attempt, lgCode, jobId });
      const error = options.fail?.(attempt);
      if (error) throw error;
    },
  });
  return { definition, calls };
}

describe('enqueueJob and transactions', () => {
  it('never creates a job enqueued in a transaction that rolls back', async () => {
    const { definition, calls } = recordingJob('test.greet');
    let seenInside = 0;
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await enqueueJob(trx, definition, { citizen: 'rolled-back' });
        seenInside = Number(
          (
            await trx
              .selectFrom('jobs')
              .select((eb) => eb.fn.countAll<string>().as('count'))
              .executeTakeFirstOrThrow()
          ).count,
        );
        throw new Error('use case failed');
      }),
      /use case failed/,
    );
    assert.equal(seenInside, 1, 'the job was written inside the transaction');
    assert.equal(await countJobs(), 0);
    assert.equal(await createRunner([definition]).drain(), 0);
    assert.deepEqual(calls, []);
  });

  it('runs a job from a committed transaction once, with its validated payload', async () => {
    const { definition, calls } = recordingJob('test.greet');
    // Not a literal, so that the unknown key reaches enqueueJob, whose validation must drop it.
    const input = { citizen: 'committed', note: 'hello', unknownKey: 'dropped' };
    const { id, created } = await database.db
      .transaction()
      .execute((trx) => enqueueJob(trx, definition, input, { lgCode: '131016' }));
    assert.equal(created, true);
    const queued = await jobById(id);
    assert.equal(queued.status, 'pending');
    assert.deepEqual(queued.payload, { citizen: 'committed', note: 'hello' }, 'the validated payload is stored');

    const runner = createRunner([definition]);
    assert.equal(await runner.drain(), 1);
    assert.deepEqual(calls, [
      { payload: { citizen: 'committed', note: 'hello' }, attempt: 1, lgCode: '131016', jobId: id },
    ]);
    const done = await jobById(id);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.attempts, 1);
    assert.ok(done.finished_at instanceof Date);
    assert.equal(done.locked_by, null);
    assert.equal(done.locked_until, null);
    assert.equal(done.last_error, null);

    assert.equal(await runner.drain(), 0, 'a finished job is not run again');
    assert.equal(calls.length, 1);
  });

  it('rejects an invalid payload at enqueue time and writes nothing', async () => {
    const { definition } = recordingJob('test.greet');
    await assert.rejects(enqueueJob(database.db, definition, { citizen: '' }));
    assert.equal(await countJobs(), 0);
  });

  it('does not run a job before its runAt', async () => {
    const { definition, calls } = recordingJob('test.greet');
    const { id } = await enqueueJob(
      database.db,
      definition,
      { citizen: 'later' },
      { runAt: new Date(Date.now() + 3_600_000) },
    );
    const runner = createRunner([definition]);
    assert.equal(await runner.drain(), 0);
    assert.equal((await jobById(id)).status, 'pending');
    await database.db
      .updateTable('jobs')
      .set({ run_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
    assert.equal(await runner.drain(), 1);
    assert.equal(calls.length, 1);
  });
});

describe('retries and failures', () => {
  it('retries a handler that fails twice, then records success after three attempts', async () => {
    const { definition, calls } = recordingJob('test.flaky', {
      fail: (attempt) => (attempt < 3 ? new Error(`flaky ${attempt}`) : undefined),
      backoffMs: () => 0,
    });
    const { id } = await enqueueJob(database.db, definition, { citizen: 'retry' });
    assert.equal(await createRunner([definition]).drain(), 3);
    assert.deepEqual(
      calls.map((call) => call.attempt),
      [1, 2, 3],
    );
    const job = await jobById(id);
    assert.equal(job.status, 'succeeded');
    assert.equal(job.attempts, 3);
    assert.equal(job.last_error, null, 'success clears the error of earlier attempts');
  });

  it('pushes run_at out by the backoff of the failed attempt', async () => {
    const backoffAsked: number[] = [];
    const { definition, calls } = recordingJob('test.slow-retry', {
      fail: (attempt) => (attempt === 1 ? new Error('temporary outage') : undefined),
      backoffMs: (attempt) => {
        backoffAsked.push(attempt);
        return 60 * 60 * 1000;
      },
    });
    const { id } = await enqueueJob(database.db, definition, { citizen: 'backoff' });
    const runner = createRunner([definition]);
    assert.equal(await runner.runNext(), true);

    const job = await jobById(id);
    assert.equal(job.status, 'pending');
    assert.equal(job.attempts, 1);
    assert.equal(job.last_error, 'temporary outage');
    assert.equal(job.locked_by, null);
    assert.deepEqual(backoffAsked, [1]);
    const seconds = await secondsUntilRunAt(id);
    assert.ok(seconds > 3590 && seconds <= 3600, `retry due in ${seconds} s, expected about an hour`);

    assert.equal(await runner.runNext(), false, 'not retried before the backoff has passed');
    assert.equal(calls.length, 1);

    await database.db
      .updateTable('jobs')
      .set({ run_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
    assert.equal(await runner.runNext(), true);
    assert.equal((await jobById(id)).status, 'succeeded');
    assert.deepEqual(
      calls.map((call) => call.attempt),
      [1, 2],
    );
  });

  it('uses a default backoff of 2^attempt seconds', async () => {
    const { definition } = recordingJob('test.default-backoff', { fail: () => new Error('nope') });
    const { id } = await enqueueJob(database.db, definition, { citizen: 'default' });
    assert.equal(await createRunner([definition]).runNext(), true);
    const seconds = await secondsUntilRunAt(id);
    assert.ok(seconds > 1.2 && seconds <= 2, `retry due in ${seconds} s, expected 2 s`);
  });

  it('marks a job that always fails as failed after maxAttempts, keeping the last error', async () => {
    const { definition, calls } = recordingJob('test.broken', {
      fail: (attempt) => new Error(`still broken (attempt ${attempt})`),
      maxAttempts: 3,
      backoffMs: () => 0,
    });
    const { id } = await enqueueJob(database.db, definition, { citizen: 'broken' });
    const runner = createRunner([definition]);
    assert.equal(await runner.drain(), 3);
    assert.equal(calls.length, 3);
    const job = await jobById(id);
    assert.equal(job.status, 'failed');
    assert.equal(job.attempts, 3);
    assert.equal(job.max_attempts, 3);
    assert.equal(job.last_error, 'still broken (attempt 3)');
    assert.ok(job.finished_at instanceof Date);
    assert.equal(job.locked_by, null);
    assert.equal(await runner.drain(), 0, 'a failed job is not picked up again');
  });

  it('lets enqueueJob override maxAttempts per job', async () => {
    const { definition, calls } = recordingJob('test.broken', { fail: () => new Error('broken'), backoffMs: () => 0 });
    const { id } = await enqueueJob(database.db, definition, { citizen: 'once' }, { maxAttempts: 1 });
    assert.equal(await createRunner([definition]).drain(), 1);
    assert.equal(calls.length, 1);
    assert.equal((await jobById(id)).status, 'failed');
  });

  it('fails at once, without retry, on a PermanentJobError', async () => {
    const { definition, calls } = recordingJob('test.permanent', {
      fail: () => new PermanentJobError('the citizen record is gone'),
      maxAttempts: 5,
      backoffMs: () => 0,
    });
    const { id } = await enqueueJob(database.db, definition, { citizen: 'gone' });
    assert.equal(await createRunner([definition]).drain(), 1);
    assert.equal(calls.length, 1);
    const job = await jobById(id);
    assert.equal(job.status, 'failed');
    assert.equal(job.attempts, 1);
    assert.equal(job.last_error, 'the citizen record is gone');
  });

  it('fails at once, without calling the handler, when the stored payload is invalid', async () => {
    const { definition, calls } = recordingJob('test.greet', { backoffMs: () => 0 });
    // enqueueJob validates, so a payload from an older producer is written directly.
    const { id } = await database.db
      .insertInto('jobs')
      .values({
        id: '019a0000-0000-7000-8000-000000000001',
        name: 'test.greet',
        payload: JSON.stringify({ citizen: 42 }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    assert.equal(await createRunner([definition]).drain(), 1);
    assert.deepEqual(calls, []);
    const job = await jobById(id);
    assert.equal(job.status, 'failed');
    assert.equal(job.attempts, 1);
    assert.match(job.last_error ?? '', /^invalid payload/);
  });

  it('fails a job that no definition handles', async () => {
    const { definition, calls } = recordingJob('test.greet');
    const { id } = await enqueueJob(
      database.db,
      { ...definition, name: 'test.nobody-handles-this' },
      { citizen: 'orphan' },
    );
    assert.equal(await createRunner([definition]).drain(), 1);
    assert.deepEqual(calls, []);
    const job = await jobById(id);
    assert.equal(job.status, 'failed');
    assert.equal(job.attempts, 1);
    assert.match(job.last_error ?? '', /no handler/);
  });
});

describe('idempotency', () => {
  it('keeps one job per idempotency key', async () => {
    const { definition, calls } = recordingJob('test.greet');
    const first = await enqueueJob(database.db, definition, { citizen: 'a' }, { idempotencyKey: 'greet:a' });
    const second = await database.db
      .transaction()
      .execute((trx) => enqueueJob(trx, definition, { citizen: 'a', note: 'second' }, { idempotencyKey: 'greet:a' }));
    assert.deepEqual(first, { id: first.id, created: true });
    assert.deepEqual(second, { id: first.id, created: false });
    assert.equal(await countJobs(), 1);
    assert.deepEqual((await jobById(first.id)).payload, { citizen: 'a' }, 'the first payload is kept');

    const runner = createRunner([definition]);
    assert.equal(await runner.drain(), 1);
    const again = await enqueueJob(database.db, definition, { citizen: 'a' }, { idempotencyKey: 'greet:a' });
    assert.deepEqual(again, { id: first.id, created: false }, 'a finished job still holds its key');
    assert.equal(await runner.drain(), 0);
    assert.equal(calls.length, 1);

    const other = await enqueueJob(database.db, definition, { citizen: 'a' }, { idempotencyKey: 'greet:b' });
    assert.equal(other.created, true);
    assert.notEqual(other.id, first.id);
  });

  it('produces one effect when an idempotent handler is delivered twice', async () => {
    let runs = 0;
    const record = defineJob({
      name: 'test.record-effect',
      payload: z.object({ key: z.string() }),
      async handle({ db, payload, jobId }) {
        runs += 1;
        await sql`insert into job_test_effects (key, job_id) values (${payload.key}, ${jobId})
                  on conflict (key) do nothing`.execute(db);
      },
    });
    const { id } = await enqueueJob(database.db, record, { key: 'certificate:42' });
    const runner = createRunner([record]);
    assert.equal(await runner.drain(), 1);
    // At-least-once delivery: the worker did the work but "crashed" before the job was marked done.
    await database.db
      .updateTable('jobs')
      .set({ status: 'pending', finished_at: null, run_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
    assert.equal(await runner.drain(), 1);
    assert.equal(runs, 2, 'the handler was delivered twice');
    const effects = await sql<{ key: string; job_id: string }>`select key, job_id from job_test_effects`.execute(
      database.db,
    );
    assert.deepEqual(effects.rows, [{ key: 'certificate:42', job_id: id }]);
    assert.equal((await jobById(id)).attempts, 2);
  });
});

describe('schedules', () => {
  function nightlyJob(cron = '0 3 * * *'): { definition: JobDefinition<{ scope: string }>; scopes: string[] } {
    const scopes: string[] = [];
    const definition = defineJob({
      name: 'test.nightly',
      payload: z.object({ scope: z.string() }),
      schedule: { cron, payload: { scope: 'all' } },
      async handle({ payload }) {
        scopes.push(payload.scope);
      },
    });
    return { definition, scopes };
  }

  async function schedule(name = 'test.nightly') {
    return database.db.selectFrom('job_schedules').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
  }

  async function scheduledJobs(): Promise<JobRow[]> {
    return database.db
      .selectFrom('jobs')
      .selectAll()
      .where('name', '=', 'test.nightly')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  it('computes the next run in the given time zone', () => {
    assert.equal(
      nextRunAfter('0 3 * * *', 'Asia/Tokyo', new Date('2026-11-22T00:00:00Z')).toISOString(),
      '2026-11-22T18:00:00.000Z',
    );
    assert.equal(
      nextRunAfter('0 3 * * *', 'Asia/Tokyo', new Date('2026-11-22T18:00:00Z')).toISOString(),
      '2026-11-23T18:00:00.000Z',
      'strictly after the given instant',
    );
    assert.equal(
      nextRunAfter('0 3 * * *', 'UTC', new Date('2026-11-22T00:00:00Z')).toISOString(),
      '2026-11-22T03:00:00.000Z',
    );
    assert.throws(() => nextRunAfter('0 0 30 2 *', 'Asia/Tokyo', new Date('2026-11-22T00:00:00Z')), /never fires/);
  });

  it('enqueues one job per due slot, once, even from two runners', async () => {
    let clock = new Date('2026-11-22T00:00:00Z');
    const now = () => clock;
    const { definition, scopes } = nightlyJob();
    const runner = createRunner([definition], { now });
    const otherProcess = createRunner([definition], { now });

    await runner.registerSchedules();
    const registered = await schedule();
    assert.equal(registered.cron, '0 3 * * *');
    assert.equal(registered.timezone, 'Asia/Tokyo');
    assert.equal(registered.next_run_at.toISOString(), '2026-11-22T18:00:00.000Z', '03:00 in Japan');
    assert.equal(registered.last_enqueued_at, null);

    clock = new Date('2026-11-22T17:59:59.999Z');
    assert.equal(await runner.enqueueDueSchedules(), 0);
    assert.equal(await countJobs(), 0);

    clock = new Date('2026-11-22T18:00:00Z');
    assert.equal(await runner.enqueueDueSchedules(), 1);
    const [job] = await scheduledJobs();
    assert.ok(job);
    assert.equal(job.idempotency_key, 'schedule:test.nightly:2026-11-22T18:00:00.000Z');
    assert.deepEqual(job.payload, { scope: 'all' });
    const advanced = await schedule();
    assert.equal(advanced.next_run_at.toISOString(), '2026-11-23T18:00:00.000Z');
    assert.equal(advanced.last_enqueued_at?.toISOString(), '2026-11-22T18:00:00.000Z');

    assert.equal(await runner.enqueueDueSchedules(), 0);
    assert.equal(await otherProcess.enqueueDueSchedules(), 0);
    assert.equal(await countJobs(), 1);

    // A process that read the schedule before the first one advanced it: the slot's key stops it.
    await database.db
      .updateTable('job_schedules')
      .set({ next_run_at: new Date('2026-11-22T18:00:00Z') })
      .where('name', '=', 'test.nightly')
      .execute();
    assert.equal(await otherProcess.enqueueDueSchedules(), 0);
    assert.equal(await countJobs(), 1);
    assert.equal((await schedule()).next_run_at.toISOString(), '2026-11-23T18:00:00.000Z');

    assert.equal(await runner.drain(), 1);
    assert.deepEqual(scopes, ['all']);
  });

  it('does not enqueue twice when two runners find the same slot due at once', async () => {
    const clock = new Date('2026-11-22T18:00:00Z');
    const { definition } = nightlyJob();
    const first = createRunner([definition], { now: () => clock });
    const second = createRunner([definition], { now: () => clock });
    await database.db
      .insertInto('job_schedules')
      .values({ name: 'test.nightly', cron: '0 3 * * *', next_run_at: clock })
      .execute();
    const counts = await Promise.all([first.enqueueDueSchedules(), second.enqueueDueSchedules()]);
    assert.equal(counts[0] + counts[1], 1);
    assert.equal(await countJobs('test.nightly'), 1);
  });

  it('makes up missed slots with one run, not one per slot', async () => {
    let clock = new Date('2026-11-22T00:00:00Z');
    const { definition, scopes } = nightlyJob();
    const runner = createRunner([definition], { now: () => clock });
    await runner.registerSchedules();
    clock = new Date('2026-11-22T18:00:00Z');
    assert.equal(await runner.drain(), 1);

    // Down from just after the 23rd's run was due until noon UTC on the 27th: four slots missed.
    clock = new Date('2026-11-27T12:00:00Z');
    assert.equal(await runner.enqueueDueSchedules(), 1);
    assert.equal(await runner.enqueueDueSchedules(), 0);
    const jobs = await scheduledJobs();
    assert.equal(jobs.length, 2);
    assert.equal(jobs[1]?.idempotency_key, 'schedule:test.nightly:2026-11-23T18:00:00.000Z');
    assert.equal((await schedule()).next_run_at.toISOString(), '2026-11-27T18:00:00.000Z');
    assert.equal(await runner.drain(), 1);
    assert.deepEqual(scopes, ['all', 'all']);
  });

  it('keeps a pending slot across a restart, and moves it when the cron expression changes', async () => {
    let clock = new Date('2026-11-22T00:00:00Z');
    await createRunner([nightlyJob().definition], { now: () => clock }).registerSchedules();

    // Restarted after the due time: registering again must not skip the missed run.
    clock = new Date('2026-11-24T00:00:00Z');
    const restarted = createRunner([nightlyJob().definition], { now: () => clock });
    await restarted.registerSchedules();
    assert.equal((await schedule()).next_run_at.toISOString(), '2026-11-22T18:00:00.000Z');
    assert.equal(await restarted.enqueueDueSchedules(), 1);

    // 04:30 in Japan on the 25th is 19:30 UTC on the 24th.
    const changed = createRunner([nightlyJob('30 4 * * *').definition], { now: () => clock });
    await changed.registerSchedules();
    const moved = await schedule();
    assert.equal(moved.cron, '30 4 * * *');
    assert.equal(moved.next_run_at.toISOString(), '2026-11-24T19:30:00.000Z');
  });
});

describe('claims and crashed workers', () => {
  it('ignores the late result of a worker whose claim was taken over', async () => {
    const gate = deferred();
    const started = deferred();
    const slow = defineJob({
      name: 'test.takeover',
      payload: z.object({}),
      async handle() {
        started.resolve();
        await gate.promise;
        throw new Error('the slow worker finally failed');
      },
    });
    const { definition: fast, calls } = recordingJob('test.takeover');
    const { id } = await enqueueJob(database.db, fast, { citizen: 'contested' });
    const slowRunner = createRunner([slow]);
    const slowRun = slowRunner.runNext();
    await started.promise;
    assert.equal((await jobById(id)).locked_by, slowRunner.workerId);

    await database.db
      .updateTable('jobs')
      .set({ locked_until: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', id)
      .execute();
    assert.equal(await createRunner([fast]).runNext(), true);
    assert.equal((await jobById(id)).status, 'succeeded');

    gate.resolve();
    assert.equal(await slowRun, true);
    const job = await jobById(id);
    assert.equal(job.status, 'succeeded', 'the stale worker does not overwrite the result');
    assert.equal(job.last_error, null);
    assert.equal(job.attempts, 2);
    assert.deepEqual(
      calls.map((call) => call.attempt),
      [2],
    );
  });

  it('fails, without running it, a job whose worker died during its last allowed attempt', async () => {
    const { definition, calls } = recordingJob('test.greet');
    const { id } = await enqueueJob(database.db, definition, { citizen: 'crasher' }, { maxAttempts: 2 });
    await database.db
      .updateTable('jobs')
      .set({
        status: 'running',
        attempts: 2,
        locked_by: 'worker-dead',
        locked_until: sql<Date>`now() - interval '1 second'`,
      })
      .where('id', '=', id)
      .execute();
    assert.equal(await createRunner([definition]).runNext(), true);
    const job = await jobById(id);
    assert.equal(job.status, 'failed');
    assert.match(job.last_error ?? '', /worker stopped/);
    assert.equal(calls.length, 0);
  });

  it('takes over a job whose worker died once its lock expires (PostgreSQL)', { skip: needsPostgres }, async () => {
    const { definition, calls } = recordingJob('test.greet');
    const { id: abandoned } = await enqueueJob(database.db, definition, { citizen: 'abandoned' });
    await database.db
      .updateTable('jobs')
      .set({
        status: 'running',
        attempts: 1,
        locked_by: 'worker-dead',
        locked_until: sql<Date>`now() - interval '1 second'`,
      })
      .where('id', '=', abandoned)
      .execute();

    const secondProcess = await openDatabase({
      engine: 'postgres',
      connectionString: connectionStringOf(database),
      poolMax: 2,
    });
    try {
      const runner = new JobRunner({ database: secondProcess, definitions: [definition], logger, pollIntervalMs: 50 });
      assert.equal(await runner.runNext(), true);
      const job = await jobById(abandoned);
      assert.equal(job.status, 'succeeded');
      assert.equal(job.attempts, 2);
      assert.equal(job.locked_by, null);
      assert.deepEqual(
        calls.map((call) => call.attempt),
        [2],
      );
    } finally {
      await secondProcess.close();
    }
  });

  it('does not take over a job whose lock still holds (PostgreSQL)', { skip: needsPostgres }, async () => {
    const { definition, calls } = recordingJob('test.greet');
    const { id: held } = await enqueueJob(database.db, definition, { citizen: 'held' });
    await database.db
      .updateTable('jobs')
      .set({
        status: 'running',
        attempts: 1,
        locked_by: 'worker-alive',
        locked_until: sql<Date>`now() + interval '10 minutes'`,
      })
      .where('id', '=', held)
      .execute();

    const secondProcess = await openDatabase({
      engine: 'postgres',
      connectionString: connectionStringOf(database),
      poolMax: 2,
    });
    const runner = new JobRunner({ database: secondProcess, definitions: [definition], logger, pollIntervalMs: 50 });
    try {
      assert.equal(await runner.runNext(), false);
      // Unlike the embedded database, PostgreSQL is shared: start() must leave other processes' claims alone.
      await runner.start();
      await delay(250);
      await runner.stop();
    } finally {
      await runner.stop();
      await secondProcess.close();
    }
    const job = await jobById(held);
    assert.equal(job.status, 'running');
    assert.equal(job.locked_by, 'worker-alive');
    assert.equal(job.attempts, 1);
    assert.deepEqual(calls, []);
  });
});

function connectionStringOf(handle: TestDatabase): string {
  if (!handle.connectionString) throw new Error('the test database has no connection string');
  return handle.connectionString;
}

describe('restart of the embedded database', () => {
  it('runs jobs left pending or claimed by a process that stopped', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'furusato-jobs-'));
    const dataDir = join(folder, 'pgdata');
    try {
      const ran: { citizen: string; attempt: number }[] = [];
      const normal = defineJob({
        name: 'test.restart',
        payload: greetingPayload,
        async handle({ payload, attempt }) {
          ran.push({ citizen: payload.citizen, attempt });
        },
      });
      const gate = deferred();
      const started = deferred();
      const hanging = defineJob({
        name: 'test.restart',
        payload: greetingPayload,
        async handle() {
          started.resolve();
          await gate.promise;
        },
      });

      const first = await openDatabase({ engine: 'pglite', dataDir });
      let pendingId: string;
      let claimedId: string;
      let crashedRun: Promise<boolean>;
      try {
        await migrateToLatest(first.db);
        claimedId = (await enqueueJob(first.db, normal, { citizen: 'claimed' })).id;
        const crashing = new JobRunner({ database: first, definitions: [hanging], logger, lockMs: 60 * 60 * 1000 });
        crashedRun = crashing.runNext();
        await started.promise;
        pendingId = (await enqueueJob(first.db, normal, { citizen: 'pending' })).id;
        assert.equal((await jobById(claimedId, first)).status, 'running');
      } finally {
        await first.close();
      }
      // The handler "returns" after its database is gone: its bookkeeping cannot reach the jobs table.
      gate.resolve();
      await assert.rejects(crashedRun);

      const second = await openDatabase({ engine: 'pglite', dataDir });
      const runner = new JobRunner({ database: second, definitions: [normal], logger, pollIntervalMs: 50 });
      try {
        assert.deepEqual(await migrateToLatest(second.db), [], 'the schema survived');
        const claimedBefore = await jobById(claimedId, second);
        assert.equal(claimedBefore.status, 'running');
        assert.ok(claimedBefore.locked_until && claimedBefore.locked_until > new Date(), 'its lock has not expired');
        assert.equal((await jobById(pendingId, second)).status, 'pending');

        // Without start(), the unexpired claim still blocks the job: releasing it is start()'s work.
        assert.equal(await runner.drain(), 1);
        assert.deepEqual(ran, [{ citizen: 'pending', attempt: 1 }]);

        await runner.start();
        await waitFor('the claimed job to run', async () => (await jobById(claimedId, second)).status === 'succeeded');
        await runner.stop();
        assert.deepEqual(ran, [
          { citizen: 'pending', attempt: 1 },
          { citizen: 'claimed', attempt: 2 },
        ]);
        assert.equal((await jobById(pendingId, second)).status, 'succeeded');
      } finally {
        await runner.stop();
        await second.close();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('start and stop', () => {
  it('runs a job enqueued after start without runNext, by polling', async () => {
    const { definition, calls } = recordingJob('test.greet');
    // Without notifications, so that only the poll can find the job.
    const deaf: DatabaseHandle = {
      ...database,
      listen: async () => {
        throw new Error('notifications unavailable');
      },
    };
    const runner = createRunner([definition], { database: deaf, pollIntervalMs: 50 });
    await runner.start();
    try {
      // Let the loop go idle first, so the job is found by a later poll, not the first pass.
      await delay(120);
      const { id } = await enqueueJob(database.db, definition, { citizen: 'polled' });
      await waitFor('the job to run', async () => (await jobById(id)).status === 'succeeded', 3_000);
      assert.equal(calls.length, 1);
    } finally {
      await runner.stop();
    }
  });

  it('wakes up on the NOTIFY from enqueueJob instead of waiting for the next poll', async () => {
    const { definition, calls } = recordingJob('test.greet');
    const runner = createRunner([definition], { pollIntervalMs: 60_000 });
    await runner.start();
    try {
      await delay(100);
      const { id } = await enqueueJob(database.db, definition, { citizen: 'notified' });
      await waitFor('the job to run', async () => (await jobById(id)).status === 'succeeded', 3_000);
      assert.equal(calls.length, 1);
    } finally {
      await runner.stop();
    }
  });

  it('stop() waits for the running job to finish, then claims nothing more', async () => {
    const events: string[] = [];
    const gate = deferred();
    const started = deferred();
    const blocking = defineJob({
      name: 'test.blocking',
      payload: z.object({ n: z.number() }),
      async handle() {
        started.resolve();
        await gate.promise;
        events.push('handler finished');
      },
    });
    const runner = createRunner([blocking], { pollIntervalMs: 20 });
    await runner.start();
    const { id } = await enqueueJob(database.db, blocking, { n: 1 });
    let stopped: Promise<void> | undefined;
    try {
      await started.promise;
      stopped = runner.stop().then(() => {
        events.push('stop resolved');
      });
      await delay(150);
      assert.deepEqual(events, [], 'stop() is still waiting for the handler');
      assert.equal((await jobById(id)).status, 'running');
    } finally {
      gate.resolve();
      await stopped;
      await runner.stop();
    }
    assert.deepEqual(events, ['handler finished', 'stop resolved']);
    assert.equal((await jobById(id)).status, 'succeeded', 'the result was recorded before stop() resolved');

    const { id: late } = await enqueueJob(database.db, blocking, { n: 2 });
    await delay(150);
    assert.equal((await jobById(late)).status, 'pending', 'a stopped runner claims nothing');
  });
});

describe('several runners (PostgreSQL)', () => {
  it('runs each of 50 jobs exactly once with two runners draining together', { skip: needsPostgres }, async () => {
    const secondProcess = await openDatabase({
      engine: 'postgres',
      connectionString: connectionStringOf(database),
      poolMax: 3,
    });
    try {
      const job = (runnerName: string) =>
        defineJob({
          name: 'test.count',
          payload: z.object({ n: z.number().int() }),
          async handle({ db, jobId }) {
            await sql`insert into job_test_runs (job_id, runner) values (${jobId}, ${runnerName})`.execute(db);
            // Long enough that the other runner claims jobs meanwhile.
            await delay(5);
          },
        });
      const first = createRunner([job('first')]);
      const second = new JobRunner({ database: secondProcess, definitions: [job('second')], logger });
      for (let n = 0; n < 50; n += 1) await enqueueJob(database.db, job('producer'), { n });

      const drained = await Promise.all([first.drain(), first.drain(), second.drain(), second.drain()]);
      assert.equal(
        drained.reduce((sum, count) => sum + count, 0),
        50,
      );

      const runs = await sql<{ total: number; jobs: number; first: number; second: number }>`
        select count(*)::int as total, count(distinct job_id)::int as jobs,
               count(*) filter (where runner = 'first')::int as first,
               count(*) filter (where runner = 'second')::int as second
        from job_test_runs`.execute(database.db);
      const summary = runs.rows[0];
      assert.ok(summary);
      assert.equal(summary.total, 50);
      assert.equal(summary.jobs, 50);
      assert.ok(summary.first > 0 && summary.second > 0, `both runners worked (${summary.first}/${summary.second})`);
      const statuses = await database.db
        .selectFrom('jobs')
        .select(['status', 'attempts'])
        .where('name', '=', 'test.count')
        .execute();
      assert.equal(statuses.length, 50);
      assert.ok(statuses.every((row) => row.status === 'succeeded' && row.attempts === 1));
    } finally {
      await secondProcess.close();
    }
  });
});
