import type { Bundle, MessageHeader, Parameters, Patient, ServiceRequest, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AccessGrants } from '../../src/access/grants.js';
import type { DeliverySettings, OrganisationConfig } from '../../src/config/types.js';
import { Deliverer, IDEMPOTENCY_HEADER } from '../../src/delivery/deliverer.js';
import { storeDeliverySource } from '../../src/delivery/store-source.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { AuditLog } from '../../src/store/audit-log.js';
import type { Database } from '../../src/store/database.js';
import { Outbox } from '../../src/store/outbox.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { openMigratedPglite } from '../store/support/pglite-template.js';
import { startReceiver, type TestReceiver } from './receiver.js';

const AGB = 'http://fhir.nl/fhir/NamingSystem/agb-z';
const START = new Date('2026-03-02T09:00:00.000Z');
const MINUTE = 60_000;

function org(id: string, value: string, delivery: OrganisationConfig['delivery']): OrganisationConfig {
  return { id, name: id, identifier: { system: AGB, value }, type: 'ggz-institution', delivery };
}

describe('deliverer with a receiver on a local HTTP server', () => {
  let db: Database;
  let receiver: TestReceiver;
  let second: TestReceiver;
  let now = START;
  const clock = (): Date => now;
  let store: ResourceStore;
  let outbox: Outbox;
  let metrics: Metrics;
  let logs: string[];
  let organisations: OrganisationConfig[];
  let settings: DeliverySettings;
  let taskVersion = '';

  beforeAll(async () => {
    db = await openMigratedPglite();
    receiver = await startReceiver();
    second = await startReceiver();
    store = new ResourceStore(db, { registry: new SearchParamRegistry(), clock });
    outbox = new Outbox(db, clock);
    organisations = [
      org('ggz-push', '06000001', { mode: 'push', endpoint: `${receiver.url}/$process-message` }),
      org('gp-pull', '01000002', { mode: 'notified-pull', notifyEndpoint: `${receiver.url}/notify` }),
      org('polls', '06000003', { mode: 'none' }),
      org('stranger', '06000004', { mode: 'push', endpoint: `${receiver.url}/$process-message` }),
      org('ggz-second', '06000005', { mode: 'push', endpoint: `${second.url}/$process-message` }),
    ];
    const patient = (
      await store.create<Patient>({
        resourceType: 'Patient',
        id: 'p1',
        identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }],
        name: [{ family: 'Jansen' }],
      })
    ).resource;
    await store.create<ServiceRequest>({
      resourceType: 'ServiceRequest',
      id: 'sr1',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${patient.id ?? ''}` },
    });
    const task = await store.create<Task>({
      resourceType: 'Task',
      id: 't1',
      status: 'requested',
      intent: 'order',
      for: { reference: 'Patient/p1' },
      focus: { reference: 'ServiceRequest/sr1' },
      owner: { identifier: { system: AGB, value: '06000001' } },
    });
    taskVersion = task.resource.meta?.versionId ?? '';
    const grants = new AccessGrants(db);
    for (const value of ['06000001', '01000002', '06000003', '06000005']) {
      for (const reference of ['Task/t1', 'ServiceRequest/sr1', 'Patient/p1'])
        await grants.add([{ organisation: { system: AGB, value }, reference }]);
    }
  });
  afterAll(async () => {
    await receiver.close();
    await second.close();
    await db.close();
  });

  beforeEach(async () => {
    receiver.mode = 'up';
    delete receiver.status;
    receiver.requests.length = 0;
    receiver.processed.clear();
    settings = {
      maxAttempts: 25,
      baseDelaySeconds: 10,
      maxDelaySeconds: 900,
      timeoutMs: 2000,
      batchSize: 10,
    };
    metrics = createMetrics();
    logs = [];
    // Old messages of earlier tests are out of the way.
    await db.query("UPDATE outbox SET status = 'delivered'");
  });

  function deliverer(overrides: Partial<DeliverySettings> = {}): Deliverer {
    return new Deliverer({
      outbox,
      source: storeDeliverySource({
        db,
        store,
        auditLog: new AuditLog(db),
        endpoint: 'https://gw.example/fhir',
        now: clock,
      }),
      organisations,
      settings: { ...settings, ...overrides },
      endpoint: 'https://gw.example/fhir',
      fetch,
      now: clock,
      random: () => 0.5,
      logger: createLogger('debug', (line) => logs.push(line)),
      metrics,
    });
  }

  function enqueue(receiverId: string, event = 'referral-received') {
    return outbox.enqueue({
      receiver: receiverId,
      payload: { type: 'task-event', event, task: 'Task/t1', taskVersion, focus: 'ServiceRequest/sr1' },
    });
  }

  /** Runs the deliverer every `stepMs` of the test clock until `until`. */
  async function runUntil(d: Deliverer, until: Date, stepMs = MINUTE): Promise<void> {
    while (now < until) {
      await d.deliverDue();
      now = new Date(now.getTime() + stepMs);
    }
  }

  it('when the receiver is down for an hour, then everything arrives once when it returns', async () => {
    const d = deliverer();
    const messages = [await enqueue('ggz-push'), await enqueue('ggz-push'), await enqueue('ggz-push')];
    receiver.mode = 'down';
    await runUntil(d, new Date(now.getTime() + 60 * MINUTE));
    const waiting = await Promise.all(messages.map((m) => outbox.get(m.id)));
    expect(waiting.map((m) => m?.status)).toEqual(['pending', 'pending', 'pending']);
    expect(waiting[0]?.lastError).toBe('http-503');
    // Backoff: far fewer attempts than the 60 rounds of the hour.
    const attempts = waiting[0]?.attempts ?? 0;
    expect(attempts).toBeGreaterThan(5);
    expect(attempts).toBeLessThan(20);
    expect(receiver.processed.size).toBe(0);
    // A receiver that is down gets one request per round, not one per message.
    expect(receiver.requests).toHaveLength(attempts);

    receiver.mode = 'up';
    const mark = receiver.requests.length;
    await runUntil(d, new Date(now.getTime() + 20 * MINUTE));
    const after = await Promise.all(messages.map((m) => outbox.get(m.id)));
    expect(after.map((m) => m?.status)).toEqual(['delivered', 'delivered', 'delivered']);
    const ids = messages.map((m) => m.id).sort();
    expect([...receiver.processed.keys()].sort()).toEqual(ids);
    // After its return the receiver got each message exactly once.
    expect(
      receiver.requests
        .slice(mark)
        .map((r) => r.key)
        .sort(),
    ).toEqual(ids);
    const text = await metrics.registry.getSingleMetricAsString('overdracht_deliveries_total');
    expect(text).toContain('outcome="delivered"} 3');
  });

  it('when a message is pushed, then it is a FHIR message with the Task and its focus, keyed by the outbox id', async () => {
    const message = await enqueue('ggz-push');
    await deliverer().deliverDue();
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0];
    expect(request?.key).toBe(message.id);
    expect(request?.contentType).toBe('application/fhir+json');
    const bundle = request?.body as Bundle;
    expect(bundle.type).toBe('message');
    const header = bundle.entry?.[0]?.resource as MessageHeader;
    expect(header.id).toBe(message.id);
    expect(header.eventCoding?.code).toBe('referral');
    expect(bundle.entry?.map((e) => e.resource?.resourceType)).toEqual([
      'MessageHeader',
      'Task',
      'ServiceRequest',
    ]);
    expect(bundle.entry?.[1]?.fullUrl).toBe('https://gw.example/fhir/Task/t1');
    // The disclosure is in the audit trail; the logs carry no client data.
    const audit = await new AuditLog(db).list({ patient: 'Patient/p1' });
    expect(audit.some((e) => e.agent?.[0]?.who?.identifier?.value === 'overdracht-delivery')).toBe(true);
    expect(logs.join('\n')).not.toMatch(/999911120|Jansen/);
  });

  it('when the answer is lost after processing, then the retry is deduplicated by the receiver', async () => {
    const message = await enqueue('ggz-push');
    receiver.mode = 'lose-answer';
    const d = deliverer();
    await d.deliverDue();
    expect((await outbox.get(message.id))?.status).toBe('pending');
    receiver.mode = 'up';
    await runUntil(d, new Date(now.getTime() + 5 * MINUTE));
    expect((await outbox.get(message.id))?.status).toBe('delivered');
    expect(receiver.requests.filter((r) => r.key === message.id)).toHaveLength(2);
    expect(receiver.processed.size).toBe(1);
  });

  it('when the receiver keeps failing, then the message is a dead letter after maxAttempts', async () => {
    const message = await enqueue('ggz-push');
    receiver.mode = 'down';
    await runUntil(deliverer({ maxAttempts: 3 }), new Date(now.getTime() + 30 * MINUTE));
    const dead = await outbox.get(message.id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, lastError: 'http-503' });
    expect(receiver.requests).toHaveLength(3);
    expect(await metrics.registry.getSingleMetricAsString('overdracht_deliveries_total')).toContain(
      'outcome="dead"} 1',
    );
    expect(await metrics.registry.getSingleMetricAsString('overdracht_outbox_messages')).toMatch(
      /status="dead"} [1-9]/,
    );
    // An operator's retry puts it back; the receiver is up again.
    receiver.mode = 'up';
    expect((await outbox.retry(message.id))?.status).toBe('pending');
    await deliverer().deliverDue();
    expect((await outbox.get(message.id))?.status).toBe('delivered');
  });

  it('when one receiver hangs, then another is served in the same run and the hanging one gets one request', async () => {
    const slow = [await enqueue('ggz-push'), await enqueue('ggz-push')];
    const fast = await enqueue('ggz-second');
    receiver.mode = 'hang';
    receiver.hangMs = 1500;
    const summary = await deliverer({ timeoutMs: 300 }).deliverDue();
    expect(summary).toMatchObject({ claimed: 3, delivered: 1, retried: 2 });
    expect([...second.processed.keys()]).toEqual([fast.id]);
    // One request for the two: the messages share their queue time here, so which goes first is open.
    expect(receiver.requests).toHaveLength(1);
    expect(slow.map((m) => m.id)).toContain(receiver.requests[0]?.key);
    for (const m of slow)
      expect(await outbox.get(m.id)).toMatchObject({ status: 'pending', lastError: 'timeout' });
  });

  it('when the receiver refuses the message (4xx), then it is not retried', async () => {
    const message = await enqueue('ggz-push');
    receiver.status = 422;
    await deliverer().deliverDue();
    expect(await outbox.get(message.id)).toMatchObject({
      status: 'dead',
      lastError: 'http-422',
      attempts: 1,
    });
  });

  it('when the receiver does not answer in time, then the attempt fails with a timeout and is retried', async () => {
    const message = await enqueue('ggz-push');
    receiver.mode = 'hang';
    receiver.hangMs = 1500;
    await deliverer({ timeoutMs: 200 }).deliverDue();
    expect(await outbox.get(message.id)).toMatchObject({ status: 'pending', lastError: 'timeout' });
  });

  it('when the receiver uses notified pull, then it gets a notification without client data', async () => {
    const message = await enqueue('gp-pull', 'feedback-due');
    await deliverer().deliverDue();
    expect((await outbox.get(message.id))?.status).toBe('delivered');
    const body = receiver.requests[0]?.body as Parameters;
    expect(receiver.requests[0]?.key).toBe(message.id);
    expect(body.resourceType).toBe('Parameters');
    expect(body.parameter?.find((p) => p.name === 'focus')?.valueReference?.reference).toBe(
      'https://gw.example/fhir/Task/t1',
    );
    expect(JSON.stringify(body)).not.toMatch(/999911120|Jansen|Patient/);
  });

  it('when a receiver polls (mode none), then nothing is sent and the message is done', async () => {
    const message = await enqueue('polls');
    await deliverer().deliverDue();
    expect((await outbox.get(message.id))?.status).toBe('delivered');
    expect(receiver.requests).toHaveLength(0);
  });

  it('when the receiver holds no grant for the Task, or is unknown, then nothing is sent', async () => {
    const stranger = await enqueue('stranger');
    const unknown = await enqueue('nobody');
    const broken = await outbox.enqueue({ receiver: 'ggz-push', payload: { type: 'task-event', task: 'x' } });
    await deliverer().deliverDue();
    expect(await outbox.get(stranger.id)).toMatchObject({ status: 'dead', lastError: 'no-access' });
    expect(await outbox.get(unknown.id)).toMatchObject({ status: 'dead', lastError: 'unknown-receiver' });
    expect(await outbox.get(broken.id)).toMatchObject({ status: 'dead', lastError: 'unreadable-payload' });
    expect(receiver.requests).toHaveLength(0);
  });

  it('the idempotency header is the documented one', () => {
    expect(IDEMPOTENCY_HEADER).toBe('X-Idempotency-Key');
  });
});
