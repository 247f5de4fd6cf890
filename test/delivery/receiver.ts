/**
 * A receiver on a real local HTTP server (node:http): it can be down (503), slow, or lose its
 * answer after processing; it deduplicates by the idempotency header, as receivers must.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  key: string;
  contentType: string;
  body: unknown;
}

export interface TestReceiver {
  url: string;
  /** Every request that reached the handler. */
  requests: Received[];
  /** Messages processed, by idempotency key: each exactly once. */
  processed: Map<string, unknown>;
  /** down: 503 without processing; lose-answer: process, then 503; hang: answer after `hangMs`. */
  mode: 'up' | 'down' | 'lose-answer' | 'hang';
  status?: number;
  hangMs: number;
  onMessage?: (body: unknown) => Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startReceiver(): Promise<TestReceiver> {
  const receiver: TestReceiver = {
    url: '',
    requests: [],
    processed: new Map(),
    mode: 'up',
    hangMs: 0,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      const key = String(req.headers['x-idempotency-key'] ?? '');
      const body: unknown = JSON.parse(text);
      receiver.requests.push({ key, contentType: String(req.headers['content-type'] ?? ''), body });
      if (receiver.mode === 'down') {
        res.writeHead(503).end();
        return;
      }
      if (receiver.mode === 'hang') await new Promise((r) => setTimeout(r, receiver.hangMs));
      if (receiver.status) {
        res.writeHead(receiver.status).end();
        return;
      }
      if (!receiver.processed.has(key)) {
        receiver.processed.set(key, body);
        await receiver.onMessage?.(body);
      }
      if (receiver.mode === 'lose-answer') {
        res.writeHead(503).end();
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'application/fhir+json' })
        .end('{"resourceType":"OperationOutcome","issue":[]}');
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/fhir`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
