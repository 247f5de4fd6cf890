/**
 * The compiled FHIRPath subset must give the same verdict as fhirpath.js on every invariant the
 * engine evaluates. Every compiled invariant is run through both engines while real resources are
 * validated (the conformance test cases and the project's examples), and the verdicts compared.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { compileExpression, evaluateInvariant } from '../../../src/validation/fhirpath.js';

const mismatches: string[] = [];
let compared = 0;

vi.mock('../../../src/validation/compile/fhirpath-lite.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/validation/compile/fhirpath-lite.js')>();
  return {
    ...actual,
    compileLite: (expression: string) => {
      const lite = actual.compileLite(expression);
      if (!lite) return undefined;
      const full = compileExpression(expression);
      return (node: unknown, ctx: { resource: unknown; rootResource: unknown }, typeName?: string) => {
        let mine: boolean | 'bail';
        try {
          mine = lite(node, ctx);
        } catch (err) {
          if (err instanceof actual.LiteBail) mine = 'bail';
          else throw err;
        }
        const theirs = evaluateInvariant(full, node, ctx, typeName);
        if (mine !== 'bail' && typeof theirs === 'boolean') {
          compared++;
          if (mine !== theirs)
            mismatches.push(
              `${expression} on ${JSON.stringify(node).slice(0, 200)}: lite ${mine}, fhirpath.js ${theirs}`,
            );
        }
        if (mine === 'bail') throw new actual.LiteBail();
        return mine;
      };
    },
  };
});

const SHARED = join('..', 'shared', 'conformance', 'fhir-test-cases', 'cases');
const EXAMPLES = join('profiles', 'package', 'example');

function jsonFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) jsonFiles(p, out);
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

describe('fhirpath-lite', () => {
  it('when real resources are validated, then every compiled invariant agrees with fhirpath.js', async () => {
    if (!existsSync(SHARED) && process.env.CI !== 'true') {
      console.warn('skipped in part: ../shared (conformance cases) is absent');
    }
    const { createValidator } = await import('../../../src/validation/index.js');
    const v = createValidator({ includeProjectPackage: true });
    const files = [...jsonFiles(SHARED), ...jsonFiles(EXAMPLES)];
    if (process.env.CI === 'true') expect(files.length).toBeGreaterThan(100);
    for (const f of files) {
      let resource: unknown;
      try {
        resource = JSON.parse(readFileSync(f, 'utf8'));
      } catch {
        continue;
      }
      v.validate(resource);
    }
    expect(mismatches).toEqual([]);
    if (files.length > 0) expect(compared).toBeGreaterThan(100);
  });

  it('when a reference is rewritten with replaceMatches, then lite gives fhirpath.js verdict', async () => {
    const { compileLite } = await import('../../../src/validation/compile/fhirpath-lite.js');
    const expression =
      "entry.first().resource.focus.reference.all($this in (%resource.entry.where(resource is ServiceRequest).fullUrl | %resource.entry.where(resource is ServiceRequest).fullUrl.select(replaceMatches('^.*/([A-Za-z]+/[^/]+)$', '$1'))))";
    const lite = compileLite(expression);
    expect(lite).toBeDefined();
    const bundle = (focus: string) => ({
      resourceType: 'Bundle',
      entry: [
        { fullUrl: 'urn:uuid:h', resource: { resourceType: 'MessageHeader', focus: [{ reference: focus }] } },
        {
          fullUrl: 'https://a.example/fhir/ServiceRequest/sr1',
          resource: { resourceType: 'ServiceRequest' },
        },
      ],
    });
    const verdict = (focus: string) => {
      const b = bundle(focus);
      return lite?.(b, { resource: b, rootResource: b });
    };
    const before = mismatches.length;
    expect(verdict('ServiceRequest/sr1')).toBe(true);
    expect(verdict('https://a.example/fhir/ServiceRequest/sr1')).toBe(true);
    expect(verdict('ServiceRequest/other')).toBe(false);
    expect(mismatches.slice(before)).toEqual([]);
  });
});
