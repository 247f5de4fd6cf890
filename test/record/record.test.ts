/**
 * The client record over a real (embedded) database: records are joined by BSN only, a client
 * without a BSN is kept apart and never merged, importing the same data twice changes nothing,
 * every imported entry has a Provenance and a grant for its supplier, and imports run over any
 * adapter of the registry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Condition, Patient, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessGrants } from '../../src/access/grants.js';
import { AdapterRegistry, createAdapterRegistry, createConversionContext } from '../../src/adapters/index.js';
import type { ConversionContext } from '../../src/adapters/index.js';
import type { OrganisationConfig } from '../../src/config/types.js';
import { importRecord, importValidator, type ImportDeps } from '../../src/record/import.js';
import { RecordStore } from '../../src/record/store.js';
import type { Database } from '../../src/store/database.js';
import { openMigratedPglite } from '../store/support/pglite-template.js';

const GP: OrganisationConfig = {
  id: 'gp',
  name: 'Huisartsenpraktijk De Linde',
  identifier: { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '01004567' },
  type: 'gp-practice',
  delivery: { mode: 'none' },
};
const GGZ: OrganisationConfig = {
  ...GP,
  id: 'ggz',
  name: 'GGZ Noord-Groningen',
  identifier: { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '06001234' },
  type: 'ggz-institution',
};

let db: Database;
let record: RecordStore;
let validate: ImportDeps['validate'];
const now = new Date('2026-05-01T10:00:00Z');

beforeAll(async () => {
  db = await openMigratedPglite();
  record = new RecordStore(db);
  validate = importValidator();
});
afterAll(async () => db.close());

function patient(bsn: string | undefined, family = 'Jansen'): Patient {
  return {
    resourceType: 'Patient',
    id: 'p1',
    ...(bsn ? { identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: bsn }] } : {}),
    name: [{ family, given: ['Anna'] }],
    birthDate: '1990-04-12',
  };
}

function condition(code: string, display: string): Condition {
  return {
    resourceType: 'Condition',
    id: `c-${code}`,
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icpc-1-nl', code, display }] },
    subject: { reference: 'Patient/p1' },
  };
}

function bundle(...resources: Resource[]): Bundle {
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
}

const fhirDeps = () => ({
  registry: new AdapterRegistry(),
  context: {} as ConversionContext,
  validate,
  record,
  now: () => now,
});

function fhirInput(b: Bundle, organisation: OrganisationConfig, name = 'export.json') {
  return { format: 'fhir', bytes: Buffer.from(JSON.stringify(b)), name, organisation };
}

describe('the client record', () => {
  it('when two organisations supply data with the same BSN, then it is one client holding both, each entry with its supplier', async () => {
    const gp = await importRecord(
      fhirInput(bundle(patient('999911120'), condition('P76', 'Depressie')), GP),
      fhirDeps(),
    );
    const ggz = await importRecord(
      fhirInput(bundle(patient('999911120', 'Jansen-de Boer'), condition('P74', 'Angst')), GGZ),
      fhirDeps(),
    );
    expect(gp.clients.map((c) => c.clientKey)).toEqual(['bsn|999911120']);
    expect(ggz.clients.map((c) => [c.clientKey, c.joinedByBsn])).toEqual([['bsn|999911120', true]]);
    const entries = await record.entries('bsn|999911120');
    const conditions = entries.filter((e) => e.resource.resourceType === 'Condition');
    expect(
      conditions.map((e) => [(e.resource as Condition).code?.coding?.[0]?.code, e.organisation]),
    ).toEqual([
      ['P76', 'http://fhir.nl/fhir/NamingSystem/agb-z|01004567'],
      ['P74', 'http://fhir.nl/fhir/NamingSystem/agb-z|06001234'],
    ]);
    // Each entry points to the Patient of its own import, under the record's ids.
    const patients = new Set(
      entries.filter((e) => e.resource.resourceType === 'Patient').map((e) => `Patient/${e.resource.id}`),
    );
    for (const c of conditions)
      expect(patients.has((c.resource as Condition).subject.reference ?? '')).toBe(true);
  });

  it('when a client has no BSN, then it is kept apart: not joined to a BSN client, nor to the same person from another source', async () => {
    const a = await importRecord(
      fhirInput(bundle(patient(undefined), condition('P76', 'Depressie')), GP),
      fhirDeps(),
    );
    const b = await importRecord(
      fhirInput(bundle(patient(undefined), condition('P76', 'Depressie')), GGZ),
      fhirDeps(),
    );
    const [ka, kb] = [a.clients[0]?.clientKey ?? '', b.clients[0]?.clientKey ?? ''];
    expect(ka).toMatch(/^local\|/);
    expect(kb).toMatch(/^local\|/);
    expect(ka).not.toBe(kb);
    expect(a.clients[0]?.joinedByBsn).toBe(false);
    expect((await record.entries(ka)).length).toBe(2);
    expect((await record.clients()).filter((c) => c.bsn === '999911120')).toHaveLength(1);
  });

  it('when the same data is imported twice, then the second import adds nothing and the record is unchanged', async () => {
    const input = fhirInput(bundle(patient('999999990'), condition('P76', 'Depressie')), GP);
    const first = await importRecord(input, fhirDeps());
    const before = await db.query('SELECT count(*)::integer AS n FROM record_entry');
    // The source gave other ids this time: the content decides.
    const again = bundle(
      { ...patient('999999990'), id: 'other' },
      { ...condition('P76', 'Depressie'), id: 'x', subject: { reference: 'Patient/other' } },
    );
    const second = await importRecord(fhirInput(again, GP), fhirDeps());
    const after = await db.query('SELECT count(*)::integer AS n FROM record_entry');
    expect(first).toMatchObject({ added: 2, unchanged: 0 });
    expect(second).toMatchObject({ added: 0, unchanged: 2 });
    expect(second.clients[0]?.provenance).toBeUndefined();
    expect(after.rows).toEqual(before.rows);
  });

  it('when data is imported, then a Provenance names the supplier, the format and the source, and only the supplier holds a grant', async () => {
    const report = await importRecord(
      fhirInput(bundle(patient('999911156'), condition('P76', 'Depressie')), GGZ, 'epd-export-17.json'),
      fhirDeps(),
    );
    const [provenance] = await record.provenances('bsn|999911156');
    expect(report.clients[0]?.provenance).toBe(`Provenance/${provenance?.id}`);
    expect(provenance?.agent?.[0]?.who?.identifier).toEqual(GGZ.identifier);
    expect(provenance?.entity?.[0]?.what?.display).toBe('fhir: epd-export-17.json');
    expect(provenance?.target).toHaveLength(2);
    const entry = (await record.entries('bsn|999911156')).find(
      (e) => e.resource.resourceType === 'Condition',
    );
    expect(await new AccessGrants(db).holders('Condition', entry?.resource.id ?? '')).toEqual([
      'http://fhir.nl/fhir/NamingSystem/agb-z|06001234',
    ]);
  });

  it('when an entry is not valid FHIR, then that entry is left out, its errors name the path, and the valid ones are stored', async () => {
    const broken = { ...condition('P76', 'Depressie'), onsetDateTime: 'yesterday', code: 7 };
    const report = await importRecord(
      fhirInput(bundle(patient('999911144'), broken as unknown as Condition), GP, 'broken.json'),
      fhirDeps(),
    );
    expect(report).toMatchObject({ added: 1, skipped: 0 });
    const errors = (report.report.issue ?? []).filter((i) => i.severity === 'error');
    expect(errors.map((i) => i.expression?.[0])).toEqual(
      expect.arrayContaining(['Condition.code', 'Condition.onset.ofType(dateTime)']),
    );
    expect(
      errors.every((i) => /^broken\.json entry 2 \(Condition\): .*not stored$/.test(i.diagnostics ?? '')),
    ).toBe(true);
  });

  it('when the client itself is not valid FHIR, then nothing is stored and both reasons are reported', async () => {
    const report = await importRecord(
      fhirInput(
        bundle({ ...patient('999911156'), birthDate: 5 } as unknown as Patient),
        GP,
        'bad-client.json',
      ),
      fhirDeps(),
    );
    expect(report).toMatchObject({ added: 0, skipped: 1 });
    const messages = (report.report.issue ?? []).map((i) => i.diagnostics ?? '');
    expect(messages.some((m) => m.startsWith('bad-client.json entry 1 (Patient)'))).toBe(true);
    expect(messages.some((m) => /names no client/.test(m))).toBe(true);
  });

  it('when a Consent that refuses breaks a FHIR rule, then it is kept with a warning; one that permits is left out', async () => {
    const consent = (type: 'deny' | 'permit') => ({
      resourceType: 'Consent',
      id: `consent-${type}`,
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: 'Patient/p1' },
      provision: { type },
    }); // no policy nor policyRule: breaks ppc-1
    const report = await importRecord(
      fhirInput(
        bundle(patient('999911107'), consent('deny') as Resource, consent('permit') as Resource),
        GP,
        'consents.json',
      ),
      fhirDeps(),
    );
    expect(report).toMatchObject({ added: 2 });
    const about = (entry: number) =>
      (report.report.issue ?? []).filter((i) =>
        i.diagnostics?.startsWith(`consents.json entry ${String(entry)} `),
      );
    expect(about(2).map((i) => i.severity)).toEqual(['warning']);
    expect(about(2)[0]?.diagnostics).toMatch(/ppc-1.*kept, as a Consent that restricts sharing$/);
    expect(about(3).map((i) => i.severity)).toEqual(['error']);
    expect(about(3)[0]?.diagnostics).toMatch(/ppc-1.*not stored$/);
  });

  it('when the input has entries of the wrong JSON type, then they are skipped and nothing crashes', async () => {
    const input = { resourceType: 'Bundle', type: 'collection', entry: [null, 5, { resource: 'x' }] };
    const report = await importRecord(
      { format: 'fhir', bytes: Buffer.from(JSON.stringify(input)), name: 'odd.json', organisation: GP },
      fhirDeps(),
    );
    expect(report).toMatchObject({ added: 0, skipped: 1 });
  });

  it('when a record names no client, then it is reported and nothing is stored', async () => {
    const report = await importRecord(fhirInput(bundle(condition('P76', 'Depressie')), GP), fhirDeps());
    expect(report).toMatchObject({ added: 0, skipped: 1 });
    expect(report.report.issue?.[0]?.diagnostics).toMatch(/names no client/);
  });

  it('when an adapter format is imported, then each client of the input gets its entries and the adapter report comes along', async () => {
    const bytes = readFileSync(
      join(import.meta.dirname, '..', 'adapters', 'assessments', 'fixtures', 'wijkteam-zrm.csv'),
    );
    const deps = {
      registry: createAdapterRegistry(),
      context: createConversionContext(),
      validate,
      record,
      now: () => now,
    };
    const first = await importRecord(
      { format: 'assessments', bytes, name: 'wijkteam-zrm.csv', organisation: GP },
      deps,
    );
    const keys = first.clients.map((c) => c.clientKey).sort();
    expect(keys).toEqual(['bsn|999911120', 'bsn|999999990']);
    expect(first.added).toBeGreaterThan(10);
    const again = await importRecord(
      { format: 'assessments', bytes, name: 'wijkteam-zrm.csv', organisation: GP },
      deps,
    );
    expect(again.added).toBe(0);
  });
});
