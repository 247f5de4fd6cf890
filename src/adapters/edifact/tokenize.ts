/**
 * A defensive UN/EDIFACT tokenizer (ISO 9735) for untrusted input, generic over segments: the
 * service string advice UNA, the release character, segment, element and component separators,
 * the character repertoire of the syntax identifier (UNB 0001), and the control counts of the
 * envelopes (UNT 0074 segments in the message, UNZ 0036 messages in the interchange, and their
 * references). One record per UNH ... UNT. Limits are checked before the work they bound, the
 * scan is one pass over the text, so huge or hostile input ends in an outcome in linear time.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { type ParsedRecord, type ParseResult, recordError, unreadableIssue } from '../framework.js';
import { DEFAULT_DELIMITERS, type EdifactDelimiters, readUna, SYNTAX_ENCODINGS } from './syntax.js';

/** A segment: its elements, each a list of components (release characters already removed). */
export interface EdifactSegment {
  tag: string;
  /** Elements after the tag, 1-based in locations: elements[0] is element 1. */
  elements: readonly (readonly string[])[];
  /** 1-based position within its message (UNH is 1); 0 for the interchange envelope. */
  position: number;
}

export interface EdifactMessage {
  /** UNB of the interchange the message came in. */
  interchange: EdifactSegment;
  /** UNH ... UNT, in order. */
  segments: readonly EdifactSegment[];
  /** UNH 0062 */
  reference: string;
  /** UNH S009: message type, version, release, controlling agency. */
  type: { id: string; version: string; release: string; agency: string };
  /** UNB S001.1 */
  syntax: string;
  location: string;
}

export interface EdifactLimits {
  maxBytes: number;
  maxSegments: number;
  maxElements: number;
  maxComponents: number;
  maxIssues: number;
}

export const DEFAULT_EDIFACT_LIMITS: EdifactLimits = {
  maxBytes: 1024 * 1024,
  maxSegments: 10_000,
  maxElements: 99,
  maxComponents: 99,
  maxIssues: 50,
};

/** Segment location as the reports write it: `segment 7 (FTX)`. */
export function segmentLocation(seg: Pick<EdifactSegment, 'tag' | 'position'>): string {
  return seg.position === 0 ? `interchange header ${seg.tag}` : `segment ${seg.position} (${seg.tag})`;
}

const fatal = (
  message: string,
  code: OperationOutcomeIssue['code'] = 'structure',
): ParseResult<EdifactMessage> => ({
  records: [],
  issues: [unreadableIssue({ location: 'input', message }, code)],
});

export function tokenizeEdifact(
  bytes: Uint8Array,
  limits: EdifactLimits = DEFAULT_EDIFACT_LIMITS,
): ParseResult<EdifactMessage> {
  // A UTF-8 byte order mark (some UNOW senders write one) is not part of the interchange.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  if (bytes.length === 0) return fatal('The input is empty', 'required');
  if (bytes.length > limits.maxBytes)
    return fatal(
      `The input has ${bytes.length} bytes; at most ${limits.maxBytes} are accepted`,
      'too-costly',
    );
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    return fatal(
      'The input is UTF-16; EDIFACT is read in the repertoire of its syntax identifier (UNOA to UNOY)',
      'not-supported',
    );
  const control = bytes.findIndex((b) => b < 0x20 && b !== 0x0d && b !== 0x0a && b !== 0x09);
  if (control >= 0)
    return fatal(`The input holds binary data (control byte at byte ${control}): it is not EDIFACT`);
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 512))).trimStart();
  const una = readUna(head);
  if (typeof una === 'string') return fatal(una);
  const delimiters = una ?? DEFAULT_DELIMITERS;
  const afterUna = una ? head.slice(9).trimStart() : head;
  if (!afterUna.startsWith('UNB'))
    return fatal('The input does not start with UNA or UNB: it is not an EDIFACT interchange');
  const syntax = afterUna.slice(4, 8);
  const encoding = SYNTAX_ENCODINGS[syntax];
  if (!encoding)
    return fatal(
      `Syntax identifier ${/^[A-Z]{4}$/.test(syntax) ? syntax : '(unreadable)'} in UNB is not supported; use UNOA, UNOB, UNOC, UNOW or UNOY`,
      'not-supported',
    );
  const text = decode(bytes, encoding);
  if (text === undefined)
    return fatal(
      `The input is not valid ${encoding === 'ascii' ? 'ASCII' : 'UTF-8'}, as syntax identifier ${syntax} requires`,
    );
  const start = text.trimStart();
  const scanned = scanSegments(una ? start.slice(9) : start, delimiters, limits);
  if ('problem' in scanned) return fatal(scanned.problem, scanned.code);
  return splitMessages(scanned.segments, scanned.unterminated, syntax, limits);
}

