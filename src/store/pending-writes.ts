/**
 * A unit of work: the writes of one transaction collected (new resource versions, rows for other
 * tables) and sent as one statement by `flush` (see version-writes.ts). What a write returns is
 * what will be stored: the resource with its id, version and time already set.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from './resource-store.js';
import type { InsertRows, NewVersion } from './version-writes.js';

export class PendingWrites {
  private versions: NewVersion[] = [];
  private inserts = new Map<string, InsertRows>();

  /** `store` works in the transaction the writes belong to. */
  constructor(private readonly store: ResourceStore) {}

  /** Version 1 of a resource with its id; a taken id fails the flush with 409. */
  create<T extends Resource>(resource: T & { id: string }): T {
    return this.add(this.store.newVersion(resource, resource.id, 1)) as T;
  }

  /** The version after `replaces`; when that is no longer current at the flush, it fails with 412. */
  update<T extends Resource>(resource: T & { id: string }, replaces: number): T {
    return this.add(this.store.newVersion(resource, resource.id, replaces + 1, replaces)) as T;
  }

  /** Rows for another table, inserted with everything else (rows for one table are merged). */
  insert(rows: InsertRows): void {
    const key = `${rows.table}|${String(rows.ignoreConflicts ?? false)}`;
    const earlier = this.inserts.get(key);
    this.inserts.set(key, earlier ? { ...earlier, rows: [...earlier.rows, ...rows.rows] } : rows);
  }

  /** Sends what was collected; afterwards nothing is pending. */
  async flush(): Promise<void> {
    const versions = this.versions;
    const inserts = [...this.inserts.values()];
    this.versions = [];
    this.inserts = new Map();
    await this.store.writeVersions(versions, inserts);
  }

  private add(version: NewVersion): Resource {
    this.versions.push(version);
    return version.resource;
  }
}
