-- Staff of governments (自治体管理者, 自治体職員, 団体担当者), their invitations, national operators, and the
-- TOTP second factor that staff work requires. Memberships and invitations are tenant-owned; operators and
-- TOTP factors belong to the national account.

CREATE TABLE staff_memberships (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  -- The national account. No foreign key: persons is not distributed, and tenant rows never join it.
  person_id uuid NOT NULL,
  -- The address the government invited, kept here so that the member list never reads the national
  -- persons table (the government's own record of its staff).
  email text NOT NULL,
  -- tenant_admin | tenant_staff | organisation_staff
  role text NOT NULL CHECK (role IN ('tenant_admin', 'tenant_staff', 'organisation_staff')),
  -- The related organisation an organisation_staff member works for. Organisations arrive later; the
  -- foreign key (lg_code, organisation_id) is added then.
  organisation_id uuid,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
  -- Actor id of whoever invited (a person id, or cli:<user> for the operator command).
  invited_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  removed_at timestamptz,
  PRIMARY KEY (lg_code, id),
  CHECK ((status = 'removed') = (removed_at IS NOT NULL))
);
SELECT furusato_distribute_tenant_table('staff_memberships');
-- One active membership per person and tenant; a removed member can be invited again.
CREATE UNIQUE INDEX staff_memberships_active_person_idx ON staff_memberships (lg_code, person_id)
  WHERE status = 'active';
-- "Which governments am I staff of", asked at sign-in without a tenant (fans out across shards on Citus,
-- which is fine for one lookup per staff sign-in).
CREATE INDEX staff_memberships_person_idx ON staff_memberships (person_id) WHERE status = 'active';

ALTER TABLE staff_memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_memberships_own_tenant ON staff_memberships
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
-- A person reads their own memberships in every tenant (withPerson sets app.person_id). Read only:
-- every change goes through the tenant's own scope. NULLIF because an unset custom setting reads as ''
-- once any transaction of the session has set it, and ''::uuid would fail.
CREATE POLICY staff_memberships_own_person ON staff_memberships FOR SELECT
  USING (person_id = NULLIF(current_setting('app.person_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE ON staff_memberships TO furusato_app;

CREATE TABLE staff_invitations (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  -- Lower-cased; only this address may accept.
  email text NOT NULL,
  role text NOT NULL CHECK (role IN ('tenant_admin', 'tenant_staff', 'organisation_staff')),
  organisation_id uuid,
  -- SHA-256 of the random part of the link; the link itself is only in the mail.
  token_hash text NOT NULL,
  invited_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  accepted_by uuid,
  revoked_at timestamptz,
  PRIMARY KEY (lg_code, id),
  CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
SELECT furusato_distribute_tenant_table('staff_invitations');
CREATE UNIQUE INDEX staff_invitations_token_idx ON staff_invitations (lg_code, token_hash);
CREATE INDEX staff_invitations_pending_idx ON staff_invitations (lg_code, created_at DESC)
  WHERE accepted_at IS NULL AND revoked_at IS NULL;

ALTER TABLE staff_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_invitations_own_tenant ON staff_invitations
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
GRANT SELECT, INSERT, UPDATE ON staff_invitations TO furusato_app;

-- The national operator (runs the platform, onboards governments). Granted by the operator command.
CREATE TABLE operators (
  person_id uuid PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
  granted_at timestamptz NOT NULL DEFAULT now(),
  granted_by text NOT NULL
);
GRANT SELECT, INSERT, DELETE ON operators TO furusato_app;

-- A time-based one-time password (RFC 6238) authenticator app of a person.
CREATE TABLE totp_factors (
  person_id uuid PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
  -- The shared secret, AES-256-GCM under a key derived from APP_SECRET: a copy of the database alone
  -- does not yield codes.
  sealed_secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- NULL while enrolment waits for the first code from the app.
  confirmed_at timestamptz,
  -- The 30-second step of the last accepted code: a code is good once, and never one older than that.
  last_used_step bigint
);
GRANT SELECT, INSERT, UPDATE, DELETE ON totp_factors TO furusato_app;
