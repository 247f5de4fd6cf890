/**
 * Turns the values a search parameter's expression yields into rows of the `search_*` tables.
 * Which columns a value fills depends on its FHIR type, as the search rules say:
 * https://hl7.org/fhir/R4/search.html#token (and #reference, #date, #string, #number, #uri).
 */
import type { Resource } from '@medplum/fhirtypes';
import { dateRange } from './fhir-dates.js';
import type { IndexedKind, IndexedParam, SearchParamRegistry, TypedValue } from './search-params.js';
import { foldText } from './text.js';

export interface TokenRow {
  param: string;
  system: string | null;
  code: string;
}
export interface ReferenceRow {
  param: string;
  targetType: string | null;
  targetId: string | null;
  reference: string;
}
export interface DateRow {
  param: string;
  start: string;
  end: string;
}
export interface StringRow {
  param: string;
  value: string;
  norm: string;
}
export interface NumberRow {
  param: string;
  value: string;
}
export interface UriRow {
  param: string;
  value: string;
}

export interface IndexRows {
  token: TokenRow[];
  reference: ReferenceRow[];
  date: DateRow[];
  string: StringRow[];
  number: NumberRow[];
  uri: UriRow[];
}

/** Longer values are not indexed: a btree entry must stay well under PostgreSQL's 2.7 kB limit. */
export const MAX_INDEXED_LENGTH = 1024;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_INDEXED_LENGTH ? v : undefined;
}

function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => str(x) ?? []);
  const s = str(v);
  return s ? [s] : [];
}

function codingToken(param: string, coding: unknown): TokenRow[] {
  if (!isObj(coding)) return [];
  const code = str(coding.code);
  return code ? [{ param, system: str(coding.system) ?? null, code }] : [];
}

function tokenRows(param: string, { fhirType, value }: TypedValue): TokenRow[] {
  switch (fhirType) {
    case 'Coding':
      return codingToken(param, value);
    case 'CodeableConcept':
      return isObj(value) && Array.isArray(value.coding)
        ? value.coding.flatMap((c) => codingToken(param, c))
        : [];
    case 'Identifier': {
      const code = isObj(value) ? str(value.value) : undefined;
      return code && isObj(value) ? [{ param, system: str(value.system) ?? null, code }] : [];
    }
    case 'ContactPoint': {
      // A ContactPoint's `system` (phone, email) is not a URI: the token is the value alone.
      const code = isObj(value) ? str(value.value) : undefined;
      return code ? [{ param, system: null, code }] : [];
    }
    case 'boolean':
    case 'Boolean':
      return typeof value === 'boolean' ? [{ param, system: null, code: String(value) }] : [];
    default: {
      const code = str(value);
      return code ? [{ param, system: null, code }] : [];
    }
  }
}

/** `Patient/1`, `Patient/1/_history/2` and `https://x/fhir/Patient/1` all point at Patient 1. */
export function parseReference(reference: string): { type: string; id: string } | undefined {
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return match?.[1] && match[2] ? { type: match[1], id: match[2] } : undefined;
}

function referenceRows(param: string, { fhirType, value }: TypedValue): ReferenceRow[] {
  const reference = fhirType === 'Reference' ? (isObj(value) ? str(value.reference) : undefined) : str(value);
  // A contained resource (`#x`) is part of its container, not a target of its own.
  if (!reference || reference.startsWith('#')) return [];
  const target = parseReference(reference);
  const declaredType = fhirType === 'Reference' && isObj(value) ? str(value.type) : undefined;
  return [
    { param, targetType: target?.type ?? declaredType ?? null, targetId: target?.id ?? null, reference },
  ];
}

function periodRange(value: Obj): { start: string; end: string } | undefined {
  const start = typeof value.start === 'string' ? dateRange(value.start)?.start : undefined;
  const end = typeof value.end === 'string' ? dateRange(value.end)?.end : undefined;
  if (!start && !end) return undefined;
  return { start: start ?? '-infinity', end: end ?? 'infinity' };
}

function dateRows(param: string, { fhirType, value }: TypedValue): DateRow[] {
  if (typeof value === 'string') {
    const range = dateRange(value);
    return range ? [{ param, ...range }] : [];
  }
  if (!isObj(value)) return [];
  if (fhirType === 'Period') {
    const range = periodRange(value);
    return range ? [{ param, ...range }] : [];
  }
  if (fhirType === 'Timing') {
    const events = Array.isArray(value.event) ? value.event : [];
    const rows = events.flatMap((e) => (typeof e === 'string' ? (dateRange(e) ?? []) : []));
    const bounds =
      isObj(value.repeat) && isObj(value.repeat.boundsPeriod)
        ? periodRange(value.repeat.boundsPeriod)
        : undefined;
    return [...rows, ...(bounds ? [bounds] : [])].map((r) => ({ param, ...r }));
  }
  return [];
}

const NAME_PARTS = ['text', 'family', 'given', 'prefix', 'suffix'];
const ADDRESS_PARTS = ['text', 'line', 'city', 'district', 'state', 'postalCode', 'country'];

function stringRows(param: string, { fhirType, value }: TypedValue): StringRow[] {
  let values: string[];
  if (fhirType === 'HumanName' && isObj(value)) values = NAME_PARTS.flatMap((p) => strings(value[p]));
  else if (fhirType === 'Address' && isObj(value)) values = ADDRESS_PARTS.flatMap((p) => strings(value[p]));
  else values = strings(value);
  return values.map((v) => ({ param, value: v, norm: foldText(v) }));
}

function numberRows(param: string, { value }: TypedValue): NumberRow[] {
  const n = isObj(value) ? value.value : value;
  return typeof n === 'number' && Number.isFinite(n) ? [{ param, value: String(n) }] : [];
}

function uriRows(param: string, { value }: TypedValue): UriRow[] {
  return strings(value).map((v) => ({ param, value: v }));
}

function emptyRows(): IndexRows {
  return { token: [], reference: [], date: [], string: [], number: [], uri: [] };
}

function addRows(rows: IndexRows, kind: IndexedKind, param: string, value: TypedValue): void {
  switch (kind) {
    case 'token':
      rows.token.push(...tokenRows(param, value));
      return;
    case 'reference':
      rows.reference.push(...referenceRows(param, value));
      return;
    case 'date':
      rows.date.push(...dateRows(param, value));
      return;
    case 'string':
      rows.string.push(...stringRows(param, value));
      return;
    case 'number':
      rows.number.push(...numberRows(param, value));
      return;
    case 'uri':
      rows.uri.push(...uriRows(param, value));
      return;
    default:
      kind satisfies never;
  }
}

/** Removes repeated rows (one parameter often reaches a value along two paths). */
function distinct<T>(rows: T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = JSON.stringify(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A value the expression cannot handle (data of an unexpected shape) leaves that one parameter
 * without rows; the resource is still stored. The error is dropped: it may quote the data.
 */
function evaluateSafely(param: IndexedParam, resource: Resource): TypedValue[] {
  try {
    return param.evaluate(resource);
  } catch {
    return [];
  }
}

/** Every index row of one resource. */
export function indexRows(registry: SearchParamRegistry, resource: Resource): IndexRows {
  const rows = emptyRows();
  for (const param of registry.indexed(resource.resourceType)) {
    for (const value of evaluateSafely(param, resource)) addRows(rows, param.type, param.name, value);
  }
  return {
    token: distinct(rows.token),
    reference: distinct(rows.reference),
    date: distinct(rows.date),
    string: distinct(rows.string),
    number: distinct(rows.number),
    uri: distinct(rows.uri),
  };
}
