/**
 * Waiting times against the Treeknormen GGZ (R8): registration to intake at most 4 weeks,
 * intake to start of treatment at most 10 weeks. Everything is read from the Task and its
 * recorded history (Provenance, see history.ts):
 *
 * - registration: Task.authoredOn (the referral arrived; a forwarded Task keeps it, because the
 *   client has been waiting since then);
 * - intake: the `start` transition (the first change to in-progress);
 * - treatment start: the first treatment-started step.
 *
 * A Task still waiting beyond a norm counts as exceeded, so long waits are not hidden by leaving
 * them out. A Task closed before the intake (rejected, cancelled, forwarded elsewhere and closed)
 * does not count for the intake norm. Only referral and handover Tasks count.
 */
import type { Provenance, Reference, Task } from '@medplum/fhirtypes';
import { isOpen, isReferralTask } from './codes.js';
import { DEFAULT_TIME_ZONE, calendarDate, daysBetween, toCalendarDate } from './dates.js';
import { firstStep, historyOf, taskReference } from './history.js';
import { partyKey } from './party.js';

export interface Norms {
  intakeDays: number;
  treatmentDays: number;
}

/** Treeknormen GGZ: 4 weeks to intake, 10 weeks from intake to treatment (14 in total). */
export const TREEKNORM: Norms = { intakeDays: 28, treatmentDays: 70 };

export interface TaskRecord {
  task: Task;
  history: readonly Provenance[];
}

/** met / exceeded: decided (an exceeded wait may still go on); waiting: within the norm so far; not-applicable: no such stage. */
export type NormState = 'met' | 'exceeded' | 'waiting' | 'not-applicable';

export interface TaskWaitingTime {
  task: Reference;
  /** The organisation that held the intake, or else the current owner. */
  receiver: Reference;
  registered: string;
  intake?: string;
  treatmentStart?: string;
  daysToIntake?: number;
  daysIntakeToTreatment?: number;
  /** What the client still waits for, and for how many days so far. */
  stillWaiting?: { for: 'intake' | 'treatment'; days: number };
  intakeNorm: NormState;
  treatmentNorm: NormState;
}

export interface WaitingTimeOptions {
  timeZone?: string;
  norms?: Norms;
}

/** The waiting times of one Task at `now`; undefined when the Task has no registration date. */
export function waitingTime(
  record: TaskRecord,
  now: Date,
  opts: WaitingTimeOptions = {},
): TaskWaitingTime | undefined {
  const tz = opts.timeZone ?? DEFAULT_TIME_ZONE;
  const norms = opts.norms ?? TREEKNORM;
  const registered = record.task.authoredOn ? toCalendarDate(record.task.authoredOn, tz) : undefined;
  if (!registered) return undefined;
  const today = calendarDate(now, tz);
  const history = historyOf(record.history);
  const intakeStep = firstStep(history, (s) => s.status === 'in-progress');
  const treatmentStep = firstStep(history, (s) => s.businessStatus === 'treatment-started');
  const intake = intakeStep && calendarDate(intakeStep.at, tz);
  const treatment = treatmentStep && calendarDate(treatmentStep.at, tz);
  const open = isOpen(record.task.status);
  const result: TaskWaitingTime = {
    task: taskReference(record.task),
    receiver: intakeStep?.agent ?? record.task.owner ?? {},
    registered,
    intakeNorm: 'not-applicable',
    treatmentNorm: 'not-applicable',
  };
  if (intake) {
    result.intake = intake;
    result.daysToIntake = daysBetween(registered, intake);
    result.intakeNorm = result.daysToIntake <= norms.intakeDays ? 'met' : 'exceeded';
    if (treatment) {
      result.treatmentStart = treatment;
      result.daysIntakeToTreatment = daysBetween(intake, treatment);
      result.treatmentNorm = result.daysIntakeToTreatment <= norms.treatmentDays ? 'met' : 'exceeded';
    } else if (open) {
      const days = daysBetween(intake, today);
      result.stillWaiting = { for: 'treatment', days };
      result.treatmentNorm = days > norms.treatmentDays ? 'exceeded' : 'waiting';
    }
  } else if (open && record.task.status !== 'in-progress') {
    // In progress without a recorded intake means the history is incomplete: no claim either way.
    const days = daysBetween(registered, today);
    result.stillWaiting = { for: 'intake', days };
    result.intakeNorm = days > norms.intakeDays ? 'exceeded' : 'waiting';
  }
  return result;
}

export interface StageSummary {
  /** Tasks that passed this stage. */
  count: number;
  /** Median days of those that passed it. */
  medianDays?: number;
  met: number;
  /** Exceeded, including clients still waiting beyond the norm. */
  exceeded: number;
  /** Still waiting, within the norm so far. */
  waiting: number;
  /** met / (met + exceeded); undefined when nothing is decided yet. */
  shareWithinNorm?: number;
}

export interface ReceiverWaitingTimes {
  receiver: Reference;
  tasks: number;
  intake: StageSummary;
  treatment: StageSummary;
}

export interface WaitingTimeReport {
  asOf: string;
  norms: Norms;
  receivers: ReceiverWaitingTimes[];
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function summarise(states: readonly NormState[], days: readonly number[]): StageSummary {
  const met = states.filter((s) => s === 'met').length;
  const exceeded = states.filter((s) => s === 'exceeded').length;
  const m = median(days);
  return {
    count: days.length,
    ...(m !== undefined ? { medianDays: m } : {}),
    met,
    exceeded,
    waiting: states.filter((s) => s === 'waiting').length,
    ...(met + exceeded > 0 ? { shareWithinNorm: met / (met + exceeded) } : {}),
  };
}

/** Per receiver: medians and the share within the norms, from the Tasks' history, at `now`. */
export function waitingTimesByReceiver(
  records: readonly TaskRecord[],
  now: Date,
  opts: WaitingTimeOptions = {},
): WaitingTimeReport {
  const groups = new Map<string, TaskWaitingTime[]>();
  for (const record of records) {
    if (!isReferralTask(record.task)) continue;
    const w = waitingTime(record, now, opts);
    if (!w) continue;
    const key = partyKey(w.receiver);
    groups.set(key, [...(groups.get(key) ?? []), w]);
  }
  const receivers = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, list]): ReceiverWaitingTimes => ({
      receiver: list[0]?.receiver ?? {},
      tasks: list.length,
      intake: summarise(
        list.map((w) => w.intakeNorm),
        list.flatMap((w) => (w.daysToIntake !== undefined ? [w.daysToIntake] : [])),
      ),
      treatment: summarise(
        list.map((w) => w.treatmentNorm),
        list.flatMap((w) => (w.daysIntakeToTreatment !== undefined ? [w.daysIntakeToTreatment] : [])),
      ),
    }));
  return { asOf: now.toISOString(), norms: opts.norms ?? TREEKNORM, receivers };
}
