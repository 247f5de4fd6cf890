/**
 * Delivery through the real gateway: notified pull to a receiver on a local HTTP server, which
 * fetches the Task with its own token (another organisation gets 404), and the operator's view
 * of the outbox and the jobs.
 */
import type { CapabilityStatement, Parameters, ParametersParameter, Task } from '@medplum/fhirtypes';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganisationConfig } from '../../src/config/types.js';
import type { GatewayJobPorts } from '../../src/jobs/gateway-jobs.js';
import { gatewayJobRunner } from '../../src/jobs/start.js';
import type { JobRunner } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/observability/logger.js';
import { Outbox } from '../../src/store/outbox.js';
import { get, openTestGateway, sendReferral, tokens, type TestGateway } from '../gateway/support.js';
import { demoConfig } from '../support/tokens.js';
import { startReceiver, type TestReceiver } from './receiver.js';

function part(p: ParametersParameter | undefined, name: string): ParametersParameter | undefined {
  return p?.part?.find((x) => x.name === name);
}

describe('delivery through the gateway', () => {
  let t: TestGateway;
  let receiver: TestReceiver;
  let server: Server;
  let gatewayUrl = '';
  let token: (client: string) => Promise<string>;
  let runner: JobRunner<GatewayJobPorts>;
  let task: { id: string };
  const fetched: { client: string; path: string; status: number; body: unknown }[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    const organisations: OrganisationConfig[] = demoConfig.organisations.map((o) =>
      o.id === 'ggz-noord'
        ? { ...o, delivery: { mode: 'notified-pull', notifyEndpoint: `${receiver.url}/notify` } }
        : { ...o, delivery: { mode: 'none' } },
    );
    t = await openTestGateway({ config: { organisations } });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    gatewayUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    token = tokens(t.app);
    const own = await token('demo-ggz');
    const other = await token('demo-youth-ggz');
    // The receiver fetches what the notification points to, with its own token; so does another organisation.
    receiver.onMessage = async (body) => {
      const focus =
        (body as Parameters).parameter?.find((p) => p.name === 'focus')?.valueReference?.reference ?? '';
      const path = `/fhir/${focus.split('/fhir/')[1] ?? ''}`;
      for (const [client, bearer] of [
        ['demo-ggz', own],
        ['demo-youth-ggz', other],
      ] as const) {
        const res = await fetch(`${gatewayUrl}${path}`, { headers: { Authorization: `Bearer ${bearer}` } });
        fetched.push({ client, path, status: res.status, body: await res.json() });
      }
    };
    runner = gatewayJobRunner(
      t.gateway,
      createLogger('error', () => undefined),
      { owner: 'test-instance' },
    );
    task = await sendReferral(t.app, await token('demo-gp'));
    const outbox = new Outbox(t.db);
    const queued = (await outbox.list({ receiver: 'ggz-noord' })).some(
      (m) => (m.payload as { task?: string }).task === `Task/${task.id}`,
    );
    // Until intake queues its own notification, the test queues the one intake is to write.
    if (!queued) {
      await outbox.enqueue({
        receiver: 'ggz-noord',
        payload: {
          type: 'task-event',
          event: 'referral-received',
          task: `Task/${task.id}`,
          taskVersion: '1',
        },
      });
    }
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await receiver.close();
    await t.close();
  });

  it('when the delivery job runs, then the receiver is notified and fetches the Task with its own token; nobody else can', async () => {
    const result = await runner.runOnce('delivery');
    expect(result).toMatchObject({ status: 'ok', summary: { delivered: 1, dead: 0 } });
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.stringify(receiver.requests[0]?.body)).not.toMatch(/999911144|Patient/);
    expect(fetched.map((f) => [f.client, f.path, f.status])).toEqual([
      ['demo-ggz', `/fhir/Task/${task.id}`, 200],
      ['demo-youth-ggz', `/fhir/Task/${task.id}`, 404],
    ]);
    const focus = (fetched[0]?.body as Task).focus?.reference ?? '';
    expect(focus).toMatch(/^ServiceRequest\//);
    expect((await get(t.app, await token('demo-ggz'), `/fhir/${focus}`)).status).toBe(200);
    expect((await get(t.app, await token('demo-youth-ggz'), `/fhir/${focus}`)).status).toBe(404);
    // A second run finds nothing due: delivered once.
    expect(await runner.runOnce('delivery')).toMatchObject({ status: 'ok', summary: { claimed: 0 } });
    expect(receiver.requests).toHaveLength(1);
  });

  it('when an operator lists the outbox and retries a dead message, then it is back in the queue', async () => {
    const outbox = new Outbox(t.db);
    const dead = await outbox.enqueue({
      receiver: 'no-such-organisation',
      payload: { type: 'task-event', event: 'cancellation', task: `Task/${task.id}`, taskVersion: '1' },
    });
    await runner.runOnce('delivery');
    const operator = await token('demo-operator');
    const listed = await get(t.app, operator, '/fhir/$outbox?status=dead');
    expect(listed.status).toBe(200);
    const body = listed.body as Parameters;
    const message = body.parameter?.find((p) => part(p, 'id')?.valueString === dead.id);
    expect(part(message, 'lastError')?.valueCode).toBe('unknown-receiver');
    expect(part(message, 'task')?.valueReference?.reference).toBe(`Task/${task.id}`);
    expect(body.parameter?.find((p) => p.name === 'dead')?.valueInteger).toBeGreaterThanOrEqual(1);

    const retried = await request(t.app)
      .post(`/fhir/$outbox-retry?id=${dead.id}`)
      .set('Authorization', `Bearer ${operator}`);
    expect(retried.status).toBe(200);
    expect(part((retried.body as Parameters).parameter?.[0], 'status')?.valueCode).toBe('pending');
    const again = await request(t.app)
      .post(`/fhir/$outbox-retry?id=${dead.id}`)
      .set('Authorization', `Bearer ${operator}`);
    expect(again.status).toBe(404);
    expect(again.body.resourceType).toBe('OperationOutcome');

    const audit = await t.db.query<{ n: number }>(
      "SELECT count(*)::integer AS n FROM audit_event WHERE content->'subtype'->0->>'display' IN ('$outbox', '$outbox-retry')",
    );
    expect(audit.rows[0]?.n).toBe(2);
  });

  it('when someone without the operator role asks, then 403; with an unknown parameter, then 400', async () => {
    const gp = await get(t.app, await token('demo-gp'), '/fhir/$outbox');
    expect(gp.status).toBe(403);
    expect(gp.body.resourceType).toBe('OperationOutcome');
    const bad = await get(t.app, await token('demo-operator'), '/fhir/$outbox?state=dead');
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].expression).toEqual(['state']);
  });

  it('when an operator asks for the jobs, then each shows its schedule, last run and failures', async () => {
    const res = await get(t.app, await token('demo-operator'), '/fhir/$jobs');
    expect(res.status).toBe(200);
    const delivery = (res.body as Parameters).parameter?.find(
      (p) => part(p, 'name')?.valueString === 'delivery',
    );
    expect(part(delivery, 'ok')?.valueBoolean).toBe(true);
    expect(part(delivery, 'failures')?.valueInteger).toBe(0);
    expect(part(delivery, 'lastSuccess')?.valueInstant).toBeDefined();
    const names = (res.body as Parameters).parameter?.map((p) => part(p, 'name')?.valueString);
    expect(names).toEqual(
      expect.arrayContaining([
        'handover-watchdog',
        'transition-preparation',
        'waiting-times',
        'retention',
        'import',
      ]),
    );
  });

  it('the CapabilityStatement lists the operations and /metrics the deliveries', async () => {
    const cs = (await request(t.app).get('/fhir/metadata')).body as CapabilityStatement;
    const ops = cs.rest?.[0]?.operation?.map((o) => o.name) ?? [];
    expect(ops).toEqual(expect.arrayContaining(['outbox', 'outbox-retry', 'jobs', 'waiting-times']));
    const metrics = (await request(t.app).get('/metrics')).text;
    expect(metrics).toMatch(
      /overdracht_deliveries_total\{receiver="ggz-noord",mode="notified-pull",outcome="delivered"\} 1/,
    );
    expect(metrics).toMatch(/overdracht_job_runs_total\{job="delivery",status="ok"\}/);
  });
});
