/**
 * The formats overdracht converts to: the writers by name, for `POST /fhir/convert/to/{format}`,
 * `overdracht convert --to FORMAT` and the benchmark. Like the adapter registry, an object the
 * composition root creates.
 */
import { createEdifactFeedbackWriter, createEdifactReferralWriter } from './edifact.js';
import { createOruWriter } from './hl7v2/oru-r01.js';
import { createRefI12Writer } from './hl7v2/ref-i12.js';
import { Hl7Vocabulary } from './hl7v2/vocabulary.js';
import { create315Writer } from './istandaarden.js';
import { createLetterWriter } from './letter.js';
import { createLetterPdfWriter } from './letter-pdf.js';
import type { OutboundWriter } from './types.js';

export type { OutboundWriter, WriteResult } from './types.js';

export class WriterRegistry {
  private readonly byFormat = new Map<string, OutboundWriter>();

  register(writer: OutboundWriter): this {
    const key = writer.format.toLowerCase();
    if (this.byFormat.has(key))
      throw new Error(`A writer for format '${writer.format}' is already registered`);
    this.byFormat.set(key, writer);
    return this;
  }

  get(format: string): OutboundWriter | undefined {
    return this.byFormat.get(format.toLowerCase());
  }

  formats(): OutboundWriter[] {
    return [...this.byFormat.values()].sort((a, b) => a.format.localeCompare(b.format));
  }
}

export function createWriterRegistry(): WriterRegistry {
  const vocabulary = Hl7Vocabulary.load();
  return new WriterRegistry()
    .register(createRefI12Writer(vocabulary))
    .register(createOruWriter(vocabulary))
    .register(createEdifactReferralWriter())
    .register(createEdifactFeedbackWriter())
    .register(create315Writer())
    .register(createLetterWriter())
    .register(createLetterPdfWriter());
}
