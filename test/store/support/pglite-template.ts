/**
 * A migrated PGlite database in well under a second: initdb in WebAssembly costs about 3 s,
 * loading a dump of an initialised, migrated database a fraction of that. The dump is made once
 * and cached under node_modules/.cache, keyed by the PGlite version and the migrations' SQL.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Database } from '../../../src/store/database.js';
import { migrate } from '../../../src/store/migrate.js';
import { MIGRATIONS } from '../../../src/store/migrations/index.js';
import { MEMORY, openPglite, wrapPglite } from '../../../src/store/pglite-driver.js';

const CACHE = join('node_modules', '.cache', 'overdracht-store');

function templateKey(): string {
  // The package's exports hide package.json; it sits one level above the entry point.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const version = (
    JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
  const hash = createHash('sha256').update(version);
  for (const m of MIGRATIONS) hash.update(`${String(m.version)}\n${m.sql}`);
  return hash.digest('hex').slice(0, 16);
}

async function writeTemplate(path: string): Promise<void> {
  const pglite = await PGlite.create();
  try {
    await migrate(wrapPglite(pglite));
    const dump = await pglite.dumpDataDir('none');
    const temporary = `${path}.${String(process.pid)}`;
    writeFileSync(temporary, Buffer.from(await dump.arrayBuffer()));
    // Rename is atomic: a test file running in parallel reads the whole dump or none.
    renameSync(temporary, path);
  } finally {
    await pglite.close();
  }
}

/** The dump of a migrated database, as PGlite's `loadDataDir` takes it. */
export async function migratedTemplate(): Promise<Blob> {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, `pglite-${templateKey()}.tar`);
  try {
    return new Blob([readFileSync(path)]);
  } catch {
    await writeTemplate(path);
    return new Blob([readFileSync(path)]);
  }
}

/** A new in-memory PGlite database with the current schema. */
export async function openMigratedPglite(): Promise<Database> {
  return openPglite({ dataDir: MEMORY, loadDataDir: await migratedTemplate() });
}

/**
 * Copies a migrated PGlite data directory to `target`: copying takes a fraction of a second,
 * running initdb on a directory several seconds. The prepared directory is cached like the dump.
 */
export async function copyMigratedDataDir(target: string): Promise<void> {
  const prepared = join(CACHE, `pglite-dir-${templateKey()}`);
  if (!existsSync(prepared)) {
    const building = `${prepared}.${String(process.pid)}`;
    rmSync(building, { recursive: true, force: true });
    const db = await openPglite({ dataDir: building });
    await migrate(db);
    await db.close();
    try {
      renameSync(building, prepared);
    } catch {
      // Another test process finished first; its copy is as good.
      rmSync(building, { recursive: true, force: true });
    }
  }
  cpSync(prepared, target, { recursive: true });
}
