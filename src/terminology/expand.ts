/**
 * ValueSet membership, computed in process from `compose` (include/exclude with concept lists,
 * whole systems, filters and imported value sets) or, when there is no compose, from
 * `expansion.contains`. A compiled value set answers "is (system, code) a member?" with true,
 * false, or undefined when the answer needs a code system we do not have.
 *
 * Spec: https://hl7.org/fhir/R4/valueset.html#compositions
 */
import { asArray, findConcept, isDescendant, isRecord, type IndexedCodeSystem } from './codesystem.js';
import { plausibleCode } from './code-syntax.js';
import { safeRegex } from './safe-regex.js';
import { isValidUcumCode, UCUM_SYSTEM } from './ucum.js';
import type { RawResource } from './store.js';

/** Three-valued: undefined means "cannot decide offline". */
export type Tri = boolean | undefined;

export interface CompiledValueSet {
  url: string;
  /** Systems whose codes may be members; used to look up a bare code. */
  systems: ReadonlySet<string>;
  /** Imported value sets we could not resolve: the value set may have members in other systems. */
  open: boolean;
  test(system: string, code: string): Tri;
  /** Displays the value set itself gives a code (include.concept display and designations). */
  displays(system: string, code: string): string[];
}

export interface ExpansionResolver {
  codeSystem(url: string, version?: string): IndexedCodeSystem | undefined;
  /** Compiled imported value set; undefined when unknown (or when importing it would loop). */
  valueSet(canonical: string): CompiledValueSet | undefined;
}

interface Part {
  systems: Set<string>;
  open: boolean;
  test(system: string, code: string): Tri;
  displays?: Map<string, string[]>;
  system?: string;
}

export function compileValueSet(vs: RawResource, resolver: ExpansionResolver): CompiledValueSet {
  const url = typeof vs['url'] === 'string' ? vs['url'] : '';
  const compose = vs['compose'];
  const parts = isRecord(compose)
    ? {
        includes: asArray(compose['include'])
          .filter(isRecord)
          .map((inc) => compilePart(inc, resolver)),
        excludes: asArray(compose['exclude'])
          .filter(isRecord)
          .map((exc) => compilePart(exc, resolver)),
      }
    : { includes: expansionParts(vs), excludes: [] };
  const systems = new Set(parts.includes.flatMap((p) => [...p.systems]));
  return {
    url,
    systems,
    open: parts.includes.some((p) => p.open),
    test(system, code) {
      const included = orAll(parts.includes.map((p) => p.test(system, code)));
      if (included === false) return false;
      const excluded = orAll(parts.excludes.map((p) => p.test(system, code)));
      return and(included, not(excluded));
    },
    displays(system, code) {
      return parts.includes.flatMap((p) => (p.system === system ? (p.displays?.get(code) ?? []) : []));
    },
  };
}

function compilePart(inc: Record<string, unknown>, resolver: ExpansionResolver): Part {
  const system = typeof inc['system'] === 'string' ? inc['system'] : undefined;
  const version = typeof inc['version'] === 'string' ? inc['version'] : undefined;
  const imports = asArray(inc['valueSet'])
    .filter((v): v is string => typeof v === 'string')
    .map((canonical) => resolver.valueSet(canonical));
  const importTest = (s: string, c: string): Tri =>
    andAll(imports.map((vs) => (vs ? vs.test(s, c) : undefined)));
  const importsOpen = imports.some((vs) => !vs || vs.open);

  if (system === undefined) {
    // Only imports: the intersection of the imported value sets.
    const systems = new Set(imports.flatMap((vs) => (vs ? [...vs.systems] : [])));
    return { systems, open: importsOpen || imports.length === 0, test: importTest };
  }
  const cs = resolver.codeSystem(system, version);
  const own = systemPart(inc, system, cs);
  return {
    system,
    systems: new Set([system]),
    // The part's codes are all of `system`: an import only narrows them, and a code we cannot
    // judge makes `test` answer undefined, so the part never hides members of other systems.
    open: false,
    displays: own.displays,
    test: (s, c) =>
      s !== system ? false : imports.length === 0 ? own.test(c) : and(own.test(c), importTest(s, c)),
  };
}

interface SystemPart {
  test(code: string): Tri;
  displays?: Map<string, string[]>;
}

function systemPart(
  inc: Record<string, unknown>,
  system: string,
  cs: IndexedCodeSystem | undefined,
): SystemPart {
  const concepts = asArray(inc['concept']).filter(isRecord);
  if (concepts.length > 0) return conceptListPart(concepts, cs);
  const filters = asArray(inc['filter']).filter(isRecord);
  if (filters.length > 0) {
    const tests = filters.map((f) => filterTest(f, system, cs));
    return { test: (code) => andAll(tests.map((t) => t(code))) };
  }
  return { test: wholeSystemTest(system, cs) };
}

function conceptListPart(concepts: Record<string, unknown>[], cs: IndexedCodeSystem | undefined): SystemPart {
  const displays = new Map<string, string[]>();
  for (const c of concepts) {
    if (typeof c['code'] !== 'string') continue;
    const list = [
      c['display'],
      ...asArray(c['designation']).map((d) => (isRecord(d) ? d['value'] : undefined)),
    ].filter((v): v is string => typeof v === 'string');
    displays.set(c['code'], list);
  }
  const caseInsensitive = cs !== undefined && !cs.caseSensitive;
  const lower = caseInsensitive ? new Set([...displays.keys()].map((k) => k.toLowerCase())) : undefined;
  return {
    displays,
    test: (code) => displays.has(code) || (lower?.has(code.toLowerCase()) ?? false),
  };
}

