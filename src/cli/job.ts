/**
 * `overdracht job NAME [--now ISO]`: runs one scheduled job once, now, under the same lock as
 * the scheduled runs (a job another instance is running is skipped), against the configured
 * database. `--now` sets the job's clock (operators re-running a day, tests). `--list` names the
 * jobs and their schedules. Prints the result as one JSON line: status and summary counts.
 * Exit status 0 ok, 1 failed, 3 skipped because another instance holds the job, 2 bad arguments.
 */
import { assertNoDemoKeysOutsideDemo } from '../auth/demo-keys.js';
import { hasConfigFile, loadConfig } from '../config/load.js';
import { createLogger } from '../observability/logger.js';
import type { CliCommand } from './commands.js';

const USAGE = `overdracht job NAME [--now ISO] [--demo]
overdracht job --list

  NAME        delivery, handover-watchdog, transition-preparation, youth-interruptions,
              waiting-times, retention, import, indicators
  --now ISO   the job's clock, e.g. 2026-03-02T07:00:00Z (default: the current time)
  --demo      the demo configuration; also the default when OVERDRACHT_CONFIG names none

Environment as for serve: OVERDRACHT_CONFIG, OVERDRACHT_DATA_DIR, DATABASE_URL, LOG_LEVEL.
Exit status: 0 ok, 1 failed, 3 skipped (another instance is running it), 2 bad arguments.`;

function option(args: readonly string[], name: string): string | undefined | false {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  return value && !value.startsWith('--') ? value : false;
}

export const jobCommand: CliCommand = {
  name: 'job',
  summary: 'Run one scheduled job once (delivery, handover-watchdog, waiting-times, retention, ...)',
  usage: USAGE,
  async run(args) {
    const demo = args.includes('--demo') || !hasConfigFile();
    const config = loadConfig({ demo });
    const { gatewayJobs } = await import('../jobs/gateway-jobs.js');
    const jobs = gatewayJobs(config);
    if (args.includes('--list')) {
      for (const j of jobs) process.stdout.write(`${j.name}\t${j.schedule}\n`);
      return 0;
    }
    const name = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--now');
    const nowText = option(args, '--now');
    const now = typeof nowText === 'string' ? new Date(nowText) : new Date();
    if (!name || nowText === false || Number.isNaN(now.getTime())) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    if (!jobs.some((j) => j.name === name)) {
      process.stderr.write(
        `overdracht job: no job '${name}'; there are ${jobs.map((j) => j.name).join(', ')}\n`,
      );
      return 2;
    }
    await assertNoDemoKeysOutsideDemo(config);
    const logger = createLogger(config.log.level, (line) => void process.stderr.write(`${line}\n`));
    const { openDatabase } = await import('../store/open.js');
    const { gatewayJobRunner } = await import('../jobs/start.js');
    const { createMetrics } = await import('../observability/metrics.js');
    const db = await openDatabase(config.storage);
    try {
      const endpoint = `${config.baseUrl.replace(/\/$/, '')}/fhir`;
      const runner = gatewayJobRunner({ config, db, endpoint, metrics: createMetrics() }, logger, {
        now: () => now,
        owner: `cli:${String(process.pid)}`,
      });
      const result = await runner.runOnce(name);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      if (result.status === 'ok') return 0;
      if (result.status === 'skipped') return 3;
      return result.status === 'failed' ? 1 : 2;
    } finally {
      await db.close();
    }
  },
};
