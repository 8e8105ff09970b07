-- Identity verification with the My Number card (OpenID Connect with the state's デジタル認証アプリ) and
-- guardian consent for minors. National like persons: the verified facts belong to the person; a
-- government sees them only through a registration with it, which copies what the person shares.

-- One row per trip to the provider. The callback finds it by the state, uses it once (consumed_at) and
-- only for about ten minutes, so a replayed or forged callback finds nothing to complete.
CREATE TABLE oidc_authorization_requests (
  id uuid PRIMARY KEY,
  -- SHA-256 of the `state` sent to the provider: a copy of the table does not complete pending requests.
  state_hash text NOT NULL UNIQUE,
  nonce text NOT NULL,
  -- PKCE verifier; the provider saw only its S256 challenge.
  code_verifier text NOT NULL,
  person_id uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  issuer text NOT NULL,
  -- Where the person continues afterwards: a path on this site (e.g. the guardian approval page).
  return_path text CHECK (return_path IS NULL OR return_path ~ '^/(?![/\\])'),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz
);
CREATE INDEX oidc_authorization_requests_person_idx ON oidc_authorization_requests (person_id, created_at DESC);
CREATE INDEX oidc_authorization_requests_expiry_idx ON oidc_authorization_requests (expires_at);

-- What the card proved. The verified address is not kept: only the municipality and prefecture derived
-- from it through the 全国地方公共団体コード master (a ward of a designated city becomes its city).
CREATE TABLE identity_verifications (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  issuer text NOT NULL,
  -- The provider's subject for this card and this service.
  subject text NOT NULL,
  verified_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  verified_name text NOT NULL,
  birth_date date NOT NULL,
  -- Under 18 on the verification date (Japan time); recomputed from birth_date when it matters later.
  minor boolean NOT NULL,
  -- NULL when the address names no prefecture or municipality of the master (e.g. an address abroad).
  residence_prefecture_code char(2) REFERENCES prefectures (prefecture_code),
  residence_lg_code char(6) REFERENCES local_governments (lg_code),
  -- valid | superseded (a newer verification replaced it) | revoked
  status text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'superseded', 'revoked')),
  CHECK (expires_at > verified_at)
);
CREATE INDEX identity_verifications_person_idx ON identity_verifications (person_id, verified_at DESC);
-- One card verifies one account: the premium caps (DOMAIN §3) count per person, so a second account on
-- the same card must not pass as another person.
CREATE UNIQUE INDEX identity_verifications_subject_idx ON identity_verifications (issuer, subject)
  WHERE status = 'valid';

-- A guardian's consent for a minor, e.g. to premium registration (DOMAIN §3, L5875). The minor asks by
-- e-mail; the guardian opens the one-time link, verifies with their own card (an adult) and approves.
CREATE TABLE guardian_consents (
  id uuid PRIMARY KEY,
  minor_person_id uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  minor_verification_id uuid REFERENCES identity_verifications (id) ON DELETE SET NULL,
  -- What the guardian consents to.
  scope text NOT NULL CHECK (scope IN ('premium_registration')),
  -- pending (link sent) | granted | withdrawn (by either) | cancelled (replaced by a new request)
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'granted', 'withdrawn', 'cancelled')),
  -- SHA-256 of the one-time approval link token; the link works only while the row is pending.
  token_hash text NOT NULL UNIQUE,
  token_expires_at timestamptz NOT NULL,
  guardian_person_id uuid REFERENCES persons (id) ON DELETE SET NULL,
  guardian_verification_id uuid REFERENCES identity_verifications (id) ON DELETE SET NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  granted_at timestamptz,
  withdrawn_at timestamptz,
  -- minor | guardian | system (an account was deleted)
  withdrawn_by text CHECK (withdrawn_by IN ('minor', 'guardian', 'system')),
  CHECK (status <> 'granted' OR (guardian_person_id IS NOT NULL AND granted_at IS NOT NULL)),
  CHECK (guardian_person_id IS NULL OR guardian_person_id <> minor_person_id)
);
CREATE INDEX guardian_consents_minor_idx ON guardian_consents (minor_person_id, requested_at DESC);
CREATE INDEX guardian_consents_guardian_idx ON guardian_consents (guardian_person_id)
  WHERE guardian_person_id IS NOT NULL;
-- At most one open request or consent per minor and scope.
CREATE UNIQUE INDEX guardian_consents_live_idx ON guardian_consents (minor_person_id, scope)
  WHERE status IN ('pending', 'granted');

GRANT SELECT, INSERT, UPDATE, DELETE ON oidc_authorization_requests, identity_verifications, guardian_consents
  TO furusato_app;
