import type { Migration } from './migration.js';

/**
 * The client record: what adapters import and the gateway receives, kept per client.
 * `record_client` is one client: `bsn|<BSN>` when the source names a BSN (records are joined by
 * BSN only), `local|<hash>` for a client without one, kept apart and never merged.
 * `record_entry` holds each resource once per client: `content_hash` is the natural key, so
 * importing the same data twice changes nothing; `domain` says whether it comes from care
 * (`treatment`) or the social domain (`social-domain`, explicit consent needed to pass it on);
 * `provenance_id` names the `record_provenance` (the import: organisation, format, source, time).
 */
export const clientRecord: Migration = {
  version: 5,
  name: 'client-record',
  sql: `
CREATE TABLE record_client (
  key text PRIMARY KEY,
  bsn text UNIQUE,
  created_at timestamptz NOT NULL
);

CREATE TABLE record_provenance (
  id text PRIMARY KEY,
  client_key text NOT NULL REFERENCES record_client (key),
  recorded_at timestamptz NOT NULL,
  content jsonb NOT NULL
);
CREATE INDEX record_provenance_client ON record_provenance (client_key);

CREATE TABLE record_entry (
  client_key text NOT NULL REFERENCES record_client (key),
  resource_type text NOT NULL,
  id text NOT NULL,
  content_hash text NOT NULL,
  domain text NOT NULL CHECK (domain IN ('treatment', 'social-domain')),
  organisation text,
  source_format text NOT NULL,
  source_name text,
  provenance_id text NOT NULL REFERENCES record_provenance (id),
  recorded_at timestamptz NOT NULL,
  content jsonb NOT NULL,
  PRIMARY KEY (resource_type, id),
  UNIQUE (client_key, content_hash)
);
CREATE INDEX record_entry_client ON record_entry (client_key, resource_type);
`,
};
