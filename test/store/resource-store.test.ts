import type { Patient, ServiceRequest } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationOutcomeError } from '../../src/fhir/outcomes.js';
import type { Database } from '../../src/store/database.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { TARGETS } from './support/targets.js';

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const registry = new SearchParamRegistry();

function patient(bsn: string, family = 'Jansen'): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: bsn }],
    name: [{ family, given: ['Anna'] }],
    gender: 'female',
  };
}

async function statusOf(work: Promise<unknown>): Promise<number | undefined> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OperationOutcomeError);
  return (err as OperationOutcomeError).status;
}

describe.each(TARGETS)('resource store ($name)', (target) => {
  describe.skipIf(target.skip)('', () => {
    let db: Database;
    let store: ResourceStore;
    let now = new Date('2025-01-01T10:00:00.000Z');
    let nextId = 0;

    beforeAll(async () => {
      db = await target.open();
      store = new ResourceStore(db, { registry, clock: () => now, newId: () => `id-${String(++nextId)}` });
    });
    afterAll(async () => db.close());

    it('when a resource without id is created, then it gets a new id, version 1 and the store time', async () => {
      const { resource, created } = await store.create(patient('100000001'));
      expect(created).toBe(true);
      expect(resource.id).toMatch(/^id-\d+$/);
      expect(resource.meta).toEqual({ versionId: '1', lastUpdated: '2025-01-01T10:00:00.000Z' });
      expect(await store.read('Patient', resource.id ?? '')).toEqual(resource);
    });

    it('when a resource with an id is created, then that id is kept; the same id again is a 409', async () => {
      const { resource } = await store.create({ ...patient('100000002'), id: 'given-id' });
      expect(resource.id).toBe('given-id');
      expect(await statusOf(store.create({ ...patient('100000002'), id: 'given-id' }))).toBe(409);
    });

    it('when an id is not a FHIR id, then create fails with 400', async () => {
      expect(await statusOf(store.create({ ...patient('100000003'), id: 'a/b' }))).toBe(400);
    });

    it('when a type is not stored, then the store refuses it', async () => {
      expect(await statusOf(store.create({ resourceType: 'Basic', code: { text: 'x' } }))).toBe(400);
    });

    it('when a resource is updated, then the version goes up and every version stays readable', async () => {
      const { resource: v1 } = await store.create(patient('100000004', 'Bakker'));
      const id = v1.id ?? '';
      now = new Date('2025-01-02T10:00:00.000Z');
      const { resource: v2, created } = await store.update({ ...v1, gender: 'male' });
      expect(created).toBe(false);
      expect(v2.meta).toEqual({ versionId: '2', lastUpdated: '2025-01-02T10:00:00.000Z' });
      expect((await store.read<Patient>('Patient', id)).gender).toBe('male');
      expect((await store.vread<Patient>('Patient', id, '1')).gender).toBe('female');
      const history = await store.history('Patient', id);
      expect(history.map((h) => h.versionId)).toEqual(['2', '1']);
    });

    it('when If-Match names the current version, then the update succeeds; an older one is a 412', async () => {
      const { resource: v1 } = await store.create(patient('100000005'));
      const { resource: v2 } = await store.update({ ...v1, active: true }, { ifMatch: 'W/"1"' });
      expect(v2.meta?.versionId).toBe('2');
      expect(await statusOf(store.update({ ...v1, active: false }, { ifMatch: 'W/"1"' }))).toBe(412);
      expect(await statusOf(store.update({ ...v1, active: false }, { ifMatch: 'nonsense' }))).toBe(400);
    });

    it('when two updates race with the same If-Match, then exactly one wins', async () => {
      const { resource: v1 } = await store.create(patient('100000006'));
      const results = await Promise.allSettled([
        store.update({ ...v1, active: true }, { ifMatch: '1' }),
        store.update({ ...v1, active: false }, { ifMatch: '1' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected');
      expect((rejected?.reason as OperationOutcomeError).status).toBe(412);
    });

    it('when an unknown id is updated, then it is created (update as create)', async () => {
      const { resource, created } = await store.update({ ...patient('100000007'), id: 'put-created' });
      expect(created).toBe(true);
      expect(resource.meta?.versionId).toBe('1');
      expect(
        await statusOf(store.update({ ...patient('100000007'), id: 'put-missing' }, { ifMatch: '1' })),
      ).toBe(412);
    });

    it('when a resource is deleted, then read says 410, history keeps every version and search no longer finds it', async () => {
      const { resource } = await store.create(patient('100000008', 'Visser'));
      const id = resource.id ?? '';
      expect(await store.delete('Patient', id)).toEqual({ versionId: '2' });
      expect(await store.delete('Patient', id)).toEqual({ versionId: '2' });
      expect(await statusOf(store.read('Patient', id))).toBe(410);
      expect(await statusOf(store.vread('Patient', id, '2'))).toBe(410);
      expect((await store.vread<Patient>('Patient', id, '1')).name?.[0]?.family).toBe('Visser');
      const history = await store.history('Patient', id);
      expect(history.map((h) => [h.versionId, h.deleted, h.resource === undefined])).toEqual([
        ['2', true, true],
        ['1', false, false],
      ]);
      expect((await store.search('Patient', { identifier: `${BSN}|100000008` })).resources).toEqual([]);
    });

    it('when a deleted resource is updated, then it comes back with the next version', async () => {
      const { resource } = await store.create(patient('100000009'));
      await store.delete('Patient', resource.id ?? '');
      const { resource: back } = await store.update(resource);
      expect(back.meta?.versionId).toBe('3');
      expect((await store.search('Patient', { identifier: `${BSN}|100000009` })).resources).toHaveLength(1);
    });

    it('when something unknown is read, then 404', async () => {
      expect(await statusOf(store.read('Patient', 'nope'))).toBe(404);
      expect(await statusOf(store.vread('Patient', 'nope', '1'))).toBe(404);
      expect(await statusOf(store.history('Patient', 'nope'))).toBe(404);
      expect(await statusOf(store.delete('Patient', 'nope'))).toBe(404);
    });

    it('when a conditional create finds a match, then the existing resource is returned', async () => {
      const first = await store.create(patient('100000010'), { ifNoneExist: `identifier=${BSN}|100000010` });
      const second = await store.create(patient('100000010'), { ifNoneExist: `identifier=${BSN}|100000010` });
      expect(first.created).toBe(true);
      expect(second).toEqual({ resource: first.resource, created: false });
    });

    it('when two conditional creates race, then one resource is stored', async () => {
      const condition = { identifier: `${BSN}|100000011` };
      const results = await Promise.all([
        store.create(patient('100000011'), { ifNoneExist: condition }),
        store.create(patient('100000011'), { ifNoneExist: condition }),
      ]);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect((await store.search('Patient', { ...condition, _total: 'accurate' })).total).toBe(1);
    });

    it('when a conditional create has no condition, then 400 rather than matching everything', async () => {
      expect(await statusOf(store.create(patient('100000017'), { ifNoneExist: '_count=1' }))).toBe(400);
    });

    it('when a conditional create matches several, then 412', async () => {
      await store.create(patient('100000012', 'Twin'));
      await store.create(patient('100000013', 'Twin'));
      expect(await statusOf(store.create(patient('100000014'), { ifNoneExist: 'family=Twin' }))).toBe(412);
    });

    it('when writes run inside a caller transaction that fails, then none of them is stored', async () => {
      const request: ServiceRequest = {
        resourceType: 'ServiceRequest',
        id: 'sr-rolled-back',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/x' },
      };
      await expect(
        db.transaction(async (tx) => {
          const inTx = store.withDb(tx);
          await inTx.create(request);
          await inTx.create(patient('100000015'));
          throw new Error('intake failed');
        }),
      ).rejects.toThrow('intake failed');
      expect(await statusOf(store.read('ServiceRequest', 'sr-rolled-back'))).toBe(404);
      expect(await store.findByIdentifier('Patient', { system: BSN, value: '100000015' })).toBeUndefined();
    });

    it('when found by identifier, then the current version comes back', async () => {
      const { resource } = await store.create(patient('100000016'));
      expect(await store.findByIdentifier('Patient', { system: BSN, value: '100000016' })).toEqual(resource);
    });
  });
});