/**
 * Membership in a system we do not hold (or hold only in part): a code that cannot exist in it
 * (see code-syntax.ts) is in no part of it; any other code cannot be decided.
 */
function unheld(system: string): (code: string) => Tri {
  return (code) => (plausibleCode(system, code) === false ? false : undefined);
}

function wholeSystemTest(system: string, cs: IndexedCodeSystem | undefined): (code: string) => Tri {
  if (system === UCUM_SYSTEM) return isValidUcumCode;
  if (!cs) return unheld(system);
  const outside = cs.content === 'complete' ? () => false : unheld(system);
  return (code) => (findConcept(cs, code) ? true : outside(code));
}

/** Spec: https://hl7.org/fhir/R4/valueset-filter-operator.html */
function filterTest(
  filter: Record<string, unknown>,
  system: string,
  cs: IndexedCodeSystem | undefined,
): (code: string) => Tri {
  const property = typeof filter['property'] === 'string' ? filter['property'] : '';
  const op = typeof filter['op'] === 'string' ? filter['op'] : '';
  const value = typeof filter['value'] === 'string' ? filter['value'] : '';
  if (!cs) return unheld(system);
  const onConcept = property === 'concept' || property === 'code';
  const known = (code: string): string | undefined => findConcept(cs, code)?.code;
  const outside = cs.content === 'complete' ? () => false : unheld(system);
  const withConcept =
    (f: (code: string) => Tri) =>
    (code: string): Tri => {
      const c = known(code);
      return c === undefined ? outside(code) : f(c);
    };
  switch (op) {
    case 'is-a':
      return withConcept((c) => c === value || isDescendant(cs, c, value));
    case 'descendent-of':
      return withConcept((c) => isDescendant(cs, c, value));
    case 'is-not-a':
      return withConcept((c) => !(c === value || isDescendant(cs, c, value)));
    case 'generalizes':
      return withConcept((c) => c === value || isDescendant(cs, value, c));
    case '=':
      return withConcept((c) => (onConcept ? c === value : propertyValues(cs, c, property).includes(value)));
    case 'in':
    case 'not-in': {
      const set = new Set(value.split(',').map((v) => v.trim()));
      const inSet = (c: string): boolean =>
        onConcept ? set.has(c) : propertyValues(cs, c, property).some((v) => set.has(v));
      return withConcept((c) => (op === 'in' ? inSet(c) : !inSet(c)));
    }
    case 'regex': {
      const re = safeRegex(value);
      if (!re) return () => undefined;
      return withConcept((c) =>
        onConcept ? re.test(c) : propertyValues(cs, c, property).some((v) => re.test(v)),
      );
    }
    case 'exists':
      return withConcept((c) => propertyValues(cs, c, property).length > 0 === (value === 'true'));
    default:
      return () => undefined;
  }
}

/** A property's values as text; a Coding value also as `system#code`, the form filters use. */
function propertyValues(cs: IndexedCodeSystem, code: string, property: string): string[] {
  const concept = cs.concepts.get(code);
  if (!concept) return [];
  if (property === 'parent') return concept.parents;
  if (property === 'child') return concept.children;
  if (property === 'display') return concept.display ? [concept.display] : [];
  return concept.properties
    .filter((p) => p.code === property)
    .flatMap((p) =>
      p.system === undefined ? [String(p.value)] : [String(p.value), `${p.system}#${String(p.value)}`],
    );
}

/** A value set given only by its expansion: members are exactly what `contains` lists. */
function expansionParts(vs: RawResource): Part[] {
  const expansion = vs['expansion'];
  if (!isRecord(expansion)) return [{ systems: new Set(), open: true, test: () => undefined }];
  const bySystem = new Map<string, Map<string, string[]>>();
  const visit = (items: unknown[]): void => {
    for (const item of items) {
      if (!isRecord(item)) continue;
      if (typeof item['system'] === 'string' && typeof item['code'] === 'string') {
        const codes = bySystem.get(item['system']) ?? new Map<string, string[]>();
        codes.set(item['code'], typeof item['display'] === 'string' ? [item['display']] : []);
        bySystem.set(item['system'], codes);
      }
      visit(asArray(item['contains']));
    }
  };
  visit(asArray(expansion['contains']));
  return [...bySystem].map(([system, codes]) => ({
    system,
    systems: new Set([system]),
    open: false,
    displays: codes,
    test: (s: string, c: string): Tri => s === system && codes.has(c),
  }));
}

function and(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  if (a === true && b === true) return true;
  return undefined;
}

function not(a: Tri): Tri {
  return a === undefined ? undefined : !a;
}

function andAll(values: Tri[]): Tri {
  return values.reduce<Tri>((acc, v) => and(acc, v), true);
}

function orAll(values: Tri[]): Tri {
  let unknown = false;
  for (const v of values) {
    if (v === true) return true;
    if (v === undefined) unknown = true;
  }
  return unknown ? undefined : false;
}
