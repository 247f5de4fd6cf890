/**
 * Issue sources (ValidateOptions.issueSource): every issue raised by a definition's rule names
 * that definition and element, so that base FHIR findings can be told from the project's profile
 * findings without reading messages. Each test breaks one field of a valid project example.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createValidator,
  ISSUE_SOURCE_URL,
  issueSourceOf,
  type IssueSource,
  type Validator,
} from '../../../src/validation/index.js';
import { copy } from './helpers.js';

const EXAMPLES = join('profiles', 'package', 'example');
const OV = 'https://overdracht.dev/fhir/StructureDefinition/';
const R4 = 'http://hl7.org/fhir/StructureDefinition/';

function example(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EXAMPLES, `${name}.json`), 'utf8')) as Record<string, unknown>;
}

/** The error issues with their paths and sources. */
function sources(o: OperationOutcome): { path: string; source: IssueSource | undefined }[] {
  return (o.issue ?? [])
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => ({ path: i.expression?.[0] ?? '', source: issueSourceOf(i) }));
}

describe('issue sources', () => {
  let v: Validator;
  beforeAll(() => {
    v = createValidator();
  });
  const validate = (r: unknown): OperationOutcome => v.validate(r, { issueSource: true });

  it('when the option is off, then issues carry no source extension', () => {
    const p = copy(example('Patient-ov-patient-example'));
    p.sex = 'f';
    const o = v.validate(p);
    expect(o.issue?.some((i) => i.extension?.some((e) => e.url === ISSUE_SOURCE_URL))).toBe(false);
    expect(o.issue?.some((i) => i.severity === 'error')).toBe(true);
  });

  it('when the resources conform, then there is nothing to attribute', () => {
    expect(sources(validate(example('Patient-ov-patient-example')))).toEqual([]);
  });

  it('when a property is unknown under a project profile, then the rule is the base type', () => {
    const p = copy(example('Patient-ov-patient-example'));
    p.sex = 'f';
    expect(sources(validate(p))).toEqual([
      { path: 'Patient', source: { definition: `${R4}Patient`, element: 'Patient' } },
    ]);
  });

  it('when a primitive has the wrong format, then the rule is the primitive type', () => {
    const p = copy(example('Patient-ov-patient-example'));
    p.birthDate = '12-04-1990';
    expect(sources(validate(p))).toEqual([
      { path: 'Patient.birthDate', source: { definition: `${R4}date`, element: 'date.value' } },
    ]);
  });

  it('when a code breaks a binding the profile inherits unchanged, then the rule is the base element', () => {
    const p = copy(example('Patient-ov-patient-example'));
    p.gender = 'woman';
    expect(sources(validate(p))).toEqual([
      { path: 'Patient.gender', source: { definition: `${R4}Patient`, element: 'Patient.gender' } },
    ]);
  });

  it('when a profile invariant fails, then the rule is the profile and its element', () => {
    const p = copy(example('Patient-ov-patient-example')) as { identifier: { value: string }[] };
    const bsn = p.identifier[0];
    if (!bsn) throw new Error('the example has a BSN');
    bsn.value = '123456789';
    const found = sources(validate(p));
    expect(found).toContainEqual({
      path: 'Patient.identifier[0]',
      source: { definition: `${OV}ov-patient`, element: 'Patient.identifier:bsn' },
    });
    // The project's own BSN rule on every Identifier is the project's too.
    expect(found.every((f) => f.source?.definition.startsWith('https://overdracht.dev/'))).toBe(true);
  });

  it('when a profile makes an element required, then the missing element is the profile rule', () => {
    const sr = copy(example('ServiceRequest-ov-referral-servicerequest-example'));
    delete sr.authoredOn;
    expect(sources(validate(sr))).toEqual([
      {
        path: 'ServiceRequest',
        source: { definition: `${OV}ov-referral-servicerequest`, element: 'ServiceRequest.authoredOn' },
      },
    ]);
  });

  it('when a cardinality of the base type is broken under a profile, then the rule is the base type', () => {
    const sr = copy(example('ServiceRequest-ov-referral-servicerequest-example'));
    delete sr.subject;
    const found = sources(validate(sr));
    expect(found).toContainEqual({
      path: 'ServiceRequest',
      source: { definition: `${R4}ServiceRequest`, element: 'ServiceRequest.subject' },
    });
  });

  it('when a resource invariant inherited by a profile fails, then the rule is the base resource', () => {
    const obs = copy(example('Observation-ov-rom-observation-example')) as Resource & Record<string, unknown>;
    obs.dataAbsentReason = { text: 'not asked' };
    const found = sources(validate(obs));
    expect(found.length).toBeGreaterThan(0);
    expect(found).toContainEqual({
      path: 'Observation',
      source: { definition: `${R4}Observation`, element: 'Observation' },
    });
  });
});
