/**
 * Export policies: per recipient, a declarative file that says which resource types go out and,
 * per element, what happens to it. Loaded once, checked twice: the JSON Schema checks the shape,
 * then every element path is looked up in the R4 definitions and every rule is checked against
 * the element's type. A rule that cannot hold (`keep` on a HumanName, `year` on a code) is an
 * error naming the key, so a policy that loads is one the engine can honour.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../config/load.js';
import type { DateMode } from './dates.js';
import { isDateType } from './dates.js';
import { r4Model, type Child, type ElementDef, type Place, type R4Model } from './model.js';
import { policySchema, type CodeSystemSpec, type PolicyFile, type RuleSpec } from './policy-schema.js';
import type { PostcodeRules } from './postcodes.js';

export type Rule =
  | { readonly kind: 'keep'; readonly dates: DateMode }
  /** `public`: identifier systems whose values go out as they are (public registers). */
  | { readonly kind: 'hash'; readonly public?: ReadonlySet<string> }
  | { readonly kind: 'postcode' }
  | { readonly kind: 'allow'; readonly values: ReadonlySet<string> };

export interface TypePolicy {
  /** Rules by definition path (`Observation.value[x]`), or `path|Type` for one type of a choice. */
  readonly rules: ReadonlyMap<string, Rule>;
  /** BackboneElements that go out because rules name elements inside them (definition paths). */
  readonly containers: ReadonlySet<string>;
}

export interface CodeSystemRule {
  readonly system?: string;
  readonly prefix?: string;
  readonly display: boolean;
}

export interface Policy {
  readonly recipient: string;
  readonly key: { readonly id: string; readonly series: string };
  readonly dates: { readonly default: DateMode; readonly shiftDays: number };
  readonly postcode: PostcodeRules;
  readonly codeSystems: readonly CodeSystemRule[];
  /** Prefixes of uri, url and canonical values that may leave verbatim. */
  readonly uris: readonly string[];
  /** Extensions that go out (by url), wherever they are found in what goes out. */
  readonly extensions: ReadonlySet<string>;
  readonly types: ReadonlyMap<string, TypePolicy>;
}

const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';

/** Types whose content is the client's own: names, addresses, contacts, notes, documents. */
export const NEVER_KEPT_TYPES: ReadonlySet<string> = new Set([
  'HumanName',
  'ContactPoint',
  'Annotation',
  'Attachment',
  'Narrative',
  'Signature',
  'xhtml',
]);
/** Primitives that may carry free text: they leave hashed or as an enumerated value, never as they are. */
export const FREE_TEXT_TYPES: ReadonlySet<string> = new Set(['string', 'markdown', 'id', 'base64Binary']);
export const URI_TYPES: ReadonlySet<string> = new Set(['uri', 'url', 'canonical', 'oid', 'uuid']);
/** Resource elements the engine handles itself, whatever a policy says. */
const ENGINE_ELEMENTS: Readonly<Record<string, string>> = {
  id: 'resource ids are always pseudonymised',
  meta: 'of meta only the profiles go out',
  text: 'narrative never goes out',
  extension: "extensions go out by url, listed under 'extensions'",
  modifierExtension: "extensions go out by url, listed under 'extensions'",
};

const ajv = new Ajv({ allErrors: true, useDefaults: true });
const validateShape = ajv.compile(policySchema);

/** Reads and checks a policy file; `ConfigError` names the file and each bad key. */
export function readPolicyFile(path: string, model: R4Model = r4Model()): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`export policy ${path} cannot be read`);
  }
  return parsePolicy(text, path, model);
}

export function parsePolicy(yamlText: string, origin: string, model: R4Model = r4Model()): Policy {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch {
    throw new ConfigError(`export policy ${origin}: not valid YAML`);
  }
  return compilePolicy(raw, origin, model);
}

/** A policy from its parsed form (YAML or JSON), checked as a file would be. */
export function compilePolicy(raw: unknown, origin: string, model: R4Model = r4Model()): Policy {
  const copy: unknown = structuredClone(raw);
  if (!validateShape(copy)) {
    throw policyError(origin, [...new Set((validateShape.errors ?? []).map(describeError))]);
  }
  const file = copy as unknown as PolicyFile;
  const errors: string[] = [];
  const types = new Map<string, TypePolicy>();
  for (const [type, elements] of Object.entries(file.resources)) {
    const compiled = compileType(model, type, elements, file.dates.default, errors);
    if (compiled) types.set(type, compiled);
  }
  if (file.dates.shiftDays === 0 && shifts(file.dates.default, types)) {
    errors.push('dates.shiftDays: dates are shifted, so the bound of the shift (above 0) is required');
  }
  if (errors.length > 0) throw policyError(origin, errors);
  return {
    recipient: file.recipient,
    key: { id: file.key.id, series: file.key.series },
    dates: { default: file.dates.default, shiftDays: file.dates.shiftDays },
    postcode: {
      digits: file.postcode.digits,
      minGroupSize: file.postcode.minGroupSize,
      smallGroup: file.postcode.smallGroup,
    },
    codeSystems: file.codeSystems.map(codeSystemRule),
    uris: file.uris,
    extensions: new Set(file.extensions),
    types,
  };
}

