-- Notifications: one place that tells a person something (in the app, by e-mail, by Web Push), with the
-- person's preferences per kind and channel, quiet hours and a daily digest. A person's notifications,
-- preferences and push subscriptions belong to the national account, like sessions and passkeys: they
-- are not tenant-owned (a notification may be about a government, named by lg_code, but it is the
-- person's). The e-mail address is never copied here: delivery reads persons.email when it sends.

CREATE TABLE notifications (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  -- The government the notification is about, if any.
  lg_code char(6) REFERENCES local_governments (lg_code),
  -- A kind registered in code (src/modules/outreach/notifications.kinds.ts): preferences are per kind.
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$' AND length(kind) <= 80),
  -- {"ja": "…", "en": "…"}: shown in the person's language at delivery.
  title jsonb NOT NULL,
  body jsonb NOT NULL,
  -- A path on this site (never another host).
  link text CHECK (link ~ '^/([^/\\]|$)' AND length(link) <= 2000),
  -- Skips the digest and quiet hours (a session cancelled tomorrow); a channel turned off stays off.
  urgent boolean NOT NULL DEFAULT false,
  -- The caller's key: the same key twice for the same person notifies once.
  idempotency_key text CHECK (length(idempotency_key) <= 300),
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz,
  -- E-mail: pending (not decided yet) | deferred (quiet hours) | digest (waits for the daily digest) |
  -- sent (handed to the mail queue) | skipped (turned off, or no address)
  email_state text NOT NULL DEFAULT 'pending'
    CHECK (email_state IN ('pending', 'deferred', 'digest', 'sent', 'skipped')),
  email_sent_at timestamptz,
  -- Web Push: pending | deferred (quiet hours) | queued (a push job has it) | sent | skipped
  push_state text NOT NULL DEFAULT 'pending'
    CHECK (push_state IN ('pending', 'deferred', 'queued', 'sent', 'skipped')),
  push_sent_at timestamptz
);
CREATE UNIQUE INDEX notifications_idempotency_idx ON notifications (person_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- The list at /my/notifications, newest first, and the unread count in the header.
CREATE INDEX notifications_person_idx ON notifications (person_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (person_id) WHERE read_at IS NULL;
-- The hourly digest finds the persons with something waiting; quiet-hour deliveries find their rows.
CREATE INDEX notifications_digest_idx ON notifications (person_id, created_at) WHERE email_state = 'digest';
CREATE INDEX notifications_deferred_idx ON notifications (person_id)
  WHERE email_state = 'deferred' OR push_state = 'deferred';

-- What a person chose. No row: the defaults of each kind, no quiet hours, digest at 08:00 Japan time.
CREATE TABLE notification_preferences (
  person_id uuid PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
  -- {"<kind>": {"inApp": true, "email": "immediate" | "digest" | "off", "push": true}}: only what differs
  -- from the kind's defaults is kept, so a new default reaches everyone who did not choose.
  channels jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Quiet hours in Japan time, [start, end) in minutes after midnight; may wrap midnight (22:00–07:00).
  quiet_start smallint CHECK (quiet_start BETWEEN 0 AND 1439),
  quiet_end smallint CHECK (quiet_end BETWEEN 0 AND 1439),
  -- The hour (Japan time) the daily digest goes out.
  digest_hour smallint NOT NULL DEFAULT 8 CHECK (digest_hour BETWEEN 0 AND 23),
  -- Every notification e-mail stopped (the unsubscribe link's "all"); in-app and push go on.
  email_paused boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((quiet_start IS NULL) = (quiet_end IS NULL)),
  CHECK (quiet_start IS NULL OR quiet_start <> quiet_end)
);

-- Web Push subscriptions of a person's browsers (RFC 8030 endpoint, RFC 8291 keys).
CREATE TABLE push_subscriptions (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  endpoint text NOT NULL UNIQUE CHECK (length(endpoint) <= 2000),
  -- The browser's P-256 public key and auth secret, base64url.
  p256dh text NOT NULL CHECK (length(p256dh) <= 200),
  auth text NOT NULL CHECK (length(auth) <= 100),
  device_label text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_success_at timestamptz,
  failures integer NOT NULL DEFAULT 0
);
CREATE INDEX push_subscriptions_person_idx ON push_subscriptions (person_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON notifications, notification_preferences, push_subscriptions TO furusato_app;
