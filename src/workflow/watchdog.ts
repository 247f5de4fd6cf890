/**
 * The handover watchdog: a Task on which the owner has not acted for N days is escalated
 * (business status `escalated`, event `escalated` to owner and requester). "Not acted" is read
 * from Task.lastModified: every owner action changes it, and so does a new owner (forward,
 * assignment), which restarts the count. A Task that is already escalated is left alone until
 * someone acts on it, so running the watchdog again changes nothing. Only referral and handover
 * Tasks are watched; a transition-preparation Task runs for months by design.
 */
import type { Task } from '@medplum/fhirtypes';
import { businessStatusOf, isReferralTask, type TaskStatus } from './codes.js';
import { GATEWAY } from './party.js';
import { applyTransition, type TransitionResult } from './transitions.js';

export interface WatchdogOptions {
  /** Days without owner action before a Task is escalated. */
  days: number;
  /** The statuses in which the owner is expected to act; by default all before the intake. */
  statuses?: readonly TaskStatus[];
}

export const WATCHED_STATUSES: readonly TaskStatus[] = ['requested', 'received', 'accepted', 'on-hold'];

const DAY_MS = 86_400_000;

/** Since when the Task waits for its owner. */
export function idleSince(task: Task): Date | undefined {
  const value = task.lastModified ?? task.authoredOn;
  const at = value ? new Date(value) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

/** The moment before which a Task counts as idle. */
export function idleBefore(now: Date, opts: WatchdogOptions): Date {
  return new Date(now.getTime() - opts.days * DAY_MS);
}

export function isIdle(task: Task, now: Date, opts: WatchdogOptions): boolean {
  const since = idleSince(task);
  return (
    since !== undefined &&
    isReferralTask(task) &&
    (opts.statuses ?? WATCHED_STATUSES).includes(task.status) &&
    businessStatusOf(task) !== 'escalated' &&
    since.getTime() <= idleBefore(now, opts).getTime()
  );
}

/** The escalation of an idle Task; undefined when the Task is not idle. */
export function escalateIfIdle(task: Task, now: Date, opts: WatchdogOptions): TransitionResult | undefined {
  if (!isIdle(task, now, opts)) return undefined;
  return applyTransition(task, 'escalate', GATEWAY, { idleSince: idleSince(task)?.toISOString() ?? '' }, now);
}
