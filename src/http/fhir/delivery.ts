/**
 * Operator views of delivery and the scheduled jobs, for the `operator` role only:
 *
 * - `GET /fhir/$outbox?status=dead&receiver=ggz-noord&_count=50`: outbox messages (pending by
 *   default) with receiver, attempts, next attempt, last error code, the event and the Task
 *   reference - never client data; plus the number of messages of each status;
 * - `POST /fhir/$outbox-retry?id=...` (or a Parameters body with `id`): puts a dead message back
 *   in the queue with a fresh count of attempts; 404 when there is no dead message with that id;
 * - `GET /fhir/$jobs`: each job's schedule, last run, last success, last error code and failures
 *   in a row.
 *
 * Scope `system/MessageHeader.rs` (`.rus` for a retry). Every call is in the audit trail with the
 * Task references it showed.
 */
import type { Request } from 'express';
import type { Parameters, ParametersParameter, Reference } from '@medplum/fhirtypes';
import type { Principal } from '../../auth/smart.js';
import { badRequest, forbidden, notFound, OperationOutcomeError } from '../../fhir/outcomes.js';
import { parameterList, stringValue } from '../../fhir/parameters.js';
import type { JobStatus } from '../../store/jobs.js';
import type { Outbox, OutboxMessage, OutboxStatus } from '../../store/outbox.js';
import { readFhirJson } from '../body.js';
import { sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';
import { queryOf } from './search.js';

export const OPERATOR_SCOPE_TYPE = 'MessageHeader';
const OPERATION_BASE = 'https://overdracht.dev/fhir/OperationDefinition';

export interface DeliveryRouteDeps {
  outbox: Outbox;
  /** Job names and schedules, and what the job table says about each. */
  jobs?: { schedules(): { name: string; schedule: string }[]; status(): Promise<JobStatus[]> };
  /** Records an operator's look at the outbox or a retry (references only). */
  recordAccess(
    principal: Principal,
    interaction: string,
    what: readonly Reference[],
    requestId?: string,
  ): Promise<void>;
  bodyLimitBytes: number;
}

function requireOperator(principal: Principal): void {
  if (!principal.roles.includes('operator'))
    throw new OperationOutcomeError(forbidden('Delivery and jobs are seen by the operator role only'), 403);
}

const STATUSES: readonly OutboxStatus[] = ['pending', 'dead', 'delivered'];

function taskOf(message: OutboxMessage): string | undefined {
  const payload = message.payload as { task?: unknown } | null;
  return typeof payload?.task === 'string' ? payload.task : undefined;
}

function eventOf(message: OutboxMessage): string | undefined {
  const payload = message.payload as { event?: unknown } | null;
  return typeof payload?.event === 'string' ? payload.event : undefined;
}

/** One message as a Parameters part: what an operator needs, and nothing of the client. */
export function messagePart(m: OutboxMessage): ParametersParameter {
  const task = taskOf(m);
  const event = eventOf(m);
  return {
    name: 'message',
    part: [
      { name: 'id', valueString: m.id },
      { name: 'receiver', valueString: m.receiver },
      { name: 'status', valueCode: m.status },
      { name: 'attempts', valueInteger: m.attempts },
      { name: 'created', valueInstant: m.createdAt.toISOString() },
      ...(m.status === 'pending'
        ? [{ name: 'nextAttempt', valueInstant: m.nextAttemptAt.toISOString() }]
        : []),
      ...(m.lastError ? [{ name: 'lastError', valueCode: m.lastError }] : []),
      ...(event ? [{ name: 'event', valueCode: event }] : []),
      ...(task ? [{ name: 'task', valueReference: { reference: task } }] : []),
    ],
  };
}

function jobPart(name: string, schedule: string, s: JobStatus | undefined): ParametersParameter {
  const at = (d: Date | null | undefined) => (d ? d.toISOString() : undefined);
  const lastRun = at(s?.lastRun);
  const lastSuccess = at(s?.lastSuccess);
  return {
    name: 'job',
    part: [
      { name: 'name', valueString: name },
      { name: 'schedule', valueString: schedule },
      ...(lastRun ? [{ name: 'lastRun', valueInstant: lastRun }] : []),
      ...(lastRun ? [{ name: 'ok', valueBoolean: s?.lastError === null }] : []),
      ...(lastSuccess ? [{ name: 'lastSuccess', valueInstant: lastSuccess }] : []),
      ...(s?.lastError ? [{ name: 'lastError', valueCode: s.lastError }] : []),
      { name: 'failures', valueInteger: s?.failures ?? 0 },
      ...(s?.lockedUntil ? [{ name: 'runningUntil', valueInstant: s.lockedUntil.toISOString() }] : []),
    ],
  };
}

function param(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw new OperationOutcomeError(badRequest(`${name} may be given once`, name), 400);
  return values[0];
}

async function retryId(req: Request, limit: number): Promise<string | undefined> {
  const fromQuery = queryOf(req).get('id') ?? undefined;
  if (fromQuery) return fromQuery;
  if (!req.headers['content-length'] && !req.headers['transfer-encoding']) return undefined;
  const body = (await readFhirJson(req, limit)) as Parameters;
  if (body.resourceType !== 'Parameters')
    throw new OperationOutcomeError(
      badRequest('The body must be a Parameters resource', 'resourceType'),
      400,
    );
  const part = parameterList(body).find((p) => p.name === 'id');
  return stringValue(part?.valueString) ?? stringValue(part?.valueId);
}

export function deliveryRoutes(deps: DeliveryRouteDeps): FhirRoute[] {
  const routes: FhirRoute[] = [
    {
      method: 'get',
      path: '/$outbox',
      operation: { name: 'outbox', level: 'system', definition: `${OPERATION_BASE}/outbox` },
      scope: { type: OPERATOR_SCOPE_TYPE, interaction: 's' },
      async handler({ req, res, principal }) {
        requireOperator(principal);
        const query = queryOf(req);
        for (const name of query.keys()) {
          if (!['status', 'receiver', '_count'].includes(name))
            throw new OperationOutcomeError(badRequest(`Unknown parameter '${name}'`, name), 400);
        }
        const status = (param(query, 'status') ?? 'pending') as OutboxStatus;
        if (!STATUSES.includes(status))
          throw new OperationOutcomeError(badRequest('status is pending, dead or delivered', 'status'), 400);
        const count = param(query, '_count') ?? '100';
        if (!/^\d{1,4}$/.test(count) || Number(count) < 1 || Number(count) > 1000)
          throw new OperationOutcomeError(badRequest('_count is 1 to 1000', '_count'), 400);
        const receiver = param(query, 'receiver');
        const messages = await deps.outbox.list({
          status,
          ...(receiver ? { receiver } : {}),
          limit: Number(count),
        });
        const counts = await deps.outbox.countByStatus();
        await deps.recordAccess(principal, '$outbox', references(messages), res.get('X-Request-Id'));
        sendResource(res, 200, {
          resourceType: 'Parameters',
          parameter: [
            ...STATUSES.map((s) => ({ name: s, valueInteger: counts[s] })),
            ...messages.map(messagePart),
          ],
        });
      },
    },
    {
      method: 'post',
      path: '/$outbox-retry',
      operation: { name: 'outbox-retry', level: 'system', definition: `${OPERATION_BASE}/outbox-retry` },
      scope: { type: OPERATOR_SCOPE_TYPE, interaction: 'u' },
      async handler({ req, res, principal }) {
        requireOperator(principal);
        const id = await retryId(req, deps.bodyLimitBytes);
        if (!id)
          throw new OperationOutcomeError(badRequest('id (the outbox message) is required', 'id'), 400);
        const message = await deps.outbox.retry(id);
        if (!message)
          throw new OperationOutcomeError(notFound('There is no dead message with this id.'), 404);
        await deps.recordAccess(principal, '$outbox-retry', references([message]), res.get('X-Request-Id'));
        sendResource(res, 200, { resourceType: 'Parameters', parameter: [messagePart(message)] });
      },
    },
  ];
  const jobs = deps.jobs;
  if (jobs) {
    routes.push({
      method: 'get',
      path: '/$jobs',
      operation: { name: 'jobs', level: 'system', definition: `${OPERATION_BASE}/jobs` },
      scope: { type: OPERATOR_SCOPE_TYPE, interaction: 's' },
      async handler({ res, principal }) {
        requireOperator(principal);
        const status = new Map((await jobs.status()).map((s) => [s.name, s]));
        sendResource(res, 200, {
          resourceType: 'Parameters',
          parameter: jobs.schedules().map((j) => jobPart(j.name, j.schedule, status.get(j.name))),
        });
      },
    });
  }
  return routes;
}

function references(messages: readonly OutboxMessage[]): Reference[] {
  return [...new Set(messages.flatMap((m) => taskOf(m) ?? []))].map((reference) => ({ reference }));
}
