import type { Migration } from './migration.js';

/**
 * Resources as versioned JSONB: `resource` holds the current version of each, `resource_history`
 * every version ever written (a delete is a version without content). The `search_*` tables hold
 * the values of the FHIR search parameters, one row per value, rebuilt on every write; searches
 * run on them, never on the JSON.
 */
export const resources: Migration = {
  version: 1,
  name: 'resources',
  sql: `
CREATE TABLE resource (
  resource_type text NOT NULL,
  id text NOT NULL,
  version integer NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  content jsonb,
  PRIMARY KEY (resource_type, id),
  CHECK (deleted OR content IS NOT NULL)
);
CREATE INDEX resource_last_updated ON resource (resource_type, last_updated, id) WHERE NOT deleted;

CREATE TABLE resource_history (
  resource_type text NOT NULL,
  id text NOT NULL,
  version integer NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL,
  content jsonb,
  PRIMARY KEY (resource_type, id, version)
);

CREATE TABLE search_token (
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  param text NOT NULL,
  system text,
  code text NOT NULL
);
CREATE INDEX search_token_value ON search_token (resource_type, param, code, system);
CREATE INDEX search_token_owner ON search_token (resource_type, resource_id, param);

CREATE TABLE search_reference (
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  param text NOT NULL,
  target_type text,
  target_id text,
  reference text NOT NULL
);
CREATE INDEX search_reference_target ON search_reference (resource_type, param, target_id, target_type);
CREATE INDEX search_reference_raw ON search_reference (resource_type, param, reference);
CREATE INDEX search_reference_owner ON search_reference (resource_type, resource_id, param);

CREATE TABLE search_date (
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  param text NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL
);
CREATE INDEX search_date_start ON search_date (resource_type, param, start_at);
CREATE INDEX search_date_end ON search_date (resource_type, param, end_at);
CREATE INDEX search_date_owner ON search_date (resource_type, resource_id, param);

CREATE TABLE search_string (
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  param text NOT NULL,
  value text NOT NULL,
  norm text NOT NULL
);
CREATE INDEX search_string_norm ON search_string (resource_type, param, norm text_pattern_ops);
CREATE INDEX search_string_owner ON search_string (resource_type, resource_id, param);

CREATE TABLE search_number (
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  param text NOT NULL,
  value numeric NOT NULL
);
CREATE INDEX search_number_value ON search_number (resource_type, param, value);
CREATE INDEX search_number_owner ON search_number (resource_type, resource_id, param);

CREATE TABLE search_uri (
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  param text NOT NULL,
  value text NOT NULL
);
CREATE INDEX search_uri_value ON search_uri (resource_type, param, value);
CREATE INDEX search_uri_owner ON search_uri (resource_type, resource_id, param);
`,
};
