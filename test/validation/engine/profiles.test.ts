/**
 * Profiles: cardinality, fixed and pattern values (single and repeating elements), slicing
 * (value, pattern, type, exists discriminators; open, closed, ordered), extensions (url, value
 * type, context), profiles from a differential only. Each negative test breaks one field.
 */
import type { StructureDefinition } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { createValidator, type Validator } from '../../../src/validation/index.js';
import { copy, errorPaths, issues } from './helpers.js';

const BASE = 'http://example.org/fhir/StructureDefinition/';

/** A differential-only profile on Patient, as test cases and simple IGs publish them. */
const patientProfile: StructureDefinition = {
  resourceType: 'StructureDefinition',
  url: `${BASE}test-patient`,
  name: 'TestPatient',
  status: 'active',
  kind: 'resource',
  abstract: false,
  type: 'Patient',
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
  derivation: 'constraint',
  differential: {
    element: [
      {
        id: 'Patient.identifier',
        path: 'Patient.identifier',
        min: 1,
        slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'open' },
      },
      { id: 'Patient.identifier:bsn', path: 'Patient.identifier', sliceName: 'bsn', min: 1, max: '1' },
      {
        id: 'Patient.identifier:bsn.system',
        path: 'Patient.identifier.system',
        min: 1,
        fixedUri: 'http://fhir.nl/fhir/NamingSystem/bsn',
      },
      { id: 'Patient.identifier:bsn.value', path: 'Patient.identifier.value', min: 1 },
      { id: 'Patient.name', path: 'Patient.name', min: 1, max: '1' },
      { id: 'Patient.gender', path: 'Patient.gender', fixedCode: 'female' },
      {
        id: 'Patient.maritalStatus',
        path: 'Patient.maritalStatus',
        patternCodeableConcept: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M' }],
        },
      },
      { id: 'Patient.communication', path: 'Patient.communication', max: '2' },
      {
        id: 'Patient.extension',
        path: 'Patient.extension',
        slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' },
      },
      {
        id: 'Patient.extension:birthPlace',
        path: 'Patient.extension',
        sliceName: 'birthPlace',
        min: 1,
        max: '1',
        type: [
          { code: 'Extension', profile: ['http://hl7.org/fhir/StructureDefinition/patient-birthPlace'] },
        ],
      },
    ],
  },
};

/** A profile with a closed, ordered slicing by pattern on a repeating CodeableConcept. */
const observationProfile: StructureDefinition = {
  resourceType: 'StructureDefinition',
  url: `${BASE}test-observation`,
  name: 'TestObservation',
  status: 'active',
  kind: 'resource',
  abstract: false,
  type: 'Observation',
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Observation',
  derivation: 'constraint',
  differential: {
    element: [
      {
        id: 'Observation.category',
        path: 'Observation.category',
        slicing: { discriminator: [{ type: 'pattern', path: '$this' }], rules: 'closed', ordered: true },
      },
      {
        id: 'Observation.category:survey',
        path: 'Observation.category',
        sliceName: 'survey',
        min: 1,
        max: '1',
        patternCodeableConcept: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }],
        },
      },
      {
        id: 'Observation.category:social',
        path: 'Observation.category',
        sliceName: 'social',
        min: 0,
        max: '1',
        patternCodeableConcept: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'social-history' },
          ],
        },
      },
      {
        id: 'Observation.value[x]',
        path: 'Observation.value[x]',
        type: [{ code: 'Quantity' }, { code: 'integer' }],
      },
      {
        id: 'Observation.component',
        path: 'Observation.component',
        slicing: { discriminator: [{ type: 'exists', path: 'value' }], rules: 'open' },
      },
      {
        id: 'Observation.component:withValue',
        path: 'Observation.component',
        sliceName: 'withValue',
        min: 1,
        max: '1',
      },
      { id: 'Observation.component:withValue.value[x]', path: 'Observation.component.value[x]', min: 1 },
    ],
  },
};

