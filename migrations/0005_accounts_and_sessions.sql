-- National accounts: one person, one account, many registrations. These tables are not tenant-owned;
-- a government sees a person only through a registration with it (registrations module).

CREATE TABLE persons (
  id uuid PRIMARY KEY,
  -- Lower-cased. NULL once the account is deleted (personal data erased).
  email text,
  -- Chosen by the person, unverified; the verified name lives with the identity verification.
  display_name text,
  locale text NOT NULL DEFAULT 'ja' CHECK (locale IN ('ja', 'en')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_access_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  CHECK ((status = 'deleted') = (email IS NULL))
);
CREATE UNIQUE INDEX persons_email_idx ON persons (email) WHERE email IS NOT NULL;

-- Browser sessions. The cookie holds a random token; the row holds its SHA-256, so a copy of the
-- database does not hand out live sessions.
CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  person_id uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  -- email | passkey
  authenticated_by text NOT NULL CHECK (authenticated_by IN ('email', 'passkey')),
  -- When a second factor (passkey or TOTP) was last proven in this session; staff work needs it.
  second_factor_at timestamptz,
  -- Coarse browser and system ("Chrome / Android"), shown in the session list so a person can tell
  -- their sessions apart. Never the full user agent or the address.
  device_label text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX sessions_person_idx ON sessions (person_id, created_at DESC);

-- E-mailed one-time sign-in: a link (long token) and a 6-digit code for typing on another device.
CREATE TABLE email_challenges (
  id uuid PRIMARY KEY,
  email text NOT NULL,
  purpose text NOT NULL CHECK (purpose IN ('sign_in')),
  token_hash text NOT NULL UNIQUE,
  code_hash text NOT NULL,
  -- Where to go after signing in by the link (a path on this site), e.g. back to an invitation.
  next_path text CHECK (next_path ~ '^/[^/\\]'),
  failed_attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz
);
CREATE INDEX email_challenges_email_idx ON email_challenges (email, created_at DESC);

-- Fixed-window counters for rate limits, shared by every process.
CREATE TABLE rate_limits (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL,
  PRIMARY KEY (key, window_start)
);

-- What happened to an account: sign-in, failed sign-in, verification, consent, export, deletion.
-- `subject` is 'person:<id>' while the account exists, an HMAC pseudonym once it is deleted, and for a
-- failed sign-in of an unknown address an HMAC of the address: never the address itself.
CREATE TABLE person_audit_events (
  id uuid PRIMARY KEY,
  subject text NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  action text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  request_id text
);
CREATE INDEX person_audit_events_subject_idx ON person_audit_events (subject, occurred_at DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON persons, sessions, email_challenges, rate_limits TO furusato_app;
GRANT SELECT, INSERT ON person_audit_events TO furusato_app;
