/**
 * The deliverer: claims due outbox messages, sends each to its receiver as configured (push or
 * notified pull), and records the outcome - delivered, retried later (exponential backoff with
 * full jitter), or given up as a dead letter after `maxAttempts` or an answer that retrying will
 * not change. At-least-once: a message is marked delivered only after the receiver's 2xx, so a
 * crash in between sends it again; receivers deduplicate by the `X-Idempotency-Key` header (the
 * outbox id, also MessageHeader.id). Logs carry outbox ids, receiver keys and codes, never content.
 */
import type { Resource, Task } from '@medplum/fhirtypes';
import type { DeliverySettings, OrganisationConfig } from '../config/types.js';
import { OperationOutcomeError } from '../fhir/outcomes.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Outbox, OutboxMessage } from '../store/outbox.js';
import { classifyStatus, parseRetryAfter, retryDelayMs, type AttemptOutcome } from './backoff.js';
import { parsePayload, pullNotification, pushMessage, type DeliveryPayload } from './message.js';

export const IDEMPOTENCY_HEADER = 'X-Idempotency-Key';

/** What the deliverer reads: resources by reference, and whether an organisation may see them. */
export interface DeliverySource {
  /** The resource, `version` when given; undefined when it does not exist (any more). */
  read(reference: string, version?: string): Promise<Resource | undefined>;
  /** Whether the organisation holds an access grant for the resource. */
  granted(organisation: OrganisationConfig, reference: string): Promise<boolean>;
  /** Records that client data was sent to `receiver` (an AuditEvent). */
  recordDisclosure(receiver: OrganisationConfig, task: Task, sent: readonly Resource[]): Promise<void>;
}

export interface DelivererDeps {
  outbox: Outbox;
  source: DeliverySource;
  organisations: readonly OrganisationConfig[];
  settings: DeliverySettings;
  /** The gateway's FHIR base URL, for absolute references. */
  endpoint: string;
  fetch: typeof fetch;
  now: () => Date;
  random: () => number;
  logger: Logger;
  metrics?: Metrics;
  /**
   * Called once a message is given up (dead letter), after it is recorded as dead: the gateway
   * fails the Task when the message handed it to its owner (dead-letters.ts). A failure here is
   * logged and leaves the dead letter as it is.
   */
  onDead?: (message: OutboxMessage, code: string) => Promise<void>;
}

export interface DeliverySummary extends Record<string, number> {
  claimed: number;
  delivered: number;
  retried: number;
  dead: number;
}

/** At most this many claim rounds, and no new round after this long, so one run ends even when messages keep coming. */
const MAX_ROUNDS = 100;
const MAX_RUN_MS = 5 * 60_000;

type Prepared =
  | {
      kind: 'send';
      url: string;
      body: unknown;
      mode: 'push' | 'notified-pull';
      disclose?: () => Promise<void>;
    }
  | { kind: 'nothing-to-send' }
  | { kind: 'give-up'; code: string };

export class Deliverer {
  constructor(private readonly deps: DelivererDeps) {}

  /** Delivers every message that is due now, in rounds of `batchSize`. */
  async deliverDue(): Promise<DeliverySummary> {
    const summary: DeliverySummary = { claimed: 0, delivered: 0, retried: 0, dead: 0 };
    const { settings, now } = this.deps;
    // A claimed message is not due again before its lease ends: longer than a whole batch can
    // take, so that no other deliverer claims it while this one is still at it.
    const leaseMs = settings.timeoutMs * settings.batchSize + 60_000;
    const started = now().getTime();
    for (let round = 0; round < MAX_ROUNDS && now().getTime() - started < MAX_RUN_MS; round++) {
      const batch = await this.deps.outbox.claimDue({ limit: settings.batchSize, leaseMs });
      if (batch.length === 0) break;
      summary.claimed += batch.length;
      // Receivers in parallel, each one's messages in order: a slow receiver holds up only itself.
      const byReceiver = new Map<string, OutboxMessage[]>();
      for (const m of batch) byReceiver.set(m.receiver, [...(byReceiver.get(m.receiver) ?? []), m]);
      const results = await Promise.all(
        [...byReceiver.values()].map((messages) => this.deliverInOrder(messages)),
      );
      for (const result of results.flat()) summary[result]++;
    }
    await this.countOutbox();
    return summary;
  }

  /**
   * One receiver's messages of a batch, one after the other. Once the receiver is down (an answer
   * worth a retry), the rest wait for their next attempt without a request each.
   */
  private async deliverInOrder(
    messages: readonly OutboxMessage[],
  ): Promise<('delivered' | 'retried' | 'dead')[]> {
    const results: ('delivered' | 'retried' | 'dead')[] = [];
    let down: (AttemptOutcome & { kind: 'retry' }) | undefined;
    for (const message of messages) {
      if (down) {
        const receiver = this.deps.organisations.find((o) => o.id === message.receiver);
        results.push(
          await this.record(message, down, message.receiver, receiver?.delivery.mode ?? 'unknown'),
        );
        continue;
      }
      const { result, outcome } = await this.attempt(message);
      results.push(result);
      if (outcome.kind === 'retry' && outcome.code !== 'store-error' && outcome.code !== 'internal-error')
        down = outcome;
    }
    return results;
  }

  /** One claimed message: prepared, sent, and its outcome recorded. */
  async deliver(message: OutboxMessage): Promise<'delivered' | 'retried' | 'dead'> {
    return (await this.attempt(message)).result;
  }

