-- Insights (関係人口の見える化): rollups of registrations and 担い手 activities for a government, the
-- municipalities of a prefecture, the governments of an area (prefecture) and the nation. Kept current
-- incrementally: triggers append deltas (insert-only, so no two registrations wait on one counter row), a
-- job folds them into the rollups every minute. See docs/decisions/0011-insights-rollups.md.

-- Changes of registrations not folded yet. Tenant-owned: a row is a copy of what a registration
-- contributes (state) or an event it went through (new, upgraded, ended), without the person.
CREATE TABLE insights_deltas (
  lg_code char(6) NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  sign smallint NOT NULL CHECK (sign IN (-1, 1)),
  -- direct | prefecture_link: a link registration repeats a municipality registration, so the area and
  -- national scopes leave it out.
  origin text NOT NULL,
  -- NULL: a state row (what an active registration adds to the current figures).
  -- new | withdrawn | released | upgraded | downgraded | joined | left: an event in event_month.
  event text CHECK (event IN ('new', 'withdrawn', 'released', 'upgraded', 'downgraded', 'joined', 'left')),
  event_month date,
  -- basic | premium | own (住所地, never related population)
  category text NOT NULL CHECK (category IN ('basic', 'premium', 'own')),
  residence_prefecture_code char(2),
  residence_lg_code char(6),
  age_band text,
  relationship_ties text[],
  long_stay boolean,
  PRIMARY KEY (lg_code, id),
  CHECK ((event IS NULL) = (event_month IS NULL))
);
SELECT furusato_distribute_tenant_table('insights_deltas');

ALTER TABLE insights_deltas ENABLE ROW LEVEL SECURITY;
ALTER TABLE insights_deltas FORCE ROW LEVEL SECURITY;
-- Written by the trigger in the government's own scope (the registration's own policy already holds
-- the row to that scope); read and removed only by the fold, which declares itself (app.insights).
CREATE POLICY insights_deltas_own_tenant ON insights_deltas
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
CREATE POLICY insights_deltas_fold ON insights_deltas
  USING (current_setting('app.insights', true) = 'system')
  WITH CHECK (current_setting('app.insights', true) = 'system');
GRANT SELECT, INSERT, DELETE ON insights_deltas TO furusato_app;

-- Activity changes not handled yet: one marker per changed attendance, session, project or organisation
-- row. The fold recomputes the activity figures of each government that has a marker.
CREATE TABLE insights_activity_changes (
  lg_code char(6) NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  PRIMARY KEY (lg_code, id)
);
SELECT furusato_distribute_tenant_table('insights_activity_changes');
ALTER TABLE insights_activity_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE insights_activity_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY insights_activity_changes_own_tenant ON insights_activity_changes
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
CREATE POLICY insights_activity_changes_fold ON insights_activity_changes
  USING (current_setting('app.insights', true) = 'system')
  WITH CHECK (current_setting('app.insights', true) = 'system');
GRANT SELECT, INSERT, DELETE ON insights_activity_changes TO furusato_app;

-- The rollups. A scope is `lg:<lg_code>` (one government), `pref:<2 digits>` (the participating
-- municipalities of a prefecture, together), `area:<2 digits>` (every government in a prefecture, link
-- registrations left out) or `national`. They hold counts only, before suppression: nothing reads them
-- but the insights service, which declares itself (app.insights = 'reader' or 'system') and suppresses
-- small numbers before anything leaves it.
CREATE TABLE insights_current (
  scope text NOT NULL,
  -- total | tier | origin | residence_prefecture | residence_municipality | age_band | long_stay | tie |
  -- own_residence
  dimension text NOT NULL,
  key text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (scope, dimension, key)
);

CREATE TABLE insights_monthly (
  scope text NOT NULL,
  -- The first day of the Japanese calendar month.
  month date NOT NULL,
  -- <event>:<category>, e.g. new:basic, upgraded:premium, withdrawn:premium, new:own
  measure text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (scope, month, measure)
);

