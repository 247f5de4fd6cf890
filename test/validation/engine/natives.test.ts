/**
 * Invariants implemented natively give the verdict their FHIRPath gives (fhirpath.js), on real
 * values and on values broken one field at a time.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareConstraint } from '../../../src/validation/compile/constraints.js';
import { compileExpression, evaluateInvariant } from '../../../src/validation/fhirpath.js';

type Json = Record<string, unknown>;

const OV_BDL_REF_1 =
  "resource.descendants().ofType(Reference).reference.where(startsWith('#').not()).all((%resource.entry.fullUrl | %resource.entry.fullUrl.select(replaceMatches('^.*/([A-Za-z]+/[^/]+)$', '$1'))) contains $this.replaceMatches('/_history/[^/]+$', ''))";

function bundles(): Json[] {
  const dir = join('profiles', 'package', 'example');
  const found: Json[] = [];
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.json')) continue;
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Json;
      if (r.resourceType === 'Bundle') found.push(r);
    }
  }
  found.push({
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { fullUrl: 'https://example.org/fhir/Patient/1', resource: { resourceType: 'Patient', id: '1' } },
      {
        fullUrl: 'urn:uuid:3d3bb6a6-1b7c-4f6b-9d2a-0a6c0f1d2e02',
        resource: {
          resourceType: 'Observation',
          subject: { reference: 'Patient/1/_history/2' },
          performer: [{ reference: '#x' }],
        },
      },
    ],
  });
  return found;
}

/** Variants with one reference made dangling. */
function broken(bundle: Json): Json[] {
  const out: Json[] = [];
  const text = JSON.stringify(bundle);
  let at = text.indexOf('"reference":"');
  while (at >= 0 && out.length < 5) {
    const start = at + '"reference":"'.length;
    out.push(JSON.parse(`${text.slice(0, start)}Nowhere/404${text.slice(text.indexOf('"', start))}`) as Json);
    at = text.indexOf('"reference":"', start);
  }
  return out;
}

describe('native invariants', () => {
  it('when bundles are checked for entry references (ov-bdl-ref-1), then the native verdict is that of the expression', () => {
    const native = prepareConstraint({
      key: 'ov-bdl-ref-1',
      severity: 'error',
      human: '',
      expression: OV_BDL_REF_1,
    }).native;
    expect(native).toBeDefined();
    const full = compileExpression(OV_BDL_REF_1);
    let compared = 0;
    let failed = 0;
    for (const b of bundles().flatMap((x) => [x, ...broken(x)])) {
      const ctx = { resource: b, rootResource: b, bundle: b };
      for (const entry of (b.entry as Json[]) ?? []) {
        const theirs = evaluateInvariant(full, entry, ctx, 'Bundle.entry');
        const mine = native?.(entry, ctx);
        expect(mine).toBe(theirs);
        compared++;
        if (theirs === false) failed++;
      }
    }
    expect(compared).toBeGreaterThan(3);
    expect(failed).toBeGreaterThan(0);
  });
});
