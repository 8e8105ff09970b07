-- Background jobs: claimed with FOR UPDATE SKIP LOCKED, retried with backoff, committed with the data
-- that enqueued them. A job about a tenant names it in lg_code and opens that tenant's scope itself.

CREATE TABLE jobs (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  lg_code char(6),
  -- pending | running | succeeded | failed (gave up after max_attempts)
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
  run_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
  -- Same key, same job: enqueueing again is a no-op while the first one exists.
  idempotency_key text UNIQUE,
  locked_by text,
  locked_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX jobs_ready_idx ON jobs (run_at) WHERE status = 'pending';
CREATE INDEX jobs_running_idx ON jobs (locked_until) WHERE status = 'running';

-- Cron-like schedules: the next due time is stored, so a restart neither skips nor repeats a run.
CREATE TABLE job_schedules (
  name text PRIMARY KEY,
  cron text NOT NULL,
  timezone text NOT NULL DEFAULT 'Asia/Tokyo',
  next_run_at timestamptz NOT NULL,
  last_enqueued_at timestamptz
);

GRANT SELECT, INSERT, UPDATE, DELETE ON jobs, job_schedules TO furusato_app;
