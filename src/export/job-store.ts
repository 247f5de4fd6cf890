/**
 * The export job table (migration 0006): the state of every `$export`, shared by all gateway
 * instances. A job is claimed with a lease; the holder renews it while it writes and another
 * instance takes the job over (from the start) when the lease runs out.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Database } from '../store/database.js';
import type { ExportRequest } from './request.js';

const gunzipAsync = promisify(gunzip);

export type ExportStatus = 'accepted' | 'in-progress' | 'completed' | 'failed' | 'cancelled';

/** One file of the manifest: its type, its name under the job, how many resources it holds. */
export interface ExportFile {
  type: string;
  file: string;
  count: number;
}

export interface ExportOutput {
  output: ExportFile[];
  error: ExportFile[];
  /** The series announcement (src/export/pseudonymise/keys.ts), as the manifest carries it. */
  series: { keyId: string; series: string; newSeries: boolean; previousSeries?: string };
}

export interface ExportJob {
  id: string;
  clientId: string;
  recipient: string;
  status: ExportStatus;
  request: ExportRequest;
  transactionTime: string;
  keyId: string;
  series: string;
  progress?: string;
  output?: ExportOutput;
  errorCode?: string;
  createdAt: string;
}

interface JobRow {
  id: string;
  client_id: string;
  recipient: string;
  status: ExportStatus;
  request: ExportRequest | string;
  transaction_time: Date | string;
  key_id: string;
  series: string;
  progress: string | null;
  output: ExportOutput | string | null;
  error_code: string | null;
  created_at: Date | string;
}

const iso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();
const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function toJob(row: JobRow): ExportJob {
  return {
    id: row.id,
    clientId: row.client_id,
    recipient: row.recipient,
    status: row.status,
    request: json(row.request),
    transactionTime: iso(row.transaction_time),
    keyId: row.key_id,
    series: row.series,
    ...(row.progress ? { progress: row.progress } : {}),
    ...(row.output ? { output: json(row.output) } : {}),
    ...(row.error_code ? { errorCode: row.error_code } : {}),
    createdAt: iso(row.created_at),
  };
}

const COLUMNS =
  'id, client_id, recipient, status, request, transaction_time, key_id, series, progress, output, error_code, created_at';

export interface NewExportJob {
  id: string;
  clientId: string;
  recipient: string;
  request: ExportRequest;
  transactionTime: Date;
  keyId: string;
  series: string;
}

