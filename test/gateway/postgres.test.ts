/**
 * Key gateway paths on the PostgreSQL server driver (the global setup's throw-away cluster):
 * intake with idempotency under concurrency, grants on read and search, a Task operation, and
 * the replay guard shared through the database; and `serve --workers` (several processes on
 * one port), which only the server driver allows.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TYPE, signClientAssertion, tokenEndpoint } from '../../src/auth/smart.js';
import { readDemoKey } from '../../src/auth/demo-keys.js';
import type { Database } from '../../src/store/database.js';
import { openDatabase } from '../../src/store/open.js';
import { freshSchema, postgresUrl } from '../store/support/targets.js';
import { referralMessage } from '../support/referral.js';
import { counts, get, openTestGateway, postMessage, tokens, type TestGateway } from './support.js';

describe.skipIf(postgresUrl === null)('gateway on a PostgreSQL server', () => {
  let t: TestGateway;
  let db: Database;
  let drop: () => Promise<void>;
  let token: (client: string, scope?: string) => Promise<string>;

  beforeAll(async () => {
    const schema = await freshSchema();
    drop = schema.drop;
    db = await openDatabase({ driver: 'pg', url: schema.url, poolSize: 4 });
    t = await openTestGateway({ database: db, config: { storage: { driver: 'pg', url: schema.url } } });
    token = tokens(t.app);
  });
  afterAll(async () => {
    await t.close();
    await db.close();
    await drop();
  });

  it('when the same referral arrives twice at once, then one is stored and the other gets the same answer', async () => {
    const gp = await token('demo-gp');
    const message = referralMessage({ messageId: 'pg-1' });
    const [a, b] = await Promise.all([postMessage(t.app, gp, message), postMessage(t.app, gp, message)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body).toEqual(b.body);
    expect([a.headers['x-idempotent-replay'], b.headers['x-idempotent-replay']].filter(Boolean)).toEqual([
      'true',
    ]);
    expect((await counts(db)).Task).toBe(1);
  });

  it('when the same key comes with other content, then it is 409', async () => {
    const res = await postMessage(
      t.app,
      await token('demo-gp'),
      referralMessage({ messageId: 'pg-1', clientRequest: 'anders' }),
    );
    expect(res.status).toBe(409);
  });

  it('when two referrals for one client arrive at once, then one Patient is kept', async () => {
    const gp = await token('demo-gp');
    const results = await Promise.all(
      ['pg-2', 'pg-3'].map((id) =>
        postMessage(t.app, gp, referralMessage({ messageId: id, bsn: '999911211' })),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const found = await get(
      t.app,
      await token('demo-ggz'),
      '/fhir/Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911211&_total=accurate',
    );
    expect(found.body.total).toBe(1);
  });

  it('when two referrals change one client at once, then both are stored and the client has both versions', async () => {
    const gp = await token('demo-gp');
    const names = ['Bakker', 'Bakker-de Wit'];
    const results = await Promise.all(
      names.map((family, i) =>
        postMessage(
          t.app,
          gp,
          referralMessage({
            messageId: `pg-change-${String(i)}`,
            bsn: '999911223',
            client: { family, given: 'Eva', birthDate: '1988-01-02', gender: 'female' },
          }),
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const found = await get(
      t.app,
      await token('demo-ggz'),
      '/fhir/Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911223&_total=accurate',
    );
    expect(found.body.total).toBe(1);
    expect(found.body.entry[0].resource.meta.versionId).toBe('2');
  });

  it('when the owner searches and reads, then it sees the referral; another organisation does not', async () => {
    const ggz = await token('demo-ggz');
    const bundle = (await get(t.app, ggz, '/fhir/Task?status=requested&_sort=-authored-on&_total=accurate'))
      .body as Bundle;
    expect(bundle.total).toBe(5);
    const id = bundle.entry?.[0]?.resource?.id ?? '';
    expect((await get(t.app, ggz, `/fhir/Task/${id}`)).status).toBe(200);
    expect((await get(t.app, await token('demo-youth-ggz'), `/fhir/Task/${id}`)).status).toBe(404);
    expect(
      ((await get(t.app, await token('demo-youth-ggz'), '/fhir/Task?_total=accurate')).body as Bundle).total,
    ).toBe(0);
  });

  it('when the owner accepts, then the Task is accepted; accepting again is 409', async () => {
    const ggz = await token('demo-ggz');
    const id = ((await get(t.app, ggz, '/fhir/Task?_count=1')).body as Bundle).entry?.[0]?.resource?.id ?? '';
    const res = await request(t.app).post(`/fhir/Task/${id}/$accept`).set('Authorization', `Bearer ${ggz}`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('accepted');
    expect(
      (await request(t.app).post(`/fhir/Task/${id}/$accept`).set('Authorization', `Bearer ${ggz}`)).status,
    ).toBe(409);
  });

  it('when a client assertion is used twice, then the second use is refused', async () => {
    const assertion = await signClientAssertion(
      'demo-gp',
      readDemoKey('demo-gp'),
      tokenEndpoint(t.gateway.config),
      new Date(),
    );
    const form = {
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      scope: 'system/Task.rs',
    };
    expect((await request(t.app).post('/auth/token').type('form').send(form)).status).toBe(200);
    expect((await request(t.app).post('/auth/token').type('form').send(form)).status).toBe(401);
  });
});

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

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

/** Runs `serve --demo ARGS`; resolves with its output once it says it listens (or exits). */
function serve(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--demo', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (output.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output.stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('listening on')) resolve();
    });
    void exited.then(() => reject(new Error(`exited before listening: ${output.stderr.slice(-1000)}`)));
  });
  // A run that is expected to fail never awaits `listening`.
  listening.catch(() => undefined);
  return { child, output, exited, listening };
}

describe('serve --workers', () => {
  it('when --workers is asked with the embedded database, then it refuses to start (exit 2) and says why', async () => {
    const run = serve(['--workers', '2'], {
      OVERDRACHT_DATA_DIR: 'memory://',
      PORT: String(await freePort()),
    });
    expect(await run.exited).toBe(2);
    expect(run.output.stderr).toContain('--workers needs a PostgreSQL server');
  });

  it.skipIf(postgresUrl === null)(
    'when serve runs with --workers 2 on the server, then both processes answer on one port and SIGTERM stops them all',
    async () => {
      const schema = await freshSchema();
      const port = await freePort();
      const run = serve(['--workers', '2'], { DATABASE_URL: schema.url, PORT: String(port) });
      try {
        await run.listening;
        expect(run.output.stdout).toContain('2 worker processes');
        const answers = await Promise.all(
          [1, 2, 3, 4].map(async () => (await fetch(`http://127.0.0.1:${String(port)}/healthz`)).status),
        );
        expect(answers).toEqual([200, 200, 200, 200]);
        run.child.kill('SIGTERM');
        expect(await run.exited).toBe(0);
      } finally {
        if (run.child.exitCode === null) run.child.kill('SIGKILL');
        await schema.drop();
      }
    },
    120_000,
  );
});
