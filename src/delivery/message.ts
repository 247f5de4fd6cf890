/**
 * What goes over the wire. Push: a FHIR message Bundle (MessageHeader, the Task at the version of
 * the event, and what it points to: the focus and the feedback document), read from the store at
 * delivery time, so that the outbox itself holds references only. Notified pull: a Parameters
 * resource with the event and the Task's absolute reference, and nothing about the client; the
 * receiver fetches the Task with its own token and sees only what it holds grants for.
 */
import type { Bundle, BundleEntry, MessageHeader, Parameters, Resource, Task } from '@medplum/fhirtypes';
import type { OrganisationConfig } from '../config/types.js';
import { MESSAGE_EVENT_SYSTEM } from '../workflow/codes.js';
import type { TaskEventPayload } from '../workflow/events.js';

/** A TaskEventPayload as read back from the outbox; `event` may be any event name a writer used. */
export type DeliveryPayload = Omit<TaskEventPayload, 'event'> & { event: string };

const TASK_REF = /^Task\/[A-Za-z0-9\-.]{1,64}$/;
const FOCUS_REF = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

function optionalRef(value: unknown, pattern: RegExp): string | undefined | false {
  if (value === undefined) return undefined;
  return typeof value === 'string' && pattern.test(value) ? value : false;
}

/** The payload when it has the contract's shape; undefined for anything else (it is then given up). */
export function parsePayload(value: unknown): DeliveryPayload | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (v.type !== 'task-event' || typeof v.event !== 'string' || !/^[a-z][a-z-]{0,63}$/.test(v.event))
    return undefined;
  if (typeof v.task !== 'string' || !TASK_REF.test(v.task)) return undefined;
  if (typeof v.taskVersion !== 'string' || !/^\d{1,9}$/.test(v.taskVersion)) return undefined;
  const focus = optionalRef(v.focus, FOCUS_REF);
  const feedback = optionalRef(v.feedback, /^Composition\/[A-Za-z0-9\-.]{1,64}$/);
  if (focus === false || feedback === false) return undefined;
  return {
    type: 'task-event',
    event: v.event,
    task: v.task,
    taskVersion: v.taskVersion,
    ...(focus ? { focus } : {}),
    ...(feedback ? { feedback } : {}),
  };
}

/** The message-event code (terminology/codesystems/CodeSystem-message-event.json) of a workflow event. */
export function messageEventCode(event: string): string {
  switch (event) {
    case 'referral-received':
    case 'delivery-needed':
      return 'referral';
    case 'feedback-due':
      return 'feedback';
    case 'cancellation':
      return 'cancellation';
    default:
      return 'task-update';
  }
}

export interface PushParts {
  /** The outbox id: also MessageHeader.id and the idempotency key. */
  messageId: string;
  payload: DeliveryPayload;
  receiver: OrganisationConfig;
  destination: string;
  /** The gateway's FHIR base URL. */
  source: string;
  task: Task;
  /** The focus and feedback resources, in that order. */
  related: readonly Resource[];
  now: Date;
}

function entry(base: string, resource: Resource): BundleEntry {
  return { fullUrl: `${base}/${resource.resourceType}/${resource.id ?? ''}`, resource };
}

export function pushMessage(parts: PushParts): Bundle {
  const header: MessageHeader = {
    resourceType: 'MessageHeader',
    id: parts.messageId,
    eventCoding: { system: MESSAGE_EVENT_SYSTEM, code: messageEventCode(parts.payload.event) },
    reason: { text: parts.payload.event },
    destination: [{ endpoint: parts.destination, receiver: { identifier: parts.receiver.identifier } }],
    source: { name: 'overdracht', endpoint: parts.source },
    focus: [{ reference: `${parts.source}/${parts.payload.task}` }],
  };
  return {
    resourceType: 'Bundle',
    id: parts.messageId,
    type: 'message',
    timestamp: parts.now.toISOString(),
    entry: [
      { fullUrl: `urn:uuid:${parts.messageId}`, resource: header },
      entry(parts.source, parts.task),
      ...parts.related.map((r) => entry(parts.source, r)),
    ],
  };
}

/** The notification of notified pull: which Task changed and how, with nothing about the client. */
export function pullNotification(
  messageId: string,
  payload: DeliveryPayload,
  source: string,
  now: Date,
): Parameters {
  return {
    resourceType: 'Parameters',
    id: messageId,
    parameter: [
      { name: 'event', valueCoding: { system: MESSAGE_EVENT_SYSTEM, code: messageEventCode(payload.event) } },
      { name: 'workflow-event', valueString: payload.event },
      { name: 'focus', valueReference: { reference: `${source}/${payload.task}` } },
      { name: 'task-version', valueString: payload.taskVersion },
      { name: 'timestamp', valueInstant: now.toISOString() },
    ],
  };
}
