/**
 * A dead letter of the message that hands a Task to its owner fails the Task (the rule
 * "any open state - fail (delivery impossible) - gateway -> failed"), with the gateway as agent
 * of the Provenance and `delivery-failed` to the requester; a dead feedback message to the
 * requester leaves the Task as it is. Receivers on real local HTTP servers that always refuse.
 */
import type { Parameters, ParametersParameter, Provenance, Task } from '@medplum/fhirtypes';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganisationConfig } from '../../src/config/types.js';
import { failTaskOnDeadLetter, HANDING_EVENTS } from '../../src/delivery/dead-letters.js';
import type { GatewayJobPorts } from '../../src/jobs/gateway-jobs.js';
import { gatewayJobRunner } from '../../src/jobs/start.js';
import { gatewayRegistry } from '../../src/gateway/search-params.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import type { JobRunner } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/observability/logger.js';
import { Outbox, type OutboxMessage } from '../../src/store/outbox.js';
import type { TaskEventPayload } from '../../src/workflow/events.js';
import { bsn } from '../gateway/workflow-support.js';
import { get, openTestGateway, sendReferral, tokens, type TestGateway } from '../gateway/support.js';
import { demoConfig } from '../support/tokens.js';
import { startReceiver, type TestReceiver } from './receiver.js';

function part(p: ParametersParameter | undefined, name: string): ParametersParameter | undefined {
  return p?.part?.find((x) => x.name === name);
}

describe('dead letters and the Task they announced', () => {
  let t: TestGateway;
  let owner: TestReceiver;
  let requester: TestReceiver;
  let token: (client: string) => Promise<string>;
  let runner: JobRunner<GatewayJobPorts>;
  let clients = 500;

  const post = async (client: string, path: string): Promise<request.Response> =>
    request(t.app)
      .post(path)
      .set('Authorization', `Bearer ${await token(client)}`);
  const payloads = async (receiver: string, taskId: string): Promise<TaskEventPayload[]> =>
    (await new Outbox(t.db).list({ receiver }))
      .map((m) => m.payload as TaskEventPayload)
      .filter((p) => p.task === `Task/${taskId}`);
  const readTask = async (id: string): Promise<Task> =>
    (await get(t.app, await token('demo-gp'), `/fhir/Task/${id}`)).body as Task;

  beforeAll(async () => {
    owner = await startReceiver();
    requester = await startReceiver();
    // The requester's endpoint refuses everything, always (a final answer: no retries).
    requester.status = 400;
    const organisations: OrganisationConfig[] = demoConfig.organisations.map((o) =>
      o.id === 'ggz-noord'
        ? { ...o, delivery: { mode: 'push', endpoint: `${owner.url}/$process-message` } }
        : o.id === 'gp-de-linde'
          ? { ...o, delivery: { mode: 'push', endpoint: `${requester.url}/$process-message` } }
          : { ...o, delivery: { mode: 'none' } },
    );
    t = await openTestGateway({ config: { organisations } });
    token = tokens(t.app);
    runner = gatewayJobRunner(
      t.gateway,
      createLogger('error', () => undefined),
      { owner: 'test-instance' },
    );
  });
  afterAll(async () => {
    await owner.close();
    await requester.close();
    await t.close();
  });

  it('when the referral cannot be delivered to its owner, then the Task fails, the gateway is the agent and the requester is told; an operator retry leaves it failed', async () => {
    owner.status = 400;
    const task = await sendReferral(t.app, await token('demo-gp'), {
      messageId: `dead-${String(++clients)}`,
      bsn: bsn(clients),
    });
    expect((await payloads('ggz-noord', task.id)).map((p) => p.event)).toEqual(['referral-received']);

    const run = await runner.runOnce('delivery');
    expect(run).toMatchObject({ status: 'ok', summary: { dead: 2 } });
    expect(owner.requests).toHaveLength(1);
    const failed = await readTask(task.id);
    expect(failed.status).toBe('failed');
    expect(failed.statusReason?.text).toBe('Delivery to GGZ Noord-Groningen is impossible (http-400)');
    const store = new ResourceStore(t.db, { registry: gatewayRegistry() });
    const history = await store.search<Provenance>('Provenance', { target: `Task/${task.id}` });
    const last = history.resources.find((p) => p.activity?.text === 'fail');
    expect(last?.agent?.[0]?.who).toEqual({ display: 'overdracht gateway' });
    // The requester's delivery-failed went dead too (its endpoint refuses): no loop, no second failure.
    expect((await payloads('gp-de-linde', task.id)).map((p) => [p.event, p.taskVersion])).toEqual([
      ['delivery-failed', '2'],
    ]);
    expect(requester.requests).toHaveLength(1);

    // The operator retries the dead referral message once the owner is reachable: it is delivered, the Task stays failed.
    owner.status = undefined;
    const dead = (await new Outbox(t.db).list({ receiver: 'ggz-noord', status: 'dead' })).find(
      (m) => (m.payload as TaskEventPayload).task === `Task/${task.id}`,
    );
    const retried = await post('demo-operator', `/fhir/$outbox-retry?id=${dead?.id ?? ''}`);
    expect(retried.status).toBe(200);
    expect(part((retried.body as Parameters).parameter?.[0], 'status')?.valueCode).toBe('pending');
    expect(await runner.runOnce('delivery')).toMatchObject({ summary: { delivered: 1, dead: 0 } });
    expect(owner.processed.size).toBe(1);
    expect((await readTask(task.id)).status).toBe('failed');
  });

  it('when feedback to the requester cannot be delivered, then the Task goes on as it was', async () => {
    owner.status = undefined;
    const task = await sendReferral(t.app, await token('demo-gp'), {
      messageId: `dead-${String(++clients)}`,
      bsn: bsn(clients),
    });
    expect(await runner.runOnce('delivery')).toMatchObject({ summary: { delivered: 1, dead: 0 } });
    expect((await post('demo-ggz', `/fhir/Task/${task.id}/$accept`)).status).toBe(200);
    expect((await post('demo-ggz', `/fhir/Task/${task.id}/$start`)).status).toBe(200);
    expect((await payloads('gp-de-linde', task.id)).map((p) => p.event)).toEqual(['feedback-due']);

    expect(await runner.runOnce('delivery')).toMatchObject({ summary: { dead: 1 } });
    expect((await readTask(task.id)).status).toBe('in-progress');
    expect(await payloads('gp-de-linde', task.id)).toHaveLength(1);
  });
});

