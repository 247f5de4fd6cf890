/**
 * `npm run bench:gateway`: referral intake throughput and latency of the gateway, driven over
 * HTTP from this process (autocannon) while the gateway runs in a process of its own, once on
 * the embedded store (PGlite) and once on a PostgreSQL server; and, as the floor in the same run,
 * a bare express route that parses the same body and answers. Every request is a valid, distinct
 * referral message (its own MessageHeader.id and client), so each is validated and stored.
 * Prints req/s, p50/p99 latency, the time spent in validation, the CPU time per request of the
 * gateway and of the database server, and the ratio to the floor.
 *
 * The floor and the server-driver gateway run twice: as one process, and as N processes sharing
 * the port (node:cluster; `serve --workers N`). The target ratio compares like with like: the
 * gateway with N workers against the floor with N workers.
 *
 *   --duration S      measured seconds per run (default 10; a 2 s warm-up comes first)
 *   --connections N   concurrent connections (default 8)
 *   --workers N       processes of the multi-process runs (default: the cores, at least 2)
 *   --quick           3 s per run (a smoke run)
 *
 * DATABASE_URL names a server to use; without it a throw-away cluster is started when
 * PostgreSQL's binaries are installed, else the server run is skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { readDemoKey } from '../../src/auth/demo-keys.js';
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from '../../src/auth/smart.js';
import { referralMessage } from '../../src/demo/referral.js';
import { freePort, startPostgres } from './postgres.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const FLOOR = join(import.meta.dirname, 'floor.ts');
const TARGET_RATIO = 0.2;

interface Args {
  duration: number;
  connections: number;
  workers: number;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string, fallback: number): number => {
    const i = argv.indexOf(name);
    const n = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} takes a positive number`);
    return n;
  };
  return {
    duration: argv.includes('--quick') ? 3 : value('--duration', 10),
    connections: value('--connections', 8),
    workers: Math.round(value('--workers', Math.max(2, availableParallelism()))),
  };
}

// ----------------------------------------------------------------------------- request bodies

const MESSAGE_SLOT = 'msg-slot-3f9c';
const BSN_SLOT = '123456782';

/** Valid BSNs (9 digits, 11-check), one per client, so every referral is a client of its own. */
function bsns(count: number): string[] {
  const weights = [9, 8, 7, 6, 5, 4, 3, 2, -1];
  const out: string[] = [];
  for (let n = 100_000_000; out.length < count; n++) {
    const digits = String(n);
    if ([...digits].reduce((s, d, i) => s + Number(d) * (weights[i] ?? 0), 0) % 11 === 0) out.push(digits);
  }
  return out;
}

/** A source of distinct referral bodies: the same message with another id and client each time. */
function bodies(): () => string {
  const template = JSON.stringify(referralMessage({ messageId: MESSAGE_SLOT, bsn: BSN_SLOT }));
  const pool = bsns(5000);
  const run = randomUUID().slice(0, 8);
  let n = 0;
  return () => {
    n++;
    return template
      .replaceAll(MESSAGE_SLOT, `bench-${run}-${String(n)}`)
      .replace(BSN_SLOT, pool[n % pool.length] ?? BSN_SLOT);
  };
}

// ----------------------------------------------------------------------------- processes

interface Started {
  child: ChildProcess;
  port: number;
}

/** Starts a process and resolves once its stdout says it listens; its output is drained, never buffered. */
function start(args: string[], env: Record<string, string>, ready: RegExp, port: number): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let head = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      if (head.length < 10_000) head += chunk.toString();
      if (ready.test(head)) resolve({ child, port });
    });
    child.stderr?.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
    child.once('exit', (code) =>
      reject(new Error(`process exited (${String(code)}) before it was ready: ${err}`)),
    );
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Fields of /proc/PID/stat after the command name; undefined where there is no /proc. */
function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ');
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) a process and its live children have used (a cluster's workers,
 * a PostgreSQL server's backends), from /proc; undefined where there is no /proc.
 */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const own = statFields(pid);
  if (!own) return undefined;
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux); the
  // ppid is field 4. cutime and cstime (16, 17) add the children that have exited.
  const ticks = (f: string[]): number => Number(f[11]) + Number(f[12]);
  let total = ticks(own) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && Number(fields[1]) === pid) total += ticks(fields);
  }
  return total / 100;
}

