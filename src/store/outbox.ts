/**
 * The delivery outbox: a message is enqueued in the same transaction as the data it announces,
 * so nothing is delivered that was not stored, and nothing stored is forgotten. A deliverer
 * claims due messages for a lease; a message whose deliverer died comes back when the lease ends.
 */
import { randomUUID } from 'node:crypto';
import { OperationOutcomeError, invalid } from '../fhir/outcomes.js';
import type { Database, SqlValue } from './database.js';
import type { InsertRows, JsonValue } from './version-writes.js';

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

export interface OutboxMessage {
  id: string;
  /** Who receives it (an organisation key from the configuration, or an endpoint name). */
  receiver: string;
  payload: unknown;
  status: OutboxStatus;
  /** Times the message was claimed for delivery. */
  attempts: number;
  nextAttemptAt: Date;
  /** A short error code of the last failure (`http-503`, `timeout`), never a message text. */
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  id: string;
  receiver: string;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, receiver, payload, status, attempts, next_attempt_at, last_error, created_at, updated_at';

/** Error codes only: an upstream's error text may quote the payload. */
const ERROR_CODE = /^[A-Za-z0-9._-]{1,64}$/;

function fromRow(r: Row): OutboxMessage {
  return {
    id: r.id,
    receiver: r.receiver,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface EnqueueInput {
  receiver: string;
  payload: unknown;
  id?: string;
  /** The earliest delivery time (default: now). */
  notBefore?: Date;
}

const OUTBOX_INSERT_COLUMNS = [
  ['id', 'text'],
  ['receiver', 'text'],
  ['payload', 'jsonb'],
  ['next_attempt_at', 'timestamptz'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
] as const;

export class Outbox {
  constructor(
    private readonly db: Database,
    private readonly clock: () => Date = () => new Date(),
    private readonly newId: () => string = randomUUID,
  ) {}

  withDb(tx: Database): Outbox {
    return new Outbox(tx, this.clock, this.newId);
  }

  /**
   * A message as a row for a multi-row insert with the rest of a transaction's writes
   * (`PendingWrites`), as `enqueue` would store it.
   */
  rows(input: EnqueueInput): InsertRows {
    const now = this.clock().toISOString();
    return {
      table: 'outbox',
      columns: OUTBOX_INSERT_COLUMNS,
      rows: [
        {
          id: input.id ?? this.newId(),
          receiver: input.receiver,
          payload: (input.payload ?? null) as JsonValue,
          next_attempt_at: (input.notBefore ?? this.clock()).toISOString(),
          created_at: now,
          updated_at: now,
        },
      ],
    };
  }

  async enqueue(input: EnqueueInput): Promise<OutboxMessage> {
    const now = this.clock().toISOString();
    const { rows } = await this.db.query<Row>(
      `INSERT INTO outbox (id, receiver, payload, next_attempt_at, created_at, updated_at)
       VALUES ($1, $2, $3::jsonb, $4::timestamptz, $5::timestamptz, $5::timestamptz) RETURNING ${COLUMNS}`,
      [
        input.id ?? this.newId(),
        input.receiver,
        JSON.stringify(input.payload ?? null),
        (input.notBefore ?? this.clock()).toISOString(),
        now,
      ],
    );
    return fromRow(rows[0] as Row);
  }

  /**
   * Claims up to `limit` due pending messages for `leaseMs`: they are not due again until the
   * lease ends, so a second deliverer skips them. Each claim counts as an attempt.
   */
  async claimDue(options: { limit: number; leaseMs: number; receiver?: string }): Promise<OutboxMessage[]> {
    const now = this.clock();
    const params: SqlValue[] = [
      now.toISOString(),
      new Date(now.getTime() + options.leaseMs).toISOString(),
      options.limit,
    ];
    const receiver =
      options.receiver === undefined ? '' : `AND receiver = $${String(params.push(options.receiver))}`;
    const { rows } = await this.db.query<Row>(
      `UPDATE outbox SET next_attempt_at = $2::timestamptz, attempts = attempts + 1, updated_at = $1::timestamptz
       WHERE id IN (
         SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz ${receiver}
         ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
       ) RETURNING ${COLUMNS}`,
      params,
    );
    return rows
      .map(fromRow)
      .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id.localeCompare(b.id));
  }

  async markDelivered(id: string): Promise<void> {
    await this.db.query(
      "UPDATE outbox SET status = 'delivered', last_error = NULL, updated_at = $2::timestamptz WHERE id = $1",
      [id, this.clock().toISOString()],
    );
  }

  /** Records a failed attempt: retried at `retryAt`, or given up (`dead`) when `retryAt` is null. */
  async markFailed(id: string, errorCode: string, retryAt: Date | null): Promise<void> {
    if (!ERROR_CODE.test(errorCode)) {
      throw new OperationOutcomeError(
        invalid('An outbox error is a short code, not a message.', 'errorCode'),
        422,
      );
    }
    const now = this.clock().toISOString();
    await this.db.query(
      `UPDATE outbox SET status = $2, last_error = $3, next_attempt_at = coalesce($4::timestamptz, next_attempt_at), updated_at = $5::timestamptz
       WHERE id = $1`,
      [id, retryAt ? 'pending' : 'dead', errorCode, retryAt ? retryAt.toISOString() : null, now],
    );
  }

  async get(id: string): Promise<OutboxMessage | undefined> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM outbox WHERE id = $1`, [id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /**
   * Puts a dead message back in the queue for delivery now, with a fresh count of attempts (an
   * operator's retry). Returns the message, or undefined when there is no dead message with that id.
   */
  async retry(id: string): Promise<OutboxMessage | undefined> {
    const now = this.clock().toISOString();
    const { rows } = await this.db.query<Row>(
      `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2::timestamptz, updated_at = $2::timestamptz
       WHERE id = $1 AND status = 'dead' RETURNING ${COLUMNS}`,
      [id, now],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** How many messages there are of each status. */
  async countByStatus(): Promise<Record<OutboxStatus, number>> {
    const { rows } = await this.db.query<{ status: OutboxStatus; n: number }>(
      'SELECT status, count(*)::integer AS n FROM outbox GROUP BY status',
    );
    const counts: Record<OutboxStatus, number> = { pending: 0, delivered: 0, dead: 0 };
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  /** Removes delivered messages last changed before `before`; the number removed. */
  async deleteDeliveredBefore(before: Date): Promise<number> {
    const { rowCount } = await this.db.query(
      "DELETE FROM outbox WHERE status = 'delivered' AND updated_at < $1::timestamptz",
      [before.toISOString()],
    );
    return rowCount;
  }

  /** Messages by status (and receiver), oldest first. */
  async list(
    options: { status?: OutboxStatus; receiver?: string; limit?: number } = {},
  ): Promise<OutboxMessage[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (options.status) where.push(`status = $${String(params.push(options.status))}`);
    if (options.receiver) where.push(`receiver = $${String(params.push(options.receiver))}`);
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT ${String(limit)}`,
      params,
    );
    return rows.map(fromRow);
  }
}
