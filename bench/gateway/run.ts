/**
 * `npm run bench:gateway`: referral intake throughput and latency of the gateway, driven over
 * HTTP from this process (autocannon) while the gateway runs in a process of its own, once on
 * the embedded store (PGlite) and once on a PostgreSQL server; and, as the floor in the same run,
 * a bare express route that parses the same body and answers. Every request is a valid, distinct
 * referral message (its own MessageHeader.id and client), so each is validated and stored.
 * Prints req/s, p50/p99 latency, the time spent in validation, and the ratio to the floor.
 *
 *   --duration S      measured seconds per run (default 10; a 2 s warm-up comes first)
 *   --connections N   concurrent connections (default 8)
 *   --quick           3 s per run (a smoke run)
 *
 * DATABASE_URL names a server to use; without it a throw-away cluster is started when
 * PostgreSQL's binaries are installed, else the server run is skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** CPU seconds (user + system) a process has used, from /proc; undefined where there is no /proc. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields =
      readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
        .split(') ')[1]
        ?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
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

async function measureFloor(args: Args, next: () => string): Promise<Measured> {
  const port = await freePort();
  const floor = await start(['--import', 'tsx', FLOOR, String(port)], {}, /listening/, port);
  try {
    await drive(port, 2, args.connections, next);
    return summary(
      'floor: bare express route, JSON parse',
      await drive(port, args.duration, args.connections, next),
    );
  } finally {
    await stop(floor.child);
  }
}

async function measureGateway(
  name: string,
  env: Record<string, string>,
  args: Args,
  next: () => string,
): Promise<Measured> {
  const port = await freePort();
  const gateway = await start(
    ['--import', 'tsx', MAIN, 'serve', '--demo'],
    { ...env, PORT: String(port), LOG_LEVEL: 'warn' },
    /listening on/,
    port,
  );
  try {
    const token = await accessToken(port);
    await drive(port, 2, args.connections, next, token);
    const before = await scrape(port);
    const cpuBefore = cpuSeconds(gateway.child.pid);
    const result = await drive(port, args.duration, args.connections, next, token);
    const cpuAfter = cpuSeconds(gateway.child.pid);
    const after = await scrape(port);
    const measured = summary(name, result);
    const validation = after.validation - before.validation;
    const ok = result.requests.total - result.non2xx;
    const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    return {
      ...measured,
      ...(ok > 0 ? { validationMsPerRequest: (validation / ok) * 1000 } : {}),
      ...(cpu ? { validationShareOfCpu: validation / cpu, cpuPerSecond: cpu / result.duration } : {}),
      ...(after.latency > before.latency
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
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const next = bodies();
  const scratch = mkdtempSync(join(tmpdir(), 'overdracht-bench-gateway-'));
  const postgres = await startPostgres(process.env.DATABASE_URL);
  const rows: Measured[] = [];
  try {
    process.stderr.write(`${String(args.duration)} s per run, ${String(args.connections)} connections\n`);
    rows.push(await measureFloor(args, next));
    rows.push(
      await measureGateway(
        'gateway: embedded store (PGlite)',
        { OVERDRACHT_DATA_DIR: join(scratch, 'data') },
        args,
        next,
      ),
    );
    if (postgres)
      rows.push(
        await measureGateway('gateway: PostgreSQL server', { DATABASE_URL: postgres.url }, args, next),
      );
    else
      process.stderr.write(
        '!! no PostgreSQL server (set DATABASE_URL or install postgresql): the server run is skipped\n',
      );
  } finally {
    postgres?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  const floor = rows[0]?.requestsPerSecond ?? 0;
  const server = rows.find((r) => r.name.includes('PostgreSQL'));
  const embedded = rows.find((r) => r.name.includes('PGlite'));
  const ratio = (r: Measured | undefined): string =>
    r && floor > 0 ? (r.requestsPerSecond / floor).toFixed(3) : '-';
  process.stdout.write(`${table(rows)}\n\n`);
  process.stdout.write(
    `intake / floor throughput: server ${ratio(server)}, embedded ${ratio(embedded)} (target: server >= ${String(TARGET_RATIO)})\n`,
  );
  const out = join(ROOT, '.cache');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'bench-gateway.json'),
    `${JSON.stringify({ date: new Date().toISOString(), args, rows }, null, 2)}\n`,
  );
}

await main();
