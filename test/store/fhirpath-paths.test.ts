/**
 * The direct walks of plain search-parameter paths (src/store/fhirpath-paths.ts) against
 * fhirpath.js: for every indexed parameter of every gateway type, on every example resource of
 * the project (and the resources inside its Bundles), both give the same index rows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { GATEWAY_TYPES } from '../../src/gateway/index.js';
import { compilePaths } from '../../src/store/fhirpath-paths.js';
import { indexRows } from '../../src/store/index-rows.js';
import {
  compileWithFhirpath,
  SearchParamRegistry,
  splitUnion,
  type IndexedParam,
} from '../../src/store/search-params.js';
import { referralMessage } from '../support/referral.js';

const ROOT = join(import.meta.dirname, '..', '..');
const registry = new SearchParamRegistry(GATEWAY_TYPES);

/** The example instances of the profile package, the examples folder and a full demo referral. */
function examples(): Resource[] {
  const dir = join(ROOT, 'profiles', 'package', 'example');
  const files = [
    ...readdirSync(dir).map((f) => join(dir, f)),
    join(ROOT, 'examples', 'referral-message.json'),
  ];
  const roots = [
    ...files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Resource),
    referralMessage({ messageId: 'paths', clientRequest: 'Hulp bij werk.' }) as Resource,
  ];
  const out: Resource[] = [];
  const add = (r: Resource): void => {
    out.push(r);
    if (r.resourceType === 'Bundle') for (const e of r.entry ?? []) if (e.resource) add(e.resource);
  };
  roots.forEach(add);
  return out.filter((r) => registry.isStored(r.resourceType));
}

/** The same parameter evaluated by fhirpath.js only. */
function throughFhirpath(param: IndexedParam): IndexedParam {
  return { ...param, evaluate: compileWithFhirpath(param.expression) };
}

const sorted = (rows: object[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

describe('direct walks of search parameter paths', () => {
  const resources = examples();

  it('when the examples are read, then they cover the types a referral stores', () => {
    const types = new Set(resources.map((r) => r.resourceType));
    for (const t of ['Patient', 'ServiceRequest', 'Composition', 'Observation', 'Organization', 'Consent'])
      expect(types).toContain(t);
  });

  it('when nearly every parameter is a plain path, then nearly every one is walked directly', () => {
    const params = GATEWAY_TYPES.flatMap((t) => registry.indexed(t));
    const direct = params.filter((p) => compilePaths(splitUnion(p.expression)) !== undefined);
    expect(direct.length / params.length).toBeGreaterThan(0.95);
  });

  it('when a resource is indexed by the walks and by fhirpath.js, then the rows are the same', () => {
    const reference = new SearchParamRegistry(GATEWAY_TYPES);
    for (const type of GATEWAY_TYPES) {
      for (const param of reference.indexed(type)) {
        // Replace in place: `indexed` hands out the registry's own entries.
        Object.assign(param, throughFhirpath(param));
      }
    }
    let compared = 0;
    for (const resource of resources) {
      const direct = indexRows(registry, resource);
      const slow = indexRows(reference, resource);
      for (const kind of ['token', 'reference', 'date', 'string', 'number', 'uri'] as const) {
        expect(sorted(direct[kind]), `${resource.resourceType}/${resource.id ?? ''} ${kind}`).toEqual(
          sorted(slow[kind]),
        );
        compared += slow[kind].length;
      }
    }
    expect(compared).toBeGreaterThan(200);
  });
});
