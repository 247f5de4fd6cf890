/**
 * The runtime values of compiled FHIRPath: collections of JSON values, the compiled closure's
 * signature, the shared empty/true/false collections, the bail-out for values outside the subset,
 * and the singleton-as-boolean rule.
 *
 * Spec: https://hl7.org/fhirpath/N1/#singleton-evaluation-of-collections
 */

export type Json = Record<string, unknown>;
/** A FHIRPath collection of JSON values. */
export type Coll = readonly unknown[];

export interface LiteContext {
  readonly resource: unknown;
  readonly rootResource: unknown;
}

/** Thrown when an evaluation meets something the lite compiler does not decide. */
export class LiteBail extends Error {
  constructor() {
    super('outside the compiled FHIRPath subset');
  }
}
export const BAIL = new LiteBail();

/** Thrown at compile time for an expression outside the subset. */
export class Unsupported extends Error {}

/** A compiled expression: the focus, `$this` and the context to the resulting collection. */
export type Fn = (focus: Coll, thisItem: unknown, ctx: LiteContext) => Coll;

/** A primitive that has only extensions (`_name` without `name`): it exists but has no value. */
export const NO_VALUE = Object.freeze({ noValue: true });

export const EMPTY: Coll = Object.freeze([]);
export const TRUE: Coll = Object.freeze([true]);
export const FALSE: Coll = Object.freeze([false]);

export function bool(b: boolean): Coll {
  return b ? TRUE : FALSE;
}

export function isPrimitive(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Singleton evaluation of a collection as a boolean: true/false, or undefined when empty. */
export function truth(c: Coll): boolean | undefined {
  if (c.length === 0) return undefined;
  if (c.length > 1) throw BAIL;
  const v = c[0];
  if (typeof v === 'boolean') return v;
  // A single non-boolean item is true in a boolean context.
  return true;
}

/** The value being evaluated and its FHIR type, for `is`/`as` on it (evaluations never nest). */
export const evaluation: { root: unknown; typeName: string | undefined } = {
  root: undefined,
  typeName: undefined,
};
