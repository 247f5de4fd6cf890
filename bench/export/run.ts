/**
 * `npm run bench:export`: NDJSON export throughput with the PostgreSQL driver, against
 * PostgreSQL's own `COPY (SELECT ...) TO STDOUT` of the same rows as the floor, in the same run.
 *
 * - The store is filled with generated clients, ten resources each (Patient, ServiceRequest,
 *   Task, Composition, Consent, Condition, three Observations, an EpisodeOfCare), 1 kB on
 *   average, in steps (25,000, 50,000, 100,000 resources by default).
 * - At each step: the floor (COPY of every current resource's JSON, ordered as the export reads
 *   them) and the export itself as the gateway runs it (keyset pages, JSON.parse, pseudonymise
 *   with the demo platform's policy and key, NDJSON parts written to the job's files), twice: with
 *   the page step on the main thread and in the page worker, which is started once before the
 *   rounds as the export service starts it in the gateway; each the median of `ROUNDS` runs; peak
 *   heap (main thread and worker) and RSS (the process, all threads) during the export.
 * - Memory that stays flat as the export grows shows as the same peak at every step.
 *
 * Server: DATABASE_URL when set (a schema of its own), else a throw-away cluster.
 * Usage: npm run bench:export [-- --steps 25000,50000,100000 --rounds 3]
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { projectRoot } from '../../src/config/load.js';
import { ExportJobStore } from '../../src/export/job-store.js';
import { codeSystemDisplays, readDemoKeyRing, readPolicyFile } from '../../src/export/pseudonymise/index.js';
import { PageWorker } from '../../src/export/page-workers.js';
import { runExport, type Recipient } from '../../src/export/run.js';
import { StoreExportSource } from '../../src/export/source.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Database } from '../../src/store/database.js';
import { openDatabase } from '../../src/store/open.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { createTerminologyService } from '../../src/terminology/service.js';
import { GATEWAY_TYPES } from '../../src/gateway/index.js';
import { startPostgres } from '../gateway/postgres.js';
import { clientResources, RESOURCES_PER_CLIENT } from './data.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const STEPS = arg('steps', '25000,50000,100000').split(',').map(Number);
const ROUNDS = Number(arg('rounds', '5'));
const BATCH = 500;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};
/** The median and, in brackets, the lowest and highest of the rounds. */
const spread = (xs: number[], digits = 0): string =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function seed(db: Database, fromClient: number, toClient: number): Promise<void> {
  for (let start = fromClient; start < toClient; start += BATCH / RESOURCES_PER_CLIENT) {
    const batch = [];
    for (let c = start; c < Math.min(toClient, start + BATCH / RESOURCES_PER_CLIENT); c++)
      batch.push(...clientResources(c));
    await db.query(
      `INSERT INTO resource (resource_type, id, version, last_updated, content)
       SELECT r->>'resourceType', r->>'id', 1, now(), r FROM jsonb_array_elements($1::jsonb) r`,
      [JSON.stringify(batch)],
    );
  }
  await db.query('ANALYZE resource');
}

/** The floor: PostgreSQL writes the same rows as text, as fast as it can. */
async function copyFloor(url: string): Promise<{ seconds: number; rows: number; bytes: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const start = performance.now();
    const stream = client.query(
      copyTo('COPY (SELECT content FROM resource WHERE NOT deleted ORDER BY resource_type, id) TO STDOUT'),
    );
    let bytes = 0;
    let rows = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) rows++;
    }
    return { seconds: (performance.now() - start) / 1000, rows, bytes };
  } finally {
    await client.end();
  }
}

interface ExportRun {
  seconds: number;
  resources: number;
  peakHeap: number;
  peakRss: number;
}

/**
 * One export. With `retained`, a full GC runs every 250 ms and the heap is sampled right after it:
 * what the export holds, not the garbage V8 has yet to collect (that run is not timed).
 */
async function exportOnce(
  db: Database,
  recipient: Recipient,
  displayOf: (s: string, c: string) => string | undefined,
  pageWorker: PageWorker | undefined,
  retained = false,
): Promise<ExportRun> {
  const jobs = new ExportJobStore(db);
  const source = new StoreExportSource(db, new SearchParamRegistry(GATEWAY_TYPES));
  const id = randomUUID();
  await jobs.create({
    id,
    clientId: 'bench',
    recipient: recipient.id,
    request: { level: 'system', url: 'bench' },
    transactionTime: new Date(),
    keyId: recipient.policy.key.id,
    series: recipient.policy.key.series,
  });
  (globalThis as { gc?: () => void }).gc?.();
  let peakHeap = 0;
  let peakRss = 0;
  // The worker's heap, sampled every 100 ms (each sample interrupts it); RSS covers all threads.
  let workerHeap = (await pageWorker?.heapUsed()) ?? 0;
  const workerTimer = setInterval(() => {
    void pageWorker?.heapUsed().then((h) => (workerHeap = h ?? workerHeap));
  }, 100);
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed + (retained ? 0 : workerHeap));
    peakRss = Math.max(peakRss, m.rss);
  };
  sample();
  const gc = (globalThis as { gc?: () => void }).gc;
  const timer = retained
    ? setInterval(() => {
        gc?.();
        sample();
      }, 250)
    : setInterval(sample, 10);
  const start = performance.now();
  const result = await runExport(id, {
    jobs,
    source,
    members: async () => [],
    recipients: new Map([[recipient.id, recipient]]),
    groups: new Map(),
    displayOf,
    ...(pageWorker ? { pageWorker } : {}),
    logger: createLogger('error', () => undefined),
    owner: 'bench',
  });
  const seconds = (performance.now() - start) / 1000;
  clearInterval(timer);
  clearInterval(workerTimer);
  sample();
  if (result !== 'completed') throw new Error(`export ended ${result}`);
  const job = await jobs.get(id);
  const resources = (job?.output?.output ?? []).reduce((n, f) => n + f.count, 0);
  await jobs.cancel(id);
  return { seconds, resources, peakHeap, peakRss };
}

