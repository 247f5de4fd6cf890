/**
 * Fan-out (R7): after an exploratory conversation one referral may go to several receivers, GGZ
 * and the social domain. Each receiver gets a child Task (partOf the parent, one shared
 * groupIdentifier, the same focus and inputs); the GP stays the requester of every child. The
 * parent completes when all children are closed (`completeParentIfDone`, the `complete-group`
 * transition).
 */
import type { OperationOutcome, Provenance, Task } from '@medplum/fhirtypes';
import { invalid } from '../fhir/outcomes.js';
import { isClosed, isOpen } from './codes.js';
import type { WorkflowEvent } from './events.js';
import { provenanceOf, taskReference } from './history.js';
import {
  GATEWAY,
  describeParty,
  partyKey,
  partyReference,
  refersTo,
  type Actor,
  type Party,
} from './party.js';
import { applyTransition, transitionConflict, type TransitionResult } from './transitions.js';

export interface FanOutOptions {
  actor: Actor;
  now: Date;
  newId: () => string;
}

export type FanOutResult =
  | { ok: true; parent: Task; children: Task[]; provenance: Provenance[]; events: WorkflowEvent[] }
  | { ok: false; outcome: OperationOutcome };

/** The states from which the owner may fan out: the referral is taken on, the conversation held or not. */
const FAN_OUT_FROM: readonly Task['status'][] = ['accepted', 'in-progress'];

export function fanOut(parent: Task, receivers: readonly Party[], opts: FanOutOptions): FanOutResult {
  const problem = fanOutProblem(parent, receivers, opts.actor);
  if (problem) return { ok: false, outcome: problem };
  const now = opts.now.toISOString();
  const groupIdentifier = parent.groupIdentifier ?? {
    system: 'urn:ietf:rfc:3986',
    value: `urn:uuid:${opts.newId()}`,
  };
  const nextParent: Task = { ...structuredClone(parent), groupIdentifier, lastModified: now };
  const children = receivers.map((r) => childTask(nextParent, r, opts.newId(), now));
  const task = taskReference(nextParent);
  const events: WorkflowEvent[] = [
    ...children.map((c): WorkflowEvent => ({
      kind: 'delivery-needed',
      task: taskReference(c),
      to: c.owner ?? {},
      cause: 'created',
    })),
    { kind: 'feedback-due', task, to: nextParent.requester ?? {}, feedbackType: 'referred-on' },
  ];
  const provenance = [nextParent, ...children].map((t, i) =>
    provenanceOf(t, i === 0 ? 'fan-out' : 'create', opts.actor, opts.now),
  );
  return { ok: true, parent: nextParent, children, provenance, events };
}

function fanOutProblem(
  parent: Task,
  receivers: readonly Party[],
  actor: Actor,
): OperationOutcome | undefined {
  if (!refersTo(parent.owner, actor))
    return transitionConflict(`only the owner (${describeParty(parent.owner)}) may fan out`);
  if (!FAN_OUT_FROM.includes(parent.status)) {
    return transitionConflict(
      `fan-out is allowed from accepted or in-progress; this Task is ${parent.status}`,
    );
  }
  if (!parent.id) return invalid('the parent Task must be stored (have an id) before it fans out', 'Task.id');
  if (receivers.length === 0) return invalid('fan-out needs at least one receiver', 'Task.owner');
  const keys = receivers.map((r) => partyKey(partyReference(r)));
  if (new Set(keys).size !== keys.length)
    return invalid('each receiver may appear only once in a fan-out', 'Task.owner');
  const table = receivers.find((r) => r.type === 'regional-table');
  if (table)
    return invalid(
      `${describeParty(partyReference(table))} is a regional table; use to-regional-table`,
      'Task.owner',
    );
  return undefined;
}

function childTask(parent: Task, receiver: Party, id: string, now: string): Task {
  return {
    resourceType: 'Task',
    id,
    ...(parent.meta?.profile ? { meta: { profile: [...parent.meta.profile] } } : {}),
    groupIdentifier: parent.groupIdentifier,
    partOf: [taskReference(parent)],
    status: 'requested',
    intent: parent.intent,
    ...(parent.priority ? { priority: parent.priority } : {}),
    ...(parent.code ? { code: structuredClone(parent.code) } : {}),
    ...(parent.focus ? { focus: structuredClone(parent.focus) } : {}),
    ...(parent.for ? { for: structuredClone(parent.for) } : {}),
    authoredOn: now,
    lastModified: now,
    ...(parent.requester ? { requester: structuredClone(parent.requester) } : {}),
    owner: partyReference(receiver),
    ...(parent.input ? { input: structuredClone(parent.input) } : {}),
  };
}

/** The parent's completion once every child is closed; undefined while one is still open. */
export function completeParentIfDone(
  parent: Task,
  children: readonly Task[],
  now: Date,
): TransitionResult | undefined {
  if (!isOpen(parent.status) || children.length === 0 || !children.every((c) => isClosed(c.status)))
    return undefined;
  return applyTransition(parent, 'complete-group', GATEWAY, { children }, now);
}
