/**
 * Reindexing: after the indexed parameters change, every stored resource gets the rows the
 * registry gives it now, rows of parameters no longer indexed go, and searches follow.
 */
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { reindex } from '../../src/store/reindex.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { BSN, count, everything, patient, withoutNames } from './support/index-registries.js';
import { TARGETS } from './support/targets.js';

describe.each(TARGETS)('reindex ($name)', (target) => {
  describe.skipIf(target.skip)('', () => {
    let db: Database;
    beforeAll(async () => {
      db = await target.open();
      const store = new ResourceStore(db, { registry: everything });
      for (let n = 0; n < 7; n++) await store.create(patient(n));
    });
    afterAll(async () => db.close());

    it('when names are no longer indexed, then their rows go and other rows stay, in batches', async () => {
      expect(await count(db, `SELECT count(*) AS n FROM search_string WHERE param = 'family'`)).toBe(7);
      const progress: number[] = [];
      const result = await reindex(db, withoutNames, {
        batch: 3,
        progress: (_t, done) => progress.push(done),
      });
      expect(result.resources).toEqual({ Patient: 7, Task: 0 });
      expect(progress).toEqual([3, 6, 7]);
      expect(
        await count(db, `SELECT count(*) AS n FROM search_string WHERE param IN ('family', 'name')`),
      ).toBe(0);
      expect(await count(db, `SELECT count(*) AS n FROM search_token WHERE param = 'identifier'`)).toBe(7);
      const store = new ResourceStore(db, { registry: withoutNames });
      const found = await store.search('Patient', { identifier: `${BSN}|100000003` });
      expect(found.resources.map((r) => (r as Patient).name?.[0]?.family)).toEqual(['Family3']);
      await expect(store.search('Patient', { family: 'Family3' })).rejects.toThrow();
    });

    it('when a parameter is indexed again, then its rows come back and searching by it works', async () => {
      await reindex(db, everything, { types: ['Patient'] });
      expect(await count(db, `SELECT count(*) AS n FROM search_string WHERE param = 'family'`)).toBe(7);
      const store = new ResourceStore(db, { registry: everything });
      const found = await store.search('Patient', { family: 'Family5' });
      expect(found.resources).toHaveLength(1);
    });

    it('when a type is not stored, then it is refused before anything is written', async () => {
      await expect(reindex(db, everything, { types: ['Nonsense'] })).rejects.toThrow(/Nonsense/);
    });
  });
});
