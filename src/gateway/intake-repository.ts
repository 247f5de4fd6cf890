/**
 * The referral intake port on the database: the store's intake repository (resources, idempotent
 * answer, audit, with its advisory locks) plus the access grants and the outbox, all in one
 * transaction, so a referral is never visible without its grants nor stored without them. The
 * grants join the store's collected writes: one statement writes the whole referral.
 *
 * Referrals of one sender all name the same organisations. The store's lookup by identifier
 * locks the identifier until commit, which would make them wait for each other; a resource found
 * without the lock exists and stays, so the locking lookup runs only for the misses. Should two
 * intakes then change the same resource at once, the later one fails its version check (412)
 * and is run again with locking lookups throughout.
 */
import type { Identifier, Resource } from '@medplum/fhirtypes';
import type { IdentifierLookup, ReferralRepository, ReferralTx, StoredAnswer } from '../intake/ports.js';
import { AccessGrants } from '../access/grants.js';
import type { AuditLog } from '../store/audit-log.js';
import type { Database } from '../store/database.js';
import { DatabaseError } from '../store/errors.js';
import type { IdempotencyStore } from '../store/idempotency.js';
import { StoreIntakeRepository } from '../store/intake-repository.js';
import type { Outbox } from '../store/outbox.js';
import type { ResourceStore } from '../store/resource-store.js';
import { OperationOutcomeError } from '../fhir/outcomes.js';

function isVersionConflict(err: unknown): boolean {
  return err instanceof OperationOutcomeError && !(err instanceof DatabaseError) && err.status === 412;
}

export class GatewayIntakeRepository implements ReferralRepository {
  private readonly inner: StoreIntakeRepository;

  constructor(
    private readonly db: Database,
    private readonly store: ResourceStore,
    private readonly answers: IdempotencyStore,
    auditLog: AuditLog,
    outbox?: Outbox,
  ) {
    this.inner = new StoreIntakeRepository(db, store, answers, auditLog, outbox);
  }

  async answer(key: string): Promise<StoredAnswer | undefined> {
    const found = await this.answers.get(key);
    return found ? { requestHash: found.requestHash, status: found.status, body: found.body } : undefined;
  }

  async transaction<T>(fn: (tx: ReferralTx) => Promise<T>): Promise<T> {
    try {
      return await this.attempt(fn, false);
    } catch (err) {
      if (!isVersionConflict(err)) throw err;
      return this.attempt(fn, true);
    }
  }

  private attempt<T>(fn: (tx: ReferralTx) => Promise<T>, lockAlways: boolean): Promise<T> {
    return this.db.transaction((tx) =>
      this.inner.within(tx, (intake, pending) => {
        const store = this.store.withDb(tx);
        const findByIdentifiers = async (
          lookups: readonly IdentifierLookup[],
        ): Promise<(Resource | undefined)[]> => {
          const found = lockAlways ? lookups.map(() => undefined) : await store.findByIdentifiers(lookups);
          const missing = lookups.flatMap((lookup, n) => (found[n] ? [] : [{ lookup, n }]));
          if (missing.length === 0) return found;
          const locked = await intake.findByIdentifiers(missing.map((m) => m.lookup));
          missing.forEach((m, i) => (found[m.n] = locked[i]));
          return found;
        };
        return fn({
          ...intake,
          findByIdentifier: async <R extends Resource>(type: R['resourceType'], identifier: Identifier) =>
            (await findByIdentifiers([{ type, identifier }]))[0] as R | undefined,
          findByIdentifiers,
          grantAccess: async (grants) => pending.insert(AccessGrants.rows(grants)),
        });
      }),
    );
  }
}
