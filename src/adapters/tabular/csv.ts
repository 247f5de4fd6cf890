/**
 * A CSV reader for untrusted exports (RFC 4180: quoted fields, doubled quotes, line breaks inside
 * quotes, CRLF or LF) that keeps the row and line of every record and recovers per record: a
 * malformed row is returned as a bad row with its place, and reading goes on with the next line,
 * so one broken row never takes the rest of the file with it. csv-parse was tried first: after a
 * stray quote it dropped the following record without an error, which would lose data silently.
 *
 * Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row row 2;
 * blank lines are skipped. Limits are checked while reading, so a huge file ends in an issue.
 * https://www.rfc-editor.org/rfc/rfc4180
 */

export const CSV_DELIMITERS = [',', ';', '\t', 'auto'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

export interface CsvLimits {
  maxRows: number;
  maxColumns: number;
  maxCellChars: number;
  /** Bad rows tolerated before reading stops (each costs a re-scan from its line). */
  maxBadRows: number;
}

export const DEFAULT_CSV_LIMITS: CsvLimits = {
  maxRows: 100_000,
  maxColumns: 500,
  maxCellChars: 100_000,
  maxBadRows: 100,
};

export interface CsvRow {
  ok: true;
  /** 1-based, the header is row 1. */
  row: number;
  /** The line the record starts on. */
  line: number;
  cells: string[];
}

export interface CsvBadRow {
  ok: false;
  row: number;
  line: number;
  /** What is wrong, without the content. */
  problem: string;
}

export interface CsvTable {
  header: CsvRow | undefined;
  rows: (CsvRow | CsvBadRow)[];
  delimiter: string;
  /** Set when reading stopped early (a limit); the rows before it are kept. */
  stopped?: { line: number; problem: string; tooCostly: boolean };
}

type Scan =
  | { ok: true; cells: string[]; next: number; nextLine: number }
  | { ok: false; problem: string; next: number; nextLine: number; tooCostly?: boolean };

export function readCsv(
  text: string,
  delimiter: CsvDelimiter,
  limits: CsvLimits = DEFAULT_CSV_LIMITS,
): CsvTable {
  const sep = delimiter === 'auto' ? detectDelimiter(text) : delimiter;
  const table: CsvTable = { header: undefined, rows: [], delimiter: sep };
  let pos = 0;
  let line = 1;
  let row = 0;
  let bad = 0;
  while (pos < text.length) {
    if (text[pos] === '\n' || text[pos] === '\r') {
      // A blank line: not a row.
      pos += text.startsWith('\r\n', pos) ? 2 : 1;
      line++;
      continue;
    }
    if (row >= limits.maxRows) {
      table.stopped = { line, problem: `more than ${limits.maxRows} rows`, tooCostly: true };
      break;
    }
    row++;
    const scan = scanRecord(text, pos, line, sep, limits);
    if (scan.ok) {
      const record: CsvRow = { ok: true, row, line, cells: scan.cells };
      if (row === 1) table.header = record;
      else table.rows.push(record);
    } else {
      table.rows.push({ ok: false, row, line, problem: scan.problem });
      if (scan.tooCostly || ++bad > limits.maxBadRows) {
        table.stopped = {
          line,
          problem: scan.tooCostly ? scan.problem : 'too many malformed rows',
          tooCostly: true,
        };
        break;
      }
    }
    pos = scan.next;
    line = scan.nextLine;
  }
  return table;
}

/** Reads one record from `start`; a bad record resumes at the line after the one it failed on. */
function scanRecord(text: string, start: number, line: number, sep: string, limits: CsvLimits): Scan {
  const cells: string[] = [];
  let pos = start;
  let current = line;
  for (;;) {
    if (cells.length >= limits.maxColumns)
      return {
        ok: false,
        problem: `more than ${limits.maxColumns} columns`,
        ...skipLine(text, pos, current),
        tooCostly: true,
      };
    const cell =
      text[pos] === '"' ? quoted(text, pos, current, sep, limits) : unquoted(text, pos, current, sep, limits);
    if (!cell.ok) {
      // An unclosed quote runs to the end of the input: resume after the record's first line.
      const from =
        cell.problem === UNCLOSED ? skipLine(text, start, line) : skipLine(text, cell.at, cell.line);
      return { ok: false, problem: cell.problem, ...from };
    }
    cells.push(cell.value);
    pos = cell.end;
    current = cell.line;
    if (pos >= text.length) return { ok: true, cells, next: pos, nextLine: current };
    const ch = text[pos];
    if (ch === sep) {
      pos++;
      if (pos >= text.length) {
        cells.push('');
        return { ok: true, cells, next: pos, nextLine: current };
      }
      continue;
    }
    // A line break ends the record.
    return { ok: true, cells, next: pos + (text.startsWith('\r\n', pos) ? 2 : 1), nextLine: current + 1 };
  }
}

const UNCLOSED = 'a quoted field is not closed (the file may be truncated)';

type Cell =
  | { ok: true; value: string; end: number; line: number }
  | { ok: false; problem: string; at: number; line: number };

function quoted(text: string, start: number, line: number, sep: string, limits: CsvLimits): Cell {
  let value = '';
  let pos = start + 1;
  let current = line;
  for (;;) {
    const q = text.indexOf('"', pos);
    if (q < 0 || q - start > limits.maxCellChars) {
      return q < 0
        ? { ok: false, problem: UNCLOSED, at: start, line }
        : { ok: false, problem: `a field longer than ${limits.maxCellChars} characters`, at: start, line };
    }
    const chunk = text.slice(pos, q);
    value += chunk;
    current += countBreaks(chunk);
    if (text[q + 1] === '"') {
      value += '"';
      pos = q + 2;
      continue;
    }
    const after = text[q + 1];
    if (after === undefined || after === sep || after === '\n' || after === '\r')
      return { ok: true, value, end: q + 1, line: current };
    return { ok: false, problem: 'characters after the closing quote of a field', at: q, line: current };
  }
}

function unquoted(text: string, start: number, line: number, sep: string, limits: CsvLimits): Cell {
  let pos = start;
  while (pos < text.length) {
    const ch = text[pos];
    if (ch === sep || ch === '\n' || ch === '\r') break;
    pos++;
  }
  if (pos - start > limits.maxCellChars)
    return { ok: false, problem: `a field longer than ${limits.maxCellChars} characters`, at: start, line };
  return { ok: true, value: text.slice(start, pos), end: pos, line };
}

/** Line breaks in a quoted value (CRLF counts once). */
function countBreaks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\n' || (s[i] === '\r' && s[i + 1] !== '\n')) n++;
  }
  return n;
}

/** Position and line number just after the line break that follows `pos`. */
function skipLine(text: string, pos: number, line: number): { next: number; nextLine: number } {
  const lf = text.indexOf('\n', pos);
  const cr = text.indexOf('\r', pos);
  const end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
  if (end < 0) return { next: text.length, nextLine: line + 1 };
  return { next: end + (text.startsWith('\r\n', end) ? 2 : 1), nextLine: line + 1 };
}

/** Semicolons are what Dutch spreadsheet programs write; the header line decides. */
function detectDelimiter(text: string): string {
  const end = text.search(/\r|\n/);
  const first = end < 0 ? text : text.slice(0, end);
  const count = (c: string): number => first.split(c).length - 1;
  const candidates: [string, number][] = [
    [';', count(';')],
    [',', count(',')],
    ['\t', count('\t')],
  ];
  candidates.sort((a, b) => b[1] - a[1]);
  return candidates[0] && candidates[0][1] > 0 ? candidates[0][0] : ',';
}
