/**
 * The EDIFACT writers as outbound formats (`edifact`, `edifact-feedback`): what they write is read
 * back by the inbound EDIFACT adapter, what they do not carry is in the report by FHIRPath, and a
 * FHIR input of the wrong kind or a bad channel setting is refused naming the path.
 */
import { readFileSync } from 'node:fs';
import type { Bundle, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createWriterRegistry } from '../../../src/adapters/outbound/index.js';
import { convertOne, setup } from '../edifact/support.js';

const registry = createWriterRegistry();
const referralWriter = registry.get('edifact');
const feedbackWriter = registry.get('edifact-feedback');
const referral = (): Bundle => JSON.parse(readFileSync('examples/referral-message.json', 'utf8')) as Bundle;
const feedback = (): Bundle =>
  JSON.parse(readFileSync('test/adapters/outbound/fixtures/feedback-intake.json', 'utf8')) as Bundle;

function write(format: 'edifact' | 'edifact-feedback', input: Bundle, channel: Record<string, string> = {}) {
  const writer = format === 'edifact' ? referralWriter : feedbackWriter;
  if (!writer) throw new Error(`${format} is not registered`);
  const { ctx } = setup();
  return writer.write(input, { ...ctx, channel });
}

const expressions = (report: OperationOutcome): string[] =>
  (report.issue ?? []).flatMap((i) => i.expression ?? []);

describe('outbound edifact (referral letter, document VRB)', () => {
  it('when the example referral is written, then the EDIFACT adapter reads back the client and the category', () => {
    const written = write('edifact', referral());
    expect(written.output).toBeInstanceOf(Uint8Array);
    const back = convertOne(written.output as Uint8Array).bundle;
    const patient = back.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource as Patient;
    expect(patient.identifier?.[0]?.value).toBe('999911144');
    expect(JSON.stringify(back)).toContain('"code":"ggz-basic"');
    expect(Buffer.from(written.output as Uint8Array).toString('latin1')).toMatch(
      /^UNA:\+\.\? '\nUNB\+UNOC:3\+01004567:AGB\+06001234:AGB\+/,
    );
  });

  it('when the referral holds what the letter cannot carry, then the report names each by FHIRPath and quotes no value', () => {
    const input = referral();
    const written = write('edifact', input);
    const at = (type: string): string =>
      `Bundle.entry[${input.entry?.findIndex((e) => e.resource?.resourceType === type)}].resource`;
    expect(expressions(written.report)).toEqual(
      expect.arrayContaining([
        at('Consent'),
        at('Composition'),
        `${at('ServiceRequest')}.reasonCode[0].coding`,
      ]),
    );
    expect(JSON.stringify(written.report)).not.toContain('999911144');
    expect((written.report.issue ?? []).every((i) => i.severity === 'information')).toBe(true);
  });

  it('when channel syntax is UNOW, then the interchange is UTF-8; when it is another, then it is refused at channel.syntax', () => {
    const unow = write('edifact', referral(), { syntax: 'UNOW', controlReference: 'REF-42' });
    expect(Buffer.from(unow.output as Uint8Array).toString('utf8')).toMatch(/UNB\+UNOW:4\+.*\+REF42'/);
    const bad = write('edifact', referral(), { syntax: 'UNOA' });
    expect(bad.output).toBeUndefined();
    expect(expressions(bad.report)).toEqual(['channel.syntax']);
  });

  it('when the input is a feedback document or no Bundle, then it is refused naming the path', () => {
    expect(expressions(write('edifact', feedback()).report)).toEqual(['Bundle.type']);
    const patient = { resourceType: 'Patient' } as unknown as Bundle;
    expect(expressions(write('edifact', patient).report)).toEqual(['Patient']);
  });
});

describe('outbound edifact-feedback (terugrapportage, document TRG)', () => {
  it('when the intake feedback is written, then it is a TRG message answering the referral, with the report of what it did not carry', () => {
    const written = write('edifact-feedback', feedback());
    const text = Buffer.from(written.output as Uint8Array).toString('latin1');
    expect(text).toContain("BGM+TRG+TR-2026-0611+9'");
    expect(text).toContain("RFF+VRB:VW-msg-0001'");
    expect(text).toContain('DGN+P76:ICPC+');
    expect(expressions(written.report)).toEqual(
      expect.arrayContaining(['Bundle.entry[0].resource.title', 'Bundle.entry[1].resource.address']),
    );
    expect(JSON.stringify(written.report)).not.toContain('999911120');
  });

  it('when a referral message is posted as feedback, then it is refused: no feedback Composition in Bundle.entry', () => {
    const written = write('edifact-feedback', referral());
    expect(written.output).toBeUndefined();
    expect(written.report.issue?.[0]?.severity).toBe('error');
    expect(expressions(written.report)).toEqual(['Bundle.entry']);
  });

  it('when the feedback loses its client, then it is refused at the Composition subject', () => {
    const input = feedback();
    input.entry = input.entry?.filter((e) => e.resource?.resourceType !== 'Patient');
    expect(expressions(write('edifact-feedback', input).report)).toEqual([
      'Bundle.entry[0].resource.subject',
    ]);
  });
});
