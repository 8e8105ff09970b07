-- 全国地方公共団体コード master: prefectures, municipalities and the wards of designated cities.
-- Loaded from the committed CSV files at start (see src/modules/municipalities/master-data.ts).

CREATE TABLE prefectures (
  prefecture_code char(2) PRIMARY KEY CHECK (prefecture_code ~ '^(0[1-9]|[1-3][0-9]|4[0-7])$'),
  lg_code char(6) NOT NULL UNIQUE,
  name text NOT NULL,
  name_kana text NOT NULL,
  name_en text NOT NULL,
  iso_code text NOT NULL,
  capital text NOT NULL,
  latitude double precision NOT NULL,
  longitude double precision NOT NULL,
  url text NOT NULL
);
SELECT furusato_reference_table('prefectures');

CREATE TABLE local_governments (
  lg_code char(6) PRIMARY KEY CHECK (lg_code ~ '^[0-9]{6}$'),
  prefecture_code char(2) NOT NULL REFERENCES prefectures (prefecture_code),
  -- prefecture | city | town | village | special_ward | designated_city_ward
  kind text NOT NULL CHECK (kind IN ('prefecture', 'city', 'town', 'village', 'special_ward', 'designated_city_ward')),
  name text NOT NULL,
  name_kana text NOT NULL,
  -- For a ward of a designated city: the city. Wards are not tenants; the city is.
  parent_lg_code char(6) REFERENCES local_governments (lg_code),
  latitude double precision,
  longitude double precision,
  url text,
  -- Search keys: names without spaces, kana folded to hiragana.
  search_name text NOT NULL,
  search_kana text NOT NULL
);
SELECT furusato_reference_table('local_governments');

-- Prefix search on kanji and kana. text_pattern_ops serves LIKE 'x%' in any collation.
CREATE INDEX local_governments_search_name_idx ON local_governments (search_name text_pattern_ops);
CREATE INDEX local_governments_search_kana_idx ON local_governments (search_kana text_pattern_ops);
CREATE INDEX local_governments_prefecture_idx ON local_governments (prefecture_code, lg_code);
CREATE INDEX local_governments_parent_idx ON local_governments (parent_lg_code) WHERE parent_lg_code IS NOT NULL;

CREATE TABLE reference_data_versions (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT ON prefectures, local_governments, reference_data_versions TO furusato_app;
