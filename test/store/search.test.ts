import type {
  Condition,
  Observation,
  Patient,
  Resource,
  SearchParameter,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationOutcomeError } from '../../src/fhir/outcomes.js';
import type { Database } from '../../src/store/database.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import type { SearchInput } from '../../src/store/search.js';
import { SearchParamRegistry, r4SearchParameters } from '../../src/store/search-params.js';
import { TARGETS } from './support/targets.js';

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';

/** A number parameter (R4 defines none on the stored types), to show that definitions can be added. */
const scoreParam: SearchParameter = {
  resourceType: 'SearchParameter',
  url: 'https://overdracht.dev/fhir/SearchParameter/Observation-score',
  name: 'score',
  status: 'active',
  description: 'The numeric value of a score',
  code: 'score',
  base: ['Observation'],
  type: 'number',
  expression: '(Observation.value.ofType(Quantity)).value',
};
const registry = new SearchParamRegistry(undefined, [...r4SearchParameters(), scoreParam]);

const patients: Patient[] = [
  {
    resourceType: 'Patient',
    id: 'p1',
    identifier: [{ system: BSN, value: '111222333' }],
    name: [{ family: 'Jansen', given: ['Björn'] }],
    birthDate: '1990-05-17',
    active: true,
    address: [{ city: 'Groningen' }],
    meta: { profile: ['https://overdracht.dev/fhir/StructureDefinition/patient'] },
  },
  {
    resourceType: 'Patient',
    id: 'p2',
    identifier: [{ system: BSN, value: '444555666' }, { value: 'no-system' }],
    name: [{ family: 'de Vries', given: ['Anna'] }],
    birthDate: '2007-11',
    active: false,
    address: [{ city: 'Assen' }],
  },
  { resourceType: 'Patient', id: 'p3', name: [{ family: 'Jansens' }] },
];

const conditions: Condition[] = [
  {
    resourceType: 'Condition',
    id: 'c1',
    subject: { reference: 'Patient/p1' },
    code: { coding: [{ system: SNOMED, code: '35489007' }], text: 'depressie' },
    onsetPeriod: { start: '2024-01-10', end: '2024-03-20' },
  },
  {
    resourceType: 'Condition',
    id: 'c2',
    subject: { reference: 'https://other.example/fhir/Patient/p2' },
    code: { coding: [{ code: '35489007' }] },
    onsetDateTime: '2024-06-01T12:00:00+02:00',
  },
  {
    resourceType: 'Condition',
    id: 'c3',
    subject: { reference: 'Group/g1' },
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icpc-1-nl', code: 'P76' }] },
    onsetPeriod: { start: '2024-05-01' },
  },
];

const requests: ServiceRequest[] = ['p1', 'p2', 'p1'].map((p, i) => ({
  resourceType: 'ServiceRequest',
  id: `sr${String(i + 1)}`,
  status: 'active',
  intent: 'order',
  subject: { reference: `Patient/${p}` },
  authoredOn: `2025-0${String(i + 1)}-15`,
}));

const observations: Observation[] = [12, 30.5, 45].map((score, i) => ({
  resourceType: 'Observation',
  id: `o${String(i + 1)}`,
  status: 'final',
  code: { coding: [{ system: LOINC, code: '44261-6' }] },
  subject: { reference: 'Patient/p1' },
  valueQuantity: { value: score },
  effectiveDateTime: `2025-02-0${String(i + 1)}T09:00:00Z`,
}));

const tasks: Task[] = Array.from({ length: 25 }, (_, i) => ({
  resourceType: 'Task',
  id: `t${String(i).padStart(2, '0')}`,
  status: 'requested',
  intent: 'order',
  for: { reference: 'Patient/p1' },
}));

