/**
 * Bundles and references: reference targets (by URL and by resolution inside the Bundle, with
 * urn:uuid and relative references), document and message shape, fullUrl rules, invariants of
 * datatypes and resources inside entries and contained resources, project rules (BSN, AGB).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createValidator, type Validator } from '../../../src/validation/index.js';
import { errorPaths, issues } from './helpers.js';

let v: Validator;
beforeAll(() => {
  v = createValidator({ includeProjectPackage: false });
});

const DIV = '<div xmlns="http://www.w3.org/1999/xhtml">x</div>';
const P = 'urn:uuid:3d3bb6a6-1b7c-4f6b-9d2a-0a6c0f1d2e01';
const O = 'urn:uuid:3d3bb6a6-1b7c-4f6b-9d2a-0a6c0f1d2e02';
const H = 'urn:uuid:3d3bb6a6-1b7c-4f6b-9d2a-0a6c0f1d2e03';

function message(): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'message',
    timestamp: '2026-03-01T10:00:00+01:00',
    entry: [
      {
        fullUrl: H,
        resource: {
          resourceType: 'MessageHeader',
          text: { status: 'generated', div: DIV },
          eventCoding: { system: 'http://example.org/events', code: 'referral' },
          source: { endpoint: 'https://his.example.org/fhir' },
          focus: [{ reference: O }],
        },
      },
      {
        fullUrl: P,
        resource: {
          resourceType: 'Patient',
          text: { status: 'generated', div: DIV },
          identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }],
        },
      },
      {
        fullUrl: O,
        resource: {
          resourceType: 'Observation',
          text: { status: 'generated', div: DIV },
          status: 'final',
          code: { text: 'weight' },
          subject: { reference: P },
          valueQuantity: { value: 70, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
          effectivePeriod: { start: '2026-02-01', end: '2026-02-02' },
        },
      },
    ],
  };
}

function entryResource(b: Record<string, unknown>, i: number): Record<string, unknown> {
  return ((b.entry as Record<string, unknown>[])[i] as { resource: Record<string, unknown> }).resource;
}

describe('bundles and references', () => {
  it('when the message is valid, then there are no errors', () => {
    expect(issues(v.validate(message()))).toEqual([]);
  });

  it('when a reference inside the Bundle resolves to the wrong type, then the reference is reported', () => {
    const b = message();
    entryResource(b, 2).subject = { reference: H };
    const e = issues(v.validate(b));
    expect(e.map((x) => x.path)).toEqual(['Bundle.entry[2].resource.subject']);
    expect(e[0]?.message).toContain("'MessageHeader'");
  });

  it('when a relative reference names a type the element does not allow, then it is reported', () => {
    const b = message();
    entryResource(b, 2).subject = { reference: 'Medication/123' };
    expect(errorPaths(v.validate(b))).toEqual(['Bundle.entry[2].resource.subject']);
  });

  it('when the first entry of a message is not a MessageHeader, then the Bundle is reported', () => {
    const b = message();
    b.entry = [...(b.entry as unknown[])].reverse();
    expect(errorPaths(v.validate(b))).toContain('Bundle');
  });

  it('when a message focus does not resolve in the Bundle, then the focus is reported', () => {
    const b = message();
    entryResource(b, 0).focus = [{ reference: 'urn:uuid:3d3bb6a6-1b7c-4f6b-9d2a-0a6c0f1d2eff' }];
    expect(errorPaths(v.validate(b))).toEqual(['Bundle.entry[0].resource.focus[0]']);
  });

  it('when a fullUrl is relative, then the entry is reported', () => {
    const b = message();
    (b.entry as Record<string, unknown>[])[1] = {
      ...(b.entry as Record<string, unknown>[])[1],
      fullUrl: 'Patient/1',
    };
    expect(errorPaths(v.validate(b))).toContain('Bundle.entry[1]');
  });

  it('when a RESTful fullUrl does not end with the type and id, then the entry is reported', () => {
    const b = message();
    const entries = b.entry as Record<string, unknown>[];
    entries[1] = {
      fullUrl: 'https://example.org/fhir/Patient/1',
      resource: { ...entryResource(b, 1), id: '2' },
    };
    entryResource(b, 2).subject = { reference: 'https://example.org/fhir/Patient/1' };
    expect(errorPaths(v.validate(b))).toEqual(['Bundle.entry[1]']);
  });

  it('when two entries share a fullUrl, then bdl-7 fails', () => {
    const b = message();
    const entries = b.entry as Record<string, unknown>[];
    entries.push({ ...entries[1] });
    expect(
      issues(v.validate(b))
        .map((x) => x.message)
        .join(),
    ).toContain('bdl-7');
  });

  it('when two entries hold the same resource type and id on the same server, then the second is a duplicate', () => {
    const b = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: 'https://example.org/fhir/Patient/1',
          resource: { resourceType: 'Patient', id: '1', text: { status: 'generated', div: DIV } },
        },
        {
          fullUrl: 'https://example.org/fhir/Patient/1/_history/1',
          resource: { resourceType: 'Patient', id: '1', text: { status: 'generated', div: DIV } },
        },
        {
          fullUrl: 'https://other.example.org/fhir/Patient/1',
          resource: { resourceType: 'Patient', id: '1', text: { status: 'generated', div: DIV } },
        },
      ],
    };
    expect(
      issues(v.validate(b))
        .filter((x) => x.message.startsWith('Duplicate'))
        .map((x) => x.path),
    ).toEqual(['Bundle.entry[1]']);
  });

  it('when a document does not start with a Composition, then the Bundle is reported', () => {
    const b = {
      ...message(),
      type: 'document',
      identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:3d3bb6a6-1b7c-4f6b-9d2a-0a6c0f1d2e10' },
    };
    expect(issues(v.validate(b)).some((x) => x.message.includes('bdl-11'))).toBe(true);
  });

  it('when a datatype invariant fails inside an entry, then its path is the datatype', () => {
    const b = message();
    entryResource(b, 2).valueQuantity = { value: 70, code: 'kg' };
    const e = issues(v.validate(b));
    expect(e.map((x) => x.path)).toEqual(['Bundle.entry[2].resource.value.ofType(Quantity)']);
    expect(e[0]?.message).toContain('qty-3');
  });

  it('when a Period ends before it starts, then per-1 fails at the Period', () => {
    const b = message();
    entryResource(b, 2).effectivePeriod = { start: '2026-02-02', end: '2026-02-01' };
    expect(errorPaths(v.validate(b))).toEqual(['Bundle.entry[2].resource.effective.ofType(Period)']);
  });

  it('when a resource invariant fails inside an entry, then the entry resource is reported', () => {
    const b = message();
    entryResource(b, 2).dataAbsentReason = { text: 'unknown' };
    expect(issues(v.validate(b)).map((x) => `${x.path} ${x.message.slice(0, 24)}`)).toEqual([
      'Bundle.entry[2].resource Constraint failed: obs-6',
    ]);
  });

  it('when a BSN fails the 11-check, then the identifier is reported without repeating the value', () => {
    const b = message();
    entryResource(b, 1).identifier = [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '123456789' }];
    const e = issues(v.validate(b));
    expect(e.map((x) => x.path)).toEqual(['Bundle.entry[1].resource.identifier[0]']);
    expect(JSON.stringify(e)).not.toContain('123456789');
  });

  it('when an AGB code is not 8 digits, then the identifier is reported', () => {
    const org = {
      resourceType: 'Organization',
      text: { status: 'generated', div: DIV },
      identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '1234567' }],
    };
    expect(errorPaths(v.validate(org))).toEqual(['Organization.identifier[0]']);
    org.identifier = [{ system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '12345678' }];
    expect(errorPaths(v.validate(org))).toEqual([]);
  });

  it('when a contained resource is referenced, then it is checked as a resource; a dangling local reference is reported', () => {
    const obs = {
      resourceType: 'Observation',
      text: { status: 'generated', div: DIV },
      status: 'final',
      code: { text: 'x' },
      contained: [{ resourceType: 'Patient', id: 'p1', birthDate: '2020-13-01' }],
      subject: { reference: '#p1' },
    };
    expect(errorPaths(v.validate(obs))).toEqual(['Observation.contained[0].birthDate']);
    const dangling = {
      ...obs,
      contained: [{ resourceType: 'Patient', id: 'p1' }],
      subject: { reference: '#p2' },
    };
    expect(errorPaths(v.validate(dangling))).toContain('Observation.subject.reference');
  });

  it('when a reference requires a profile its target in the Bundle does not meet, then the reference is reported', () => {
    const named = {
      resourceType: 'StructureDefinition',
      url: 'http://example.org/StructureDefinition/named-patient',
      name: 'NamedPatient',
      status: 'draft',
      kind: 'resource',
      abstract: false,
      type: 'Patient',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
      derivation: 'constraint',
      differential: { element: [{ id: 'Patient.name', path: 'Patient.name', min: 1 }] },
    };
    const obsProfile = {
      ...named,
      url: 'http://example.org/StructureDefinition/obs-of-named',
      name: 'ObsOfNamed',
      type: 'Observation',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Observation',
      differential: {
        element: [
          {
            id: 'Observation.subject',
            path: 'Observation.subject',
            type: [
              { code: 'Reference', targetProfile: ['http://example.org/StructureDefinition/named-patient'] },
            ],
          },
        ],
      },
    };
    const w = createValidator({ includeProjectPackage: false, resources: [named, obsProfile] });
    const b = message();
    entryResource(b, 2).meta = { profile: ['http://example.org/StructureDefinition/obs-of-named'] };
    entryResource(b, 1).name = [{ family: 'Jansen' }];
    expect(issues(w.validate(b))).toEqual([]);
    // Unclaimed, the target is checked against the profile on its own; claimed, its own walk decides.
    delete entryResource(b, 1).name;
    expect(errorPaths(w.validate(b))).toEqual(['Bundle.entry[2].resource.subject']);
    entryResource(b, 1).meta = { profile: ['http://example.org/StructureDefinition/named-patient'] };
    expect(errorPaths(w.validate(b)).sort()).toEqual([
      'Bundle.entry[1].resource',
      'Bundle.entry[2].resource.subject',
    ]);
  });

  it('when a required binding is broken, then it is an error; an extensible one, a warning', () => {
    const p = { resourceType: 'Patient', text: { status: 'generated', div: DIV }, gender: 'woman' };
    expect(errorPaths(v.validate(p))).toEqual(['Patient.gender']);
    const c = {
      resourceType: 'Condition',
      text: { status: 'generated', div: DIV },
      subject: { reference: 'Patient/1' },
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      category: [{ coding: [{ system: 'http://example.org/other', code: 'x' }] }],
    };
    expect(issues(v.validate(c))).toEqual([]);
    expect(issues(v.validate(c), ['warning']).map((x) => x.path)).toContain('Condition.category[0]');
  });
});
