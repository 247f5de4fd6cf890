/**
 * A PostgreSQL server for the benchmark: DATABASE_URL when set, else a throw-away cluster from
 * Debian's binaries (removed at the end), else none (the server-driver run is skipped, loudly).
 * Unlike the test cluster, this one keeps PostgreSQL's durable defaults (fsync on).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEBIAN_PG = '/usr/lib/postgresql';

export interface PostgresServer {
  url: string;
  /** The postmaster's pid, when the server is ours (its CPU time is measured with its children). */
  pid?: number;
  stop(): void;
}

function binDir(): string | undefined {
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
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** initdb and pg_ctl refuse to run as root: as root, they run as the `postgres` user. */
function runPg(bin: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  const [command, argv] = root ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(command, argv, { stdio: 'pipe', timeout: 120_000 });
}

export async function startPostgres(given: string | undefined): Promise<PostgresServer | undefined> {
  if (given) return { url: given, stop: () => undefined };
  const bin = binDir();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'overdracht-bench-pg-'));
  if (process.getuid?.() === 0) {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  runPg(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-instructions',
  ]);
  const options = [
    `-p ${String(port)}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${dir}'`,
    '-c max_connections=50',
  ].join(' ');
  runPg(join(bin, 'pg_ctl'), [
    'start',
    '-D',
    data,
    '-w',
    '-t',
    '60',
    '-l',
    join(dir, 'server.log'),
    '-o',
    options,
  ]);
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url: `postgres://postgres@127.0.0.1:${String(port)}/postgres`,
    ...(Number.isInteger(pid) && pid > 0 ? { pid } : {}),
    stop() {
      try {
        runPg(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '120']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
