import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownTable, measure, samplePairs } from '../../../scripts/adapters/hl7v2-coverage.js';
import { FIXTURES, setup } from './support.js';

const samples = samplePairs().map((s) => ({ ...s, name: basename(s.message) }));
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.hl7'))
  .sort();

describe('HL7 v2 field coverage', () => {
  it.skipIf(samples.length === 0).each(samples)(
    'when $name is converted, then every populated field is in the output or in the report',
    ({ message, expected }) => {
      const m = measure(setup().adapter, setup().ctx, message, expected);
      expect(m.unaccounted).toEqual([]);
      // The comparison is measured, not asserted: FHIR-Converter maps more US hospital segments (AUT, PV1, ACC).
      expect(m.leaves.filter((l) => l.fhirConverter !== undefined).length).toBe(m.leaves.length);
      expect(markdownTable(m)).toContain('| **total** |');
    },
  );

  it.each(fixtures)(
    'when the Dutch fixture %s is converted, then every populated field is in the output or in the report',
    (name) => {
      const m = measure(setup().adapter, setup().ctx, join(FIXTURES, name));
      expect(m.unaccounted).toEqual([]);
    },
  );

  it('when a Dutch GP referral is converted, then most of what it carries is mapped', () => {
    const m = measure(setup().adapter, setup().ctx, join(FIXTURES, 'nl-his-referral-p76.hl7'));
    const mapped = m.leaves.filter((l) => l.ours === 'mapped' || l.ours === 'structural').length;
    expect(mapped / m.leaves.length).toBeGreaterThan(0.85);
  });
});
