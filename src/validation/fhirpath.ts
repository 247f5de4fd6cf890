/**
 * FHIRPath for invariants: each expression is parsed once and evaluated synchronously with the
 * FHIR R4 model of fhirpath.js. What fhirpath.js does asynchronously or over the network is
 * replaced here by in-process versions:
 * - `resolve()` finds references inside the Bundle being validated and among contained
 *   resources (https://hl7.org/fhir/R4/references.html#contained,
 *   https://hl7.org/fhir/R4/bundle.html#references);
 * - `memberOf(url)` asks the TerminologyService given in the context;
 * - `conformsTo(url)` checks core resource profiles by type and asks an optional callback for
 *   other profiles.
 * `htmlChecks()`, `hasValue()` and `extension(url)` are fhirpath.js's own.
 *
 * Spec: https://hl7.org/fhir/R4/fhirpath.html#functions
 */
import { createRequire } from 'node:module';
import type { TerminologyService } from '../terminology/service.js';
import { isRecord } from '../fhir/records.js';

/**
 * What an evaluation can see besides the node itself. `terminology` and `conformsTo` are
 * optional additions to the agreed interface: without them `memberOf()` and `conformsTo()` of a
 * non-core profile cannot be decided, and an invariant using them yields `{ error }`.
 */
export interface InvariantContext {
  /** The resource that contains the node (%resource). */
  resource: unknown;
  /** The container of a contained resource, else the resource itself (%rootResource). */
  rootResource: unknown;
  /** The Bundle being validated, for resolve() of entry references. */
  bundle?: unknown;
  terminology?: Pick<TerminologyService, 'validateCode' | 'validateBareCode'>;
  /** true/false: the resource conforms (or not) to the profile; undefined: cannot tell. */
  conformsTo?: (resource: unknown, profileUrl: string) => boolean | undefined;
}

export interface CompiledExpression {
  /**
   * `typeName` is the FHIR type of `node` ('Quantity') or its element path
   * ('Observation.component'); omit it when `node` is a resource.
   */
  evaluate(node: unknown, ctx: InvariantContext, typeName?: string): unknown[];
}

// fhirpath.js is loaded as CommonJS: its resource-node class must be the one the engine uses,
// and the ES build is a separate bundle with its own copy.
const require = createRequire(import.meta.url);

type Evaluator = (data: unknown, envVars?: Record<string, unknown>) => unknown[];
interface FhirPathLib {
  compile(path: string | { base: string; expression: string }, model: unknown, options: object): Evaluator;
  parse(expression: string): unknown;
  util: { valData(v: unknown): unknown };
}
interface ResourceNodeLike {
  data: unknown;
  path?: string | null;
  fhirNodeDataType?: string | null;
}
interface TypeInfoLike {
  is(type: unknown, model: unknown): boolean;
}
interface TypesLib {
  ResourceNode: {
    makeResNode(ctx: unknown, data: unknown, parent: null, path: null, d: null, type: null): ResourceNodeLike;
  };
  TypeInfo: { fromValue(value: unknown): TypeInfoLike };
}
/** The evaluation context fhirpath.js passes as `this` to functions. */
interface EngineContext {
  model: unknown;
}

const fhirpath = require('fhirpath') as FhirPathLib;
const { ResourceNode, TypeInfo } = require('fhirpath/src/types.js') as TypesLib;
const r4Model = require('fhirpath/fhir-context/r4') as unknown;

/** Raised inside a function that cannot be decided offline; turns into `{ error }`. */
class UndecidableError extends Error {}

/** Evaluations in progress (innermost last): the custom functions read their context here. */
const active: InvariantContext[] = [];

function currentContext(): InvariantContext {
  const ctx = active[active.length - 1];
  if (!ctx) throw new UndecidableError('no evaluation context');
  return ctx;
}

const userInvocationTable = {
  resolve: { fn: resolveFn, internalStructures: true },
  as: { fn: asFn, arity: { 1: ['TypeSpecifier'] }, internalStructures: true },
  matches: { fn: matchesFn, arity: { 1: ['String'] }, internalStructures: true },
  memberOf: { fn: memberOfFn, arity: { 1: ['String'] }, internalStructures: true },
  conformsTo: { fn: conformsToFn, arity: { 1: ['String'] }, internalStructures: true },
};
// trace() would print instance data to the console; health data is never logged.
const OPTIONS = { userInvocationTable, traceFn: (): void => undefined };

export function compileExpression(expression: string): CompiledExpression {
  // Parse once now so that a syntax error surfaces at compile time.
  const plain = compileOrThrow(expression, undefined);
  const byBase = new Map<string, Evaluator>();
  const evaluatorFor = (typeName: string | undefined): Evaluator => {
    if (typeName === undefined) return plain;
    let fn = byBase.get(typeName);
    if (!fn) {
      fn = compileOrThrow(expression, typeName);
      byBase.set(typeName, fn);
    }
    return fn;
  };
  return {
    evaluate(node, ctx, typeName) {
      const fn = evaluatorFor(typeName);
      active.push(ctx);
      try {
        return fn(node, { resource: ctx.resource, rootResource: ctx.rootResource });
      } finally {
        active.pop();
      }
    },
  };
}

