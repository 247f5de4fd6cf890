/**
 * `overdracht serve [--demo]`: starts the validation gateway on PORT with the configured store,
 * the profile package and the terminology, prints how to call it, and stops cleanly on SIGTERM
 * or SIGINT (no new connections, open requests finish, the database is closed).
 */
import type { Server } from 'node:http';
import type { Express } from 'express';
import { assertNoDemoKeysOutsideDemo } from '../auth/demo-keys.js';
import { hasConfigFile, loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { createLogger } from '../observability/logger.js';
import type { CliCommand } from './commands.js';

const USAGE = `overdracht serve [--demo]

  --demo   the demo configuration (config/demo.yaml, public demo keys) and demo data on an
           empty database; also the default when OVERDRACHT_CONFIG names no configuration

Environment: PORT (default 8080), OVERDRACHT_DATA_DIR (embedded database, default ./data),
DATABASE_URL (a PostgreSQL server instead), OVERDRACHT_BASE_URL, OVERDRACHT_BODY_LIMIT, LOG_LEVEL.`;

function storageText(config: Config): string {
  return config.storage.driver === 'pg'
    ? 'PostgreSQL server (DATABASE_URL)'
    : `embedded database in ${config.storage.dataDir}`;
}

function howToCall(config: Config): string {
  const base = config.baseUrl.replace(/\/$/, '');
  const lines = [
    `overdracht gateway listening on ${base} (${storageText(config)}${config.demo ? ', demo configuration' : ''})`,
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

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Start the validation gateway (FHIR R4 API on PORT, default 8080)',
  usage: USAGE,
  async run(args) {
    const demo = args.includes('--demo') || !hasConfigFile();
    if (!args.includes('--demo') && demo)
      process.stderr.write('overdracht serve: no OVERDRACHT_CONFIG; running the demo configuration\n');
    const config = loadConfig({ demo });
    await assertNoDemoKeysOutsideDemo(config);
    const logger = createLogger(config.log.level);
    // Loaded here so that other commands do not pay for the validator and the store.
    const { createGateway } = await import('../gateway/index.js');
    const { seedDemoData } = await import('../gateway/demo-data.js');
    const gateway = await createGateway(config, { logger });
    if (config.demo) {
      const seeded = await seedDemoData(gateway);
      if (seeded > 0) logger.info('demo.seeded', { referrals: seeded });
    }
    const server = await listen(gateway.app, config.port);
    process.stdout.write(howToCall(config));
    logger.info('gateway.started', { port: config.port, driver: gateway.db.driver });
    // The scheduled jobs (src/jobs): every instance schedules them, one runs each turn.
    const { startGatewayJobs } = await import('../jobs/start.js');
    const jobs = startGatewayJobs(gateway, logger);
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        logger.info('gateway.stopping', { signal });
        server.close(() => resolve());
        server.closeIdleConnections();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    jobs?.stop();
    await gateway.close();
    logger.info('gateway.stopped', {});
    return 0;
  },
};
