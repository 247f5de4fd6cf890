/**
 * Planner statistics and dead rows. PGlite runs PostgreSQL in single-user mode, where autovacuum
 * never runs: without statistics the planner guesses, and a chained search that should take a
 * fraction of a millisecond walks every reference (measured: 9 ms at 1,000 ServiceRequests,
 * growing with the table). Updates rewrite index rows, so dead rows pile up too. `maintain`
 * does by hand what autovacuum does on a server; run it at start and as a periodic job.
 */
import type { Database } from './database.js';

/** The tables the store's own migrations (0001-0003) create; statistics on them steer every search. */
export const STORE_TABLES = [
  'resource',
  'resource_history',
  'search_token',
  'search_reference',
  'search_date',
  'search_string',
  'search_number',
  'search_uri',
  'idempotency',
  'audit_event',
  'outbox',
  'job',
  'access_grant',
  'auth_jti',
] as const;

/**
 * Every table of the schema in use, from the catalog: later migrations add tables of their own
 * (delivery, client record, export), and a list kept by hand falls behind.
 */
export async function maintainedTables(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename',
  );
  return rows.map((r) => r.name);
}

/** VACUUM ANALYZE on PGlite; ANALYZE on a server, where autovacuum does the vacuuming. */
export async function maintain(db: Database): Promise<void> {
  const command = db.driver === 'pglite' ? 'VACUUM (ANALYZE)' : 'ANALYZE';
  // One statement per table: VACUUM cannot run inside a transaction block. Names come from the
  // catalog and are quoted as identifiers.
  for (const table of await maintainedTables(db)) await db.query(`${command} "${table.replace(/"/g, '""')}"`);
}