/**
 * The pair the validation engine plugs in, with defaults for what its contexts do not carry
 * (a terminology service for memberOf(), a profile check for conformsTo()).
 */
export function createInvariantEvaluator(defaults: Pick<InvariantContext, 'terminology' | 'conformsTo'>): {
  compileExpression: typeof compileExpression;
  evaluateInvariant: typeof evaluateInvariant;
} {
  return {
    compileExpression,
    evaluateInvariant: (compiled, node, ctx, typeName) =>
      evaluateInvariant(
        compiled,
        node,
        ctx.terminology && ctx.conformsTo ? ctx : { ...defaults, ...ctx },
        typeName,
      ),
  };
}

/** fhirpath.js attaches its whole parser state to syntax errors; keep only the message. */
function compileOrThrow(expression: string, base: string | undefined): Evaluator {
  try {
    return fhirpath.compile(base === undefined ? expression : { base, expression }, r4Model, OPTIONS);
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Error(`FHIRPath syntax error in '${expression}': ${message}`);
  }
}

/**
 * An invariant fails only when its expression yields `false`. An empty result passes: R4
 * invariants rely on it (ref-1 on a Reference without `reference`, que-0 without a `name`), and
 * the HL7 Java validator reports neither. A runtime error (or a function we cannot decide
 * offline) is returned as `{ error }` without instance data in the message.
 */
export function evaluateInvariant(
  compiled: CompiledExpression,
  node: unknown,
  ctx: InvariantContext,
  typeName?: string,
): boolean | { error: string } {
  let result: unknown[];
  try {
    result = compiled.evaluate(node, ctx, typeName);
  } catch (err) {
    return { error: safeMessage(err) };
  }
  return result.every((r) => r !== false);
}

/**
 * fhirpath.js puts the offending data into some error messages ("... got [{...}]"); an outcome
 * must not carry instance data (it may hold a BSN or a name), so only the rule text is kept.
 */
