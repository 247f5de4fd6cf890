/**
 * The intake port (src/intake/ports.ts) on the database: resources, idempotent answers and audit
 * events of one referral in one transaction.
 *
 * Two requests at once must not both miss what the other is storing: looking up an answer or a
 * resource by identifier first takes a transaction-level advisory lock on that key, so a second
 * request with the same idempotency key, or for the same patient, waits for the first to commit
 * and then finds its work.
 */
import type { AuditEvent, Identifier, Resource } from '@medplum/fhirtypes';
import type { IntakeRepository, IntakeTx, StoredAnswer } from '../intake/ports.js';
import { AuditLog } from './audit-log.js';
import type { Database } from './database.js';
import { IdempotencyStore } from './idempotency.js';
import { ResourceStore } from './resource-store.js';

export class StoreIntakeRepository implements IntakeRepository {
  constructor(
    private readonly db: Database,
    private readonly store: ResourceStore,
    private readonly answers: IdempotencyStore,
    private readonly auditLog: AuditLog,
  ) {}

  transaction<T>(fn: (tx: IntakeTx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(this.intakeTx(tx)));
  }

  private intakeTx(tx: Database): IntakeTx {
    const store = this.store.withDb(tx);
    const answers = this.answers.withDb(tx);
    const auditLog = this.auditLog.withDb(tx);
    const lock = async (key: string): Promise<void> => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
    };
    return {
      async findAnswer(key: string): Promise<StoredAnswer | undefined> {
        await lock(`idempotency:${key}`);
        const found = await answers.get(key);
        return found ? { requestHash: found.requestHash, status: found.status, body: found.body } : undefined;
      },
      async saveAnswer(key: string, answer: StoredAnswer): Promise<void> {
        await answers.save(key, answer);
      },
      async findByIdentifier<T extends Resource>(
        type: T['resourceType'],
        identifier: Identifier,
      ): Promise<T | undefined> {
        await lock(`identifier:${type}|${identifier.system ?? ''}|${identifier.value ?? ''}`);
        return store.findByIdentifier<T>(type, identifier);
      },
      async create<T extends Resource>(resource: T & { id: string }): Promise<T> {
        return (await store.create(resource)).resource;
      },
      async update<T extends Resource>(resource: T & { id: string }): Promise<T> {
        // The version the caller read is the one it may replace.
        const ifMatch = resource.meta?.versionId;
        return (await store.update(resource, ifMatch ? { ifMatch } : {})).resource;
      },
      async audit(event: AuditEvent): Promise<void> {
        await auditLog.append(event);
      },
    };
  }
}
