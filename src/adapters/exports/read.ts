/**
 * Reading a record export into one record per client: the files of the export (CSV per table, or
 * JSON with the tables nested per client) become rows with located cells (tabular/records.ts),
 * and every row joins its client by the client's key. A row that cannot be read, that names no
 * client or a client the export does not hold, is reported where it stands; the other clients
 * still convert. A file that is no table of the spec is named in the report, never skipped silently.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../../fhir/outcomes.js';
import { parseJsonText } from '../../fhir/json.js';
import {
  type InputFile,
  type ParsedRecord,
  type ParseResult,
  recordError,
  unmappedIssue,
  unreadableIssue,
} from '../framework.js';
import type { SourceItem } from '../rules/engine.js';
import { readRecords } from '../tabular/read.js';
import { jsonRecords, type RecordOrProblem, type TabularRecord } from '../tabular/records.js';
import { decodeText } from '../tabular/text.js';
import type { ExportSpec, TableDef } from './spec.js';

/** One client's part of an export: the items the rules read, and the tables the export had. */
export interface ClientExport {
  location: string;
  /** The client's key in the export (ids derive from it, so they stay when rows move). */
  key: string;
  items: SourceItem[];
  /** Tables present in the export (an empty one means "nothing recorded", not "not available"). */
  presentTables: Set<string>;
}

export interface ReadLimits {
  maxBytes: number;
  maxFiles: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxBytes: 20 * 1024 * 1024, maxFiles: 100 };

/** A row; a JSON row nested in a client carries its client's position. */
type Row = TabularRecord & { clientRef?: string };

interface TableRows {
  table: string;
  rows: Row[];
}

export function readExport(
  files: readonly InputFile[],
  spec: ExportSpec,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): ParseResult<ClientExport> {
  const issues: OperationOutcomeIssue[] = [];
  if (files.length === 0) return refuse('The export holds no file', 'required');
  if (files.length > limits.maxFiles)
    return refuse(`The export has ${files.length} files; at most ${limits.maxFiles} are read`, 'too-costly');
  const total = files.reduce((n, f) => n + f.bytes.length, 0);
  if (total > limits.maxBytes)
    return refuse(`The export has ${total} bytes; at most ${limits.maxBytes} are accepted`, 'too-costly');
  const label = (f: InputFile): string | undefined => (files.length > 1 ? f.name : undefined);
  const tables: TableRows[] = [];
  for (const f of files) {
    const read =
      spec.layout === 'csv'
        ? readCsvFile(f, label(f), spec, files.length === 1)
        : readJsonFile(f, label(f), spec);
    issues.push(...read.issues);
    tables.push(...read.tables);
  }
  if (issues.some((i) => i.severity === 'fatal') && !tables.some((t) => t.table === spec.clients))
    return { records: [], issues };
  return joinClients(tables, spec, issues);
}

function refuse(message: string, code: OperationOutcomeIssue['code']): ParseResult<ClientExport> {
  return { records: [], issues: [unreadableIssue({ location: 'input', message }, code)] };
}

// ---------------------------------------------------------------------------------------------
// CSV: one file per table
// ---------------------------------------------------------------------------------------------

function tableOfFile(name: string, spec: ExportSpec): string | undefined {
  const base = name.split(/[\\/]/).pop()?.toLowerCase() ?? '';
  return Object.entries(spec.tables).find(
    ([, t]) => t.file !== undefined && globMatch(t.file.toLowerCase(), base),
  )?.[0];
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}

function readCsvFile(
  f: InputFile,
  file: string | undefined,
  spec: ExportSpec,
  single: boolean,
): { tables: TableRows[]; issues: OperationOutcomeIssue[] } {
  // A single file given on its own is the clients table (the CLI and the HTTP route pass one file).
  const table = tableOfFile(f.name, spec) ?? (single ? spec.clients : undefined);
  if (!table)
    return {
      tables: [],
      issues: [
        unmappedIssue({
          location: f.name,
          message: 'The file is not a table of this mapping; it is not read',
        }),
      ],
    };
  const read = readRecords(f.bytes, {
    file,
    encoding: spec.encoding,
    delimiter: spec.delimiter,
    jsonKey: table,
    maxBytes: Number.MAX_SAFE_INTEGER,
  });
  return { tables: [{ table, rows: goodRows(read.records, read.issues) }], issues: read.issues };
}

