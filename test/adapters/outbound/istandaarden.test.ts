import type { Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { create315Writer } from '../../../src/adapters/outbound/istandaarden.js';
import { referralMessage } from '../../../src/demo/referral.js';
import { fixture, run, setup } from '../social/support.js';

const writer = create315Writer();

function mappedLeaves(bytes: Uint8Array): Map<string, string> {
  const { adapter, ctx } = setup();
  const parsed = adapter.parse(bytes);
  const out = new Map<string, string>();
  for (const record of parsed.records) {
    if (!record.ok) continue;
    const { coverage } = adapter.convertDetailed(record.input, ctx);
    for (const leaf of record.input.leaves)
      if (coverage.state(leaf.location) === 'mapped') out.set(leaf.location, leaf.text);
  }
  return out;
}

function bundleOf(bytes: Uint8Array, n = 0): Bundle {
  const output = run(bytes).records[n]?.output;
  if (!output || Array.isArray(output)) throw new Error('no Bundle');
  return output;
}

describe('315 writer', () => {
  it.each(['jw315-youth-ggz.xml'])(
    'when %s goes to FHIR and back, then every mapped element keeps its value',
    (name) => {
      const { ctx } = setup();
      const written = writer.write(bundleOf(fixture(name)), ctx);
      expect(typeof written.output).toBe('string');
      const before = mappedLeaves(fixture(name));
      const after = mappedLeaves(Buffer.from(String(written.output)));
      expect(before.size).toBeGreaterThan(20);
      expect(Object.fromEntries(after)).toEqual(Object.fromEntries(before));
    },
  );

  it('when each product of a WMO315 goes back, then it is a WMO315 with that product', () => {
    const { ctx } = setup();
    const second = writer.write(bundleOf(fixture('wmo315-begeleiding.xml'), 1), ctx);
    expect(String(second.output)).toContain('http://www.istandaarden.nl/iwmo/3_2/wmo315/schema');
    expect(String(second.output)).toContain('<Categorie>07</Categorie>');
    expect(String(second.output)).toContain('<ReferentieAanbieder>BG-4472</ReferentieAanbieder>');
  });

  it('when our GP referral to youth GGZ is written, then the JW315 has category 54, the GP as Verwijzer 02 and converts back', () => {
    const { ctx } = setup();
    const written = writer.write(referralMessage({ category: 'youth-ggz' }), {
      ...ctx,
      channel: { municipalityCode: '0014' },
    });
    const xml = String(written.output);
    expect(xml).toContain('<Categorie>54</Categorie>');
    expect(xml).toMatch(/<Type>02<\/Type>\s*<ZorgverlenerCode>01004567<\/ZorgverlenerCode>/);
    expect(xml).toContain('<Ontvanger>0014</Ontvanger>');
    expect(xml).toContain('<Postcode>9711NV</Postcode>');
    const back = run(Buffer.from(xml));
    expect(back.records[0]?.output).toBeDefined();
    const notCarried = (written.report.issue ?? []).map((i) => i.expression?.[0]);
    expect(notCarried).toContain('ServiceRequest.reason');
  });

  it('when the municipality is nowhere to be found, then nothing is written and the report names where it was looked for', () => {
    const { ctx } = setup();
    const written = writer.write(referralMessage({ category: 'youth-ggz' }), { ...ctx, channel: {} });
    expect(written.output).toBeUndefined();
    const error = written.report.issue?.find((i) => i.severity === 'error');
    expect(error?.expression).toEqual(['MessageHeader.destination.receiver']);
    expect(error?.diagnostics).toMatch(/Header\/Ontvanger/);
  });

  it('when text holds markup, then it is escaped in the XML', () => {
    const { ctx } = setup();
    const bundle = bundleOf(fixture('jw315-youth-ggz.xml'));
    const sr = bundle.entry?.find((e) => e.resource?.resourceType === 'ServiceRequest')?.resource;
    if (sr?.resourceType === 'ServiceRequest') sr.note = [{ text: '<script>x</script> & "y"' }];
    const xml = String(writer.write(bundle, ctx).output);
    expect(xml).toContain('&lt;script&gt;x&lt;/script&gt; &amp; &quot;y&quot;');
    expect(run(Buffer.from(xml)).records[0]?.output).toBeDefined();
  });

  it('when the input is not a Bundle, then it is refused with an outcome', () => {
    const { ctx } = setup();
    const written = writer.write({ resourceType: 'Patient' }, ctx);
    expect(written.output).toBeUndefined();
    expect(written.report.issue?.[0]?.severity).toBe('error');
  });
});
