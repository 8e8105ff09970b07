-- Saved searches of the nationwide post search. The person's own (national, like notifications): a name,
-- the search as the search page takes it, and since when new matches have been told.
CREATE TABLE saved_searches (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- {"q": "祭り", "prefecture": "04", "kind": "recruitment", …}: the search page's parameters.
  query jsonb NOT NULL,
  -- Tell the person of new matches (through notifications: outreach.saved_search).
  notify boolean NOT NULL DEFAULT true,
  -- Posts published after this have not been told yet.
  checked_until timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX saved_searches_person_idx ON saved_searches (person_id, created_at);
CREATE INDEX saved_searches_due_idx ON saved_searches (checked_until, id) WHERE notify;
GRANT SELECT, INSERT, UPDATE, DELETE ON saved_searches TO furusato_app;
