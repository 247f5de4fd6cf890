/**
 * Rewriting the index rows of stored resources from the registry as it is now: after the index
 * policy or a search parameter changed, every current resource gets the rows the registry gives
 * it, and rows of parameters no longer indexed go (with the values they copied out of the
 * resources). Batches in keyset order, each in one transaction that locks its resources, so a
 * change arriving meanwhile is either before the batch or waits for it.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Database } from './database.js';
import { indexRows } from './index-rows.js';
import type { SearchParamRegistry } from './search-params.js';
import {
  INDEX_TABLES,
  deleteIndexRows,
  indexTableRows,
  writeAll,
  type InsertRows,
} from './version-writes.js';

export interface ReindexOptions {
  /** The types to rewrite (default: every type of the registry). */
  types?: readonly string[];
  /** Resources per transaction (default 500). */
  batch?: number;
  /** Called after each batch with the type and the resources rewritten so far. */
  progress?: (type: string, done: number) => void;
}

export interface ReindexResult {
  /** Resources rewritten, per type. */
  resources: Record<string, number>;
  /** Index rows written in all. */
  rows: number;
}

/** Index rows of one batch, as inserts for `writeAll`: each resource indexed once. */
function inserts(registry: SearchParamRegistry, resources: readonly Resource[]): InsertRows[] {
  const indexed = resources.map((r) => ({
    type: r.resourceType,
    id: r.id ?? '',
    index: indexRows(registry, r),
  }));
  return INDEX_TABLES.map((table) => ({ table: table.name, ...indexTableRows(table, indexed) }));
}

async function reindexBatch(
  db: Database,
  registry: SearchParamRegistry,
  type: string,
  after: string,
  limit: number,
): Promise<{ last?: string; count: number; rows: number }> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; content: Resource }>(
      `SELECT id, content FROM resource WHERE resource_type = $1 AND NOT deleted AND id > $2
       ORDER BY id LIMIT $3 FOR UPDATE`,
      [type, after, limit],
    );
    if (rows.length === 0) return { count: 0, rows: 0 };
    await deleteIndexRows(
      tx,
      type,
      rows.map((r) => r.id),
    );
    const batch = inserts(
      registry,
      rows.map((r) => r.content),
    );
    await writeAll(tx, [], batch);
    return {
      last: rows[rows.length - 1]?.id,
      count: rows.length,
      rows: batch.reduce((n, b) => n + b.rows.length, 0),
    };
  });
}

export async function reindex(
  db: Database,
  registry: SearchParamRegistry,
  options: ReindexOptions = {},
): Promise<ReindexResult> {
  const types = options.types ?? registry.types();
  const unknown = types.filter((t) => !registry.isStored(t));
  if (unknown.length > 0) throw new Error(`not a stored type: ${unknown.join(', ')}`);
  const result: ReindexResult = { resources: {}, rows: 0 };
  for (const type of types) {
    let after = '';
    let done = 0;
    for (;;) {
      const batch = await reindexBatch(db, registry, type, after, options.batch ?? 500);
      if (batch.count === 0 || batch.last === undefined) break;
      after = batch.last;
      done += batch.count;
      result.rows += batch.rows;
      options.progress?.(type, done);
    }
    result.resources[type] = done;
  }
  return result;
}
