/**
 * FHIR resources as versioned JSONB: create, read, vread, update with optimistic concurrency,
 * soft delete, history and search (https://hl7.org/fhir/R4/http.html).
 *
 * The store sets `id` (when absent), `meta.versionId` and `meta.lastUpdated`. Every write stores
 * the new version in `resource` and `resource_history` and rebuilds the resource's index rows,
 * in one transaction; inside a caller's transaction it joins that one.
 */
import { randomUUID } from 'node:crypto';
import type { Identifier, Resource } from '@medplum/fhirtypes';
import { OperationOutcomeError, issue, notFound, outcome } from '../fhir/outcomes.js';
import type { Database } from './database.js';
import { DatabaseError } from './errors.js';
import { indexRows } from './index-rows.js';
import type { SearchInput } from './search.js';
import { RESULT_PARAMETERS, SearchBuilder, SqlParams, orderBy, pairsOf } from './search.js';
import type { SearchParamInfo, SearchParamRegistry } from './search-params.js';
import { deleteIndexRows, type InsertRows, type NewVersion, writeAll } from './version-writes.js';

export interface ResourceStoreOptions {
  registry: SearchParamRegistry;
  clock?: () => Date;
  newId?: () => string;
}

export interface WriteResult<T extends Resource> {
  resource: T;
  /** True when this call created the resource (201), false when it updated or found it (200). */
  created: boolean;
}

export interface CreateOptions {
  /** Conditional create: a search (`identifier=system|value`); when it finds one, that resource is returned. */
  ifNoneExist?: SearchInput | string;
}

export interface UpdateOptions {
  /** The version the caller last saw (`3` or `W/"3"`); another current version fails with 412. */
  ifMatch?: string;
}

/** A resource looked up by one of its identifiers. */
export interface IdentifierLookup {
  type: string;
  identifier: Identifier;
}

export interface HistoryEntry {
  versionId: string;
  lastUpdated: string;
  deleted: boolean;
  /** Absent for a delete. */
  resource?: Resource;
}

export interface SearchResult<T extends Resource = Resource> {
  resources: T[];
  /** With `_total=accurate` only. */
  total?: number;
  /** The `_offset` of the next page, when there is one. */
  nextOffset?: number;
}

/** FHIR ids: https://hl7.org/fhir/R4/datatypes.html#id */
const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

interface ResourceRow {
  version: number;
  deleted: boolean;
  content: Resource | null;
}

/** Ids and values stay out of messages: an id chosen by a client may be anything, even a BSN. */
function fail(
  status: number,
  code: 'not-found' | 'deleted' | 'conflict' | 'duplicate' | 'invalid' | 'not-supported',
  message: string,
): OperationOutcomeError {
  return new OperationOutcomeError(outcome([issue({ code, message })]), status);
}

function versionOf(ifMatch: string): number {
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(ifMatch.trim());
  if (!match?.[1]) throw fail(400, 'invalid', 'If-Match must name a version, e.g. W/"3".');
  return Number(match[1]);
}

function searchParamsOf(input: SearchInput | string): SearchInput {
  return typeof input === 'string' ? new URLSearchParams(input) : input;
}

function canonicalQuery(input: SearchInput): string {
  const sorted = new URLSearchParams(pairsOf(input));
  sorted.sort();
  return sorted.toString();
}

export class ResourceStore {
  private readonly registry: SearchParamRegistry;
  private readonly clock: () => Date;
  private readonly newId: () => string;
  private readonly search_: SearchBuilder;

  constructor(
    private readonly db: Database,
    options: ResourceStoreOptions,
  ) {
    this.registry = options.registry;
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
    this.search_ = new SearchBuilder(options.registry);
  }

  /** The same store working inside the transaction `tx`. */
  withDb(tx: Database): ResourceStore {
    return new ResourceStore(tx, { registry: this.registry, clock: this.clock, newId: this.newId });
  }

  /** The search parameters `search(type, ...)` accepts (for the CapabilityStatement). */
  supportedSearchParams(type: string): SearchParamInfo[] {
    return this.registry.supportedSearchParams(type);
  }

  /** The resource types this store keeps. */
  types(): string[] {
    return this.registry.types();
  }

