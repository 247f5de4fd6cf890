/**
 * What a dead letter means for the Task it announced. The rule "any open state - fail
 * (delivery impossible) - gateway -> failed" applies to the messages that hand a Task to its
 * owner: without them the owner never learns of the referral. Only those fail the Task, and only
 * when the message was for the Task's current owner (an old owner's message after a forward
 * changes nothing). A message to the requester (feedback, delivery-failed, escalated) or to an
 * owner about a Task already closed (cancellation) failing leaves the Task as it is: the care
 * itself goes on, and the operator sees the dead letter (`GET /fhir/$outbox?status=dead`).
 */
import type { OrganisationConfig } from '../config/types.js';
import type { OutboxMessage } from '../store/outbox.js';
import { parsePayload } from './message.js';

/** The events whose message hands the Task to its owner: intake's, a new owner's, the regional table's. */
export const HANDING_EVENTS: readonly string[] = ['referral-received', 'delivery-needed', 'regional-table'];

export function handsOverTask(event: string): boolean {
  return HANDING_EVENTS.includes(event);
}

export interface DeadLetterDeps {
  organisations: readonly OrganisationConfig[];
  /**
   * Fails Task `taskId` because delivery to `on` is impossible, when `on` still owns it and it is
   * open (the gateway's `failTask`); anything else leaves it unchanged.
   */
  failTask(taskId: string, on: OrganisationConfig, reason: string): Promise<unknown>;
}

/** The deliverer's `onDead`: fails the Task of a dead handing message. */
export function failTaskOnDeadLetter(
  deps: DeadLetterDeps,
): (message: OutboxMessage, code: string) => Promise<void> {
  return async (message, code) => {
    const payload = parsePayload(message.payload);
    if (!payload || !handsOverTask(payload.event)) return;
    const on = deps.organisations.find((o) => o.id === message.receiver);
    const taskId = /^Task\/([A-Za-z0-9\-.]{1,64})$/.exec(payload.task)?.[1];
    if (!on || !taskId) return;
    await deps.failTask(taskId, on, `Delivery to ${on.name} is impossible (${code})`);
  };
}
