/**
 * Writing UN/EDIFACT (ISO 9735): segments as element and component values, escaped with the
 * release character, inside a UNB ... UNZ interchange with one UNH ... UNT message whose control
 * counts are computed here, never by the caller. The tokenizer reads back exactly what this writes.
 */
import { DEFAULT_DELIMITERS, type EdifactDelimiters, escapeValue, unaOf } from './syntax.js';

/** A segment to write: its tag and elements, each element one value or its components. */
export interface SegmentOut {
  tag: string;
  elements: readonly (string | readonly string[])[];
}

export interface InterchangeOut {
  /** UNB S001.1; UNOC (ISO 8859-1) is what older GP systems read, UNOW is UTF-8. */
  syntax: 'UNOC' | 'UNOW';
  sender: { id: string; qualifier: string };
  recipient: { id: string; qualifier: string };
  /** UNB S004: YYMMDD and HHMM. */
  date: string;
  time: string;
  controlReference: string;
  messageReference: string;
  messageType: { id: string; version: string; release: string; agency: string };
  /** The segments between UNH and UNT. */
  body: readonly SegmentOut[];
}

/** The longest text a free-text component holds (ISO 9735 an..512, FTX C108). */
export const TEXT_COMPONENT = 512;

export function writeInterchange(
  x: InterchangeOut,
  d: EdifactDelimiters = DEFAULT_DELIMITERS,
): { text: string; bytes: Uint8Array } {
  const version = x.syntax === 'UNOW' ? '4' : '3';
  const message: SegmentOut[] = [
    {
      tag: 'UNH',
      elements: [
        x.messageReference,
        [x.messageType.id, x.messageType.version, x.messageType.release, x.messageType.agency],
      ],
    },
    ...x.body,
  ];
  const unt: SegmentOut = { tag: 'UNT', elements: [String(message.length + 1), x.messageReference] };
  const segments: SegmentOut[] = [
    {
      tag: 'UNB',
      elements: [
        [x.syntax, version],
        [x.sender.id, x.sender.qualifier],
        [x.recipient.id, x.recipient.qualifier],
        [x.date, x.time],
        x.controlReference,
      ],
    },
    ...message,
    unt,
    { tag: 'UNZ', elements: ['1', x.controlReference] },
  ];
  const text = `${unaOf(d)}\n${segments.map((s) => `${segmentText(s, d)}${d.segment}`).join('\n')}\n`;
  const bytes = x.syntax === 'UNOC' ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
  return { text, bytes };
}

/** Trailing empty components and elements are left out, as ISO 9735 asks. */
function segmentText(s: SegmentOut, d: EdifactDelimiters): string {
  const elements = s.elements.map((e) => {
    const components = (typeof e === 'string' ? [e] : [...e]).map((c) => escapeValue(c, d));
    while (components.length > 0 && components.at(-1) === '') components.pop();
    return components.join(d.component);
  });
  while (elements.length > 0 && elements.at(-1) === '') elements.pop();
  return [s.tag, ...elements].join(d.element);
}

/** A long text as FTX text components of at most 512 characters, five per segment. */
export function textChunks(text: string): string[][] {
  const parts: string[] = [];
  const chars = [...text];
  for (let i = 0; i < chars.length; i += TEXT_COMPONENT)
    parts.push(chars.slice(i, i + TEXT_COMPONENT).join(''));
  const groups: string[][] = [];
  for (let i = 0; i < parts.length; i += 5) groups.push(parts.slice(i, i + 5));
  return groups;
}

/** Latin-1 cannot hold every character: UNOC text keeps what it can and says what it replaced. */
export function fitsLatin1(text: string): boolean {
  return [...text].every((c) => (c.codePointAt(0) ?? 0) <= 0xff);
}
