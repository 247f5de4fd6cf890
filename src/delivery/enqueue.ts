/**
 * From workflow events to outbox rows: one row per receiving organisation of each event, with a
 * TaskEventPayload (references only). Enqueued in the caller's transaction, so an event is queued
 * exactly when the change it belongs to is stored.
 */
import type { Reference, Task } from '@medplum/fhirtypes';
import type { OrganisationConfig } from '../config/types.js';
import type { Outbox } from '../store/outbox.js';
import type { TaskEventPayload, WorkflowEvent } from '../workflow/events.js';

/** The organisations an event is for (the gateway itself handles `child-closed`). */
export function eventReceivers(event: WorkflowEvent): Reference[] {
  switch (event.kind) {
    case 'delivery-needed':
    case 'feedback-due':
    case 'cancellation':
    case 'delivery-failed':
      return [event.to];
    case 'regional-table':
      return [event.table];
    case 'escalated':
      return [event.owner, event.requester];
    case 'child-closed':
      return [];
    default:
      return event satisfies never;
  }
}

/** The configured organisation a reference names, by AGB/URA identifier. */
export function configuredOrganisation(
  organisations: readonly OrganisationConfig[],
  ref: Reference,
): OrganisationConfig | undefined {
  const id = ref.identifier;
  if (!id?.system || !id.value) return undefined;
  return organisations.find((o) => o.identifier.system === id.system && o.identifier.value === id.value);
}

export interface EnqueueResult {
  enqueued: number;
  /** Receivers that are not configured organisations: nothing can be sent to them (reported, never dropped silently). */
  unknown: Reference[];
}

const FOCUS = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

/**
 * The one path from workflow events to outbox rows, for the HTTP operations and the jobs alike:
 * one row per receiving organisation of each event (an organisation that is owner and requester
 * gets one), with the TaskEventPayload of the event's Task as stored - `tasks` holds every Task
 * the events name (a fan-out: the parent and its children), keyed `Task/<id>` - and, for
 * `feedback-due`, the feedback report stored with the change. `outbox` works in the caller's
 * transaction, so an event is queued exactly when its change is stored.
 */
export async function enqueueTaskEvents(
  outbox: Outbox,
  organisations: readonly OrganisationConfig[],
  events: readonly WorkflowEvent[],
  tasks: ReadonlyMap<string, Task>,
  opts: { feedback?: Reference } = {},
): Promise<EnqueueResult> {
  const result: EnqueueResult = { enqueued: 0, unknown: [] };
  for (const event of events) {
    const reference = event.task.reference ?? '';
    const task = tasks.get(reference);
    const focus = task?.focus?.reference;
    const feedback = event.kind === 'feedback-due' ? opts.feedback?.reference : undefined;
    const seen = new Set<string>();
    for (const ref of eventReceivers(event)) {
      const org = configuredOrganisation(organisations, ref);
      if (!org) {
        result.unknown.push(ref);
        continue;
      }
      if (seen.has(org.id)) continue;
      seen.add(org.id);
      const payload: TaskEventPayload = {
        type: 'task-event',
        event: event.kind,
        task: reference,
        taskVersion: task?.meta?.versionId ?? '1',
        ...(focus && FOCUS.test(focus) ? { focus } : {}),
        ...(feedback ? { feedback } : {}),
      };
      await outbox.enqueue({ receiver: org.id, payload });
      result.enqueued++;
    }
  }
  return result;
}
