/**
 * Key gateway paths on the PostgreSQL server driver (the global setup's throw-away cluster):
 * intake with idempotency under concurrency, grants on read and search, a Task operation, and
 * the replay guard shared through the database.
 */
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
