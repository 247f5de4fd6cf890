import type { AuditEvent, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/store/audit-log.js';
import type { Database } from '../../src/store/database.js';
import { IdempotencyStore } from '../../src/store/idempotency.js';
import { StoreIntakeRepository } from '../../src/store/intake-repository.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { TARGETS } from './support/targets.js';

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const registry = new SearchParamRegistry();
const event: AuditEvent = {
  resourceType: 'AuditEvent',
  type: { code: 'rest' },
  recorded: '2025-05-01T10:00:00Z',
  agent: [{ requestor: true }],
  source: { observer: { display: 'overdracht' } },
};

describe.each(TARGETS)('intake repository ($name)', (target) => {
  describe.skipIf(target.skip)('', () => {
    let db: Database;
    let repo: StoreIntakeRepository;
    let store: ResourceStore;
    beforeAll(async () => {
      db = await target.open();
      store = new ResourceStore(db, { registry });
      repo = new StoreIntakeRepository(db, store, new IdempotencyStore(db), new AuditLog(db));
    });
    afterAll(async () => db.close());

    /** One intake: look for an earlier answer and the patient, store, answer; as the referral intake does. */
    function intake(key: string, bsn: string): Promise<'replayed' | 'stored'> {
      return repo.transaction(async (tx) => {
        if (await tx.findAnswer(key)) return 'replayed';
        const prior = await tx.findByIdentifier<Patient>('Patient', { system: BSN, value: bsn });
        // Give a concurrent intake time to run into the same key.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const patient: Patient = { resourceType: 'Patient', identifier: [{ system: BSN, value: bsn }] };
        if (prior?.id)
          await tx.update({ ...patient, id: prior.id, meta: { versionId: prior.meta?.versionId ?? '1' } });
        else await tx.create({ ...patient, id: `pat-${bsn}` });
        await tx.audit(event);
        await tx.saveAnswer(key, { requestHash: 'h', status: 200, body: { ok: true } });
        return 'stored';
      });
    }

    it('when the same request arrives twice at once, then it is stored once and replayed once', async () => {
      const results = await Promise.all([
        intake('client:msg-1', '200000001'),
        intake('client:msg-1', '200000001'),
      ]);
      expect(results.sort()).toEqual(['replayed', 'stored']);
    });

    it('when two requests for one patient arrive at once, then one Patient is kept and updated', async () => {
      const results = await Promise.all([
        intake('client:msg-2', '200000002'),
        intake('client:msg-3', '200000002'),
      ]);
      expect(results).toEqual(['stored', 'stored']);
      const found = await store.search('Patient', { identifier: `${BSN}|200000002`, _total: 'accurate' });
      expect(found.total).toBe(1);
      expect(found.resources[0]?.meta?.versionId).toBe('2');
    });

    it('when the intake fails half-way, then nothing of it is kept', async () => {
      await expect(
        repo.transaction(async (tx) => {
          await tx.create({
            resourceType: 'Patient',
            id: 'pat-half',
            identifier: [{ system: BSN, value: '200000003' }],
          });
          await tx.saveAnswer('client:msg-4', { requestHash: 'h', status: 200, body: {} });
          throw new Error('validation of the Task failed');
        }),
      ).rejects.toThrow('validation');
      expect(await repo.transaction((tx) => tx.findAnswer('client:msg-4'))).toBeUndefined();
      expect(await store.findByIdentifier('Patient', { system: BSN, value: '200000003' })).toBeUndefined();
    });
  });
});
