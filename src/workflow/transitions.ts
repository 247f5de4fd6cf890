/**
 * The Task state machine of a referral at one receiver, written down as a table (TRANSITIONS):
 * from which statuses an action is allowed, who may take it, and what the Task becomes. Anything
 * not in the table is refused with a `conflict` (409) that says why. src/workflow/README.md shows
 * the same table for readers; a test checks every (status, action, actor) combination.
 *
 * Task statuses: https://hl7.org/fhir/R4/task.html#statemachine
 */
import type { CodeableConcept, OperationOutcome, Provenance, Reference, Task } from '@medplum/fhirtypes';
import { SYSTEMS } from '../fhir/codes.js';
import { invalid, issue, outcome } from '../fhir/outcomes.js';
import {
  OPEN_STATUSES,
  businessStatusConcept,
  businessStatusOf,
  isClosed,
  type BusinessStatus,
  type FeedbackType,
  type TaskStatus,
} from './codes.js';
import type { WorkflowEvent } from './events.js';
import { provenanceOf, taskReference } from './history.js';
import { describeParty, partyReference, refersTo, sameParty, type Actor, type Party } from './party.js';
import { STEP_CODES, stepRule } from './steps.js';

export type Action =
  | 'receive'
  | 'accept'
  | 'reject'
  | 'to-regional-table'
  | 'assign'
  | 'forward'
  | 'cancel'
  | 'start'
  | 'complete'
  | 'fail'
  | 'record-step'
  | 'escalate'
  | 'complete-group';

/** Who may act: relative to the Task (owner, requester), the regional table that owns it, or the gateway. */
export type Role = 'owner' | 'requester' | 'regional-table' | 'gateway';

/** A reason as free text or coded. */
export type Reason = string | CodeableConcept;

/** What each action needs besides the Task and the actor. */
export interface TransitionInputs {
  receive: Record<string, never>;
  accept: Record<string, never>;
  reject: { reason: Reason };
  'to-regional-table': { table: Party; reason?: Reason };
  assign: { receiver: Party; reason?: Reason };
  forward: { receiver: Party; reason?: Reason };
  cancel: { reason: Reason };
  start: Record<string, never>;
  /** The feedback report (ov-feedback Composition) sent to the requester, when already written. */
  complete: { feedback?: Reference };
  fail: { reason?: Reason };
  'record-step': { businessStatus: BusinessStatus };
  escalate: { idleSince?: string };
  /** All Tasks of the fan-out (partOf this Task). */
  'complete-group': { children: readonly Task[] };
}

/** The events a rule emits, as data; `eventsOf` fills in the parties. */
export type EventSpec =
  | { kind: 'feedback-due'; feedbackType: FeedbackType }
  | { kind: 'delivery-needed'; cause: 'forwarded' | 'assigned' }
  | { kind: 'regional-table' }
  | { kind: 'cancellation' }
  | { kind: 'delivery-failed' }
  | { kind: 'escalated' };

export interface TransitionRule {
  action: Action;
  from: readonly TaskStatus[];
  by: Role;
  /** The new status; `unchanged` for updates of the business status only. */
  to: TaskStatus | 'unchanged';
  /** The business status the transition records; `input` takes it from the request; absent keeps it. */
  businessStatus?: BusinessStatus | 'input';
  reason: 'required' | 'optional' | 'none';
  /** Where the new owner comes from, when the owner changes. */
  newOwner?: 'table' | 'receiver';
  emits: readonly EventSpec[];
}

const OPEN = OPEN_STATUSES;
const NEW = ['requested', 'received'] as const satisfies readonly TaskStatus[];

