/**
 * The tokenizer of the compiled FHIRPath subset: identifiers (plain and backquoted), strings,
 * integers and decimals, `%variables`, `$this`/`$index`/`$total` and operators. Anything it does
 * not know (comments, date and quantity literals, unknown escapes) makes it answer undefined, so
 * the expression goes to the full engine.
 *
 * Spec: https://hl7.org/fhirpath/N1/#lexical-elements
 */

export type Tok =
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

export function tokenize(src: string): Tok[] | undefined {
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
