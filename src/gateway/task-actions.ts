/**
 * The Task changes this gateway offers: the owner accepts or rejects a referral, the requester
 * cancels it while it is still requested. Each is checked by the workflow's state machine
 * (src/workflow/transitions.ts) behind one seam, `TransitionFn`: a fuller workflow plugs in
 * there without touching the routes. Anything not allowed is a 409 that says why.
 */
import type { Provenance, Task } from '@medplum/fhirtypes';
import { AccessGrants } from '../access/grants.js';
import { auditEvent } from '../audit/events.js';
import type { Principal } from '../auth/smart.js';
import { conflict, httpStatus, notFound, OperationOutcomeError } from '../fhir/outcomes.js';
import type { AuditLog } from '../store/audit-log.js';
import type { Database } from '../store/database.js';
import { DatabaseError } from '../store/errors.js';
import type { ResourceStore } from '../store/resource-store.js';
import { actorFromPrincipal, type Actor } from '../workflow/party.js';
import {
  applyTransition,
  transitionConflict,
  type Reason,
  type TransitionResult,
} from '../workflow/transitions.js';

export const TASK_ACTIONS = ['accept', 'reject', 'cancel'] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

export interface TaskActionInput {
  reason?: Reason;
}

/** The seam to the workflow: what a Task becomes when `actor` takes `action`, or why not. */
export type TransitionFn = (
  task: Task,
  action: TaskAction,
  actor: Actor,
  input: TaskActionInput,
  now: Date,
) => TransitionResult;

/**
 * The workflow's transitions, narrowed to this gateway's scope: a requester cancels only while
 * the Task is still requested (the workflow would also allow it after acceptance).
 */
export const minimalTransitions: TransitionFn = (task, action, actor, input, now) => {
  const reason = input.reason ?? '';
  let result: TransitionResult;
  switch (action) {
    case 'accept':
      result = applyTransition(task, 'accept', actor, {}, now);
      break;
    case 'reject':
      result = applyTransition(task, 'reject', actor, { reason }, now);
      break;
    case 'cancel':
      result = applyTransition(task, 'cancel', actor, { reason }, now);
      break;
    default:
      return action satisfies never;
  }
  if (result.ok && action === 'cancel' && task.status !== 'requested') {
    return {
      ok: false,
      outcome: transitionConflict(
        `cancel is allowed while the Task is requested; this Task is ${task.status}`,
      ),
    };
  }
  return result;
};

export interface TaskActionDeps {
  db: Database;
  store: ResourceStore;
  auditLog: AuditLog;
  transition: TransitionFn;
  now(): Date;
  endpoint: string;
}

/** Applies `action` to Task `id` for the caller's organisation; the new Task version, or an OperationOutcomeError. */
export async function performTaskAction(
  deps: TaskActionDeps,
  principal: Principal,
  id: string,
  action: TaskAction,
  input: TaskActionInput,
  requestId?: string,
): Promise<Task> {
  // A Task the caller may not see does not exist for it (404, not 403).
  if (!(await new AccessGrants(deps.db).has(principal.organisation.identifier, 'Task', id))) {
    throw new OperationOutcomeError(notFound(`Task/${id} does not exist.`), 404);
  }
  return deps.db.transaction(async (tx) => {
    const store = deps.store.withDb(tx);
    const task = await store.read<Task>('Task', id);
    const now = deps.now();
    const result = deps.transition(task, action, actorFromPrincipal(principal), input, now);
    if (!result.ok) throw new OperationOutcomeError(result.outcome, httpStatus(result.outcome));
    const updated = await updateOrConflict(store, result.task, task.meta?.versionId);
    const provenance = (await store.create<Provenance>(result.provenance)).resource;
    await new AccessGrants(tx).copy({ type: 'Task', id }, { type: 'Provenance', id: provenance.id ?? '' });
    await deps.auditLog.withDb(tx).append(
      auditEvent({
        principal,
        action: 'U',
        interaction: `$${action}`,
        outcome: '0',
        ...(task.for ? { patient: task.for } : {}),
        what: [{ reference: `Task/${id}` }, { reference: `Provenance/${provenance.id ?? ''}` }],
        legalBasis: 'implied-consent-referral',
        sourceSystem: deps.endpoint,
        recorded: now,
        ...(requestId ? { requestId } : {}),
      }),
    );
    return updated;
  });
}

/** Two changes at once: the one that comes second finds another version and is told so (409). */
async function updateOrConflict(
  store: ResourceStore,
  task: Task,
  versionId: string | undefined,
): Promise<Task> {
  try {
    return (await store.update(task, versionId ? { ifMatch: versionId } : {})).resource;
  } catch (err) {
    if (err instanceof OperationOutcomeError && !(err instanceof DatabaseError) && err.status === 412) {
      throw new OperationOutcomeError(
        conflict('The Task changed meanwhile; read it again and retry', 'Task'),
        409,
      );
    }
    throw err;
  }
}
