/** The import job (a folder of export files into the client record) and the retention job, on a real database. */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessGrants } from '../../src/access/grants.js';
import type { Config } from '../../src/config/types.js';
import { GATEWAY_TYPES } from '../../src/gateway/index.js';
import { createJobRunner, type GatewayJobPorts } from '../../src/jobs/gateway-jobs.js';
import type { JobRunner } from '../../src/jobs/runner.js';
import { retentionDays } from '../../src/jobs/retention-job.js';
import { silentLogger } from '../../src/observability/logger.js';
import { AuditLog } from '../../src/store/audit-log.js';
import type { Database } from '../../src/store/database.js';
import { Outbox } from '../../src/store/outbox.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { openMigratedPglite } from '../store/support/pglite-template.js';
import { demoConfig } from '../support/tokens.js';

const ZRM = 'test/adapters/assessments/fixtures/wijkteam-zrm.csv';
const NOW = new Date('2026-06-01T03:00:00.000Z');
const LONG_AGO = new Date('2024-01-01T03:00:00.000Z');

describe('import and retention jobs', () => {
  const folder = mkdtempSync(join(tmpdir(), 'overdracht-import-'));
  const inbox = join(folder, 'wijkteam');
  let db: Database;
  let runner: JobRunner<GatewayJobPorts>;
  let registry: SearchParamRegistry;
  const config: Config = {
    ...demoConfig,
    import: {
      folder,
      sources: [{ dir: 'wijkteam', format: 'assessments', organisation: 'sociaal-team-oost' }],
    },
    retention: { resourceDays: { Observation: 365 }, deliveredOutboxDays: 30, auditEvents: 'keep' },
  };

  beforeAll(async () => {
    db = await openMigratedPglite();
    registry = new SearchParamRegistry(GATEWAY_TYPES);
    runner = createJobRunner({
      config,
      db,
      store: new ResourceStore(db, { registry }),
      registry,
      auditLog: new AuditLog(db),
      endpoint: 'https://gw.example/fhir',
      logger: silentLogger,
      now: () => NOW,
      owner: 'test',
    });
    mkdirSync(inbox, { recursive: true });
  });
  afterAll(async () => {
    await db.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('when export files are dropped in the folder, then each is imported once and moved with its report', async () => {
    // Two clean rows of the fixture; the whole fixture has rows the adapter refuses.
    const clean = readFileSync(ZRM, 'utf8').split('\n').slice(0, 3).join('\n') + '\n';
    writeFileSync(join(inbox, 'clean-1.csv'), clean);
    writeFileSync(join(inbox, 'clean-2.csv'), clean); // the same content again
    copyFileSync(ZRM, join(inbox, 'partly.csv'));
    writeFileSync(join(inbox, 'broken.csv'), Buffer.from([0, 1, 2, 255, 254]));
    const result = await runner.runOnce('import');
    expect(result).toMatchObject({
      status: 'ok',
      summary: { files: 4, imported: 1, duplicates: 1, failed: 2 },
    });
    expect(result.status === 'ok' ? result.summary.added : 0).toBeGreaterThan(0);
    expect(readdirSync(inbox).sort()).toEqual(['done', 'failed']);
    expect(readdirSync(join(inbox, 'done')).sort()).toEqual([
      'clean-1.csv',
      'clean-1.csv.report.json',
      'clean-2.csv',
      'clean-2.csv.report.json',
    ]);
    expect(readdirSync(join(inbox, 'failed')).sort()).toEqual([
      'broken.csv',
      'broken.csv.report.json',
      'partly.csv',
      'partly.csv.report.json',
    ]);
    const broken = JSON.parse(
      readFileSync(join(inbox, 'failed', 'broken.csv.report.json'), 'utf8'),
    ) as OperationOutcome;
    expect(broken.issue?.some((i) => i.severity === 'error' || i.severity === 'fatal')).toBe(true);
    // A file that imported in part names the rows left out, by location and never by value.
    const partly = readFileSync(join(inbox, 'failed', 'partly.csv.report.json'), 'utf8');
    expect(partly).toContain('row 5, column \\"bsn\\"');
    expect(partly).not.toMatch(/\b\d{9}\b/);
    // What was imported belongs to the social team that supplied it.
    const team = demoConfig.organisations.find((o) => o.id === 'sociaal-team-oost')?.identifier;
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::integer AS n FROM access_grant WHERE organisation = $1',
      [`${team?.system ?? ''}|${team?.value ?? ''}`],
    );
    expect(rows[0]?.n).toBeGreaterThan(0);

    // The same file dropped again later: nothing imported twice.
    writeFileSync(join(inbox, 'clean-3.csv'), clean);
    expect(await runner.runOnce('import')).toMatchObject({
      summary: { files: 1, duplicates: 1, imported: 0, added: 0 },
    });
    expect(await runner.runOnce('import')).toMatchObject({ summary: { files: 0 } });
  });

  it('when resources are older than their retention period, then they go with history, index rows and grants; the audit trail stays', async () => {
    const old = new ResourceStore(db, { registry, clock: () => LONG_AGO });
    const fresh = new ResourceStore(db, { registry, clock: () => NOW });
    await old.create({
      resourceType: 'Observation',
      id: 'obs-old',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Patient/p-ret' },
    });
    await fresh.create({
      resourceType: 'Observation',
      id: 'obs-new',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Patient/p-ret' },
    });
    await old.create<Patient>({ resourceType: 'Patient', id: 'p-ret', birthDate: '2001-01-01' }); // Patient: no period, kept
    const grants = new AccessGrants(db);
    await grants.add([
      { organisation: { system: 'urn:test', value: 'org' }, reference: 'Observation/obs-old' },
    ]);
    const outboxThen = new Outbox(db, () => LONG_AGO);
    const delivered = await outboxThen.enqueue({ receiver: 'x', payload: { type: 'task-event' } });
    await outboxThen.markDelivered(delivered.id);
    const auditBefore =
      (await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM audit_event')).rows[0]?.n ?? 0;

    const result = await runner.runOnce('retention');
    expect(result).toMatchObject({
      status: 'ok',
      summary: { resources: 1, 'resources.Observation': 1, outbox: 1 },
    });
    const left = async (table: string, column: string) =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::integer AS n FROM ${table} WHERE ${column} = 'obs-old'`,
        )
      ).rows[0]?.n;
    expect(await left('resource', 'id')).toBe(0);
    expect(await left('resource_history', 'id')).toBe(0);
    expect(await left('search_reference', 'resource_id')).toBe(0);
    expect(await left('search_token', 'resource_id')).toBe(0);
    expect(await left('access_grant', 'resource_id')).toBe(0);
    expect((await fresh.read('Observation', 'obs-new')).id).toBe('obs-new');
    expect((await fresh.read('Patient', 'p-ret')).id).toBe('p-ret');
    expect(await new Outbox(db).get(delivered.id)).toBeUndefined();
    // The purge itself is in the audit trail; nothing was taken from it.
    const auditAfter = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM audit_event');
    expect(auditAfter.rows[0]?.n).toBe(auditBefore + 1);
    expect(await runner.runOnce('retention')).toMatchObject({ summary: { resources: 0, outbox: 0 } });
  });

  it('the audit trail has no retention period, whatever the default says', () => {
    const withDefault = {
      resourceDays: {},
      defaultDays: 10,
      deliveredOutboxDays: 30,
      auditEvents: 'keep' as const,
    };
    expect(retentionDays(withDefault, 'AuditEvent')).toBeUndefined();
    expect(retentionDays(withDefault, 'Task')).toBe(10);
    expect(retentionDays(undefined, 'Task')).toBeUndefined();
  });
});