/** Whether any date is shifted: a shift of at most 0 days would silently keep every date exact. */
function shifts(dateDefault: DateMode, types: ReadonlyMap<string, TypePolicy>): boolean {
  if (dateDefault === 'shift') return true;
  return [...types.values()].some((t) =>
    [...t.rules.values()].some((r) => r.kind === 'keep' && r.dates === 'shift'),
  );
}

function codeSystemRule(spec: CodeSystemSpec): CodeSystemRule {
  return {
    ...(spec.system ? { system: spec.system } : { prefix: spec.prefix }),
    display: spec.display === true,
  };
}

function policyError(origin: string, lines: string[]): ConfigError {
  return new ConfigError(`invalid export policy ${origin}:\n  ${lines.join('\n  ')}`);
}

function describeError(e: ErrorObject): string {
  const key = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)';
  const prefix = key === '(root)' ? '' : `${key}.`;
  if (e.keyword === 'required') return `${prefix}${String(e.params.missingProperty)}: is required`;
  if (e.keyword === 'additionalProperties')
    return `${key}: unknown key '${String(e.params.additionalProperty)}'`;
  if (e.keyword === 'propertyNames')
    return `${key}: '${String(e.params.propertyName)}' is not a valid name here`;
  if (e.keyword === 'enum')
    return `${key}: must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
  return `${key}: ${e.message ?? 'is invalid'}`;
}

function compileType(
  model: R4Model,
  type: string,
  elements: Record<string, RuleSpec>,
  dateDefault: DateMode,
  errors: string[],
): TypePolicy | undefined {
  const root = model.isResourceType(type) ? model.root(type) : undefined;
  if (!root) {
    errors.push(`resources.${type}: not an R4 resource type`);
    return undefined;
  }
  const rules = new Map<string, Rule>();
  const containers = new Set<string>();
  const keptBackbones: { key: string; inside: string }[] = [];
  for (const [path, spec] of Object.entries(elements)) {
    const key = `resources.${type}.${path}`;
    const target = resolvePath(model, root, path, containers);
    const problem = typeof target === 'string' ? target : checkRule(target, spec);
    if (problem || typeof target === 'string') {
      errors.push(`${key}: ${problem ?? ''}`);
      continue;
    }
    const rule = compileRule(spec, dateDefault);
    if (!rule) continue;
    rules.set(target.type ? `${target.def.path}|${target.type}` : target.def.path, rule);
    const content = target.children[0]?.content;
    if (content?.kind === 'backbone') keptBackbones.push({ key, inside: `${content.place.path}.` });
  }
  // A BackboneElement kept with no rule inside would go out empty: say so rather than export nothing.
  for (const { key, inside } of keptBackbones) {
    if (![...rules.keys()].some((k) => k.startsWith(inside)))
      errors.push(`${key}: name the elements inside that go out`);
  }
  return { rules, containers };
}

function compileRule(spec: RuleSpec, dateDefault: DateMode): Rule | undefined {
  if (typeof spec !== 'string') {
    return 'allow' in spec
      ? { kind: 'allow', values: new Set(spec.allow) }
      : { kind: 'hash', public: new Set(spec.public) };
  }
  switch (spec) {
    case 'drop':
      return undefined;
    case 'keep':
      return { kind: 'keep', dates: dateDefault };
    case 'hash':
    case 'postcode':
      return { kind: spec };
    case 'exact':
    case 'shift':
    case 'month':
    case 'year':
      return { kind: 'keep', dates: spec };
    default:
      return spec satisfies never;
  }
}

/** What a policy path names: an element, and for `valueQuantity` the one type of the choice. */
export interface PathTarget {
  readonly def: ElementDef;
  readonly type?: string;
  /** The children of each type the rule covers. */
  readonly children: readonly Child[];
}

/**
 * Follows a dotted path through BackboneElements (the only elements a policy names inside; a
 * datatype's parts follow the type rules). Intermediate elements are recorded as containers.
 */
export function resolvePath(
  model: R4Model,
  root: Place,
  path: string,
  containers?: Set<string>,
): PathTarget | string {
  const segments = path.split('.');
  const engine = ENGINE_ELEMENTS[segments[0] ?? ''];
  if (engine) return engine;
  if (segments.some((s) => s === 'extension' || s === 'modifierExtension'))
    return ENGINE_ELEMENTS.extension ?? '';
  let place = root;
  for (const [i, segment] of segments.entries()) {
    const found = findElement(model, place, segment);
    if (!found) return `no element ${place.path}.${segment} in FHIR R4`;
    if (i === segments.length - 1) return found;
    const first = found.children[0];
    if (found.children.length !== 1 || first?.content.kind !== 'backbone') {
      return `${found.def.path} is ${found.def.types.join(' | ')}; its parts follow the type rules and are not named`;
    }
    containers?.add(found.def.path);
    place = first.content.place;
  }
  return `empty path`;
}

function findElement(model: R4Model, place: Place, segment: string): PathTarget | undefined {
  const defs = model.elements(place);
  if (segment.endsWith('[x]')) {
    const def = defs.find((d) => d.choice && `${d.name}[x]` === segment);
    return def ? { def, children: childrenOf(model, place, def) } : undefined;
  }
  const child = model.child(place, segment);
  if (!child) return undefined;
  return child.def.choice
    ? { def: child.def, type: child.type, children: [child] }
    : { def: child.def, children: [child] };
}

function childrenOf(model: R4Model, place: Place, def: ElementDef): Child[] {
  return def.types.map((t) => model.childOf(place, def, t)).filter((c) => c !== undefined);
}

/** Why a rule cannot apply to an element, or undefined when it can (for one of a choice's types at least). */
export function checkRule(target: PathTarget, spec: RuleSpec): string | undefined {
  if (spec === 'drop') return undefined;
  const problems = target.children.map((c) => ruleProblem(c, spec));
  if (problems.some((p) => p === undefined)) return undefined;
  return problems[0] ?? `no type of ${target.def.path} is known`;
}

function ruleProblem(child: Child, spec: RuleSpec): string | undefined {
  const type = child.type;
  const what = `${child.def.path} (${type})`;
  if (NEVER_KEPT_TYPES.has(type)) return `${what} never goes out; only 'drop' applies`;
  if (typeof spec !== 'string' && 'public' in spec) return publicProblem(spec.public, what, type);
  if (typeof spec !== 'string') {
    return child.content.kind === 'primitive' && !isDateType(type)
      ? undefined
      : `'allow' lists values of primitives, not of ${what}`;
  }
  switch (spec) {
    case 'drop':
      return undefined;
    case 'hash':
      return type === 'Identifier' || FREE_TEXT_TYPES.has(type) || URI_TYPES.has(type) || type === 'code'
        ? undefined
        : `'hash' applies to identifiers and text, not to ${what}`;
    case 'postcode':
      return type === 'Address' ? undefined : `'postcode' applies to addresses, not to ${what}`;
    case 'keep':
    case 'exact':
    case 'shift':
    case 'month':
    case 'year':
      return keepProblem(child, spec, what);
    default:
      return spec satisfies never;
  }
}

function publicProblem(systems: readonly string[], what: string, type: string): string | undefined {
  if (type !== 'Identifier') return `'public' lists identifier systems, not values of ${what}`;
  return systems.includes(BSN_SYSTEM) ? 'the BSN identifies a client and is never public' : undefined;
}

function keepProblem(child: Child, spec: RuleSpec, what: string): string | undefined {
  const type = child.type;
  if (type === 'Address') return `${what} goes out only as its postcode area: use 'postcode'`;
  if (type === 'Identifier') return `${what} goes out only as a pseudonym: use 'hash'`;
  if (FREE_TEXT_TYPES.has(type))
    return `${what} may hold free text: use 'hash', or 'allow' with the values that may go out`;
  if (spec !== 'keep' && !holdsDates(child)) return `'${String(spec)}' applies to dates, not to ${what}`;
  return undefined;
}

/** Types whose dates never go out as such (they are pseudonymised or dropped whole). */
const NO_DATES_INSIDE = new Set(['Extension', 'Reference', 'Identifier', 'Meta', ...NEVER_KEPT_TYPES]);
const datesInside = new Map<string, boolean>();

/** Whether a date mode can mean anything for this element: a date, or a datatype with dates inside. */
function holdsDates(child: Child): boolean {
  if (child.content.kind === 'primitive') return isDateType(child.type);
  if (child.content.kind !== 'datatype') return false;
  return typeHoldsDates(child.content.place, r4Model(), 3);
}

function typeHoldsDates(place: Place, model: R4Model, depth: number): boolean {
  const known = datesInside.get(place.type.name);
  if (known !== undefined) return known;
  if (NO_DATES_INSIDE.has(place.type.name) || depth === 0) return false;
  const found = model.elements(place).some((def) =>
    def.types.some((t) => {
      const c = model.childOf(place, def, t);
      if (!c) return false;
      if (c.content.kind === 'primitive') return isDateType(c.type);
      return c.content.kind === 'datatype' && typeHoldsDates(c.content.place, model, depth - 1);
    }),
  );
  datesInside.set(place.type.name, found);
  return found;
}