  private checkType(type: string): void {
    if (!this.registry.isStored(type))
      throw fail(400, 'not-supported', `Resources of type ${type} are not stored here.`);
  }

  private checkId(id: string): void {
    if (!ID_PATTERN.test(id))
      throw fail(400, 'invalid', 'A resource id is 1-64 letters, digits, "-" or ".".');
  }

  /**
   * Stores a new resource with its own `id`, or a new UUID when it has none; an id already in use
   * (even by a deleted resource) fails with 409. With `ifNoneExist`, a resource the search finds is
   * returned instead (`created: false`); two or more found fail with 412.
   */
  async create<T extends Resource>(resource: T, options: CreateOptions = {}): Promise<WriteResult<T>> {
    this.checkType(resource.resourceType);
    const id = resource.id ?? this.newId();
    this.checkId(id);
    return this.db.transaction(async (tx) => {
      const store = this.withDb(tx);
      if (options.ifNoneExist !== undefined) {
        const existing = await store.findExisting<T>(
          resource.resourceType,
          searchParamsOf(options.ifNoneExist),
        );
        if (existing) return { resource: existing, created: false };
      }
      const stored = await store.insertFirstVersion(resource, id);
      if (!stored) throw fail(409, 'duplicate', `A ${resource.resourceType} with this id already exists.`);
      return { resource: stored, created: true };
    });
  }

