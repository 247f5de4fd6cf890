/**
 * Invariants (ElementDefinition.constraint). The universal and hot ones of the R4 core are
 * implemented natively, recognised by key AND exact expression text so that a profile that
 * redefines a key with another expression still goes through FHIRPath. Everything else is compiled
 * once per expression by the FHIRPath hook and evaluated per value.
 *
 * Spec: https://hl7.org/fhir/R4/conformance-rules.html#constraints
 */
import { createRequire } from 'node:module';
import type { ConstraintDef } from './element-tree.js';
import { compileLite, type LiteInvariant } from './fhirpath-lite.js';
import type { CompiledExpressionLike, InvariantContextInput, InvariantHook } from './hooks.js';
import { isRecord } from '../../fhir/records.js';

type Json = Record<string, unknown>;
/** Where a native invariant fails below the value it is checked on, and what to say there. */
export interface NativeFailure {
  /** Path segments relative to the value, e.g. `.contained[1]`. */
  readonly at: string;
  readonly message: string;
}

/**
 * A native invariant: true when satisfied; or the places below the value where it fails (none
 * when satisfied), for rules the HL7 validator reports at the part that breaks them.
 */
export type NativeCheck = (node: unknown, ctx: InvariantContextInput) => boolean | readonly NativeFailure[];

const underscored = new Map<string, string>();

/** FHIRPath `x.exists()` on a JSON property: the value or its `_x` extension part is present. */
function has(o: Json, name: string): boolean {
  if (o[name] !== undefined) return true;
  let u = underscored.get(name);
  if (u === undefined) {
    u = '_' + name;
    underscored.set(name, u);
  }
  return o[u] !== undefined;
}

const NONE: readonly never[] = Object.freeze([]);

function list(v: unknown): readonly unknown[] {
  return v === undefined || v === null ? NONE : Array.isArray(v) ? v : [v];
}

/** The JSON objects of a property (one or many), without allocating when there are none. */
function records(v: unknown): readonly Json[] {
  if (v === undefined || v === null) return NONE;
  if (!Array.isArray(v)) return isRecord(v) ? [v] : NONE;
  return v.every(isRecord) ? (v as Json[]) : v.filter(isRecord);
}

/** ele-1: "All FHIR elements must have a @value or children". */
function ele1(node: unknown): boolean {
  if (!isRecord(node)) return node !== undefined && node !== null;
  for (const k in node) if (k !== 'id' && Object.hasOwn(node, k)) return true;
  return false;
}

/** ext-1: "Must have either extensions or value[x], not both". */
function ext1(node: unknown): boolean {
  if (!isRecord(node)) return true;
  const hasExt = Array.isArray(node.extension) ? node.extension.length > 0 : node.extension !== undefined;
  let hasValue = false;
  for (const k in node) {
    if ((k.startsWith('value') || k.startsWith('_value')) && Object.hasOwn(node, k)) {
      hasValue = true;
      break;
    }
  }
  return hasExt !== hasValue;
}

/** Most resources have no contained resources: the dom-* invariants then hold at once. */
function noContained(node: unknown): boolean {
  return !isRecord(node) || node.contained === undefined;
}

function contained(node: unknown): readonly Json[] {
  return isRecord(node) ? records(node.contained) : NONE;
}

/** Collects every string that starts with '#' under a JSON value (the local references). */
function collectLocalRefs(v: unknown, out: Set<string>, depth = 0): void {
  if (depth > 200) return;
  if (typeof v === 'string') {
    if (v.startsWith('#')) out.add(v);
  } else if (Array.isArray(v)) {
    for (const x of v) collectLocalRefs(x, out, depth + 1);
  } else if (isRecord(v)) {
    for (const k in v) if (Object.hasOwn(v, k)) collectLocalRefs(v[k], out, depth + 1);
  }
}

/**
 * dom-3: every contained resource is referenced from the resource, or refers to it with '#'.
 * Reported at each contained resource that is neither, as the HL7 validator does.
 */