/** The table. Order matters only for reading; each action has exactly one row. */
export const TRANSITIONS: readonly TransitionRule[] = [
  {
    action: 'receive',
    from: ['requested'],
    by: 'owner',
    to: 'received',
    businessStatus: 'received',
    reason: 'none',
    emits: [],
  },
  { action: 'accept', from: NEW, by: 'owner', to: 'accepted', reason: 'none', emits: [] },
  {
    action: 'reject',
    from: NEW,
    by: 'owner',
    to: 'rejected',
    businessStatus: 'rejected',
    reason: 'required',
    emits: [{ kind: 'feedback-due', feedbackType: 'referral-rejected' }],
  },
  {
    action: 'to-regional-table',
    from: NEW,
    by: 'owner',
    to: 'on-hold',
    businessStatus: 'to-regional-table',
    reason: 'optional',
    newOwner: 'table',
    emits: [{ kind: 'regional-table' }],
  },
  {
    action: 'assign',
    from: ['on-hold'],
    by: 'regional-table',
    to: 'requested',
    businessStatus: 'assigned-by-regional-table',
    reason: 'optional',
    newOwner: 'receiver',
    emits: [{ kind: 'delivery-needed', cause: 'assigned' }],
  },
  {
    action: 'forward',
    from: ['requested', 'received', 'accepted'],
    by: 'owner',
    to: 'requested',
    businessStatus: 'forwarded',
    reason: 'optional',
    newOwner: 'receiver',
    emits: [
      { kind: 'delivery-needed', cause: 'forwarded' },
      { kind: 'feedback-due', feedbackType: 'referred-on' },
    ],
  },
  {
    action: 'cancel',
    from: ['requested', 'received', 'accepted', 'on-hold'],
    by: 'requester',
    to: 'cancelled',
    businessStatus: 'cancelled',
    reason: 'required',
    emits: [{ kind: 'cancellation' }],
  },
  {
    action: 'start',
    from: ['accepted'],
    by: 'owner',
    to: 'in-progress',
    businessStatus: 'intake-held',
    reason: 'none',
    emits: [{ kind: 'feedback-due', feedbackType: 'intake-held' }],
  },
  {
    action: 'complete',
    from: ['in-progress'],
    by: 'owner',
    to: 'completed',
    businessStatus: 'completed',
    reason: 'none',
    emits: [{ kind: 'feedback-due', feedbackType: 'treatment-completed' }],
  },
  {
    action: 'fail',
    from: OPEN,
    by: 'gateway',
    to: 'failed',
    reason: 'optional',
    emits: [{ kind: 'delivery-failed' }],
  },
  {
    action: 'record-step',
    from: ['requested', 'received', 'accepted', 'in-progress'],
    by: 'owner',
    to: 'unchanged',
    businessStatus: 'input',
    reason: 'none',
    emits: [],
  },
  {
    action: 'escalate',
    from: ['requested', 'received', 'accepted', 'on-hold'],
    by: 'gateway',
    to: 'unchanged',
    businessStatus: 'escalated',
    reason: 'none',
    emits: [{ kind: 'escalated' }],
  },
  {
    action: 'complete-group',
    from: OPEN,
    by: 'gateway',
    to: 'completed',
    businessStatus: 'completed',
    reason: 'none',
    emits: [{ kind: 'feedback-due', feedbackType: 'treatment-completed' }],
  },
];

export const ACTIONS: readonly Action[] = TRANSITIONS.map((t) => t.action);

export function ruleFor(action: Action): TransitionRule | undefined {
  return TRANSITIONS.find((t) => t.action === action);
}

export type TransitionResult =
  | { ok: true; task: Task; provenance: Provenance; events: WorkflowEvent[] }
  | { ok: false; outcome: OperationOutcome };

/**
 * Applies `action` by `actor` to `task` at `now`. Never mutates `task`. The actor is checked before
 * the state, so that an organisation without a part in the Task learns nothing of its state.
 */
export function applyTransition<A extends Action>(
  task: Task,
  action: A,
  actor: Actor,
  input: TransitionInputs[A],
  now: Date,
): TransitionResult {
  const rule = ruleFor(action);
  if (!rule) return refuse(`unknown action '${String(action)}'`);
  const roleProblem = checkRole(task, actor, rule);
  if (roleProblem) return refuse(roleProblem);
  if (!rule.from.includes(task.status)) {
    return refuse(`${rule.action} is allowed from ${listOf(rule.from)}; this Task is ${task.status}`);
  }
  // Untyped callers (HTTP handlers) may pass nothing; the guards below then refuse what is missing.
  const fields = (input ?? {}) as unknown as Fields;
  const problem = checkReason(rule, fields) ?? GUARDS[rule.action](task, fields);
  if (problem) return { ok: false, outcome: problem };
  const next = nextTask(task, rule, fields, now);
  return {
    ok: true,
    task: next,
    provenance: provenanceOf(next, rule.action, actor, now),
    events: eventsOf(rule, task, next, fields),
  };
}

