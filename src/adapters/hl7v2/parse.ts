/**
 * A defensive HL7 v2 parser for untrusted input (v2.8 chapter 2, "Control"): MLLP framing,
 * batches (FHS/BHS ... BTS/FTS), one record per MSH, segment separators \r, \n or \r\n, the
 * delimiters each message declares in MSH-1/MSH-2, repetitions, components, subcomponents and
 * escape sequences, the character set of MSH-18 (decode.ts turns the bytes into text). Every
 * limit is checked before the work it bounds, so huge or hostile input ends in a clear outcome in
 * linear time, never a crash.
 *
 * Why not @medplum/core's Hl7Message: it does not decode escape sequences, splits subcomponents
 * only on request, keeps no line numbers or segment positions (needed to name a location in the
 * report), enforces no limits and has no notion of batches or character sets.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import {
  type ParsedRecord,
  type ParseResult,
  recordError,
  unreadableIssue,
  untranslatableIssue,
} from '../framework.js';
import { declaredCharset, decode, findBinary, latin1, unframe } from './decode.js';
import { unescape } from './escape.js';
import { fieldLocation, type SegmentNaming } from './locate.js';
import {
  DEFAULT_HL7_LIMITS,
  type Hl7Delimiters,
  type Hl7Field,
  type Hl7Limits,
  type Hl7Message,
  type Hl7Segment,
} from './types.js';

const ENVELOPE = new Set(['FHS', 'BHS', 'BTS', 'FTS']);
const SEGMENT_NAME = /^[A-Z][A-Z0-9]{2}$/;

interface Line {
  text: string;
  number: number;
}

class LimitExceeded extends Error {}

export function parseHl7v2(
  bytes: Uint8Array,
  naming: SegmentNaming,
  limits: Hl7Limits = DEFAULT_HL7_LIMITS,
): ParseResult<Hl7Message> {
  const fatal = (
    message: string,
    code: OperationOutcomeIssue['code'] = 'structure',
  ): ParseResult<Hl7Message> => ({
    records: [],
    issues: [unreadableIssue({ location: 'input', message }, code)],
  });
  if (bytes.length === 0) return fatal('The input is empty', 'required');
  if (bytes.length > limits.maxBytes) {
    return fatal(
      `The input has ${bytes.length} bytes; at most ${limits.maxBytes} are accepted`,
      'too-costly',
    );
  }
  const framed = unframe(bytes);
  const body = framed.body;
  const binary = findBinary(body);
  if (binary) return fatal(binary);
  const head = latin1(body.subarray(0, Math.min(body.length, 4096)));
  if (!/^(MSH|FHS|BHS)/.test(head))
    return fatal('The input does not start with an MSH (or FHS/BHS) segment: it is not an HL7 v2 message');
  const charset = declaredCharset(head);
  const decoded = decode(body, charset);
  if ('problem' in decoded) return fatal(decoded.problem, decoded.code);
  const batchIssues: OperationOutcomeIssue[] = [];
  if (framed.unclosed) {
    batchIssues.push(
      untranslatableIssue({
        location: 'input',
        message: 'The MLLP frame is not closed: the message may be truncated',
      }),
    );
  }
  const lines = splitLines(decoded.text, limits.maxSegments);
  if (!lines) return fatal(`The input has more than ${limits.maxSegments} segments`, 'too-costly');
  const { records, issues } = splitRecords(lines, limits);
  batchIssues.push(...issues);
  if (records.length === 0)
    return {
      records: [],
      issues: [
        ...batchIssues,
        unreadableIssue({ location: 'input', message: 'The input holds no MSH segment' }, 'required'),
      ],
    };
  const parsed = records.map((r, i) => parseMessage(r, i + 1, naming, limits, decoded.decodeBytes));
  return { records: parsed, issues: batchIssues };
}

// ---------------------------------------------------------------------------------------------
// Text to records
// ---------------------------------------------------------------------------------------------

function splitLines(text: string, maxSegments: number): Line[] | undefined {
  const out: Line[] = [];
  let number = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const ch = text.charCodeAt(i);
    if (i < text.length && ch !== 0x0d && ch !== 0x0a) continue;
    number++;
    const line = text.slice(start, i);
    if (line.trim() !== '') {
      if (out.length >= maxSegments) return undefined;
      out.push({ text: line, number });
    }
    if (ch === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
    start = i + 1;
  }
  return out;
}

function splitRecords(
  lines: Line[],
  limits: Hl7Limits,
): { records: Line[][]; issues: OperationOutcomeIssue[] } {
  const records: Line[][] = [];
  const issues: OperationOutcomeIssue[] = [];
  let current: Line[] | undefined;
  let stray = 0;
  for (const line of lines) {
    const name = line.text.slice(0, 3);
    if (name === 'MSH') {
      current = [line];
      records.push(current);
    } else if (ENVELOPE.has(name) && SEGMENT_NAME.test(name) && !/[A-Z0-9]/.test(line.text[3] ?? '|')) {
      // The batch envelope names the file, not a referral; say so rather than drop it unseen.
      issues.push(unmappedEnvelope(line, name));
      current = undefined;
    } else if (current) {
      current.push(line);
    } else if (stray++ < limits.maxIssues) {
      issues.push(
        recordError(
          {
            location: `line ${line.number}`,
            message: 'Text outside a message (before its MSH segment) is ignored',
          },
          'structure',
        ),
      );
    }
  }
  return { records, issues };
}

function unmappedEnvelope(line: Line, name: string): OperationOutcomeIssue {
  return {
    severity: 'information',
    code: 'informational',
    diagnostics: `line ${line.number}: batch envelope segment ${name} is not mapped`,
    location: [`${name} (line ${line.number})`],
  };
}

// ---------------------------------------------------------------------------------------------
// One message
// ---------------------------------------------------------------------------------------------

function parseMessage(
  lines: Line[],
  index: number,
  naming: SegmentNaming,
  limits: Hl7Limits,
  decodeBytes: (b: Uint8Array) => string,
): ParsedRecord<Hl7Message> {
  const first = lines[0] ?? { text: '', number: 0 };
  const location = `message ${index} (line ${first.number})`;
  const fail = (
    message: string,
    code: OperationOutcomeIssue['code'] = 'structure',
  ): ParsedRecord<Hl7Message> => ({
    ok: false,
    location,
    issues: [recordError({ location: `MSH (line ${first.number})`, message }, code)],
  });
  const delimiters = readDelimiters(first.text);
  if (typeof delimiters === 'string') return fail(delimiters);
  const issues: OperationOutcomeIssue[] = [];
  const segments: Hl7Segment[] = [];
  const counts = new Map<string, number>();
  try {
    for (const line of lines) {
      const name = segmentName(line.text, delimiters);
      if (!name) {
        if (issues.length < limits.maxIssues) {
          issues.push(
            recordError(
              {
                location: `line ${line.number}`,
                message:
                  'The line does not start with a segment name (three capitals or digits and a field separator); it is not mapped',
              },
              'structure',
            ),
          );
        }
        continue;
      }
      const occurrence = (counts.get(name) ?? 0) + 1;
      counts.set(name, occurrence);
      const segment: Hl7Segment = {
        name,
        position: segments.length + 1,
        line: line.number,
        occurrence,
        fields: [],
      };
      const fields = parseFields(
        line.text,
        name,
        delimiters,
        limits,
        (field, problem) => {
          if (issues.length < limits.maxIssues) {
            issues.push(
              untranslatableIssue({
                location: fieldLocation(naming, segment, field),
                message: `${problem}; the text is kept as it stands`,
              }),
            );
          }
        },
        decodeBytes,
      );
      segments.push({ ...segment, fields });
    }
  } catch (err) {
    if (err instanceof LimitExceeded) return fail(err.message, 'too-costly');
    throw err;
  }
  const msh = segments[0];
  const header = msh ? readHeader(msh) : undefined;
  if (!header)
    return fail(
      'MSH-9 (message type), MSH-10 (control id) or MSH-12 (version) is missing: the message is truncated or not HL7 v2',
      'required',
    );
  return { ok: true, location, input: { ...header, segments, delimiters, location }, issues };
}

/** MSH-1 is the character after `MSH`; MSH-2 the encoding characters up to the next one. */
function readDelimiters(msh: string): Hl7Delimiters | string {
  const field = msh[3];
  if (msh.length < 8 || !field)
    return 'The MSH segment is truncated before its encoding characters (MSH-1, MSH-2)';
  const end = msh.indexOf(field, 4);
  const encoding = msh.slice(4, end < 0 ? undefined : end);
  if (encoding.length < 4 || encoding.length > 5) {
    return `MSH-2 must hold 4 encoding characters (5 with the truncation character), not ${encoding.length}`;
  }
  const chars = [field, ...encoding];
  if (new Set(chars).size !== chars.length) return 'MSH-1 and MSH-2 must be distinct characters';
  if (chars.some((c) => /[A-Za-z0-9\s]/.test(c)))
    return 'MSH-1 and MSH-2 must not be letters, digits or white space';
  const [component = '^', repetition = '~', escape = '\\', subcomponent = '&', truncation] = encoding;
  return truncation === undefined
    ? { field, component, repetition, escape, subcomponent }
    : { field, component, repetition, escape, subcomponent, truncation };
}

