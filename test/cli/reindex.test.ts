/** `overdracht reindex`: arguments, and a run on the configured (here: in-memory) database. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reindexCommand } from '../../src/cli/reindex.js';

function capture(): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  return { out: () => out, err: () => err };
}

describe('overdracht reindex', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('when a type is not stored, then it says which and exits 2', async () => {
    const io = capture();
    expect(await reindexCommand.run(['--demo', 'Nonsense'])).toBe(2);
    expect(io.err()).toMatch(/not a stored type: Nonsense/);
  });

  it('when an option is unknown, then the usage is shown and it exits 2', async () => {
    const io = capture();
    expect(await reindexCommand.run(['--all'])).toBe(2);
    expect(io.err()).toMatch(/overdracht reindex \[TYPE/);
  });

  it('when run on a database, then it prints the resources rewritten per type', async () => {
    vi.stubEnv('OVERDRACHT_DATA_DIR', 'memory://');
    vi.stubEnv('DATABASE_URL', '');
    const io = capture();
    expect(await reindexCommand.run(['--demo', 'Patient', 'Task'])).toBe(0);
    expect(JSON.parse(io.out())).toEqual({ resources: { Patient: 0, Task: 0 }, rows: 0 });
  });
});
