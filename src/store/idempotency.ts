/**
 * Idempotent answers: the first answer to a request with an idempotency key is kept, so a retry
 * of the same request gets the same answer and a different request with a reused key is caught
 * (by comparing the request hash).
 */
import type { Database } from './database.js';
import type { InsertRows } from './version-writes.js';

export interface IdempotentAnswer {
  requestHash: string;
  status: number;
  body: unknown;
}

export interface IdempotencyRecord extends IdempotentAnswer {
  key: string;
  createdAt: Date;
}

interface Row {
  key: string;
  request_hash: string;
  status: number;
  body: unknown;
  created_at: Date;
}

function fromRow(r: Row): IdempotencyRecord {
  return { key: r.key, requestHash: r.request_hash, status: r.status, body: r.body, createdAt: r.created_at };
}

export class IdempotencyStore {
  constructor(
    private readonly db: Database,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  withDb(tx: Database): IdempotencyStore {
    return new IdempotencyStore(tx, this.clock);
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const { rows } = await this.db.query<Row>(
      'SELECT key, request_hash, status, body, created_at FROM idempotency WHERE key = $1',
      [key],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /**
   * Keeps `answer` under `key` unless the key already has one. Returns the answer now kept: this
   * one (`stored: true`) or the earlier one (`stored: false`).
   */
  async save(key: string, answer: IdempotentAnswer): Promise<{ stored: boolean; record: IdempotencyRecord }> {
    const { rows } = await this.db.query<Row>(
      `INSERT INTO idempotency (key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz)
       ON CONFLICT (key) DO NOTHING RETURNING key, request_hash, status, body, created_at`,
      [
        key,
        answer.requestHash,
        answer.status,
        JSON.stringify(answer.body ?? null),
        this.clock().toISOString(),
      ],
    );
    if (rows[0]) return { stored: true, record: fromRow(rows[0]) };
    const earlier = await this.get(key);
    if (!earlier) throw new Error('idempotency record vanished between insert and read');
    return { stored: false, record: earlier };
  }

  /**
   * `answer` under `key` as a row for a multi-row insert (`ResourceStore.writeVersions`); an
   * answer already kept under the key stays (call it under the key's lock, after `get` found none).
   */
  row(key: string, answer: IdempotentAnswer): InsertRows {
    return {
      table: 'idempotency',
      columns: [
        ['key', 'text'],
        ['request_hash', 'text'],
        ['status', 'integer'],
        ['body', 'jsonb'],
        ['created_at', 'timestamptz'],
      ],
      rows: [
        {
          key,
          request_hash: answer.requestHash,
          status: answer.status,
          body: answer.body ?? null,
          created_at: this.clock().toISOString(),
        },
      ],
      ignoreConflicts: true,
    };
  }

  /** Removes answers kept before `cutoff` (a retention job); returns how many. */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM idempotency WHERE created_at < $1::timestamptz', [
      cutoff.toISOString(),
    ]);
    return rowCount;
  }
}
