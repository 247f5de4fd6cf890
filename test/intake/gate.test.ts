import { describe, expect, it } from 'vitest';
import type { Bundle, Composition } from '@medplum/fhirtypes';
import { checkGate } from '../../src/intake/gate.js';
import { SUMMARY_SECTIONS, SYSTEMS } from '../../src/fhir/codes.js';

function summary(): Composition {
  return {
    resourceType: 'Composition',
    id: 'sum',
    status: 'final',
    type: { coding: [{ system: SYSTEMS.documentType, code: 'previous-treatment-summary' }] },
    date: '2026-03-01',
    title: 'Samenvatting eerdere behandeling',
    author: [{ reference: 'Organization/gp' }],
    section: SUMMARY_SECTIONS.map((code, i) =>
      i % 2 === 0
        ? {
            code: { coding: [{ system: SYSTEMS.summarySection, code }] },
            entry: [{ reference: 'Condition/c1' }],
          }
        : {
            code: { coding: [{ system: SYSTEMS.summarySection, code }] },
            emptyReason: { coding: [{ system: SYSTEMS.listEmptyReason, code: 'nilknown' }] },
          },
    ),
  };
}

function message(s: Composition | null = summary()): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'message',
    entry: [
      {
        fullUrl: 'urn:uuid:mh',
        resource: {
          resourceType: 'MessageHeader',
          eventCoding: { code: 'referral' },
          source: { endpoint: 'x' },
          focus: [{ reference: 'urn:uuid:sr' }],
        },
      },
      {
        fullUrl: 'urn:uuid:sr',
        resource: {
          resourceType: 'ServiceRequest',
          status: 'active',
          intent: 'order',
          subject: { reference: 'urn:uuid:p' },
          supportingInfo: s ? [{ reference: 'urn:uuid:sum' }] : [],
        },
      },
      ...(s ? [{ fullUrl: 'urn:uuid:sum', resource: s }] : []),
    ],
  };
}

describe('the gate (R1)', () => {
  it('when every section is filled or has nilknown, then the referral passes', () => {
    const r = checkGate(message());
    expect(r.passed).toBe(true);
    expect(r.issues).toEqual([]);
    expect(r.summaryPath).toBe('Bundle.entry[2].resource');
  });

  it.each(['nilknown', 'withheld', 'unavailable'])(
    'when a section is empty with %s, then it passes',
    (reason) => {
      const s = summary();
      s.section![1]!.emptyReason = { coding: [{ system: SYSTEMS.listEmptyReason, code: reason }] };
      expect(checkGate(message(s)).passed).toBe(true);
    },
  );

  it('when a section is empty with notasked, then it fails naming the section and its emptyReason', () => {
    const s = summary();
    s.section![1]!.emptyReason = { coding: [{ system: SYSTEMS.listEmptyReason, code: 'notasked' }] };
    const r = checkGate(message(s));
    expect(r.passed).toBe(false);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]?.expression).toEqual(['Bundle.entry[2].resource.section[1].emptyReason']);
    expect(r.issues[0]?.diagnostics).toContain(SUMMARY_SECTIONS[1]);
  });

  it('when a section has neither entries nor a reason, then it fails', () => {
    const s = summary();
    delete s.section![3]!.emptyReason;
    const r = checkGate(message(s));
    expect(r.issues.map((i) => i.details?.coding?.[0]?.code)).toEqual(['gate-section-no-reason']);
  });

  it('when two sections are missing, then both are named by code', () => {
    const s = summary();
    s.section = s.section!.filter(
      (x) => !['medication', 'legal-status'].includes(x.code?.coding?.[0]?.code ?? ''),
    );
    const r = checkGate(message(s));
    expect(r.issues.map((i) => i.diagnostics)).toEqual([
      "Summary section 'medication' is missing",
      "Summary section 'legal-status' is missing",
    ]);
  });

  it('when the summary is missing, then the referral fails with gate-summary-missing', () => {
    const r = checkGate(message(null));
    expect(r.passed).toBe(false);
    expect(r.issues[0]?.details?.coding?.[0]?.code).toBe('gate-summary-missing');
  });

  it('when the summary travels as a document Bundle, then it is found inside', () => {
    const m = message(null);
    m.entry!.push({
      fullUrl: 'urn:uuid:doc',
      resource: {
        resourceType: 'Bundle',
        type: 'document',
        entry: [{ fullUrl: 'urn:uuid:sum', resource: summary() }],
      },
    });
    const r = checkGate(m);
    expect(r.passed).toBe(true);
    expect(r.summaryPath).toBe('Bundle.entry[2].resource.entry[0].resource');
  });
});