async function main(): Promise<void> {
  const server = await startPostgres(process.env.DATABASE_URL);
  if (!server) {
    console.error(
      'bench:export needs PostgreSQL: set DATABASE_URL or install the server binaries (/usr/lib/postgresql)',
    );
    process.exit(1);
  }
  const schema = `bench_export_${String(process.pid)}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = `${server.url}${server.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const db = await openDatabase({ driver: 'pg', url });
  try {
    const policy = readPolicyFile(
      join(projectRoot(), 'config', 'export-policies', 'regioplatform-noord.yaml'),
    );
    const recipient: Recipient = {
      id: policy.recipient,
      clientId: 'bench',
      policy,
      keys: readDemoKeyRing('demo-platform-pseudonym'),
    };
    const terminology = createTerminologyService();
    const displayOf = codeSystemDisplays((u) => terminology.getCodeSystem(u));
    console.log(
      `bench:export - PostgreSQL ${server.pid ? 'throw-away cluster' : 'server from DATABASE_URL'}, ${String(ROUNDS)} rounds per figure (median), node ${process.version}`,
    );
    console.log('');
    // The page worker starts once, before the rounds, as the export service starts it in the gateway.
    const startedAt = performance.now();
    const pageWorker = PageWorker.start(
      { displays: true },
      createLogger('error', () => undefined),
    );
    if (!(await pageWorker.ready())) throw new Error('the page worker did not start');
    console.log(
      `page worker started in ${(performance.now() - startedAt).toFixed(0)} ms (R4 definitions, terminology), outside the rounds`,
    );
    console.log('');
    console.log(
      '| resources | page step | COPY floor (res/s) | export, pseudonymised (res/s) | export / floor (per round) | peak heap, main + worker (sampled) | peak RSS (process) | peak retained heap, main (after GC) |',
    );
    console.log(
      '| --------- | --------- | ------------------ | ----------------------------- | -------------------------- | ---------------------------------- | ------------------ | ----------------------------------- |',
    );
    const variants = [
      { name: 'main thread', worker: undefined },
      { name: 'worker', worker: pageWorker },
    ] as const;
    try {
      let clients = 0;
      // One warm-up export each on a small set, so the first step does not pay for compilation.
      await seed(db, 0, 100);
      clients = 100;
      for (const v of variants) await exportOnce(db, recipient, displayOf, v.worker);
      for (const step of STEPS) {
        const target = Math.ceil(step / RESOURCES_PER_CLIENT);
        await seed(db, clients, target);
        clients = target;
        const floors: number[] = [];
        const runs = variants.map(() => [] as ExportRun[]);
        // Floor and the two exports take turns, and which goes first rotates from round to round,
        // so that a burst of load from elsewhere falls on all alike; each round gives its own ratios.
        for (let r = 0; r < ROUNDS; r++) {
          for (let k = 0; k < 3; k++) {
            const which = (r + k) % 3;
            const v = variants[which - 1];
            if (!v) {
              const f = await copyFloor(url);
              floors.push(f.rows / f.seconds);
            } else runs[which - 1]?.push(await exportOnce(db, recipient, displayOf, v.worker));
          }
        }
        const resources = clients * RESOURCES_PER_CLIENT;
        for (const [i, v] of variants.entries()) {
          const exports = runs[i] ?? [];
          if (exports.some((e) => e.resources !== resources)) throw new Error('an export left resources out');
          const rates = exports.map((e) => e.resources / e.seconds);
          const ratios = rates.map((rate, j) => rate / (floors[j] ?? rate));
          const retained = await exportOnce(db, recipient, displayOf, v.worker, true);
          console.log(
            `| ${String(resources)} | ${v.name} | ${spread(floors)} | ${spread(rates)} | ${spread(ratios, 2)} | ${mb(Math.max(...exports.map((e) => e.peakHeap)))} | ${mb(Math.max(...exports.map((e) => e.peakRss)))} | ${mb(retained.peakHeap)} |`,
          );
        }
      }
    } finally {
      await pageWorker.close();
    }
    console.log('');
    console.log(
      `Median of ${String(ROUNDS)} rounds (lowest-highest in brackets); every export wrote all resources. Target: export / floor >= 0.33 (a third of COPY) with pseudonymisation on; retained heap flat across steps.`,
    );
  } finally {
    await db.close();
    if (!server.pid) {
      const admin2 = new pg.Client({ connectionString: server.url });
      await admin2.connect();
      await admin2.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin2.end();
    }
    server.stop();
  }
}

await main();