function segmentName(text: string, d: Hl7Delimiters): string | undefined {
  const name = text.slice(0, 3);
  if (!SEGMENT_NAME.test(name)) return undefined;
  const next = text[3];
  return next === undefined || next === d.field ? name : undefined;
}

type ProblemSink = (field: number, problem: string) => void;

function parseFields(
  text: string,
  name: string,
  d: Hl7Delimiters,
  limits: Hl7Limits,
  onProblem: ProblemSink,
  decodeBytes: (b: Uint8Array) => string,
): (Hl7Field | undefined)[] {
  const raw = capped(
    text,
    d.field,
    limits.maxFieldsPerSegment + 1,
    () => `Segment ${name} has more than ${limits.maxFieldsPerSegment} fields`,
  );
  const fields: (Hl7Field | undefined)[] = [undefined];
  const isMsh = name === 'MSH';
  if (isMsh) fields.push([[[d.field]]], [[[raw[1] ?? '']]]);
  for (let i = isMsh ? 2 : 1; i < raw.length; i++) {
    const number = isMsh ? i + 1 : i;
    const value = raw[i] ?? '';
    fields.push(
      value === '' ? undefined : parseField(value, name, number, d, limits, onProblem, decodeBytes),
    );
  }
  return fields;
}

function parseField(
  value: string,
  name: string,
  number: number,
  d: Hl7Delimiters,
  limits: Hl7Limits,
  onProblem: ProblemSink,
  decodeBytes: (b: Uint8Array) => string,
): Hl7Field {
  const where = `${name}-${number}`;
  return capped(
    value,
    d.repetition,
    limits.maxRepetitions,
    () => `${where} has more than ${limits.maxRepetitions} repetitions`,
  ).map((rep) =>
    capped(
      rep,
      d.component,
      limits.maxComponents,
      () => `${where} has more than ${limits.maxComponents} components`,
    ).map((comp) =>
      capped(
        comp,
        d.subcomponent,
        limits.maxSubcomponents,
        () => `${where} has more than ${limits.maxSubcomponents} subcomponents`,
      ).map((sub) => {
        const u = unescape(sub, d, decodeBytes);
        if (u.problem) onProblem(number, u.problem);
        return u.text;
      }),
    ),
  );
}

/** Splits and enforces the limit; the input size limit already bounds the work of the split. */
function capped(text: string, sep: string, max: number, message: () => string): string[] {
  if (!text.includes(sep)) return [text];
  const parts = text.split(sep);
  if (parts.length > max) throw new LimitExceeded(message());
  return parts;
}

function readHeader(
  msh: Hl7Segment,
):
  | Pick<Hl7Message, 'messageCode' | 'triggerEvent' | 'messageStructure' | 'controlId' | 'version'>
  | undefined {
  const leaf = (field: number, component = 1): string => msh.fields[field]?.[0]?.[component - 1]?.[0] ?? '';
  const header = {
    messageCode: leaf(9, 1),
    triggerEvent: leaf(9, 2),
    messageStructure: leaf(9, 3),
    controlId: leaf(10),
    version: leaf(12),
  };
  return header.messageCode && header.controlId && header.version ? header : undefined;
}