CREATE TABLE insights_activity (
  scope text NOT NULL,
  -- M:2026-04 (a month), FY:2026 (a fiscal year), L12 (the 12 months up to the last recomputation),
  -- W (each government's premium window at the last recomputation)
  period text NOT NULL,
  -- designated_sessions | attendance | designated_attendance | active_registrants | progress_some |
  -- progress_met
  measure text NOT NULL,
  count bigint NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, period, measure)
);

-- Each fold and rebuild: when the figures were last brought up to date, and how much it took.
CREATE TABLE insights_refreshes (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('fold', 'rebuild', 'activity')),
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  deltas bigint NOT NULL DEFAULT 0,
  governments integer NOT NULL DEFAULT 0
);
CREATE INDEX insights_refreshes_finished_idx ON insights_refreshes (finished_at DESC);
CREATE INDEX insights_refreshes_kind_idx ON insights_refreshes (kind, finished_at DESC);

DO $$
DECLARE
  name text;
BEGIN
  FOREACH name IN ARRAY ARRAY['insights_current', 'insights_monthly', 'insights_activity', 'insights_refreshes'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', name);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', name);
    EXECUTE format($p$CREATE POLICY %I ON %I FOR SELECT
      USING (current_setting('app.insights', true) IN ('reader', 'system'))$p$, name || '_read', name);
    EXECUTE format($p$CREATE POLICY %I ON %I FOR ALL
      USING (current_setting('app.insights', true) = 'system')
      WITH CHECK (current_setting('app.insights', true) = 'system')$p$, name || '_write', name);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO furusato_app', name);
  END LOOP;
END
$$;
-- When the figures were last brought up to date is no one's data: readable without the purpose, so a
-- dashboard checks in one statement whether the figures it has cached still hold.
CREATE POLICY insights_refreshes_times ON insights_refreshes FOR SELECT USING (true);