let v: Validator;
beforeAll(() => {
  v = createValidator({ includeProjectPackage: false, resources: [patientProfile, observationProfile] });
});

function patient(): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    meta: { profile: [`${BASE}test-patient`] },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">A patient</div>' },
    extension: [
      {
        url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace',
        valueAddress: { city: 'Groningen' },
      },
    ],
    identifier: [
      { system: 'http://example.org/mrn', value: '42' },
      { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' },
    ],
    name: [{ family: 'Jansen' }],
    gender: 'female',
    maritalStatus: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M', display: 'Married' },
      ],
      text: 'getrouwd',
    },
  };
}

function observation(): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    meta: { profile: [`${BASE}test-observation`] },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">An observation</div>' },
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }] },
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'social-history' },
        ],
      },
    ],
    code: { text: 'score' },
    valueInteger: 7,
    component: [{ code: { text: 'part' }, valueInteger: 3 }],
  };
}

describe('profiles', () => {
  it('when the resources conform, then there are no errors', () => {
    expect(issues(v.validate(patient()))).toEqual([]);
    expect(issues(v.validate(observation()))).toEqual([]);
  });

  it('when a required slice is missing, then the error names the slice', () => {
    const p = patient();
    p.identifier = [{ system: 'http://example.org/mrn', value: '42' }];
    const e = issues(v.validate(p));
    expect(e.map((x) => x.path)).toEqual(['Patient']);
    expect(e[0]?.message).toContain('Patient.identifier:bsn');
  });

  it('when a slice occurs too often, then its maximum is reported', () => {
    const p = patient();
    (p.identifier as unknown[]).push({ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' });
    expect(
      issues(v.validate(p))
        .map((x) => x.message)
        .join(),
    ).toContain('Patient.identifier:bsn: max allowed = 1');
  });

  it('when a profile narrows the maximum, then a second value is an error on the parent', () => {
    const p = patient();
    p.name = [{ family: 'Jansen' }, { family: 'de Vries' }];
    expect(errorPaths(v.validate(p))).toEqual(['Patient']);
  });

  it('when a fixed value differs, then the element is reported', () => {
    const p = { ...patient(), gender: 'male' };
    expect(errorPaths(v.validate(p))).toEqual(['Patient.gender']);
  });

  it('when a pattern is not matched, then the element is reported; extra codings and text are allowed', () => {
    const p = patient();
    p.maritalStatus = {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'S' }],
    };
    expect(errorPaths(v.validate(p))).toEqual(['Patient.maritalStatus']);
  });

  it('when a required extension slice is absent, then it is reported; with the wrong value type, the value is unknown', () => {
    const p = patient();
    p.extension = [];
    delete p.extension;
    expect(
      issues(v.validate(p))
        .map((x) => x.message)
        .join(),
    ).toContain('Patient.extension:birthPlace');
    const q = patient();
    q.extension = [
      { url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueString: 'Groningen' },
    ];
    expect(errorPaths(v.validate(q))).toContain('Patient.extension[0]');
  });

  it('when an unknown extension is used, then it is an error at the extension', () => {
    const p = patient();
    (p.extension as unknown[]).push({ url: 'http://unknown.test/StructureDefinition/x', valueString: 'y' });
    expect(errorPaths(v.validate(p))).toEqual(['Patient.extension[1]']);
  });

  it('when an extension is used outside its context, then it is an error', () => {
    const p = patient();
    p.name = [
      {
        family: 'Jansen',
        extension: [
          {
            url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace',
            valueAddress: { city: 'Groningen' },
          },
        ],
      },
    ];
    expect(errorPaths(v.validate(p))).toEqual(['Patient.name[0].extension[0]']);
  });

  it('when an item matches no slice of a closed slicing, then it is an error at the item', () => {
    const o = observation();
    (o.category as unknown[]).push({
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'exam' }],
    });
    expect(errorPaths(v.validate(o))).toEqual(['Observation.category[2]']);
  });

  it('when ordered slices come out of order, then it is an error', () => {
    const o = observation();
    o.category = [...(o.category as unknown[])].reverse();
    expect(errorPaths(v.validate(o))).toEqual(['Observation.category[1]']);
  });

  it('when a choice type is excluded by the profile, then the property is unknown', () => {
    const o = observation();
    delete o.valueInteger;
    o.valueString = 'seven';
    expect(errorPaths(v.validate(o))).toEqual(['Observation']);
  });

  it('when no component has a value (exists discriminator), then the required slice is missing', () => {
    const o = observation();
    o.component = [{ code: { text: 'part' }, dataAbsentReason: { text: 'unknown' } }];
    expect(
      issues(v.validate(o))
        .map((x) => x.message)
        .join(),
    ).toContain('Observation.component:withValue');
  });

  it('when a profile is asked for that the resource does not claim, then it is applied too', () => {
    const p = patient();
    delete p.meta;
    delete p.gender;
    expect(issues(v.validate(p))).toEqual([]);
    p.gender = 'male';
    expect(errorPaths(v.validate(p, { profiles: [`${BASE}test-patient`] }))).toEqual(['Patient.gender']);
  });

  it('when a claimed profile is unknown, then it is a warning; when it is asked for, an error', () => {
    const p = { ...patient(), meta: { profile: ['http://unknown.test/StructureDefinition/x'] } };
    expect(
      issues(v.validate(p), ['warning'])
        .map((x) => x.message)
        .join(),
    ).toContain('has not been checked');
    expect(issues(v.validate(p, { profiles: ['http://unknown.test/StructureDefinition/y'] })).length).toBe(1);
  });

  it('when a profile is added to one validator, then other validators do not see it, and creating them is cheap', () => {
    const start = performance.now();
    const other = createValidator({ includeProjectPackage: false });
    expect(performance.now() - start).toBeLessThan(200);
    const p = { ...patient(), gender: 'male' };
    expect(errorPaths(v.validate(p))).toEqual(['Patient.gender']);
    expect(
      issues(other.validate(p), ['warning'])
        .map((x) => x.message)
        .join(),
    ).toContain('has not been checked');
    expect(issues(other.validate(p))).toEqual([]);
  });

  it('when a pattern is on a repeating element, then each repetition must match it', () => {
    const dutch: StructureDefinition = {
      ...patientProfile,
      url: `${BASE}dutch-addresses`,
      differential: {
        element: [{ id: 'Patient.address', path: 'Patient.address', patternAddress: { country: 'NL' } }],
      },
    };
    const w = createValidator({ includeProjectPackage: false, resources: [dutch] });
    const p = {
      resourceType: 'Patient',
      meta: { profile: [`${BASE}dutch-addresses`] },
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">A patient</div>' },
      address: [
        { city: 'Groningen', country: 'NL' },
        { city: 'Assen', country: 'NL' },
      ],
    };
    expect(issues(w.validate(p))).toEqual([]);
    p.address = [
      { city: 'Groningen', country: 'NL' },
      { city: 'Leer', country: 'DE' },
    ];
    expect(errorPaths(w.validate(p))).toEqual(['Patient.address[1]']);
  });

  it('when a profile cannot be made into a snapshot, then using it is an error that says why', () => {
    const broken: StructureDefinition = {
      ...patientProfile,
      url: `${BASE}broken`,
      differential: { element: [{ id: 'Patient.nonsense', path: 'Patient.nonsense', min: 1 }] },
    };
    const w = createValidator({ includeProjectPackage: false, resources: [broken] });
    const e = issues(w.validate(copy(patient()), { profiles: [`${BASE}broken`] }));
    expect(e.some((x) => x.message.includes('Patient.nonsense'))).toBe(true);
  });
});
