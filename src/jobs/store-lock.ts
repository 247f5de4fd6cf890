/**
 * The JobLock port on the database's `job` table (src/store/jobs.ts): with several gateway
 * instances on one PostgreSQL, one takes a job's lease and the others skip that turn. The table
 * keeps error codes only, so the error text of a failed run becomes a short code here (the full,
 * scrubbed text is in the runner's log line).
 */
import type { Database } from '../store/database.js';
import { JobLocks } from '../store/jobs.js';
import type { JobLock, JobRunRecord } from './job.js';

/** `DatabaseError: ...` -> `database-error`; anything without a recognisable name -> `failed`. */
export function errorCodeOf(text: string): string {
  const name = /^([A-Za-z][A-Za-z0-9]{0,40})(?::|$)/.exec(text)?.[1];
  if (!name || name === 'Error') return 'failed';
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

export class StoreJobLock implements JobLock {
  constructor(
    private readonly db: Database,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private locks(owner: string): JobLocks {
    return new JobLocks(this.db, owner, this.clock);
  }

  tryLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.locks(owner).tryAcquire(name, ttlMs);
  }

  release(name: string, owner: string): Promise<void> {
    return this.locks(owner).unlock(name);
  }

  recordRun(name: string, ok: boolean, error?: string): Promise<void> {
    return this.locks('').record(name, ok ? null : errorCodeOf(error ?? ''));
  }

  async lastRun(name: string): Promise<JobRunRecord | undefined> {
    const status = await this.locks('').status(name);
    if (!status?.lastRun) return status ? { name } : undefined;
    return {
      name,
      lastRun: status.lastRun,
      ok: status.lastError === null,
      ...(status.lastError !== null ? { lastError: status.lastError } : {}),
    };
  }
}
