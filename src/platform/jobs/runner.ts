import { Cron } from 'croner';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { z } from 'zod';
import type { DatabaseHandle } from '../db/database.js';
import type { Database, JobRow } from '../db/schema.js';
import type { Logger } from '../logger.js';

export const jobsChannel = 'furusato_jobs';

export interface JobContext<Payload> {
  db: Kysely<Database>;
  payload: Payload;
  /** The tenant the job is about, if any: open its scope with `withTenant`. */
  lgCode: string | null;
  jobId: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  logger: Logger;
}

/**
 * A typed job. Delivery is at least once (a crash after the work but before the job is marked done
 * runs it again), so `handle` must be idempotent: check before acting, or act in one transaction
 * that also records that it acted.
 */
export interface JobDefinition<Payload = unknown> {
  name: string;
  payload: z.ZodType<Payload>;
  handle(context: JobContext<Payload>): Promise<void>;
  /** Runs after which the job is marked failed. Default 5. */
  maxAttempts?: number;
  /** Delay before retry number `attempt` (1-based). Default: 2^attempt seconds, at most one hour. */
  backoffMs?: (attempt: number) => number;
  /** Cron expression (5 or 6 fields), evaluated in Japan time unless `timezone` says otherwise. */
  schedule?: { cron: string; timezone?: string; payload?: Payload };
}

/** A failure that retrying cannot fix (bad payload, unknown job): the job fails at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export function defineJob<Payload>(definition: JobDefinition<Payload>): JobDefinition<Payload> {
  return definition;
}

const defaultBackoffMs = (attempt: number) => Math.min(2 ** attempt * 1000, 60 * 60 * 1000);

export interface EnqueueOptions {
  runAt?: Date;
  lgCode?: string;
  /** Enqueueing twice with the same key keeps the first job only. */
  idempotencyKey?: string;
  maxAttempts?: number;
}

/**
 * Adds a job. Pass the use case's transaction as `db` so the job commits (or rolls back) with the data
 * it is about. Returns the job id, and whether a new job was created (false for a known idempotency key).
 */
export async function enqueueJob<Payload>(
  db: Kysely<Database>,
  definition: Pick<JobDefinition<Payload>, 'name' | 'payload' | 'maxAttempts'>,
  payload: Payload,
  options: EnqueueOptions = {},
): Promise<{ id: string; created: boolean }> {
  const checked = definition.payload.parse(payload);
  const id = uuidv7();
  const inserted = await db
    .insertInto('jobs')
    .values({
      id,
      name: definition.name,
      payload: JSON.stringify(checked ?? {}),
      lg_code: options.lgCode ?? null,
      run_at: options.runAt ?? sql<Date>`now()`,
      max_attempts: options.maxAttempts ?? definition.maxAttempts ?? 5,
      idempotency_key: options.idempotencyKey ?? null,
    })
    .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) {
    await sql`select pg_notify(${jobsChannel}, ${definition.name})`.execute(db);
    return { id: inserted.id, created: true };
  }
  const existing = await db
    .selectFrom('jobs')
    .select('id')
    .where('idempotency_key', '=', options.idempotencyKey ?? '')
    .executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

/**
 * `enqueueJob` for many jobs in one statement (unnest), for fan-outs and bulk mail: one INSERT per job
 * runs at a few thousand rows a second, this at a hundred thousand. Same rules: payloads are checked,
 * a known idempotency key keeps the first job. Returns how many jobs were created.
 */
export async function enqueueJobs<Payload>(
  db: Kysely<Database>,
  definition: Pick<JobDefinition<Payload>, 'name' | 'payload' | 'maxAttempts'>,
  jobs: ReadonlyArray<{ payload: Payload } & EnqueueOptions>,
): Promise<number> {
  if (jobs.length === 0) return 0;
  const ids: string[] = [];
  const payloads: string[] = [];
  const lgCodes: Array<string | null> = [];
  const runAts: Array<string | null> = [];
  const maxAttempts: number[] = [];
  const keys: Array<string | null> = [];
  for (const job of jobs) {
    ids.push(uuidv7());
    payloads.push(JSON.stringify(definition.payload.parse(job.payload) ?? {}));
    lgCodes.push(job.lgCode ?? null);
    runAts.push(job.runAt ? job.runAt.toISOString() : null);
    maxAttempts.push(job.maxAttempts ?? definition.maxAttempts ?? 5);
    keys.push(job.idempotencyKey ?? null);
  }
  const result = await sql`
    insert into jobs (id, name, payload, lg_code, run_at, max_attempts, idempotency_key)
    select u.id, ${definition.name}, u.payload::jsonb, u.lg_code, coalesce(u.run_at, now()), u.max_attempts, u.key
    from unnest(${ids}::uuid[], ${payloads}::text[], ${lgCodes}::text[], ${runAts}::timestamptz[],
                ${maxAttempts}::int[], ${keys}::text[])
      as u(id, payload, lg_code, run_at, max_attempts, key)
    on conflict (idempotency_key) do nothing`.execute(db);
  const created = Number(result.numAffectedRows ?? 0n);
  if (created > 0) await sql`select pg_notify(${jobsChannel}, ${definition.name})`.execute(db);
  return created;
}

