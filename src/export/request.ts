/**
 * The parameters of a Bulk Data `$export` request, checked before a job is created:
 * `_outputFormat`, `_since`, `_type`, `_typeFilter`. A bad value is a 400 that names the
 * parameter. https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters
 */
import { badRequest, OperationOutcomeError } from '../fhir/outcomes.js';

export interface ExportRequest {
  /** `system`, or the Group the export is about. */
  level: 'system' | 'group';
  groupId?: string;
  /** Types asked for (`_type`); absent: every type the recipient's policy lets out. */
  types?: string[];
  /** Only resources changed after this instant. */
  since?: string;
  /** Per type, the search queries of `_typeFilter` (a resource matching any of them goes out). */
  typeFilters?: Record<string, string[]>;
  /** The request URL as the client sent it (the manifest repeats it). */
  url: string;
}

export const NDJSON = 'application/fhir+ndjson';
const OUTPUT_FORMATS = new Set([NDJSON, 'application/ndjson', 'ndjson']);
const SUPPORTED = new Set(['_outputFormat', '_since', '_type', '_typeFilter']);
/** An instant as FHIR writes it: a full date and time with a time zone. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const TYPE = /^[A-Z][A-Za-z]{1,63}$/;

function bad(message: string, parameter: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(message, parameter), 400);
}

function list(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

function typesOf(query: URLSearchParams, storedTypes: ReadonlySet<string>): string[] | undefined {
  if (!query.has('_type')) return undefined;
  const types = [...new Set(list(query, '_type'))];
  if (types.length === 0) throw bad('_type names at least one resource type', '_type');
  for (const type of types) {
    if (!TYPE.test(type) || !storedTypes.has(type))
      throw bad(`_type: '${type}' is not a resource type this server holds`, '_type');
  }
  return types;
}

function sinceOf(query: URLSearchParams): string | undefined {
  const since = query.get('_since');
  if (since === null) return undefined;
  if (!INSTANT.test(since) || Number.isNaN(Date.parse(since)))
    throw bad('_since must be an instant with a time zone, e.g. 2026-01-01T00:00:00Z', '_since');
  return new Date(since).toISOString();
}

/** `_typeFilter=Type?query`: several may be given, repeated or separated by commas (each query URL-encoded). */
function typeFiltersOf(
  query: URLSearchParams,
  storedTypes: ReadonlySet<string>,
): Record<string, string[]> | undefined {
  if (!query.has('_typeFilter')) return undefined;
  const out: Record<string, string[]> = {};
  for (const filter of list(query, '_typeFilter')) {
    const m = /^([A-Za-z]+)\?(.+)$/.exec(filter);
    if (!m?.[1] || !m[2] || !storedTypes.has(m[1]))
      throw bad(
        `_typeFilter: '${filter}' is not of the form Type?search for a type this server holds`,
        '_typeFilter',
      );
    (out[m[1]] ??= []).push(m[2]);
  }
  return out;
}

export function parseExportRequest(
  query: URLSearchParams,
  level: ExportRequest['level'],
  storedTypes: ReadonlySet<string>,
  url: string,
  groupId?: string,
): ExportRequest {
  for (const name of new Set(query.keys())) {
    if (!SUPPORTED.has(name)) throw bad(`The $export parameter '${name}' is not supported`, name);
  }
  const format = query.get('_outputFormat');
  if (format !== null && !OUTPUT_FORMATS.has(format))
    throw bad(`_outputFormat: only ${NDJSON} is supported`, '_outputFormat');
  const types = typesOf(query, storedTypes);
  const since = sinceOf(query);
  const typeFilters = typeFiltersOf(query, storedTypes);
  if (typeFilters && types) {
    const outside = Object.keys(typeFilters).find((t) => !types.includes(t));
    if (outside) throw bad(`_typeFilter: ${outside} is not among the types of _type`, '_typeFilter');
  }
  return {
    level,
    ...(groupId ? { groupId } : {}),
    ...(types ? { types } : {}),
    ...(since ? { since } : {}),
    ...(typeFilters ? { typeFilters } : {}),
    url,
  };
}
