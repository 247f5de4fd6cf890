/**
 * The embedded driver: PGlite (PostgreSQL compiled to WebAssembly) on a data directory.
 *
 * Durability. PGlite runs PostgreSQL with `fsync` off, and its Node file system passes every
 * write straight to the operating system (there is no in-memory copy to flush; the
 * `relaxedDurability` option only matters for in-browser file systems). So a COMMIT that returned
 * has its WAL record in the OS page cache: it survives the process being killed. To survive a
 * power cut as well, this driver fsyncs the WAL segments a write touched before the write returns
 * (`syncWal`, on by default for a data directory). Data files written at a checkpoint are not
 * fsynced by PGlite; for storage that must survive power loss without doubt, use a server.
 *
 * One process at a time: PGlite is a single-user PostgreSQL, and two processes on one data
 * directory would corrupt it, so the directory is claimed with a lock file holding the pid.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import type { Database, QueryResult, Row, SqlValue, TransactionOptions } from './database.js';
import { OperationOutcomeError, issue, outcome } from '../fhir/outcomes.js';
import { toDatabaseError } from './errors.js';
import type { Session } from './session.js';
import { ISOLATION_SQL, guarded, transactionDatabase } from './session.js';

export const MEMORY = 'memory://';

export interface PgliteOptions {
  /** A directory, or `memory://`. */
  dataDir: string;
  /** Fsync the WAL after each write (default: true for a directory). */
  syncWal?: boolean;
  /** Start from a dump made with `dumpDataDir` instead of running initdb (tests use a prepared one). */
  loadDataDir?: Blob;
}

const LOCK_FILE = 'overdracht.lock';
/** Data directories this process holds, so a stale lock with our own pid (a restarted container) is told apart. */
const heldHere = new Set<string>();

function lockBusy(pid: number): OperationOutcomeError {
  const message = `The data directory is in use by process ${String(pid)}; only one process may open it.`;
  return new OperationOutcomeError(outcome([issue({ severity: 'fatal', code: 'lock-error', message })]), 503);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function claimDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, LOCK_FILE);
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(lock, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder !== undefined && Number.isInteger(holder) && holder > 0) {
    const ours = holder === process.pid;
    if ((ours && heldHere.has(dir)) || (!ours && isAlive(holder))) throw lockBusy(holder);
  }
  writeFileSync(lock, String(process.pid));
  heldHere.add(dir);
}

function releaseDirectory(dir: string): void {
  heldHere.delete(dir);
  rmSync(join(dir, LOCK_FILE), { force: true });
}

function txSession(tx: Transaction): Session {
  return {
    async query(sql, params) {
      const r = await tx.query<Row>(sql, params as SqlValue[]);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(sql) {
      await tx.exec(sql);
    },
  };
}

/**
 * Fsyncs the WAL segments written since the last call. WAL segment names sort in write order
 * within a timeline, so every segment from the last synced one to the current one is flushed.
 */
function walSyncer(pglite: PGlite, dir: string): () => Promise<void> {
  let lastLsn = '';
  let lastFile = '';
  return async () => {
    const r = await pglite.query<{ lsn: string; file: string }>(
      'SELECT pg_current_wal_lsn()::text AS lsn, pg_walfile_name(pg_current_wal_lsn()) AS file',
    );
    const row = r.rows[0];
    if (!row || row.lsn === lastLsn) return;
    const walDir = join(dir, 'pg_wal');
    const from = lastFile || row.file;
    for (const name of readdirSync(walDir)) {
      if (name.length === 24 && name >= from && name <= row.file) fsyncFile(join(walDir, name));
    }
    lastLsn = row.lsn;
    lastFile = row.file;
  };
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function openPglite(options: PgliteOptions): Promise<Database> {
  const inMemory = options.dataDir.startsWith(MEMORY);
  const dir = inMemory ? undefined : resolve(options.dataDir);
  if (dir) claimDirectory(dir);
  let pglite: PGlite;
  try {
    pglite = await guarded(() =>
      PGlite.create({
        ...(dir ? { dataDir: dir } : {}),
        relaxedDurability: false,
        ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
      }),
    );
  } catch (err) {
    if (dir) releaseDirectory(dir);
    throw err;
  }
  return wrapPglite(pglite, {
    dataDir: dir,
    syncWal: options.syncWal,
    onClose: () => dir && releaseDirectory(dir),
  });
}

export interface WrapOptions {
  /** The data directory PGlite runs on; undefined for memory. */
  dataDir?: string | undefined;
  syncWal?: boolean | undefined;
  onClose?: () => void;
}

/** A `Database` over a PGlite instance the caller created (tests use this to dump a prepared one). */
export function wrapPglite(pglite: PGlite, options: WrapOptions = {}): Database {
  const dir = options.dataDir;
  const syncWal =
    dir !== undefined && (options.syncWal ?? true) ? walSyncer(pglite, dir) : async () => undefined;
  let closed = false;

  return {
    driver: 'pglite',
    async query<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<QueryResult<T>> {
      const r = await guarded(() => pglite.query<T>(sql, params as SqlValue[]));
      await guarded(syncWal);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(sql) {
      await guarded(() => pglite.exec(sql));
      await guarded(syncWal);
    },
    async transaction<T>(fn: (tx: Database) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
      // PGlite is one session: transactions never conflict, so there is nothing to retry.
      // What `fn` throws passes unchanged; only PGlite's own BEGIN/COMMIT failures are wrapped.
      const fromFn: { error?: unknown } = {};
      let result: T;
      try {
        result = await pglite.transaction(async (tx) => {
          if (opts.isolation)
            await tx.query(`SET TRANSACTION ISOLATION LEVEL ${ISOLATION_SQL[opts.isolation]}`);
          try {
            return await fn(transactionDatabase('pglite', txSession(tx)));
          } catch (err) {
            fromFn.error = err;
            throw err;
          }
        });
      } catch (err) {
        throw 'error' in fromFn && err === fromFn.error ? err : toDatabaseError(err);
      }
      await guarded(syncWal);
      return result;
    },
    async close() {
      if (closed) return;
      closed = true;
      await guarded(() => pglite.close());
      options.onClose?.();
    },
  };
}
