/**
 * The Task operations of the gateway, one per action of the workflow's state machine
 * (src/workflow/transitions.ts) that an organisation takes: receive, accept, reject, to the
 * regional table, assign, forward, cancel, start, complete, record a step. `fail`, `escalate`
 * and `complete-group` are the gateway's own. Each is checked behind one seam, `TransitionFn`;
 * anything not allowed is a 409 that says why. What follows from a change - the new version, its
 * Provenance, grants for a new owner, the feedback report, the outbox rows and the audit - is
 * stored in one transaction (workflow-changes.ts).
 */
import type { CarePlan, Composition, Organization, Reference, Task } from '@medplum/fhirtypes';
import { AccessGrants } from '../access/grants.js';
import type { Principal } from '../auth/smart.js';
import { PROFILES } from '../fhir/codes.js';
import {
  errorIssues,
  httpStatus,
  invalid,
  notFound,
  outcome,
  OperationOutcomeError,
} from '../fhir/outcomes.js';
import { RESOURCE_TYPES_SYSTEM, type BusinessStatus, type FeedbackType } from '../workflow/codes.js';
import { feedbackComposition, feedbackProblem, linkedToTask } from '../workflow/feedback.js';
import { actorFromPrincipal, type Actor, type Party } from '../workflow/party.js';
import {
  applyTransition,
  type Reason,
  type TransitionInputs,
  type TransitionResult,
} from '../workflow/transitions.js';
import {
  auditRefusal,
  organisationByIdentifier,
  partyOf,
  saveTaskChange,
  within,
  type WorkflowDeps,
  type WorkflowTx,
} from './workflow-changes.js';

export const TASK_ACTIONS = [
  'receive',
  'accept',
  'reject',
  'to-regional-table',
  'assign',
  'forward',
  'cancel',
  'start',
  'complete',
  'record-step',
] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

/** An organisation named in a request by its AGB or URA, with where the request named it. */
export interface NamedOrganisation {
  identifier: { system: string; value: string };
  path: string;
}

/** What a caller sent with a Task operation, as read from its Parameters body. */
export interface TaskActionRequest {
  reason?: Reason;
  /** The new owner (forward, assign, to-regional-table) or the receivers of a fan-out. */
  receivers?: NamedOrganisation[];
  /** The business-status step (record-step). */
  step?: string;
  /** A feedback report the owner wrote (ov-feedback Composition), with reject or complete. */
  feedback?: unknown;
  /** The outcome text of the feedback report the gateway writes when none is sent. */
  outcome?: string;
  /** Advice to the referrer, for the report the gateway writes. */
  advice?: string;
}

/** The request with the organisations resolved, as the workflow takes it. */
export interface TaskActionInput {
  reason?: Reason;
  receiver?: Party;
  step?: string;
  feedback?: Reference;
}

/** The seam to the workflow: what a Task becomes when `actor` takes `action`, or why not. */
export type TransitionFn = (
  task: Task,
  action: TaskAction,
  actor: Actor,
  input: TaskActionInput,
  now: Date,
) => TransitionResult;

/** The full workflow of src/workflow/transitions.ts; missing inputs are refused there with their path. */
export const workflowTransitions: TransitionFn = (task, action, actor, input, now) => {
  const reason = input.reason !== undefined ? { reason: input.reason } : {};
  // Untyped HTTP input: a missing receiver or reason is refused by the workflow's guards.
  const loose = <A extends keyof TransitionInputs>(x: object): TransitionInputs[A] =>
    x as TransitionInputs[A];
  switch (action) {
    case 'receive':
    case 'accept':
    case 'start':
      return applyTransition(task, action, actor, {}, now);
    case 'reject':
    case 'cancel':
      return applyTransition(task, action, actor, loose<'reject'>(reason), now);
    case 'to-regional-table':
      return applyTransition(
        task,
        action,
        actor,
        loose<'to-regional-table'>({ table: input.receiver, ...reason }),
        now,
      );
    case 'assign':
    case 'forward':
      return applyTransition(
        task,
        action,
        actor,
        loose<'forward'>({ receiver: input.receiver, ...reason }),
        now,
      );
    case 'complete':
      return applyTransition(task, action, actor, input.feedback ? { feedback: input.feedback } : {}, now);
    case 'record-step':
      return applyTransition(task, action, actor, { businessStatus: input.step as BusinessStatus }, now);
    default:
      return action satisfies never;
  }
};

export interface TaskActionDeps extends WorkflowDeps {
  transition: TransitionFn;
}

/** The feedback a change owes the requester as a report the gateway stores. */
const REPORTED: Partial<Record<TaskAction, FeedbackType>> = {
  reject: 'referral-rejected',
  complete: 'treatment-completed',
};

