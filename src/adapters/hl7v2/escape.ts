/**
 * HL7 v2 escape sequences (v2.8 chapter 2, section 2.7 "Use of escape sequences in text fields"):
 * \F\ \S\ \T\ \R\ \E\ stand for the delimiters, \P\ (v2.7+) for the truncation character,
 * \Xhh..\ for bytes in the message's character set, \.br\ and \.sp n\ for line breaks. Highlighting
 * (\H\ \N\) and formatting commands (\.in\ \.ti\ \.fi\ \.nf\ \.ce\) carry no text and are dropped;
 * character-set switches (\C..\ \M..\) cannot be honoured and are reported.
 */
import type { Hl7Delimiters } from './types.js';

export interface Unescaped {
  text: string;
  /** Set when a sequence was malformed or could not be honoured (kept literally or dropped). */
  problem?: string;
}

const FORMATTING = new Set(['H', 'N', '.fi', '.nf']);

export function unescape(
  raw: string,
  d: Hl7Delimiters,
  decodeBytes: (bytes: Uint8Array) => string,
): Unescaped {
  if (!raw.includes(d.escape)) return { text: raw };
  let out = '';
  let problem: string | undefined;
  let i = 0;
  while (i < raw.length) {
    const ch = raw[i] ?? '';
    if (ch !== d.escape) {
      out += ch;
      i++;
      continue;
    }
    const end = raw.indexOf(d.escape, i + 1);
    if (end < 0) {
      // An escape character without its closing partner is kept as text.
      problem = 'an escape sequence is not closed';
      out += raw.slice(i);
      break;
    }
    const seq = raw.slice(i + 1, end);
    const decoded = decodeSequence(seq, d, decodeBytes);
    if (decoded === undefined) {
      problem = `escape sequence \\${seq.slice(0, 8)}\\ is not supported`;
      out += raw.slice(i, end + 1);
    } else {
      if (decoded.problem) problem = decoded.problem;
      out += decoded.text;
    }
    i = end + 1;
  }
  return problem ? { text: out, problem } : { text: out };
}

function decodeSequence(
  seq: string,
  d: Hl7Delimiters,
  decodeBytes: (bytes: Uint8Array) => string,
): Unescaped | undefined {
  switch (seq) {
    case 'F':
      return { text: d.field };
    case 'S':
      return { text: d.component };
    case 'T':
      return { text: d.subcomponent };
    case 'R':
      return { text: d.repetition };
    case 'E':
      return { text: d.escape };
    case 'P':
      return { text: d.truncation ?? '#' };
    case '.br':
      return { text: '\n' };
    case '':
      return undefined;
  }
  if (FORMATTING.has(seq) || /^\.(in|ti|ce)\s*[+-]?\d*$/.test(seq)) return { text: '' };
  const sp = /^\.sp\s*(\d{0,2})$/.exec(seq);
  if (sp) return { text: '\n'.repeat(Math.max(1, Number(sp[1] || '1'))) };
  if (/^X([0-9A-Fa-f]{2})+$/.test(seq)) return { text: decodeBytes(hexBytes(seq.slice(1))) };
  if (/^[CM][0-9A-Fa-f]{4,6}$/.test(seq))
    return { text: '', problem: 'character-set switching escapes (\\C..\\, \\M..\\) are not supported' };
  return undefined;
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
