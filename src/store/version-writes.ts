/**
 * Writing many rows in few round trips. New resource versions (their `resource` row, their
 * `resource_history` row and their index rows) and plain inserts into other tables (grants, audit
 * events, an idempotent answer) go to the database as ONE statement of data-modifying CTEs, each
 * fed by one JSON parameter (`json_to_recordset`): a referral of a dozen resources is one round
 * trip instead of one per row set.
 *
 * All parts of one statement see the same snapshot
 * (https://www.postgresql.org/docs/current/queries-with.html#QUERIES-WITH-MODIFYING), so removing
 * the old index rows of an updated resource and inserting its new ones can share it. History and
 * index rows are written only for the versions the statement really wrote: an id already taken
 * (create) or a version that is no longer current (update) writes nothing of that resource and
 * fails the call with 409 or 412 afterwards.
 */
import type { Resource } from '@medplum/fhirtypes';
import { OperationOutcomeError, issue, outcome } from '../fhir/outcomes.js';
import type { Database } from './database.js';
import type { IndexRows } from './index-rows.js';

/** A new version of a resource, stamped (`meta.versionId`, `meta.lastUpdated`) and indexed. */
export interface NewVersion {
  resource: Resource & { id: string };
  version: number;
  /** The version this one replaces (an update); absent for a first version (a create). */
  replaces?: number;
  index: IndexRows;
}

/** A JSON value inside a row: stored in a `jsonb` column. */
export type JsonValue = string | number | boolean | null | object;

/** Rows for one table, inserted as they are. */
export interface InsertRows {
  table: string;
  /** Column name and SQL type, e.g. `['recorded', 'timestamptz']`. */
  columns: readonly (readonly [string, string])[];
  rows: readonly Record<string, JsonValue>[];
  /** `ON CONFLICT DO NOTHING` (a grant already held, for instance). */
  ignoreConflicts?: boolean;
}

interface IndexTable {
  name: string;
  /** Columns besides resource_type and resource_id, with their SQL types. */
  columns: readonly (readonly [string, string])[];
  rows(index: IndexRows): Record<string, string | null>[];
}

export const INDEX_TABLES: readonly IndexTable[] = [
  {
    name: 'search_token',
    columns: [
      ['param', 'text'],
      ['system', 'text'],
      ['code', 'text'],
    ],
    rows: (r) => r.token.map((t) => ({ param: t.param, system: t.system, code: t.code })),
  },
  {
    name: 'search_reference',
    columns: [
      ['param', 'text'],
      ['target_type', 'text'],
      ['target_id', 'text'],
      ['reference', 'text'],
    ],
    rows: (r) =>
      r.reference.map((t) => ({
        param: t.param,
        target_type: t.targetType,
        target_id: t.targetId,
        reference: t.reference,
      })),
  },
  {
    name: 'search_date',
    columns: [
      ['param', 'text'],
      ['start_at', 'timestamptz'],
      ['end_at', 'timestamptz'],
    ],
    rows: (r) => r.date.map((t) => ({ param: t.param, start_at: t.start, end_at: t.end })),
  },
  {
    name: 'search_string',
    columns: [
      ['param', 'text'],
      ['value', 'text'],
      ['norm', 'text'],
    ],
    rows: (r) => r.string.map((t) => ({ param: t.param, value: t.value, norm: t.norm })),
  },
  {
    name: 'search_number',
    columns: [
      ['param', 'text'],
      ['value', 'numeric'],
    ],
    rows: (r) => r.number.map((t) => ({ param: t.param, value: t.value })),
  },
  {
    name: 'search_uri',
    columns: [
      ['param', 'text'],
      ['value', 'text'],
    ],
    rows: (r) => r.uri.map((t) => ({ param: t.param, value: t.value })),
  },
];

/** A resource (by type and id) with its index rows. */
export interface IndexedResource {
  type: string;
  id: string;
  index: IndexRows;
}

/** The rows `table` gets for `resources`, with the columns that name each row's resource first. */
export function indexTableRows(
  table: IndexTable,
  resources: readonly IndexedResource[],
): Pick<InsertRows, 'columns' | 'rows'> {
  return {
    columns: [['resource_type', 'text'], ['resource_id', 'text'], ...table.columns],
    rows: resources.flatMap((r) =>
      table.rows(r.index).map((row) => ({ resource_type: r.type, resource_id: r.id, ...row })),
    ),
  };
}

/** Removes every index row of the resources of `type` with these ids (one statement per table). */
export async function deleteIndexRows(db: Database, type: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const params = [type, JSON.stringify(ids)];
  for (const table of INDEX_TABLES) {
    await db.query(
      `DELETE FROM ${table.name} WHERE resource_type = $1
       AND resource_id IN (SELECT jsonb_array_elements_text($2::jsonb))`,
      params,
    );
  }
}

/** What a statement wrote, checked against what it was asked to write. */
interface Written {
  created: number;
  updated: number;
}

function fail(status: number, code: 'duplicate' | 'conflict', message: string): OperationOutcomeError {
  return new OperationOutcomeError(outcome([issue({ code, message })]), status);
}

/** `(a text, b jsonb)`: the record type `json_to_recordset` reads a parameter as. */
function recordType(columns: readonly (readonly [string, string])[]): string {
  return `(${columns.map(([name, type]) => `${name} ${type}`).join(', ')})`;
}