function decode(bytes: Uint8Array, encoding: 'ascii' | 'latin1' | 'utf-8'): string | undefined {
  if (encoding === 'ascii')
    return bytes.some((b) => b > 0x7f) ? undefined : new TextDecoder('latin1').decode(bytes);
  if (encoding === 'latin1') return new TextDecoder('latin1').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

interface RawSegment {
  elements: string[][];
}

type Scanned =
  | { segments: RawSegment[]; unterminated: boolean }
  | { problem: string; code: OperationOutcomeIssue['code'] };

/** One pass: the release character makes the next character literal; line breaks between segments are layout. */
function scanSegments(text: string, d: EdifactDelimiters, limits: EdifactLimits): Scanned {
  const segments: RawSegment[] = [];
  let elements: string[][] = [];
  let components: string[] = [];
  let value = '';
  let touched = false;
  const tooCostly = (what: string): Scanned => ({ problem: `The input has ${what}`, code: 'too-costly' });
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (d.release && ch === d.release) {
      value += text[++i] ?? '';
      touched = true;
    } else if (ch === d.component) {
      components.push(value);
      value = '';
      touched = true;
      if (components.length >= limits.maxComponents)
        return tooCostly(`an element with more than ${limits.maxComponents} components`);
    } else if (ch === d.element) {
      components.push(value);
      elements.push(components);
      components = [];
      value = '';
      touched = true;
      if (elements.length > limits.maxElements)
        return tooCostly(`a segment with more than ${limits.maxElements} elements`);
    } else if (ch === d.segment) {
      components.push(value);
      elements.push(components);
      segments.push({ elements });
      if (segments.length > limits.maxSegments) return tooCostly(`more than ${limits.maxSegments} segments`);
      elements = [];
      components = [];
      value = '';
      touched = false;
    } else if ((ch === '\r' || ch === '\n') && !touched && value === '') {
      continue;
    } else {
      value += ch;
      touched = true;
    }
  }
  const rest = value.trim() !== '' || elements.length > 0 || components.length > 0;
  return { segments, unterminated: rest };
}

const TAG = /^[A-Z][A-Z0-9]{2}$/;

function toSegment(raw: RawSegment, position: number): EdifactSegment | undefined {
  const tag = raw.elements[0]?.[0] ?? '';
  if (!TAG.test(tag)) return undefined;
  return { tag, elements: raw.elements.slice(1), position };
}

function leaf(seg: EdifactSegment, element: number, component = 1): string {
  return seg.elements[element - 1]?.[component - 1] ?? '';
}

