/**
 * The two drivers every storage test runs against: PGlite in memory (from a prepared, migrated
 * dump) and the PostgreSQL server of the global setup, each test file in a schema of its own.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { Database } from '../../../src/store/database.js';
import { openDatabase } from '../../../src/store/open.js';
import { openPg } from '../../../src/store/pg-driver.js';
import { openMigratedPglite } from './pglite-template.js';

export interface Target {
  name: 'pglite' | 'pg';
  /** True when the server driver cannot be tested here (the global setup warned). */
  skip: boolean;
  /** A migrated database for this test file; `close()` removes it. */
  open(): Promise<Database>;
}

export const postgresUrl: string | null = typeof inject === 'function' ? injected() : null;

function injected(): string | null {
  try {
    return inject('postgresUrl');
  } catch {
    // Outside a vitest worker (the bench script): no provided context.
    return null;
  }
}

/** The server URL with a search_path, so that a schema acts as a database of its own. */
export function urlForSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** A new, empty schema on the test server and a URL that uses it; `drop` removes it. */
export async function freshSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  if (postgresUrl === null) throw new Error('no PostgreSQL server for the tests');
  return freshSchemaOn(postgresUrl);
}

export async function freshSchemaOn(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `test_${randomUUID().replaceAll('-', '')}`;
  const admin = openPg({ url: serverUrl, poolSize: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  return {
    url: urlForSchema(serverUrl, schema),
    async drop() {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}

async function openServer(): Promise<Database> {
  const schema = await freshSchema();
  const db = await openDatabase({ driver: 'pg', url: schema.url, poolSize: 4 });
  return {
    ...db,
    async close() {
      await db.close();
      await schema.drop();
    },
  };
}

export const TARGETS: Target[] = [
  { name: 'pglite', skip: false, open: openMigratedPglite },
  { name: 'pg', skip: postgresUrl === null, open: openServer },
];
