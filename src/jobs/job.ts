/**
 * Scheduled jobs: a name, a cron schedule and a `run` that gets everything it may touch through
 * its context - the clock, a logger and the ports it needs. Jobs are idempotent: running one twice,
 * or after a crash half-way, leaves the same result as running it once.
 */
import type { Logger } from '../observability/logger.js';

/** Counts that say what a run did (logged; never client data). */
export type JobSummary = Record<string, number>;

export interface JobContext<P> {
  now(): Date;
  logger: Logger;
  ports: P;
}

export interface Job<P = unknown> {
  /** Unique, lower-case with dashes; also the CLI name (`overdracht job NAME`). */
  name: string;
  /** A cron expression (node-cron: optional seconds field first). */
  schedule: string;
  /** How long the lock is held at most; another instance may take over after this. Default 15 minutes. */
  lockTtlMs?: number;
  run: (ctx: JobContext<P>) => Promise<JobSummary | void>;
}

/** What the store keeps about a job. */
export interface JobRunRecord {
  name: string;
  lastRun?: Date;
  ok?: boolean;
  lastError?: string;
}

/**
 * The lock that makes one gateway instance at a time run a job, and the record of runs. A store
 * implements it on a shared table (one row per job: locked until, owner, last run, last error).
 */
export interface JobLock {
  /** Takes the lock for `ttlMs` if nobody holds it (or the holder's time is up); true when taken. */
  tryLock(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lock back, if `owner` still holds it. */
  release(name: string, owner: string): Promise<void>;
  /** Records the end of a run: when, whether it succeeded, and the error message if not. */
  recordRun(name: string, ok: boolean, error?: string): Promise<void>;
  lastRun(name: string): Promise<JobRunRecord | undefined>;
}

export const DEFAULT_LOCK_TTL_MS = 15 * 60_000;
