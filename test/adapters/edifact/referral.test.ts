import type { Condition, Patient, ServiceRequest } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAdapter } from '../../../src/adapters/framework.js';
import { createValidator, type Validator } from '../../../src/validation/index.js';
import {
  convertOne,
  expectGolden,
  fixture,
  interchange,
  issuesAt,
  run,
  segmentsOf,
  setup,
} from './support.js';

const P76 = 'medvri-p76-basis-ggz.edi';
const CRISIS = 'medvri-crisis-icd10-extra.edi';

function resource<T>(bundle: { entry?: { resource?: unknown }[] }, type: string): T[] {
  return (bundle.entry ?? [])
    .map((e) => e.resource as { resourceType?: string } | undefined)
    .filter((r) => r?.resourceType === type) as T[];
}

describe('EDIFACT referral letter: golden outputs', () => {
  it.each([P76, CRISIS])('when %s is converted, then output and report equal the golden file', (name) => {
    const { bundle, report } = convertOne(fixture(name));
    expectGolden(name.replace(/\.edi$/, ''), { output: bundle, report });
  });
});

describe('EDIFACT referral letter: mapping', () => {
  it('when the release character escapes a separator, then the text keeps the character', () => {
    const sr = resource<ServiceRequest>(convertOne(fixture(P76)).bundle, 'ServiceRequest')[0];
    expect(sr?.reasonCode?.[0]?.text).toContain('op het werk: ziekgemeld');
  });

  it('when the letter is converted, then patient, referral category, priority and diagnoses are mapped', () => {
    const { bundle } = convertOne(fixture(P76));
    const patient = resource<Patient>(bundle, 'Patient')[0];
    expect(patient?.identifier?.[0]).toEqual({
      system: 'http://fhir.nl/fhir/NamingSystem/bsn',
      value: '999911120',
    });
    expect(patient?.gender).toBe('female');
    const sr = resource<ServiceRequest>(bundle, 'ServiceRequest')[0];
    expect(sr?.category?.[0]?.coding?.[0]?.code).toBe('ggz-basic');
    expect(sr?.priority).toBe('routine');
    expect(resource<Condition>(bundle, 'Condition').map((c) => c.code?.coding?.[0]?.code)).toEqual([
      'P76',
      'P74',
    ]);
  });

  it('when a UNOW interchange has no UNA, then the default separators and UTF-8 are read', () => {
    const patient = resource<Patient>(convertOne(fixture(CRISIS)).bundle, 'Patient')[0];
    expect(patient?.address?.[0]?.city).toBe('Haren');
    const practitioner = resource<{ name?: { family?: string }[] }>(
      convertOne(fixture(CRISIS)).bundle,
      'Practitioner',
    )[0];
    expect(practitioner?.name?.[0]?.family).toBe('Ömer');
  });

  it('when there is no CAT segment, then the channel referralCategory decides', () => {
    const { ctx, adapter } = setup();
    const bytes = interchange(segmentsOf(P76).filter((s) => !s.startsWith('CAT')));
    const result = runAdapter(adapter, bytes, { ...ctx, channel: { referralCategory: 'ggz-specialist' } });
    const sr = resource<ServiceRequest>(result.records[0]?.output as never, 'ServiceRequest')[0];
    expect(sr?.category?.[0]?.coding?.[0]?.code).toBe('ggz-specialist');
  });
});

