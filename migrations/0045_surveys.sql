-- Surveys (モニターアンケート, DOMAIN §3 "other functions"): a government writes a survey, targets its
-- registrants, opens it for a period and reads the results. The relationship survey asked at registration
-- is a survey of the same engine (purpose 'registration', one per government): its answers move here from
-- the registration row. Every table is tenant-owned.

CREATE TABLE surveys (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  -- monitor: written by the government; registration: the relationship survey of registration, its
  -- questions kept in step with the government's registration settings by the application.
  purpose text NOT NULL CHECK (purpose IN ('monitor', 'registration')),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  title_en text CHECK (title_en IS NULL OR length(title_en) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
  -- The definition: an ordered array of questions (see src/modules/outreach/surveys.engine.ts). Frozen
  -- once a monitor survey is published; the registration survey only gains questions (removed ones stay,
  -- marked retired, so that their answers keep their labels).
  questions jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(questions) = 'array'),
  -- Who may answer: all | basic | premium registrants, optionally only those with one of these ties.
  audience_tier text NOT NULL DEFAULT 'all' CHECK (audience_tier IN ('all', 'basic', 'premium')),
  audience_ties text[] NOT NULL DEFAULT '{}',
  -- draft (being written, invisible) | published (answerable between opens_at and closes_at) | closed
  -- (ended early by staff). Whether a published survey is open is a matter of the clock.
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'closed')),
  opens_at timestamptz,
  closes_at timestamptz,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  closed_at timestamptz,
  PRIMARY KEY (lg_code, id),
  CHECK (purpose = 'registration' OR status = 'draft' OR (opens_at IS NOT NULL AND closes_at > opens_at)),
  CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
SELECT furusato_distribute_tenant_table('surveys');
CREATE UNIQUE INDEX surveys_registration_idx ON surveys (lg_code) WHERE purpose = 'registration';
CREATE INDEX surveys_list_idx ON surveys (lg_code, purpose, created_at DESC);
CREATE INDEX surveys_open_idx ON surveys (lg_code, closes_at) WHERE purpose = 'monitor' AND status = 'published';

