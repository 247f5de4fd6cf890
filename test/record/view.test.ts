/**
 * What referrals brought for a client joins the client's record view: care data such as an
 * allergy does, the client's insurance does not.
 */
import type { AllergyIntolerance, Coverage, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayRegistry } from '../../src/gateway/search-params.js';
import { RecordStore } from '../../src/record/store.js';
import { loadView } from '../../src/record/view.js';
import type { Database } from '../../src/store/database.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { openMigratedPglite } from '../store/support/pglite-template.js';

const BSN = '999911120';
let db: Database;
let store: ResourceStore;
let patient: string;

beforeAll(async () => {
  db = await openMigratedPglite();
  store = new ResourceStore(db, { registry: gatewayRegistry() });
  const client = await store.create<Patient>({
    resourceType: 'Patient',
    identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: BSN }],
  });
  patient = `Patient/${client.resource.id ?? ''}`;
  await store.create<AllergyIntolerance>({
    resourceType: 'AllergyIntolerance',
    code: { coding: [{ system: 'http://snomed.info/sct', code: '764146007', display: 'Penicillin' }] },
    patient: { reference: patient },
  });
  await store.create<Coverage>({
    resourceType: 'Coverage',
    status: 'active',
    beneficiary: { reference: patient },
    payor: [{ identifier: { system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '9999' } }],
  });
});
afterAll(async () => db.close());

describe('the record view of what referrals brought', () => {
  it('when a referral brought an allergy and the insurance, then the allergy is in the view as care data and the insurance is not', async () => {
    const view = await loadView(`bsn|${BSN}`, new RecordStore(db), store);
    expect(view.patient?.id).toBe(patient.slice('Patient/'.length));
    const received = view.entries.map((e) => [e.resource.resourceType, e.domain, e.format]);
    expect(received).toContainEqual(['AllergyIntolerance', 'treatment', 'referral']);
    expect(received.map(([type]) => type)).not.toContain('Coverage');
  });
});
