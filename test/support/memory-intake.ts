/** An in-memory IntakeRepository for unit tests of intake (the real one is the database store). */
import type { AuditEvent, Identifier, Resource } from '@medplum/fhirtypes';
import type {
  AccessGrant,
  OutboxEntry,
  ReferralRepository,
  ReferralTx,
  StoredAnswer,
} from '../../src/intake/ports.js';

export class MemoryIntakeRepository implements ReferralRepository {
  readonly resources = new Map<string, Resource>();
  readonly answers = new Map<string, StoredAnswer>();
  readonly audits: AuditEvent[] = [];
  readonly grants: AccessGrant[] = [];
  readonly outbox: OutboxEntry[] = [];

  async answer(key: string): Promise<StoredAnswer | undefined> {
    return this.answers.get(key);
  }

  async transaction<T>(fn: (tx: ReferralTx) => Promise<T>): Promise<T> {
    const snapshot = {
      resources: new Map(this.resources),
      answers: new Map(this.answers),
      audits: this.audits.length,
      grants: this.grants.length,
      outbox: this.outbox.length,
    };
    try {
      return await fn(this.tx());
    } catch (err) {
      this.resources.clear();
      snapshot.resources.forEach((v, k) => this.resources.set(k, v));
      this.answers.clear();
      snapshot.answers.forEach((v, k) => this.answers.set(k, v));
      this.audits.length = snapshot.audits;
      this.grants.length = snapshot.grants;
      this.outbox.length = snapshot.outbox;
      throw err;
    }
  }

  ofType(type: string): Resource[] {
    return [...this.resources.values()].filter((r) => r.resourceType === type);
  }

  private findByIdentifier(type: string, id: Identifier): Resource | undefined {
    return this.ofType(type).find((r) =>
      ((r as { identifier?: Identifier[] }).identifier ?? []).some(
        (i) => i.system === id.system && i.value === id.value,
      ),
    );
  }

  private tx(): ReferralTx {
    return {
      findAnswer: async (key) => this.answers.get(key),
      saveAnswer: async (key, a) => void this.answers.set(key, a),
      findByIdentifier: async <T extends Resource>(type: T['resourceType'], id: Identifier) =>
        this.findByIdentifier(type, id) as T | undefined,
      findByIdentifiers: async (lookups) => lookups.map((l) => this.findByIdentifier(l.type, l.identifier)),
      create: async <T extends Resource>(r: T & { id: string }) => {
        const stored = { ...r, meta: { ...r.meta, versionId: '1' } };
        this.resources.set(`${r.resourceType}/${r.id}`, stored);
        return stored;
      },
      update: async <T extends Resource>(r: T & { id: string }) => {
        const prior = this.resources.get(`${r.resourceType}/${r.id}`);
        const stored = {
          ...r,
          meta: { ...r.meta, versionId: String(Number(prior?.meta?.versionId ?? '0') + 1) },
        };
        this.resources.set(`${r.resourceType}/${r.id}`, stored);
        return stored;
      },
      audit: async (e) => void this.audits.push(e),
      grantAccess: async (g) => void this.grants.push(...g),
      enqueue: async (m) => void this.outbox.push(m),
    };
  }
}
