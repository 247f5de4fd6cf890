/**
 * Job leases: of several gateway instances on one database, one runs a given job at a time. The
 * lease is a row (`job.locked_until`, `owner`) taken with one atomic upsert; an instance that
 * dies loses its lease when it ends, so no job stays locked forever. Times come from the injected
 * clock; instances are assumed to have clocks in step to well within a lease.
 */
import { OperationOutcomeError, invalid } from '../fhir/outcomes.js';
import type { Database } from './database.js';

export interface JobStatus {
  name: string;
  lockedUntil: Date | null;
  owner: string | null;
  lastRun: Date | null;
  /** A short error code of the last run, null when it succeeded. */
  lastError: string | null;
}

export type JobRun<T> = { ran: true; result: T } | { ran: false };

interface Row {
  name: string;
  locked_until: Date | null;
  owner: string | null;
  last_run: Date | null;
  last_error: string | null;
}

const ERROR_CODE = /^[A-Za-z0-9._-]{1,64}$/;

export class JobLocks {
  /** `owner` names this instance (host and pid, or a UUID per start). */
  constructor(
    private readonly db: Database,
    private readonly owner: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Takes the lease on `name` for `leaseMs` when it is free, expired, or already ours. */
  async tryAcquire(name: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const { rows } = await this.db.query(
      `INSERT INTO job (name, locked_until, owner) VALUES ($1, $2::timestamptz, $3)
       ON CONFLICT (name) DO UPDATE SET locked_until = EXCLUDED.locked_until, owner = EXCLUDED.owner
       WHERE job.locked_until IS NULL OR job.locked_until <= $4::timestamptz OR job.owner = $3
       RETURNING name`,
      [name, new Date(now.getTime() + leaseMs).toISOString(), this.owner, now.toISOString()],
    );
    return rows.length === 1;
  }

  /** Extends a lease this instance holds; false when it has lost it. */
  async renew(name: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const { rowCount } = await this.db.query(
      'UPDATE job SET locked_until = $3::timestamptz WHERE name = $1 AND owner = $2 AND locked_until > $4::timestamptz',
      [name, this.owner, new Date(now.getTime() + leaseMs).toISOString(), now.toISOString()],
    );
    return rowCount === 1;
  }

  /** Ends this instance's lease and records the run: `errorCode` null for success. */
  async release(name: string, errorCode: string | null): Promise<void> {
    if (errorCode !== null && !ERROR_CODE.test(errorCode)) {
      throw new OperationOutcomeError(
        invalid('A job error is a short code, not a message.', 'errorCode'),
        422,
      );
    }
    await this.db.query(
      'UPDATE job SET locked_until = NULL, owner = NULL, last_run = $3::timestamptz, last_error = $4 WHERE name = $1 AND owner = $2',
      [name, this.owner, this.clock().toISOString(), errorCode],
    );
  }

  /**
   * Runs `fn` when the lease can be had, then releases it; `{ ran: false }` when another instance
   * holds it. A failure is recorded as `errorCode(err)` (default `failed`) and rethrown.
   */
  async run<T>(
    name: string,
    leaseMs: number,
    fn: () => Promise<T>,
    errorCode: (err: unknown) => string = () => 'failed',
  ): Promise<JobRun<T>> {
    if (!(await this.tryAcquire(name, leaseMs))) return { ran: false };
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      const code = errorCode(err);
      await this.release(name, ERROR_CODE.test(code) ? code : 'failed');
      throw err;
    }
    await this.release(name, null);
    return { ran: true, result };
  }

  async status(name: string): Promise<JobStatus | undefined> {
    const { rows } = await this.db.query<Row>(
      'SELECT name, locked_until, owner, last_run, last_error FROM job WHERE name = $1',
      [name],
    );
    const r = rows[0];
    return r
      ? {
          name: r.name,
          lockedUntil: r.locked_until,
          owner: r.owner,
          lastRun: r.last_run,
          lastError: r.last_error,
        }
      : undefined;
  }
}
