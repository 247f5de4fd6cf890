/**
 * The recorded history of a Task: one Provenance per change (who, when, which action, the
 * resulting status and business status). We chose Provenance over Task.output: the history is
 * about the Task, not produced by it; it keeps the Task small when it is delivered to receivers;
 * and it names the acting organisation, which Task versions alone do not.
 * https://hl7.org/fhir/R4/provenance.html
 *
 * Waiting times and the watchdog read the history back with `historyOf`.
 */
import type { Device, Organization, Provenance, Reference, Task } from '@medplum/fhirtypes';
import {
  BUSINESS_STATUS_SYSTEM,
  TASK_STATUSES,
  TASK_STATUS_SYSTEM,
  businessStatusOf,
  isBusinessStatus,
  type BusinessStatus,
  type TaskStatus,
} from './codes.js';
import { partyReference, type Actor } from './party.js';

const PARTICIPANT_TYPE = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';

/** How the gateway itself appears as an agent. */
export const GATEWAY_AGENT: Reference<Device> = { display: 'overdracht gateway' };

export function taskReference(task: Task): Reference<Task> {
  return task.id
    ? { reference: `Task/${task.id}` }
    : { ...(task.identifier?.[0] ? { identifier: task.identifier[0] } : {}) };
}

export function actorReference(actor: Actor): Reference<Organization | Device> {
  return actor.kind === 'gateway' ? GATEWAY_AGENT : partyReference(actor);
}

/** The Provenance of one change: `after` is the Task as it is now, `action` what was done. */
export function provenanceOf(after: Task, action: string, actor: Actor, now: Date): Provenance {
  const at = now.toISOString();
  const businessStatus = businessStatusOf(after);
  return {
    resourceType: 'Provenance',
    target: [taskReference(after)],
    occurredDateTime: at,
    recorded: at,
    activity: {
      coding: [
        { system: TASK_STATUS_SYSTEM, code: after.status },
        ...(businessStatus ? [{ system: BUSINESS_STATUS_SYSTEM, code: businessStatus }] : []),
      ],
      text: action,
    },
    agent: [
      {
        type: { coding: [{ system: PARTICIPANT_TYPE, code: 'author', display: 'Author' }] },
        who: actorReference(actor),
      },
    ],
  };
}

/** One change of a Task, as read back from its Provenance. */
export interface HistoryStep {
  at: Date;
  action: string | undefined;
  status: TaskStatus | undefined;
  businessStatus: BusinessStatus | undefined;
  agent: Reference | undefined;
}

function stepOf(p: Provenance): HistoryStep | undefined {
  const when = p.occurredDateTime ?? p.recorded;
  const at = when ? new Date(when) : undefined;
  if (!at || Number.isNaN(at.getTime())) return undefined;
  const codings = p.activity?.coding ?? [];
  const status = codings.find((c) => c.system === TASK_STATUS_SYSTEM)?.code;
  const business = codings.find((c) => c.system === BUSINESS_STATUS_SYSTEM)?.code;
  return {
    at,
    action: p.activity?.text,
    status: (TASK_STATUSES as readonly (string | undefined)[]).includes(status)
      ? (status as TaskStatus)
      : undefined,
    businessStatus: isBusinessStatus(business) ? business : undefined,
    agent: p.agent?.[0]?.who,
  };
}

/** The steps of a Task's history, oldest first; Provenances without a usable time are left out. */
export function historyOf(provenance: readonly Provenance[]): HistoryStep[] {
  return provenance
    .map(stepOf)
    .filter((s): s is HistoryStep => s !== undefined)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The first step that matches, e.g. the intake (`status` in-progress) or treatment start. */
export function firstStep(
  history: readonly HistoryStep[],
  match: (s: HistoryStep) => boolean,
): HistoryStep | undefined {
  return history.find(match);
}
