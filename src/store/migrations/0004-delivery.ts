import type { Migration } from './migration.js';

/**
 * Scheduled jobs and delivery: when a job last succeeded and how many runs in a row failed (the
 * `job` table keeps the last run and its error code), the jobs' latest reports (waiting times,
 * interruptions of care), and the import job's record of files by content hash, so that a file
 * dropped twice is imported once.
 */
export const delivery: Migration = {
  version: 4,
  name: 'delivery',
  sql: `
ALTER TABLE job ADD COLUMN last_success timestamptz;
ALTER TABLE job ADD COLUMN failures integer NOT NULL DEFAULT 0;

CREATE TABLE job_report (
  name text PRIMARY KEY,
  computed_at timestamptz NOT NULL,
  content jsonb NOT NULL
);

CREATE TABLE import_file (
  hash text PRIMARY KEY,
  source text NOT NULL,
  status text NOT NULL CHECK (status IN ('done', 'failed')),
  resources integer NOT NULL,
  processed_at timestamptz NOT NULL
);
`,
};
