/** The delivery, jobs, retention and import settings: defaults, and a bad value named by its key. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, projectRoot } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'overdracht-config-'));
const demo = readFileSync(join(projectRoot(), 'config', 'demo.yaml'), 'utf8').replaceAll(
  'demo-keys/',
  `${join(projectRoot(), 'config', 'demo-keys')}/`,
);

/** The demo configuration with `extra` YAML appended. */
function load(extra: string) {
  const file = join(dir, `c-${String(Math.random()).slice(2)}.yaml`);
  writeFileSync(file, `${demo}\n${extra}\n`);
  return loadConfig({ file, env: {} });
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('delivery and job settings', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when nothing is configured, then the defaults apply', () => {
    const c = loadConfig({ demo: true, env: {} });
    expect(c.delivery).toEqual({
      maxAttempts: 25,
      baseDelaySeconds: 10,
      maxDelaySeconds: 900,
      timeoutMs: 10000,
      batchSize: 50,
    });
    expect(c.jobs).toEqual({ enabled: true, timeZone: 'Europe/Amsterdam', schedules: {}, watchdogDays: 10 });
    expect(c.retention).toBeUndefined();
  });

  it('when part of delivery is configured, then the rest keeps its default', () => {
    expect(load('delivery: { maxAttempts: 5 }').delivery).toMatchObject({ maxAttempts: 5, timeoutMs: 10000 });
  });

  it.each([
    ['delivery: { maxAttempts: 0 }', /delivery\.maxAttempts: /],
    ['delivery: { timeout: 5 }', /delivery: unknown key 'timeout'/],
    [
      'delivery: { baseDelaySeconds: 60, maxDelaySeconds: 10 }',
      /delivery\.maxDelaySeconds: must be at least/,
    ],
    ["jobs: { schedules: { delivery: 'every minute please' } }", /jobs\.schedules\.delivery: /],
    [
      "jobs: { schedules: { delivery: '99 * * * *' } }",
      /jobs\.schedules\.delivery: '99 \* \* \* \*' is not a cron/,
    ],
    ['retention: { resourceDays: { Task: 30 } }', /retention\.auditEvents: is required/],
    ['retention: { resourceDays: { AuditEvent: 30 }, auditEvents: keep }', /retention\.resourceDays/],
    ['retention: { auditEvents: purge }', /retention\.auditEvents: /],
    [
      'import: { folder: /x, sources: [{ dir: a, format: hl7v2, organisation: nobody }] }',
      /import\.sources\[0\]\.organisation: no organisation/,
    ],
    [
      'import: { folder: /x, sources: [{ dir: ../up, format: hl7v2, organisation: ggz-noord }] }',
      /import\.sources\.0\.dir: /,
    ],
  ])('when %s, then the error names the key', (yaml, message) => {
    expect(errorOf(() => load(yaml))).toMatch(message);
  });

  it('when retention keeps the audit trail explicitly, then it loads', () => {
    const c = load('retention: { resourceDays: { Task: 7300 }, defaultDays: 7300, auditEvents: keep }');
    expect(c.retention).toEqual({
      resourceDays: { Task: 7300 },
      defaultDays: 7300,
      deliveredOutboxDays: 30,
      auditEvents: 'keep',
    });
  });
});
