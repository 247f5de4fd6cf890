/**
 * `overdracht import` in process against a scratch embedded database: an assessments export is
 * imported for the social team, the same file again adds nothing, bad arguments exit 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { importCommand } from '../../src/cli/import.js';

const dataDir = mkdtempSync(join(tmpdir(), 'overdracht-import-'));
const fixture = join(import.meta.dirname, '..', 'adapters', 'assessments', 'fixtures', 'wijkteam-zrm.csv');

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dataDir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  vi.stubEnv('OVERDRACHT_DATA_DIR', dataDir);
  vi.stubEnv('OVERDRACHT_CONFIG', undefined);
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    return { code: await importCommand.run(args), stderr: lines.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('overdracht import', () => {
  it('when an export is imported twice, then the second run adds nothing, and no BSN or name is printed', async () => {
    const args = ['--from', 'assessments', '--organisation', 'sociaal-team-oost', fixture];
    const first = await run(args);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/2 clients \(2 by BSN, 0 kept apart\), 24 added/);
    const second = await run(args);
    expect(second.stderr).toMatch(/0 added, 27 already held/);
    expect(second.stderr).not.toMatch(/9999\d{5}/);
  }, 60_000);

  it('when the organisation is unknown or the input is missing, then it exits 2 saying why', async () => {
    expect((await run(['--from', 'fhir', '--organisation', 'nobody', fixture])).stderr).toMatch(
      /unknown organisation 'nobody'/,
    );
    const missing = await run(['--from', 'fhir', join(dataDir, 'none.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
  });
});
