/**
 * A request that answered 2xx is durable: the gateway runs as its own process (`serve --demo` on
 * an embedded data directory), a referral is accepted, the process is killed with SIGKILL the
 * moment the answer arrives, and a new process on the same directory has the referral.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import { readDemoKey } from '../../src/auth/demo-keys.js';
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from '../../src/auth/smart.js';
import { copyMigratedDataDir } from '../store/support/pglite-template.js';
import { referralMessage } from '../support/referral.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const scratch = mkdtempSync(join(tmpdir(), 'overdracht-gateway-durability-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts `serve --demo` and resolves once it listens. */
function serve(dataDir: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--demo'], {
      env: { ...process.env, PORT: String(port), OVERDRACHT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening on')) resolve(child);
    });
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) =>
      reject(new Error(`gateway exited (${String(code)}) before listening: ${err.slice(-2000)}`)),
    );
  });
}

async function token(port: number, client: string): Promise<string> {
  const base = `http://localhost:${String(port)}`;
  const assertion = await signClientAssertion(client, readDemoKey(client), `${base}/auth/token`, new Date());
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      scope: 'system/*.cruds',
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('durability', () => {
  it('when the gateway is killed right after answering 200, then the referral is there after a restart', async () => {
    const dataDir = join(scratch, 'data');
    await copyMigratedDataDir(dataDir);
    const port = await freePort();
    const first = await serve(dataDir, port);
    const message = JSON.stringify(referralMessage({ messageId: 'durable-1', bsn: '999911193' }));
    const res = await fetch(`http://127.0.0.1:${String(port)}/fhir/$process-message`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await token(port, 'demo-gp')}`,
        'Content-Type': 'application/fhir+json',
      },
      body: message,
    });
    const body = (await res.json()) as Bundle;
    first.kill('SIGKILL');
    expect(res.status).toBe(200);
    await killed(first);
    const taskId = body.entry?.[1]?.resource?.id ?? '';

    const second = await serve(dataDir, port);
    const read = await fetch(`http://127.0.0.1:${String(port)}/fhir/Task/${taskId}`, {
      headers: { Authorization: `Bearer ${await token(port, 'demo-ggz')}` },
    });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { status: string }).status).toBe('requested');
    // The idempotent answer survived too: the same message is answered as before.
    const again = await fetch(`http://127.0.0.1:${String(port)}/fhir/$process-message`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await token(port, 'demo-gp')}`,
        'Content-Type': 'application/fhir+json',
      },
      body: message,
    });
    expect(again.headers.get('x-idempotent-replay')).toBe('true');
    second.kill('SIGTERM');
    await killed(second);
  });
});
