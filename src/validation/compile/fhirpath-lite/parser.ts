/**
 * The parser of the compiled FHIRPath subset: precedence climbing over the FHIRPath operator
 * table, building the closure of each expression as it goes (no syntax tree). Operators it does
 * not compile (`~`, `/`, unary signs, type operators on other values) throw Unsupported.
 *
 * Spec: https://hl7.org/fhirpath/N1/#operator-precedence
 */
import { isRecord } from '../../../fhir/records.js';
import { compileFunction } from './functions.js';
import { compileNavigation, navigate, navigations } from './navigation.js';
import {
  arithmetic,
  compare,
  distinct,
  equals,
  isResourceValue,
  logic,
  member,
  resourceIs,
  rootIs,
} from './operators.js';
import type { Tok } from './tokens.js';
import { BAIL, EMPTY, Unsupported, bool, type Coll, type Fn } from './values.js';

export class Parser {
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
    return compileNavigation(left, t.v);
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
        return compileNavigation((f) => f, name);
      }
      default:
        throw new Unsupported();
    }
  }

  private readonly literals = new WeakMap<Fn, string>();

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
    return compileFunction(name, input, this.args(), this.literals);
  }
}
