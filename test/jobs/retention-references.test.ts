/**
 * Retention is reference-aware: a resource past its period goes only when nothing kept refers to
 * it, so a client never goes before their Tasks; once the referrers are gone, so is the rest, in
 * the same run. On both drivers.
 */
import type { Observation, Patient, Provenance, ServiceRequest, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetentionConfig } from '../../src/config/types.js';
import { GATEWAY_TYPES } from '../../src/gateway/index.js';
import { MemoryJobLock } from '../../src/jobs/memory-lock.js';
import { retentionJob, type RetentionPorts } from '../../src/jobs/retention-job.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { Database } from '../../src/store/database.js';
import { ResourcePurge } from '../../src/store/jobs.js';
import { Outbox } from '../../src/store/outbox.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { TARGETS } from '../store/support/targets.js';

const LONG_AGO = new Date('2020-01-01T03:00:00.000Z');
const NOW = new Date('2026-06-01T03:00:00.000Z');
const retention: RetentionConfig = {
  resourceDays: {},
  defaultDays: 365,
  deliveredOutboxDays: 30,
  auditEvents: 'keep',
};

describe.each(TARGETS)('retention with references ($name)', (target) => {
  describe.skipIf(target.skip)('', () => {
    let db: Database;
    let old: ResourceStore;
    let fresh: ResourceStore;
    let runner: JobRunner<RetentionPorts>;
    const purged: string[] = [];

    const exists = async (type: string, id: string): Promise<boolean> =>
      (
        await db.query<{ n: number }>(
          'SELECT count(*)::integer AS n FROM resource WHERE resource_type = $1 AND id = $2',
          [type, id],
        )
      ).rows[0]?.n === 1;

    /** A client with a referral: Patient, ServiceRequest, Task and the Task's Provenance. */
    async function referral(prefix: string, taskStore: ResourceStore): Promise<void> {
      await old.create<Patient>({ resourceType: 'Patient', id: `${prefix}-p`, birthDate: '2001-01-01' });
      await old.create<ServiceRequest>({
        resourceType: 'ServiceRequest',
        id: `${prefix}-sr`,
        status: 'active',
        intent: 'order',
        subject: { reference: `Patient/${prefix}-p` },
      });
      await taskStore.create<Task>({
        resourceType: 'Task',
        id: `${prefix}-t`,
        status: 'requested',
        intent: 'order',
        for: { reference: `Patient/${prefix}-p` },
        focus: { reference: `ServiceRequest/${prefix}-sr` },
      });
      await taskStore.create<Provenance>({
        resourceType: 'Provenance',
        id: `${prefix}-prov`,
        target: [{ reference: `Task/${prefix}-t` }],
        recorded: LONG_AGO.toISOString(),
        agent: [{ who: { display: 'overdracht gateway' } }],
      });
    }

    beforeAll(async () => {
      db = await target.open();
      const registry = new SearchParamRegistry(GATEWAY_TYPES);
      old = new ResourceStore(db, { registry, clock: () => LONG_AGO });
      fresh = new ResourceStore(db, { registry, clock: () => NOW });
      runner = new JobRunner<RetentionPorts>({
        jobs: [retentionJob(retention)],
        lock: new MemoryJobLock(() => NOW),
        ports: {
          purge: new ResourcePurge(db),
          outbox: new Outbox(db, () => NOW),
          recordPurge: (type, ids) => {
            purged.push(...ids.map((id) => `${type}/${id}`));
            return Promise.resolve();
          },
        },
        logger: silentLogger,
        owner: 'test',
        now: () => NOW,
      });
    });
    afterAll(async () => {
      await db.close();
    });

    it('when a client is past retention but their Task is not, then the client and the request stay', async () => {
      await referral('kept', fresh);
      const result = await runner.runOnce('retention');
      expect(result).toMatchObject({ status: 'ok', summary: { resources: 0 } });
      for (const [type, id] of [
        ['Patient', 'kept-p'],
        ['ServiceRequest', 'kept-sr'],
        ['Task', 'kept-t'],
      ] as const)
        expect(await exists(type, id)).toBe(true);
    });

    it('when the whole referral is past retention, then all of it goes in one run, referrers first', async () => {
      await referral('gone', old);
      await old.create<Observation>({
        resourceType: 'Observation',
        id: 'gone-obs',
        status: 'final',
        code: { text: 'x' },
        subject: { reference: 'Patient/gone-p' },
      });
      const result = await runner.runOnce('retention');
      expect(result).toMatchObject({ status: 'ok', summary: { resources: 5 } });
      for (const [type, id] of [
        ['Patient', 'gone-p'],
        ['ServiceRequest', 'gone-sr'],
        ['Task', 'gone-t'],
        ['Provenance', 'gone-prov'],
        ['Observation', 'gone-obs'],
      ] as const)
        expect(await exists(type, id)).toBe(false);
      // The client went last: nothing was ever left pointing at a purged resource.
      const order = purged.filter((r) => r.includes('gone-'));
      expect(order.indexOf('Patient/gone-p')).toBeGreaterThan(order.indexOf('Task/gone-t'));
      expect(order.indexOf('Patient/gone-p')).toBeGreaterThan(order.indexOf('Observation/gone-obs'));
      expect(order.indexOf('Task/gone-t')).toBeGreaterThan(order.indexOf('Provenance/gone-prov'));
      // The kept referral is untouched.
      expect(await exists('Patient', 'kept-p')).toBe(true);
    });
  });
});
