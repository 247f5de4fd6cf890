import type { Migration } from './migration.js';

/**
 * Bulk `$export` for regional data platforms and the indicators computed for them.
 *
 * - `export_job`: one row per `$export` request: who asked (client, recipient), the request,
 *   its transaction time, the key and pseudonym series, the status, a lease (`owner`,
 *   `locked_until`) so that one gateway instance runs it and another takes over when that one
 *   dies, and the manifest's outputs once it is complete.
 * - `export_file_part`: the NDJSON files, in parts of about a megabyte, so that writing and
 *   serving a file never holds it whole in memory and every instance can serve every file.
 * - `indicator_report`: MeasureReports per measure, municipality and month.
 */
export const exportJobs: Migration = {
  version: 6,
  name: 'export',
  sql: `
CREATE TABLE export_job (
  id text PRIMARY KEY,
  client_id text NOT NULL,
  recipient text NOT NULL,
  status text NOT NULL CHECK (status IN ('accepted', 'in-progress', 'completed', 'failed', 'cancelled')),
  request jsonb NOT NULL,
  transaction_time timestamptz NOT NULL,
  key_id text NOT NULL,
  series text NOT NULL,
  owner text,
  locked_until timestamptz,
  progress text,
  output jsonb,
  error_code text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX export_job_recipient ON export_job (recipient, status, created_at);

CREATE TABLE export_file_part (
  job_id text NOT NULL REFERENCES export_job (id) ON DELETE CASCADE,
  file text NOT NULL,
  part integer NOT NULL,
  resources integer NOT NULL,
  content text NOT NULL,
  PRIMARY KEY (job_id, file, part)
);
-- Parts are written once and read once: compressing them would cost more than it saves.
ALTER TABLE export_file_part ALTER COLUMN content SET STORAGE EXTERNAL;

CREATE TABLE indicator_report (
  id text PRIMARY KEY,
  measure text NOT NULL,
  municipality text NOT NULL,
  period text NOT NULL,
  generated timestamptz NOT NULL,
  content jsonb NOT NULL
);
CREATE UNIQUE INDEX indicator_report_key ON indicator_report (measure, municipality, period);
CREATE INDEX indicator_report_period ON indicator_report (period, municipality);
`,
};
