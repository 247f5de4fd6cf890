/**
 * The bytes of an HL7 v2 input as text: MLLP framing stripped, binary data and UTF-16 refused,
 * and the character set the first MSH declares in MSH-18 (HL7 table 0211: ASCII, UTF-8, the
 * ISO 8859 parts) used to decode it, strictly, so that a wrong declaration is reported.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

const MLLP_START = 0x0b;
const MLLP_END = 0x1c;

/** Strips MLLP framing (VT ... FS CR), which TCP listeners sometimes pass on. */
export function unframe(bytes: Uint8Array): { body: Uint8Array; unclosed: boolean } {
  if (bytes[0] !== MLLP_START) return { body: bytes, unclosed: false };
  const end = bytes.lastIndexOf(MLLP_END);
  if (end < 0) return { body: bytes.subarray(1), unclosed: true };
  return { body: bytes.subarray(1, end), unclosed: false };
}

/** Control bytes other than CR, LF and TAB mean binary data, not HL7 text. */
export function findBinary(bytes: Uint8Array): string | undefined {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return 'The input is UTF-16; HL7 v2 messages are accepted in UTF-8 or ISO 8859 (MSH-18)';
  }
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b < 0x20 && b !== 0x0d && b !== 0x0a && b !== 0x09) {
      return `The input holds binary data (control byte 0x${b.toString(16).padStart(2, '0')} at byte ${i}): it is not an HL7 v2 message`;
    }
  }
  return undefined;
}

const LATIN1 = new TextDecoder('latin1');
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const UTF8_LENIENT = new TextDecoder('utf-8');

export function latin1(bytes: Uint8Array): string {
  return LATIN1.decode(bytes);
}

/** MSH-18 of the first MSH, read before decoding (the header is ASCII in every character set we accept). */
export function declaredCharset(head: string): string {
  const line = head.split(/\r\n|\r|\n/).find((l) => l.startsWith('MSH')) ?? '';
  const sep = line[3];
  if (!sep) return '';
  const field = line.split(sep)[17] ?? '';
  const encoding = line.slice(4).split(sep)[0] ?? '';
  const first = field.split(encoding[1] ?? '~')[0] ?? '';
  return (first.split(encoding[0] ?? '^')[0] ?? '').trim();
}

type Decoded =
  | { text: string; decodeBytes: (b: Uint8Array) => string }
  | { problem: string; code: OperationOutcomeIssue['code'] };

interface Decoder {
  decode(bytes: Uint8Array): string;
}

const isoDecoders = new Map<string, Decoder | null>();

function isoDecoder(part: string): Decoder | undefined {
  if (!isoDecoders.has(part)) {
    try {
      isoDecoders.set(part, part === '1' ? LATIN1 : new TextDecoder(`iso-8859-${part}`));
    } catch {
      isoDecoders.set(part, null);
    }
  }
  return isoDecoders.get(part) ?? undefined;
}

/** HL7 table 0211 names we accept. https://terminology.hl7.org/CodeSystem-v2-0211.html */
export function decode(body: Uint8Array, charset: string): Decoded {
  const upper = charset.toUpperCase();
  const iso = /^8859\/(\d{1,2})$/.exec(upper);
  if (iso) {
    const decoder = isoDecoder(iso[1] ?? '');
    if (!decoder)
      return { problem: `Character set ${charset} (MSH-18) is not supported`, code: 'not-supported' };
    return { text: decoder.decode(body), decodeBytes: (b) => decoder.decode(b) };
  }
  if (upper !== '' && upper !== 'ASCII' && upper !== 'UNICODE UTF-8') {
    return {
      problem: `Character set ${charset} (MSH-18) is not supported; use UNICODE UTF-8 or 8859/1`,
      code: 'not-supported',
    };
  }
  if (upper === 'ASCII') {
    const at = body.findIndex((b) => b > 0x7f);
    if (at >= 0) return { problem: `MSH-18 declares ASCII but byte ${at} is not ASCII`, code: 'structure' };
  }
  try {
    const text = UTF8_STRICT.decode(body);
    return { text, decodeBytes: (b) => UTF8_LENIENT.decode(b) };
  } catch {
    return {
      problem: `The input is not valid UTF-8${upper === '' ? ' and MSH-18 declares no character set (declare 8859/1 for Latin-1 text)' : ''}`,
      code: 'structure',
    };
  }
}
