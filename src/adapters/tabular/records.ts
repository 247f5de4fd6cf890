/**
 * One shape for the records of CSV files and JSON exports, so that a mapping reads a field by
 * name whatever the file type, and every populated cell keeps its own location for the report:
 * `row 3, column "bsn"` in a CSV file, a JSON Pointer (`/2/scores/housing`) in a JSON file.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { CoverageTracker } from '../coverage.js';
import { recordError } from '../framework.js';
import type { CsvTable } from './csv.js';

export interface SourceCell {
  /** The column name, or the dotted path of a JSON field within its record (`scores.housing`). */
  field: string;
  value: string;
  /** The cell's location in the source, e.g. `clients.csv row 3, column "bsn"`. */
  location: string;
  /** Enclosing locations, outermost first, ending with `location` (for the coverage report). */
  path: readonly string[];
}

export interface TabularRecord {
  /** The record's location, e.g. `clients.csv row 3 (line 4)` or `clients.json /2`. */
  location: string;
  /** A stable, value-free identity of the record's place (ids derive from it). */
  position: string;
  cells: SourceCell[];
}

export type RecordOrProblem =
  { ok: true; record: TabularRecord } | { ok: false; location: string; issue: OperationOutcomeIssue };

/** `clients.csv ` before a location when the input has several files; nothing for a single file. */
function prefix(file: string | undefined): string {
  return file ? `${file} ` : '';
}

/** Names of the header, made unique: a missing or repeated name becomes `column N`. */
export function columnNames(table: CsvTable): string[] {
  const seen = new Set<string>();
  return (table.header?.cells ?? []).map((raw, i) => {
    const name = raw.trim();
    const unique = name === '' || seen.has(name) ? `column ${i + 1}` : name;
    seen.add(unique);
    return unique;
  });
}

export function csvRecords(table: CsvTable, file?: string): RecordOrProblem[] {
  const names = columnNames(table);
  return table.rows.map((row): RecordOrProblem => {
    const rowAt = `${prefix(file)}row ${row.row}`;
    const location = `${rowAt} (line ${row.line})`;
    if (!row.ok) {
      return {
        ok: false,
        location,
        issue: recordError({ location, message: `The row cannot be read: ${row.problem}` }, 'structure'),
      };
    }
    const cells: SourceCell[] = [];
    row.cells.forEach((value, i) => {
      if (value.trim() === '') return;
      const field = names[i] ?? `column ${i + 1}`;
      const at = `${rowAt}, column "${field}"`;
      cells.push({ field, value: value.trim(), location: at, path: [rowAt, at] });
    });
    return { ok: true, record: { location, position: `${file ?? ''}#${row.row}`, cells } };
  });
}

/** The records of a JSON array: each element an object whose primitive leaves are its cells. */
export function jsonRecords(items: readonly unknown[], pointer: string, file?: string): RecordOrProblem[] {
  return items.map((item, i): RecordOrProblem => {
    const at = `${pointer}/${i}`;
    const location = `${prefix(file)}${at}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return {
        ok: false,
        location,
        issue: recordError({ location, message: 'The element is not a JSON object' }, 'structure'),
      };
    }
    const cells: SourceCell[] = [];
    collectLeaves(item, '', at, [location], prefix(file), cells);
    return { ok: true, record: { location, position: `${file ?? ''}${at}`, cells } };
  });
}

/** Iterative, so that depth cannot exhaust the stack (parseJsonText bounds depth as well). */
function collectLeaves(
  root: object,
  field: string,
  pointer: string,
  path: string[],
  pre: string,
  out: SourceCell[],
): void {
  const stack: { value: unknown; field: string; pointer: string; path: string[] }[] = [
    { value: root, field, pointer, path },
  ];
  while (stack.length > 0) {
    const top = stack.pop();
    if (!top) break;
    const { value } = top;
    if (value === null || value === undefined) continue;
    if (typeof value === 'object') {
      const entries = Array.isArray(value)
        ? value.map((v, i) => [String(i), v] as const)
        : Object.entries(value);
      for (let k = entries.length - 1; k >= 0; k--) {
        const [key, child] = entries[k] ?? ['', undefined];
        const childPointer = `${top.pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        const childField = Array.isArray(value)
          ? `${top.field}[${key}]`
          : top.field
            ? `${top.field}.${key}`
            : key;
        stack.push({
          value: child,
          field: childField,
          pointer: childPointer,
          path: [...top.path, `${pre}${childPointer}`],
        });
      }
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : String(value);
    if (text === '') continue;
    out.push({ field: top.field, value: text, location: `${pre}${top.pointer}`, path: top.path });
  }
}

/** Registers every populated cell with the tracker, keyed by its location. */
export function trackCells(
  record: TabularRecord,
  tracker: CoverageTracker = new CoverageTracker(),
): CoverageTracker {
  for (const cell of record.cells) tracker.populated({ key: cell.location, path: cell.path });
  return tracker;
}
