/**
 * The indicators job is one of the gateway's jobs: `overdracht serve` schedules it (monthly by
 * default, or by `jobs.schedules.indicators`) and `overdracht job indicators` runs it once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDICATORS_JOB } from '../../src/indicators/index.js';
import { gatewayJobs } from '../../src/jobs/gateway-jobs.js';
import { copyMigratedDataDir } from '../store/support/pglite-template.js';
import { demoConfig } from '../support/tokens.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = `${ROOT}node_modules/tsx/dist/cli.mjs`;

describe('the indicators job in the gateway', () => {
  it('when the gateway lists its jobs, then indicators is there with the monthly default schedule', () => {
    const job = gatewayJobs(demoConfig).find((j) => j.name === INDICATORS_JOB);
    expect(job?.schedule).toBe('30 3 1 * *');
  });

  it('when jobs.schedules names indicators, then that schedule is used', () => {
    const config = {
      ...demoConfig,
      jobs: { ...demoConfig.jobs, schedules: { ...demoConfig.jobs.schedules, indicators: '0 4 2 * *' } },
    };
    expect(gatewayJobs(config).find((j) => j.name === INDICATORS_JOB)?.schedule).toBe('0 4 2 * *');
  });

  describe('overdracht job', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'overdracht-indicators-'));
    const dataDir = join(tmp, 'data');
    const { OVERDRACHT_CONFIG: _config, DATABASE_URL: _url, ...inherited } = process.env;
    const env = { ...inherited, OVERDRACHT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };

    function overdracht(...args: string[]): Promise<{ code: number; stdout: string }> {
      return new Promise((resolve) => {
        execFile(
          process.execPath,
          [TSX, 'src/cli/main.ts', 'job', ...args],
          { cwd: ROOT, env },
          (err, stdout) => {
            const code = err && typeof err.code === 'number' ? err.code : err ? -1 : 0;
            resolve({ code, stdout });
          },
        );
      });
    }

    beforeAll(async () => {
      await copyMigratedDataDir(dataDir);
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it('when the jobs are listed, then indicators is named with its schedule', async () => {
      const list = await overdracht('--list');
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/^indicators\t30 3 1 \* \*$/m);
    });

    it('when indicators is run once on an empty store, then it succeeds and says how many reports', async () => {
      const run = await overdracht('indicators', '--now', '2026-04-01T01:30:00Z');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 'ok', summary: { months: 12 } });
    });
  });
});
