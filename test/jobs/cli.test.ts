/** `overdracht job NAME [--now ISO]` end to end: the command runs as a process on an embedded database. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessGrants } from '../../src/access/grants.js';
import { openPglite } from '../../src/store/pglite-driver.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { REFERRAL_TASK_CODE } from '../../src/workflow/codes.js';
import { copyMigratedDataDir } from '../store/support/pglite-template.js';
import { demoConfig } from '../support/tokens.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = `${ROOT}node_modules/tsx/dist/cli.mjs`;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('overdracht job', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'overdracht-job-'));
  const dataDir = join(tmp, 'data');

  // The demo configuration on a data directory of the test's own.
  const { OVERDRACHT_CONFIG: _config, DATABASE_URL: _url, ...inherited } = process.env;
  const env = { ...inherited, OVERDRACHT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };

  function overdracht(...args: string[]): Promise<Result> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [TSX, 'src/cli/main.ts', 'job', ...args],
        {
          cwd: ROOT,
          env,
        },
        (err, stdout, stderr) => {
          const code = err && typeof err.code === 'number' ? err.code : err ? -1 : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  beforeAll(async () => {
    await copyMigratedDataDir(dataDir);
    const db = await openPglite({ dataDir });
    const store = new ResourceStore(db, { registry: new SearchParamRegistry() });
    const org = (id: string) =>
      demoConfig.organisations.find((o) => o.id === id)?.identifier ?? { system: '', value: '' };
    await store.create<Task>({
      resourceType: 'Task',
      id: 'waiting',
      status: 'requested',
      intent: 'order',
      code: { coding: [{ ...REFERRAL_TASK_CODE }] },
      authoredOn: '2026-03-02T09:00:00Z',
      lastModified: '2026-03-02T09:00:00Z',
      requester: { identifier: org('gp-de-linde') },
      owner: { identifier: org('ggz-noord') },
    });
    await new AccessGrants(db).add([{ organisation: org('ggz-noord'), reference: 'Task/waiting' }]);
    await db.close();
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('when the watchdog is run with a clock past the agreed days, then it escalates once and says so', async () => {
    const early = await overdracht('handover-watchdog', '--now', '2026-03-05T07:00:00Z');
    expect(early.code).toBe(0);
    expect(JSON.parse(early.stdout)).toMatchObject({ status: 'ok', summary: { checked: 0, escalated: 0 } });
    const late = await overdracht('handover-watchdog', '--now', '2026-03-20T07:00:00Z');
    expect(late.code).toBe(0);
    expect(JSON.parse(late.stdout)).toMatchObject({ status: 'ok', summary: { checked: 1, escalated: 1 } });
    const again = await overdracht('handover-watchdog', '--now', '2026-03-21T07:00:00Z');
    expect(JSON.parse(again.stdout)).toMatchObject({ summary: { escalated: 0 } });
  });

  it('when the job is unknown or the clock unreadable, then exit 2 with the known names', async () => {
    const unknown = await overdracht('no-such-job');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('delivery, handover-watchdog');
    expect((await overdracht('waiting-times', '--now', 'yesterday')).code).toBe(2);
    const list = await overdracht('--list');
    expect(list.stdout).toMatch(/^delivery\t\*\/30 \* \* \* \* \*$/m);
  });
});
