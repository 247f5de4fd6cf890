/**
 * Definitions: snapshots generated from differentials (slices, choice renames, datatype
 * unfolding), StructureDefinitions validated as instances, implied profiles, corrected R4
 * invariants, and the compiled FHIRPath subset on its own.
 */
import type { StructureDefinition } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { LiteBail, compileLite } from '../../../src/validation/compile/fhirpath-lite.js';
import { generateSnapshot } from '../../../src/validation/compile/snapshot.js';
import { createValidator, type Validator } from '../../../src/validation/index.js';
import { DefinitionRegistry } from '../../../src/validation/registry.js';
import { errorPaths, issues } from './helpers.js';

let v: Validator;
beforeAll(() => {
  v = createValidator({ includeProjectPackage: false });
});

const DIV = '<div xmlns="http://www.w3.org/1999/xhtml">x</div>';

function profile(
  elements: NonNullable<StructureDefinition['differential']>['element'],
  url = 'http://example.org/StructureDefinition/p',
): StructureDefinition {
  return {
    resourceType: 'StructureDefinition',
    url,
    name: 'P',
    status: 'draft',
    kind: 'resource',
    abstract: false,
    type: 'Observation',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Observation',
    derivation: 'constraint',
    differential: { element: elements },
  };
}

describe('snapshot generation', () => {
  const registry = new DefinitionRegistry();
  const base = registry.get('http://hl7.org/fhir/StructureDefinition/Observation') as StructureDefinition;
  const resolve = (u: string): StructureDefinition | undefined => registry.get(u);

  it('when a differential renames a choice and reaches into its type, then the snapshot unfolds the type', () => {
    const r = generateSnapshot(
      profile([
        { id: 'Observation.valueQuantity', path: 'Observation.valueQuantity' },
        { id: 'Observation.valueQuantity.code', path: 'Observation.valueQuantity.code', min: 1 },
      ]),
      base,
      resolve,
    );
    if ('error' in r) throw new Error(r.error);
    const value = r.elements.find((e) => e.id === 'Observation.value[x]');
    expect(value?.type?.map((t) => t.code)).toEqual(['Quantity']);
    expect(r.elements.find((e) => e.id === 'Observation.value[x].code')?.min).toBe(1);
  });

  it('when a choice is renamed to a type it does not have, then generation fails and says why', () => {
    const r = generateSnapshot(
      profile([{ id: 'Observation.valueBla', path: 'Observation.valueBla' }]),
      base,
      resolve,
    );
    expect('error' in r && r.error).toContain("not 'Observation.valueBla'");
  });

  it('when a slice is defined, then it follows its sliced element with the children of the base', () => {
    const r = generateSnapshot(
      profile([
        {
          id: 'Observation.component',
          path: 'Observation.component',
          slicing: { discriminator: [{ type: 'pattern', path: 'code' }], rules: 'open' },
        },
        { id: 'Observation.component:a', path: 'Observation.component', sliceName: 'a', min: 1 },
        {
          id: 'Observation.component:a.code',
          path: 'Observation.component.code',
          patternCodeableConcept: { text: 'a' },
        },
      ]),
      base,
      resolve,
    );
    if ('error' in r) throw new Error(r.error);
    const ids = r.elements.map((e) => e.id);
    expect(ids.indexOf('Observation.component:a')).toBeGreaterThan(
      ids.indexOf('Observation.component.referenceRange'),
    );
    expect(ids).toContain('Observation.component:a.value[x]');
  });

  it('when a derived profile changes a value its base fixes, then generation fails', () => {
    const r = generateSnapshot(
      { ...profile([{ id: 'Observation.status', path: 'Observation.status', fixedCode: 'final' }]) },
      {
        ...base,
        snapshot: {
          element: (base.snapshot?.element ?? []).map((e) =>
            e.id === 'Observation.status' ? { ...e, fixedCode: 'amended' } : e,
          ),
        },
      },
      resolve,
    );
    expect('error' in r && r.error).toContain('fixed');
  });
});

describe('StructureDefinitions as instances', () => {
  it('when a differential cannot be made into a snapshot, then the StructureDefinition is invalid', () => {
    const sd = {
      ...profile([{ id: 'Observation.valueBla', path: 'Observation.valueBla' }]),
      text: { status: 'generated', div: DIV },
    };
    expect(errorPaths(v.validate(sd))).toContain('StructureDefinition');
  });

  it('when a discriminator path names nothing in the sliced element, then the discriminator is reported', () => {
    const sd = {
      ...profile([
        {
          id: 'Observation.extension',
          path: 'Observation.extension',
          slicing: { discriminator: [{ type: 'value', path: 'nothing' }], rules: 'open' },
        },
      ]),
      text: { status: 'generated', div: DIV },
    };
    expect(errorPaths(v.validate(sd))).toContain(
      'StructureDefinition.differential.element[0].slicing.discriminator[0]',
    );
  });
});

describe('implied profiles and corrected invariants', () => {
  it('when an Observation has a vital-sign code, then the vital signs profile applies', () => {
    const obs = {
      resourceType: 'Observation',
      text: { status: 'generated', div: DIV },
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8310-5' }] },
      valueQuantity: { value: 37 },
    };
    expect(issues(v.validate(obs)).some((i) => i.message.includes('bodytemp'))).toBe(true);
  });

  it('when a Questionnaire item has two enableWhen and no enableBehavior, then que-12 fails (as corrected)', () => {
    const q = {
      resourceType: 'Questionnaire',
      text: { status: 'generated', div: DIV },
      status: 'draft',
      item: [
        { linkId: 'a', type: 'boolean' },
        {
          linkId: 'b',
          type: 'string',
          enableWhen: [
            { question: 'a', operator: '=', answerBoolean: true },
            { question: 'a', operator: 'exists', answerBoolean: true },
          ],
        },
      ],
    };
    expect(issues(v.validate(q)).map((i) => i.message.slice(0, 25))).toEqual(['Constraint failed: que-12']);
  });
});

describe('fhirpath-lite', () => {
  const ctx = { resource: undefined, rootResource: undefined };
  const run = (expr: string, node: unknown): boolean => {
    const f = compileLite(expr);
    if (!f) throw new Error(`not compiled: ${expr}`);
    return f(node, ctx);
  };

  it('when an expression uses existence, counts, where() and three-valued logic, then it follows FHIRPath', () => {
    expect(run('code.empty() or system.exists()', { code: 'x' })).toBe(false);
    expect(run('code.empty() or system.exists()', {})).toBe(true);
    expect(
      run("coding.where(system = 's' and code = 'c').exists()", { coding: [{ system: 's', code: 'c' }] }),
    ).toBe(true);
    expect(run('period.exists() implies period >= 0', { period: -1 })).toBe(false);
    expect(run('(identifier.count() + name.count()) > 0', { name: [{}] })).toBe(true);
    expect(run('value.ofType(Quantity).value > 1', { valueQuantity: { value: 2 } })).toBe(true);
    expect(run("value.matches('^[0-9]{3}$')", { value: '123' })).toBe(true);
  });

  it('when a value needs the full engine (dates of different precision), then the compiled form bails out', () => {
    const f = compileLite('start = end');
    expect(() => f?.({ start: '2020', end: '2020-01' }, ctx)).toThrow(LiteBail);
  });

  it('when an expression is outside the subset, then it is not compiled', () => {
    expect(compileLite('descendants().exists()')).toBeUndefined();
    expect(compileLite('a.repeat(b).exists()')).toBeUndefined();
    expect(compileLite('today() > @2020')).toBeUndefined();
  });
});