/** Builds the statement and its parameters; each part is added only when it has rows. */
class Statement {
  readonly ctes: string[] = [];
  readonly params: string[] = [];

  param(rows: readonly object[]): string {
    this.params.push(JSON.stringify(rows));
    return `$${String(this.params.length)}::json`;
  }

  cte(name: string, sql: string): void {
    this.ctes.push(`${name} AS (${sql})`);
  }
}

const VERSION_COLUMNS = [
  ['resource_type', 'text'],
  ['id', 'text'],
  ['version', 'integer'],
  ['replaces', 'integer'],
  ['last_updated', 'timestamptz'],
  ['content', 'jsonb'],
] as const;

function addVersions(s: Statement, versions: readonly NewVersion[]): void {
  const creates = versions.filter((v) => v.replaces === undefined);
  const updates = versions.filter((v) => v.replaces !== undefined);
  const rows = versions.map((v) => ({
    resource_type: v.resource.resourceType,
    id: v.resource.id,
    version: v.version,
    replaces: v.replaces ?? null,
    last_updated: v.resource.meta?.lastUpdated ?? null,
    content: v.resource,
  }));
  s.cte('v', `SELECT * FROM json_to_recordset(${s.param(rows)}) AS x${recordType(VERSION_COLUMNS)}`);
  s.cte(
    'ins',
    creates.length === 0
      ? 'SELECT NULL::text AS resource_type, NULL::text AS id WHERE false'
      : `INSERT INTO resource (resource_type, id, version, last_updated, deleted, content)
         SELECT resource_type, id, version, last_updated, false, content FROM v WHERE replaces IS NULL
         ON CONFLICT DO NOTHING RETURNING resource_type, id`,
  );
  s.cte(
    'upd',
    updates.length === 0
      ? 'SELECT NULL::text AS resource_type, NULL::text AS id WHERE false'
      : `UPDATE resource r SET version = v.version, last_updated = v.last_updated, deleted = false, content = v.content
         FROM v WHERE v.replaces IS NOT NULL AND r.resource_type = v.resource_type AND r.id = v.id AND r.version = v.replaces
         RETURNING r.resource_type, r.id`,
  );
  s.cte('written', 'SELECT resource_type, id FROM ins UNION ALL SELECT resource_type, id FROM upd');
  s.cte(
    'hist',
    `INSERT INTO resource_history (resource_type, id, version, last_updated, deleted, content)
     SELECT v.resource_type, v.id, v.version, v.last_updated, false, v.content FROM v JOIN written w USING (resource_type, id)`,
  );
  INDEX_TABLES.forEach((table, n) => {
    if (updates.length > 0)
      s.cte(
        `del${String(n)}`,
        `DELETE FROM ${table.name} s USING upd u WHERE s.resource_type = u.resource_type AND s.resource_id = u.id`,
      );
    const { columns, rows: indexRows } = indexTableRows(
      table,
      versions.map((v) => ({ type: v.resource.resourceType, id: v.resource.id, index: v.index })),
    );
    if (indexRows.length === 0) return;
    const names = columns.map(([name]) => name).join(', ');
    s.cte(
      `idx${String(n)}`,
      `INSERT INTO ${table.name} (${names})
       SELECT ${columns.map(([name]) => `x.${name}`).join(', ')} FROM json_to_recordset(${s.param(indexRows)}) AS x${recordType(columns)}
       JOIN written w ON w.resource_type = x.resource_type AND w.id = x.resource_id`,
    );
  });
}

function addInserts(s: Statement, inserts: readonly InsertRows[]): void {
  inserts.forEach((set, n) => {
    if (set.rows.length === 0) return;
    const names = set.columns.map(([name]) => name).join(', ');
    s.cte(
      `put${String(n)}`,
      `INSERT INTO ${set.table} (${names}) SELECT ${names} FROM json_to_recordset(${s.param(set.rows)}) AS x${recordType(set.columns)}${set.ignoreConflicts ? ' ON CONFLICT DO NOTHING' : ''}`,
    );
  });
}

/**
 * Writes `versions` and `inserts` in one statement. Fails with 409 when a created id is taken and
 * with 412 when an updated resource is no longer at the version it replaces; the caller's
 * transaction must then be rolled back (other parts of the statement were written).
 */
export async function writeAll(
  db: Database,
  versions: readonly NewVersion[],
  inserts: readonly InsertRows[] = [],
): Promise<void> {
  if (versions.length === 0 && inserts.every((i) => i.rows.length === 0)) return;
  const s = new Statement();
  if (versions.length > 0) addVersions(s, versions);
  addInserts(s, inserts);
  const result =
    versions.length > 0
      ? 'SELECT (SELECT count(*) FROM ins)::integer AS created, (SELECT count(*) FROM upd)::integer AS updated'
      : 'SELECT 0 AS created, 0 AS updated';
  const { rows } = await db.query<Written>(`WITH ${s.ctes.join(',\n')}\n${result}`, s.params);
  const written = rows[0] ?? { created: 0, updated: 0 };
  const creates = versions.filter((v) => v.replaces === undefined).length;
  if (written.created < creates) throw fail(409, 'duplicate', 'A resource with this id already exists.');
  if (written.updated < versions.length - creates)
    throw fail(412, 'conflict', 'Version conflict: the resource changed meanwhile.');
}
