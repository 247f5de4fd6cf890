/**
 * The intake port (src/intake/ports.ts) on the database: resources, idempotent answers and audit
 * events of one referral in one transaction. Writes are collected (`PendingWrites`) and sent as
 * one statement when the intake's function resolves, so a referral of a dozen resources costs a
 * handful of round trips, not one per row.
 *
 * Two requests at once must not both miss what the other is storing: looking up an answer or a
 * resource by identifier first takes a transaction-level advisory lock on that key, so a second
 * request with the same idempotency key, or for the same patient, waits for the first to commit
 * and then finds its work. Several keys are locked in one statement, in a fixed order, so two
 * intakes never wait for each other in a circle.
 */
import type { AuditEvent, Identifier, Resource } from '@medplum/fhirtypes';
import type {
  IdentifierLookup,
  IntakeRepository,
  IntakeTx,
  OutboxEntry,
  StoredAnswer,
} from '../intake/ports.js';
import { AuditLog } from './audit-log.js';
import type { Database } from './database.js';
import { IdempotencyStore } from './idempotency.js';
import { Outbox } from './outbox.js';
import { PendingWrites } from './pending-writes.js';
import { ResourceStore } from './resource-store.js';

/** The advisory-lock key of an identifier lookup. */
function identifierKey(type: string, identifier: Identifier): string {
  return `identifier:${type}|${identifier.system ?? ''}|${identifier.value ?? ''}`;
}

/** Takes the transaction-level advisory locks of `keys`, in the order of their hashes. */
async function lockAll(tx: Database, keys: readonly string[]): Promise<void> {
  if (keys.length === 1) await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [keys[0] ?? '']);
  else if (keys.length > 1)
    await tx.query(
      `SELECT count(pg_advisory_xact_lock(h)) FROM
       (SELECT DISTINCT hashtext(k) AS h FROM json_array_elements_text($1::json) AS k ORDER BY h) AS keys`,
      [JSON.stringify(keys)],
    );
}

export class StoreIntakeRepository implements IntakeRepository {
  private readonly outbox: Outbox;

  constructor(
    private readonly db: Database,
    private readonly store: ResourceStore,
    private readonly answers: IdempotencyStore,
    private readonly auditLog: AuditLog,
    outbox?: Outbox,
  ) {
    this.outbox = outbox ?? new Outbox(db);
  }

  transaction<T>(fn: (tx: IntakeTx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => this.within(tx, (intake) => fn(intake)));
  }

  /**
   * Runs `fn` in the open transaction `tx` (no savepoint of its own); the writes it collected are
   * sent when it resolves. `pending` lets a caller add rows of its own to the same statement.
   */
  async within<T>(tx: Database, fn: (intake: IntakeTx, pending: PendingWrites) => Promise<T>): Promise<T> {
    const pending = new PendingWrites(this.store.withDb(tx));
    const result = await fn(this.intakeTx(tx, pending), pending);
    await pending.flush();
    return result;
  }

  private intakeTx(tx: Database, pending: PendingWrites): IntakeTx {
    const store = this.store.withDb(tx);
    const answers = this.answers.withDb(tx);
    const outbox = this.outbox.withDb(tx);
    const auditLog = this.auditLog;
    return {
      async findAnswer(key: string): Promise<StoredAnswer | undefined> {
        await lockAll(tx, [`idempotency:${key}`]);
        const found = await answers.get(key);
        return found ? { requestHash: found.requestHash, status: found.status, body: found.body } : undefined;
      },
      async saveAnswer(key: string, answer: StoredAnswer): Promise<void> {
        pending.insert(answers.row(key, answer));
      },
      async findByIdentifier<T extends Resource>(
        type: T['resourceType'],
        identifier: Identifier,
      ): Promise<T | undefined> {
        await lockAll(tx, [identifierKey(type, identifier)]);
        return store.findByIdentifier<T>(type, identifier);
      },
      async findByIdentifiers(lookups: readonly IdentifierLookup[]): Promise<(Resource | undefined)[]> {
        await lockAll(
          tx,
          lookups.map((l) => identifierKey(l.type, l.identifier)),
        );
        return store.findByIdentifiers(lookups);
      },
      async create<T extends Resource>(resource: T & { id: string }): Promise<T> {
        return pending.create(resource);
      },
      async update<T extends Resource>(resource: T & { id: string }): Promise<T> {
        // The version the caller read is the one it may replace.
        const ifMatch = resource.meta?.versionId;
        if (ifMatch && /^\d{1,9}$/.test(ifMatch)) return pending.update(resource, Number(ifMatch));
        return (await store.update(resource, ifMatch ? { ifMatch } : {})).resource;
      },
      async audit(event: AuditEvent): Promise<void> {
        pending.insert(auditLog.rows([event]).insert);
      },
      async enqueue(message: OutboxEntry): Promise<void> {
        // Written with the referral's other rows, in the same statement.
        pending.insert(outbox.rows({ receiver: message.receiver, payload: message.payload }));
      },
    };
  }
}
