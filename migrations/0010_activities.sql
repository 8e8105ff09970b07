-- 担い手 activities (DOMAIN §4): related organisations, their projects and sessions, applications with a
-- waiting list, and attendance captured by QR. Every table is tenant-owned: the government whose area the
-- work serves owns the rows, so its staff see them and no other government does.

-- A related organisation (関係団体) as one government knows it. The same organisation working with several
-- governments has one row in each, under the same id: each government approves and designates it on its
-- own, and a 団体担当者 holds a staff membership in each government that points at that id.
CREATE TABLE organisations (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- 自治会, 地域運営組織, 消防団, PTA, NPO, まちづくり会社, DMO, 商工会, 二地域居住支援法人, 中間支援組織, その他
  kind text NOT NULL CHECK (kind IN ('jichikai', 'rmo', 'fire_brigade', 'pta', 'npo', 'machizukuri',
                                     'dmo', 'chamber', 'dual_residence', 'intermediary', 'other')),
  description text NOT NULL DEFAULT '',
  -- Where it works, in words (魚町地区, 市内全域).
  area text NOT NULL DEFAULT '',
  contact_email text,
  contact_phone text,
  website text,
  -- 法人番号 (13 digits) when the organisation is incorporated.
  corporate_number char(13) CHECK (corporate_number ~ '^[0-9]{13}$'),
  -- pending (applied, waiting for the government) | approved | rejected | suspended
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'suspended')),
  -- Pattern ②: the government designates the organisation, and its projects are designated by default.
  designated boolean NOT NULL DEFAULT false,
  designated_at timestamptz,
  -- The person who applied on the organisation's behalf (NULL when the government registered it).
  applied_by uuid,
  decided_at timestamptz,
  -- A staff person id, 'system', or cli:<user>.
  decided_by text,
  decision_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (lg_code, id),
  CHECK (NOT designated OR status = 'approved')
);
SELECT furusato_distribute_tenant_table('organisations');
CREATE INDEX organisations_list_idx ON organisations (lg_code, status, name);

ALTER TABLE organisations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organisations FORCE ROW LEVEL SECURITY;
CREATE POLICY organisations_own_tenant ON organisations
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
-- Approved organisations are public: their name appears on the activities they run.
CREATE POLICY organisations_public_read ON organisations FOR SELECT USING (status = 'approved');
GRANT SELECT, INSERT, UPDATE ON organisations TO furusato_app;

-- A 団体担当者 works for one organisation of the tenant (the column was waiting for this table).
ALTER TABLE staff_memberships
  ADD CONSTRAINT staff_memberships_organisation_fk
  FOREIGN KEY (lg_code, organisation_id) REFERENCES organisations (lg_code, id);
ALTER TABLE staff_invitations
  ADD CONSTRAINT staff_invitations_organisation_fk
  FOREIGN KEY (lg_code, organisation_id) REFERENCES organisations (lg_code, id);
CREATE INDEX staff_memberships_organisation_idx ON staff_memberships (lg_code, organisation_id)
  WHERE status = 'active' AND organisation_id IS NOT NULL;