export class ExportJobStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(job: NewExportJob): Promise<void> {
    const at = this.now().toISOString();
    await this.db.query(
      `INSERT INTO export_job (id, client_id, recipient, status, request, transaction_time, key_id, series, created_at, updated_at)
       VALUES ($1, $2, $3, 'accepted', $4::jsonb, $5::timestamptz, $6, $7, $8::timestamptz, $8::timestamptz)`,
      [
        job.id,
        job.clientId,
        job.recipient,
        JSON.stringify(job.request),
        job.transactionTime.toISOString(),
        job.keyId,
        job.series,
        at,
      ],
    );
  }

  async get(id: string): Promise<ExportJob | undefined> {
    const { rows } = await this.db.query<JobRow>(`SELECT ${COLUMNS} FROM export_job WHERE id = $1`, [id]);
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  /** The recipient's last completed export: its key and series, for the series announcement. */
  async lastCompleted(recipient: string): Promise<{ keyId: string; series: string } | undefined> {
    const { rows } = await this.db.query<{ key_id: string; series: string }>(
      `SELECT key_id, series FROM export_job WHERE recipient = $1 AND status = 'completed'
       ORDER BY created_at DESC LIMIT 1`,
      [recipient],
    );
    return rows[0] ? { keyId: rows[0].key_id, series: rows[0].series } : undefined;
  }

  /**
   * Takes a job that nobody runs (accepted, or in progress with an expired lease) for `leaseMs`.
   * True when this owner now runs it; its earlier parts, if any, are removed.
   */
  async claim(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.now();
    return this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `UPDATE export_job SET status = 'in-progress', owner = $2, locked_until = $3::timestamptz, updated_at = $4::timestamptz
         WHERE id = $1 AND (status = 'accepted' OR (status = 'in-progress' AND locked_until < $4::timestamptz))`,
        [id, owner, new Date(now.getTime() + leaseMs).toISOString(), now.toISOString()],
      );
      if (rowCount === 0) return false;
      await tx.query('DELETE FROM export_file_part WHERE job_id = $1', [id]);
      return true;
    });
  }

  /** Extends the lease and records progress; false when the job was cancelled or taken over. */
  async renew(id: string, owner: string, leaseMs: number, progress: string): Promise<boolean> {
    const now = this.now();
    const { rowCount } = await this.db.query(
      `UPDATE export_job SET locked_until = $3::timestamptz, progress = $4, updated_at = $5::timestamptz
       WHERE id = $1 AND owner = $2 AND status = 'in-progress'`,
      [id, owner, new Date(now.getTime() + leaseMs).toISOString(), progress, now.toISOString()],
    );
    return rowCount > 0;
  }

  /**
   * Writes one part, its NDJSON gzip-compressed (one or more gzip members), without waiting for
   * the WAL to reach the disk (`synchronous_commit` off for this transaction only): a part lost
   * in a crash costs nothing, as the job then starts over.
   */
  async appendPart(
    id: string,
    file: string,
    part: number,
    resources: number,
    gzipped: Uint8Array,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('SET LOCAL synchronous_commit = off');
      await tx.query(
        'INSERT INTO export_file_part (job_id, file, part, resources, gzip) VALUES ($1, $2, $3, $4, $5)',
        [id, file, part, resources, gzipped],
      );
    });
  }

  async complete(id: string, owner: string, output: ExportOutput): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE export_job SET status = 'completed', output = $3::jsonb, progress = NULL, locked_until = NULL, updated_at = $4::timestamptz
       WHERE id = $1 AND owner = $2 AND status = 'in-progress'`,
      [id, owner, JSON.stringify(output), this.now().toISOString()],
    );
    return rowCount > 0;
  }

  /** Records a failure by a code (never a message that could quote data) and drops the parts. */
  async fail(id: string, owner: string, code: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `UPDATE export_job SET status = 'failed', error_code = $3, locked_until = NULL, updated_at = $4::timestamptz
         WHERE id = $1 AND owner = $2 AND status = 'in-progress'`,
        [id, owner, code, this.now().toISOString()],
      );
      if (rowCount > 0) await tx.query('DELETE FROM export_file_part WHERE job_id = $1', [id]);
    });
  }

  /** Cancels a job (running or done) and removes its files; false when there was nothing to cancel. */
  async cancel(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `UPDATE export_job SET status = 'cancelled', output = NULL, locked_until = NULL, updated_at = $2::timestamptz
         WHERE id = $1 AND status <> 'cancelled'`,
        [id, this.now().toISOString()],
      );
      await tx.query('DELETE FROM export_file_part WHERE job_id = $1', [id]);
      return rowCount > 0;
    });
  }

  /** Removes the parts a cancelled job went on writing until it noticed; a job taken over keeps them. */
  async discardIfCancelled(id: string): Promise<void> {
    await this.db.query(
      `DELETE FROM export_file_part WHERE job_id = $1
         AND EXISTS (SELECT 1 FROM export_job WHERE id = $1 AND status = 'cancelled')`,
      [id],
    );
  }

  /** The parts of one file in order, one query per part, so that serving it keeps memory flat. */
  async *parts(id: string, file: string): AsyncGenerator<string> {
    const { rows } = await this.db.query<{ part: number }>(
      'SELECT part FROM export_file_part WHERE job_id = $1 AND file = $2 ORDER BY part',
      [id, file],
    );
    for (const { part } of rows) {
      const found = await this.db.query<{ content: string | null; gzip: Uint8Array | null }>(
        'SELECT content, gzip FROM export_file_part WHERE job_id = $1 AND file = $2 AND part = $3',
        [id, file, part],
      );
      const row = found.rows[0];
      if (row?.gzip) yield (await gunzipAsync(row.gzip)).toString('utf8');
      else if (typeof row?.content === 'string') yield row.content;
    }
  }
}
