/** The gateway's intake repository: grants in the same transaction, and a version conflict run again. */
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessGrants } from '../../src/access/grants.js';
import { conflict, OperationOutcomeError } from '../../src/fhir/outcomes.js';
import { GatewayIntakeRepository } from '../../src/gateway/intake-repository.js';
import { AuditLog } from '../../src/store/audit-log.js';
import type { Database } from '../../src/store/database.js';
import { IdempotencyStore } from '../../src/store/idempotency.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { openMigratedPglite } from '../store/support/pglite-template.js';

const GGZ = { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '06001234' };
let db: Database;
let repo: GatewayIntakeRepository;
beforeAll(async () => {
  db = await openMigratedPglite();
  const store = new ResourceStore(db, { registry: new SearchParamRegistry(['Patient']) });
  repo = new GatewayIntakeRepository(db, store, new IdempotencyStore(db), new AuditLog(db));
});
afterAll(async () => db.close());

describe('gateway intake repository', () => {
  it('when the intake fails after granting, then neither the resources nor the grants are kept', async () => {
    await expect(
      repo.transaction(async (tx) => {
        await tx.create<Patient>({ resourceType: 'Patient', id: 'p-half' });
        await tx.grantAccess([{ reference: 'Patient/p-half', organisation: GGZ }]);
        throw new Error('the Task could not be built');
      }),
    ).rejects.toThrow('Task');
    expect(await new AccessGrants(db).has(GGZ, 'Patient', 'p-half')).toBe(false);
  });

  it('when an intake loses a version race, then it runs once more, and its grants are kept once', async () => {
    let attempts = 0;
    const result = await repo.transaction(async (tx) => {
      attempts++;
      await tx.create<Patient>({ resourceType: 'Patient', id: `p-race-${String(attempts)}` });
      await tx.grantAccess([{ reference: `Patient/p-race-${String(attempts)}`, organisation: GGZ }]);
      if (attempts === 1) throw new OperationOutcomeError(conflict('changed meanwhile'), 412);
      return 'stored';
    });
    expect([result, attempts]).toEqual(['stored', 2]);
    expect(await new AccessGrants(db).holders('Patient', 'p-race-1')).toEqual([]);
    expect(await new AccessGrants(db).holders('Patient', 'p-race-2')).toEqual([`${GGZ.system}|${GGZ.value}`]);
  });
});
