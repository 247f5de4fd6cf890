/**
 * The functions of the compiled FHIRPath subset, each compiled once to a closure over its input
 * and argument closures: existence and counting, filtering and projection, subsetting, boolean
 * aggregates, combining, strings (with literal regular expressions only) and conversions. A
 * function outside the subset, or a call with another number of arguments, is Unsupported.
 *
 * Spec: https://hl7.org/fhirpath/N1/#functions
 */
import { isRecord } from '../../../fhir/records.js';
import { hasValues, navigate, navigations } from './navigation.js';
import { criterion, deepEqual, distinct, stringOf } from './operators.js';
import {
  BAIL,
  EMPTY,
  FALSE,
  TRUE,
  Unsupported,
  bool,
  isPrimitive,
  truth,
  type Coll,
  type Fn,
} from './values.js';

/** The string of a literal argument (e.g. a regex), known at compile time. */
function literalOf(literals: WeakMap<Fn, string>, fn: Fn): string {
  const v = literals.get(fn);
  if (v === undefined) throw new Unsupported();
  return v;
}

/** The item of a non-empty collection; more than one is outside the subset. */
function onlyItem(c: Coll): unknown {
  if (c.length > 1) throw BAIL;
  return c[0];
}

/** A regular expression from a literal pattern; one JavaScript does not compile is outside the subset. */
function literalRegExp(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch {
    throw new Unsupported();
  }
}

/**
 * `input.name(a...)` compiled; `literals` names the string literals among the compiled argument
 * closures.
 */
