/**
 * Bytes of a tabular export (CSV or JSON) to text, refusing what is not text before any parsing:
 * empty input, input over the size limit, binary content (NUL bytes), UTF-16 or UTF-32 (a byte
 * order mark), and bytes that are not valid in the declared encoding. Each refusal is one fatal
 * issue naming the file, never its content.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { unreadableIssue } from '../framework.js';

/** The encodings an export spec may declare; Dutch spreadsheet exports are often windows-1252. */
export const TEXT_ENCODINGS = ['utf-8', 'windows-1252'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

export type DecodeResult = { ok: true; text: string } | { ok: false; issue: OperationOutcomeIssue };

export function decodeText(
  bytes: Uint8Array,
  file: string,
  encoding: TextEncoding,
  maxBytes: number,
): DecodeResult {
  const refuse = (message: string, code: OperationOutcomeIssue['code'] = 'structure'): DecodeResult => ({
    ok: false,
    issue: unreadableIssue({ location: file, message }, code),
  });
  if (bytes.length === 0) return refuse('The input is empty');
  if (bytes.length > maxBytes) return refuse(`The input is larger than ${maxBytes} bytes`, 'too-costly');
  if (utf16or32(bytes))
    return refuse('The input is UTF-16 or UTF-32 text; it must be UTF-8', 'not-supported');
  if (bytes.includes(0)) return refuse('The input holds NUL bytes: it is binary, not text');
  try {
    const text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
    return { ok: true, text: text.startsWith('\uFEFF') ? text.slice(1) : text };
  } catch {
    return refuse(`The input is not valid ${encoding} text`, 'not-supported');
  }
}

function utf16or32(bytes: Uint8Array): boolean {
  const [a, b] = bytes;
  return (a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff);
}
