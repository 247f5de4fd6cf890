import { isRecord } from '../../fhir/records.js';
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

type Json = Record<string, unknown>;
/** A FHIRPath collection of JSON values. */
type Coll = readonly unknown[];

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
const BAIL = new LiteBail();

type Fn = (focus: Coll, thisItem: unknown, ctx: LiteContext) => Coll;

/** A primitive that has only extensions (`_name` without `name`): it exists but has no value. */
const NO_VALUE = Object.freeze({ noValue: true });

const EMPTY: Coll = Object.freeze([]);
const TRUE: Coll = Object.freeze([true]);
const FALSE: Coll = Object.freeze([false]);

function bool(b: boolean): Coll {
  return b ? TRUE : FALSE;
}

// ---------------------------------------------------------------------------------------------
// Tokens

type Tok =
  | { k: 'id'; v: string; quoted: boolean }
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'op'; v: string }
  | { k: 'var'; v: string }
  | { k: 'special'; v: string }
  | { k: 'end' };

const OPS = [
  '<=',
  '>=',
  '!=',
  '!~',
  '(',
  ')',
  '[',
  ']',
  '.',
  ',',
  '=',
  '~',
  '<',
  '>',
  '|',
  '+',
  '-',
  '*',
  '/',
  '&',
  '{',
  '}',
];

function tokenize(src: string): Tok[] | undefined {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (src.startsWith('//', i) || src.startsWith('/*', i)) return undefined;
    if (c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src.charAt(j) !== "'") {
        if (src.charAt(j) === '\\') {
          const e = src.charAt(j + 1);
          const map: Record<string, string> = {
            "'": "'",
            '"': '"',
            '`': '`',
            '\\': '\\',
            '/': '/',
            n: '\n',
            r: '\r',
            t: '\t',
            f: '\f',
          };
          const m = map[e];
          if (m === undefined) return undefined;
          s += m;
          j += 2;
        } else {
          s += src.charAt(j);
          j++;
        }
      }
      if (j >= src.length) return undefined;
      out.push({ k: 'str', v: s });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) return undefined;
      out.push({ k: 'id', v: src.slice(i + 1, j), quoted: true });
      i = j + 1;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i));
      if (!m) return undefined;
      // A number followed by a unit or a date literal is not in the subset.
      const after = src.charAt(i + m[0].length);
      if (after === "'" || /[A-Za-z]/.test(after)) return undefined;
      out.push({ k: 'num', v: Number(m[0]) });
      i += m[0].length;
      continue;
    }
    if (c === '%') {
      const m = /^%([A-Za-z_][A-Za-z0-9_]*)/.exec(src.slice(i));
      if (!m) return undefined;
      out.push({ k: 'var', v: m[1] ?? '' });
      i += m[0].length;
      continue;
    }
    if (c === '$') {
      const m = /^\$(this|index|total)/.exec(src.slice(i));
      if (!m) return undefined;
      out.push({ k: 'special', v: m[1] ?? '' });
      i += m[0].length;
      continue;
    }
    if (c === '@') return undefined;
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      const v = m?.[0] ?? '';
      out.push({ k: 'id', v, quoted: false });
      i += v.length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) return undefined;
    out.push({ k: 'op', v: op });
    i += op.length;
  }
  out.push({ k: 'end' });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parser (precedence climbing over the FHIRPath operator table)

class Unsupported extends Error {}

