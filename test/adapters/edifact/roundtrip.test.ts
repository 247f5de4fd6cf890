import type { Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { writeReferralEdifact } from '../../../src/adapters/edifact/referral-writer.js';
import { defaultConceptMapDirs } from '../../../src/adapters/index.js';
import { loadConceptMaps } from '../../../src/adapters/translator.js';
import { convertOne, fixture, interchange, segmentsOf } from './support.js';

const maps = loadConceptMaps(defaultConceptMapDirs());

/** Ids derive from the interchange's control reference, which FHIR does not keep: compare by position. */
function normalised(bundle: Bundle): unknown {
  const ids = new Map<string, string>();
  const text = JSON.stringify(bundle).replace(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
    (id) => {
      if (!ids.has(id)) ids.set(id, `id-${ids.size}`);
      return ids.get(id) ?? id;
    },
  );
  return JSON.parse(text) as unknown;
}

describe('EDIFACT referral letter: round trip EDIFACT -> FHIR -> EDIFACT -> FHIR', () => {
  it.each([
    ['medvri-p76-basis-ggz.edi', 'UNOC', fixture('medvri-p76-basis-ggz.edi')],
    // Without the segments the mapping reports (ALG, a blood pressure MEA): they do not reach FHIR,
    // and the sections their presence marks as asked (nilknown) would differ on the way back.
    [
      'medvri-crisis-icd10-extra.edi',
      'UNOW',
      interchange(segmentsOf('medvri-crisis-icd10-extra.edi').filter((s) => !/^(ALG|MEA)\+/.test(s))),
    ],
  ] as const)(
    'when %s goes through FHIR and back, then every mapped field is kept',
    (_name, syntax, bytes) => {
      const first = convertOne(bytes).bundle;
      const written = writeReferralEdifact(first, maps, { controlReference: 'RT0001', syntax });
      if (!written.ok) throw new Error(JSON.stringify(written.report));
      const second = convertOne(written.bytes);
      expect(normalised(second.bundle)).toEqual(normalised(first));
      // What the writer writes, the mapping reads back: only the initials and UNB element 4 (the
      // preparation time) are not mapped, as in the letters it came from.
      const unmapped = (second.report.issue ?? [])
        .filter((i) => i.severity === 'information')
        .flatMap((i) => i.location ?? []);
      expect(unmapped).toEqual(['interchange header UNB, element 4']);
    },
  );

  it('when the Bundle is not a referral message, then the outcome says what is missing', () => {
    const result = writeReferralEdifact({ resourceType: 'Bundle', type: 'message' }, maps, {
      controlReference: 'X',
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.report.issue?.[0]?.diagnostics).toMatch(/MessageHeader/);
  });
});
