/**
 * Job leases: of several gateway instances on one database, one runs a given job at a time. The
 * lease is a row (`job.locked_until`, `owner`) taken with one atomic upsert; an instance that
 * dies loses its lease when it ends, so no job stays locked forever. Times come from the injected
 * clock; instances are assumed to have clocks in step to well within a lease.
 */
import { OperationOutcomeError, invalid } from '../fhir/outcomes.js';
import type { Database } from './database.js';
import { deleteIndexRows } from './version-writes.js';

export interface JobStatus {
  name: string;
  lockedUntil: Date | null;
  owner: string | null;
  lastRun: Date | null;
  /** A short error code of the last run, null when it succeeded. */
  lastError: string | null;
  lastSuccess: Date | null;
  /** Runs in a row that failed (0 after a success). */
  failures: number;
}

export type JobRun<T> = { ran: true; result: T } | { ran: false };

interface Row {
  name: string;
  locked_until: Date | null;
  owner: string | null;
  last_run: Date | null;
  last_error: string | null;
  last_success: Date | null;
  failures: number;
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
      `UPDATE job SET locked_until = NULL, owner = NULL, last_run = $3::timestamptz, last_error = $4,
         last_success = CASE WHEN $4::text IS NULL THEN $3::timestamptz ELSE last_success END,
         failures = CASE WHEN $4::text IS NULL THEN 0 ELSE failures + 1 END
       WHERE name = $1 AND owner = $2`,
      [name, this.owner, this.clock().toISOString(), errorCode],
    );
  }

  /** Ends this instance's lease without recording a run. */
  async unlock(name: string): Promise<void> {
    await this.db.query('UPDATE job SET locked_until = NULL, owner = NULL WHERE name = $1 AND owner = $2', [
      name,
      this.owner,
    ]);
  }

  /** Records the end of a run (`errorCode` null for success), whoever holds the lease. */
  async record(name: string, errorCode: string | null): Promise<void> {
    const code = errorCode === null || ERROR_CODE.test(errorCode) ? errorCode : 'failed';
    const now = this.clock().toISOString();
    await this.db.query(
      `INSERT INTO job (name, last_run, last_error, last_success, failures)
       VALUES ($1, $2::timestamptz, $3, CASE WHEN $3::text IS NULL THEN $2::timestamptz END, CASE WHEN $3::text IS NULL THEN 0 ELSE 1 END)
       ON CONFLICT (name) DO UPDATE SET last_run = EXCLUDED.last_run, last_error = EXCLUDED.last_error,
         last_success = coalesce(EXCLUDED.last_success, job.last_success),
         failures = CASE WHEN EXCLUDED.last_error IS NULL THEN 0 ELSE job.failures + 1 END`,
      [name, now, code],
    );
  }

  /** Every job that has a row, by name. */
  async list(): Promise<JobStatus[]> {
    const { rows } = await this.db.query<Row>(`SELECT ${STATUS_COLUMNS} FROM job ORDER BY name`);
    return rows.map(statusOf);
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
    const { rows } = await this.db.query<Row>(`SELECT ${STATUS_COLUMNS} FROM job WHERE name = $1`, [name]);
    return rows[0] ? statusOf(rows[0]) : undefined;
  }
}

const STATUS_COLUMNS = 'name, locked_until, owner, last_run, last_error, last_success, failures';

function statusOf(r: Row): JobStatus {
  return {
    name: r.name,
    lockedUntil: r.locked_until,
    owner: r.owner,
    lastRun: r.last_run,
    lastError: r.last_error,
    lastSuccess: r.last_success,
    failures: r.failures,
  };
}

/** The latest report of a job (waiting times, interruptions): one per name, replaced by each run. */
export class JobReports {
  constructor(
    private readonly db: Database,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async save(name: string, content: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO job_report (name, computed_at, content) VALUES ($1, $2::timestamptz, $3::jsonb)
       ON CONFLICT (name) DO UPDATE SET computed_at = EXCLUDED.computed_at, content = EXCLUDED.content`,
      [name, this.clock().toISOString(), JSON.stringify(content)],
    );
  }

  async get<T>(name: string): Promise<{ computedAt: Date; content: T } | undefined> {
    const { rows } = await this.db.query<{ computed_at: Date; content: T }>(
      'SELECT computed_at, content FROM job_report WHERE name = $1',
      [name],
    );
    const r = rows[0];
    return r ? { computedAt: r.computed_at, content: r.content } : undefined;
  }
}

/** Files the import job has processed, by the SHA-256 of their content. */
export class ImportedFiles {
  constructor(
    private readonly db: Database,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async seen(hash: string): Promise<{ status: 'done' | 'failed'; resources: number } | undefined> {
    const { rows } = await this.db.query<{ status: 'done' | 'failed'; resources: number }>(
      'SELECT status, resources FROM import_file WHERE hash = $1',
      [hash],
    );
    return rows[0];
  }

  /** Records a processed file; true when it was new (a second instance finds it taken). */
  async record(hash: string, source: string, status: 'done' | 'failed', resources: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO import_file (hash, source, status, resources, processed_at) VALUES ($1, $2, $3, $4, $5::timestamptz)
       ON CONFLICT (hash) DO NOTHING`,
      [hash, source, status, resources, this.clock().toISOString()],
    );
    return rowCount === 1;
  }
}

/**
 * Removes resources for good: current version, history, index rows and access grants. For the
 * retention job only; the audit trail (`audit_event`) is not touched and refuses deletes anyway.
 */
export class ResourcePurge {
  constructor(private readonly db: Database) {}

  /**
   * Up to `limit` resources of `type` last changed before `before` that no other stored resource
   * references, removed in one transaction; their ids. Reference-aware: a client, a request or an
   * episode stays as long as a kept Task, Observation or Provenance points at it (the references
   * the store indexes in `search_reference`: subject, patient, focus, part-of, based-on, target,
   * ...), so a client never goes before their Tasks. What the referrers leave behind is purged by
   * a later pass once they are gone. Resources that reference each other in a circle are kept.
   */
  async purgeBatch(type: string, before: Date, limit: number): Promise<string[]> {
    if (type === 'AuditEvent') return [];
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `SELECT r.id FROM resource r
         WHERE r.resource_type = $1 AND r.last_updated < $2::timestamptz
           AND NOT EXISTS (
             SELECT 1 FROM search_reference s
             WHERE s.target_type = $1 AND s.target_id = r.id
               AND NOT (s.resource_type = $1 AND s.resource_id = r.id)
           )
         ORDER BY r.last_updated, r.id LIMIT $3 FOR UPDATE OF r`,
        [type, before.toISOString(), limit],
      );
      const ids = rows.map((r) => r.id);
      if (ids.length === 0) return ids;
      await deleteIndexRows(tx, type, ids);
      const params = [type, JSON.stringify(ids)];
      const idList = 'SELECT jsonb_array_elements_text($2::jsonb)';
      await tx.query(
        `DELETE FROM access_grant WHERE resource_type = $1 AND resource_id IN (${idList})`,
        params,
      );
      await tx.query(`DELETE FROM resource_history WHERE resource_type = $1 AND id IN (${idList})`, params);
      await tx.query(`DELETE FROM resource WHERE resource_type = $1 AND id IN (${idList})`, params);
      return ids;
    });
  }

  /** The resource types that have rows. */
  async types(): Promise<string[]> {
    const { rows } = await this.db.query<{ resource_type: string }>(
      'SELECT DISTINCT resource_type FROM resource ORDER BY resource_type',
    );
    return rows.map((r) => r.resource_type);
  }
}