export interface JobRunnerOptions {
  database: DatabaseHandle;
  definitions: JobDefinition<never>[] | JobDefinition[];
  logger: Logger;
  pollIntervalMs?: number;
  /** Jobs run at the same time by this process. PGlite serialises queries, so 1 suits it. */
  concurrency?: number;
  /**
   * How long a claim holds before another worker may take the job over (its worker is presumed dead).
   * Longer than any job runs. Default 15 minutes.
   */
  lockMs?: number;
  /** The clock for schedules (tests move it). Claims use the database clock. */
  now?: () => Date;
}

/**
 * Claims due jobs with `FOR UPDATE SKIP LOCKED`, so any number of processes can share the table,
 * runs them, retries failures with backoff, and turns cron schedules into jobs. A job whose worker
 * died is claimed again once its lock expires; on the embedded database, which only this process
 * can open, it is claimed again at start.
 */
export class JobRunner {
  readonly workerId = `worker-${randomUUID()}`;
  private readonly definitions = new Map<string, JobDefinition>();
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly concurrency: number;
  private readonly now: () => Date;
  private running = false;
  private loops: Promise<void>[] = [];
  /** Claims in progress and the jobs they run, from the loops and from drain(). */
  private readonly attempts = new Set<Promise<boolean>>();
  /** Resolvers of the loops now sleeping; a wake-up resolves and forgets them all. */
  private readonly sleepers = new Set<() => void>();
  /** Counts wake-ups, so a loop that was busy when one arrived does not then sleep through it. */
  private wakeups = 0;
  private stopListening: (() => Promise<void>) | undefined;

  constructor(private readonly options: JobRunnerOptions) {
    for (const definition of options.definitions as JobDefinition[]) this.definitions.set(definition.name, definition);
    this.logger = options.logger.child({ component: 'jobs' });
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.concurrency = options.concurrency ?? 1;
    this.now = options.now ?? (() => new Date());
  }

  private get db(): Kysely<Database> {
    return this.options.database.db;
  }

  async start(): Promise<void> {
    if (this.running) return;
    // Set before the first await, so an overlapping start() or stop() sees a started runner.
    this.running = true;
    await this.registerSchedules();
    if (this.options.database.engine === 'pglite') await this.releaseAbandonedClaims();
    if (!this.running) return;
    try {
      this.stopListening = await this.options.database.listen(jobsChannel, () => this.wake());
    } catch (error) {
      this.logger.warn({ err: { message: (error as Error).message } }, 'job notifications unavailable; polling only');
    }
    for (let slot = 0; slot < this.concurrency; slot += 1) this.loops.push(this.loop());
  }

  /** Stops claiming; the jobs already running finish before this resolves. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await Promise.all(this.loops);
    this.loops = [];
    await this.stopListening?.();
    this.stopListening = undefined;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const wakeupsSeen = this.wakeups;
      let worked = false;
      try {
        await this.enqueueDueSchedules();
        worked = await this.runNext();
      } catch (error) {
        this.logger.warn({ err: { message: (error as Error).message } }, 'job loop error; will retry');
      }
      if (!worked && this.running && this.wakeups === wakeupsSeen) await this.sleep();
    }
  }

  private wake(): void {
    this.wakeups += 1;
    for (const resolve of [...this.sleepers]) resolve();
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      this.sleepers.add(done);
    });
  }

  /** Writes each definition's schedule; a changed cron expression takes effect from now. */
  async registerSchedules(): Promise<void> {
    const now = this.now();
    for (const definition of this.definitions.values()) {
      if (!definition.schedule) continue;
      const { cron, timezone = 'Asia/Tokyo' } = definition.schedule;
      const next = nextRunAfter(cron, timezone, now);
      await this.db
        .insertInto('job_schedules')
        .values({ name: definition.name, cron, timezone, next_run_at: next })
        .onConflict((conflict) =>
          conflict
            .column('name')
            .doUpdateSet({ cron, timezone, next_run_at: next })
            .where((eb) => eb.or([eb('job_schedules.cron', '!=', cron), eb('job_schedules.timezone', '!=', timezone)])),
        )
        .execute();
    }
  }