  private async attempt(
    message: OutboxMessage,
  ): Promise<{ result: 'delivered' | 'retried' | 'dead'; outcome: AttemptOutcome }> {
    const receiver = this.deps.organisations.find((o) => o.id === message.receiver);
    const mode = receiver?.delivery.mode ?? 'unknown';
    let outcome: AttemptOutcome;
    try {
      const prepared = await this.prepare(message, receiver);
      if (prepared.kind === 'give-up') outcome = prepared;
      else if (prepared.kind === 'nothing-to-send') outcome = { kind: 'delivered' };
      else {
        outcome = await this.send(message.id, prepared.url, prepared.body);
        if (outcome.kind === 'delivered') await prepared.disclose?.();
      }
    } catch (err) {
      // The store failed us: not the receiver's fault, try again later.
      outcome = {
        kind: 'retry',
        code: err instanceof OperationOutcomeError ? 'store-error' : 'internal-error',
      };
    }
    return { result: await this.record(message, outcome, message.receiver, mode), outcome };
  }

  private async prepare(message: OutboxMessage, receiver: OrganisationConfig | undefined): Promise<Prepared> {
    if (!receiver) return { kind: 'give-up', code: 'unknown-receiver' };
    const payload = parsePayload(message.payload);
    if (!payload) return { kind: 'give-up', code: 'unreadable-payload' };
    // Targeted transfer: nothing goes to an organisation the Task does not grant.
    if (!(await this.deps.source.granted(receiver, payload.task)))
      return { kind: 'give-up', code: 'no-access' };
    const delivery = receiver.delivery;
    switch (delivery.mode) {
      case 'none':
        // The receiver polls the API itself; its grant is all it needs.
        return { kind: 'nothing-to-send' };
      case 'notified-pull':
        return {
          kind: 'send',
          mode: 'notified-pull',
          url: delivery.notifyEndpoint,
          body: pullNotification(message.id, payload, this.deps.endpoint, this.deps.now()),
        };
      case 'push':
        return this.preparePush(message, receiver, payload, delivery.endpoint);
      default:
        return delivery satisfies never;
    }
  }

  private async preparePush(
    message: OutboxMessage,
    receiver: OrganisationConfig,
    payload: DeliveryPayload,
    url: string,
  ): Promise<Prepared> {
    const task = (await this.deps.source.read(payload.task, payload.taskVersion)) as Task | undefined;
    if (!task) return { kind: 'give-up', code: 'task-missing' };
    const related: Resource[] = [];
    for (const reference of [payload.focus, payload.feedback]) {
      if (!reference) continue;
      if (!(await this.deps.source.granted(receiver, reference)))
        return { kind: 'give-up', code: 'no-access' };
      const resource = await this.deps.source.read(reference);
      if (!resource) return { kind: 'give-up', code: 'resource-missing' };
      related.push(resource);
    }
    const body = pushMessage({
      messageId: message.id,
      payload,
      receiver,
      destination: url,
      source: this.deps.endpoint,
      task,
      related,
      now: this.deps.now(),
    });
    return {
      kind: 'send',
      mode: 'push',
      url,
      body,
      disclose: () => this.deps.source.recordDisclosure(receiver, task, [task, ...related]),
    };
  }

  private async send(id: string, url: string, body: unknown): Promise<AttemptOutcome> {
    let response: Response;
    try {
      response = await this.deps.fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/fhir+json',
          Accept: 'application/fhir+json',
          [IDEMPOTENCY_HEADER]: id,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.deps.settings.timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      return { kind: 'retry', code: timedOut ? 'timeout' : 'unreachable' };
    }
    // The answer's body is not read into anything: it may quote what was sent.
    await response.body?.cancel().catch(() => undefined);
    const outcome = classifyStatus(response.status);
    if (outcome.kind !== 'retry') return outcome;
    const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'), this.deps.now());
    return retryAfterMs === undefined ? outcome : { ...outcome, retryAfterMs };
  }

  private async record(
    message: OutboxMessage,
    outcome: AttemptOutcome,
    receiver: string,
    mode: string,
  ): Promise<'delivered' | 'retried' | 'dead'> {
    const { outbox, logger, metrics, settings, now, random } = this.deps;
    const fields = { outbox: message.id, receiver, mode, attempt: message.attempts };
    if (outcome.kind === 'delivered') {
      await outbox.markDelivered(message.id);
      metrics?.deliveries.inc({ receiver, mode, outcome: 'delivered' });
      metrics?.deliveryLatency.observe({ mode }, (now().getTime() - message.createdAt.getTime()) / 1000);
      logger.info('delivery.delivered', fields);
      return 'delivered';
    }
    if (outcome.kind === 'retry' && message.attempts < settings.maxAttempts) {
      const delay = retryDelayMs(message.attempts, settings, random, outcome.retryAfterMs);
      await outbox.markFailed(message.id, outcome.code, new Date(now().getTime() + delay));
      metrics?.deliveries.inc({ receiver, mode, outcome: 'failed' });
      logger.warn('delivery.retry', { ...fields, error: outcome.code, delayMs: delay });
      return 'retried';
    }
    await outbox.markFailed(message.id, outcome.code, null);
    metrics?.deliveries.inc({ receiver, mode, outcome: 'dead' });
    logger.error('delivery.dead', { ...fields, error: outcome.code });
    await this.deps.onDead?.(message, outcome.code).catch((err: unknown) => {
      const code =
        err instanceof OperationOutcomeError ? `http-${String(err.status ?? 500)}` : 'internal-error';
      logger.error('delivery.dead-letter-handling-failed', { ...fields, error: code });
    });
    return 'dead';
  }

  /** Sets the outbox gauge from the table. */
  async countOutbox(): Promise<void> {
    if (!this.deps.metrics) return;
    const counts = await this.deps.outbox.countByStatus();
    for (const status of ['pending', 'dead'] as const)
      this.deps.metrics.outboxMessages.set({ status }, counts[status]);
  }
}