-- The Japanese calendar month of an instant (Japan has no daylight saving time; no time zone data needed).
CREATE OR REPLACE FUNCTION furusato_japan_month(instant timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT date_trunc('month', (instant AT TIME ZONE 'UTC') + interval '9 hours')::date
$$;

-- What a registration change means for the figures: the state it adds or removes (active
-- registrations only), and the events it went through, each in its Japanese month.
CREATE OR REPLACE FUNCTION furusato_insights_registration_delta() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  old_category text;
  new_category text := CASE WHEN NEW.own_residence THEN 'own' ELSE NEW.tier END;
  old_active boolean := false;
  new_active boolean := NEW.status = 'active';
  state_changed boolean := true;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    old_category := CASE WHEN OLD.own_residence THEN 'own' ELSE OLD.tier END;
    old_active := OLD.status = 'active';
    state_changed := old_active <> new_active OR
      (old_category, OLD.origin, OLD.residence_prefecture_code, OLD.residence_lg_code, OLD.age_band,
       OLD.relationship_ties, OLD.long_stay)
      IS DISTINCT FROM
      (new_category, NEW.origin, NEW.residence_prefecture_code, NEW.residence_lg_code, NEW.age_band,
       NEW.relationship_ties, NEW.long_stay);
  END IF;

  IF state_changed THEN
    IF old_active THEN
      INSERT INTO insights_deltas (lg_code, sign, origin, category, residence_prefecture_code, residence_lg_code,
                                   age_band, relationship_ties, long_stay)
      VALUES (OLD.lg_code, -1, OLD.origin, old_category, OLD.residence_prefecture_code, OLD.residence_lg_code,
              OLD.age_band, OLD.relationship_ties, OLD.long_stay);
    END IF;
    IF new_active THEN
      INSERT INTO insights_deltas (lg_code, sign, origin, category, residence_prefecture_code, residence_lg_code,
                                   age_band, relationship_ties, long_stay)
      VALUES (NEW.lg_code, 1, NEW.origin, new_category, NEW.residence_prefecture_code, NEW.residence_lg_code,
              NEW.age_band, NEW.relationship_ties, NEW.long_stay);
    END IF;
  END IF;

  IF TG_OP = 'INSERT' THEN
    INSERT INTO insights_deltas (lg_code, sign, origin, event, event_month, category)
    VALUES (NEW.lg_code, 1, NEW.origin, 'new', furusato_japan_month(NEW.registered_at), new_category);
    IF NOT new_active THEN
      INSERT INTO insights_deltas (lg_code, sign, origin, event, event_month, category)
      VALUES (NEW.lg_code, 1, NEW.origin, CASE WHEN NEW.status = 'withdrawn' THEN 'withdrawn' ELSE 'released' END,
              furusato_japan_month(coalesce(NEW.ended_at, NEW.registered_at)), new_category);
    END IF;
    RETURN NULL;
  END IF;

  IF old_active AND NOT new_active THEN
    INSERT INTO insights_deltas (lg_code, sign, origin, event, event_month, category)
    VALUES (NEW.lg_code, 1, NEW.origin, CASE WHEN NEW.status = 'withdrawn' THEN 'withdrawn' ELSE 'released' END,
            furusato_japan_month(coalesce(NEW.ended_at, now())), old_category);
  ELSIF new_active AND NOT old_active THEN
    INSERT INTO insights_deltas (lg_code, sign, origin, event, event_month, category)
    VALUES (NEW.lg_code, 1, NEW.origin, 'new', furusato_japan_month(now()), new_category);
  ELSIF new_active AND old_category <> new_category THEN
    IF old_category = 'basic' AND new_category = 'premium' THEN
      INSERT INTO insights_deltas (lg_code, sign, origin, event, event_month, category)
      VALUES (NEW.lg_code, 1, NEW.origin, 'upgraded', furusato_japan_month(coalesce(NEW.premium_since, now())),
              'premium');
    ELSIF old_category = 'premium' AND new_category = 'basic' THEN
      INSERT INTO insights_deltas (lg_code, sign, origin, event, event_month, category)
      VALUES (NEW.lg_code, 1, NEW.origin, 'downgraded', furusato_japan_month(now()), 'basic');
    ELSE
      -- Into or out of 住所地 (the person moved): leaves one category and joins the other.
      INSERT INTO insights_deltas (lg_code, sign, origin, event, event_month, category)
      VALUES (NEW.lg_code, 1, NEW.origin, 'left', furusato_japan_month(now()), old_category),
             (NEW.lg_code, 1, NEW.origin, 'joined', furusato_japan_month(now()), new_category);
    END IF;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER registrations_insights_delta
  AFTER INSERT OR UPDATE ON registrations
  FOR EACH ROW EXECUTE FUNCTION furusato_insights_registration_delta();

-- Any change that can move an activity figure marks the government for recomputation.
CREATE OR REPLACE FUNCTION furusato_insights_activity_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO insights_activity_changes (lg_code) VALUES (NEW.lg_code);
  RETURN NULL;
END
$$;

CREATE TRIGGER attendance_insights_change
  AFTER INSERT OR UPDATE OF status, designated, activity_date, registration_id ON attendance
  FOR EACH ROW EXECUTE FUNCTION furusato_insights_activity_change();
CREATE TRIGGER activity_sessions_insights_change
  AFTER INSERT OR UPDATE OF status, starts_at, project_id ON activity_sessions
  FOR EACH ROW EXECUTE FUNCTION furusato_insights_activity_change();
CREATE TRIGGER projects_insights_change
  AFTER UPDATE OF designation, organisation_id ON projects
  FOR EACH ROW EXECUTE FUNCTION furusato_insights_activity_change();
CREATE TRIGGER organisations_insights_change
  AFTER UPDATE OF designated, status ON organisations
  FOR EACH ROW EXECUTE FUNCTION furusato_insights_activity_change();