  /**
   * Turns every due schedule into one job. The idempotency key names the due time, so two processes
   * (or a restart in the middle) never create the same run twice, and a run missed while the process
   * was down is made up once, not once per missed slot.
   */
  async enqueueDueSchedules(): Promise<number> {
    const now = this.now();
    let enqueued = 0;
    await this.db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('job_schedules')
        .selectAll()
        .where('next_run_at', '<=', now)
        .forUpdate()
        .skipLocked()
        .execute();
      for (const schedule of due) {
        const definition = this.definitions.get(schedule.name);
        if (!definition?.schedule) continue;
        const { created } = await enqueueJob(trx, definition, definition.schedule.payload ?? ({} as never), {
          idempotencyKey: `schedule:${schedule.name}:${schedule.next_run_at.toISOString()}`,
        });
        if (created) enqueued += 1;
        await trx
          .updateTable('job_schedules')
          .set({ next_run_at: nextRunAfter(schedule.cron, schedule.timezone, now), last_enqueued_at: now })
          .where('name', '=', schedule.name)
          .execute();
      }
    });
    return enqueued;
  }

  /** Claims and runs one due job. Returns false when none was due. */
  async runNext(): Promise<boolean> {
    const attempt = (async () => {
      const job = await this.claim();
      if (!job) return false;
      await this.execute(job);
      return true;
    })();
    this.attempts.add(attempt);
    try {
      return await attempt;
    } finally {
      this.attempts.delete(attempt);
    }
  }

  /**
   * Runs due jobs until none is left (tests and one-off commands). Returns how many ran. A job the
   * runner's own loops claimed is waited for: it may still be writing, or queue the next job.
   */
  async drain(limit = 1000): Promise<number> {
    let count = 0;
    await this.enqueueDueSchedules();
    while (count < limit) {
      if (await this.runNext()) {
        count += 1;
        continue;
      }
      if (this.attempts.size === 0) break;
      await Promise.allSettled([...this.attempts]);
    }
    return count;
  }

  private async claim(): Promise<JobRow | undefined> {
    const result = await sql<JobRow>`
      update jobs set
        status = 'running',
        attempts = attempts + 1,
        locked_by = ${this.workerId},
        locked_until = now() + (interval '1 millisecond' * ${this.options.lockMs ?? 15 * 60 * 1000})
      where id = (
        select id from jobs
        where (status = 'pending' and run_at <= now())
           or (status = 'running' and locked_until < now())
        order by run_at
        limit 1
        for update skip locked
      )
      returning *`.execute(this.db);
    return result.rows[0];
  }

  private async execute(job: JobRow): Promise<void> {
    const definition = this.definitions.get(job.name);
    const log = this.logger.child({ jobId: job.id, job: job.name, attempt: job.attempts });
    try {
      // A claim past the last attempt was taken over from a worker that died while running it: a job
      // that kills its worker every time must end, not crash every process that picks it up.
      if (job.attempts > job.max_attempts) {
        throw new PermanentJobError('its worker stopped during every attempt');
      }
      if (!definition) throw new PermanentJobError(`no handler for job ${job.name}`);
      const parsed = definition.payload.safeParse(job.payload);
      if (!parsed.success) throw new PermanentJobError(`invalid payload: ${parsed.error.message}`);
      await definition.handle({
        db: this.db,
        payload: parsed.data,
        lgCode: job.lg_code,
        jobId: job.id,
        attempt: job.attempts,
        logger: log,
      });
      await this.db
        .updateTable('jobs')
        .set({
          status: 'succeeded',
          finished_at: sql<Date>`now()`,
          locked_by: null,
          locked_until: null,
          last_error: null,
        })
        .where('id', '=', job.id)
        .where('locked_by', '=', this.workerId)
        .execute();
      log.info('job succeeded');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const permanent = error instanceof PermanentJobError;
      const giveUp = permanent || job.attempts >= job.max_attempts;
      const delay = (definition?.backoffMs ?? defaultBackoffMs)(job.attempts);
      await this.db
        .updateTable('jobs')
        .set(
          giveUp
            ? {
                status: 'failed',
                finished_at: sql<Date>`now()`,
                locked_by: null,
                locked_until: null,
                last_error: message.slice(0, 2000),
              }
            : {
                status: 'pending',
                run_at: sql<Date>`now() + (interval '1 millisecond' * ${delay})`,
                locked_by: null,
                locked_until: null,
                last_error: message.slice(0, 2000),
              },
        )
        .where('id', '=', job.id)
        .where('locked_by', '=', this.workerId)
        .execute();
      if (giveUp) log.error({ err: { message } }, 'job failed; giving up');
      else log.warn({ err: { message }, retryInMs: delay }, 'job failed; will retry');
    }
  }

  /** Embedded database only: no other process can hold a claim, so claims left by a crash are released. */
  private async releaseAbandonedClaims(): Promise<void> {
    const result = await this.db
      .updateTable('jobs')
      .set({ status: 'pending', locked_by: null, locked_until: null })
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) {
      this.logger.info({ count: Number(result.numUpdatedRows) }, 'released job claims left by a previous run');
    }
  }
}

/** The first time after `after` that a cron expression names, in the given time zone. */
export function nextRunAfter(cron: string, timezone: string, after: Date): Date {
  const next = new Cron(cron, { timezone, paused: true }).nextRun(after);
  if (!next) throw new Error(`cron expression never fires: ${cron}`);
  return next;
}
