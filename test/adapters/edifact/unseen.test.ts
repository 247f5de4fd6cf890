import { describe, expect, it } from 'vitest';
import { convertOne, interchange, segmentsOf, setup } from './support.js';

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

const EXTRA = [
  'DTM+194:20260305:102',
  'NAD+PAT+++de Jong:Anna+Hoofdstraat 1+Groningen++9712 AB+NL',
  'FTX+ZZZ+++vrije tekst',
  'DGN+F32.1:DSM5+Depressie+20250101',
  'MED+:ATC+Paracetamol 500 mg',
  'RFF+VRB:123',
  'XYZ+1+2:3',
  'COM+050-1234567:XX',
  'MEA+44261-6:LN+veel+20260101',
];

/** Letters the tests have not seen: the fixture with segments dropped, repeated, extended and added. */
function mutated(seed: number): Buffer {
  const next = random(seed);
  const segments = segmentsOf('medvri-p76-basis-ggz.edi');
  const body = segments.slice(3, -2);
  const out: string[] = [];
  for (const s of body) {
    const r = next();
    if (r < 0.1 && !/^(PID|NAD\+SND|NAD\+RCV|DTM|BGM)/.test(s)) continue;
    out.push(r > 0.85 ? `${s}+extra:${Math.floor(next() * 100)}` : s);
    if (r > 0.7 && r <= 0.85) out.push(s);
    if (next() > 0.8) out.push(EXTRA[Math.floor(next() * EXTRA.length)] ?? 'XYZ+1');
  }
  return interchange([...segments.slice(0, 3), ...out, ...segments.slice(-2)]);
}

describe('EDIFACT referral letter: letters not seen before', () => {
  it.each(Array.from({ length: 25 }, (_v, i) => i + 1))(
    'when letter %i is converted, then every populated component is in the output, structural, or in the report',
    (seed) => {
      const bytes = mutated(seed);
      const { adapter, ctx } = setup();
      const parsed = adapter.parse(bytes);
      const record = parsed.records[0];
      if (!record?.ok) throw new Error(JSON.stringify(parsed.issues));
      const detailed = adapter.convertDetailed(record.input, ctx);
      expect(detailed.output).toBeDefined();
      const reported = new Set((detailed.report.issue ?? []).flatMap((i) => i.location ?? []));
      for (const leaf of detailed.coverage?.allLeaves() ?? []) {
        const state = detailed.coverage?.state(leaf.key);
        if (state === 'unmapped' || state === 'reported')
          expect(
            leaf.path.some((p) => reported.has(p)),
            leaf.key,
          ).toBe(true);
      }
      expect(detailed.coverage?.stats().mapped).toBeGreaterThan(20);
      expect(convertOne(bytes).bundle.type).toBe('message');
    },
  );
});
