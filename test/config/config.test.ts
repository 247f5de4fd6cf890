import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('when started in demo mode without environment, then the embedded store and port 8080 are used', () => {
    const c = loadConfig({ demo: true, env: {} });
    expect(c.demo).toBe(true);
    expect(c.port).toBe(8080);
    expect(c.storage).toEqual({ driver: 'pglite', dataDir: './data' });
    expect(c.clients.map((x) => x.id)).toContain('demo-gp');
  });

  it('when DATABASE_URL is set, then the server driver is used', () => {
    const c = loadConfig({ demo: true, env: { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' } });
    expect(c.storage).toEqual({ driver: 'pg', url: 'postgres://u@127.0.0.1:5432/db' });
  });

  it('when OVERDRACHT_DATA_DIR is set, then the embedded store uses it', () => {
    expect(loadConfig({ demo: true, env: { OVERDRACHT_DATA_DIR: '/var/lib/x' } }).storage).toEqual({
      driver: 'pglite',
      dataDir: '/var/lib/x',
    });
  });

  it('when PORT is not a number, then the error names the key', () => {
    expect(errorOf(() => loadConfig({ demo: true, env: { PORT: 'abc' } }))).toMatch(
      /^invalid configuration:\n\s+port: /,
    );
  });

  it('when no signing key is configured, then the error names auth', () => {
    expect(errorOf(() => loadConfig({ env: {} }))).toMatch(/auth: is required/);
  });

  it('when the configuration file is missing, then the error names the file', () => {
    expect(errorOf(() => loadConfig({ file: 'no-such-file.yaml', env: {} }))).toMatch(/no-such-file.yaml/);
  });
});
