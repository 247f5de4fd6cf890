/**
 * Invariants (ElementDefinition.constraint) on a walked value: natively where compile/constraints.ts
 * has a native, else through the compiled FHIRPath subset, else through the full FHIRPath engine
 * of the semantic hooks. An invariant that can see none of the value's properties is evaluated
 * once per expression, engine and type on an empty value. The invariant context (%resource,
 * %rootResource, the Bundle, conformsTo()) is made once per resource frame.
 *
 * Spec: https://hl7.org/fhir/R4/conformance-rules.html#constraints
 */
import { isRecord } from '../../fhir/records.js';
import { compiledFor, touches, type NativeFailure, type PreparedConstraint } from '../compile/constraints.js';
import type { ElementNode, TypeRef } from '../compile/element-tree.js';
import { LiteBail } from '../compile/fhirpath-lite.js';
import type { InvariantContextInput, SemanticHooks } from '../compile/hooks.js';
import { constraintSource } from '../issue-source.js';
import type { Walker } from '../walk.js';

/** The invariants of the element and of its type's root, natively or through FHIRPath. */
export function checkConstraints(
  w: Walker,
  value: unknown,
  el: ElementNode,
  type: TypeRef | undefined,
): void {
  const prepared = w.env.compiler.constraints(el, type);
  if (prepared.length === 0) return;
  const ctx = invariantContext(w);
  const hook = w.env.hooks.invariants;
  // The container's rules about its contained resources (dom-2 to dom-5) are part of
  // validating them, and go with them when contained resources are not validated.
  const skipContained = !w.options.validateContained;
  let typeName: string | undefined | null = null;
  for (let i = 0; i < prepared.length; i++) {
    const c = prepared[i] as PreparedConstraint;
    if (skipContained && c.def.expression.startsWith('contained.')) continue;
    let ok: boolean;
    if (c.native) {
      const result = c.native(value, ctx);
      if (typeof result !== 'boolean') {
        reportFailures(w, c, result);
        continue;
      }
      ok = result;
    } else {
      if (!hook) continue;
      if (typeName === null) typeName = invariantTypeName(value, el, type);
      const r = evaluate(hook, c, value, ctx, typeName);
      if (typeof r !== 'boolean') {
        w.report(
          'warning',
          'processing',
          `The invariant ${c.def.key} could not be evaluated: ${r.error}`,
          undefined,
          w.sink.sources ? constraintSource(c.def, w.env.compiler) : undefined,
        );
        continue;
      }
      ok = r;
    }
    if (!ok) {
      w.report(
        c.def.severity,
        'invariant',
        c.message,
        undefined,
        w.sink.sources ? constraintSource(c.def, w.env.compiler) : undefined,
      );
    }
  }
}

/** A native invariant's failures, each at the part below the value that breaks it. */
function reportFailures(w: Walker, c: PreparedConstraint, failures: readonly NativeFailure[]): void {
  for (const f of failures) {
    const size = w.path.size;
    w.path.push(f.at);
    w.report(
      c.def.severity,
      'invariant',
      f.message,
      undefined,
      w.sink.sources ? constraintSource(c.def, w.env.compiler) : undefined,
    );
    w.path.reset(size);
  }
}

/**
 * One FHIRPath invariant. When the value has none of the properties the expression can see,
 * the result is that of an empty value, computed once per expression and type.
 */
function evaluate(
  hook: NonNullable<SemanticHooks['invariants']>,
  c: PreparedConstraint,
  value: unknown,
  ctx: InvariantContextInput,
  typeName: string | undefined,
): boolean | { error: string } {
  if (c.shape.always || !isRecord(value) || touches(value, c.shape.roots))
    return runInvariant(hook, c, value, ctx, typeName);
  const rt = typeof value.resourceType === 'string' ? value.resourceType : undefined;
  const key = typeName ?? rt ?? '';
  let byHook = emptyResults.get(c);
  if (!byHook) {
    byHook = new WeakMap();
    emptyResults.set(c, byHook);
  }
  let cache = byHook.get(hook);
  if (!cache) {
    cache = new Map();
    byHook.set(hook, cache);
  }
  let r = cache.get(key);
  if (r === undefined) {
    r = runInvariant(hook, c, rt ? { resourceType: rt } : {}, ctx, typeName);
    cache.set(key, r);
  }
  return r;
}

function runInvariant(
  hook: NonNullable<SemanticHooks['invariants']>,
  c: PreparedConstraint,
  node: unknown,
  ctx: InvariantContextInput,
  typeName: string | undefined,
): boolean | { error: string } {
  if (c.lite) {
    try {
      return c.lite(node, ctx, typeName);
    } catch (err) {
      if (!(err instanceof LiteBail)) return { error: err instanceof Error ? err.message : String(err) };
      // Outside the compiled subset for this value: the full engine decides.
    }
  }
  const compiled = compiledFor(hook, c.def.expression);
  if ('error' in compiled) return { error: `it could not be compiled: ${compiled.error}` };
  try {
    return hook.evaluateInvariant(compiled, node, ctx, typeName);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** %resource, %rootResource, the Bundle, and what memberOf()/conformsTo() need. */
function invariantContext(w: Walker): InvariantContextInput {
  const frame = w.frame;
  if (w.ctx && w.ctxFrame === frame) return w.ctx;
  w.ctx = {
    resource: frame?.resource,
    rootResource: frame?.root,
    bundle: frame?.bundle?.bundle,
    terminology: w.env.hooks.terminology,
    conformsTo: w.conformsToHook,
  };
  w.ctxFrame = frame;
  return w.ctx;
}

/** Results of invariants on an empty value: per invariant, FHIRPath engine and type. */
const emptyResults = new WeakMap<
  PreparedConstraint,
  WeakMap<object, Map<string, boolean | { error: string }>>
>();

/** The type name FHIRPath needs for a node: none for a resource, the element path for backbones. */
function invariantTypeName(value: unknown, el: ElementNode, type: TypeRef | undefined): string | undefined {
  if (isRecord(value) && typeof value.resourceType === 'string') return undefined;
  const code = type?.code ?? el.types[0]?.code;
  if (!code || code === 'BackboneElement' || code === 'Element') return el.path;
  return code;
}