describe.each(TARGETS)('search ($name)', (target) => {
  describe.skipIf(target.skip)('', () => {
    let db: Database;
    let store: ResourceStore;
    let tick = Date.parse('2025-03-01T00:00:00Z');

    async function ids(type: string, query: SearchInput): Promise<string[]> {
      const result = await store.search(type, query);
      return result.resources.map((r) => r.id ?? '').sort();
    }

    beforeAll(async () => {
      db = await target.open();
      // Each write one minute later than the one before, so _lastUpdated is predictable.
      store = new ResourceStore(db, { registry, clock: () => new Date((tick += 60_000)) });
      const all: Resource[] = [...patients, ...conditions, ...requests, ...observations, ...tasks];
      for (const r of all) await store.create(r);
    });
    afterAll(async () => db.close());

    describe('token', () => {
      it('when system|code is given, then only that system matches', async () => {
        expect(await ids('Condition', { code: `${SNOMED}|35489007` })).toEqual(['c1']);
      });
      it('when |code is given, then only codes without a system match', async () => {
        expect(await ids('Condition', { code: '|35489007' })).toEqual(['c2']);
        expect(await ids('Patient', { identifier: '|no-system' })).toEqual(['p2']);
      });
      it('when only a code is given, then any system matches', async () => {
        expect(await ids('Condition', { code: '35489007' })).toEqual(['c1', 'c2']);
      });
      it('when system| is given, then any code of that system matches', async () => {
        expect(await ids('Patient', { identifier: `${BSN}|` })).toEqual(['p1', 'p2']);
      });
      it('when values are comma-separated, then either matches; a repeated parameter must all match', async () => {
        expect(await ids('Patient', { identifier: `${BSN}|111222333,${BSN}|444555666` })).toEqual([
          'p1',
          'p2',
        ]);
        expect(await ids('Patient', { identifier: [`${BSN}|111222333`, `${BSN}|444555666`] })).toEqual([]);
      });
      it('when a boolean is searched, then true and false are tokens', async () => {
        expect(await ids('Patient', { active: 'true' })).toEqual(['p1']);
        expect(await ids('Patient', { active: 'false' })).toEqual(['p2']);
      });
      it('when the text of a CodeableConcept is searched as a token, then it does not match', async () => {
        expect(await ids('Condition', { code: 'depressie' })).toEqual([]);
      });
    });

    describe('reference', () => {
      it('when Type/id is given, then references to it match', async () => {
        expect(await ids('Condition', { subject: 'Patient/p1' })).toEqual(['c1']);
        expect(await ids('Condition', { patient: 'Patient/p1' })).toEqual(['c1']);
      });
      it('when a bare id is given, then a reference of any type to that id matches, absolute ones too', async () => {
        expect(await ids('Condition', { subject: 'p2' })).toEqual(['c2']);
        expect(await ids('Condition', { subject: 'g1' })).toEqual(['c3']);
      });
      it('when a type modifier is given, then only targets of that type match', async () => {
        expect(await ids('Condition', { 'subject:Group': 'g1' })).toEqual(['c3']);
        expect(await ids('Condition', { 'subject:Patient': 'g1' })).toEqual([]);
      });
      it('when an absolute URL is given, then the stored reference must equal it', async () => {
        expect(await ids('Condition', { subject: 'https://other.example/fhir/Patient/p2' })).toEqual(['c2']);
      });
      it('when the patient parameter is used, then references to other types do not count', async () => {
        expect(await ids('Condition', { patient: 'g1' })).toEqual([]);
      });
    });

    describe('chained', () => {
      it('when patient.identifier is given, then resources of the patient with that identifier match', async () => {
        expect(await ids('ServiceRequest', { 'patient.identifier': `${BSN}|111222333` })).toEqual([
          'sr1',
          'sr3',
        ]);
        expect(await ids('ServiceRequest', { 'subject:Patient.identifier': `${BSN}|444555666` })).toEqual([
          'sr2',
        ]);
        expect(await ids('Condition', { 'subject.identifier': `${BSN}|111222333` })).toEqual(['c1']);
      });
      it('when the chained parameter is a string, then the target string search applies', async () => {
        expect(await ids('Task', { 'patient.name': 'jans', _count: '100' })).toHaveLength(25);
        expect(await ids('ServiceRequest', { 'patient.family:exact': 'de Vries' })).toEqual(['sr2']);
      });
      it('when the chain goes two levels deep, then the search is refused', async () => {
        await expect(store.search('ServiceRequest', { 'patient.organization.name': 'x' })).rejects.toThrow(
          /one level/,
        );
      });
    });

    describe('date', () => {
      it('when eq is given a day, then values within the day match', async () => {
        expect(await ids('Patient', { birthdate: '1990-05-17' })).toEqual(['p1']);
        expect(await ids('Patient', { birthdate: 'eq1990' })).toEqual(['p1']);
        expect(await ids('Patient', { birthdate: '2007-11-03' })).toEqual([]);
      });
      it('when ne is given, then values outside the range match', async () => {
        expect(await ids('Patient', { birthdate: 'ne1990' })).toEqual(['p2']);
      });
      it('when lt, gt, le or ge compare ranges, then partial overlaps count as the spec says', async () => {
        // c1 is 2024-01-10..2024-03-20, c2 one second on 2024-06-01 (10:00Z), c3 2024-05-01..open.
        expect(await ids('Condition', { 'onset-date': 'lt2024-02' })).toEqual(['c1']);
        expect(await ids('Condition', { 'onset-date': 'gt2024-05-15' })).toEqual(['c2', 'c3']);
        expect(await ids('Condition', { 'onset-date': 'ge2024-06-01' })).toEqual(['c2', 'c3']);
        expect(await ids('Condition', { 'onset-date': 'le2024-01-11' })).toEqual(['c1']);
        // le is lt or eq: a range starting on the day and running past it is neither.
        expect(await ids('Condition', { 'onset-date': 'le2024-01-10' })).toEqual([]);
      });
      it('when sa or eb is given, then the whole range must start after or end before', async () => {
        expect(await ids('Condition', { 'onset-date': 'sa2024-04' })).toEqual(['c2', 'c3']);
        expect(await ids('Condition', { 'onset-date': 'eb2024-04' })).toEqual(['c1']);
      });
      it('when a time zone is given, then the instant is compared in UTC', async () => {
        expect(await ids('Condition', { 'onset-date': '2024-06-01T10:00:00Z' })).toEqual(['c2']);
        expect(await ids('Condition', { 'onset-date': '2024-06-01T12:00:00Z' })).toEqual([]);
      });
      it('when a date is not valid, then 400', async () => {
        const err = (await store
          .search('Patient', { birthdate: '2024-13-01' })
          .catch((e: unknown) => e)) as OperationOutcomeError;
        expect(err.status).toBe(400);
        expect(err.outcome.issue?.[0]?.expression).toEqual(['birthdate']);
      });
    });

    describe('string', () => {
      it('when a prefix is given, then it matches case- and accent-insensitively', async () => {
        expect(await ids('Patient', { name: 'jansen' })).toEqual(['p1', 'p3']);
        expect(await ids('Patient', { given: 'bjorn' })).toEqual(['p1']);
        expect(await ids('Patient', { family: 'VRIES' })).toEqual([]);
        expect(await ids('Patient', { 'address-city': 'gron' })).toEqual(['p1']);
      });
      it('when :exact is given, then only the exact text matches', async () => {
        expect(await ids('Patient', { 'family:exact': 'Jansen' })).toEqual(['p1']);
        expect(await ids('Patient', { 'family:exact': 'jansen' })).toEqual([]);
      });
      it('when :contains is given, then a match anywhere counts', async () => {
        expect(await ids('Patient', { 'family:contains': 'vries' })).toEqual(['p2']);
        expect(await ids('Patient', { 'given:contains': 'JÖR' })).toEqual(['p1']);
      });
      it('when the value holds LIKE wildcards, then they match literally', async () => {
        expect(await ids('Patient', { name: '%' })).toEqual([]);
        expect(await ids('Patient', { name: 'j_nsen' })).toEqual([]);
      });
    });

    describe('number and uri', () => {
      it('when a number is searched, then eq uses the precision given and the prefixes compare', async () => {
        expect(await ids('Observation', { score: '30' })).toEqual([]);
        expect(await ids('Observation', { score: '30.5' })).toEqual(['o2']);
        expect(await ids('Observation', { score: '12' })).toEqual(['o1']);
        expect(await ids('Observation', { score: 'gt30' })).toEqual(['o2', 'o3']);
        expect(await ids('Observation', { score: 'le30.5' })).toEqual(['o1', 'o2']);
      });
      it('when a uri is searched, then it must match whole, or as a prefix with :below', async () => {
        expect(
          await ids('Patient', { _profile: 'https://overdracht.dev/fhir/StructureDefinition/patient' }),
        ).toEqual(['p1']);
        expect(await ids('Patient', { _profile: 'https://overdracht.dev/fhir' })).toEqual([]);
        expect(await ids('Patient', { '_profile:below': 'https://overdracht.dev/fhir' })).toEqual(['p1']);
      });
    });

    describe('special and result parameters', () => {
      it('when _id is given, then those resources match', async () => {
        expect(await ids('Patient', { _id: 'p1,p3' })).toEqual(['p1', 'p3']);
      });
      it('when _lastUpdated is given, then the store time is compared', async () => {
        const p1 = await store.read('Patient', 'p1');
        const at = p1.meta?.lastUpdated ?? '';
        expect(await ids('Patient', { _lastUpdated: at })).toEqual(['p1']);
        expect(await ids('Patient', { _lastUpdated: `gt${at}` })).toEqual(['p2', 'p3']);
      });
      it('when :missing is given, then resources without (or with) a value match', async () => {
        expect(await ids('Patient', { 'birthdate:missing': 'true' })).toEqual(['p3']);
        expect(await ids('Patient', { 'birthdate:missing': 'false' })).toEqual(['p1', 'p2']);
      });
      it('when _count and _offset page through results, then every resource comes once and total counts all', async () => {
        const first = await store.search('Task', { _total: 'accurate' });
        expect(first.resources).toHaveLength(20);
        expect(first.total).toBe(25);
        expect(first.nextOffset).toBe(20);
        const second = await store.search('Task', { _offset: String(first.nextOffset) });
        expect(second.resources).toHaveLength(5);
        expect(second.nextOffset).toBeUndefined();
        expect(second.total).toBeUndefined();
        const seen = new Set([...first.resources, ...second.resources].map((r) => r.id));
        expect(seen.size).toBe(25);
      });
      it('when _count exceeds the maximum, then 200 at most come back; _count=0 gives only the total', async () => {
        expect((await store.search('Task', { _count: '1000' })).resources).toHaveLength(25);
        expect(await store.search('Task', { _count: '0', _total: 'accurate' })).toEqual({
          resources: [],
          total: 25,
        });
      });
      it('when _sort names a date parameter or _lastUpdated, then results come in that order', async () => {
        const asc = await store.search('ServiceRequest', { _sort: 'authored' });
        expect(asc.resources.map((r) => r.id)).toEqual(['sr1', 'sr2', 'sr3']);
        const desc = await store.search('ServiceRequest', { _sort: '-authored' });
        expect(desc.resources.map((r) => r.id)).toEqual(['sr3', 'sr2', 'sr1']);
        const recent = await store.search('Patient', { _sort: '-_lastUpdated' });
        expect(recent.resources.map((r) => r.id)).toEqual(['p3', 'p2', 'p1']);
      });
      it('when a parameter, modifier or sort is unknown, then 400 and not a silently wider result', async () => {
        for (const query of [
          { nonsense: 'x' },
          { 'name:fuzzy': 'x' },
          { _sort: 'name' },
          { _count: '-1' },
          { birthdate: 'ap2020' },
        ]) {
          const err = (await store
            .search('Patient', query)
            .catch((e: unknown) => e)) as OperationOutcomeError;
          expect(err.status, JSON.stringify(query)).toBe(400);
        }
      });
    });

    it('when the supported parameters are asked for, then the indexed and column parameters are listed', () => {
      const params = store.supportedSearchParams('Patient');
      const names = params.map((p) => p.name);
      expect(names).toEqual(
        expect.arrayContaining([
          '_id',
          '_lastUpdated',
          'identifier',
          'birthdate',
          'name',
          'general-practitioner',
        ]),
      );
      expect(params.find((p) => p.name === 'identifier')).toMatchObject({
        type: 'token',
        definition: 'http://hl7.org/fhir/SearchParameter/Patient-identifier',
      });
      expect(store.supportedSearchParams('Observation').find((p) => p.name === 'score')?.type).toBe('number');
      expect(store.supportedSearchParams('Basic')).toEqual([]);
    });
  });
});
