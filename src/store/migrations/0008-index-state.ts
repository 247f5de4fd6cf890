import type { Migration } from './migration.js';

/**
 * What the search index rows of each resource type were written for: a fingerprint of the
 * type's indexed parameters (name, kind, expression, targets). When the build indexes other
 * parameters than the stored rows were written for, the gateway rewrites that type's rows at
 * start (src/store/index-state.ts) instead of answering searches from stale ones.
 */
export const indexState: Migration = {
  version: 8,
  name: 'index-state',
  sql: `
CREATE TABLE index_state (
  resource_type text PRIMARY KEY,
  fingerprint text NOT NULL,
  updated_at timestamptz NOT NULL
);
`,
};