function dom3(node: unknown): readonly NativeFailure[] {
  if (noContained(node) || !isRecord(node) || !Array.isArray(node.contained)) return NONE_FAILED;
  const refs = new Set<string>();
  collectLocalRefs(node, refs);
  const failures: NativeFailure[] = [];
  node.contained.forEach((c: unknown, i) => {
    if (!isRecord(c)) return;
    if (typeof c.id === 'string' && refs.has('#' + c.id)) return;
    const inner = new Set<string>();
    collectLocalRefs(c, inner);
    if (inner.has('#')) return;
    failures.push({
      at: `.contained[${String(i)}]`,
      message: `The contained resource${typeof c.id === 'string' ? ` '${c.id}'` : ''} is not referenced from elsewhere in the containing resource nor does it refer to the containing resource (dom-3)`,
    });
  });
  return failures;
}

const NONE_FAILED: readonly NativeFailure[] = [];

function resourceType(v: unknown): string | undefined {
  return isRecord(v) && typeof v.resourceType === 'string' ? v.resourceType : undefined;
}

/** FHIRPath comparison of two date/times: undefined when precisions differ (empty result). */
export function compareDateTimes(a: string, b: string): number | undefined {
  const precision = (s: string): number => (s.includes('T') ? 4 : s.length >= 10 ? 3 : s.length >= 7 ? 2 : 1);
  const pa = precision(a);
  const pb = precision(b);
  if (pa !== pb) return undefined;
  if (pa < 4) return a < b ? -1 : a > b ? 1 : 0;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return undefined;
  return ta - tb;
}

function bundleType(node: unknown): unknown {
  return isRecord(node) ? node.type : undefined;
}

function entries(node: unknown): readonly Json[] {
  return isRecord(node) ? records(node.entry) : NONE;
}

type HtmlCheck = (text: string, isFragment: boolean) => boolean;

/**
 * The narrative rules (txt-1, txt-2) as fhirpath.js's htmlChecks() applies them to an xhtml
 * value, called directly instead of through an expression evaluation. Spec:
 * https://hl7.org/fhir/R4/narrative.html#rules
 */
const htmlCheck: HtmlCheck | undefined = (() => {
  try {
    const mod = createRequire(import.meta.url)('fhirpath/src/html-checks.js') as { _checkHtml?: unknown };
    return typeof mod._checkHtml === 'function' ? (mod._checkHtml as HtmlCheck) : undefined;
  } catch {
    return undefined;
  }
})();

/**
 * Verdicts of htmlCheck by narrative text: txt-1 and txt-2 ask the same question of each div, and
 * generated narratives repeat. Bounded; a verdict depends only on the text.
 */
const narrativeVerdicts = new Map<string, boolean>();
const NARRATIVE_MEMO_LIMIT = 2_000;

function narrativeOk(check: HtmlCheck, div: string): boolean {
  let ok = narrativeVerdicts.get(div);
  if (ok === undefined) {
    ok = check(div, false);
    if (narrativeVerdicts.size >= NARRATIVE_MEMO_LIMIT) narrativeVerdicts.clear();
    narrativeVerdicts.set(div, ok);
  }
  return ok;
}

/**
 * The fullUrls of a Bundle's entries and their `Type/id` tails, once per Bundle: what a reference
 * inside the Bundle may point to under ov-bdl-ref-1.
 */
const bundleTargets = new WeakMap<object, Set<string>>();

function targetsOf(bundle: Json): Set<string> {
  let set = bundleTargets.get(bundle);
  if (!set) {
    set = new Set();
    for (const e of entries(bundle)) {
      if (typeof e.fullUrl !== 'string') continue;
      set.add(e.fullUrl);
      set.add(e.fullUrl.replace(/^.*\/([A-Za-z]+\/[^/]+)$/, '$1'));
    }
    bundleTargets.set(bundle, set);
  }
  return set;
}

