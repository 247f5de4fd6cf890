/**
 * The MLLP listener: HL7 v2 referrals over TCP (node:net), each framed message converted by the
 * hl7v2 adapter and the referral message handed to the intake, answered with an ACK: AA when the
 * intake accepted it, AE with one ERR per problem (the source location, or the FHIRPath of what the
 * intake refused) when it did not convert or was refused, AR for what is not an HL7 v2 message at
 * all. Frames are handled one after the other per connection, so ACKs come in order; an oversize
 * frame is refused without being read; a connection idle too long is closed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Bundle, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { BatchResult } from '../adapters/framework.js';
import { ack, type AckCode } from './ack.js';
import { frame, MllpDecoder } from './framing.js';

export type IntakeAnswer = { accepted: true } | { accepted: false; outcome: OperationOutcome };

export interface MllpOptions {
  maxFrameBytes: number;
  /** Converts the bytes of one message (the hl7v2 adapter's run). */
  convert(bytes: Uint8Array): BatchResult;
  /** The intake of the gateway (injected): stores the referral or says why not. */
  intake(message: Bundle): Promise<IntakeAnswer>;
  now(): Date;
  newId(): string;
  /** Closes a connection without traffic for this long (default 5 minutes). */
  idleTimeoutMs?: number;
  /** MSH-3 of the ACKs. */
  application?: string;
  /** Observes each answer: the ACK code and why (never content). */
  onAnswer?(code: AckCode, reason: string): void;
}

const isError = (i: OperationOutcomeIssue): boolean => i.severity === 'error' || i.severity === 'fatal';

export function createMllpServer(opts: MllpOptions): Server {
  return createServer((socket) => serve(socket, opts));
}

function serve(socket: Socket, opts: MllpOptions): void {
  const decoder = new MllpDecoder(opts.maxFrameBytes);
  let queue: Promise<void> = Promise.resolve();
  socket.setTimeout(opts.idleTimeoutMs ?? 300_000, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (data: Buffer) => {
    for (const event of decoder.push(data)) {
      if (event.kind === 'frame') {
        queue = queue
          .then(() => answer(socket, event.bytes, opts))
          .catch(() => {
            socket.destroy();
          });
      } else if (event.kind === 'oversize') {
        const reason = `The message is larger than ${event.limit} bytes and is not read`;
        queue = queue.then(() =>
          send(socket, Buffer.alloc(0), 'AR', [problem(reason, 'too-costly')], opts, 'oversize'),
        );
      } else {
        queue = queue.then(() => {
          send(
            socket,
            Buffer.alloc(0),
            'AR',
            [problem('Bytes outside an MLLP frame (0x0B ... 0x1C 0x0D)', 'structure')],
            opts,
            'not-mllp',
          );
          socket.end();
        });
      }
    }
  });
}

async function answer(socket: Socket, bytes: Buffer, opts: MllpOptions): Promise<void> {
  const batch = opts.convert(bytes);
  const fatal = (batch.report.issue ?? []).filter((i) => i.severity === 'fatal');
  if (fatal.length > 0 || batch.records.length === 0)
    return send(socket, bytes, 'AR', fatal, opts, 'unreadable');
  if (batch.records.length > 1)
    return send(socket, bytes, 'AR', [problem('One message per MLLP frame', 'not-supported')], opts, 'batch');
  const record = batch.records[0];
  const errors = (record?.report.issue ?? []).filter(isError);
  const output = record?.output;
  if (!output || Array.isArray(output) || errors.length > 0)
    return send(
      socket,
      bytes,
      'AE',
      errors.length ? errors : [problem('The message does not convert', 'invalid')],
      opts,
      'conversion',
    );
  let result: IntakeAnswer;
  try {
    result = await opts.intake(output);
  } catch {
    return send(
      socket,
      bytes,
      'AE',
      [problem('The referral could not be stored; send it again later', 'exception')],
      opts,
      'intake-failed',
    );
  }
  if (!result.accepted) {
    const issues = (result.outcome.issue ?? []).filter(isError).map(withExpressionInText);
    return send(socket, bytes, 'AE', issues, opts, 'intake-refused');
  }
  send(socket, bytes, 'AA', [], opts, 'accepted');
}

function send(
  socket: Socket,
  raw: Buffer,
  code: AckCode,
  issues: readonly OperationOutcomeIssue[],
  opts: MllpOptions,
  reason: string,
): void {
  opts.onAnswer?.(code, reason);
  const text = ack(raw, code, issues, {
    controlId: opts.newId(),
    now: opts.now(),
    application: opts.application ?? 'overdracht',
  });
  if (!socket.destroyed) socket.write(frame(text));
}

function problem(message: string, code: OperationOutcomeIssue['code']): OperationOutcomeIssue {
  return { severity: 'error', code, diagnostics: message };
}

/** The intake names FHIRPaths, not v2 locations: they go into the text of the ERR. */
function withExpressionInText(i: OperationOutcomeIssue): OperationOutcomeIssue {
  const expression = i.expression?.[0];
  return {
    ...i,
    location: undefined,
    diagnostics: expression ? `${expression}: ${i.diagnostics ?? ''}` : i.diagnostics,
  };
}
