/**
 * Runs jobs on their schedules, or once on demand (`overdracht job NAME`). Before a run the runner
 * takes the job's lock through the JobLock port, so that with several gateway instances only one
 * runs a job at a time; the others skip that turn. Every run is recorded (when, ok or the error),
 * and logged with its summary counts. A failing job never stops the runner or the other jobs.
 */
import { scrub, type Logger } from '../observability/logger.js';
import { DEFAULT_LOCK_TTL_MS, type Job, type JobLock, type JobRunRecord, type JobSummary } from './job.js';

/** Calls `fire` on a cron schedule; node-cron in production (cron.ts), a fake in tests. */
export interface Scheduler {
  validate(expression: string): boolean;
  schedule(name: string, expression: string, fire: () => void): { stop(): void };
}

export type JobRunResult =
  | { status: 'ok'; name: string; summary: JobSummary; startedAt: Date; finishedAt: Date }
  | { status: 'failed'; name: string; error: string; startedAt: Date; finishedAt: Date }
  /** locked: another instance holds the lock; running: this instance is still busy with it. */
  | { status: 'skipped'; name: string; reason: 'locked' | 'running' | 'stopping' }
  | { status: 'unknown-job'; name: string; known: string[] };

export interface JobRunnerOptions<P> {
  jobs: readonly Job<P>[];
  lock: JobLock;
  ports: P;
  logger: Logger;
  /** Who holds the lock: unique per gateway instance (e.g. host name and process id). */
  owner: string;
  now?: () => Date;
  scheduler?: Scheduler;
  /** Told of every result (metrics). */
  onResult?: (result: JobRunResult) => void;
}

const MAX_ERROR_LENGTH = 500;

export class JobRunner<P> {
  private readonly jobs = new Map<string, Job<P>>();
  /** Runs in progress in this process, by job name. */
  private readonly running = new Map<string, Promise<unknown>>();
  private stopping = false;
  private readonly scheduled: { stop(): void }[] = [];
  private readonly now: () => Date;

  constructor(private readonly opts: JobRunnerOptions<P>) {
    this.now = opts.now ?? (() => new Date());
    for (const job of opts.jobs) {
      if (this.jobs.has(job.name)) throw new Error(`jobs: the name '${job.name}' is used twice`);
      if (opts.scheduler && !opts.scheduler.validate(job.schedule)) {
        throw new Error(`jobs: '${job.name}' has an invalid cron schedule '${job.schedule}'`);
      }
      this.jobs.set(job.name, job);
    }
  }

  names(): string[] {
    return [...this.jobs.keys()];
  }

  /** Each job's name and cron schedule. */
  schedules(): { name: string; schedule: string }[] {
    return [...this.jobs.values()].map((j) => ({ name: j.name, schedule: j.schedule }));
  }

  /** What the lock's store knows of a job's last run. */
  lastRun(name: string): Promise<JobRunRecord | undefined> {
    return this.opts.lock.lastRun(name);
  }

  /** Schedules every job; needs a scheduler. */
  start(): void {
    const scheduler = this.opts.scheduler;
    if (!scheduler) throw new Error('jobs: start() needs a scheduler');
    if (this.scheduled.length > 0) return;
    for (const job of this.jobs.values()) {
      this.scheduled.push(scheduler.schedule(job.name, job.schedule, () => void this.runOnce(job.name)));
    }
    this.opts.logger.info('jobs.started', { jobs: this.jobs.size, owner: this.opts.owner });
  }

  stop(): void {
    for (const s of this.scheduled.splice(0)) s.stop();
  }

  /**
   * Stops the schedules, refuses new runs, and waits up to `timeoutMs` for the runs in progress
   * to end, so that the database is not closed under them. The names of the runs still going at
   * the timeout (their lock expires with its TTL; a job is idempotent, so the next run finishes it).
   */
  async stopAndWait(timeoutMs: number): Promise<string[]> {
    this.stop();
    this.stopping = true;
    if (this.running.size === 0) return [];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.running.values()]), timeout]);
    clearTimeout(timer);
    const left = [...this.running.keys()];
    if (left.length > 0) this.opts.logger.warn('jobs.stop-timeout', { jobs: left.join(','), timeoutMs });
    return left;
  }

  /** Runs one job now, under its lock. Never throws: the result says what happened. */
  async runOnce(name: string): Promise<JobRunResult> {
    const job = this.jobs.get(name);
    if (!job) return { status: 'unknown-job', name, known: this.names() };
    if (this.stopping) return { status: 'skipped', name, reason: 'stopping' };
    if (this.running.has(name)) return { status: 'skipped', name, reason: 'running' };
    const run = this.locked(job);
    this.running.set(name, run);
    try {
      const result = await run;
      this.opts.onResult?.(result);
      return result;
    } finally {
      this.running.delete(name);
    }
  }

  private async locked(job: Job<P>): Promise<JobRunResult> {
    const { lock, owner, logger } = this.opts;
    const startedAt = this.now();
    let taken = false;
    try {
      taken = await lock.tryLock(job.name, owner, job.lockTtlMs ?? DEFAULT_LOCK_TTL_MS);
    } catch (err) {
      return this.failed(job, startedAt, err, false);
    }
    if (!taken) {
      logger.debug('job.skipped', { job: job.name, reason: 'locked' });
      return { status: 'skipped', name: job.name, reason: 'locked' };
    }
    try {
      const summary = (await job.run({ now: this.now, logger, ports: this.opts.ports })) ?? {};
      const finishedAt = this.now();
      await lock.recordRun(job.name, true);
      logger.info('job.finished', {
        job: job.name,
        ms: finishedAt.getTime() - startedAt.getTime(),
        ...summary,
      });
      return { status: 'ok', name: job.name, summary, startedAt, finishedAt };
    } catch (err) {
      return this.failed(job, startedAt, err, true);
    } finally {
      await lock
        .release(job.name, owner)
        .catch((err: unknown) => logger.warn('job.release-failed', { job: job.name, error: errorText(err) }));
    }
  }

  private async failed(job: Job<P>, startedAt: Date, err: unknown, record: boolean): Promise<JobRunResult> {
    const error = errorText(err);
    this.opts.logger.error('job.failed', { job: job.name, error });
    if (record) {
      await this.opts.lock
        .recordRun(job.name, false, error)
        .catch(() => this.opts.logger.error('job.record-failed', { job: job.name }));
    }
    return { status: 'failed', name: job.name, error, startedAt, finishedAt: this.now() };
  }
}

/** The message of an error, scrubbed of anything that looks like a BSN and cut short. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return scrub(text).slice(0, MAX_ERROR_LENGTH);
}
