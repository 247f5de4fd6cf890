/**
 * The workflow's scheduled jobs, over the ports in ports.ts. Each is idempotent: the watchdog
 * skips Tasks already escalated, transition preparation skips episodes that have a preparation
 * Task, and the reports are recomputed from the stored history and replace the previous ones.
 * One Task that cannot be saved does not stop the others; the run is then reported as failed.
 */
import type { Job, JobContext, JobSummary } from '../jobs/job.js';
import { errorText } from '../jobs/runner.js';
import { DEFAULT_TIME_ZONE, addMonths, calendarDate } from './dates.js';
import { provenanceOf, taskReference } from './history.js';
import { GATEWAY } from './party.js';
import type { TaskChange, WaitingTimePorts, WatchdogPorts, YouthCarePorts } from './ports.js';
import { WATCHED_STATUSES, escalateIfIdle, idleBefore, type WatchdogOptions } from './watchdog.js';
import { waitingTimesByReceiver } from './waiting-times.js';
import { interruptionReport, transitionCandidates, transitionPreparationTask } from './youth-transition.js';

export const WORKFLOW_JOB_NAMES = [
  'handover-watchdog',
  'transition-preparation',
  'youth-interruptions',
  'waiting-times',
] as const;

/** Saves changes one by one; counts failures instead of stopping at the first. */
async function saveAll<P>(
  ctx: JobContext<P>,
  job: string,
  changes: readonly TaskChange[],
  save: (c: TaskChange) => Promise<void>,
): Promise<number> {
  let failed = 0;
  for (const change of changes) {
    try {
      await save(change);
    } catch (err) {
      failed++;
      ctx.logger.warn('job.item-failed', {
        job,
        task: taskReference(change.task).reference,
        error: errorText(err),
      });
    }
  }
  return failed;
}

function failIfAny(job: string, failed: number, total: number, summary: JobSummary): JobSummary {
  if (failed > 0) throw new Error(`${job}: ${failed} of ${total} changes could not be saved`);
  return summary;
}

export interface WatchdogJobOptions extends WatchdogOptions {
  schedule?: string;
}

/** Escalates Tasks without owner action for `days` days. */
export function watchdogJob(opts: WatchdogJobOptions): Job<WatchdogPorts> {
  const name = 'handover-watchdog';
  return {
    name,
    schedule: opts.schedule ?? '0 7 * * *',
    run: async (ctx) => {
      const now = ctx.now();
      const tasks = await ctx.ports.findIdleTasks(opts.statuses ?? WATCHED_STATUSES, idleBefore(now, opts));
      const changes = tasks.flatMap((task): TaskChange[] => {
        const r = escalateIfIdle(task, now, opts);
        return r?.ok ? [{ task: r.task, provenance: r.provenance, events: r.events }] : [];
      });
      const failed = await saveAll(ctx, name, changes, (c) => ctx.ports.saveTaskChange(c));
      return failIfAny(name, failed, changes.length, {
        checked: tasks.length,
        escalated: changes.length - failed,
      });
    },
  };
}

export interface YouthJobOptions {
  schedule?: string;
  timeZone?: string;
}

/** Creates a transition-preparation Task for every youth-GGZ client who turns 18 within six months. */
export function transitionPreparationJob(
  opts: YouthJobOptions & { monthsAhead?: number } = {},
): Job<YouthCarePorts> {
  const name = 'transition-preparation';
  const monthsAhead = opts.monthsAhead ?? 6;
  return {
    name,
    schedule: opts.schedule ?? '0 6 * * *',
    run: async (ctx) => {
      const now = ctx.now();
      const today = calendarDate(now, opts.timeZone ?? DEFAULT_TIME_ZONE);
      // One month wider on each side than the rule, so that no birthday falls between the ranges.
      const clients = await ctx.ports.findYouthClients(
        addMonths(today, -18 * 12 - 1),
        addMonths(today, -18 * 12 + monthsAhead + 1),
      );
      const candidates = transitionCandidates(clients, now, {
        monthsAhead,
        ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
      });
      const changes: TaskChange[] = [];
      for (const c of candidates) {
        if (await ctx.ports.hasTransitionPreparation({ reference: `EpisodeOfCare/${c.episode.id ?? ''}` }))
          continue;
        const task = transitionPreparationTask(c, now, ctx.ports.newId());
        changes.push({
          task,
          provenance: provenanceOf(task, 'create', GATEWAY, now),
          events: [
            { kind: 'delivery-needed', task: taskReference(task), to: task.owner ?? {}, cause: 'created' },
          ],
        });
      }
      const failed = await saveAll(ctx, name, changes, (c) => ctx.ports.saveTaskChange(c));
      return failIfAny(name, failed, changes.length, {
        candidates: candidates.length,
        created: changes.length - failed,
      });
    },
  };
}

/** Counts interruptions of care at 18-23 for clients who were in youth GGZ, per month. */
export function youthInterruptionsJob(
  opts: YouthJobOptions & { maxGapDays?: number } = {},
): Job<YouthCarePorts> {
  return {
    name: 'youth-interruptions',
    schedule: opts.schedule ?? '30 6 * * *',
    run: async (ctx) => {
      const now = ctx.now();
      const today = calendarDate(now, opts.timeZone ?? DEFAULT_TIME_ZONE);
      const clients = await ctx.ports.findYouthClients(
        addMonths(today, -24 * 12 - 1),
        addMonths(today, -18 * 12 + 1),
      );
      const report = interruptionReport(clients, now, {
        ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
        ...(opts.maxGapDays !== undefined ? { maxGapDays: opts.maxGapDays } : {}),
      });
      await ctx.ports.saveInterruptionReport(report);
      return { clients: report.clients, interruptions: report.interruptions.length };
    },
  };
}

/** Recomputes the waiting times per receiver over the last `windowMonths` months (and all open Tasks). */
export function waitingTimesJob(
  opts: YouthJobOptions & { windowMonths?: number } = {},
): Job<WaitingTimePorts> {
  return {
    name: 'waiting-times',
    schedule: opts.schedule ?? '0 5 * * *',
    run: async (ctx) => {
      const now = ctx.now();
      const since = new Date(
        `${addMonths(calendarDate(now, opts.timeZone ?? DEFAULT_TIME_ZONE), -(opts.windowMonths ?? 12))}T00:00:00Z`,
      );
      const records = await ctx.ports.findTaskRecords(since);
      const report = waitingTimesByReceiver(records, now, opts.timeZone ? { timeZone: opts.timeZone } : {});
      await ctx.ports.saveWaitingTimeReport(report);
      return { tasks: records.length, receivers: report.receivers.length };
    },
  };
}