describe('which dead letters fail their Task', () => {
  const ggz = demoConfig.organisations.find((o) => o.id === 'ggz-noord');
  const message = (event: string, receiver = 'ggz-noord'): OutboxMessage => ({
    id: 'm1',
    receiver,
    payload: { type: 'task-event', event, task: 'Task/t1', taskVersion: '3' },
    status: 'dead',
    attempts: 1,
    nextAttemptAt: new Date(0),
    lastError: 'http-400',
    createdAt: new Date(0),
    updatedAt: new Date(0),
  });

  it('when a handing message dies, then its Task is failed on its receiver; any other event, an unknown receiver or an unreadable payload fails nothing', async () => {
    const calls: [string, string, string][] = [];
    const onDead = failTaskOnDeadLetter({
      organisations: demoConfig.organisations,
      failTask: (taskId, on, reason) => {
        calls.push([taskId, on.id, reason]);
        return Promise.resolve(undefined);
      },
    });
    for (const event of ['referral-received', 'delivery-needed', 'regional-table'])
      await onDead(message(event), 'http-400');
    for (const event of ['feedback-due', 'delivery-failed', 'escalated', 'cancellation'])
      await onDead(message(event), 'http-400');
    await onDead(message('delivery-needed', 'no-such-organisation'), 'unknown-receiver');
    await onDead({ ...message('delivery-needed'), payload: { type: 'other' } }, 'unreadable-payload');
    expect(calls).toEqual(
      ['referral-received', 'delivery-needed', 'regional-table'].map(() => [
        't1',
        'ggz-noord',
        `Delivery to ${ggz?.name ?? ''} is impossible (http-400)`,
      ]),
    );
    expect(HANDING_EVENTS).toEqual(['referral-received', 'delivery-needed', 'regional-table']);
  });
});