async function accessToken(port: number): Promise<string> {
  const base = `http://localhost:${String(port)}`;
  const assertion = await signClientAssertion(
    'demo-gp',
    readDemoKey('demo-gp'),
    `${base}/auth/token`,
    new Date(),
  );
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      scope: 'system/*.cruds',
    }),
  });
  if (res.status !== 200) throw new Error(`token request failed: ${String(res.status)}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

// ----------------------------------------------------------------------------- measuring

interface Measured {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Mean validation time per accepted referral (ms): one pass over base definitions and profiles, plus shape and gate. */
  validationMsPerRequest?: number;
  /** Validation time as a share of the gateway process's CPU time in the measured window. */
  validationShareOfCpu?: number;
  /** Validation time as a share of the summed request latencies. */
  validationShareOfLatency?: number;
  /** CPU seconds the server process used per second of the measured window (2 = both cores busy). */
  cpuPerSecond?: number;
  /** CPU milliseconds of the server processes (gateway or floor) per answered request. */
  cpuMsPerRequest?: number;
  /** CPU milliseconds of the PostgreSQL server per answered request (a server the bench started). */
  databaseCpuMsPerRequest?: number;
}

async function drive(
  port: number,
  seconds: number,
  connections: number,
  next: () => string,
  token?: string,
): Promise<Result> {
  const headers: Record<string, string> = {
    'content-type': 'application/fhir+json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  return autocannon({
    url: `http://127.0.0.1:${String(port)}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/fhir/$process-message',
        headers,
        setupRequest: (req) => ({ ...req, body: next() }),
      },
    ],
  });
}

const METRIC = (name: string, labels: string): RegExp =>
  new RegExp(`^${name}\\{${labels.replace(/[$]/g, '\\$&')}\\} ([0-9.e+-]+)$`, 'm');

interface Scrape {
  validation: number;
  latency: number;
}

async function scrape(port: number): Promise<Scrape> {
  const text = await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
  const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? 0);
  const stages = ['shape', 'validation', 'gate'].map((s) =>
    value(METRIC('overdracht_validation_duration_seconds_sum', `stage="${s}"`)),
  );
  return {
    validation: stages.reduce((a, b) => a + b, 0),
    latency: value(
      METRIC('overdracht_http_request_duration_seconds_sum', 'method="POST",route="$process-message"'),
    ),
  };
}

