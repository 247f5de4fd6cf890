/**
 * The validator never throws and never gives up on an internal error, whatever JSON it is given:
 * wrong types at every position of a valid Bundle, deep nesting, large arrays, `__proto__` keys.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { createValidator, type Validator } from '../../../src/validation/index.js';

let v: Validator;
beforeAll(() => {
  v = createValidator({ includeProjectPackage: false });
});

const DIV = '<div xmlns="http://www.w3.org/1999/xhtml">x</div>';

function bundle(): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      {
        fullUrl: 'urn:uuid:3d3bb6a6-1b7c-4f6b-9d2a-0a6c0f1d2e01',
        resource: {
          resourceType: 'Patient',
          text: { status: 'generated', div: DIV },
          identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }],
          name: [
            {
              family: 'Jansen',
              given: ['Anna'],
              _given: [
                {
                  extension: [
                    { url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier', valueCode: 'CL' },
                  ],
                },
              ],
            },
          ],
          birthDate: '1990-01-01',
          extension: [
            {
              url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace',
              valueAddress: { city: 'Groningen' },
            },
          ],
          contained: [{ resourceType: 'Organization', id: 'o1', name: 'GP' }],
          managingOrganization: { reference: '#o1' },
        },
      },
      {
        fullUrl: 'urn:uuid:3d3bb6a6-1b7c-4f6b-9d2a-0a6c0f1d2e02',
        resource: {
          resourceType: 'Observation',
          status: 'final',
          category: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' },
              ],
            },
          ],
          code: { coding: [{ system: 'http://loinc.org', code: '44261-6' }] },
          subject: { reference: 'urn:uuid:3d3bb6a6-1b7c-4f6b-9d2a-0a6c0f1d2e01' },
          valueQuantity: { value: 12, system: 'http://unitsofmeasure.org', code: '{score}' },
          component: [{ code: { text: 'x' }, valueInteger: 1 }],
        },
      },
    ],
  };
}

const WRONG: unknown[] = [
  null,
  0,
  -1.5,
  '',
  'x',
  true,
  [],
  [null],
  {},
  { resourceType: 'Patient' },
  JSON.parse('{"__proto__":{"polluted":1}}'),
];

/** Every position in a JSON value, as a path of keys and indices. */
function positions(
  v: unknown,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (at.length > 0) out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => positions(x, [...at, i], out));
  else if (typeof v === 'object' && v !== null)
    for (const k of Object.keys(v)) positions((v as Record<string, unknown>)[k], [...at, k], out);
  return out;
}

function replaced(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (let i = 0; i < path.length - 1; i++)
    node = node[path[i] as string] as Record<string | number, unknown>;
  node[path[path.length - 1] as string] = value;
  return copy;
}

function crashed(o: OperationOutcome): boolean {
  return (o.issue ?? []).some((i) => i.code === 'exception');
}

describe('robustness', () => {
  it('when any value of a valid Bundle is replaced by a value of another JSON type, then validation still answers', () => {
    const base = bundle();
    let runs = 0;
    for (const path of positions(base)) {
      for (const w of WRONG) {
        const o = v.validate(replaced(base, path, w));
        runs++;
        if (crashed(o))
          throw new Error(`crashed at ${path.join('.')} = ${JSON.stringify(w)}: ${JSON.stringify(o.issue)}`);
      }
    }
    expect(runs).toBeGreaterThan(500);
  });

  it('when resources are nested thousands of levels deep, then validation answers with an issue', () => {
    let deep: Record<string, unknown> = { resourceType: 'Patient' };
    for (let i = 0; i < 5000; i++) deep = { resourceType: 'Patient', contained: [deep] };
    const o = v.validate(deep);
    expect(crashed(o)).toBe(false);
    let ext: Record<string, unknown> = { url: 'http://example.org/x', valueString: 'x' };
    for (let i = 0; i < 5000; i++) ext = { url: 'http://example.org/x', extension: [ext] };
    expect(crashed(v.validate({ resourceType: 'Patient', extension: [ext] }))).toBe(false);
  });

  it('when an array is very large, then validation answers in linear time', () => {
    const names = Array.from({ length: 50_000 }, (_, i) => ({ family: `F${i}` }));
    const start = performance.now();
    const o = v.validate({ resourceType: 'Patient', name: names });
    expect(crashed(o)).toBe(false);
    expect(performance.now() - start).toBeLessThan(10_000);
  });

  it('when keys are __proto__ or constructor, then they are unknown properties and nothing is polluted', () => {
    const input: unknown = JSON.parse(
      '{"resourceType":"Patient","__proto__":{"polluted":true},"constructor":{"x":1},"name":[{"__proto__":1}]}',
    );
    const o = v.validate(input);
    expect(crashed(o)).toBe(false);
    expect((o.issue ?? []).filter((i) => i.severity === 'error').map((i) => i.expression?.[0])).toEqual([
      'Patient',
      'Patient',
      'Patient.name[0]',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('when a string holds a control character other than tab, line feed or carriage return, then it is an error at that element', () => {
    const b = bundle();
    const patient = (b.entry as { resource: Record<string, unknown> }[])[0]!.resource;
    patient.name = [{ family: 'Jan\u0000sen', given: ['An\tna\r\n'] }];
    const errors = (v.validate(b).issue ?? []).filter((i) => i.severity === 'error');
    expect(errors.map((i) => i.expression?.[0])).toEqual(['Bundle.entry[0].resource.name[0].family']);
    expect(errors[0]?.diagnostics).toMatch(/U\+0000/);
  });
});