function safeMessage(err: unknown): string {
  if (err instanceof UndecidableError) return err.message;
  const text = err instanceof Error ? err.message : String(err);
  const cut = text.search(/,?\s*got\s|[[{"]/);
  const head = (cut >= 0 ? text.slice(0, cut) : text).split('\n')[0] ?? '';
  return `FHIRPath evaluation failed: ${head.trim().slice(0, 160)}`;
}

// ---------------------------------------------------------------------------------------------
// as() and matches(): lenient where the R4 invariants need it

/**
 * R4 invariants (dom-3: `%resource.descendants().as(canonical)`) apply `as()` to collections; as
 * in the HL7 Java validator it filters by type instead of failing on more than one item.
 */
function asFn(this: EngineContext, coll: unknown[], type: unknown): unknown[] {
  return coll.filter((v) => TypeInfo.fromValue(v).is(type, this.model));
}

const regexCache = new Map<string, RegExp | null>();

/**
 * `matches()` with the regex flavour of the R4 invariants: several (eld-16, eld-19, eld-20) use
 * escapes that Unicode-mode JavaScript rejects, so a pattern that fails in Unicode mode is
 * retried without it.
 */
function matchesFn(coll: unknown[], regex: unknown): boolean[] {
  if (coll.length === 0) return [];
  if (coll.length > 1) throw new Error('matches() needs a single string');
  const value = fhirpath.util.valData(coll[0]);
  const pattern = fhirpath.util.valData(Array.isArray(regex) ? regex[0] : regex);
  if (typeof value !== 'string' || typeof pattern !== 'string') return [];
  const re = compileRegex(pattern);
  if (!re) throw new Error('matches() was given an invalid regular expression');
  return [re.test(value)];
}

function compileRegex(pattern: string): RegExp | undefined {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    re = tryRegex(pattern, 'su') ?? tryRegex(pattern, 's') ?? null;
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re ?? undefined;
}

function tryRegex(pattern: string, flags: string): RegExp | undefined {
  try {
    return new RegExp(pattern, flags);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// resolve()

function resolveFn(this: unknown, coll: unknown[]): ResourceNodeLike[] {
  const ctx = currentContext();
  const out: ResourceNodeLike[] = [];
  for (const item of coll) {
    const target = resolveOne(fhirpath.util.valData(item), ctx);
    if (target !== undefined) out.push(ResourceNode.makeResNode(this, target, null, null, null, null));
  }
  return out;
}

function resolveOne(value: unknown, ctx: InvariantContext): unknown {
  const ref = typeof value === 'string' ? value : isRecord(value) ? value['reference'] : undefined;
  if (typeof ref !== 'string' || ref === '') return undefined;
  if (ref.startsWith('#')) return resolveContained(ref.slice(1), ctx);
  return resolveInBundle(ref, ctx);
}

function resolveContained(id: string, ctx: InvariantContext): unknown {
  if (id === '') return ctx.rootResource;
  for (const holder of [ctx.resource, ctx.rootResource]) {
    if (!isRecord(holder) || !Array.isArray(holder['contained'])) continue;
    const hit = (holder['contained'] as unknown[]).find((c) => isRecord(c) && c['id'] === id);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** Spec: https://hl7.org/fhir/R4/bundle.html#references (fullUrl, then Type/id relative to it). */
function resolveInBundle(ref: string, ctx: InvariantContext): unknown {
  const bundle = ctx.bundle;
  if (!isRecord(bundle) || !Array.isArray(bundle['entry'])) return undefined;
  const entries = (bundle['entry'] as unknown[]).filter(isRecord);
  const plain = ref.replace(/\/_history\/[^/]+$/, '');
  const exact = entries.find((e) => e['fullUrl'] === plain || e['fullUrl'] === ref);
  if (exact) return exact['resource'];
  const m = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(plain);
  if (!m) return undefined;
  // A contained resource resolves relative to the entry of its container.
  const base = baseOf((entryOf(ctx.resource, entries) ?? entryOf(ctx.rootResource, entries))?.['fullUrl']);
  if (base !== undefined) {
    const hit = entries.find((e) => e['fullUrl'] === `${base}${plain}`);
    if (hit) return hit['resource'];
  }
  const hit = entries.find((e) => {
    const r = e['resource'];
    return isRecord(r) && r['resourceType'] === m[1] && r['id'] === m[2];
  });
  return hit?.['resource'];
}

function entryOf(resource: unknown, entries: Record<string, unknown>[]): Record<string, unknown> | undefined {
  return entries.find((e) => e['resource'] === resource);
}

/** `http://x/fhir/Patient/1` -> `http://x/fhir/`. */
function baseOf(fullUrl: unknown): string | undefined {
  if (typeof fullUrl !== 'string') return undefined;
  const m = /^(.*\/)[A-Za-z]+\/[^/]+$/.exec(fullUrl);
  return m?.[1];
}

// ---------------------------------------------------------------------------------------------
// memberOf()

function memberOfFn(this: unknown, coll: unknown[], valueSet: unknown): boolean[] {
  const ctx = currentContext();
  if (coll.length !== 1) return [];
  const url = String(fhirpath.util.valData(valueSet));
  const node = coll[0] as ResourceNodeLike;
  const value = fhirpath.util.valData(node);
  const ts = ctx.terminology;
  if (!ts) throw new UndecidableError(`memberOf('${url}') needs a terminology service`);
  const answer = memberOf(ts, url, value);
  if (answer === undefined) throw new UndecidableError(`memberOf('${url}') cannot be decided offline`);
  return [answer];
}

function memberOf(
  ts: NonNullable<InvariantContext['terminology']>,
  url: string,
  value: unknown,
): boolean | undefined {
  if (typeof value === 'string') return ts.validateBareCode(url, value)?.valid;
  if (!isRecord(value)) return false;
  const codings = Array.isArray(value['coding']) ? (value['coding'] as unknown[]) : [value];
  let unknown = false;
  for (const c of codings) {
    if (!isRecord(c) || typeof c['code'] !== 'string') continue;
    const check = ts.validateCode(url, {
      code: c['code'],
      ...(typeof c['system'] === 'string' ? { system: c['system'] } : {}),
    });
    if (check?.valid) return true;
    if (check === undefined) unknown = true;
  }
  return unknown ? undefined : false;
}

// ---------------------------------------------------------------------------------------------
// conformsTo()

const CORE_PROFILE = 'http://hl7.org/fhir/StructureDefinition/';

function conformsToFn(this: unknown, coll: unknown[], profile: unknown): boolean[] {
  const ctx = currentContext();
  const url = String(fhirpath.util.valData(profile));
  return coll.map((item) => {
    const resource = fhirpath.util.valData(item);
    const answer = ctx.conformsTo?.(resource, url) ?? coreConformance(resource, url);
    if (answer === undefined) throw new UndecidableError(`conformsTo('${url}') cannot be decided here`);
    return answer;
  });
}

/** A core resource profile is met by its type (its own rules are checked where it is validated). */
function coreConformance(resource: unknown, url: string): boolean | undefined {
  if (!url.startsWith(CORE_PROFILE) || !isRecord(resource)) return undefined;
  const type = url.slice(CORE_PROFILE.length);
  return /^[A-Z][A-Za-z]+$/.test(type) ? resource['resourceType'] === type : undefined;
}
