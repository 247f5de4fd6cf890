/**
 * Structure: unknown elements, JSON types, primitive formats, arrays vs single values, choice
 * types, `_field` primitive extensions, cardinality. Each negative test breaks one field of a
 * valid resource and asserts the issue's path.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { createValidator, type Validator } from '../../../src/validation/index.js';

let v: Validator;
beforeAll(() => {
  v = createValidator({ includeProjectPackage: false });
});

function patient(): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    id: 'p1',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">A patient</div>' },
    identifier: [{ system: 'http://example.org/mrn', value: '42' }],
    active: true,
    name: [{ family: 'Jansen', given: ['Anna'] }],
    gender: 'female',
    birthDate: '1990-05-17',
    multipleBirthInteger: 2,
  };
}

export function errors(o: OperationOutcome): { path: string; message: string }[] {
  return (o.issue ?? [])
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => ({ path: i.expression?.[0] ?? '', message: i.diagnostics ?? '' }));
}

function errorPaths(o: OperationOutcome): string[] {
  return errors(o).map((e) => e.path);
}

describe('structure', () => {
  it('when the patient is valid, then there are no errors', () => {
    expect(errors(v.validate(patient()))).toEqual([]);
  });

  it('when a property is unknown, then the error names its parent', () => {
    const p = { ...patient(), nickname: 'x' };
    expect(errors(v.validate(p))).toEqual([{ path: 'Patient', message: "Unrecognized property 'nickname'" }]);
  });

  it('when a repeating element is a single object, then it must be an array', () => {
    const p = { ...patient(), name: { family: 'Jansen' } };
    expect(errorPaths(v.validate(p))).toEqual(['Patient.name']);
  });

  it('when a single element is an array, then it is an error at that element', () => {
    const p = { ...patient(), gender: ['female'] };
    expect(errorPaths(v.validate(p))).toContain('Patient.gender');
  });

  it('when an array is empty, then it is an error', () => {
    const p = { ...patient(), identifier: [] };
    expect(errorPaths(v.validate(p))).toEqual(['Patient.identifier']);
  });

  it('when a date does not exist in the calendar, then the date is invalid', () => {
    const p = { ...patient(), birthDate: '1990-02-30' };
    expect(errorPaths(v.validate(p))).toEqual(['Patient.birthDate']);
  });

  it('when a date has the wrong format, then the date is invalid', () => {
    const p = { ...patient(), birthDate: '17-05-1990' };
    expect(errorPaths(v.validate(p))).toEqual(['Patient.birthDate']);
  });

  it('when a boolean is a string, then the JSON type is wrong', () => {
    const p = { ...patient(), active: 'true' };
    expect(errorPaths(v.validate(p))).toEqual(['Patient.active']);
  });

  it('when an integer has a fraction, then it is invalid', () => {
    const p = { ...patient(), multipleBirthInteger: 2.5 };
    expect(errorPaths(v.validate(p))).toEqual(['Patient.multipleBirth.ofType(integer)']);
  });

  it('when two choices of one element are present, then it is an error', () => {
    const p = { ...patient(), multipleBirthBoolean: true };
    expect(errorPaths(v.validate(p))).toEqual(['Patient']);
  });

  it('when a choice is used with a type it does not allow, then the property is unknown', () => {
    const p = { ...patient(), deceasedString: 'yes' };
    expect(errors(v.validate(p))).toEqual([
      { path: 'Patient', message: "Unrecognized property 'deceasedString'" },
    ]);
  });

  it('when a primitive has an extension part, then the extension is validated', () => {
    const p = {
      ...patient(),
      _birthDate: {
        extension: [
          {
            url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime',
            valueDateTime: '1990-05-17T10:00:00+01:00',
          },
        ],
      },
    };
    expect(errors(v.validate(p))).toEqual([]);
    const bad = {
      ...patient(),
      _birthDate: {
        extension: [
          { url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: 'noon' },
        ],
      },
    };
    expect(errorPaths(v.validate(bad))).toEqual(['Patient.birthDate.extension[0].value.ofType(dateTime)']);
  });

  it('when a primitive has only an extension part without a value, then it is still counted', () => {
    const p = {
      ...patient(),
      name: [
        {
          given: ['Anna'],
          _family: {
            extension: [
              { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' },
            ],
          },
        },
      ],
    };
    expect(errors(v.validate(p))).toEqual([]);
  });

  it('when a required element is missing, then the error is on the parent and names the element', () => {
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' } };
    expect(errors(v.validate(obs))).toEqual([]);
    const { code: _code, ...broken } = obs;
    const e = errors(v.validate(broken));
    expect(e).toHaveLength(1);
    expect(e[0]?.path).toBe('Observation');
    expect(e[0]?.message).toContain('Observation.code: minimum required = 1');
  });

  it('when an element is empty, then ele-1 fails', () => {
    const p = { ...patient(), maritalStatus: {} };
    expect(errorPaths(v.validate(p))).toEqual(['Patient.maritalStatus']);
  });

  it('when an id has invalid characters, then the resource id is invalid', () => {
    const p = { ...patient(), id: 'bad_id' };
    expect(errorPaths(v.validate(p))).toEqual(['Patient.id']);
  });

  it('when the input is not a resource, then a fatal issue says so', () => {
    for (const input of [null, 42, 'x', [], {}, { resourceType: 'Nonsense' }]) {
      const o = v.validate(input);
      expect(o.issue?.[0]?.severity).toBe('fatal');
    }
  });
});