ALTER TABLE surveys ENABLE ROW LEVEL SECURITY;
ALTER TABLE surveys FORCE ROW LEVEL SECURITY;
CREATE POLICY surveys_own_tenant ON surveys
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
-- A registrant sees the published surveys of the governments they are registered with ("surveys to
-- answer" across governments, in the person's own scope). Targeting is checked by the application.
CREATE POLICY surveys_registrant_read ON surveys FOR SELECT
  USING (purpose = 'monitor' AND status <> 'draft' AND EXISTS (
    SELECT 1 FROM registrations r
    WHERE r.lg_code = surveys.lg_code AND r.status = 'active'
      AND r.person_id = NULLIF(current_setting('app.person_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON surveys TO furusato_app;

-- One person's answers to one survey. The person is kept only to answer once and to show the person
-- their own answers; results never name or count anyone by it. NULL after the account is deleted.
CREATE TABLE survey_responses (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  id uuid NOT NULL,
  survey_id uuid NOT NULL,
  person_id uuid,
  -- Set for the registration survey only: the registration the answers were given with.
  registration_id uuid,
  submitted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (lg_code, id),
  FOREIGN KEY (lg_code, survey_id) REFERENCES surveys (lg_code, id) ON DELETE CASCADE,
  FOREIGN KEY (lg_code, registration_id) REFERENCES registrations (lg_code, id)
);
SELECT furusato_distribute_tenant_table('survey_responses');
-- Answer once: a monitor survey once per person, the registration survey once per registration (a person
-- who leaves and registers again answers again). Enforced here, so two submissions at once cannot both win.
CREATE UNIQUE INDEX survey_responses_once_per_person_idx ON survey_responses (lg_code, survey_id, person_id)
  WHERE registration_id IS NULL;
CREATE UNIQUE INDEX survey_responses_once_per_registration_idx
  ON survey_responses (lg_code, survey_id, registration_id) WHERE registration_id IS NOT NULL;
-- Results count responses in the order they came (see the privacy rule in docs/decisions).
CREATE INDEX survey_responses_order_idx ON survey_responses (lg_code, survey_id, submitted_at, id);
CREATE INDEX survey_responses_person_idx ON survey_responses (person_id) WHERE person_id IS NOT NULL;

ALTER TABLE survey_responses ENABLE ROW LEVEL SECURITY;
ALTER TABLE survey_responses FORCE ROW LEVEL SECURITY;
CREATE POLICY survey_responses_own_tenant ON survey_responses
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
CREATE POLICY survey_responses_own_person ON survey_responses FOR SELECT
  USING (person_id = NULLIF(current_setting('app.person_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE ON survey_responses TO furusato_app;

-- One answer to one question: the chosen values (single or multiple choice), a point on a scale, or text.
CREATE TABLE survey_answers (
  lg_code char(6) NOT NULL REFERENCES tenants (lg_code),
  response_id uuid NOT NULL,
  survey_id uuid NOT NULL,
  question_id text NOT NULL,
  choices text[],
  scale smallint,
  text text CHECK (length(text) <= 4000),
  PRIMARY KEY (lg_code, response_id, question_id),
  FOREIGN KEY (lg_code, response_id) REFERENCES survey_responses (lg_code, id) ON DELETE CASCADE,
  CHECK (num_nonnulls(choices, scale, text) = 1)
);
SELECT furusato_distribute_tenant_table('survey_answers');
CREATE INDEX survey_answers_question_idx ON survey_answers (lg_code, survey_id, question_id);

ALTER TABLE survey_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE survey_answers FORCE ROW LEVEL SECURITY;
CREATE POLICY survey_answers_own_tenant ON survey_answers
  USING (lg_code = current_setting('app.lg_code', true))
  WITH CHECK (lg_code = current_setting('app.lg_code', true));
CREATE POLICY survey_answers_own_person ON survey_answers FOR SELECT
  USING (EXISTS (
    SELECT 1 FROM survey_responses r
    WHERE r.lg_code = survey_answers.lg_code AND r.id = survey_answers.response_id
      AND r.person_id = NULLIF(current_setting('app.person_id', true), '')::uuid));
-- DELETE: account deletion erases free text.
GRANT SELECT, INSERT, DELETE ON survey_answers TO furusato_app;

-- Moving the relationship survey onto the engine, government by government (the tenant is set for each,
-- so the copy also works where the migrating role is subject to row-level security). For each government:
-- its registration survey, holding its own questions as they are in its settings (the national questions
-- are added by the application, which owns their wording), then every registration's answers as a
-- response. The registration columns stay as they were (not dropped, not cleared): relationship_ties goes
-- on being written as the registration's own copy of the ties, for filters, targeting and statistics.
-- Backfilled ids are random (v4); the application makes v7 ones.
DO $$
DECLARE
  tenant record;
BEGIN
  FOR tenant IN SELECT lg_code, settings, joined_at FROM tenants LOOP
    PERFORM set_config('app.lg_code', tenant.lg_code, true);

    INSERT INTO surveys (lg_code, id, purpose, title, title_en, questions, status, opens_at, created_by, published_at)
    VALUES (
      tenant.lg_code, gen_random_uuid(), 'registration', '登録時アンケート（このまちとの関係）',
      'Registration survey (your relationship with the place)',
      COALESCE((
        SELECT jsonb_agg(
                 CASE WHEN question->>'kind' = 'choice' THEN
                   jsonb_build_object(
                     'id', 'own.' || (question->>'id'), 'kind', 'single', 'label', question->'label',
                     'required', COALESCE((question->>'required')::boolean, false),
                     'choices', (SELECT COALESCE(jsonb_agg(jsonb_build_object('value', choice, 'label',
                                                                              jsonb_build_object('ja', choice))
                                                           ORDER BY position), '[]'::jsonb)
                                 FROM jsonb_array_elements_text(COALESCE(question->'choices', '[]'::jsonb))
                                      WITH ORDINALITY AS c(choice, position)))
                 ELSE
                   jsonb_build_object(
                     'id', 'own.' || (question->>'id'), 'kind', 'text', 'label', question->'label',
                     'required', COALESCE((question->>'required')::boolean, false),
                     'maxLength', 500, 'multiline', false)
                 END
                 ORDER BY number)
        FROM jsonb_array_elements(COALESCE(tenant.settings->'registration'->'surveyQuestions', '[]'::jsonb))
             WITH ORDINALITY AS q(question, number)
      ), '[]'::jsonb),
      'published', tenant.joined_at, 'migration:0045', tenant.joined_at
    );

    INSERT INTO survey_responses (lg_code, id, survey_id, person_id, registration_id, submitted_at)
    SELECT r.lg_code, gen_random_uuid(), s.id, r.person_id, r.id, r.registered_at
    FROM registrations r
    JOIN surveys s ON s.lg_code = r.lg_code AND s.purpose = 'registration'
    WHERE r.lg_code = tenant.lg_code
      AND (cardinality(r.relationship_ties) > 0 OR COALESCE(r.relationship_note, '') <> ''
           OR r.custom_answers <> '{}'::jsonb);

    INSERT INTO survey_answers (lg_code, response_id, survey_id, question_id, choices)
    SELECT sr.lg_code, sr.id, sr.survey_id, 'national.ties', r.relationship_ties
    FROM survey_responses sr
    JOIN registrations r ON r.lg_code = sr.lg_code AND r.id = sr.registration_id
    WHERE sr.lg_code = tenant.lg_code AND cardinality(r.relationship_ties) > 0;

    INSERT INTO survey_answers (lg_code, response_id, survey_id, question_id, text)
    SELECT sr.lg_code, sr.id, sr.survey_id, 'national.note', r.relationship_note
    FROM survey_responses sr
    JOIN registrations r ON r.lg_code = sr.lg_code AND r.id = sr.registration_id
    WHERE sr.lg_code = tenant.lg_code AND COALESCE(r.relationship_note, '') <> '';

    -- An answer to a question the government has removed since is kept as text under its id.
    INSERT INTO survey_answers (lg_code, response_id, survey_id, question_id, choices, text)
    SELECT sr.lg_code, sr.id, sr.survey_id, 'own.' || answer.key,
           CASE WHEN asked.kind = 'single' THEN ARRAY[answer.value] END,
           CASE WHEN asked.kind IS DISTINCT FROM 'single' THEN answer.value END
    FROM survey_responses sr
    JOIN registrations r ON r.lg_code = sr.lg_code AND r.id = sr.registration_id
    JOIN surveys s ON s.lg_code = sr.lg_code AND s.id = sr.survey_id
    CROSS JOIN LATERAL jsonb_each_text(r.custom_answers) AS answer(key, value)
    LEFT JOIN LATERAL (
      SELECT question->>'kind' AS kind FROM jsonb_array_elements(s.questions) AS question
      WHERE question->>'id' = 'own.' || answer.key
    ) asked ON true
    WHERE sr.lg_code = tenant.lg_code AND answer.value <> '';
  END LOOP;
  PERFORM set_config('app.lg_code', '', true);
END
$$;