-- A 担い手 project (事業), planned by an organisation or by the government itself (organisation_id NULL).
CREATE TABLE projects (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  organisation_id uuid,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '',
  -- 祭り・伝統行事, 清掃・環境, 防災・防犯, 買い物・移動支援, 農林業・援農, 子ども・教育, 高齢者の見守り,
  -- 観光・交流, 空き家・まちづくり, その他
  category text NOT NULL CHECK (category IN ('festival', 'environment', 'disaster_prevention', 'shopping_mobility',
                                             'agriculture', 'children_education', 'elderly_care', 'tourism_exchange',
                                             'vacant_houses', 'other')),
  place_name text NOT NULL DEFAULT '',
  place_address text NOT NULL DEFAULT '',
  -- The municipality where it happens (a prefecture's project names one of its municipalities).
  place_lg_code char(6) REFERENCES local_governments (lg_code),
  what_to_bring text NOT NULL DEFAULT '',
  contact text NOT NULL DEFAULT '',
  accessibility text NOT NULL DEFAULT '',
  -- draft (planning, shared with the government, not public) | published | cancelled | archived
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'cancelled', 'archived')),
  -- Designation for premium (L5985–5989): 'inherit' follows the organisation (pattern ②; the government's
  -- own projects inherit nothing), 'designated' is pattern ① (this project), 'excluded' revokes the
  -- organisation's default for this project.
  designation text NOT NULL DEFAULT 'inherit' CHECK (designation IN ('inherit', 'designated', 'excluded')),
  designation_requested_at timestamptz,
  designation_changed_at timestamptz,
  designation_changed_by text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, organisation_id) REFERENCES organisations (lg_code, id)
);
SELECT furusato_distribute_tenant_table('projects');
CREATE INDEX projects_list_idx ON projects (lg_code, status, created_at DESC);
CREATE INDEX projects_organisation_idx ON projects (lg_code, organisation_id, created_at DESC);

ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY projects_own_tenant ON projects
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
-- Published projects are public: anyone may read them and apply.
CREATE POLICY projects_public_read ON projects FOR SELECT USING (status = 'published');
GRANT SELECT, INSERT, UPDATE ON projects TO furusato_app;

-- One session (回) of a project: a date and time, possibly spanning several days (a 3-day festival).
CREATE TABLE activity_sessions (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  project_id uuid NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  -- NULL: no limit.
  capacity integer CHECK (capacity > 0),
  -- Applications held (confirmed) now; kept with the session row, which every application locks.
  confirmed_count integer NOT NULL DEFAULT 0 CHECK (confirmed_count >= 0),
  -- open (taking applications) | closed (by the organiser; check-in still works) | cancelled
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'cancelled')),
  note text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  cancelled_at timestamptz,
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, project_id) REFERENCES projects (lg_code, id),
  CHECK (ends_at > starts_at),
  CHECK (capacity IS NULL OR confirmed_count <= capacity)
);
SELECT furusato_distribute_tenant_table('activity_sessions');
CREATE INDEX activity_sessions_project_idx ON activity_sessions (lg_code, project_id, starts_at);
CREATE INDEX activity_sessions_time_idx ON activity_sessions (starts_at) WHERE status <> 'cancelled';

ALTER TABLE activity_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE activity_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY activity_sessions_own_tenant ON activity_sessions
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
CREATE POLICY activity_sessions_public_read ON activity_sessions FOR SELECT
  USING (EXISTS (SELECT 1 FROM projects p
                 WHERE p.lg_code = activity_sessions.lg_code AND p.id = activity_sessions.project_id
                   AND p.status = 'published'));
GRANT SELECT, INSERT, UPDATE ON activity_sessions TO furusato_app;

-- A person's application to a session: confirmed within capacity, otherwise on the waiting list, which
-- moves up in order of application when a place frees.
CREATE TABLE session_applications (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  session_id uuid NOT NULL,
  project_id uuid NOT NULL,
  person_id uuid NOT NULL,
  -- confirmed | waitlisted | cancelled (by the person) | withdrawn (session cancelled, or account deleted)
  status text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'withdrawn')),
  -- What the applicant shares with the organiser by applying (the roster never reads persons).
  shared_name text,
  contact_email text,
  comment text NOT NULL DEFAULT '',
  applied_at timestamptz NOT NULL DEFAULT now(),
  confirmed_at timestamptz,
  ended_at timestamptz,
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, session_id) REFERENCES activity_sessions (lg_code, id),
  CHECK ((status IN ('confirmed', 'waitlisted')) = (ended_at IS NULL))
);
SELECT furusato_distribute_tenant_table('session_applications');
CREATE UNIQUE INDEX session_applications_live_idx ON session_applications (lg_code, session_id, person_id)
  WHERE status IN ('confirmed', 'waitlisted');
-- The waiting list in order.
CREATE INDEX session_applications_queue_idx ON session_applications (lg_code, session_id, status, applied_at);
CREATE INDEX session_applications_person_idx ON session_applications (person_id, applied_at DESC);

