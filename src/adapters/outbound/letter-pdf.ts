/**
 * The feedback letter as PDF (A4), drawn with jsPDF from the same reading as the HTML letter: text
 * only, in a standard font, no scripts, no forms, no embedded files. Creation date and file id come
 * from the report itself, so the same report gives the same bytes.
 */
import { createHash } from 'node:crypto';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { jsPDF } from 'jspdf';
import { outcome } from '../../fhir/outcomes.js';
import { type FeedbackReading, noFeedback, personName, readFeedback } from './feedback.js';
import type { OutboundWriter, WriteResult } from './types.js';

export const LETTER_PDF_FORMAT = 'letter-pdf';

const PAGE = { width: 210, height: 297, margin: 22 } as const;
const LINE = 5.2;

export function createLetterPdfWriter(): OutboundWriter {
  return {
    format: LETTER_PDF_FORMAT,
    describe: 'feedback report (ov-feedback) as a PDF letter to the referrer',
    mediaType: 'application/pdf',
    write: (input) => writePdf(input),
  };
}

function writePdf(input: Bundle | Resource): WriteResult {
  const feedback = readFeedback(input);
  if (!feedback) return noFeedback();
  return { output: letterPdf(feedback), report: outcome([]) };
}

/** Writes lines top to bottom, starting a new page when the next line would not fit. */
class Writer {
  y: number = PAGE.margin;
  constructor(readonly doc: jsPDF) {}

  text(
    text: string,
    opts: { size?: number; bold?: boolean; align?: 'left' | 'right'; gap?: number } = {},
  ): void {
    const size = opts.size ?? 10.5;
    this.doc.setFont('helvetica', opts.bold ? 'bold' : 'normal');
    this.doc.setFontSize(size);
    const width = PAGE.width - 2 * PAGE.margin;
    const lines = this.doc.splitTextToSize(text, width) as string[];
    for (const line of lines) {
      if (this.y + LINE > PAGE.height - PAGE.margin) {
        this.doc.addPage();
        this.y = PAGE.margin;
      }
      const x = opts.align === 'right' ? PAGE.width - PAGE.margin : PAGE.margin;
      this.doc.text(line, x, this.y, { align: opts.align ?? 'left' });
      this.y += LINE * (size / 10.5);
    }
    this.y += opts.gap ?? 0;
  }
}

export function letterPdf(f: FeedbackReading): Uint8Array {
  const c = f.composition;
  const doc = new jsPDF({ unit: 'mm', format: 'a4', compress: true });
  const date = c.date ? new Date(c.date) : new Date(0);
  doc.setCreationDate(date);
  doc.setFileId(
    createHash('md5')
      .update(`${c.id ?? ''}|${c.date ?? ''}`)
      .digest('hex')
      .toUpperCase(),
  );
  doc.setDocumentProperties({ title: c.title, creator: 'overdracht' });
  const w = new Writer(doc);
  const from = f.custodian;
  w.text(from?.name ?? '', { align: 'right' });
  if (from?.identifier?.[0]?.value) w.text(`AGB ${from.identifier[0].value}`, { align: 'right', gap: 6 });
  const to = f.referrer;
  if (to?.practitioner) w.text(personName(to.practitioner));
  if (to?.organization?.name) w.text(to.organization.name, { gap: 8 });
  w.text(c.title, { size: 14, bold: true, gap: 3 });
  const bsn = f.patient?.identifier?.find((i) => i.system === 'http://fhir.nl/fhir/NamingSystem/bsn')?.value;
  const rows: [string, string | undefined][] = [
    ['Betreft', personName(f.patient)],
    ['Geboortedatum', f.patient?.birthDate],
    ['BSN', bsn],
    ['Datum', c.date?.slice(0, 10)],
    ['Uw verwijzing', f.referral?.identifier?.[0]?.value],
  ];
  for (const [label, value] of rows) if (value) w.text(`${label}: ${value}`);
  w.y += 4;
  for (const s of f.sections) {
    w.text(s.title || s.code, { bold: true, size: 11.5, gap: 1 });
    for (const p of s.paragraphs) w.text(p, { gap: 2 });
    for (const { concept } of s.codes) {
      const coding = concept.coding?.[0];
      w.text(`- ${concept.text ?? coding?.display ?? ''}${coding?.code ? ` (${coding.code})` : ''}`);
    }
    w.y += 3;
  }
  w.text('Met vriendelijke groet,', { gap: 0 });
  w.text(from?.name ?? '');
  return new Uint8Array(doc.output('arraybuffer'));
}
