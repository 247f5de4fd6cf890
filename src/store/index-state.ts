/**
 * Keeping the search index rows in step with the build. Each resource type's rows are written
 * for the parameters the registry indexes; `index_state` (migration 0008) records a fingerprint
 * of those parameters per type. At start the gateway compares it with the registry's: a type
 * whose parameters changed (a new index policy, another expression) and that has stored
 * resources gets its rows rewritten (`reindex`) before the gateway answers a search, so a search
 * never misses a resource because its rows were written by an older build. A fresh database
 * only records the fingerprints.
 *
 * Several instances starting at once may each rewrite the same type: the batches lock their
 * resources, so the result is the same, only the work is done twice (`serve --workers N` does it
 * once, in the primary, before the workers start).
 */
import { createHash } from 'node:crypto';
import type { Database } from './database.js';
import { reindex } from './reindex.js';
import type { SearchParamRegistry } from './search-params.js';

/** Raised when the layout of index rows changes in code rather than through the registry. */
const INDEX_FORMAT = 1;

/** The fingerprint of what the registry indexes for `type`. */
export function indexFingerprint(registry: SearchParamRegistry, type: string): string {
  const params = registry
    .indexed(type)
    .map((p) => [p.name, p.type, p.expression, p.targets ? [...p.targets].sort() : null])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return createHash('sha256')
    .update(JSON.stringify([INDEX_FORMAT, params]))
    .digest('base64url');
}

export interface IndexReconciliation {
  /** Types whose fingerprint was new or changed. */
  changed: string[];
  /** Of those, the resources rewritten per type (types without stored resources are absent). */
  reindexed: Record<string, number>;
}

/** Rewrites the index rows of every type whose indexed parameters changed, then records them. */
export async function reconcileIndexes(
  db: Database,
  registry: SearchParamRegistry,
  now: () => Date = () => new Date(),
): Promise<IndexReconciliation> {
  const { rows } = await db.query<{ resource_type: string; fingerprint: string }>(
    'SELECT resource_type, fingerprint FROM index_state',
  );
  const stored = new Map(rows.map((r) => [r.resource_type, r.fingerprint]));
  const fingerprints = new Map(registry.types().map((t) => [t, indexFingerprint(registry, t)]));
  const changed = [...fingerprints].filter(([t, f]) => stored.get(t) !== f).map(([t]) => t);
  if (changed.length === 0) return { changed, reindexed: {} };
  const present = await db.query<{ resource_type: string }>(
    `SELECT t.resource_type FROM jsonb_array_elements_text($1::jsonb) AS t(resource_type)
     WHERE EXISTS (SELECT 1 FROM resource r WHERE r.resource_type = t.resource_type)`,
    [JSON.stringify(changed)],
  );
  const types = present.rows.map((r) => r.resource_type);
  const result = types.length > 0 ? await reindex(db, registry, { types }) : { resources: {} };
  await recordIndexState(db, registry, changed, now);
  return { changed, reindexed: result.resources };
}

/** Records that the rows of `types` are written for the registry's parameters (after a reindex). */
export async function recordIndexState(
  db: Database,
  registry: SearchParamRegistry,
  types: readonly string[],
  now: () => Date = () => new Date(),
): Promise<void> {
  await db.query(
    `INSERT INTO index_state (resource_type, fingerprint, updated_at)
     SELECT e->>0, e->>1, $2::timestamptz FROM jsonb_array_elements($1::jsonb) e
     ON CONFLICT (resource_type) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, updated_at = EXCLUDED.updated_at`,
    [JSON.stringify(types.map((t) => [t, indexFingerprint(registry, t)])), now().toISOString()],
  );
}