function summary(name: string, r: Result): Measured {
  return {
    name,
    requestsPerSecond: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

async function measureFloor(args: Args, workers: number, next: () => string): Promise<Measured> {
  const port = await freePort();
  const floor = await start(['--import', 'tsx', FLOOR, String(port), String(workers)], {}, /listening/, port);
  try {
    await drive(port, 2, args.connections, next);
    const cpuBefore = cpuSeconds(floor.child.pid);
    const result = await drive(port, args.duration, args.connections, next);
    const cpuAfter = cpuSeconds(floor.child.pid);
    const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    const ok = result.requests.total - result.non2xx;
    return {
      ...summary(`floor: bare express route, ${processes(workers)}`, result),
      ...(cpu !== undefined && ok > 0
        ? { cpuPerSecond: cpu / result.duration, cpuMsPerRequest: (cpu / ok) * 1000 }
        : {}),
    };
  } finally {
    await stop(floor.child);
  }
}

function processes(workers: number): string {
  return workers === 1 ? '1 process' : `${String(workers)} processes`;
}

interface GatewayRun {
  name: string;
  env: Record<string, string>;
  workers: number;
  /** The PostgreSQL server's postmaster, whose CPU time is measured too. */
  databasePid?: number;
}

async function measureGateway(run: GatewayRun, args: Args, next: () => string): Promise<Measured> {
  const port = await freePort();
  const gateway = await start(
    [
      '--import',
      'tsx',
      MAIN,
      'serve',
      '--demo',
      ...(run.workers > 1 ? ['--workers', String(run.workers)] : []),
    ],
    { ...run.env, PORT: String(port), LOG_LEVEL: 'warn' },
    /listening on/,
    port,
  );
  try {
    const token = await accessToken(port);
    await drive(port, 2, args.connections, next, token);
    // With several workers, /metrics answers for whichever worker takes the connection: the
    // validation time is read from single-process runs only.
    const before = run.workers === 1 ? await scrape(port) : undefined;
    const cpuBefore = cpuSeconds(gateway.child.pid);
    const dbBefore = cpuSeconds(run.databasePid);
    const result = await drive(port, args.duration, args.connections, next, token);
    const cpuAfter = cpuSeconds(gateway.child.pid);
    const dbAfter = cpuSeconds(run.databasePid);
    const after = run.workers === 1 ? await scrape(port) : undefined;
    const measured = summary(`${run.name}, ${processes(run.workers)}`, result);
    const ok = result.requests.total - result.non2xx;
    const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    const db = dbBefore !== undefined && dbAfter !== undefined ? dbAfter - dbBefore : undefined;
    const validation = before && after ? after.validation - before.validation : undefined;
    return {
      ...measured,
      ...(validation !== undefined && ok > 0 ? { validationMsPerRequest: (validation / ok) * 1000 } : {}),
      ...(validation !== undefined && cpu ? { validationShareOfCpu: validation / cpu } : {}),
      ...(cpu !== undefined ? { cpuPerSecond: cpu / result.duration } : {}),
      ...(cpu !== undefined && ok > 0 ? { cpuMsPerRequest: (cpu / ok) * 1000 } : {}),
      ...(db !== undefined && ok > 0 ? { databaseCpuMsPerRequest: (db / ok) * 1000 } : {}),
      ...(validation !== undefined && before && after && after.latency > before.latency
        ? { validationShareOfLatency: validation / (after.latency - before.latency) }
        : {}),
    };
  } finally {
    await stop(gateway.child);
  }
}

// ----------------------------------------------------------------------------- report

const fixed = (n: number | undefined, digits = 1): string => (n === undefined ? '-' : n.toFixed(digits));
const percent = (n: number | undefined): string => (n === undefined ? '-' : `${(n * 100).toFixed(0)}%`);

function table(rows: readonly Measured[]): string {
  const header = [
    'run',
    'req/s',
    'p50 ms',
    'p99 ms',
    'requests',
    'non-2xx',
    'validation ms/req',
    'validation/CPU',
    'validation/latency',
    'CPU s/s',
    'CPU ms/req',
    'db CPU ms/req',
  ];
  const body = rows.map((r) => [
    r.name,
    fixed(r.requestsPerSecond),
    fixed(r.p50),
    fixed(r.p99),
    String(r.requests),
    String(r.non2xx + r.errors),
    fixed(r.validationMsPerRequest, 2),
    percent(r.validationShareOfCpu),
    percent(r.validationShareOfLatency),
    fixed(r.cpuPerSecond, 2),
    fixed(r.cpuMsPerRequest, 2),
    fixed(r.databaseCpuMsPerRequest, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

/**
 * The CPU a referral may cost for the target to be met: the machine's cores shared by the
 * target's request rate (a fifth of the floor's), against what the server-driver intake used.
 * The load generator runs on the same cores, so the real allowance is smaller still.
 */
function budget(floor: Measured | undefined, server: Measured | undefined): string {
  if (!floor || floor.requestsPerSecond <= 0) return '';
  const cores = availableParallelism();
  const allowed = (cores * 1000) / (TARGET_RATIO * floor.requestsPerSecond);
  const used =
    server?.cpuMsPerRequest !== undefined && server.databaseCpuMsPerRequest !== undefined
      ? `; the server-driver intake used gateway ${fixed(server.cpuMsPerRequest, 2)} + PostgreSQL ${fixed(server.databaseCpuMsPerRequest, 2)} = ${fixed(server.cpuMsPerRequest + server.databaseCpuMsPerRequest, 2)} ms`
      : '';
  return `CPU per referral the target leaves on ${String(cores)} cores: at most ${fixed(allowed, 2)} ms for gateway, database and load generator together${used}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const next = bodies();
  const scratch = mkdtempSync(join(tmpdir(), 'overdracht-bench-gateway-'));
  const postgres = await startPostgres(process.env.DATABASE_URL);
  const rows: Measured[] = [];
  const multi = args.workers > 1;
  try {
    process.stderr.write(
      `${String(args.duration)} s per run, ${String(args.connections)} connections, ${String(args.workers)} workers in the multi-process runs\n`,
    );
    rows.push(await measureFloor(args, 1, next));
    if (multi) rows.push(await measureFloor(args, args.workers, next));
    const embedded = { OVERDRACHT_DATA_DIR: join(scratch, 'data') };
    rows.push(
      await measureGateway({ name: 'gateway: embedded (PGlite)', env: embedded, workers: 1 }, args, next),
    );
    if (postgres) {
      const server = {
        name: 'gateway: PostgreSQL server',
        env: { DATABASE_URL: postgres.url },
        ...(postgres.pid ? { databasePid: postgres.pid } : {}),
      };
      rows.push(await measureGateway({ ...server, workers: 1 }, args, next));
      if (multi) rows.push(await measureGateway({ ...server, workers: args.workers }, args, next));
    } else
      process.stderr.write(
        '!! no PostgreSQL server (set DATABASE_URL or install postgresql): the server run is skipped\n',
      );
  } finally {
    postgres?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  const find = (prefix: string, workers: number): Measured | undefined =>
    rows.find((r) => r.name.startsWith(prefix) && r.name.endsWith(`, ${processes(workers)}`));
  const ratio = (r: Measured | undefined, floor: Measured | undefined): string =>
    r && floor && floor.requestsPerSecond > 0
      ? (r.requestsPerSecond / floor.requestsPerSecond).toFixed(3)
      : '-';
  const floor1 = find('floor', 1);
  const floorN = find('floor', args.workers);
  const serverN = find('gateway: PostgreSQL', args.workers);
  process.stdout.write(`${table(rows)}\n\n`);
  process.stdout.write(
    [
      `intake / floor throughput, ${processes(args.workers)} on both sides (the target ratio): server ${ratio(serverN, floorN)} (target >= ${String(TARGET_RATIO)})`,
      `intake / floor throughput, 1 process on both sides: server ${ratio(find('gateway: PostgreSQL', 1), floor1)}, embedded ${ratio(find('gateway: embedded', 1), floor1)}`,
      budget(floorN, serverN),
      '',
    ].join('\n'),
  );
  const out = join(ROOT, '.cache');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'bench-gateway.json'),
    `${JSON.stringify({ date: new Date().toISOString(), args, rows }, null, 2)}\n`,
  );
}

await main();
