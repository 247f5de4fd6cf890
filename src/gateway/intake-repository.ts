/**
 * The referral intake port on the database: the store's intake repository (resources, idempotent
 * answer, audit, with its advisory locks) plus the access grants, all in one transaction, so a
 * referral is never visible without its grants nor stored without them.
 */
import type { ReferralRepository, ReferralTx } from '../intake/ports.js';
import { AccessGrants } from '../access/grants.js';
import type { AuditLog } from '../store/audit-log.js';
import type { Database } from '../store/database.js';
import type { IdempotencyStore } from '../store/idempotency.js';
import { StoreIntakeRepository } from '../store/intake-repository.js';
import type { ResourceStore } from '../store/resource-store.js';

export class GatewayIntakeRepository implements ReferralRepository {
  constructor(
    private readonly db: Database,
    private readonly store: ResourceStore,
    private readonly answers: IdempotencyStore,
    private readonly auditLog: AuditLog,
  ) {}

  transaction<T>(fn: (tx: ReferralTx) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      const grants = new AccessGrants(tx);
      // The store's repository joins this transaction (its own becomes a savepoint).
      const inner = new StoreIntakeRepository(tx, this.store, this.answers, this.auditLog);
      return inner.transaction((intake) => fn({ ...intake, grantAccess: (g) => grants.add(g) }));
    });
  }
}
