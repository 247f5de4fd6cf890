import type { Migration } from './migration.js';

/**
 * Export files stored gzip-compressed: a part's NDJSON goes to `gzip` (one or more gzip members,
 * RFC 1952) instead of `content`. Pseudonymised NDJSON compresses about tenfold (9.8 to 1 on bench:export's resources, gzip level 1), so the database
 * writes, logs (WAL) and keeps a tenth of the bytes; parts written before this migration keep
 * their `content` and are served as they are. Exactly one of the two holds the part.
 */
export const exportGzip: Migration = {
  version: 7,
  name: 'export-gzip',
  sql: `
ALTER TABLE export_file_part ALTER COLUMN content DROP NOT NULL;
ALTER TABLE export_file_part ADD COLUMN gzip bytea;
-- Already compressed: PostgreSQL's own compression would only cost time.
ALTER TABLE export_file_part ALTER COLUMN gzip SET STORAGE EXTERNAL;
ALTER TABLE export_file_part ADD CONSTRAINT export_file_part_one_body
  CHECK ((content IS NULL) <> (gzip IS NULL));
`,
};