export function compileFunction(
  name: string,
  input: Fn,
  a: readonly Fn[],
  literals: WeakMap<Fn, string>,
): Fn {
  const arity = (n: number): void => {
    if (a.length !== n) throw new Unsupported();
  };
  const a0 = a[0] as Fn;
  const a1 = a[1] as Fn;
  const a2 = a[2] as Fn;
  switch (name) {
    case 'exists':
      if (a.length === 0) {
        const nav = navigations.get(input);
        if (nav) {
          const { input: from, name: key } = nav;
          const extKey = '_' + key;
          return (f, t, c) => bool(hasValues(from(f, t, c), key, extKey));
        }
        return (f, t, c) => bool(input(f, t, c).length > 0);
      }
      arity(1);
      return (f, t, c) => {
        const items = input(f, t, c);
        for (let i = 0; i < items.length; i++) if (criterion(a0, items[i], c)) return TRUE;
        return FALSE;
      };
    case 'empty': {
      arity(0);
      const nav = navigations.get(input);
      if (nav) {
        const { input: from, name: key } = nav;
        const extKey = '_' + key;
        return (f, t, c) => bool(!hasValues(from(f, t, c), key, extKey));
      }
      return (f, t, c) => bool(input(f, t, c).length === 0);
    }
    case 'count':
      arity(0);
      return (f, t, c) => [input(f, t, c).length];
    case 'not':
      arity(0);
      return (f, t, c) => {
        const v = input(f, t, c);
        if (v.length === 0) return EMPTY;
        if (v.length > 1 || typeof v[0] !== 'boolean') throw BAIL;
        return bool(!v[0]);
      };
    case 'hasValue':
      arity(0);
      return (f, t, c) => {
        const v = input(f, t, c);
        return bool(v.length === 1 && isPrimitive(v[0]));
      };
    case 'where':
      arity(1);
      return (f, t, c) => {
        const items = input(f, t, c);
        let out: unknown[] | undefined;
        for (let i = 0; i < items.length; i++) {
          if (criterion(a0, items[i], c)) (out ??= []).push(items[i]);
        }
        return out ?? EMPTY;
      };
    case 'all':
      arity(1);
      return (f, t, c) => {
        const items = input(f, t, c);
        for (let i = 0; i < items.length; i++) if (!criterion(a0, items[i], c)) return FALSE;
        return TRUE;
      };
    case 'select':
      arity(1);
      return (f, t, c) => input(f, t, c).flatMap((x) => a0([x], x, c));
    case 'first':
      arity(0);
      return (f, t, c) => input(f, t, c).slice(0, 1);
    case 'last':
      arity(0);
      return (f, t, c) => input(f, t, c).slice(-1);
    case 'tail':
      arity(0);
      return (f, t, c) => input(f, t, c).slice(1);
    case 'distinct':
      arity(0);
      return (f, t, c) => distinct(input(f, t, c));
    case 'isDistinct':
      arity(0);
      return (f, t, c) => {
        const v = input(f, t, c);
        return bool(distinct(v).length === v.length);
      };
    case 'trace':
      return input;
    case 'iif':
      if (a.length !== 2 && a.length !== 3) throw new Unsupported();
      return (f, t, c) => {
        const cond = truth(a0(f, t, c));
        return cond === true ? a1(f, t, c) : a.length === 3 ? a2(f, t, c) : EMPTY;
      };
    case 'union':
      arity(1);
      return (f, t, c) => distinct([...input(f, t, c), ...a0(f, t, c)]);
    case 'combine':
      arity(1);
      return (f, t, c) => [...input(f, t, c), ...a0(f, t, c)];
    case 'intersect':
      arity(1);
      return (f, t, c) => {
        const other = a0(f, t, c);
        return distinct(input(f, t, c).filter((x) => other.some((y) => deepEqual(x, y))));
      };
    case 'allTrue':
    case 'anyTrue':
    case 'allFalse':
    case 'anyFalse':
      arity(0);
      return (f, t, c) => {
        const v = input(f, t, c);
        if (!v.every((x) => typeof x === 'boolean')) throw BAIL;
        const want = name === 'allTrue' || name === 'anyTrue';
        return bool(name.startsWith('all') ? v.every((x) => x === want) : v.some((x) => x === want));
      };
    case 'extension':
      arity(1);
      return (f, t, c) => {
        const url = a0(f, t, c);
        if (url.length !== 1 || typeof url[0] !== 'string') throw BAIL;
        return navigate(input(f, t, c), 'extension').filter((e) => isRecord(e) && e.url === url[0]);
      };
    case 'startsWith':
    case 'endsWith':
      arity(1);
      return (f, t, c) => {
        const s = stringOf(input(f, t, c));
        const p = stringOf(a0(f, t, c));
        if (s === undefined || p === undefined) return EMPTY;
        return bool(name === 'startsWith' ? s.startsWith(p) : s.endsWith(p));
      };
    case 'matches': {
      arity(1);
      // As fhirpath.js: unanchored, Unicode, '.' matches newlines.
      const re = literalRegExp(literalOf(literals, a0), 'us');
      return (f, t, c) => {
        const s = stringOf(input(f, t, c));
        return s === undefined ? EMPTY : bool(re.test(s));
      };
    }
    case 'replaceMatches': {
      arity(2);
      // Literal pattern and substitution only; as fhirpath.js: global, Unicode.
      const re = literalRegExp(literalOf(literals, a0), 'gu');
      const substitution = literalOf(literals, a1);
      return (f, t, c) => {
        const s = stringOf(input(f, t, c));
        return s === undefined ? EMPTY : [s.replace(re, substitution)];
      };
    }
    case 'substring':
      if (a.length !== 1 && a.length !== 2) throw new Unsupported();
      return (f, t, c) => {
        const str = stringOf(input(f, t, c));
        const start = a0(f, t, c);
        if (str === undefined || start.length === 0) return EMPTY;
        const st = start[0];
        if (start.length > 1 || typeof st !== 'number' || !Number.isInteger(st)) throw BAIL;
        if (st < 0 || st >= str.length) return EMPTY;
        if (a.length === 1) return [str.slice(st)];
        const len = a1(f, t, c);
        if (len.length === 0) return [str.slice(st)];
        const n = len[0];
        if (len.length > 1 || typeof n !== 'number' || !Number.isInteger(n)) throw BAIL;
        return [str.slice(st, st + Math.max(0, n))];
      };
    case 'toInteger':
      arity(0);
      return (f, t, c) => {
        const v = input(f, t, c);
        if (v.length === 0) return EMPTY;
        const x = onlyItem(v);
        if (typeof x === 'number' && Number.isInteger(x)) return [x];
        if (typeof x === 'string' && /^[+-]?[0-9]+$/.test(x)) return [Number.parseInt(x, 10)];
        if (typeof x === 'string') return EMPTY;
        throw BAIL;
      };
    case 'toString':
      arity(0);
      return (f, t, c) => {
        const v = input(f, t, c);
        if (v.length === 0) return EMPTY;
        const x = onlyItem(v);
        if (typeof x === 'string') return v;
        if (typeof x === 'boolean' || (typeof x === 'number' && Number.isInteger(x))) return [String(x)];
        throw BAIL;
      };
    case 'length':
      arity(0);
      return (f, t, c) => {
        const s = stringOf(input(f, t, c));
        return s === undefined ? EMPTY : [s.length];
      };
    default:
      throw new Unsupported();
  }
}