/** Applies `action` to Task `id` for the caller's organisation; the new Task version, or an OperationOutcomeError. */
export async function performTaskAction(
  deps: TaskActionDeps,
  principal: Principal,
  id: string,
  action: TaskAction,
  request: TaskActionRequest,
  requestId?: string,
): Promise<Task> {
  // A Task the caller may not see does not exist for it (404, not 403).
  if (!(await new AccessGrants(deps.db).has(principal.organisation.identifier, 'Task', id))) {
    throw new OperationOutcomeError(notFound(`Task/${id} does not exist.`), 404);
  }
  const call = { principal, ...(requestId ? { requestId } : {}) };
  const change = (): Promise<Task> =>
    deps.db.transaction(async (tx) => {
      const w = within(deps, tx);
      const task = await w.store.read<Task>('Task', id);
      const now = deps.now();
      const feedbackType = REPORTED[action];
      const feedbackId = feedbackType ? deps.newId() : undefined;
      const input: TaskActionInput = {
        ...(request.reason !== undefined ? { reason: request.reason } : {}),
        ...(request.step !== undefined ? { step: request.step } : {}),
        ...(await receiverOf(w, action, request.receivers ?? [])),
        ...(feedbackId ? { feedback: { reference: `Composition/${feedbackId}` } } : {}),
      };
      const result = deps.transition(task, action, actorFromPrincipal(principal), input, now);
      if (!result.ok) throw new OperationOutcomeError(result.outcome, httpStatus(result.outcome));
      const feedback =
        feedbackType && feedbackId
          ? await feedbackOf(w, result.task, feedbackType, request, { id: feedbackId, now })
          : undefined;
      const also =
        action === 'record-step' && request.step === 'treatment-started'
          ? await endBridgingCare(w, result.task, now)
          : [];
      return saveTaskChange(w, call, {
        before: task,
        result,
        interaction: `$${action}`,
        ...(feedback ? { feedback } : {}),
        also,
      });
    });
  return auditRefusal(deps, call, `$${action}`, { type: 'Task', id }, change);
}

/** The new owner an action names, resolved against the connected organisations. */
async function receiverOf(
  w: WorkflowTx,
  action: TaskAction,
  named: readonly NamedOrganisation[],
): Promise<{ receiver?: Party }> {
  if (action !== 'forward' && action !== 'assign' && action !== 'to-regional-table') return {};
  if (named.length > 1) {
    const second = named[1];
    throw new OperationOutcomeError(
      invalid(`${action} takes one receiver; use $fan-out for several`, second?.path),
      422,
    );
  }
  const first = named[0];
  if (!first) {
    // One regional table serves the region: it need not be named.
    const tables = w.deps.organisations.filter((o) => o.type === 'regional-table');
    const only = tables.length === 1 ? tables[0] : undefined;
    return action === 'to-regional-table' && only ? { receiver: await partyOf(w, only) } : {};
  }
  const org = organisationByIdentifier(w.deps.organisations, first.identifier);
  if (!org)
    throw new OperationOutcomeError(
      invalid(
        `${first.identifier.system}|${first.identifier.value} is not connected to this gateway`,
        first.path,
      ),
      422,
    );
  return { receiver: await partyOf(w, org) };
}

/** The feedback report of a rejection or completion: the owner's own, checked, or one the gateway writes. */
async function feedbackOf(
  w: WorkflowTx,
  task: Task,
  feedbackType: FeedbackType,
  request: TaskActionRequest,
  opts: { id: string; now: Date },
): Promise<Composition> {
  if (request.feedback !== undefined) {
    const path = "Parameters.parameter.where(name = 'feedback').resource";
    const sent = request.feedback as Composition;
    const errors = errorIssues(w.deps.validate(sent, [PROFILES.feedback]));
    if (errors.length > 0) throw new OperationOutcomeError(outcome(errors), 422);
    const problem = feedbackProblem(sent, task, feedbackType, path);
    if (problem) throw new OperationOutcomeError(problem, 422);
    return { ...linkedToTask(sent, task), id: opts.id };
  }
  const reason = reasonText(request.reason);
  const text =
    feedbackType === 'referral-rejected'
      ? {
          outcome: `De verwijzing is niet aangenomen${reason ? `: ${reason}` : '.'}`,
          advice: request.advice ?? reason ?? 'Neem contact op voor overleg over een passende plek.',
        }
      : {
          outcome: request.outcome ?? 'De behandeling is afgerond.',
          ...(request.advice ? { advice: request.advice } : {}),
        };
  const custodian = (
    task.owner?.reference ? { reference: task.owner.reference } : (task.owner ?? {})
  ) as Reference<Organization>;
  return feedbackComposition(task, feedbackType, text, { ...opts, custodian });
}

function reasonText(reason: Reason | undefined): string | undefined {
  if (reason === undefined) return undefined;
  if (typeof reason === 'string') return reason.trim() || undefined;
  return reason.text ?? reason.coding?.[0]?.display ?? reason.coding?.[0]?.code;
}

/**
 * Bridging care lasts until the receiver starts treatment (R4): when the owner records
 * treatment-started, the bridging care plans among the Task's inputs end.
 */
async function endBridgingCare(w: WorkflowTx, task: Task, now: Date): Promise<Reference[]> {
  const plans = (task.input ?? [])
    .filter((i) =>
      (i.type.coding ?? []).some((c) => c.system === RESOURCE_TYPES_SYSTEM && c.code === 'CarePlan'),
    )
    .map((i) => i.valueReference?.reference?.split('/')[1])
    .filter((id): id is string => !!id);
  const ended: Reference[] = [];
  for (const id of plans) {
    const plan = await w.store.read<CarePlan>('CarePlan', id);
    if (plan.status !== 'active' && plan.status !== 'on-hold') continue;
    await w.store.update<CarePlan>(
      { ...plan, status: 'completed', period: { ...plan.period, end: now.toISOString() } },
      plan.meta?.versionId ? { ifMatch: plan.meta.versionId } : {},
    );
    ended.push({ reference: `CarePlan/${id}` });
  }
  return ended;
}
