/**
 * Domain events: what a change of a Task means for others. The workflow only says what is due;
 * the gateway turns events into deliveries (outbox), feedback messages and notifications.
 * Events carry references and organisation identifiers only - never client data.
 */
import type { Reference } from '@medplum/fhirtypes';
import type { FeedbackType } from './codes.js';

export type WorkflowEvent =
  /** A Task has a new owner (created, forwarded, assigned): deliver it to them. */
  | { kind: 'delivery-needed'; task: Reference; to: Reference; cause: 'created' | 'forwarded' | 'assigned' }
  /** The requester is owed feedback (R6): intake held, treatment started, completed, rejected, referred on. */
  | { kind: 'feedback-due'; task: Reference; to: Reference; feedbackType: FeedbackType }
  /** The care request goes to the regional table (R9), which sees it anonymised. */
  | { kind: 'regional-table'; task: Reference; table: Reference; from: Reference }
  /** The requester withdrew the Task: tell the owner. */
  | { kind: 'cancellation'; task: Reference; to: Reference }
  /** The Task could not be delivered: tell the requester. */
  | { kind: 'delivery-failed'; task: Reference; to: Reference }
  /** No owner action for too long: tell the owner and the requester. */
  | { kind: 'escalated'; task: Reference; owner: Reference; requester: Reference; idleSince: string }
  /** A Task that is part of a fan-out was closed: the gateway checks whether the parent can complete. */
  | { kind: 'child-closed'; task: Reference; parent: Reference };

export type WorkflowEventKind = WorkflowEvent['kind'];

/**
 * What the gateway enqueues in the outbox (src/store/outbox.ts) for each receiving organisation of
 * an event: one row per organisation, `receiver` the organisation's `id` from the configuration.
 * References only: the deliverer reads the resources it sends, so no client data sits in the queue.
 */
export interface TaskEventPayload {
  type: 'task-event';
  /** The event, as named in WorkflowEvent['kind']. */
  event: WorkflowEventKind;
  /** `Task/<id>`. */
  task: string;
  /** The Task version the event belongs to. */
  taskVersion: string;
  /** `ServiceRequest/<id>`, the Task's focus, when known. */
  focus?: string;
  /** `Composition/<id>`, the feedback document stored with the change, when there is one. */
  feedback?: string;
}
