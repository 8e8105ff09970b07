-- Community rooms (オンラインコミュニティルーム, DOMAIN §3 "other functions"): rooms of a government and of its
-- projects, where its registrants and staff talk in threads; mentions, reactions, reports and moderation
-- (hide, lock, ban) with the audit trail. Every table is tenant-owned.

CREATE TABLE rooms (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  -- NULL: a room of the government itself; otherwise the room of one 担い手 project.
  project_id uuid,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
  -- open | archived (read only)
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'archived')),
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz,
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, project_id) REFERENCES projects (lg_code, id),
  CHECK ((status = 'archived') = (archived_at IS NOT NULL))
);
SELECT furusato_distribute_tenant_table('rooms');
CREATE UNIQUE INDEX rooms_project_idx ON rooms (lg_code, project_id) WHERE project_id IS NOT NULL;
CREATE INDEX rooms_list_idx ON rooms (lg_code, status, created_at);

ALTER TABLE rooms ENABLE ROW LEVEL SECURITY;
ALTER TABLE rooms FORCE ROW LEVEL SECURITY;
CREATE POLICY rooms_own_tenant ON rooms
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
-- A registrant lists the rooms of the governments they are registered with, in their own scope.
CREATE POLICY rooms_registrant_read ON rooms FOR SELECT
  USING (EXISTS (
    SELECT 1 FROM registrations r
    WHERE r.lg_code = rooms.lg_code AND r.status = 'active'
      AND r.person_id = NULLIF(current_setting('app.person_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE ON rooms TO furusato_app;

-- How a person appears in the rooms of one government: a name they choose (never the name they share
-- with the government, which may be their verified legal name) and an @handle others mention them by.
CREATE TABLE room_members (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  -- The national account; no foreign key (persons is not distributed by lg_code).
  person_id uuid NOT NULL,
  handle text NOT NULL CHECK (handle ~ '^[A-Za-z0-9_]{2,20}$'),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 40),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (lg_code, id)
);
SELECT furusato_distribute_tenant_table('room_members');
CREATE UNIQUE INDEX room_members_person_idx ON room_members (lg_code, person_id);
CREATE UNIQUE INDEX room_members_handle_idx ON room_members (lg_code, lower(handle));

ALTER TABLE room_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE room_members FORCE ROW LEVEL SECURITY;
CREATE POLICY room_members_own_tenant ON room_members
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
CREATE POLICY room_members_own_person ON room_members FOR SELECT
  USING (person_id = NULLIF(current_setting('app.person_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE ON room_members TO furusato_app;

CREATE TABLE room_threads (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  room_id uuid NOT NULL,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
  author_member_id uuid NOT NULL,
  -- Whether the author wrote as a registrant or as staff of the government (shown with the post).
  author_role text NOT NULL CHECK (author_role IN ('registrant', 'staff')),
  -- visible | hidden (by staff: the thread and its posts leave the room)
  status text NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'hidden')),
  hidden_at timestamptz,
  hidden_by text,
  hidden_reason text,
  -- Locked by staff: no more replies until unlocked.
  locked_at timestamptz,
  locked_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_posted_at timestamptz NOT NULL DEFAULT now(),
  post_count integer NOT NULL DEFAULT 0 CHECK (post_count >= 0),
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, room_id) REFERENCES rooms (lg_code, id),
  FOREIGN KEY (lg_code, author_member_id) REFERENCES room_members (lg_code, id),
  CHECK ((status = 'hidden') = (hidden_at IS NOT NULL))
);
SELECT furusato_distribute_tenant_table('room_threads');
-- The room's thread list: latest activity first.
CREATE INDEX room_threads_list_idx ON room_threads (lg_code, room_id, last_posted_at DESC, id DESC);

ALTER TABLE room_threads ENABLE ROW LEVEL SECURITY;
ALTER TABLE room_threads FORCE ROW LEVEL SECURITY;
CREATE POLICY room_threads_own_tenant ON room_threads
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
GRANT SELECT, INSERT, UPDATE ON room_threads TO furusato_app;

-- A post: the opening post of a thread or a reply. The text stays when staff hide it (for the audit and
-- to undo), shown to staff only; an author's own deletion keeps the row without the text.
CREATE TABLE room_posts (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  room_id uuid NOT NULL,
  thread_id uuid NOT NULL,
  author_member_id uuid NOT NULL,
  author_role text NOT NULL CHECK (author_role IN ('registrant', 'staff')),
  body text NOT NULL CHECK (length(body) <= 4000),
  -- visible | hidden (by staff) | deleted (by the author)
  status text NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'hidden', 'deleted')),
  hidden_at timestamptz,
  hidden_by text,
  hidden_reason text,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, thread_id) REFERENCES room_threads (lg_code, id),
  FOREIGN KEY (lg_code, author_member_id) REFERENCES room_members (lg_code, id),
  CHECK (status = 'deleted' OR length(body) >= 1),
  CHECK ((status = 'hidden') = (hidden_at IS NOT NULL)),
  CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
);
SELECT furusato_distribute_tenant_table('room_posts');
CREATE INDEX room_posts_thread_idx ON room_posts (lg_code, thread_id, created_at, id);
CREATE INDEX room_posts_author_idx ON room_posts (lg_code, author_member_id, created_at DESC);

