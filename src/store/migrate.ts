/**
 * Applies pending migrations at start, all in one transaction under a transaction-level advisory
 * lock: of two instances starting at once, the second waits, then finds nothing left to do.
 */
import { OperationOutcomeError, issue, outcome } from '../fhir/outcomes.js';
import type { Database } from './database.js';
import type { Migration } from './migrations/index.js';
import { MIGRATIONS } from './migrations/index.js';

/** The advisory lock key that serialises migrations; any constant no other lock in the schema uses. */
const MIGRATION_LOCK = 720_145_001;

export interface MigrationReport {
  /** Versions applied by this call, in order. */
  applied: number[];
  /** The schema version after this call. */
  version: number;
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migration ${m.name} has version ${String(m.version)}, expected ${String(i + 1)}`);
  });
}

function newerSchema(found: number, known: number): OperationOutcomeError {
  const message = `The database schema (version ${String(found)}) is newer than this build knows (${String(known)}).`;
  return new OperationOutcomeError(outcome([issue({ severity: 'fatal', code: 'exception', message })]), 500);
}

export async function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationReport> {
  checkOrder(migrations);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number }>(
      'SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations',
    );
    const current = rows[0]?.version ?? 0;
    if (current > migrations.length) throw newerSchema(current, migrations.length);
    const applied: number[] = [];
    for (const m of migrations.slice(current)) {
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return { applied, version: Math.max(current, migrations.length) };
  });
}
