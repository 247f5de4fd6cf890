/**
 * Index rows in step with the build (src/store/index-state.ts): a fresh database only records
 * what each type is indexed for; a type whose indexed parameters changed is rewritten once, and
 * only when it has stored resources; the gateway does this before it answers a search.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/index.js';
import { gatewayRegistry } from '../../src/gateway/search-params.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Database } from '../../src/store/database.js';
import { indexFingerprint, reconcileIndexes, recordIndexState } from '../../src/store/index-state.js';
import { reindex } from '../../src/store/reindex.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { demoConfig } from '../support/tokens.js';
import { TYPES, count, everything, patient, withoutNames } from './support/index-registries.js';
import { TARGETS } from './support/targets.js';

describe('the fingerprint of what a type is indexed for', () => {
  it('when the indexed parameters differ, then so do the fingerprints; the same registry gives the same one', () => {
    expect(indexFingerprint(everything, 'Patient')).toBe(
      indexFingerprint(new SearchParamRegistry(TYPES), 'Patient'),
    );
    expect(indexFingerprint(withoutNames, 'Patient')).not.toBe(indexFingerprint(everything, 'Patient'));
    expect(indexFingerprint(withoutNames, 'Task')).toBe(indexFingerprint(everything, 'Task'));
  });
});

describe.each(TARGETS)('index rows in step with the build ($name)', (target) => {
  describe.skipIf(target.skip)('', () => {
    let db: Database;
    beforeAll(async () => {
      db = await target.open();
    });
    afterAll(async () => db.close());

    it('when the database has no index state, then every type is recorded and nothing without resources is rewritten', async () => {
      const first = await reconcileIndexes(db, everything);
      expect(first).toEqual({ changed: TYPES, reindexed: {} });
      expect(await reconcileIndexes(db, everything)).toEqual({ changed: [], reindexed: {} });
    });

    it('when a type is indexed for other parameters, then its stored resources are rewritten once and searches follow', async () => {
      const store = new ResourceStore(db, { registry: everything });
      for (let n = 0; n < 4; n++) await store.create(patient(n));
      expect(await count(db, `SELECT count(*) AS n FROM search_string WHERE param = 'family'`)).toBe(4);

      const changed = await reconcileIndexes(db, withoutNames);
      // Task's parameters are the same in both registries: only Patient is rewritten.
      expect(changed).toEqual({ changed: ['Patient'], reindexed: { Patient: 4 } });
      expect(await count(db, `SELECT count(*) AS n FROM search_string WHERE param = 'family'`)).toBe(0);
      expect(await reconcileIndexes(db, withoutNames)).toEqual({ changed: [], reindexed: {} });

      await reconcileIndexes(db, everything);
      const found = await new ResourceStore(db, { registry: everything }).search('Patient', {
        family: 'Family2',
      });
      expect(found.resources).toHaveLength(1);
    });

    it('when a type was reindexed on demand and recorded, then the gateway finds it in step and does not rewrite it again', async () => {
      const result = await reindex(db, withoutNames, { types: ['Patient'] });
      await recordIndexState(db, withoutNames, Object.keys(result.resources));
      expect(await reconcileIndexes(db, withoutNames)).toEqual({ changed: [], reindexed: {} });
    });
  });
});

describe('the gateway at start', () => {
  it('when stored rows were written for other parameters, then they are rewritten before it serves, and said so without data', async () => {
    const db = await TARGETS[0]!.open();
    try {
      const registry = new SearchParamRegistry(gatewayRegistry().types());
      const store = new ResourceStore(db, { registry });
      await store.create(patient(7));
      await reconcileIndexes(db, registry);
      expect(
        await count(db, `SELECT count(*) AS n FROM search_string WHERE resource_type = 'Patient'`),
      ).toBeGreaterThan(0);

      const lines: string[] = [];
      const gateway = await createGateway(demoConfig, {
        database: db,
        logger: createLogger('info', (line) => lines.push(line)),
      });
      await gateway.close();
      // The gateway indexes no names, addresses or phone numbers.
      expect(await count(db, `SELECT count(*) AS n FROM search_string WHERE resource_type = 'Patient'`)).toBe(
        0,
      );
      const said = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.event === 'store.reindexed');
      expect(said).toMatchObject({ resources: 1 });
      expect(lines.join('\n')).not.toContain('Family7');
      expect(lines.join('\n')).not.toContain('100000007');
    } finally {
      await db.close();
    }
  }, 60_000);
});