/** The refusal of a change the workflow does not allow: `conflict` (409), issue-detail status-transition-invalid. */
export function transitionConflict(message: string, expression?: string): OperationOutcome {
  return outcome([
    issue({
      code: 'conflict',
      message,
      detailCode: 'status-transition-invalid',
      ...(expression ? { expression } : {}),
    }),
  ]);
}

function refuse(message: string, expression?: string): { ok: false; outcome: OperationOutcome } {
  return { ok: false, outcome: transitionConflict(message, expression) };
}

function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] ?? ''}`;
}

function checkRole(task: Task, actor: Actor, rule: TransitionRule): string | undefined {
  switch (rule.by) {
    case 'owner':
      return refersTo(task.owner, actor)
        ? undefined
        : `only the owner (${describeParty(task.owner)}) may ${rule.action}`;
    case 'requester':
      return refersTo(task.requester, actor)
        ? undefined
        : `only the requester (${describeParty(task.requester)}) may ${rule.action}`;
    case 'regional-table':
      return actor.kind === 'organisation' && actor.type === 'regional-table' && refersTo(task.owner, actor)
        ? undefined
        : `only the regional table that holds this Task (${describeParty(task.owner)}) may ${rule.action}`;
    case 'gateway':
      return actor.kind === 'gateway' ? undefined : `only the gateway may ${rule.action}`;
    default:
      return rule.by satisfies never;
  }
}

type Fields = Record<string, unknown>;

function reasonOf(fields: Fields): CodeableConcept | undefined {
  const r = fields.reason;
  if (typeof r === 'string') return r.trim() ? { text: r.trim() } : undefined;
  if (
    r &&
    typeof r === 'object' &&
    ((r as CodeableConcept).text?.trim() || (r as CodeableConcept).coding?.length)
  ) {
    return r as CodeableConcept;
  }
  return undefined;
}

function checkReason(rule: TransitionRule, fields: Fields): OperationOutcome | undefined {
  if (rule.reason === 'required' && !reasonOf(fields)) {
    return invalid(`a reason is required to ${rule.action}`, 'Task.statusReason');
  }
  return undefined;
}

function isParty(x: unknown): x is Party {
  const id = (x as Party | undefined)?.identifier;
  return (
    typeof id?.system === 'string' && typeof id.value === 'string' && id.system !== '' && id.value !== ''
  );
}

/** Checks beyond status and role, one per action. */
const GUARDS: Record<Action, (task: Task, fields: Fields) => OperationOutcome | undefined> = {
  receive: () => undefined,
  accept: () => undefined,
  reject: () => undefined,
  'to-regional-table': (task, f) => {
    if (!isParty(f.table)) return invalid('the regional table to hand over to is required', 'Task.owner');
    if (f.table.type !== 'regional-table')
      return invalid(`${describeParty(partyReference(f.table))} is not a regional table`, 'Task.owner');
    return undefined;
  },
  assign: (task, f) => newReceiverProblem(task, f),
  forward: (task, f) => newReceiverProblem(task, f),
  cancel: () => undefined,
  start: () => undefined,
  complete: () => undefined,
  fail: () => undefined,
  'record-step': (task, f) => stepProblem(task, f.businessStatus),
  escalate: (task) =>
    businessStatusOf(task) === 'escalated'
      ? transitionConflict('this Task is already escalated', 'Task.businessStatus')
      : undefined,
  'complete-group': (task, f) => groupProblem(task, f.children),
};

function newReceiverProblem(task: Task, f: Fields): OperationOutcome | undefined {
  if (!isParty(f.receiver)) return invalid('the new receiver is required', 'Task.owner');
  if (f.receiver.type === 'regional-table') {
    return invalid(
      'a Task goes to the regional table with to-regional-table, not as a receiver',
      'Task.owner',
    );
  }
  if (sameParty(partyReference(f.receiver), task.owner)) {
    return transitionConflict(`${describeParty(task.owner)} already owns this Task`, 'Task.owner');
  }
  return undefined;
}

function stepProblem(task: Task, code: unknown): OperationOutcome | undefined {
  const rule = typeof code === 'string' ? stepRule(code) : undefined;
  if (!rule) {
    return invalid(
      `businessStatus must be one of ${listOf(STEP_CODES)}; other codes follow from transitions`,
      'Task.businessStatus',
    );
  }
  if (!rule.allowedIn.includes(task.status)) {
    return transitionConflict(
      `${rule.step} is allowed while the Task is ${listOf(rule.allowedIn)}; this Task is ${task.status}`,
      'Task.businessStatus',
    );
  }
  const current = businessStatusOf(task);
  if (current && rule.notAfter.includes(current)) {
    return transitionConflict(`${rule.step} cannot follow ${current}`, 'Task.businessStatus');
  }
  return undefined;
}

function groupProblem(task: Task, children: unknown): OperationOutcome | undefined {
  if (!Array.isArray(children) || children.length === 0)
    return invalid('the Tasks of the fan-out are required', 'Task.partOf');
  const ref = taskReference(task).reference;
  const list = children as Task[];
  if (list.some((c) => !(c.partOf ?? []).some((p) => p.reference === ref))) {
    return invalid(`every child Task must be partOf ${ref ?? 'this Task'}`, 'Task.partOf');
  }
  const open = list.filter((c) => !isClosed(c.status));
  if (open.length > 0)
    return transitionConflict(`${open.length} of ${list.length} Tasks of this fan-out are still open`);
  return undefined;
}

function nextTask(task: Task, rule: TransitionRule, fields: Fields, now: Date): Task {
  const next: Task = structuredClone(task);
  if (rule.to !== 'unchanged') next.status = rule.to;
  const business =
    rule.businessStatus === 'input' ? (fields.businessStatus as BusinessStatus) : rule.businessStatus;
  if (business) next.businessStatus = businessStatusConcept(business);
  const owner =
    rule.newOwner === 'table' ? fields.table : rule.newOwner === 'receiver' ? fields.receiver : undefined;
  if (isParty(owner)) next.owner = partyReference(owner);
  const reason = reasonOf(fields);
  // A status change makes an earlier reason stale; updates of the business status keep it.
  if (reason) next.statusReason = reason;
  else if (rule.to !== 'unchanged') delete next.statusReason;
  const feedback = fields.feedback as Reference | undefined;
  if (rule.action === 'complete' && feedback?.reference) {
    next.output = [
      ...(next.output ?? []),
      {
        type: { coding: [{ system: SYSTEMS.documentType, code: 'feedback-report' }] },
        valueReference: feedback,
      },
    ];
  }
  next.lastModified = now.toISOString();
  return next;
}

function eventsOf(rule: TransitionRule, before: Task, after: Task, fields: Fields): WorkflowEvent[] {
  const task = taskReference(after);
  const requester = after.requester ?? {};
  const events = rule.emits.map((spec): WorkflowEvent => {
    switch (spec.kind) {
      case 'feedback-due':
        return { kind: 'feedback-due', task, to: requester, feedbackType: spec.feedbackType };
      case 'delivery-needed':
        return { kind: 'delivery-needed', task, to: after.owner ?? {}, cause: spec.cause };
      case 'regional-table':
        return { kind: 'regional-table', task, table: after.owner ?? {}, from: before.owner ?? {} };
      case 'cancellation':
        return { kind: 'cancellation', task, to: after.owner ?? {} };
      case 'delivery-failed':
        return { kind: 'delivery-failed', task, to: requester };
      case 'escalated':
        return {
          kind: 'escalated',
          task,
          owner: after.owner ?? {},
          requester,
          idleSince:
            typeof fields.idleSince === 'string'
              ? fields.idleSince
              : (before.lastModified ?? before.authoredOn ?? ''),
        };
      default:
        return spec satisfies never;
    }
  });
  const step =
    rule.businessStatus === 'input' && typeof fields.businessStatus === 'string'
      ? stepRule(fields.businessStatus)
      : undefined;
  if (step?.feedback) events.push({ kind: 'feedback-due', task, to: requester, feedbackType: step.feedback });
  const parent = after.partOf?.[0];
  if (parent && isClosed(after.status) && !isClosed(before.status))
    events.push({ kind: 'child-closed', task, parent });
  return events;
}