/** Every `reference` string under a value (Reference.reference is the only R4 element so named). */
function eachReference(v: unknown, f: (ref: string) => boolean, depth = 0): boolean {
  if (depth > 200) return true;
  if (Array.isArray(v)) {
    for (const x of v) if (!eachReference(x, f, depth + 1)) return false;
    return true;
  }
  if (!isRecord(v)) return true;
  for (const k in v) {
    const x = v[k];
    if (k === 'reference' && typeof x === 'string') {
      if (!f(x)) return false;
    } else if (typeof x === 'object' && x !== null && !eachReference(x, f, depth + 1)) {
      return false;
    }
  }
  return true;
}

/**
 * ov-bdl-ref-1 of the project's message and document profiles (every reference in an entry
 * resolves to an entry), without re-reading all fullUrls for every reference as the expression
 * would: the same verdict in time linear in the Bundle.
 */
function ovBundleReferences(entry: unknown, ctx: InvariantContextInput): boolean {
  if (!isRecord(entry) || !isRecord(entry.resource) || !isRecord(ctx.resource)) return true;
  const targets = targetsOf(ctx.resource);
  return eachReference(
    entry.resource,
    (ref) => ref.startsWith('#') || targets.has(ref.replace(/\/_history\/[^/]+$/, '')),
  );
}