/** Compiled navigations by name, so that `x.ofType(T)` can be compiled from `x`. */
const navigations = new WeakMap<Fn, { input: Fn; name: string }>();

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i] ?? { k: 'end' };
  }

  private next(): Tok {
    return this.toks[this.i++] ?? { k: 'end' };
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t.k === 'op' && t.v === v;
  }

  private isWord(v: string): boolean {
    const t = this.peek();
    return t.k === 'id' && !t.quoted && t.v === v;
  }

  private expect(v: string): void {
    if (!this.isOp(v)) throw new Unsupported();
    this.i++;
  }

  parseAll(): Fn {
    const f = this.implies();
    if (this.peek().k !== 'end') throw new Unsupported();
    return f;
  }

  private implies(): Fn {
    let left = this.orXor();
    while (this.isWord('implies')) {
      this.i++;
      const l = left;
      const r = this.orXor();
      left = logic('implies', l, r);
    }
    return left;
  }

  private orXor(): Fn {
    let left = this.and();
    while (this.isWord('or') || this.isWord('xor')) {
      const op = (this.next() as { v: string }).v as 'or' | 'xor';
      const l = left;
      const r = this.and();
      left = logic(op, l, r);
    }
    return left;
  }

  private and(): Fn {
    let left = this.membership();
    while (this.isWord('and')) {
      this.i++;
      const l = left;
      const r = this.membership();
      left = logic('and', l, r);
    }
    return left;
  }

  private membership(): Fn {
    let left = this.equality();
    while (this.isWord('in') || this.isWord('contains')) {
      const op = (this.next() as { v: string }).v;
      const l = left;
      const r = this.equality();
      left =
        op === 'in'
          ? (f, t, c) => member(l(f, t, c), r(f, t, c))
          : (f, t, c) => member(r(f, t, c), l(f, t, c));
    }
    return left;
  }

  private equality(): Fn {
    let left = this.inequality();
    for (;;) {
      const t = this.peek();
      if (t.k !== 'op' || !['=', '!='].includes(t.v)) {
        if (t.k === 'op' && (t.v === '~' || t.v === '!~')) throw new Unsupported();
        return left;
      }
      this.i++;
      const l = left;
      const r = this.inequality();
      const negate = t.v === '!=';
      left = (f, th, c) => {
        const e = equals(l(f, th, c), r(f, th, c));
        return e === undefined ? EMPTY : bool(negate ? !e : e);
      };
    }
  }

  private inequality(): Fn {
    let left = this.union();
    for (;;) {
      const t = this.peek();
      if (t.k !== 'op' || !['<', '>', '<=', '>='].includes(t.v)) return left;
      this.i++;
      const l = left;
      const r = this.union();
      const op = t.v;
      left = (f, th, c) => compare(op, l(f, th, c), r(f, th, c));
    }
  }

  private union(): Fn {
    let left = this.typeOps();
    while (this.isOp('|')) {
      this.i++;
      const l = left;
      const r = this.typeOps();
      left = (f, t, c) => distinct([...l(f, t, c), ...r(f, t, c)]);
    }
    return left;
  }

  /**
   * `is`/`as` on the value the invariant is about, whose FHIR type the caller knows (e.g.
   * `($this as dateTime)` on a dateTime element), or on a resource (its `resourceType`, e.g.
   * `entry.where(resource is ServiceRequest)`); anything else goes to the full engine.
   */
  private typeOps(): Fn {
    const left = this.additive();
    if (!this.isWord('is') && !this.isWord('as')) return left;
    const op = (this.next() as { v: string }).v;
    const t = this.next();
    if (t.k !== 'id') throw new Unsupported();
    const typeName = t.v;
    return (f, th, c) => {
      const v = left(f, th, c);
      if (v.length === 0) return EMPTY;
      if (v.length > 1) throw BAIL;
      const matches = isResourceValue(v[0]) ? resourceIs(v[0], typeName) : rootIs(v[0], typeName);
      if (matches === undefined) throw BAIL;
      if (op === 'is') return bool(matches);
      return matches ? v : EMPTY;
    };
  }

  private additive(): Fn {
    let left = this.multiplicative();
    for (;;) {
      const t = this.peek();
      if (t.k !== 'op' || !['+', '-', '&'].includes(t.v)) return left;
      this.i++;
      const l = left;
      const r = this.multiplicative();
      const op = t.v;
      left = (f, th, c) => arithmetic(op, l(f, th, c), r(f, th, c));
    }
  }

  private multiplicative(): Fn {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.k === 'op' && t.v === '/') throw new Unsupported();
      const op =
        t.k === 'op' && t.v === '*'
          ? '*'
          : this.isWord('div')
            ? 'div'
            : this.isWord('mod')
              ? 'mod'
              : undefined;
      if (!op) return left;
      this.i++;
      const l = left;
      const r = this.unary();
      // Integer arithmetic only (truncated division); decimals go to the full engine.
      left = (f, th, c) => {
        const a = l(f, th, c);
        const b = r(f, th, c);
        if (a.length === 0 || b.length === 0) return EMPTY;
        const x = a[0];
        const y = b[0];
        if (
          a.length > 1 ||
          b.length > 1 ||
          typeof x !== 'number' ||
          typeof y !== 'number' ||
          !Number.isInteger(x) ||
          !Number.isInteger(y)
        )
          throw BAIL;
        if (op === '*') return [x * y];
        if (y === 0) return EMPTY;
        return [op === 'div' ? Math.trunc(x / y) : x % y];
      };
    }
  }

  private unary(): Fn {
    if (this.isOp('-') || this.isOp('+')) throw new Unsupported();
    return this.invocation();
  }

  private invocation(): Fn {
    let left = this.term();
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        left = this.member(left);
      } else if (this.isOp('[')) {
        this.i++;
        const l = left;
        const idx = this.implies();
        this.expect(']');
        left = (f, t, c) => {
          const n = idx(f, t, c);
          if (n.length !== 1 || typeof n[0] !== 'number') throw BAIL;
          const v = l(f, t, c)[n[0]];
          return v === undefined ? EMPTY : [v];
        };
      } else {
        return left;
      }
    }
  }

  /** After a '.': a member name or a function applied to the collection on the left. */
  private member(left: Fn): Fn {
    const t = this.next();
    if (t.k !== 'id') throw new Unsupported();
    if (this.isOp('(') && !t.quoted) {
      this.i++;
      if (t.v === 'ofType') return this.ofType(left);
      return this.functionCall(t.v, left);
    }
    return this.navigation(left, t.v);
  }

  /** Navigation by name; remembered so that a following ofType() can pick the choice's JSON name. */
  private navigation(input: Fn, name: string): Fn {
    const extName = '_' + name;
    const fn: Fn = (f, th, c) => navigate(input(f, th, c), name, extName);
    navigations.set(fn, { input, name });
    return fn;
  }

  /** `name.ofType(T)`: the values of the choice element `name` of type T (JSON `nameT`). */
  private ofType(left: Fn): Fn {
    const t = this.next();
    if (t.k !== 'id') throw new Unsupported();
    this.expect(')');
    const nav = navigations.get(left);
    if (!nav) throw new Unsupported();
    const { input, name } = nav;
    const key = name + t.v.charAt(0).toUpperCase() + t.v.slice(1);
    return (f, th, c) => {
      const items = input(f, th, c);
      for (const item of items)
        if (isRecord(item) && (item[name] !== undefined || item['_' + name] !== undefined)) throw BAIL;
      return navigate(items, key);
    };
  }

  private term(): Fn {
    const t = this.next();
    switch (t.k) {
      case 'str': {
        const v: Coll = [t.v];
        const fn: Fn = () => v;
        this.literals.set(fn, t.v);
        return fn;
      }
      case 'num': {
        const v: Coll = [t.v];
        return () => v;
      }
      case 'special':
        if (t.v !== 'this') throw new Unsupported();
        return (_f, th) => (th === undefined ? EMPTY : [th]);
      case 'var':
        if (t.v === 'resource') return (_f, _t, c) => (c.resource === undefined ? EMPTY : [c.resource]);
        if (t.v === 'rootResource')
          return (_f, _t, c) => (c.rootResource === undefined ? EMPTY : [c.rootResource]);
        throw new Unsupported();
      case 'op':
        if (t.v === '(') {
          const inner = this.implies();
          this.expect(')');
          return inner;
        }
        if (t.v === '{') {
          this.expect('}');
          return () => EMPTY;
        }
        throw new Unsupported();
      case 'id': {
        if (!t.quoted && (t.v === 'true' || t.v === 'false')) {
          const v = bool(t.v === 'true');
          return () => v;
        }
        if (this.isOp('(') && !t.quoted) {
          this.i++;
          return this.functionCall(t.v, (f) => f);
        }
        const name = t.v;
        if (/^[A-Z]/.test(name)) {
          // A type name at the start filters the focus by resourceType.
          return (f) => {
            for (const x of f) if (!isRecord(x) || x.resourceType !== name) throw BAIL;
            return f;
          };
        }
        return this.navigation((f) => f, name);
      }
      default:
        throw new Unsupported();
    }
  }

  private readonly literals = new WeakMap<Fn, string>();

  /** The string of a literal argument (e.g. a regex), known at compile time. */
  private literalOf(fn: Fn): string {
    const v = this.literals.get(fn);
    if (v === undefined) throw new Unsupported();
    return v;
  }

  private args(): Fn[] {
    const out: Fn[] = [];
    if (this.isOp(')')) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.implies());
      if (this.isOp(',')) {
        this.i++;
        continue;
      }
      this.expect(')');
      return out;
    }
  }

  private functionCall(name: string, input: Fn): Fn {
    const a = this.args();
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
        const pattern = this.literalOf(a0);
        let re: RegExp;
        try {
          // As fhirpath.js: unanchored, Unicode, '.' matches newlines.
          re = new RegExp(pattern, 'us');
        } catch {
          throw new Unsupported();
        }
        return (f, t, c) => {
          const v = input(f, t, c);
          if (v.length === 0) return EMPTY;
          if (v.length > 1 || typeof v[0] !== 'string') throw BAIL;
          return bool(re.test(v[0]));
        };
      }
      case 'replaceMatches': {
        arity(2);
        // Literal pattern and substitution only; as fhirpath.js: global, Unicode.
        const pattern = this.literalOf(a0);
        const substitution = this.literalOf(a1);
        let re: RegExp;
        try {
          re = new RegExp(pattern, 'gu');
        } catch {
          throw new Unsupported();
        }
        return (f, t, c) => {
          const v = input(f, t, c);
          if (v.length === 0) return EMPTY;
          if (v.length > 1 || typeof v[0] !== 'string') throw BAIL;
          return [v[0].replace(re, substitution)];
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
          const x = v[0];
          if (v.length > 1) throw BAIL;
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
          const x = v[0];
          if (v.length > 1) throw BAIL;
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
}

// ---------------------------------------------------------------------------------------------
// Semantics

/** The child `name` of every item; `_name` extension parts count as values without a value. */
function navigate(focus: Coll, name: string, extName = '_' + name): Coll {
  // The common case, one object whose property has plain values, without copying.
  if (focus.length === 1) {
    const item = focus[0];
    if (isRecord(item) && item[extName] === undefined) {
      const v = item[name];
      if (v === undefined) {
        if (choiceKey(item, name) === undefined) return EMPTY;
      } else if (Array.isArray(v)) {
        if (!v.includes(null)) return v;
      } else if (v !== null) {
        return [v];
      }
    }
  }
  let out: unknown[] | undefined;
  for (let f = 0; f < focus.length; f++) {
    const item = focus[f];
    if (!isRecord(item)) continue;
    let v = item[name];
    let ext = item[extName];
    if (v === undefined && ext === undefined) {
      const choice = choiceKey(item, name);
      if (choice) {
        v = item[choice];
        ext = item['_' + choice];
      }
    }
    if (v === undefined && ext === undefined) continue;
    out ??= [];
    if (Array.isArray(v) || Array.isArray(ext)) {
      const vs = Array.isArray(v) ? v : [];
      const es = Array.isArray(ext) ? ext : [];
      const n = Math.max(vs.length, es.length);
      for (let i = 0; i < n; i++) {
        const x: unknown = vs[i];
        if (x !== undefined && x !== null) out.push(x);
        else if (es[i] !== undefined && es[i] !== null) out.push(NO_VALUE);
      }
    } else if (v !== undefined && v !== null) {
      out.push(v);
    } else if (ext !== undefined && ext !== null) {
      out.push(NO_VALUE);
    }
  }
  return out ?? EMPTY;
}

/**
 * Whether `navigate(focus, name, extName)` would be non-empty, without building the collection
 * (`name.exists()`, `name.empty()`: the most common invariant shapes).
 */
function hasValues(focus: Coll, name: string, extName: string): boolean {
  for (let f = 0; f < focus.length; f++) {
    const item = focus[f];
    if (!isRecord(item)) continue;
    let v = item[name];
    let ext = item[extName];
    if (v === undefined && ext === undefined) {
      const choice = choiceKey(item, name);
      if (choice === undefined) continue;
      v = item[choice];
      ext = item['_' + choice];
    }
    if (Array.isArray(v) || Array.isArray(ext)) {
      const vs = Array.isArray(v) ? v : [];
      const es = Array.isArray(ext) ? ext : [];
      const n = Math.max(vs.length, es.length);
      for (let i = 0; i < n; i++) {
        const x: unknown = vs[i];
        const e: unknown = es[i];
        if ((x !== undefined && x !== null) || (e !== undefined && e !== null)) return true;
      }
    } else if ((v !== undefined && v !== null) || (ext !== undefined && ext !== null)) {
      return true;
    }
  }
  return false;
}

/** Type suffixes of choice elements (`valueQuantity`): FHIR data type names. */
const TYPE_SUFFIXES = new Set([
  'Boolean',
  'Integer',
  'String',
  'Decimal',
  'Uri',
  'Url',
  'Canonical',
  'Base64Binary',
  'Instant',
  'Date',
  'DateTime',
  'Time',
  'Code',
  'Oid',
  'Id',
  'Markdown',
  'UnsignedInt',
  'PositiveInt',
  'Uuid',
  'Address',
  'Age',
  'Annotation',
  'Attachment',
  'CodeableConcept',
  'Coding',
  'ContactPoint',
  'Count',
  'Distance',
  'Duration',
  'HumanName',
  'Identifier',
  'Money',
  'Period',
  'Quantity',
  'Range',
  'Ratio',
  'Reference',
  'SampledData',
  'Signature',
  'Timing',
  'ContactDetail',
  'Contributor',
  'DataRequirement',
  'Expression',
  'ParameterDefinition',
  'RelatedArtifact',
  'TriggerDefinition',
  'UsageContext',
  'Dosage',
  'Meta',
]);

function choiceKey(item: Json, name: string): string | undefined {
  // The first character decides for most keys without a call.
  const first = name.charCodeAt(0);
  for (const k in item) {
    if (k.charCodeAt(0) !== first || k.length <= name.length || !k.startsWith(name)) continue;
    if (TYPE_SUFFIXES.has(k.slice(name.length))) return k;
  }
  return undefined;
}

function isPrimitive(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Singleton evaluation of a collection as a boolean: true/false, or undefined when empty. */
function truth(c: Coll): boolean | undefined {
  if (c.length === 0) return undefined;
  if (c.length > 1) throw BAIL;
  const v = c[0];
  if (typeof v === 'boolean') return v;
  // A single non-boolean item is true in a boolean context.
  return true;
}

/**
 * `l op r` compiled: the same answers as logic3, without a closure for the right side per
 * evaluation (invariants are mostly and/or/implies of a few tests).
 */
function logic(op: 'and' | 'or' | 'xor' | 'implies', l: Fn, r: Fn): Fn {
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

function criterion(f: Fn, item: unknown, ctx: LiteContext): boolean {
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
function equals(l: Coll, r: Coll): boolean | undefined {
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

function compare(op: string, l: Coll, r: Coll): Coll {
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

function arithmetic(op: string, l: Coll, r: Coll): Coll {
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

function member(item: Coll, coll: Coll): Coll {
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

function stringOf(c: Coll): string | undefined {
  if (c.length === 0) return undefined;
  if (c.length > 1 || typeof c[0] !== 'string') throw BAIL;
  return c[0];
}

function distinct(c: Coll): unknown[] {
  const out: unknown[] = [];
  for (const x of c) if (!out.some((y) => deepEqual(x, y))) out.push(x);
  return out;
}

function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
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

// ---------------------------------------------------------------------------------------------

/** A resource, as JSON: an object with a string `resourceType`. */
function isResourceValue(v: unknown): v is { resourceType: string } {
  return (
    typeof v === 'object' && v !== null && typeof (v as { resourceType?: unknown }).resourceType === 'string'
  );
}

/** Abstract types a resource may be tested against: the full engine knows their hierarchy. */
const ABSTRACT_RESOURCE_TYPES: ReadonlySet<string> = new Set(['Resource', 'DomainResource']);

/** `resource is T` by its resourceType (every concrete R4 resource type is a leaf); undefined when abstract. */
function resourceIs(v: { resourceType: string }, typeName: string): boolean | undefined {
  if (ABSTRACT_RESOURCE_TYPES.has(typeName)) return undefined;
  return v.resourceType === typeName;
}

/** `$this is T` on the invariant's own value, whose type the caller named; undefined otherwise. */
function rootIs(v: unknown, typeName: string): boolean | undefined {
  if (v !== evaluation.root || evaluation.typeName === undefined) return undefined;
  return evaluation.typeName === typeName;
}

/** `typeName` (the FHIR type or element path of the node) is accepted for the callers' symmetry with the full engine. */
export type LiteInvariant = (node: unknown, ctx: LiteContext, typeName?: string) => boolean;

const cache = new Map<string, LiteInvariant | null>();
/** The focus of an evaluation, reused (evaluations are synchronous and never nested). */
const rootFocus: unknown[] = [undefined];
/** The value being evaluated and its FHIR type, for `is`/`as` on it. */
const evaluation: { root: unknown; typeName: string | undefined } = { root: undefined, typeName: undefined };

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
