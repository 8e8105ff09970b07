-- Registrations (ふるさと住民登録): a person's tie to a participating government, basic or premium
-- (DOMAIN §3). Tenant-owned: each row and its survey answers belong to that government. The row carries
-- what the person shares with the government, so tenant queries never read the national persons table.

-- Where the person says they live, for people who have not verified with the My Number card (the
-- verified residence replaces it). Drives the 住所地 flag and the residence statistics.
ALTER TABLE persons ADD COLUMN declared_residence_lg_code char(6) REFERENCES local_governments (lg_code);

-- A person who does not want their municipality registrations to register them with the prefecture too
-- (L5833). Kept per prefecture, so it holds for later registrations in that prefecture.
CREATE TABLE prefecture_link_opt_outs (
  person_id uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  prefecture_lg_code char(6) NOT NULL REFERENCES local_governments (lg_code),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (person_id, prefecture_lg_code)
);
GRANT SELECT, INSERT, DELETE ON prefecture_link_opt_outs TO furusato_app;

CREATE TABLE registrations (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  -- The national account; no foreign key (persons is not distributed by lg_code).
  person_id uuid NOT NULL,
  tier text NOT NULL DEFAULT 'basic' CHECK (tier IN ('basic', 'premium')),
  -- active | withdrawn (by the person) | released (inactivity, or account deletion)
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn', 'released')),
  -- direct | prefecture_link (made by a registration with one of the prefecture's municipalities)
  origin text NOT NULL DEFAULT 'direct' CHECK (origin IN ('direct', 'prefecture_link')),
  linked_from_lg_code char(6),
  -- 住所地: the person lives here. Allowed for basic, never counted as related population.
  own_residence boolean NOT NULL DEFAULT false,
  -- What the person shares with this government, kept in step when the person's account changes.
  shared_name text,
  contact_email text,
  age_band text CHECK (age_band IN ('under_18', '18_29', '30_39', '40_49', '50_59', '60_69', '70_plus')),
  residence_prefecture_code char(2),
  residence_lg_code char(6),
  identity_verified boolean NOT NULL DEFAULT false,
  -- The registration card shows the holder's name only when the holder chose so.
  show_name_on_card boolean NOT NULL DEFAULT false,
  -- Relationship survey: national tie codes, a free text for その他, and answers to the government's own
  -- questions (question id → answer).
  relationship_ties text[] NOT NULL DEFAULT '{}',
  relationship_note text,
  custom_answers jsonb NOT NULL DEFAULT '{}'::jsonb,
  premium_since timestamptz,
  premium_valid_until timestamptz,
  -- Set by the activities module: days present in the window at or above the government's threshold.
  long_stay boolean NOT NULL DEFAULT false,
  registered_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  end_reason text CHECK (end_reason IN ('withdrawn', 'inactive', 'account_deleted', 'prefecture_link_removed')),
  -- Basic inactivity (L5950–5966): when the person was asked whether to stay, and when they answered.
  inactivity_asked_at timestamptz,
  inactivity_answered_at timestamptz,
  PRIMARY KEY (lg_code, id),
  CHECK ((status = 'active') = (ended_at IS NULL)),
  CHECK (tier = 'basic' OR premium_valid_until IS NOT NULL),
  CHECK (origin = 'direct' OR linked_from_lg_code IS NOT NULL)
);
SELECT furusato_distribute_tenant_table('registrations');
-- One active registration per person and government; a person may register again after leaving.
CREATE UNIQUE INDEX registrations_active_person_idx ON registrations (lg_code, person_id) WHERE status = 'active';
CREATE INDEX registrations_person_idx ON registrations (person_id) WHERE status = 'active';
CREATE INDEX registrations_list_idx ON registrations (lg_code, status, tier, registered_at DESC);
-- The staff list pages newest first across tiers with a (registered_at, id) cursor.
CREATE INDEX registrations_page_idx ON registrations (lg_code, status, registered_at DESC, id DESC);
CREATE INDEX registrations_ties_idx ON registrations USING gin (relationship_ties);
-- The inactivity job walks active basic registrations by the time they were asked.
CREATE INDEX registrations_inactivity_idx ON registrations (lg_code, inactivity_asked_at)
  WHERE status = 'active' AND tier = 'basic';

ALTER TABLE registrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE registrations FORCE ROW LEVEL SECURITY;
CREATE POLICY registrations_own_tenant ON registrations
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
-- A person reads their own registrations in every government ("my places"); changes go through the
-- government's own scope.
CREATE POLICY registrations_own_person ON registrations FOR SELECT
  USING (person_id = NULLIF(current_setting('app.person_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE ON registrations TO furusato_app;

-- Applications for premium: decided by staff from a queue, or by the system (the government's mode).
CREATE TABLE premium_applications (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  registration_id uuid NOT NULL,
  person_id uuid NOT NULL,
  -- pending | approved | rejected | withdrawn
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
  -- initial | renewal
  kind text NOT NULL DEFAULT 'initial' CHECK (kind IN ('initial', 'renewal')),
  -- The requirement judgement at the time of applying and of deciding: counts, not personal data.
  judgement jsonb NOT NULL DEFAULT '{}'::jsonb,
  applied_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  -- A staff person id, or 'system' in automatic mode.
  decided_by text,
  reason text,
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, registration_id) REFERENCES registrations (lg_code, id),
  CHECK ((status = 'pending') = (decided_at IS NULL))
);
SELECT furusato_distribute_tenant_table('premium_applications');
CREATE UNIQUE INDEX premium_applications_open_idx ON premium_applications (lg_code, registration_id)
  WHERE status = 'pending';
CREATE INDEX premium_applications_queue_idx ON premium_applications (lg_code, status, applied_at);

ALTER TABLE premium_applications ENABLE ROW LEVEL SECURITY;
ALTER TABLE premium_applications FORCE ROW LEVEL SECURITY;
CREATE POLICY premium_applications_own_tenant ON premium_applications
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
CREATE POLICY premium_applications_own_person ON premium_applications FOR SELECT
  USING (person_id = NULLIF(current_setting('app.person_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE ON premium_applications TO furusato_app;