/** Natives by `key|expression` of the R4 core definitions (and the project's hottest invariant). */
const NATIVE: ReadonlyMap<string, NativeCheck> = new Map<string, NativeCheck>([
  ['ele-1|hasValue() or (children().count() > id.count())', ele1],
  ['ext-1|extension.exists() != value.exists()', ext1],
  [
    'dom-2|contained.contained.empty()',
    (n) => noContained(n) || contained(n).every((c) => list(c.contained).length === 0),
  ],
  [
    "dom-3|contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()",
    dom3,
  ],
  [
    'dom-4|contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()',
    (n) =>
      noContained(n) ||
      contained(n).every(
        (c) => !isRecord(c.meta) || (!has(c.meta, 'versionId') && !has(c.meta, 'lastUpdated')),
      ),
  ],
  [
    'dom-5|contained.meta.security.empty()',
    (n) =>
      noContained(n) || contained(n).every((c) => !isRecord(c.meta) || list(c.meta.security).length === 0),
  ],
  // Only a resource that is not contained needs narrative (as corrected in later versions).
  [
    'dom-6|text.`div`.exists()',
    (n, ctx) => ctx.rootResource !== n || (isRecord(n) && isRecord(n.text) && has(n.text, 'div')),
  ],
  [
    "ref-1|reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))",
    (n, ctx) => {
      if (!isRecord(n) || typeof n.reference !== 'string' || !n.reference.startsWith('#')) return true;
      if (n.reference === '#') return true;
      const id = n.reference.slice(1);
      return contained(ctx.rootResource).some((c) => c.id === id);
    },
  ],
  [
    'per-1|start.hasValue().not() or end.hasValue().not() or (start <= end)',
    (n) => {
      if (!isRecord(n) || typeof n.start !== 'string' || typeof n.end !== 'string') return true;
      const c = compareDateTimes(n.start, n.end);
      return c === undefined || c <= 0;
    },
  ],
  ['qty-3|code.empty() or system.exists()', (n) => !isRecord(n) || !has(n, 'code') || has(n, 'system')],
  ['sqty-1|comparator.empty()', (n) => !isRecord(n) || !has(n, 'comparator')],
  ['cpt-2|value.empty() or system.exists()', (n) => !isRecord(n) || !has(n, 'value') || has(n, 'system')],
  [
    'att-1|data.empty() or contentType.exists()',
    (n) => !isRecord(n) || !has(n, 'data') || has(n, 'contentType'),
  ],
  [
    "bdl-1|total.empty() or (type = 'searchset') or (type = 'history')",
    (n) => !isRecord(n) || !has(n, 'total') || n.type === 'searchset' || n.type === 'history',
  ],
  [
    "bdl-2|entry.search.empty() or (type = 'searchset')",
    (n) => bundleType(n) === 'searchset' || entries(n).every((e) => !has(e, 'search')),
  ],
  [
    "bdl-3|entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' or %resource.type = 'history'))",
    (n) => {
      const t = bundleType(n);
      const want = t === 'batch' || t === 'transaction' || t === 'history';
      return entries(n).every((e) => has(e, 'request') === want);
    },
  ],
  [
    "bdl-4|entry.all(response.exists() = (%resource.type = 'batch-response' or %resource.type = 'transaction-response' or %resource.type = 'history'))",
    (n) => {
      const t = bundleType(n);
      const want = t === 'batch-response' || t === 'transaction-response' || t === 'history';
      return entries(n).every((e) => has(e, 'response') === want);
    },
  ],
  [
    "bdl-7|(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()",
    (n) => {
      if (bundleType(n) === 'history') return true;
      const seen = new Set<string>();
      for (const e of entries(n)) {
        if (!has(e, 'fullUrl')) continue;
        const meta = isRecord(e.resource) && isRecord(e.resource.meta) ? e.resource.meta : undefined;
        const version = typeof meta?.versionId === 'string' ? meta.versionId : '';
        // Without a version (the common case) the fullUrl itself is the key: no string is built.
        const key = version === '' ? String(e.fullUrl) : `${String(e.fullUrl)}\u0000${version}`;
        if (seen.has(key)) return false;
        seen.add(key);
      }
      return true;
    },
  ],
  [
    "bdl-9|type = 'document' implies (identifier.system.exists() and identifier.value.exists())",
    (n) =>
      bundleType(n) !== 'document' ||
      (isRecord(n) && isRecord(n.identifier) && has(n.identifier, 'system') && has(n.identifier, 'value')),
  ],
  [
    "bdl-10|type = 'document' implies (timestamp.hasValue())",
    (n) => bundleType(n) !== 'document' || (isRecord(n) && typeof n.timestamp === 'string'),
  ],
  [
    "bdl-11|type = 'document' implies entry.first().resource.is(Composition)",
    (n) => bundleType(n) !== 'document' || resourceType(entries(n)[0]?.resource) === 'Composition',
  ],
  [
    "bdl-12|type = 'message' implies entry.first().resource.is(MessageHeader)",
    (n) => bundleType(n) !== 'message' || resourceType(entries(n)[0]?.resource) === 'MessageHeader',
  ],
  [
    'bdl-5|resource.exists() or request.exists() or response.exists()',
    (n) => isRecord(n) && (has(n, 'resource') || has(n, 'request') || has(n, 'response')),
  ],
  ...(htmlCheck
    ? ([
        ['txt-1|htmlChecks()', (n: unknown) => typeof n !== 'string' || narrativeOk(htmlCheck, n)],
        ['txt-2|htmlChecks()', (n: unknown) => typeof n !== 'string' || narrativeOk(htmlCheck, n)],
      ] as [string, NativeCheck][])
    : []),
  [
    "ov-bdl-ref-1|resource.descendants().ofType(Reference).reference.where(startsWith('#').not()).all((%resource.entry.fullUrl | %resource.entry.fullUrl.select(replaceMatches('^.*/([A-Za-z]+/[^/]+)$', '$1'))) contains $this.replaceMatches('/_history/[^/]+$', ''))",
    ovBundleReferences,
  ],
  [
    "bdl-8|fullUrl.exists() implies fullUrl.contains('/_history/').not()",
    (n) => !isRecord(n) || typeof n.fullUrl !== 'string' || !n.fullUrl.includes('/_history/'),
  ],
]);

export interface PreparedConstraint {
  readonly def: ConstraintDef;
  readonly native: NativeCheck | undefined;
  /** The expression compiled to a closure, when it is in the subset fhirpath-lite compiles. */
  readonly lite: LiteInvariant | undefined;
  readonly shape: ExpressionShape;
  /** The message of a failure, made once. */
  readonly message: string;
}