function splitMessages(
  raw: RawSegment[],
  unterminated: boolean,
  syntax: string,
  limits: EdifactLimits,
): ParseResult<EdifactMessage> {
  const issues: OperationOutcomeIssue[] = [];
  const note = (i: OperationOutcomeIssue): void => {
    if (issues.length < limits.maxIssues) issues.push(i);
  };
  const unb = raw[0] ? toSegment(raw[0], 0) : undefined;
  if (!unb || unb.tag !== 'UNB') return fatal('The interchange does not start with a UNB segment');
  if (unterminated)
    note(
      recordError(
        {
          location: 'input',
          message: 'The input ends inside a segment (no segment terminator): it is truncated',
        },
        'incomplete',
      ),
    );
  const records: ParsedRecord<EdifactMessage>[] = [];
  let current: EdifactSegment[] | undefined;
  let currentAt = 0;
  let unz: EdifactSegment | undefined;
  const close = (closedBy: EdifactSegment | undefined): void => {
    if (current) records.push(toMessage(current, closedBy, unb, syntax, records.length + 1, currentAt));
    current = undefined;
  };
  for (let i = 1; i < raw.length; i++) {
    const r = raw[i];
    if (!r) continue;
    const position = current ? current.length + 1 : 1;
    const seg = toSegment(r, position);
    if (!seg) {
      note(
        recordError(
          {
            location: `segment ${i + 1} of the interchange`,
            message: 'The segment does not start with a tag (three capitals or digits); it is not read',
          },
          'structure',
        ),
      );
      continue;
    }
    if (seg.tag === 'UNH') {
      if (current) close(undefined);
      current = [{ ...seg, position: 1 }];
      currentAt = i + 1;
    } else if (seg.tag === 'UNT') {
      if (current) {
        current.push(seg);
        close(seg);
      } else
        note(
          recordError(
            { location: `segment ${i + 1} of the interchange (UNT)`, message: 'UNT without a UNH before it' },
            'structure',
          ),
        );
    } else if (seg.tag === 'UNZ') {
      if (current) close(undefined);
      unz = seg;
    } else if (seg.tag === 'UNG' || seg.tag === 'UNE') {
      note({
        severity: 'information',
        code: 'informational',
        diagnostics: `segment ${i + 1} of the interchange (${seg.tag}): functional group envelope, not mapped`,
        location: [`segment ${i + 1} of the interchange (${seg.tag})`],
      });
    } else if (current) {
      current.push(seg);
    } else {
      note(
        recordError(
          {
            location: `segment ${i + 1} of the interchange (${seg.tag})`,
            message: 'A segment outside a message (not between UNH and UNT) is not read',
          },
          'structure',
        ),
      );
    }
  }
  if (current) close(undefined);
  checkUnz(unz, unb, records.length, note);
  if (records.length === 0)
    return {
      records: [],
      issues: [
        ...issues,
        unreadableIssue(
          { location: 'input', message: 'The interchange holds no message (UNH ... UNT)' },
          'required',
        ),
      ],
    };
  return { records, issues };
}

function checkUnz(
  unz: EdifactSegment | undefined,
  unb: EdifactSegment,
  messages: number,
  note: (i: OperationOutcomeIssue) => void,
): void {
  if (!unz) {
    note(
      recordError(
        { location: 'input', message: 'The interchange is not closed by UNZ: it is truncated' },
        'incomplete',
      ),
    );
    return;
  }
  const count = leaf(unz, 1);
  if (count !== String(messages))
    note(
      recordError(
        {
          location: 'UNZ element 1',
          message: `UNZ counts ${/^\d+$/.test(count) ? count : 'no number of'} messages, the interchange holds ${messages}`,
        },
        'structure',
      ),
    );
  if (leaf(unz, 2) !== leaf(unb, 5))
    note(
      recordError(
        {
          location: 'UNZ element 2',
          message: 'The control reference of UNZ differs from that of UNB (element 5)',
        },
        'structure',
      ),
    );
}

function toMessage(
  segments: EdifactSegment[],
  unt: EdifactSegment | undefined,
  unb: EdifactSegment,
  syntax: string,
  index: number,
  at: number,
): ParsedRecord<EdifactMessage> {
  const location = `message ${index} (segment ${at} of the interchange)`;
  const unh = segments[0] ?? { tag: 'UNH', elements: [], position: 1 };
  const fail = (
    where: string,
    message: string,
    code: OperationOutcomeIssue['code'] = 'structure',
  ): ParsedRecord<EdifactMessage> => ({
    ok: false,
    location,
    issues: [recordError({ location: where, message }, code)],
  });
  if (!unt) return fail(location, 'The message is not closed by UNT: it is truncated', 'incomplete');
  const count = leaf(unt, 1);
  if (count !== String(segments.length))
    return fail(
      `${segmentLocation(unt)}, element 1`,
      `UNT counts ${/^\d+$/.test(count) ? count : 'no number of'} segments, the message has ${segments.length}: a segment is missing or extra`,
    );
  if (leaf(unt, 2) !== leaf(unh, 1))
    return fail(
      `${segmentLocation(unt)}, element 2`,
      'The message reference of UNT differs from that of UNH (element 1)',
    );
  const type = {
    id: leaf(unh, 2, 1),
    version: leaf(unh, 2, 2),
    release: leaf(unh, 2, 3),
    agency: leaf(unh, 2, 4),
  };
  if (!type.id) return fail(`${segmentLocation(unh)}, element 2`, 'UNH names no message type', 'required');
  return {
    ok: true,
    location,
    input: { interchange: unb, segments, reference: leaf(unh, 1), type, syntax, location },
    issues: [],
  };
}
