/**
 * `overdracht serve [--demo] [--workers N]`: starts the validation gateway on PORT with the
 * configured store, the profile package and the terminology, prints how to call it, and stops
 * cleanly on SIGTERM or SIGINT (no new connections, open requests finish, the database is closed).
 *
 * With `--workers N` (a PostgreSQL server only), N gateway processes share the port through
 * node:cluster: the primary applies the migrations, starts the workers, restarts one that dies,
 * and passes a stop signal on to all of them. The embedded database belongs to one process.
 */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { assertNoDemoKeysOutsideDemo } from '../auth/demo-keys.js';
import { hasConfigFile, loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { createLogger, type Logger } from '../observability/logger.js';
import type { CliCommand } from './commands.js';

const USAGE = `overdracht serve [--demo] [--workers N]

  --demo         the demo configuration (config/demo.yaml, public demo keys) and demo data on an
                 empty database; also the default when OVERDRACHT_CONFIG names no configuration
  --workers N    N gateway processes sharing PORT (default 1); needs a PostgreSQL server
                 (DATABASE_URL). In production, one per core the gateway may use, with the
                 database on a machine of its own; each worker keeps a pool of 10 connections

Environment: PORT (default 8080), OVERDRACHT_DATA_DIR (embedded database, default ./data),
DATABASE_URL (a PostgreSQL server instead), OVERDRACHT_BASE_URL, OVERDRACHT_BODY_LIMIT, LOG_LEVEL.`;

function storageText(config: Config): string {
  return config.storage.driver === 'pg'
    ? 'PostgreSQL server (DATABASE_URL)'
    : `embedded database in ${config.storage.dataDir}`;
}

function howToCall(config: Config, workers: number): string {
  const base = config.baseUrl.replace(/\/$/, '');
  const processes = workers > 1 ? `, ${String(workers)} worker processes` : '';
  const lines = [
    `overdracht gateway listening on ${base} (${storageText(config)}${processes}${config.demo ? ', demo configuration' : ''})`,
    '',
    `  curl ${base}/fhir/metadata`,
  ];
  if (config.demo) {
    lines.push(
      '  TOKEN=$(npx overdracht token --client demo-gp)',
      `  curl -X POST ${base}/fhir/\\$process-message -H "Authorization: Bearer $TOKEN" \\`,
      "       -H 'Content-Type: application/fhir+json' --data-binary @examples/referral-message.json",
      '  TOKEN=$(npx overdracht token --client demo-ggz)',
      `  curl "${base}/fhir/Task?status=requested" -H "Authorization: Bearer $TOKEN"`,
    );
  }
  return `${lines.join('\n')}\n\n`;
}

function listen(app: Express, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

/** `--workers N`: a whole number from 1; undefined when the value is unusable. */
export function parseWorkers(args: readonly string[]): number | undefined {
  const i = args.indexOf('--workers');
  if (i < 0) return 1;
  const value = args[i + 1] ?? '';
  return /^[1-9]\d{0,2}$/.test(value) ? Number(value) : undefined;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Start the validation gateway (FHIR R4 API on PORT, default 8080)',
  usage: USAGE,
  async run(args) {
    const workers = parseWorkers(args);
    if (workers === undefined) {
      process.stderr.write('overdracht serve: --workers takes a whole number from 1 to 999\n');
      return 2;
    }
    const demo = args.includes('--demo') || !hasConfigFile();
    if (!args.includes('--demo') && demo && !cluster.isWorker)
      process.stderr.write('overdracht serve: no OVERDRACHT_CONFIG; running the demo configuration\n');
    const config = loadConfig({ demo });
    if (workers > 1 && config.storage.driver !== 'pg') {
      process.stderr.write(
        'overdracht serve: --workers needs a PostgreSQL server (DATABASE_URL); the embedded database belongs to one process\n',
      );
      return 2;
    }
    await assertNoDemoKeysOutsideDemo(config);
    const logger = createLogger(config.log.level);
    if (cluster.isWorker) {
      try {
        return await serveOne(config, logger, { announce: false, seed: cluster.worker?.id === 1 });
      } finally {
        // The channel to the primary would keep a stopped (or failed) worker alive.
        cluster.worker?.disconnect();
      }
    }
    if (workers > 1) return superviseWorkers(config, logger, workers);
    return serveOne(config, logger, { announce: true, seed: true });
  },
};

/** One gateway process: builds the gateway, listens, and stops on SIGTERM or SIGINT. */
async function serveOne(
  config: Config,
  logger: Logger,
  options: { announce: boolean; seed: boolean },
): Promise<number> {
  // Loaded here so that other commands do not pay for the validator and the store.
  const { createGateway } = await import('../gateway/index.js');
  const { seedDemoData } = await import('../gateway/demo-data.js');
  const gateway = await createGateway(config, { logger });
  if (config.demo && options.seed) {
    const seeded = await seedDemoData(gateway);
    if (seeded > 0) logger.info('demo.seeded', { referrals: seeded });
  }
  const server = await listen(gateway.app, config.port);
  if (options.announce) process.stdout.write(howToCall(config, 1));
  logger.info('gateway.started', { port: config.port, driver: gateway.db.driver });
  // The scheduled jobs (src/jobs): every instance schedules them, one runs each turn.
  const { startGatewayJobs } = await import('../jobs/start.js');
  const jobs = startGatewayJobs(gateway, logger);
  const { startMllp, stopMllp } = await import('./mllp.js');
  const mllp = await startMllp(config, gateway, logger);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      // The primary passes a signal on that the worker may have had from the terminal too.
      if (stopping) return;
      stopping = true;
      logger.info('gateway.stopping', { signal });
      server.close(() => resolve());
      server.closeIdleConnections();
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  // A job run in progress ends before the database closes (25 s at most, within a usual 30 s grace period).
  await jobs?.stopAndWait(25_000);
  await stopMllp(mllp);
  await gateway.close();
  logger.info('gateway.stopped', {});
  return 0;
}

/**
 * The primary of `--workers N`: migrations and index rows once, then N workers on the shared
 * port; says it listens when all of them do, restarts a worker that dies, and stops them all on
 * a signal.
 */
async function superviseWorkers(config: Config, logger: Logger, count: number): Promise<number> {
  const { openDatabase } = await import('../store/open.js');
  const { prepareIndexes } = await import('../gateway/index.js');
  const { gatewayRegistry } = await import('../gateway/search-params.js');
  const db = await openDatabase(config.storage);
  try {
    // Before the workers start, so that they find the index rows in step with this build.
    await prepareIndexes(db, gatewayRegistry(), logger);
  } finally {
    await db.close();
  }
  let stopping = false;
  let failed = false;
  let listening = 0;
  let live = 0;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('gateway.stopping', { signal, workers: count });
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  const fork = (): void => {
    live++;
    cluster.fork();
  };
  const exited = new Promise<void>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      live--;
      if (!stopping && listening < count) {
        // A worker that cannot start (the port taken, the database away) would fail again.
        logger.error('gateway.worker.failed', { worker: worker.id, code, signal });
        failed = true;
        stop('worker-failed');
      } else if (!stopping) {
        logger.warn('gateway.worker.died', { worker: worker.id, code, signal });
        fork();
      }
      if (stopping && live === 0) resolve();
    });
  });
  cluster.on('listening', () => {
    listening++;
    if (listening === count) {
      process.stdout.write(howToCall(config, count));
      logger.info('gateway.started', { port: config.port, driver: config.storage.driver, workers: count });
    }
  });
  for (let i = 0; i < count; i++) fork();
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await exited;
  logger.info('gateway.stopped', { workers: count });
  return failed ? 1 : 0;
}
