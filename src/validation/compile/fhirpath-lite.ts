/**
 * A compiler for the part of FHIRPath most invariants are written in: navigation by name,
 * existence and counting, boolean logic, comparisons of strings and numbers, where/all/select,
 * union and membership. An expression compiles to a JavaScript closure over plain JSON, which
 * runs in well under a microsecond where a general engine needs several.
 *
 * Anything outside that part - at compile time (type operators, dates, most functions) or at run
 * time (a comparison of date strings, a non-boolean where a boolean is needed) - is not guessed
 * at: the compiler returns undefined, or the closure throws `LiteBail`, and the caller evaluates
 * the expression with the full FHIRPath engine instead.
 *
 * Spec: https://hl7.org/fhirpath/N1/ (operators, functions, collection and boolean semantics)
 */
import { Parser } from './fhirpath-lite/parser.js';
import { tokenize } from './fhirpath-lite/tokens.js';
import { Unsupported, evaluation, type LiteContext } from './fhirpath-lite/values.js';

export { LiteBail, type LiteContext } from './fhirpath-lite/values.js';

/** `typeName` (the FHIR type or element path of the node) is accepted for the callers' symmetry with the full engine. */
export type LiteInvariant = (node: unknown, ctx: LiteContext, typeName?: string) => boolean;

const cache = new Map<string, LiteInvariant | null>();
/** The focus of an evaluation, reused (evaluations are synchronous and never nested). */
const rootFocus: unknown[] = [undefined];

/**
 * The expression compiled to a closure returning the invariant's verdict (true when it holds:
 * a single true, or a non-empty result without false), or undefined when it is not in the subset.
 * The closure may throw LiteBail for a value it cannot decide.
 */
export function compileLite(expression: string): LiteInvariant | undefined {
  const hit = cache.get(expression);
  if (hit !== undefined) return hit ?? undefined;
  let result: LiteInvariant | null = null;
  const toks = tokenize(expression);
  if (toks) {
    try {
      const fn = new Parser(toks).parseAll();
      result = (node, ctx, typeName) => {
        rootFocus[0] = node;
        evaluation.root = node;
        evaluation.typeName = typeName;
        try {
          const out = fn(rootFocus, node, ctx);
          if (out.length === 1 && typeof out[0] === 'boolean') return out[0];
          return out.length > 0 && out.every((x) => x !== false);
        } finally {
          rootFocus[0] = undefined;
          evaluation.root = undefined;
          evaluation.typeName = undefined;
        }
      };
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      result = null;
    }
  }
  cache.set(expression, result);
  return result ?? undefined;
}
