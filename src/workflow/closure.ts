/**
 * The closure guard (R4: no gap between sender and receiver). The sender's EpisodeOfCare may be
 * finished once its handover Task is accepted with an intake planned, or later (intake held,
 * treatment started, completed). Before that - or when there is no handover at all - closing
 * needs an explicit choice, back to the GP or back to the referrer (closure-choice), and a
 * reason; the choice is "weighed explicitly and auditably and recorded in the dossier", so the
 * result says what must go into the audit trail.
 */
import type { AuditEvent, EpisodeOfCare, OperationOutcome, Reference, Task } from '@medplum/fhirtypes';
import type { Principal } from '../auth/smart.js';
import { auditEvent, type LegalBasis } from '../audit/events.js';
import { invalid } from '../fhir/outcomes.js';
import {
  CLOSURE_CHOICES,
  CLOSURE_CHOICE_SYSTEM,
  RESOURCE_TYPES_SYSTEM,
  businessStatusOf,
  type ClosureChoice,
} from './codes.js';
import { taskReference } from './history.js';
import { describeParty, refersTo, type Actor } from './party.js';
import { INTAKE_SECURED } from './steps.js';
import { transitionConflict } from './transitions.js';

export interface ClosureRequest {
  closureChoice?: ClosureChoice;
  /** Why the episode is finished without a secured handover. */
  reason?: string;
}

/** What the audit trail must hold about a closure. */
export interface ClosureAudit {
  episode: Reference;
  patient?: Reference;
  handoverTask?: Reference;
  /** secured: accepted with an intake planned or later; open: a handover not that far; none: no handover. */
  handover: 'secured' | 'open' | 'none';
  closureChoice?: ClosureChoice;
  reason?: string;
}

export type ClosureResult =
  { ok: true; episode: EpisodeOfCare; audit: ClosureAudit } | { ok: false; outcome: OperationOutcome };

const OPEN_EPISODE: readonly EpisodeOfCare['status'][] = ['planned', 'waitlist', 'active', 'onhold'];

/** Is the handover far enough for the sender to let go? */
export function handoverSecured(task: Task): boolean {
  switch (task.status) {
    case 'accepted': {
      const business = businessStatusOf(task);
      return business !== undefined && INTAKE_SECURED.includes(business);
    }
    case 'in-progress':
    case 'completed':
      return true;
    default:
      return false;
  }
}

/** Finishes the sender's episode when the guard allows it; `handoverTask` is the Task whose input is this episode. */
export function finishEpisode(
  episode: EpisodeOfCare,
  handoverTask: Task | undefined,
  actor: Actor,
  request: ClosureRequest,
  now: Date,
): ClosureResult {
  const refusal = guard(episode, handoverTask, actor, request);
  if (refusal) return { ok: false, outcome: refusal };
  const handover = !handoverTask ? 'none' : handoverSecured(handoverTask) ? 'secured' : 'open';
  const reason = request.reason?.trim();
  const audit: ClosureAudit = {
    episode: { reference: `EpisodeOfCare/${episode.id ?? ''}` },
    ...(episode.patient ? { patient: episode.patient } : {}),
    ...(handoverTask ? { handoverTask: taskReference(handoverTask) } : {}),
    handover,
    ...(request.closureChoice ? { closureChoice: request.closureChoice } : {}),
    ...(reason ? { reason } : {}),
  };
  return { ok: true, episode: finished(episode, now), audit };
}

function guard(
  episode: EpisodeOfCare,
  task: Task | undefined,
  actor: Actor,
  request: ClosureRequest,
): OperationOutcome | undefined {
  if (!refersTo(episode.managingOrganization, actor)) {
    return transitionConflict(
      `only the managing organisation (${describeParty(episode.managingOrganization)}) may finish this episode`,
    );
  }
  if (!OPEN_EPISODE.includes(episode.status))
    return transitionConflict(`this episode of care is already ${episode.status}`, 'EpisodeOfCare.status');
  if (task && !isHandoverOf(task, episode)) {
    return invalid(
      `${taskReference(task).reference ?? 'the Task'} is not the handover of EpisodeOfCare/${episode.id ?? ''}`,
      'Task.input',
    );
  }
  if (request.closureChoice !== undefined && !CLOSURE_CHOICES.includes(request.closureChoice)) {
    return invalid(
      `closureChoice must be ${CLOSURE_CHOICES.join(' or ')} (${CLOSURE_CHOICE_SYSTEM})`,
      'closureChoice',
    );
  }
  if (request.closureChoice && !request.reason?.trim())
    return invalid('a reason is required with the closure choice', 'reason');
  if (task && handoverSecured(task)) return undefined;
  if (request.closureChoice) return undefined;
  return transitionConflict(notSecuredMessage(task), 'EpisodeOfCare.status');
}

function notSecuredMessage(task: Task | undefined): string {
  const choice = `finish anyway with a closure choice (${CLOSURE_CHOICES.join(' or ')}) and a reason`;
  if (!task) return `this episode has no handover; ${choice}`;
  const business = businessStatusOf(task);
  const state = business ? `${task.status}, ${business}` : task.status;
  return `the handover is not yet accepted with an intake planned (the Task is ${state}); ${choice}`;
}

function isHandoverOf(task: Task, episode: EpisodeOfCare): boolean {
  return (task.input ?? []).some(
    (i) =>
      (i.type.coding ?? []).some((c) => c.system === RESOURCE_TYPES_SYSTEM && c.code === 'EpisodeOfCare') &&
      i.valueReference?.reference === `EpisodeOfCare/${episode.id ?? ''}`,
  );
}

function finished(episode: EpisodeOfCare, now: Date): EpisodeOfCare {
  const at = now.toISOString();
  const history = episode.statusHistory ?? [];
  const since = history.at(-1)?.period.end ?? episode.period?.start;
  return {
    ...structuredClone(episode),
    status: 'finished',
    period: { ...episode.period, end: at },
    statusHistory: [
      ...structuredClone(history),
      { status: episode.status, period: { ...(since ? { start: since } : {}), end: at } },
    ],
  };
}

export interface ClosureAuditOptions {
  principal: Principal;
  sourceSystem: string;
  recorded: Date;
  legalBasis?: LegalBasis;
  requestId?: string;
}

/** The AuditEvent of a closure (BALP style, src/audit/events.ts) with the choice and reason as entity details. */
export function closureAuditEvent(audit: ClosureAudit, opts: ClosureAuditOptions): AuditEvent {
  const event = auditEvent({
    principal: opts.principal,
    action: 'U',
    interaction: 'update',
    outcome: '0',
    ...(audit.patient ? { patient: audit.patient } : {}),
    what: [audit.episode, ...(audit.handoverTask ? [audit.handoverTask] : [])],
    legalBasis: opts.legalBasis ?? 'legal-obligation',
    sourceSystem: opts.sourceSystem,
    recorded: opts.recorded,
    ...(opts.requestId ? { requestId: opts.requestId } : {}),
  });
  const details = [
    { type: 'handover', valueString: audit.handover },
    ...(audit.closureChoice ? [{ type: 'closure-choice', valueString: audit.closureChoice }] : []),
    ...(audit.reason ? [{ type: 'closure-reason', valueString: audit.reason }] : []),
  ];
  return {
    ...event,
    entity: (event.entity ?? []).map((e) =>
      e.what?.reference === audit.episode.reference ? { ...e, detail: details } : e,
    ),
  };
}
