/**
 * FHIR search over the index tables (https://hl7.org/fhir/R4/search.html), the basics overdracht
 * needs: token, reference (with one level of chaining), date with prefixes over ranges, string,
 * number and uri; `_id`, `_lastUpdated`, `_count`, `_offset`, `_sort`, `_total`.
 *
 * Every parameter becomes an `EXISTS` over its index table; repeated parameters are ANDed,
 * comma-separated values ORed. An unknown parameter or modifier is an error, not ignored: a
 * filter silently dropped would return more patients' data than asked for.
 */
import { FORBIDDEN_CONTROL } from '../fhir/characters.js';
import { badRequest, OperationOutcomeError } from '../fhir/outcomes.js';
import type { SqlValue } from './database.js';
import { dateRange } from './fhir-dates.js';
import type { IndexedKind, IndexedParam, SearchParamRegistry } from './search-params.js';
import { escapeLike, foldText } from './text.js';

export type SearchInput = URLSearchParams | Record<string, string | readonly string[] | undefined>;

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 200;

/** Result parameters the store understands, besides the search parameters of each type. */
export const RESULT_PARAMETERS = ['_count', '_offset', '_sort', '_total'] as const;
/** Format parameters the HTTP layer handles; the store ignores them. */
const IGNORED = new Set(['_format', '_pretty']);

/** Collects positional parameters while SQL text is built. */
export class SqlParams {
  readonly values: SqlValue[] = [];
  add(value: SqlValue): string {
    this.values.push(value);
    return `$${String(this.values.length)}`;
  }

  /**
   * A placeholder added only when the SQL uses it: PostgreSQL cannot type a parameter that no
   * expression mentions (SQLSTATE 42P18).
   */
  lazy(value: SqlValue, cast: string): () => string {
    let placeholder: string | undefined;
    return () => (placeholder ??= `${this.add(value)}::${cast}`);
  }
}

/** Which row's index entries a condition tests: the searched resource, or a chained target. */
interface Owner {
  type: string;
  /** SQL for the owner's resource type and id. */
  typeSql: string;
  idSql: string;
}

export interface SortKey {
  param: string;
  descending: boolean;
}

export interface ParsedSearch {
  where: string[];
  count: number;
  offset: number;
  sort: SortKey[];
  total: boolean;
}

function invalidSearch(message: string, parameter: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(message, parameter), 400);
}

/** The `name=value` pairs of a search, in order. */
export function pairsOf(input: SearchInput): [string, string][] {
  if (input instanceof URLSearchParams) return [...input.entries()];
  return Object.entries(input).flatMap(([k, v]): [string, string][] =>
    v === undefined ? [] : typeof v === 'string' ? [[k, v]] : v.map((x): [string, string] => [k, x]),
  );
}

