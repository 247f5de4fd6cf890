/**
 * Bytes of one export file to records: JSON when the text starts with `[` or `{`, CSV otherwise.
 * A problem of the whole file is one fatal issue (nothing could be read); a problem of one row
 * or element is a failed record at its location, and the others are read.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../../fhir/outcomes.js';
import { parseJsonText } from '../../fhir/json.js';
import { recordError, unmappedIssue, unreadableIssue } from '../framework.js';
import { type CsvDelimiter, type CsvLimits, DEFAULT_CSV_LIMITS, readCsv } from './csv.js';
import { csvRecords, jsonRecords, type RecordOrProblem } from './records.js';
import { decodeText, type TextEncoding } from './text.js';

export interface ReadOptions {
  /** A label for locations when the input has several files (`clients.csv`); none for one file. */
  file?: string;
  encoding: TextEncoding;
  delimiter: CsvDelimiter;
  /** The key of the records' array when a JSON file is an object. */
  jsonKey: string;
  maxBytes: number;
  csvLimits?: CsvLimits;
}

export interface ReadResult {
  records: RecordOrProblem[];
  issues: OperationOutcomeIssue[];
}

export function readRecords(bytes: Uint8Array, options: ReadOptions): ReadResult {
  const where = options.file ?? 'input';
  const decoded = decodeText(bytes, where, options.encoding, options.maxBytes);
  if (!decoded.ok) return { records: [], issues: [decoded.issue] };
  const text = decoded.text;
  const first = /\S/.exec(text)?.[0];
  if (first === undefined)
    return {
      records: [],
      issues: [unreadableIssue({ location: where, message: 'The input holds only white space' })],
    };
  return first === '[' || first === '{'
    ? readJson(text, where, options)
    : readCsvRecords(text, where, options);
}

function readJson(text: string, where: string, options: ReadOptions): ReadResult {
  let value: unknown;
  try {
    value = parseJsonText(text);
  } catch (err) {
    const why =
      err instanceof OperationOutcomeError
        ? (err.outcome.issue?.[0]?.diagnostics ?? 'unreadable')
        : 'unreadable';
    return {
      records: [],
      issues: [unreadableIssue({ location: where, message: `The input is not readable JSON: ${why}` })],
    };
  }
  if (Array.isArray(value)) return { records: jsonRecords(value, '', options.file), issues: [] };
  const inner = isObject(value) ? value[options.jsonKey] : undefined;
  if (!isObject(value) || !Array.isArray(inner)) {
    return {
      records: [],
      issues: [
        unreadableIssue({
          location: where,
          message: `The JSON is neither an array nor an object with an array '${options.jsonKey}'`,
        }),
      ],
    };
  }
  const pointer = `/${options.jsonKey.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return { records: jsonRecords(inner, pointer, options.file), issues: otherKeys(value, options) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keys beside the records' array are data too: they are named, not dropped. */
function otherKeys(value: object, options: ReadOptions): OperationOutcomeIssue[] {
  return Object.keys(value)
    .filter((k) => k !== options.jsonKey)
    .map((k) => {
      const location = `${options.file ? `${options.file} ` : ''}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      return unmappedIssue({ location, message: 'No mapping rule reads this part of the file' });
    });
}

function readCsvRecords(text: string, where: string, options: ReadOptions): ReadResult {
  const table = readCsv(text, options.delimiter, options.csvLimits ?? DEFAULT_CSV_LIMITS);
  const issues: OperationOutcomeIssue[] = [];
  if (!table.header) issues.push(unreadableIssue({ location: where, message: 'The file has no header row' }));
  if (table.stopped) {
    issues.push(
      recordError(
        {
          location: `${where} line ${table.stopped.line}`,
          message: `Reading stopped: ${table.stopped.problem}; the rows after it are not converted`,
        },
        table.stopped.tooCostly ? 'too-costly' : 'structure',
      ),
    );
  }
  return { records: csvRecords(table, options.file), issues };
}
