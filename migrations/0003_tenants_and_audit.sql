-- Tenants (governments that joined) and the audit trail. Both are tenant-owned: lg_code leads the key,
-- row-level security is forced, and policies read the tenant of the transaction from app.lg_code.

CREATE TABLE tenants (
  lg_code char(6) PRIMARY KEY REFERENCES local_governments (lg_code),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  joined_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
SELECT furusato_distribute_tenant_table('tenants');

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
-- Which governments take part is public (people choose where to register); settings change only in
-- the government's own scope.
CREATE POLICY tenants_public_read ON tenants FOR SELECT USING (true);
CREATE POLICY tenants_own_insert ON tenants FOR INSERT
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
CREATE POLICY tenants_own_update ON tenants FOR UPDATE
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
GRANT SELECT, INSERT, UPDATE ON tenants TO furusato_app;

CREATE TABLE audit_events (
  lg_code char(6) NOT NULL,
  id uuid NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  -- person | staff | operator | system
  actor_kind text NOT NULL CHECK (actor_kind IN ('person', 'staff', 'operator', 'system')),
  actor_id text,
  action text NOT NULL,
  subject_type text NOT NULL,
  subject_id text,
  -- What changed, never personal data beyond identifiers.
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  request_id text,
  PRIMARY KEY (lg_code, id)
);
SELECT furusato_distribute_tenant_table('audit_events');
CREATE INDEX audit_events_time_idx ON audit_events (lg_code, occurred_at DESC);
-- The history of one thing (a registration, a membership) on its detail page.
CREATE INDEX audit_events_subject_idx ON audit_events (lg_code, subject_id);

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_events_own_tenant ON audit_events
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
-- Append-only for the application: no UPDATE or DELETE grant.
GRANT SELECT, INSERT ON audit_events TO furusato_app;
