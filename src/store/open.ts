/** Opens the configured database and brings its schema up to date. */
import type { Database, DatabaseConfig, OpenOptions } from './database.js';
import { maintain } from './maintenance.js';
import { migrate } from './migrate.js';
import { openPg } from './pg-driver.js';
import { openPglite } from './pglite-driver.js';

function connect(config: DatabaseConfig): Promise<Database> {
  switch (config.driver) {
    case 'pglite':
      return openPglite(config);
    case 'pg':
      return Promise.resolve(openPg(config));
    default:
      return config satisfies never;
  }
}

export async function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Promise<Database> {
  const db = await connect(config);
  try {
    if (options.migrate ?? true) await migrate(db);
    // PGlite has no autovacuum: fresh statistics at start keep the planner from guessing.
    if (db.driver === 'pglite' && (options.migrate ?? true)) await maintain(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
