/**
 * The HL7 v2 acknowledgment of a received message (original mode, v2.5 chapter 2.9): an ACK with
 * MSH (sender and receiver swapped, the trigger event of the message acknowledged), MSA with the
 * code (AA accepted, AE error, AR rejected) and the message control id, and for an error one ERR per
 * problem with its location in ERR-2 (segment, sequence, field, component) and the reason as text.
 * No value of the message is repeated beyond its header fields.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { dtm, f, type Field, EMPTY, message, msh, segment } from '../adapters/outbound/hl7v2/er7.js';

export type AckCode = 'AA' | 'AE' | 'AR';

interface Header {
  sendingApp: string;
  sendingFacility: string;
  receivingApp: string;
  receivingFacility: string;
  trigger: string;
  controlId: string;
  version: string;
}

/** The header fields an ACK needs, read leniently from the raw message (it may be broken). */
export function readHeader(raw: Buffer): Header {
  const text = raw.toString('latin1');
  const start = text.indexOf('MSH');
  const line = start < 0 ? '' : (text.slice(start).split(/\r\n|\r|\n/)[0] ?? '');
  const fs = line[3] ?? '|';
  const fields = line.split(fs);
  const cs = line[4] ?? '^';
  const at = (n: number): string => (fields[n - 1] ?? '').slice(0, 200);
  // Only the namespace of an HD: the rest would need the sender's delimiters.
  const hd = (n: number): string => at(n).split(cs)[0] ?? '';
  return {
    sendingApp: hd(3),
    sendingFacility: hd(4),
    receivingApp: hd(5),
    receivingFacility: hd(6),
    trigger: at(9).split(cs)[1] ?? '',
    controlId: at(10),
    version: at(12).split(cs)[0] || '2.5',
  };
}

/** A location like `PID-3`, `PID-11.3`, `NK1[2]-2` as ERR-2 (ERL): segment, sequence, field, component. */
function erl(location: string): Field {
  const m = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?(?:-(\d+)(?:\[(\d+)\])?(?:\.(\d+))?)?/.exec(location);
  if (!m) return EMPTY;
  return f(m[1], m[2] ?? '1', m[3], m[4], m[5]);
}

export function ack(
  raw: Buffer,
  code: AckCode,
  issues: readonly OperationOutcomeIssue[],
  opts: { controlId: string; now: Date; application: string },
): string {
  const h = readHeader(raw);
  const segments = [
    msh([
      f(opts.application),
      f(h.receivingFacility),
      f(h.sendingApp),
      f(h.sendingFacility),
      f(dtm(opts.now.toISOString().replace(/\.\d+Z$/, 'Z'))),
      EMPTY,
      f('ACK', h.trigger, 'ACK'),
      f(opts.controlId),
      f('P'),
      f(h.version),
    ]),
    segment('MSA', [f(code), f(h.controlId)]),
    ...issues.slice(0, 20).map((i) => {
      const location = i.location?.[0] ?? '';
      const severity = i.severity === 'warning' ? 'W' : i.severity === 'information' ? 'I' : 'E';
      const text = (i.details?.text ?? i.diagnostics ?? '').slice(0, 500);
      // ERR-3 HL7 error code (table 0357): 207 application internal error, 100 segment sequence, 102 data type.
      const hl7Code = i.code === 'structure' ? '100' : i.code === 'not-supported' ? '200' : '207';
      return segment('ERR', [
        EMPTY,
        erl(location),
        f(hl7Code, '', 'HL70357'),
        f(severity),
        EMPTY,
        EMPTY,
        EMPTY,
        f(location ? `${location}: ${text}` : text),
      ]);
    }),
  ];
  return message(segments);
}