/** Splits at an unescaped separator and removes the escapes (`\,` `\|` `\$` `\\`). */
export function splitEscaped(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (c === '\\' && i + 1 < value.length) {
      const next = value[i + 1] ?? '';
      // Keep escapes that belong to a later split level.
      current += next === separator ? next : c + next;
      i++;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

// ---------------------------------------------------------------------------- value conditions

type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb';
const PREFIXES = new Set<string>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb']);

function splitPrefix(value: string, name: string): { prefix: Prefix; rest: string } {
  const head = value.slice(0, 2);
  if (PREFIXES.has(head) && /^[a-z]{2}[-\d]/.test(value))
    return { prefix: head as Prefix, rest: value.slice(2) };
  if (head === 'ap') throw invalidSearch('The prefix ap (approximately) is not supported.', name);
  return { prefix: 'eq', rest: value };
}

/** Range comparison per prefix: stored range [rs, re] against searched range [ps, pe]. */
function rangeCondition(prefix: Prefix, rs: string, re: string, ps: () => string, pe: () => string): string {
  const within = (): string => `(${rs} >= ${ps()} AND ${re} <= ${pe()})`;
  switch (prefix) {
    case 'eq':
      return within();
    case 'ne':
      return `NOT ${within()}`;
    case 'gt':
      return `${re} > ${pe()}`;
    case 'lt':
      return `${rs} < ${ps()}`;
    case 'ge':
      return `(${re} > ${pe()} OR ${within()})`;
    case 'le':
      return `(${rs} < ${ps()} OR ${within()})`;
    case 'sa':
      return `${rs} > ${pe()}`;
    case 'eb':
      return `${re} < ${ps()}`;
    default:
      return prefix satisfies never;
  }
}

function dateCondition(value: string, p: SqlParams, rs: string, re: string, name: string): string {
  const { prefix, rest } = splitPrefix(value, name);
  const range = dateRange(rest);
  if (!range) throw invalidSearch(`The value of ${name} is not a FHIR date.`, name);
  return rangeCondition(prefix, rs, re, p.lazy(range.start, 'timestamptz'), p.lazy(range.end, 'timestamptz'));
}

function tokenCondition(value: string, p: SqlParams, name: string): string {
  const parts = splitEscaped(value, '|');
  if (parts.length === 1) return `s.code = ${p.add(unescape(parts[0] ?? ''))}`;
  if (parts.length !== 2) throw invalidSearch('A token is code, system|code, |code or system|.', name);
  const [system = '', code = ''] = parts.map(unescape);
  if (system === '') return `(s.code = ${p.add(code)} AND s.system IS NULL)`;
  if (code === '') return `s.system = ${p.add(system)}`;
  return `(s.code = ${p.add(code)} AND s.system = ${p.add(system)})`;
}

function referenceCondition(
  value: string,
  p: SqlParams,
  typeModifier: string | undefined,
  name: string,
): string {
  const v = unescape(value);
  if (v.includes('://') || v.startsWith('urn:')) return `s.reference = ${p.add(v)}`;
  const slash = v.split('/');
  if (slash.length === 2 && slash[0] && slash[1]) {
    if (typeModifier && typeModifier !== slash[0])
      throw invalidSearch(`The value names ${slash[0]}, the modifier ${typeModifier}.`, name);
    return `(s.target_type = ${p.add(slash[0])} AND s.target_id = ${p.add(slash[1])})`;
  }
  if (slash.length !== 1 || !v)
    throw invalidSearch('A reference is Type/id, an id or an absolute URL.', name);
  const id = `s.target_id = ${p.add(v)}`;
  return typeModifier ? `(${id} AND s.target_type = ${p.add(typeModifier)})` : id;
}

function stringCondition(value: string, p: SqlParams, modifier: string | undefined): string {
  const v = unescape(value);
  if (modifier === 'exact') return `s.value = ${p.add(v)}`;
  const folded = escapeLike(foldText(v));
  return modifier === 'contains'
    ? `s.norm LIKE ${p.add(`%${folded}%`)}`
    : `s.norm LIKE ${p.add(`${folded}%`)}`;
}

/** Half a unit of the last digit given: `100` stands for [99.5, 100.5). */
function halfUnit(number: string): string {
  const decimals = number.split('.')[1]?.length ?? 0;
  return decimals === 0 ? '0.5' : `0.${'0'.repeat(decimals)}5`;
}

function numberCondition(value: string, p: SqlParams, name: string): string {
  const { prefix, rest } = splitPrefix(value, name);
  if (!/^-?\d+(\.\d+)?$/.test(rest))
    throw invalidSearch(`The value of ${name} is not a decimal number.`, name);
  const n = `${p.add(rest)}::numeric`;
  const h = p.lazy(halfUnit(rest), 'numeric');
  switch (prefix) {
    case 'eq':
      return `(s.value >= ${n} - ${h()} AND s.value < ${n} + ${h()})`;
    case 'ne':
      return `NOT (s.value >= ${n} - ${h()} AND s.value < ${n} + ${h()})`;
    case 'gt':
      return `s.value > ${n}`;
    case 'lt':
      return `s.value < ${n}`;
    case 'ge':
      return `s.value >= ${n}`;
    case 'le':
      return `s.value <= ${n}`;
    case 'sa':
    case 'eb':
      throw invalidSearch(`The prefix ${prefix} does not apply to numbers.`, name);
    default:
      return prefix satisfies never;
  }
}

function uriCondition(value: string, p: SqlParams, modifier: string | undefined): string {
  const v = unescape(value);
  return modifier === 'below' ? `s.value LIKE ${p.add(`${escapeLike(v)}%`)}` : `s.value = ${p.add(v)}`;
}

// ------------------------------------------------------------------------- parameter conditions

const TABLES: Record<IndexedKind, string> = {
  token: 'search_token',
  reference: 'search_reference',
  date: 'search_date',
  string: 'search_string',
  number: 'search_number',
  uri: 'search_uri',
};

interface ParsedName {
  code: string;
  modifier?: string;
  chain?: string;
}

function parseName(name: string): ParsedName {
  const dot = name.indexOf('.');
  const head = dot < 0 ? name : name.slice(0, dot);
  const chain = dot < 0 ? undefined : name.slice(dot + 1);
  const [code = '', modifier] = head.split(':');
  return { code, ...(modifier !== undefined ? { modifier } : {}), ...(chain !== undefined ? { chain } : {}) };
}

function checkModifier(param: IndexedParam, modifier: string | undefined, name: string): void {
  if (modifier === undefined || modifier === 'missing') return;
  const typeModifier = param.type === 'reference' && /^[A-Z][A-Za-z]+$/.test(modifier);
  if (typeModifier || param.modifiers.includes(modifier)) return;
  throw invalidSearch(`The modifier :${modifier} is not supported for ${param.name}.`, name);
}

/** `:missing=true` / `false`: the resource has no / some index row for the parameter. */
function missingCondition(
  param: IndexedParam,
  owner: Owner,
  value: string,
  p: SqlParams,
  name: string,
): string {
  if (value !== 'true' && value !== 'false') throw invalidSearch(':missing takes true or false.', name);
  const exists = `EXISTS (SELECT 1 FROM ${TABLES[param.type]} s WHERE s.resource_type = ${owner.typeSql} AND s.resource_id = ${owner.idSql} AND s.param = ${p.add(param.name)})`;
  return value === 'true' ? `NOT ${exists}` : exists;
}

function valueCondition(
  param: IndexedParam,
  modifier: string | undefined,
  value: string,
  p: SqlParams,
): string {
  switch (param.type) {
    case 'token':
      return tokenCondition(value, p, param.name);
    case 'reference':
      return referenceCondition(value, p, modifier, param.name);
    case 'date':
      return dateCondition(value, p, 's.start_at', 's.end_at', param.name);
    case 'string':
      return stringCondition(value, p, modifier);
    case 'number':
      return numberCondition(value, p, param.name);
    case 'uri':
      return uriCondition(value, p, modifier);
    default:
      return param.type satisfies never;
  }
}

export class SearchBuilder {
  constructor(private readonly registry: SearchParamRegistry) {}

  /** The SQL conditions and result options of a search on `type` (the resource row is `r`). */
  parse(type: string, input: SearchInput, p: SqlParams): ParsedSearch {
    const owner: Owner = { type, typeSql: 'r.resource_type', idSql: 'r.id' };
    const parsed: ParsedSearch = { where: [], count: DEFAULT_COUNT, offset: 0, sort: [], total: false };
    for (const [name, value] of pairsOf(input)) {
      if (IGNORED.has(name)) continue;
      if (FORBIDDEN_CONTROL.test(value) || FORBIDDEN_CONTROL.test(name))
        throw invalidSearch(`The value of ${name} holds a control character.`, name);
      if (this.resultParameter(type, name, value, parsed)) continue;
      parsed.where.push(this.condition(owner, name, value, p, 0));
    }
    return parsed;
  }

  private resultParameter(type: string, name: string, value: string, parsed: ParsedSearch): boolean {
    switch (name) {
      case '_count':
        parsed.count = Math.min(nonNegativeInteger(name, value), MAX_COUNT);
        return true;
      case '_offset':
        parsed.offset = nonNegativeInteger(name, value);
        return true;
      case '_total':
        if (!['none', 'estimate', 'accurate'].includes(value))
          throw invalidSearch('_total is none, estimate or accurate.', name);
        parsed.total = value === 'accurate';
        return true;
      case '_sort':
        parsed.sort = value.split(',').map((key) => this.sortKey(type, key));
        return true;
      default:
        return false;
    }
  }

  private sortKey(type: string, key: string): SortKey {
    const descending = key.startsWith('-');
    const param = descending ? key.slice(1) : key;
    if (param === '_lastUpdated' || param === '_id' || this.registry.get(type, param)?.type === 'date')
      return { param, descending };
    throw invalidSearch(
      `Sorting is supported on _lastUpdated, _id and date parameters, not on ${param}.`,
      '_sort',
    );
  }

  /** One `name=value` pair as a condition on `owner`; `depth` counts chain links. */
  private condition(owner: Owner, name: string, value: string, p: SqlParams, depth: number): string {
    const { code, modifier, chain } = parseName(name);
    if (code === '_id' || code === '_lastUpdated') {
      if (modifier !== undefined || chain !== undefined)
        throw invalidSearch(`${code} takes no modifier.`, name);
      return columnCondition(code, owner, value, p);
    }
    const param = this.registry.get(owner.type, code);
    if (!param) throw invalidSearch(`Unknown search parameter ${code} for ${owner.type}.`, name);
    checkModifier(param, modifier, name);
    if (modifier === 'missing') return missingCondition(param, owner, value, p, name);
    if (chain !== undefined) return this.chainCondition(owner, param, modifier, chain, value, p, depth);
    const alternatives = splitEscaped(value, ',').map((v) => valueCondition(param, modifier, v, p));
    return `EXISTS (SELECT 1 FROM ${TABLES[param.type]} s WHERE s.resource_type = ${owner.typeSql} AND s.resource_id = ${owner.idSql} AND s.param = ${p.add(param.name)} AND (${alternatives.join(' OR ')}))`;
  }

  /** `patient.identifier=x`: a reference whose target (of a type that has `identifier`) matches. */
  private chainCondition(
    owner: Owner,
    param: IndexedParam,
    typeModifier: string | undefined,
    chain: string,
    value: string,
    p: SqlParams,
    depth: number,
  ): string {
    if (param.type !== 'reference')
      throw invalidSearch(`Only reference parameters can be chained; ${param.name} is not one.`, param.name);
    if (depth > 0 || chain.includes('.'))
      throw invalidSearch('Chained search goes one level deep.', `${param.name}.${chain}`);
    const chainedCode = parseName(chain).code;
    const candidates = typeModifier ? [typeModifier] : (param.targets ?? []);
    const targets = candidates.filter(
      (t) =>
        this.registry.isStored(t) &&
        (chainedCode === '_id' || chainedCode === '_lastUpdated' || this.registry.get(t, chainedCode)),
    );
    if (targets.length === 0)
      throw invalidSearch(
        `No target of ${param.name} has a search parameter ${chainedCode}.`,
        `${param.name}.${chain}`,
      );
    const link = `c${String(depth)}`;
    const perType = targets.map((t) => {
      const target: Owner = { type: t, typeSql: `${link}.target_type`, idSql: `${link}.target_id` };
      // The target's own conditions use alias `s` too; nest them so the aliases do not clash.
      const inner = this.condition(target, chain, value, p, depth + 1);
      return `(${link}.target_type = ${p.add(t)} AND ${inner})`;
    });
    return `EXISTS (SELECT 1 FROM search_reference ${link} WHERE ${link}.resource_type = ${owner.typeSql} AND ${link}.resource_id = ${owner.idSql} AND ${link}.param = ${p.add(param.name)} AND (${perType.join(' OR ')}))`;
  }
}

function columnCondition(code: '_id' | '_lastUpdated', owner: Owner, value: string, p: SqlParams): string {
  const values = splitEscaped(value, ',');
  if (code === '_id') {
    // For a chained target, the id must also belong to a current, not deleted, resource.
    const ids = values.map((v) => p.add(unescape(v))).join(', ');
    return owner.idSql === 'r.id'
      ? `r.id IN (${ids})`
      : `(${owner.idSql} IN (${ids}) AND EXISTS (SELECT 1 FROM resource t WHERE t.resource_type = ${owner.typeSql} AND t.id = ${owner.idSql} AND NOT t.deleted))`;
  }
  const column = owner.idSql === 'r.id' ? 'r.last_updated' : lastUpdatedOf(owner);
  return `(${values.map((v) => dateCondition(v, p, column, column, '_lastUpdated')).join(' OR ')})`;
}

function lastUpdatedOf(owner: Owner): string {
  return `(SELECT t.last_updated FROM resource t WHERE t.resource_type = ${owner.typeSql} AND t.id = ${owner.idSql} AND NOT t.deleted)`;
}

function nonNegativeInteger(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw invalidSearch(`${name} must be a whole number of at least 0.`, name);
  return Number(value);
}

/** ORDER BY for the sort keys; ties are broken by last update and id, so paging is stable. */
export function orderBy(sort: readonly SortKey[], p: SqlParams): string {
  const keys = sort.map(({ param, descending }) => {
    const direction = descending ? 'DESC' : 'ASC';
    if (param === '_lastUpdated') return `r.last_updated ${direction}`;
    if (param === '_id') return `r.id ${direction}`;
    // A resource with several values sorts by its earliest start (ascending) or latest end (descending).
    const edge = descending ? 'max(d.end_at)' : 'min(d.start_at)';
    return `(SELECT ${edge} FROM search_date d WHERE d.resource_type = r.resource_type AND d.resource_id = r.id AND d.param = ${p.add(param)}) ${direction} NULLS LAST`;
  });
  return [...keys, 'r.last_updated ASC', 'r.id ASC'].join(', ');
}