/** The rows that could be read; each one that could not is an issue at its place. */
function goodRows(records: readonly RecordOrProblem[], issues: OperationOutcomeIssue[]): TabularRecord[] {
  const rows: TabularRecord[] = [];
  for (const r of records) {
    if (r.ok) rows.push(r.record);
    else issues.push(r.issue);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// JSON: the clients array at the root, their tables nested in each client
// ---------------------------------------------------------------------------------------------

function readJsonFile(
  f: InputFile,
  file: string | undefined,
  spec: ExportSpec,
): { tables: TableRows[]; issues: OperationOutcomeIssue[] } {
  const where = file ?? 'input';
  const decoded = decodeText(f.bytes, where, spec.encoding, Number.MAX_SAFE_INTEGER);
  if (!decoded.ok) return { tables: [], issues: [decoded.issue] };
  let root: unknown;
  try {
    root = parseJsonText(decoded.text);
  } catch (err) {
    const why = err instanceof OperationOutcomeError ? (err.outcome.issue?.[0]?.diagnostics ?? '') : '';
    return {
      tables: [],
      issues: [unreadableIssue({ location: where, message: `The input is not readable JSON. ${why}` })],
    };
  }
  if (!isObject(root))
    return {
      tables: [],
      issues: [unreadableIssue({ location: where, message: 'The export is not a JSON object' })],
    };
  const pre = file ? `${file} ` : '';
  const issues: OperationOutcomeIssue[] = [];
  const tables: TableRows[] = [];
  const clientsDef = spec.tables[spec.clients] ?? {};
  const nested = Object.entries(spec.tables).filter(([n, t]) => n !== spec.clients && !t.root);
  const rootTables = Object.entries(spec.tables).filter(([n, t]) => n === spec.clients || t.root);
  const rootKeys = new Set(rootTables.map(([, t]) => t.path ?? ''));
  // A table with path `.` is the root's own members that no other table claims (an export date).
  const claimed = (k: string): boolean => rootKeys.has(k) || rootKeys.has('.');
  for (const key of Object.keys(root).filter((k) => !claimed(k)))
    issues.push(
      unmappedIssue({
        location: `${pre}/${pointerPart(key)}`,
        message: 'No table of this mapping reads this part of the export',
      }),
    );
  for (const [name, t] of rootTables) {
    const value = t.path === '.' ? omit(root, [...rootKeys]) : root[t.path ?? ''];
    if (value === undefined) continue;
    const items =
      name === spec.clients && Array.isArray(value)
        ? value.map((c) =>
            omit(
              c,
              nested.map(([, d]) => d.path ?? ''),
            ),
          )
        : value;
    const rows = arrayRows(items, t.path === '.' ? '' : `/${pointerPart(t.path ?? '')}`, file, issues);
    if (rows) tables.push({ table: name, rows });
  }
  const clients = root[clientsDef.path ?? ''];
  if (!Array.isArray(clients)) {
    issues.push(
      unreadableIssue(
        {
          location: `${pre}/${pointerPart(clientsDef.path ?? '')}`,
          message: 'The export has no array of clients here',
        },
        'required',
      ),
    );
    return { tables, issues };
  }
  clients.forEach((client, i) => {
    if (!isObject(client)) return;
    for (const [name, t] of nested) {
      const value = client[t.path ?? ''];
      if (value === undefined) continue;
      const rows = arrayRows(
        value,
        `/${pointerPart(clientsDef.path ?? '')}/${i}/${pointerPart(t.path ?? '')}`,
        file,
        issues,
      );
      // The client row's position (tabular/records.ts) is this prefix: nested rows join by it.
      const clientRef = `${file ?? ''}/${pointerPart(clientsDef.path ?? '')}/${i}`;
      if (rows) tables.push({ table: name, rows: rows.map((r): Row => ({ ...r, clientRef })) });
    }
  });
  return { tables, issues };
}

function arrayRows(
  value: unknown,
  pointer: string,
  file: string | undefined,
  issues: OperationOutcomeIssue[],
): TabularRecord[] | undefined {
  if (Array.isArray(value)) return goodRows(jsonRecords(value, pointer.replace(/\/$/, ''), file), issues);
  if (isObject(value)) {
    // One object is one row; its place is the object itself, not a first element.
    const rows = goodRows(jsonRecords([value], '', file), issues);
    const from = file ? `${file} /0` : '/0';
    const to = file ? `${file} ${pointer}` : pointer;
    return rows.map((r) => ({
      ...r,
      location: r.location.replace(from, to) || '/',
      cells: r.cells.map((c) => ({
        ...c,
        location: c.location.replace(from, to),
        path: c.path.map((p) => p.replace(from, to)),
      })),
    }));
  }
  issues.push(
    recordError(
      { location: `${file ? `${file} ` : ''}${pointer}`, message: 'Expected an array of rows or an object' },
      'structure',
    ),
  );
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function omit(v: unknown, keys: readonly string[]): unknown {
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !keys.includes(k)));
}

function pointerPart(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

// ---------------------------------------------------------------------------------------------
// Joining rows to clients
// ---------------------------------------------------------------------------------------------

function keyOf(row: Row, def: TableDef | undefined): string | undefined {
  if (!def?.key) return undefined;
  return row.cells.find((c) => c.field === def.key)?.value;
}

function joinClients(
  tables: TableRows[],
  spec: ExportSpec,
  issues: OperationOutcomeIssue[],
): ParseResult<ClientExport> {
  const present = new Set(tables.map((t) => t.table));
  const clientRows = tables.filter((t) => t.table === spec.clients).flatMap((t) => t.rows);
  const clientsDef = spec.tables[spec.clients];
  const shared = tables
    .filter((t) => spec.tables[t.table]?.shared)
    .flatMap((t) => t.rows.map((r) => item(t.table, r)));
  const records: ParsedRecord<ClientExport>[] = [];
  const byKey = new Map<string, ClientExport>();
  const byRef = new Map<string, ClientExport>();
  clientRows.forEach((row, n) => {
    const key = spec.layout === 'json' && !clientsDef?.key ? row.position : keyOf(row, clientsDef);
    const location = `client ${n + 1} (${row.location})`;
    if (key === undefined || byKey.has(key)) {
      records.push({
        ok: false,
        location,
        issues: [
          recordError(
            {
              location: row.location,
              message:
                key === undefined
                  ? `The client has no ${clientsDef?.key ?? 'key'}`
                  : 'The same client key is in the export twice; the second is not converted',
            },
            'required',
          ),
        ],
      });
      return;
    }
    const client: ClientExport = {
      location,
      key,
      items: [item(spec.clients, row), ...shared],
      presentTables: present,
    };
    byKey.set(key, client);
    byRef.set(row.position, client);
    records.push({ ok: true, location, input: client, issues: [] });
  });
  for (const t of tables) {
    const def = spec.tables[t.table];
    if (t.table === spec.clients || def?.shared) continue;
    for (const row of t.rows) {
      const owner =
        row.clientRef !== undefined ? byRef.get(row.clientRef) : byKey.get(keyOf(row, def) ?? '\u0000');
      if (owner) owner.items.push(item(t.table, row));
      else
        issues.push(
          recordError({
            location: row.location,
            message:
              keyOf(row, def) === undefined && row.clientRef === undefined
                ? `The row has no ${def?.key ?? 'client key'}; it is not converted`
                : 'The row names a client the export does not hold; it is not converted',
          }),
        );
    }
  }
  if (records.length === 0)
    issues.push(
      unreadableIssue(
        { location: 'input', message: `The export holds no client (table ${spec.clients})` },
        'required',
      ),
    );
  return { records, issues };
}

function item(table: string, row: TabularRecord): SourceItem {
  return { kind: table, location: row.location, position: row.position, cells: row.cells };
}
