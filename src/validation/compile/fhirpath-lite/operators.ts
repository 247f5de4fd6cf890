/**
 * The operators of the compiled FHIRPath subset: three-valued boolean logic, equality and
 * membership (by value, deep for objects), comparison of numbers and non-date strings, integer
 * and string arithmetic, union and distinct, and `is` tests on resources and on the invariant's
 * own value. Dates and times, decimals and quantities throw LiteBail: the full engine decides.
 *
 * Spec: https://hl7.org/fhirpath/N1/#operations
 */
import {
  BAIL,
  EMPTY,
  FALSE,
  NO_VALUE,
  TRUE,
  bool,
  evaluation,
  isPrimitive,
  truth,
  type Coll,
  type Fn,
  type Json,
  type LiteContext,
} from './values.js';

/**
 * `l op r` compiled: the same answers as logic3, without a closure for the right side per
 * evaluation (invariants are mostly and/or/implies of a few tests).
 */
export function logic(op: 'and' | 'or' | 'xor' | 'implies', l: Fn, r: Fn): Fn {
  switch (op) {
    case 'and':
      return (f, t, c) => {
        const a = truth(l(f, t, c));
        if (a === false) return FALSE;
        const b = truth(r(f, t, c));
        if (b === false) return FALSE;
        return a === true && b === true ? TRUE : EMPTY;
      };
    case 'or':
      return (f, t, c) => {
        const a = truth(l(f, t, c));
        if (a === true) return TRUE;
        const b = truth(r(f, t, c));
        if (b === true) return TRUE;
        return a === false && b === false ? FALSE : EMPTY;
      };
    case 'implies':
      return (f, t, c) => {
        const a = truth(l(f, t, c));
        if (a === false) return TRUE;
        const b = truth(r(f, t, c));
        if (a === true) return b === undefined ? EMPTY : bool(b);
        return b === true ? TRUE : EMPTY;
      };
    default:
      return (f, t, c) => logic3(op, truth(l(f, t, c)), () => truth(r(f, t, c)));
  }
}

/** Three-valued and/or/xor/implies; the right side is evaluated only when it can matter. */
function logic3(
  op: 'and' | 'or' | 'xor' | 'implies',
  l: boolean | undefined,
  rf: () => boolean | undefined,
): Coll {
  switch (op) {
    case 'and': {
      if (l === false) return FALSE;
      const r = rf();
      if (r === false) return FALSE;
      return l === true && r === true ? TRUE : EMPTY;
    }
    case 'or': {
      if (l === true) return TRUE;
      const r = rf();
      if (r === true) return TRUE;
      return l === false && r === false ? FALSE : EMPTY;
    }
    case 'xor': {
      const r = rf();
      return l === undefined || r === undefined ? EMPTY : bool(l !== r);
    }
    case 'implies': {
      if (l === false) return TRUE;
      const r = rf();
      if (l === true) return r === undefined ? EMPTY : bool(r);
      return r === true ? TRUE : EMPTY;
    }
    default:
      return op satisfies never;
  }
}

/** The focus of a criterion, reused: criteria are evaluated one item at a time, never re-entered. */
const criterionFocus: unknown[] = [undefined];
let criterionDepth = 0;

export function criterion(f: Fn, item: unknown, ctx: LiteContext): boolean {
  // Nested criteria (a where() inside a where()) each get their own focus array.
  const focus = criterionDepth === 0 ? criterionFocus : [item];
  focus[0] = item;
  criterionDepth++;
  try {
    return truth(f(focus, item, ctx)) === true;
  } finally {
    criterionDepth--;
    if (criterionDepth === 0) criterionFocus[0] = undefined;
  }
}

const DATE_LIKE = /^\d{4}(-\d\d(-\d\d)?)?(T|$)|^\d\d:\d\d/;