export function prepareConstraint(def: ConstraintDef): PreparedConstraint {
  const native = NATIVE.get(`${def.key}|${def.expression}`);
  return {
    def,
    native,
    lite: native ? undefined : compileLite(def.expression),
    shape: expressionShape(def.expression),
    message: `Constraint failed: ${def.key}: '${def.human}'`,
  };
}

const ELE_1 = 'hasValue() or (children().count() > id.count())';

/**
 * Merges constraint lists, the first definition of a key winning. ele-1, which every element
 * carries, is left out: the walker checks it while it walks the element's properties.
 */
export function mergeConstraints(...lists: (readonly ConstraintDef[])[]): PreparedConstraint[] {
  const seen = new Set<string>();
  const out: PreparedConstraint[] = [];
  for (const l of lists) {
    for (const c of l) {
      if (seen.has(c.key)) continue;
      seen.add(c.key);
      if (c.key === 'ele-1' && c.expression === ELE_1) continue;
      out.push(prepareConstraint(c));
    }
  }
  return out;
}

type CompileResult = CompiledExpressionLike | { error: string };
const compiledByHook = new WeakMap<InvariantHook, Map<string, CompileResult>>();

/** The expression compiled once per FHIRPath engine; syntax errors are remembered too. */
export function compiledFor(hook: InvariantHook, expression: string): CompileResult {
  let cache = compiledByHook.get(hook);
  if (!cache) {
    cache = new Map();
    compiledByHook.set(hook, cache);
  }
  let c = cache.get(expression);
  if (!c) {
    try {
      c = hook.compileExpression(expression);
    } catch (err) {
      c = { error: err instanceof Error ? err.message : String(err) };
    }
    cache.set(expression, c);
  }
  return c;
}

/**
 * Which properties of the focus an expression can look at. When the expression only navigates
 * from the focus by name (no `$this`, `%` variables, type names or functions applied to the focus
 * itself), its result on a value that has none of those properties equals its result on an empty
 * object - computed once. Identifiers inside function arguments are counted too (conservative).
 */
export interface ExpressionShape {
  /** true: the result may depend on anything; always evaluate. */
  readonly always: boolean;
  readonly roots: readonly string[];
}

const shapes = new Map<string, ExpressionShape>();
const ALWAYS: ExpressionShape = { always: true, roots: [] };

export function expressionShape(expression: string): ExpressionShape {
  let shape = shapes.get(expression);
  if (shape) return shape;
  shape = analyse(expression);
  shapes.set(expression, shape);
  return shape;
}

function analyse(expression: string): ExpressionShape {
  // String literals say nothing about the focus.
  const text = expression.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  if (/[$%]/.test(text)) return ALWAYS;
  const roots = new Set<string>();
  const token = /(\.)?\s*(`[^`]*`|[A-Za-z_][A-Za-z0-9_]*)\s*(\()?/g;
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    const dotted = m[1] !== undefined;
    const name = (m[2] ?? '').replace(/`/g, '');
    const call = m[3] !== undefined;
    if (dotted) {
      // `x.name` navigates from another value; a call `.f()` on it likewise.
      continue;
    }
    if (call) {
      // A function applied to the focus itself (exists(), children(), iif(...), ...).
      return ALWAYS;
    }
    // A type name (`Patient.name`) filters the focus itself.
    if (/^[A-Z]/.test(name)) return ALWAYS;
    roots.add(name);
  }
  return { always: false, roots: [...roots] };
}

/** Whether a JSON object has a property the expression can see (also `_name` and choice forms). */
export function touches(value: Record<string, unknown>, roots: readonly string[]): boolean {
  for (const key in value) {
    const start = key.charCodeAt(0) === 95 ? 1 : 0;
    for (let i = 0; i < roots.length; i++) {
      const r = roots[i] as string;
      if (!key.startsWith(r, start)) continue;
      const end = start + r.length;
      if (end === key.length) return true;
      const c = key.charCodeAt(end);
      if (c >= 65 && c <= 90) return true;
    }
  }
  return false;
}
