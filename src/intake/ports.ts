/**
 * What intake needs from storage, as a narrow port: the store implements it; tests can too.
 * Everything inside one `transaction` is stored together or not at all. The store collects the
 * writes (create, update, audit, saveAnswer, grants) and sends them in one go when the
 * transaction's function resolves, so a write's failure (an id taken, a version changed) may
 * surface only then, failing the whole transaction.
 */
import type { AuditEvent, Identifier, Resource } from '@medplum/fhirtypes';

export interface StoredAnswer {
  requestHash: string;
  status: number;
  body: unknown;
}

export interface IntakeTx {
  findAnswer(key: string): Promise<StoredAnswer | undefined>;
  saveAnswer(key: string, answer: StoredAnswer): Promise<void>;
  /** The current resource of this type with this identifier, if stored. */
  findByIdentifier<T extends Resource>(
    type: T['resourceType'],
    identifier: Identifier,
  ): Promise<T | undefined>;
  /** Several lookups by identifier at once: the resource found for each, in the same order. */
  findByIdentifiers(lookups: readonly IdentifierLookup[]): Promise<(Resource | undefined)[]>;
  /** Creates with the given id (the caller assigns ids so references can be rewritten first). */
  create<T extends Resource>(resource: T & { id: string }): Promise<T>;
  update<T extends Resource>(resource: T & { id: string }): Promise<T>;
  audit(event: AuditEvent): Promise<void>;
  /** Queues a message for delivery (the outbox), committed with everything else. */
  enqueue(message: OutboxEntry): Promise<void>;
}

export interface IdentifierLookup {
  type: string;
  identifier: Identifier;
}

export interface OutboxEntry {
  /** The receiving organisation's `id` in the configuration. */
  receiver: string;
  /** References only, never client data. */
  payload: unknown;
}

export interface IntakeRepository {
  transaction<T>(fn: (tx: IntakeTx) => Promise<T>): Promise<T>;
}

/** An organisation by its AGB or URA identifier. */
export interface OrganisationKey {
  system: string;
  value: string;
}

/**
 * One organisation may see one stored resource (`Type/id`). Access is denied by default: a
 * resource without a grant for the caller's organisation is invisible to it.
 */
export interface AccessGrant {
  reference: string;
  organisation: OrganisationKey;
}

/** What referral intake needs: the storage port plus the access grants of what it stores, in the same transaction. */
export interface ReferralTx extends IntakeTx {
  grantAccess(grants: readonly AccessGrant[]): Promise<void>;
}

export interface ReferralRepository {
  transaction<T>(fn: (tx: ReferralTx) => Promise<T>): Promise<T>;
  /**
   * The answer stored under `key`, read without waiting for an intake that may be storing one
   * (a cheap first look; inside a transaction, `findAnswer` waits).
   */
  answer(key: string): Promise<StoredAnswer | undefined>;
}
