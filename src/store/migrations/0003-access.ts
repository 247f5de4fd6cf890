import type { Migration } from './migration.js';

/**
 * Authorisation as data and the assertion replay guard. `access_grant` says which organisation
 * (`system|value` of its AGB or URA) may see which resource; a resource without a grant for the
 * caller's organisation is invisible (deny by default). `auth_jti` remembers the ids of client
 * assertions until they expire, so a replayed assertion is refused by every instance.
 */
export const access: Migration = {
  version: 3,
  name: 'access',
  sql: `
CREATE TABLE access_grant (
  organisation text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organisation, resource_type, resource_id)
);
CREATE INDEX access_grant_resource ON access_grant (resource_type, resource_id);

CREATE TABLE auth_jti (
  client_id text NOT NULL,
  jti text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX auth_jti_expires ON auth_jti (expires_at);
`,
};
