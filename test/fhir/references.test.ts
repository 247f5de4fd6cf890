/** Rewriting references while copying a resource: every Reference mapped, contained ones left alone. */
import { describe, expect, it } from 'vitest';
import { rewriteReferences } from '../../src/fhir/references.js';

const map = (r: string): string | undefined => (r === 'urn:uuid:p' ? 'Patient/1' : undefined);

describe('rewriteReferences', () => {
  it('when references sit at any depth, then each mapped one is rewritten and the rest kept', () => {
    const input = {
      resourceType: 'Composition',
      subject: { reference: 'urn:uuid:p', display: 'x' },
      section: [{ entry: [{ reference: 'urn:uuid:p' }, { reference: 'Condition/c' }] }],
      date: '2026-01-01',
      n: 1,
      b: false,
      none: null,
    };
    expect(rewriteReferences(input, map)).toEqual({
      ...input,
      subject: { reference: 'Patient/1', display: 'x' },
      section: [{ entry: [{ reference: 'Patient/1' }, { reference: 'Condition/c' }] }],
    });
  });

  it('when the result is changed, then the input is not', () => {
    const input = { resourceType: 'Task', for: { reference: 'urn:uuid:p' }, input: [{ a: [1] }] };
    const out = rewriteReferences(input, map);
    out.input[0]?.a.push(2);
    expect(input.for.reference).toBe('urn:uuid:p');
    expect(input.input[0]?.a).toEqual([1]);
  });

  it('when a resource is contained, then its references keep their own space', () => {
    const input = {
      resourceType: 'Observation',
      contained: [{ resourceType: 'Patient', link: [{ other: { reference: 'urn:uuid:p' } }] }],
      subject: { reference: 'urn:uuid:p' },
    };
    const out = rewriteReferences(input, map);
    expect(out.subject.reference).toBe('Patient/1');
    expect(out.contained[0]?.link[0]?.other.reference).toBe('urn:uuid:p');
  });

  it('when a key is __proto__, then it stays an own property and the prototype is untouched', () => {
    const input = JSON.parse('{"resourceType":"Basic","__proto__":{"polluted":true}}') as object;
    const out = rewriteReferences(input, map) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