ALTER TABLE session_applications ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_applications FORCE ROW LEVEL SECURITY;
CREATE POLICY session_applications_own_tenant ON session_applications
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
CREATE POLICY session_applications_own_person ON session_applications FOR SELECT
  USING (person_id = NULLIF(current_setting('app.person_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE ON session_applications TO furusato_app;

-- Attendance: one row per person, session and Japanese calendar day present. What premium counts
-- (designated rows, one per day: a 3-day session attended throughout counts 3, L5908) and what long stay
-- counts (distinct days present).
CREATE TABLE attendance (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  session_id uuid NOT NULL,
  project_id uuid NOT NULL,
  person_id uuid NOT NULL,
  -- The person's registration with this government when they attended, if any.
  registration_id uuid,
  -- The day in Japan the person was present.
  activity_date date NOT NULL,
  -- session_qr (the person scanned the organiser's code) | card_qr (the organiser scanned the person's
  -- 登録証) | manual (the organiser recorded it by hand)
  method text NOT NULL CHECK (method IN ('session_qr', 'card_qr', 'manual')),
  -- Whether the project counted for premium when the person attended; designation changes later move
  -- only days still to come, so nobody loses a day they earned.
  designated boolean NOT NULL,
  -- present | removed (corrected by the organiser; the row stays for the audit)
  status text NOT NULL DEFAULT 'present' CHECK (status IN ('present', 'removed')),
  shared_name text,
  -- When the scan happened (an offline device sends it later), and when the server recorded it.
  scanned_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  -- A staff person id, or 'self' for a scan by the participant.
  recorded_by text NOT NULL,
  -- The offline queue's id for the scan: a resent batch finds it and adds nothing.
  client_scan_id uuid,
  removed_at timestamptz,
  removed_by text,
  removal_reason text,
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, session_id) REFERENCES activity_sessions (lg_code, id),
  CHECK ((status = 'removed') = (removed_at IS NOT NULL))
);
SELECT furusato_distribute_tenant_table('attendance');
-- The same person is never counted twice for one session day.
CREATE UNIQUE INDEX attendance_once_per_day_idx ON attendance (lg_code, session_id, person_id, activity_date)
  WHERE status = 'present';
CREATE UNIQUE INDEX attendance_client_scan_idx ON attendance (lg_code, client_scan_id)
  WHERE client_scan_id IS NOT NULL;
-- The requirement judgement: a person's days in a window.
CREATE INDEX attendance_person_idx ON attendance (lg_code, person_id, activity_date)
  INCLUDE (designated) WHERE status = 'present';
CREATE INDEX attendance_session_idx ON attendance (lg_code, session_id, activity_date);
-- "My activities" across governments.
CREATE INDEX attendance_own_person_idx ON attendance (person_id, activity_date DESC) WHERE status = 'present';

ALTER TABLE attendance ENABLE ROW LEVEL SECURITY;
ALTER TABLE attendance FORCE ROW LEVEL SECURITY;
CREATE POLICY attendance_own_tenant ON attendance
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
CREATE POLICY attendance_own_person ON attendance FOR SELECT
  USING (person_id = NULLIF(current_setting('app.person_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE ON attendance TO furusato_app;

-- Messages an organiser sent to a session's participants (the mails go through the job queue).
CREATE TABLE session_messages (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  session_id uuid NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  -- confirmed | confirmed_and_waitlisted
  audience text NOT NULL CHECK (audience IN ('confirmed', 'confirmed_and_waitlisted')),
  recipients integer NOT NULL,
  sent_by text NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, session_id) REFERENCES activity_sessions (lg_code, id)
);
SELECT furusato_distribute_tenant_table('session_messages');
CREATE INDEX session_messages_session_idx ON session_messages (lg_code, session_id, sent_at DESC);

ALTER TABLE session_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY session_messages_own_tenant ON session_messages
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
GRANT SELECT, INSERT ON session_messages TO furusato_app;