  /**
   * The one match of a conditional create. A transaction-level advisory lock on the query makes
   * two concurrent creates with the same condition take turns, so the second finds the first.
   */
  private async findExisting<T extends Resource>(type: string, query: SearchInput): Promise<T | undefined> {
    await this.db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${type}?${canonicalQuery(query)}`]);
    const condition = new URLSearchParams(canonicalQuery(query));
    RESULT_PARAMETERS.forEach((name) => condition.delete(name));
    // An empty condition matches everything: that is a client error, not a match.
    if ([...condition.keys()].length === 0)
      throw fail(400, 'invalid', 'A conditional create needs a search condition.');
    condition.set('_count', '2');
    const found = await this.search<T>(type, condition);
    if (found.resources.length > 1)
      throw fail(412, 'duplicate', 'The condition matches more than one resource.');
    return found.resources[0];
  }

  /** Version 1 of `resource` with `id`, or undefined when the id is taken. */
  private async insertFirstVersion<T extends Resource>(resource: T, id: string): Promise<T | undefined> {
    const version = this.newVersion(resource, id, 1);
    try {
      await writeAll(this.db, [version]);
    } catch (err) {
      // A taken id wrote nothing; a database error has aborted the transaction and must surface.
      if (err instanceof OperationOutcomeError && !(err instanceof DatabaseError) && err.status === 409)
        return undefined;
      throw err;
    }
    return version.resource as T;
  }

  /**
   * A version of `resource` ready to be written with `writeVersions`: stamped with `id`, `version`
   * and the store's clock, with its index rows. `replaces` is the version it supersedes (none for
   * a first version).
   */
  newVersion<T extends Resource>(resource: T, id: string, version: number, replaces?: number): NewVersion {
    this.checkType(resource.resourceType);
    this.checkId(id);
    const stored = this.stamp(resource, id, version);
    return {
      resource: stored,
      version,
      ...(replaces !== undefined ? { replaces } : {}),
      index: indexRows(this.registry, stored),
    };
  }

  /**
   * Writes versions made by `newVersion` and other rows in one statement (see version-writes.ts):
   * 409 when a first version's id is taken, 412 when a replaced version is no longer current.
   * Run it inside a transaction: on failure, part of it may have been written.
   */
  async writeVersions(versions: readonly NewVersion[], inserts: readonly InsertRows[] = []): Promise<void> {
    await writeAll(this.db, versions, inserts);
  }

  /** The resource with the id, version and time the store assigns. */
  private stamp<T extends Resource>(resource: T, id: string, version: number): T & { id: string } {
    const meta = { ...resource.meta, versionId: String(version), lastUpdated: this.clock().toISOString() };
    // Spreading a generic loses its type in TypeScript; the result is a T with id and meta set.
    return { ...resource, id, meta } as T & { id: string };
  }

  /**
   * Stores a new version of `resource` (which needs an `id`); creates it when there is none
   * (update as create). With `ifMatch`, the current version must be that one, else 412.
   */
  async update<T extends Resource>(resource: T, options: UpdateOptions = {}): Promise<WriteResult<T>> {
    this.checkType(resource.resourceType);
    const id = resource.id;
    if (!id) throw fail(400, 'invalid', 'An update needs the resource id.');
    this.checkId(id);
    const expected = options.ifMatch === undefined ? undefined : versionOf(options.ifMatch);
    return this.db.transaction(async (tx) => {
      const store = this.withDb(tx);
      const current = await store.lockCurrent(resource.resourceType, id);
      if (!current) {
        if (expected !== undefined)
          throw fail(412, 'conflict', `The ${resource.resourceType} does not exist; If-Match cannot hold.`);
        const stored = await store.insertFirstVersion(resource, id);
        // Lost a race with another update-as-create of the same id: that one is now current.
        if (!stored) return store.update(resource, options);
        return { resource: stored, created: true };
      }
      if (expected !== undefined && expected !== current.version) {
        throw fail(
          412,
          'conflict',
          `Version conflict: the current version is ${String(current.version)}, not ${String(expected)}.`,
        );
      }
      return { resource: await store.writeVersion(resource, id, current.version + 1), created: false };
    });
  }

  private async lockCurrent(type: string, id: string): Promise<ResourceRow | undefined> {
    const { rows } = await this.db.query<ResourceRow>(
      'SELECT version, deleted, content FROM resource WHERE resource_type = $1 AND id = $2 FOR UPDATE',
      [type, id],
    );
    return rows[0];
  }

  private async writeVersion<T extends Resource>(resource: T, id: string, version: number): Promise<T> {
    const next = this.newVersion(resource, id, version, version - 1);
    await writeAll(this.db, [next]);
    return next.resource as T;
  }

  /** Soft delete: a new version without content; history stays. Deleting a deleted resource is a no-op. */
  async delete(type: string, id: string, options: UpdateOptions = {}): Promise<{ versionId: string }> {
    this.checkType(type);
    const expected = options.ifMatch === undefined ? undefined : versionOf(options.ifMatch);
    return this.db.transaction(async (tx) => {
      const store = this.withDb(tx);
      const current = await store.lockCurrent(type, id);
      if (!current) throw new OperationOutcomeError(notFound(`The ${type} does not exist.`), 404);
      if (expected !== undefined && expected !== current.version) {
        throw fail(
          412,
          'conflict',
          `Version conflict: the current version is ${String(current.version)}, not ${String(expected)}.`,
        );
      }
      if (current.deleted) return { versionId: String(current.version) };
      const version = current.version + 1;
      const now = this.clock().toISOString();
      await tx.query(
        'UPDATE resource SET version = $3, last_updated = $4::timestamptz, deleted = true, content = NULL WHERE resource_type = $1 AND id = $2',
        [type, id, version, now],
      );
      await tx.query(
        'INSERT INTO resource_history (resource_type, id, version, last_updated, deleted, content) VALUES ($1, $2, $3, $4::timestamptz, true, NULL)',
        [type, id, version, now],
      );
      await deleteIndexRows(tx, type, [id]);
      return { versionId: String(version) };
    });
  }

  /** The current version; 404 when unknown, 410 when deleted. */
  async read<T extends Resource>(type: string, id: string): Promise<T> {
    this.checkType(type);
    const { rows } = await this.db.query<ResourceRow>(
      'SELECT version, deleted, content FROM resource WHERE resource_type = $1 AND id = $2',
      [type, id],
    );
    const row = rows[0];
    if (!row) throw fail(404, 'not-found', `The ${type} does not exist.`);
    if (row.deleted || !row.content) throw fail(410, 'deleted', `The ${type} has been deleted.`);
    return row.content as T;
  }

  /** One version; 404 when unknown, 410 when that version is a delete. */
  async vread<T extends Resource>(type: string, id: string, versionId: string): Promise<T> {
    this.checkType(type);
    if (!/^\d{1,9}$/.test(versionId)) throw fail(404, 'not-found', `The ${type} has no such version.`);
    const { rows } = await this.db.query<ResourceRow>(
      'SELECT version, deleted, content FROM resource_history WHERE resource_type = $1 AND id = $2 AND version = $3',
      [type, id, Number(versionId)],
    );
    const row = rows[0];
    if (!row) throw fail(404, 'not-found', `The ${type} has no such version.`);
    if (row.deleted || !row.content) throw fail(410, 'deleted', `That version of the ${type} is a deletion.`);
    return row.content as T;
  }

  /** Every version, newest first; 404 when the resource never existed. */
  async history(type: string, id: string): Promise<HistoryEntry[]> {
    this.checkType(type);
    const { rows } = await this.db.query<{
      version: number;
      last_updated: Date;
      deleted: boolean;
      content: Resource | null;
    }>(
      'SELECT version, last_updated, deleted, content FROM resource_history WHERE resource_type = $1 AND id = $2 ORDER BY version DESC',
      [type, id],
    );
    if (rows.length === 0) throw fail(404, 'not-found', `The ${type} does not exist.`);
    return rows.map((r) => ({
      versionId: String(r.version),
      lastUpdated: r.last_updated.toISOString(),
      deleted: r.deleted,
      ...(r.content ? { resource: r.content } : {}),
    }));
  }

  /** FHIR search on one type; see search.ts for what is supported. */
  async search<T extends Resource = Resource>(
    type: string,
    input: SearchInput = {},
  ): Promise<SearchResult<T>> {
    this.checkType(type);
    const p = new SqlParams();
    const typeParam = p.add(type);
    const parsed = this.search_.parse(type, input, p);
    const where = [`r.resource_type = ${typeParam}`, 'NOT r.deleted', ...parsed.where].join(' AND ');
    const result: SearchResult<T> = { resources: [] };
    if (parsed.count > 0) {
      const order = orderBy(parsed.sort, p);
      const page = await this.db.query<{ content: T }>(
        `SELECT r.content FROM resource r WHERE ${where} ORDER BY ${order} LIMIT ${String(parsed.count + 1)} OFFSET ${String(parsed.offset)}`,
        p.values,
      );
      result.resources = page.rows.slice(0, parsed.count).map((r) => r.content);
      if (page.rows.length > parsed.count) result.nextOffset = parsed.offset + parsed.count;
    }
    if (parsed.total) {
      const counted = await this.db.query<{ total: number }>(
        `SELECT count(*)::integer AS total FROM resource r WHERE ${where}`,
        p.values,
      );
      result.total = counted.rows[0]?.total ?? 0;
    }
    return result;
  }

  /** The current resource of `type` with this identifier, if any (a convenience over search). */
  async findByIdentifier<T extends Resource>(type: string, identifier: Identifier): Promise<T | undefined> {
    const escape = (s: string): string => s.replace(/[\\|,$]/g, (c) => `\\${c}`);
    const token = `${identifier.system ? escape(identifier.system) : ''}|${escape(identifier.value ?? '')}`;
    const found = await this.search<T>(type, { identifier: token, _count: '1' });
    return found.resources[0];
  }

  /**
   * Several lookups by identifier in one query: for each, the current resource of that type with
   * that identifier (`system|value`; no system means none), as `findByIdentifier` finds it.
   */
  async findByIdentifiers(lookups: readonly IdentifierLookup[]): Promise<(Resource | undefined)[]> {
    if (lookups.length === 0) return [];
    lookups.forEach((l) => this.checkType(l.type));
    const query = lookups.map((l, n) => ({
      n,
      type: l.type,
      system: l.identifier.system ?? null,
      value: l.identifier.value ?? '',
    }));
    const { rows } = await this.db.query<{ n: number; content: Resource | null }>(
      `SELECT q.n, (SELECT r.content FROM search_token s JOIN resource r ON r.resource_type = s.resource_type AND r.id = s.resource_id
         WHERE s.resource_type = q.type AND s.param = 'identifier' AND s.code = q.value
           AND s.system IS NOT DISTINCT FROM q.system AND NOT r.deleted
         ORDER BY r.last_updated, r.id LIMIT 1) AS content
       FROM json_to_recordset($1::json) AS q(n integer, type text, system text, value text)`,
      [JSON.stringify(query)],
    );
    const found: (Resource | undefined)[] = lookups.map(() => undefined);
    for (const row of rows) if (row.content) found[row.n] = row.content;
    return found;
  }
}
