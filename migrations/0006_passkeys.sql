-- Passkeys (WebAuthn credentials) of persons, and the short-lived challenges of the ceremonies that
-- create and use them. National like persons: a passkey belongs to a person, not to a government.

CREATE TABLE passkeys (
  -- The credential id the authenticator chose, base64url: what the browser sends back on sign-in, so a
  -- discoverable credential finds its person without an e-mail address being typed.
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]+$' AND length(id) <= 1400),
  person_id uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  -- COSE-encoded public key, as the authenticator returned it.
  public_key bytea NOT NULL,
  -- Signature counter. 0 for authenticators that do not count (most synced passkeys); once it is above
  -- 0 it must rise with every use, or the credential may have been cloned.
  counter bigint NOT NULL DEFAULT 0 CHECK (counter >= 0),
  -- Hints for the browser (internal, hybrid, usb, …), passed back when the passkey is asked for.
  transports text[] NOT NULL DEFAULT '{}',
  -- singleDevice: bound to one authenticator; multiDevice: synced (iCloud Keychain, Google Password Manager).
  device_type text NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
  backed_up boolean NOT NULL DEFAULT false,
  -- Chosen by the person so they can tell their passkeys apart ("iPhone", "仕事用PC").
  label text NOT NULL CHECK (length(label) BETWEEN 1 AND 50),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX passkeys_person_idx ON passkeys (person_id, created_at);

-- One row per WebAuthn ceremony. The browser holds only the row's id (httpOnly cookie); the challenge
-- the signature must cover is read from here, never from what the client sends back. A row is used at
-- most once (consumed_at) and only within five minutes.
CREATE TABLE webauthn_challenges (
  id uuid PRIMARY KEY,
  -- register: add a passkey to person_id. authenticate: sign in (person_id NULL, anyone's discoverable
  -- passkey) or prove a second factor (person_id set: only that person's passkeys).
  purpose text NOT NULL CHECK (purpose IN ('register', 'authenticate')),
  person_id uuid REFERENCES persons (id) ON DELETE CASCADE,
  challenge text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz,
  CHECK (purpose = 'authenticate' OR person_id IS NOT NULL)
);
CREATE INDEX webauthn_challenges_expires_idx ON webauthn_challenges (expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON passkeys, webauthn_challenges TO furusato_app;
