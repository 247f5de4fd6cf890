/**
 * Vitest global setup: a PostgreSQL server for the storage tests of the server driver.
 *
 * - `DATABASE_URL` set: the tests use that server (each test file in a schema of its own).
 * - Otherwise a throw-away cluster from Debian's binaries (`/usr/lib/postgresql/<n>/bin`) on
 *   127.0.0.1 and a free port, fsync off, removed again at the end whatever the outcome.
 * - No binaries: a loud warning and the server-driver suites are skipped; under CI
 *   (`CI=true`) that is an error instead.
 *
 * Tests read the URL with `inject('postgresUrl')` (null when skipped).
 */
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
  }
}

const DEBIAN_PG = '/usr/lib/postgresql';

function findBinDir(): string | undefined {
  if (!existsSync(DEBIAN_PG)) return undefined;
  const versions = readdirSync(DEBIAN_PG)
    .filter((v) => existsSync(join(DEBIAN_PG, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(DEBIAN_PG, versions[0], 'bin');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** initdb and pg_ctl refuse to run as root: as root, run them as the `postgres` user. */
function runPg(bin: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const [command, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(command, argv, { stdio: 'pipe', timeout: 120_000 });
}

function chownToPostgres(dir: string): void {
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
}

function skipLoudly(): void {
  const line = '!'.repeat(78);
  const message = [
    line,
    '!! PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb).',
    '!! The storage tests of the SERVER driver are SKIPPED; only PGlite was tested.',
    '!! Install Debian\'s "postgresql" package or set DATABASE_URL to test both drivers.',
    line,
  ].join('\n');
  console.warn(`\n${message}\n`);
}

export interface Cluster {
  url: string;
  /** The postmaster's pid (its CPU time can be measured with its children). */
  pid?: number;
  stop(): void;
}

export interface ClusterOptions {
  /** Keep PostgreSQL's durable defaults (fsync, full-page writes, synced initdb); tests turn them off. */
  durable?: boolean;
  maxConnections?: number;
}

const PREFIX = 'overdracht-pg-';
const OWNER_FILE = 'owner.pid';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Clusters of earlier runs that were killed outright (SIGKILL skips every teardown): stop and remove them. */
function reapOrphans(bin: string): void {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))) {
    const root = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(root, OWNER_FILE), 'utf8'));
    } catch {
      continue; // Still being set up by another run, or not ours.
    }
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    try {
      runPg(join(bin, 'pg_ctl'), ['stop', '-D', join(root, 'data'), '-m', 'immediate', '-w']);
    } catch {
      // Not running any more.
    }
    rmSync(root, { recursive: true, force: true });
  }
}

/** Starts a throw-away cluster; undefined when the server binaries are not installed. */
export async function startThrowawayCluster(options: ClusterOptions = {}): Promise<Cluster | undefined> {
  const bin = findBinDir();
  if (!bin) return undefined;
  reapOrphans(bin);
  const root = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(root, OWNER_FILE), String(process.pid));
  const data = join(root, 'data');
  let started = false;
  const stop = (): void => {
    process.removeListener('exit', stop);
    try {
      if (started) runPg(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']);
    } catch {
      // Already stopped, or never came up: the directory goes either way.
    }
    started = false;
    rmSync(root, { recursive: true, force: true });
  };
  // The caller stops it; 'exit' covers an interrupted run.
  process.once('exit', stop);
  try {
    chownToPostgres(root);
    runPg(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      ...(options.durable ? [] : ['--no-sync']),
      '--no-instructions',
    ]);
    const port = await freePort();
    const serverOptions = [
      `-p ${String(port)}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${root}'`,
      ...(options.durable ? [] : ['-c fsync=off', '-c full_page_writes=off']),
      `-c max_connections=${String(options.maxConnections ?? 200)}`,
    ].join(' ');
    started = true;
    runPg(join(bin, 'pg_ctl'), [
      'start',
      '-D',
      data,
      '-w',
      '-t',
      '60',
      '-l',
      join(root, 'server.log'),
      '-o',
      serverOptions,
    ]);
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return {
      url: `postgres://postgres@127.0.0.1:${String(port)}/postgres`,
      ...(Number.isInteger(pid) && pid > 0 ? { pid } : {}),
      stop,
    };
  } catch (err) {
    stop();
    throw err;
  }
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.DATABASE_URL;
  if (given) {
    project.provide('postgresUrl', given);
    return undefined;
  }
  const cluster = await startThrowawayCluster();
  if (!cluster) {
    if (process.env.CI === 'true') {
      throw new Error(
        'CI: PostgreSQL server binaries are missing (/usr/lib/postgresql/*/bin); install the postgresql package',
      );
    }
    skipLoudly();
    project.provide('postgresUrl', null);
    return undefined;
  }
  project.provide('postgresUrl', cluster.url);
  return cluster.stop;
}
