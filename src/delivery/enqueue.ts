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
  /** Receivers that are not configured organisations: nothing can be sent to them (reported, not dropped silently). */
  unknown: number;
}

/** Enqueues the events of one stored Task version; `outbox` works in the caller's transaction. */
export async function enqueueTaskEvents(
  outbox: Outbox,
  organisations: readonly OrganisationConfig[],
  task: Task & { id: string },
  events: readonly WorkflowEvent[],
): Promise<EnqueueResult> {
  const result: EnqueueResult = { enqueued: 0, unknown: 0 };
  const focus = task.focus?.reference;
  for (const event of events) {
    const seen = new Set<string>();
    for (const ref of eventReceivers(event)) {
      const org = configuredOrganisation(organisations, ref);
      if (!org) {
        result.unknown++;
        continue;
      }
      if (seen.has(org.id)) continue;
      seen.add(org.id);
      const payload: TaskEventPayload = {
        type: 'task-event',
        event: event.kind,
        task: `Task/${task.id}`,
        taskVersion: task.meta?.versionId ?? '1',
        ...(focus && /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(focus) ? { focus } : {}),
      };
      await outbox.enqueue({ receiver: org.id, payload });
      result.enqueued++;
    }
  }
  return result;
}
