import type { Bundle, Composition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  FEEDBACK_SECTION_QUALIFIERS,
  narrativeText,
  writeFeedbackEdifact,
} from '../../../src/adapters/edifact/feedback.js';
import { type EdifactSegment, tokenizeEdifact } from '../../../src/adapters/edifact/tokenize.js';
import { fixture } from './support.js';

function feedbackBundle(): Bundle {
  return JSON.parse(fixture('feedback-intake-held.json').toString('utf8')) as Bundle;
}

function composition(bundle: Bundle): Composition {
  return bundle.entry?.[0]?.resource as Composition;
}

/** Writes the feedback and reads it back with the inbound tokenizer. */
function writeAndRead(bundle: Bundle, syntax: 'UNOC' | 'UNOW' = 'UNOC'): EdifactSegment[] {
  const written = writeFeedbackEdifact(bundle, { syntax });
  if (!written.ok) throw new Error(JSON.stringify(written.report));
  const parsed = tokenizeEdifact(written.bytes);
  expect(parsed.issues).toEqual([]);
  const record = parsed.records[0];
  if (!record?.ok) throw new Error(JSON.stringify(record?.issues));
  return [...record.input.segments];
}

const text = (seg: EdifactSegment | undefined, element: number, component = 1): string =>
  seg?.elements[element - 1]?.[component - 1] ?? '';

describe('EDIFACT feedback writer (terugrapportage), read back by the tokenizer', () => {
  it('when the feedback is written, then its counts and references pass the tokenizer checks', () => {
    const segments = writeAndRead(feedbackBundle());
    expect(segments[0]?.tag).toBe('UNH');
    expect(segments.at(-1)?.tag).toBe('UNT');
    expect(text(segments[0], 2)).toBe('MEDVRI');
    expect(
      text(
        segments.find((s) => s.tag === 'BGM'),
        1,
      ),
    ).toBe('TRG');
  });

  it('when read back, then every section text equals the narrative, separators and release characters included', () => {
    const bundle = feedbackBundle();
    const segments = writeAndRead(bundle);
    for (const section of composition(bundle).section ?? []) {
      const code = section.code?.coding?.[0]?.code ?? '';
      const qualifier = FEEDBACK_SECTION_QUALIFIERS[code];
      const ftx = segments.filter((s) => s.tag === 'FTX' && text(s, 1) === qualifier);
      expect(ftx.map((s) => (s.elements[3] ?? []).join('')).join(''), code).toBe(
        narrativeText(section.text?.div),
      );
    }
    expect(
      segments.some(
        (s) => s.tag === 'FTX' && (s.elements[3] ?? []).join('').includes("+ toestel 12: 's middags"),
      ),
    ).toBe(true);
  });

  it('when read back, then patient, parties, referral, type, date and diagnoses are there', () => {
    const segments = writeAndRead(feedbackBundle());
    const pid = segments.find((s) => s.tag === 'PID');
    expect([text(pid, 1, 1), text(pid, 1, 2), text(pid, 3), text(pid, 4)]).toEqual([
      '999911120',
      'BSN',
      '20010314',
      'F',
    ]);
    const nads = segments.filter((s) => s.tag === 'NAD').map((s) => `${text(s, 1)} ${text(s, 2)}`);
    expect(nads).toEqual(['SND 22010345', 'REF 49123456725', 'RCV 01051234']);
    expect(
      text(
        segments.find((s) => s.tag === 'RFF'),
        1,
        2,
      ),
    ).toBe('VW-2026-00417');
    expect(
      text(
        segments.find((s) => s.tag === 'CAT'),
        1,
      ),
    ).toBe('intake-held');
    expect(
      text(
        segments.find((s) => s.tag === 'DTM'),
        1,
        2,
      ),
    ).toBe('202606021600');
    expect(segments.filter((s) => s.tag === 'DGN').map((s) => `${text(s, 1, 1)}:${text(s, 1, 2)}`)).toEqual([
      'F32.1:DSM5',
      'F41.0:DSM5',
    ]);
  });

  it('when a section is longer than one FTX holds, then it is split over components and segments and read back whole', () => {
    const bundle = feedbackBundle();
    const long = "Lange tekst met een apostrof ('), plus (+) en dubbele punt (:). ".repeat(80);
    const outcome = composition(bundle).section?.[0];
    if (outcome?.text) outcome.text.div = `<div xmlns="http://www.w3.org/1999/xhtml"><p>${long}</p></div>`;
    const segments = writeAndRead(bundle);
    const ftx = segments.filter((s) => s.tag === 'FTX' && text(s, 1) === 'OUT');
    expect(ftx.length).toBeGreaterThan(1);
    expect(ftx.every((s) => (s.elements[3] ?? []).every((c) => c.length <= 512))).toBe(true);
    expect(ftx.map((s) => (s.elements[3] ?? []).join('')).join('')).toBe(long.trim());
  });

  it('when a text holds characters outside Latin-1, then UNOW keeps them and UNOC says what it replaced', () => {
    const bundle = feedbackBundle();
    const outcome = composition(bundle).section?.[0];
    if (outcome?.text)
      outcome.text.div = '<div xmlns="http://www.w3.org/1999/xhtml"><p>Cliënt ✓ akkoord</p></div>';
    const unow = writeAndRead(bundle, 'UNOW');
    expect((unow.find((s) => s.tag === 'FTX')?.elements[3] ?? []).join('')).toBe('Cliënt ✓ akkoord');
    const unoc = writeFeedbackEdifact(bundle, { syntax: 'UNOC' });
    expect(unoc.ok && unoc.report.issue?.[0]?.diagnostics).toMatch(/outside ISO 8859-1/);
  });

  it.each([
    [
      'no feedback Composition',
      (b: Bundle) => b.entry?.splice(0, 1),
      /no feedback Composition/,
      'Bundle.entry',
    ],
    [
      'no patient',
      (b: Bundle) => (composition(b).subject = { reference: 'Patient/other' }),
      /subject/,
      'Bundle.entry[0].resource.subject',
    ],
    [
      'no custodian',
      (b: Bundle) => (composition(b).custodian = { reference: 'Organization/x' }),
      /custodian/,
      'Bundle.entry[0].resource.custodian',
    ],
    [
      'no referral',
      (b: Bundle) => (composition(b).extension = []),
      /referrer/,
      'Bundle.entry[0].resource.extension',
    ],
    ['no date', (b: Bundle) => (composition(b).date = ''), /date/, 'Bundle.entry[0].resource.date'],
  ])('when the Bundle has %s, then the outcome names the element', (_n, edit, message, expression) => {
    const bundle = feedbackBundle();
    edit(bundle);
    const result = writeFeedbackEdifact(bundle);
    expect(result.ok).toBe(false);
    expect(result.report.issue?.[0]?.diagnostics).toMatch(message);
    expect(result.report.issue?.[0]?.expression).toEqual([expression]);
  });
});