/** FHIRPath `=`: undefined (empty) when either side is empty. */
export function equals(l: Coll, r: Coll): boolean | undefined {
  if (l.length === 0 || r.length === 0) return undefined;
  if (l.length !== r.length) return false;
  for (let i = 0; i < l.length; i++) {
    const a = l[i];
    const b = r[i];
    if (a === NO_VALUE || b === NO_VALUE) throw BAIL;
    if (typeof a === 'string' && typeof b === 'string') {
      if (a === b) continue;
      // Dates and times of different precision compare as empty, not false.
      if (DATE_LIKE.test(a) && DATE_LIKE.test(b)) throw BAIL;
      return false;
    }
    if (isPrimitive(a) || isPrimitive(b)) {
      if (typeof a !== typeof b) throw BAIL;
      if (a !== b) return false;
      continue;
    }
    if (!deepEqual(a, b)) return false;
  }
  return true;
}

export function compare(op: string, l: Coll, r: Coll): Coll {
  if (l.length === 0 || r.length === 0) return EMPTY;
  if (l.length > 1 || r.length > 1) throw BAIL;
  const a = l[0];
  const b = r[0];
  if (typeof a === 'number' && typeof b === 'number') {
    return bool(op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b);
  }
  if (typeof a === 'string' && typeof b === 'string' && !DATE_LIKE.test(a) && !DATE_LIKE.test(b)) {
    return bool(op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b);
  }
  throw BAIL;
}

export function arithmetic(op: string, l: Coll, r: Coll): Coll {
  if (op === '&') {
    const a = l.length === 0 ? '' : l[0];
    const b = r.length === 0 ? '' : r[0];
    if (l.length > 1 || r.length > 1 || typeof a !== 'string' || typeof b !== 'string') throw BAIL;
    return [a + b];
  }
  if (l.length === 0 || r.length === 0) return EMPTY;
  const a = l[0];
  const b = r[0];
  if (l.length > 1 || r.length > 1) throw BAIL;
  if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) {
    return [op === '+' ? a + b : a - b];
  }
  if (op === '+' && typeof a === 'string' && typeof b === 'string' && !DATE_LIKE.test(a)) return [a + b];
  throw BAIL;
}

export function member(item: Coll, coll: Coll): Coll {
  if (item.length === 0) return EMPTY;
  if (item.length > 1) throw BAIL;
  const x = item[0];
  if (x === NO_VALUE) throw BAIL;
  for (const y of coll) {
    if (typeof x === 'string' && typeof y === 'string' && x !== y && DATE_LIKE.test(x) && DATE_LIKE.test(y))
      throw BAIL;
    if (deepEqual(x, y)) return TRUE;
  }
  return FALSE;
}

export function stringOf(c: Coll): string | undefined {
  if (c.length === 0) return undefined;
  if (c.length > 1 || typeof c[0] !== 'string') throw BAIL;
  return c[0];
}

export function distinct(c: Coll): unknown[] {
  const out: unknown[] = [];
  for (const x of c) if (!out.some((y) => deepEqual(x, y))) out.push(x);
  return out;
}

export function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (depth > 50 || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i], depth + 1));
  }
  const ka = Object.keys(a as Json);
  const kb = Object.keys(b as Json);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Json)[k], (b as Json)[k], depth + 1));
}

/** A resource, as JSON: an object with a string `resourceType`. */
export function isResourceValue(v: unknown): v is { resourceType: string } {
  return (
    typeof v === 'object' && v !== null && typeof (v as { resourceType?: unknown }).resourceType === 'string'
  );
}

/** Abstract types a resource may be tested against: the full engine knows their hierarchy. */
const ABSTRACT_RESOURCE_TYPES: ReadonlySet<string> = new Set(['Resource', 'DomainResource']);

/** `resource is T` by its resourceType (every concrete R4 resource type is a leaf); undefined when abstract. */
export function resourceIs(v: { resourceType: string }, typeName: string): boolean | undefined {
  if (ABSTRACT_RESOURCE_TYPES.has(typeName)) return undefined;
  return v.resourceType === typeName;
}

/** `$this is T` on the invariant's own value, whose type the caller named; undefined otherwise. */
export function rootIs(v: unknown, typeName: string): boolean | undefined {
  if (v !== evaluation.root || evaluation.typeName === undefined) return undefined;
  return evaluation.typeName === typeName;
}
