-- The nationwide search reads a projection of the published public posts, not `posts` itself: under
-- row-level security the planner may not use an index for an operator that is not LEAKPROOF (array
-- containment `@>` is not), so every search of `posts` was a sequential scan of every government's posts
-- (measured: 0.4 s for a query matching nothing in 10,000 posts). Every row here is public by definition
-- (published, audience public), so its read policy is simply true and the GIN index works. The posts
-- service keeps it in step in the same transaction as every change of a post.
CREATE TABLE post_search (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  prefecture_code char(2) NOT NULL,
  organisation_id uuid,
  organisation_name text,
  project_id uuid,
  kind text NOT NULL,
  category text,
  title text NOT NULL,
  -- The summary, or the start of the text when there is none.
  summary text NOT NULL,
  place_name text NOT NULL,
  starts_at timestamptz,
  ends_at timestamptz,
  tags text[] NOT NULL,
  published_at timestamptz NOT NULL,
  -- The first image, for the result card.
  thumbnail_id uuid,
  thumbnail_alt text,
  search_title text NOT NULL,
  search_text text NOT NULL,
  search_tokens text[] NOT NULL,
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, id) REFERENCES posts (lg_code, id)
);
SELECT furusato_distribute_tenant_table('post_search');
CREATE INDEX post_search_tokens_idx ON post_search USING gin (search_tokens);
CREATE INDEX post_search_published_idx ON post_search (published_at DESC, lg_code, id);
CREATE INDEX post_search_prefecture_idx ON post_search (prefecture_code, published_at DESC);
CREATE INDEX post_search_government_idx ON post_search (lg_code, published_at DESC);
CREATE INDEX post_search_starts_idx ON post_search (starts_at) WHERE starts_at IS NOT NULL;
CREATE INDEX post_search_kind_idx ON post_search (kind, published_at DESC);

ALTER TABLE post_search ENABLE ROW LEVEL SECURITY;
ALTER TABLE post_search FORCE ROW LEVEL SECURITY;
-- Public by construction: anyone reads every row.
CREATE POLICY post_search_read ON post_search FOR SELECT USING (true);
-- Only the government's own scope writes its rows.
CREATE POLICY post_search_own_tenant ON post_search
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON post_search TO furusato_app;
