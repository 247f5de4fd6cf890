/**
 * The referral intake port on the database: the store's intake repository (resources, idempotent
 * answer, audit, with its advisory locks) plus the access grants, all in one transaction, so a
 * referral is never visible without its grants nor stored without them.
 *
 * Referrals of one sender all name the same organisations. The store's lookup by identifier
 * locks the identifier until commit, which would make them wait for each other; a resource found
 * without the lock exists and stays, so the locking lookup runs only on a miss. Should two
 * intakes then change the same resource at once, the later one fails its version check (412)
 * and is run again with locking lookups throughout.
 */
import type { Identifier, Resource } from '@medplum/fhirtypes';
import type { ReferralRepository, ReferralTx } from '../intake/ports.js';
import { AccessGrants } from '../access/grants.js';
import type { AuditLog } from '../store/audit-log.js';
import type { Database } from '../store/database.js';
import { DatabaseError } from '../store/errors.js';
import type { IdempotencyStore } from '../store/idempotency.js';
import { StoreIntakeRepository } from '../store/intake-repository.js';
import type { ResourceStore } from '../store/resource-store.js';
import { OperationOutcomeError } from '../fhir/outcomes.js';

function isVersionConflict(err: unknown): boolean {
  return err instanceof OperationOutcomeError && !(err instanceof DatabaseError) && err.status === 412;
}

export class GatewayIntakeRepository implements ReferralRepository {
  constructor(
    private readonly db: Database,
    private readonly store: ResourceStore,
    private readonly answers: IdempotencyStore,
    private readonly auditLog: AuditLog,
  ) {}

  async transaction<T>(fn: (tx: ReferralTx) => Promise<T>): Promise<T> {
    try {
      return await this.attempt(fn, false);
    } catch (err) {
      if (!isVersionConflict(err)) throw err;
      return this.attempt(fn, true);
    }
  }

  private attempt<T>(fn: (tx: ReferralTx) => Promise<T>, lockAlways: boolean): Promise<T> {
    return this.db.transaction(async (tx) => {
      const grants = new AccessGrants(tx);
      const store = this.store.withDb(tx);
      // The store's repository joins this transaction (its own becomes a savepoint).
      const inner = new StoreIntakeRepository(tx, this.store, this.answers, this.auditLog);
      return inner.transaction((intake) => {
        const find = async <R extends Resource>(
          type: R['resourceType'],
          identifier: Identifier,
        ): Promise<R | undefined> =>
          (lockAlways ? undefined : await store.findByIdentifier<R>(type, identifier)) ??
          intake.findByIdentifier<R>(type, identifier);
        return fn({ ...intake, findByIdentifier: find, grantAccess: (g) => grants.add(g) });
      });
    });
  }
}