ALTER TABLE room_posts ENABLE ROW LEVEL SECURITY;
ALTER TABLE room_posts FORCE ROW LEVEL SECURITY;
CREATE POLICY room_posts_own_tenant ON room_posts
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
GRANT SELECT, INSERT, UPDATE ON room_posts TO furusato_app;

-- A reaction of one member to one post; each kind once per member.
CREATE TABLE room_reactions (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  post_id uuid NOT NULL,
  member_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('like', 'thanks', 'cheer')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (lg_code, post_id, member_id, kind),
  FOREIGN KEY (lg_code, post_id) REFERENCES room_posts (lg_code, id),
  FOREIGN KEY (lg_code, member_id) REFERENCES room_members (lg_code, id)
);
SELECT furusato_distribute_tenant_table('room_reactions');

ALTER TABLE room_reactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE room_reactions FORCE ROW LEVEL SECURITY;
CREATE POLICY room_reactions_own_tenant ON room_reactions
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
GRANT SELECT, INSERT, DELETE ON room_reactions TO furusato_app;

-- A member's report of a post to staff. Resolving a post's reports resolves them all with one outcome,
-- which each reporter is told.
CREATE TABLE room_reports (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  room_id uuid NOT NULL,
  thread_id uuid NOT NULL,
  post_id uuid NOT NULL,
  reporter_member_id uuid NOT NULL,
  reason text NOT NULL CHECK (reason IN ('spam', 'harassment', 'personal_info', 'inappropriate', 'other')),
  note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  created_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  resolved_by text,
  -- hidden (the post was hidden) | banned (hidden, and its author banned from the room) | no_action
  outcome text CHECK (outcome IN ('hidden', 'banned', 'no_action')),
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, post_id) REFERENCES room_posts (lg_code, id),
  FOREIGN KEY (lg_code, reporter_member_id) REFERENCES room_members (lg_code, id),
  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL AND outcome IS NOT NULL))
);
SELECT furusato_distribute_tenant_table('room_reports');
CREATE UNIQUE INDEX room_reports_once_idx ON room_reports (lg_code, post_id, reporter_member_id);
CREATE INDEX room_reports_queue_idx ON room_reports (lg_code, status, created_at);

ALTER TABLE room_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE room_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY room_reports_own_tenant ON room_reports
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
GRANT SELECT, INSERT, UPDATE ON room_reports TO furusato_app;

-- A member banned from one room by staff: reads, but cannot post, react or report there until lifted.
CREATE TABLE room_bans (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  room_id uuid NOT NULL,
  member_id uuid NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  banned_by text NOT NULL,
  banned_at timestamptz NOT NULL DEFAULT now(),
  lifted_at timestamptz,
  lifted_by text,
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, room_id) REFERENCES rooms (lg_code, id),
  FOREIGN KEY (lg_code, member_id) REFERENCES room_members (lg_code, id)
);
SELECT furusato_distribute_tenant_table('room_bans');
CREATE UNIQUE INDEX room_bans_active_idx ON room_bans (lg_code, room_id, member_id) WHERE lifted_at IS NULL;

ALTER TABLE room_bans ENABLE ROW LEVEL SECURITY;
ALTER TABLE room_bans FORCE ROW LEVEL SECURITY;
CREATE POLICY room_bans_own_tenant ON room_bans
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
GRANT SELECT, INSERT, UPDATE ON room_bans TO furusato_app;
