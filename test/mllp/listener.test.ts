/**
 * The MLLP listener over real TCP: ACK AA when the intake accepts, AE with ERR naming the location
 * when the message does not convert or the intake refuses, AR for what is not HL7 v2 and for an
 * oversize frame; first with an injected intake, then with the gateway's own.
 */
import { connect, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConversionContext, runAdapter } from '../../src/adapters/index.js';
import { createHl7v2Adapter } from '../../src/adapters/hl7v2/index.js';
import { createRefI12Writer } from '../../src/adapters/outbound/hl7v2/ref-i12.js';
import { referralMessage } from '../../src/demo/referral.js';
import {
  createGatewayMllpServer,
  createMllpServer,
  frame,
  type IntakeAnswer,
  MllpDecoder,
} from '../../src/mllp/index.js';
import { fixture, GP_CHANNEL } from '../adapters/hl7v2/support.js';
import { openTestGateway, type TestGateway } from '../gateway/support.js';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Sends bytes (in the given pieces) and collects `count` ACKs. */
async function exchange(port: number, pieces: Buffer[], count = 1): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  const decoder = new MllpDecoder(1 << 20);
  const acks: string[] = [];
  const done = new Promise<string[]>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      for (const e of decoder.push(d)) if (e.kind === 'frame') acks.push(e.bytes.toString());
      if (acks.length >= count) resolve(acks);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(acks));
  });
  for (const piece of pieces) {
    socket.write(piece);
    await new Promise((r) => setTimeout(r, 5));
  }
  const result = await done;
  socket.destroy();
  return result;
}

const segmentOf = (ack: string, name: string): string[] =>
  ack.split('\r').filter((s) => s.startsWith(`${name}|`));

describe('MLLP listener with an injected intake', () => {
  let server: Server;
  let port: number;
  const received: Bundle[] = [];
  let answer: IntakeAnswer = { accepted: true };
  beforeAll(async () => {
    const adapter = createHl7v2Adapter();
    const ctx = createConversionContext({ channel: GP_CHANNEL });
    server = createMllpServer({
      maxFrameBytes: 64 * 1024,
      convert: (bytes) => runAdapter(adapter, bytes, ctx),
      intake: async (message) => {
        received.push(message);
        return answer;
      },
      now: () => new Date('2026-04-12T20:45:10Z'),
      newId: () => 'ack-1',
    });
    port = await listen(server);
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('when a referral arrives in pieces, then the intake gets the message Bundle and the ACK is AA with the control id', async () => {
    const bytes = frame(fixture('nl-his-referral-p72-crisis.hl7'));
    const [ack] = await exchange(port, [bytes.subarray(0, 7), bytes.subarray(7, 300), bytes.subarray(300)]);
    expect(segmentOf(ack ?? '', 'MSA')).toEqual(['MSA|AA|HZ-88121']);
    expect(segmentOf(ack ?? '', 'MSH')[0]).toMatch(
      /^MSH\|\^~\\&\|overdracht\|GGZNG\|HIS Zuid\|HZ\|20260412204510\+0000\|\|ACK\^I12\^ACK\|ack-1\|P\|2\.8$/,
    );
    expect(received.at(-1)?.type).toBe('message');
  });

  it('when the message has no PID, then the ACK is AE with an ERR and nothing reaches the intake', async () => {
    const before = received.length;
    const noPid = fixture('nl-his-referral-p72-crisis.hl7')
      .toString('latin1')
      .replace(/PID\|[^\r]*\r/, '');
    const [ack] = await exchange(port, [frame(noPid)]);
    expect(segmentOf(ack ?? '', 'MSA')[0]).toBe('MSA|AE|HZ-88121');
    expect(segmentOf(ack ?? '', 'ERR').length).toBeGreaterThan(0);
    expect(received.length).toBe(before);
  });

  it('when the intake refuses, then the ACK is AE and the ERR names the FHIRPath it refused', async () => {
    answer = {
      accepted: false,
      outcome: {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'forbidden',
            diagnostics: 'not your referral',
            expression: ['Bundle.entry[0].resource.sender'],
          },
        ],
      },
    };
    const [ack] = await exchange(port, [frame(fixture('nl-his-referral-p72-crisis.hl7'))]);
    answer = { accepted: true };
    expect(segmentOf(ack ?? '', 'MSA')[0]).toBe('MSA|AE|HZ-88121');
    expect(segmentOf(ack ?? '', 'ERR')[0]).toContain('Bundle.entry[0].resource.sender: not your referral');
  });

  it('when a frame holds no HL7 v2, then the ACK is AR', async () => {
    const [ack] = await exchange(port, [frame('hello, this is not HL7')]);
    expect(segmentOf(ack ?? '', 'MSA')[0]).toMatch(/^MSA\|AR/);
  });

  it('when a frame is over the limit, then it is refused with AR and the next frame on the connection is still answered', async () => {
    const big = frame(`MSH|^~\\&|A${'x'.repeat(70 * 1024)}`);
    const acks = await exchange(port, [big, frame(fixture('nl-his-referral-p72-crisis.hl7'))], 2);
    expect(segmentOf(acks[0] ?? '', 'MSA')[0]).toMatch(/^MSA\|AR/);
    expect(segmentOf(acks[0] ?? '', 'ERR')[0]).toMatch(/larger than 65536 bytes/);
    expect(segmentOf(acks[1] ?? '', 'MSA')[0]).toBe('MSA|AA|HZ-88121');
  });
});

describe('MLLP listener with the gateway intake', () => {
  let t: TestGateway;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    t = await openTestGateway();
    server = createGatewayMllpServer(
      {
        port: 0,
        host: '127.0.0.1',
        organisation: 'gp-de-linde',
        channel: GP_CHANNEL,
        maxFrameBytes: 1 << 20,
      },
      t.gateway.intake,
      t.gateway.config.organisations,
    );
    port = await listen(server);
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await t.close();
  });

  it('when our demo referral arrives as REF^I12 over MLLP, then the gateway stores it with a Task and answers AA', async () => {
    const v2 = createRefI12Writer().write(
      referralMessage({ messageId: 'mllp-0001' }),
      createConversionContext(),
    );
    const before = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Task'",
    );
    const [ack] = await exchange(port, [frame(String(v2.output))]);
    expect(segmentOf(ack ?? '', 'ERR')).toEqual([]);
    expect(segmentOf(ack ?? '', 'MSA')[0]).toMatch(/^MSA\|AA\|/);
    const after = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Task'",
    );
    expect(after.rows[0]?.n).toBe((before.rows[0]?.n ?? 0) + 1);
  });

  it('when the sender is another organisation than the listener is for, then the intake refuses and the ACK is AE', async () => {
    const [ack] = await exchange(port, [frame(fixture('nl-his-referral-p72-crisis.hl7'))]);
    expect(segmentOf(ack ?? '', 'MSA')[0]).toBe('MSA|AE|HZ-88121');
    expect(segmentOf(ack ?? '', 'ERR').length).toBeGreaterThan(0);
  });
});