describe('EDIFACT referral letter: what is not mapped is reported', () => {
  it('when a segment is outside the subset, then it is reported at its position', () => {
    const { report } = convertOne(fixture(CRISIS));
    expect(issuesAt(report, 'segment 16 (ALG)')[0]?.diagnostics).toMatch(/outside the MEDVRI subset/);
  });

  it('when a component has no mapping (initials), then that component is reported', () => {
    const { report } = convertOne(fixture(CRISIS));
    expect(issuesAt(report, 'segment 9 (PID), element 2.3')).toHaveLength(1);
  });

  it('when a measurement is not a ROM score, then the whole segment is reported once', () => {
    const { report } = convertOne(fixture(CRISIS));
    expect(issuesAt(report, 'segment 18 (MEA)')).toHaveLength(1);
  });

  it('when an extra element is added to a mapped segment, then that element is reported', () => {
    const segments = segmentsOf(P76).map((s) => (s.startsWith('FTX+RFR') ? `${s}+NL+extra` : s));
    const { report } = convertOne(interchange(segments));
    expect(
      issuesAt(report, 'segment 14 (FTX), element 5').length +
        issuesAt(report, 'segment 14 (FTX), element 6').length,
    ).toBe(2);
  });

  it('when a date cannot be read, then the value is reported as untranslatable at its place', () => {
    const segments = segmentsOf(P76).map((s) =>
      s.startsWith('DGN+P76') ? 'DGN+P76:ICPC+Depressie+20251315' : s,
    );
    const { report } = convertOne(interchange(segments));
    const found = issuesAt(report, 'segment 17 (DGN), element 3');
    expect(found[0]?.severity).toBe('warning');
    expect(found[0]?.diagnostics).not.toContain('20251315');
  });

  it('when a code is not in the ConceptMap, then it is reported and the channel fallback is used', () => {
    const segments = segmentsOf(P76).map((s) => (s.startsWith('CAT') ? 'CAT+XXXX' : s));
    const { report } = convertOne(interchange(segments));
    expect(issuesAt(report, 'segment 12 (CAT), element 1')[0]?.diagnostics).toMatch(/not in ConceptMap/);
  });

  it('when every source field is counted, then each is mapped, structural or in the report', () => {
    for (const name of [P76, CRISIS]) {
      const { adapter, ctx } = setup();
      const parsed = adapter.parse(fixture(name));
      const first = parsed.records[0];
      if (!first?.ok) throw new Error('not parsed');
      const detailed = adapter.convertDetailed(first.input, ctx);
      const stats = detailed.coverage?.stats();
      const reportedLocations = new Set((detailed.report.issue ?? []).flatMap((i) => i.location ?? []));
      for (const leaf of detailed.coverage?.allLeaves() ?? []) {
        const state = detailed.coverage?.state(leaf.key);
        if (state === 'unmapped' || state === 'reported')
          expect(
            leaf.path.some((p) => reportedLocations.has(p)),
            leaf.key,
          ).toBe(true);
      }
      expect(stats?.populated).toBeGreaterThan(40);
    }
  });
});

describe('EDIFACT referral letter: messages outside the subset and batches', () => {
  it('when the message type is not MEDVRI, then a clear error names UNH element 2', () => {
    const segments = segmentsOf(P76).map((s) => (s.startsWith('UNH') ? 'UNH+HDL0001+MEDLAB:1:0:NHG' : s));
    const result = run(interchange(segments));
    expect(result.records[0]?.output).toBeUndefined();
    expect(issuesAt(result.report, 'segment 1 (UNH), element 2')[0]?.diagnostics).toMatch(
      /MEDLAB .* outside this mapping/,
    );
  });

  it('when the document is not a referral letter, then a clear error names BGM element 1', () => {
    const segments = segmentsOf(P76).map((s) => (s.startsWith('BGM') ? 'BGM+TRG+X1+9' : s));
    const result = run(interchange(segments));
    expect(issuesAt(result.report, 'segment 2 (BGM), element 1')[0]?.diagnostics).toMatch(
      /TRG .* not converted/,
    );
  });

  it('when the patient segment is missing, then the message fails with the reason', () => {
    const result = run(interchange(segmentsOf(P76).filter((s) => !s.startsWith('PID'))));
    expect(result.records[0]?.output).toBeUndefined();
    expect(result.report.issue?.map((i) => i.diagnostics).join('\n')).toMatch(/no PID segment/);
  });

  it('when an interchange holds a good and a truncated message, then the good one converts', () => {
    const segments = segmentsOf(P76);
    const body = segments.slice(1, -1);
    const second = body.slice(0, 8).map((s) => s.replace('HDL0001', 'HDL0002'));
    const all = [segments[0] ?? '', ...body, ...second, 'UNZ+2+HDL0000123'];
    const result = run(Buffer.from(`${all.join("'\n")}'\n`, 'latin1'));
    expect(result.records).toHaveLength(2);
    expect(result.records[0]?.output).toBeDefined();
    expect(result.records[1]?.output).toBeUndefined();
    expect(result.records[1]?.report.issue?.[0]?.diagnostics).toMatch(/not closed by UNT/);
  });
});

let validator: Validator;
beforeAll(() => {
  validator = createValidator({ includeProjectPackage: true });
});

describe('EDIFACT referral letter: output against the overdracht profiles', () => {
  it.each([P76, CRISIS])(
    'when %s is converted, then the Bundle is valid against ov-referral-message',
    (name) => {
      const { adapter, ctx } = setup();
      const result = runAdapter(adapter, fixture(name), ctx, {
        validate: (resource, profiles) => validator.validate(resource, { profiles }),
      });
      expect(adapter.profilesFor(result.records[0]?.output ?? [])).toContain(
        'https://overdracht.dev/fhir/StructureDefinition/ov-referral-message',
      );
      const errors = (result.report.issue ?? []).filter(
        (i) => i.severity === 'error' || i.severity === 'fatal',
      );
      expect(errors).toEqual([]);
    },
  );
});
