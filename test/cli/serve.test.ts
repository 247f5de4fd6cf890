/** `overdracht serve` outside demo mode refuses the public demo keys before it opens anything. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serveCommand } from '../../src/cli/serve.js';
import { projectRoot } from '../../src/config/load.js';

const scratch = mkdtempSync(join(tmpdir(), 'overdracht-serve-'));
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(scratch, { recursive: true, force: true });
});

describe('serve', () => {
  it('when a configuration outside demo mode uses the demo keys, then the gateway refuses to start, naming the key', async () => {
    const demo = readFileSync(join(projectRoot(), 'config', 'demo.yaml'), 'utf8');
    const file = join(scratch, 'production.yaml');
    writeFileSync(
      file,
      demo
        .replace('demo: true', 'demo: false')
        .replaceAll('demo-keys/', `${join(projectRoot(), 'config', 'demo-keys')}/`),
    );
    vi.stubEnv('OVERDRACHT_CONFIG', file);
    vi.stubEnv('OVERDRACHT_DATA_DIR', join(scratch, 'data'));
    await expect(serveCommand.run([])).rejects.toThrow(/auth\.signingKey: this is a public demo key/);
  });
});
