-- Posts (DOMAIN §3, §6): a government or one of its organisations publishes お知らせ (notice), イベント (event),
-- 担い手募集 (recruitment, for a project of 0010) and 地域の魅力 (attraction). Tenant-owned: the government
-- whose area the post speaks for owns it. Published public posts are readable by anyone, across all
-- governments (the nationwide search); posts for registrants only by the government's registrants.

CREATE TABLE posts (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  -- The owning government's prefecture, for the nationwide prefecture filter.
  prefecture_code char(2) NOT NULL CHECK (prefecture_code = left(lg_code, 2)),
  -- Set when an organisation (its 団体担当者) posts; NULL for the government itself.
  organisation_id uuid,
  -- The project a call for help (担い手募集) recruits for.
  project_id uuid,
  -- notice (お知らせ) | event (イベント) | recruitment (担い手募集) | attraction (地域の魅力)
  kind text NOT NULL CHECK (kind IN ('notice', 'event', 'recruitment', 'attraction')),
  -- The activity categories of 0010 (a call for help takes its project's).
  category text CHECK (category IN ('festival', 'environment', 'disaster_prevention', 'shopping_mobility',
                                    'agriculture', 'children_education', 'elderly_care', 'tourism_exchange',
                                    'vacant_houses', 'other')),
  -- public (anyone, nationwide search) | registrants (the government's registrants only)
  audience text NOT NULL DEFAULT 'public' CHECK (audience IN ('public', 'registrants')),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  summary text NOT NULL DEFAULT '' CHECK (length(summary) <= 300),
  body text NOT NULL DEFAULT '' CHECK (length(body) <= 20000),
  place_name text NOT NULL DEFAULT '' CHECK (length(place_name) <= 200),
  place_address text NOT NULL DEFAULT '' CHECK (length(place_address) <= 300),
  place_lg_code char(6) REFERENCES local_governments (lg_code),
  -- When it happens (events, calls for help); NULL for notices and attractions without a date.
  starts_at timestamptz,
  ends_at timestamptz,
  tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 10),
  -- draft | scheduled (publishes itself at publish_at) | published | archived (no longer shown)
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'published', 'archived')),
  publish_at timestamptz,
  published_at timestamptz,
  archived_at timestamptz,
  -- Search (src/modules/outreach/search-text.ts): the text normalised (NFKC, kana folded, variants),
  -- the title alone for ranking, and its bigrams (and single kanji) for the GIN index. Written by the
  -- application on both engines, so PGlite and PostgreSQL find the same posts without an extension.
  search_title text NOT NULL DEFAULT '',
  search_text text NOT NULL DEFAULT '',
  search_tokens text[] NOT NULL DEFAULT '{}',
  -- A staff person id, or 'system'.
  created_by text NOT NULL,
  updated_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, organisation_id) REFERENCES organisations (lg_code, id),
  FOREIGN KEY (lg_code, project_id) REFERENCES projects (lg_code, id),
  CHECK (kind <> 'recruitment' OR project_id IS NOT NULL),
  CHECK (ends_at IS NULL OR (starts_at IS NOT NULL AND ends_at >= starts_at)),
  CHECK (status <> 'scheduled' OR publish_at IS NOT NULL),
  CHECK (status NOT IN ('published', 'archived') OR published_at IS NOT NULL)
);
SELECT furusato_distribute_tenant_table('posts');
-- The staff list of a government, and an organisation's own posts.
CREATE INDEX posts_tenant_idx ON posts (lg_code, status, updated_at DESC);
CREATE INDEX posts_organisation_idx ON posts (lg_code, organisation_id, updated_at DESC)
  WHERE organisation_id IS NOT NULL;
-- Nationwide: text (GIN over the tokens), newest first, by prefecture, by event date; a government's feed.
CREATE INDEX posts_tokens_idx ON posts USING gin (search_tokens) WHERE status = 'published';
CREATE INDEX posts_published_idx ON posts (published_at DESC, lg_code, id) WHERE status = 'published';
CREATE INDEX posts_prefecture_idx ON posts (prefecture_code, published_at DESC) WHERE status = 'published';
CREATE INDEX posts_feed_idx ON posts (lg_code, published_at DESC) WHERE status = 'published';
CREATE INDEX posts_starts_idx ON posts (starts_at) WHERE status = 'published' AND starts_at IS NOT NULL;
CREATE INDEX posts_project_idx ON posts (lg_code, project_id) WHERE project_id IS NOT NULL;

ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
ALTER TABLE posts FORCE ROW LEVEL SECURITY;
CREATE POLICY posts_own_tenant ON posts
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
-- Published public posts are for everyone, across governments.
CREATE POLICY posts_public_read ON posts FOR SELECT USING (status = 'published' AND audience = 'public');
-- Posts for registrants: the government's current registrants (person scope, withPerson).
CREATE POLICY posts_registrant_read ON posts FOR SELECT
  USING (status = 'published' AND audience = 'registrants'
         AND EXISTS (SELECT 1 FROM registrations r
                     WHERE r.lg_code = posts.lg_code AND r.status = 'active'
                       AND r.person_id = NULLIF(current_setting('app.person_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE ON posts TO furusato_app;

-- Images of a post, resized and stripped of metadata on upload (EXIF, GPS, camera), kept in the database:
-- a few hundred kilobytes each, backed up and access-controlled with the post, no file store to run.
CREATE TABLE post_images (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  post_id uuid NOT NULL,
  position smallint NOT NULL DEFAULT 0,
  alt_text text NOT NULL DEFAULT '' CHECK (length(alt_text) <= 300),
  content_type text NOT NULL CHECK (content_type IN ('image/webp', 'image/jpeg')),
  width integer NOT NULL CHECK (width > 0),
  height integer NOT NULL CHECK (height > 0),
  bytes bytea NOT NULL,
  thumbnail bytea NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, post_id) REFERENCES posts (lg_code, id)
);
SELECT furusato_distribute_tenant_table('post_images');
CREATE INDEX post_images_post_idx ON post_images (lg_code, post_id, position, created_at);

ALTER TABLE post_images ENABLE ROW LEVEL SECURITY;
ALTER TABLE post_images FORCE ROW LEVEL SECURITY;
CREATE POLICY post_images_own_tenant ON post_images
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
-- An image is visible exactly when its post is (the subquery sees posts through their own policies).
CREATE POLICY post_images_follow_post ON post_images FOR SELECT
  USING (EXISTS (SELECT 1 FROM posts p WHERE p.lg_code = post_images.lg_code AND p.id = post_images.post_id));
GRANT SELECT, INSERT, UPDATE, DELETE ON post_images TO furusato_app;
