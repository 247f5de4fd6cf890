import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hl7Message } from '@medplum/core';
import type { Bundle, Composition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createOruWriter } from '../../../src/adapters/outbound/hl7v2/oru-r01.js';
import { createLetterWriter } from '../../../src/adapters/outbound/letter.js';
import { createLetterPdfWriter } from '../../../src/adapters/outbound/letter-pdf.js';
import { setup } from '../hl7v2/support.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'feedback-intake.json');
const feedback = (): Bundle => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Bundle;
const oru = createOruWriter();
const letter = createLetterWriter();

function composition(b: Bundle): Composition {
  const c = b.entry?.[0]?.resource;
  if (c?.resourceType !== 'Composition') throw new Error('no Composition');
  return c;
}

describe('feedback to the GP as HL7 v2 ORU^R01', () => {
  it('when the intake feedback is written, then another v2 reader finds the client, the report and every section', () => {
    const written = oru.write(feedback(), setup().ctx);
    const parsed = Hl7Message.parse(String(written.output));
    expect(parsed.getSegment('MSH')?.getField(9)?.toString()).toBe('ORU^R01^ORU_R01');
    expect(parsed.getSegment('PID')?.getField(3)?.getComponent(1)).toBe('999911120');
    expect(parsed.getSegment('OBR')?.getField(2)?.getComponent(1)).toBe('VW-msg-0001');
    expect(parsed.getSegment('OBR')?.getField(4)?.getComponent(1)).toBe('intake-held');
    const sections = parsed.getAllSegments('OBX').map((s) => s.getField(3)?.getComponent(1));
    expect(new Set(sections)).toEqual(
      new Set(['outcome', 'diagnoses', 'treatment', 'advice-to-referrer', 'follow-up', 'letter']),
    );
    const diagnosis = parsed.getAllSegments('OBX').find((s) => s.getField(2)?.toString() === 'CWE');
    expect(diagnosis?.getField(5)?.toString()).toBe('P76^Depressie/depressieve stoornis^ICPC');
  });

  it('when the letter travels along, then the ED observation decodes to the HTML letter', () => {
    const written = String(oru.write(feedback(), setup().ctx).output);
    const ed = written.split('\r').find((s) => s.startsWith('OBX') && s.includes('|ED|'));
    const base64 = ed?.split('|')[5]?.split('^')[4] ?? '';
    expect(Buffer.from(base64, 'base64').toString('utf8')).toContain('<h1>Terugrapportage na intake</h1>');
  });

  it('when a section holds delimiters and line breaks, then they are escaped in the OBX', () => {
    const b = feedback();
    const s = composition(b).section?.[0];
    if (s?.text) s.text.div = '<div xmlns="http://www.w3.org/1999/xhtml"><p>a|b^c~d&amp;e\\f</p></div>';
    const written = String(oru.write(b, setup().ctx).output);
    expect(written).toContain('|a\\F\\b\\S\\c\\R\\d\\T\\e\\E\\f|');
  });

  it('when the client is not in the input, then nothing is written and the report names Composition.subject', () => {
    const b = feedback();
    b.entry = b.entry?.filter((e) => e.resource?.resourceType !== 'Patient');
    const written = oru.write(b, setup().ctx);
    expect(written.output).toBeUndefined();
    expect(written.report.issue?.[0]?.expression).toEqual(['Bundle.entry[0].resource.subject']);
  });
});

describe('feedback to the GP as a letter', () => {
  it('when the intake feedback is written, then the letter names sender, addressee, client and every section', () => {
    const html = String(letter.write(feedback(), setup().ctx).output);
    for (const text of [
      'GGZ Noord-Groningen',
      'Huisartsenpraktijk De Linde',
      'Anna Jansen',
      'Uitkomst',
      'Advies aan de verwijzer',
      'Vervolg',
      '(P76)',
    ])
      expect(html).toContain(text);
    expect(html).toMatch(/^<!DOCTYPE html>/);
  });

  it('when the narrative holds a script and markup as text, then the letter has no script and shows the text escaped', () => {
    const b = feedback();
    const s = composition(b).section?.[0];
    if (s?.text)
      s.text.div =
        '<div xmlns="http://www.w3.org/1999/xhtml"><p>&lt;script&gt;alert(1)&lt;/script&gt;</p><script>alert(2)</script><p onclick="x()">tekst</p></div>';
    const p = b.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource;
    if (p?.resourceType === 'Patient' && p.name?.[0]) p.name[0].text = '<img src=x onerror=alert(3)>';
    const html = String(letter.write(b, setup().ctx).output);
    expect(html).not.toMatch(/<script|<img|onclick|onerror=alert\(3\)>/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(3)&gt;');
    expect(html).toContain("default-src 'none'");
  });

  it('when the input holds no feedback report, then it is refused with an outcome', () => {
    const written = letter.write({ resourceType: 'Bundle', type: 'collection', entry: [] }, setup().ctx);
    expect(written.output).toBeUndefined();
    expect(written.report.issue?.[0]?.severity).toBe('error');
  });
});

describe('feedback to the GP as a PDF letter', () => {
  const pdf = createLetterPdfWriter();

  /** The text drawn on the pages: the content streams, inflated. */
  function pageText(bytes: Uint8Array): string {
    const raw = Buffer.from(bytes).toString('latin1');
    const out: string[] = [];
    const re = /stream\r?\n([\s\S]*?)\r?\nendstream/g;
    for (let m = re.exec(raw); m; m = re.exec(raw)) {
      try {
        out.push(inflateSync(Buffer.from(m[1] ?? '', 'latin1')).toString('latin1'));
      } catch {
        out.push(m[1] ?? '');
      }
    }
    return out.join('\n');
  }

  it('when the intake feedback is written, then it is a PDF with every section and the same bytes every time', () => {
    const first = pdf.write(feedback(), setup().ctx).output as Uint8Array;
    const second = pdf.write(feedback(), setup().ctx).output as Uint8Array;
    expect(Buffer.from(first).subarray(0, 5).toString()).toBe('%PDF-');
    expect(Buffer.compare(Buffer.from(first), Buffer.from(second))).toBe(0);
    const text = pageText(first);
    for (const t of ['Uitkomst', 'Advies aan de verwijzer', 'Vervolg', 'GGZ Noord-Groningen'])
      expect(text).toContain(t);
  });

  it('when the narrative holds a script, then the PDF has no JavaScript, no action and no launch entry', () => {
    const b = feedback();
    const s = composition(b).section?.[0];
    if (s?.text)
      s.text.div = '<div xmlns="http://www.w3.org/1999/xhtml"><p>/JavaScript (app.alert(1))</p></div>';
    const raw = Buffer.from(pdf.write(b, setup().ctx).output as Uint8Array).toString('latin1');
    // jsPDF's /OpenAction is a destination (the first page, fit to width), never an action dictionary.
    expect(raw).not.toMatch(/\/(JavaScript|JS|Launch|AA)\b|\/OpenAction\s*<</);
  });
});
