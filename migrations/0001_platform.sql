-- Platform basics: the application role that row-level security applies to, and the helpers that keep
-- every tenant table distributable on Citus while doing nothing on plain PostgreSQL or PGlite.

DO $$
BEGIN
  CREATE ROLE furusato_app LOGIN;
EXCEPTION
  -- Several databases of one cluster (tests, staging) share the role; creating it twice is fine.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- A non-superuser owner must be a member to SET ROLE to it inside tenant transactions.
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AND current_user <> 'furusato_app' THEN
    EXECUTE format('GRANT furusato_app TO %I', current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO furusato_app;

-- Distributes a tenant table by lg_code on Citus (co-located with the first one); no-op elsewhere.
CREATE OR REPLACE FUNCTION furusato_distribute_tenant_table(table_name regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    EXECUTE format('SELECT create_distributed_table(%L, %L, colocate_with => %L)',
                   table_name::text, 'lg_code', 'default');
  END IF;
END
$$;

-- Makes master data a reference table (a copy on every node) on Citus; no-op elsewhere.
CREATE OR REPLACE FUNCTION furusato_reference_table(table_name regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    EXECUTE format('SELECT create_reference_table(%L)', table_name::text);
  END IF;
END
$$;
