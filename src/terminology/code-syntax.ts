/**
 * What can be known offline about codes of the large external code systems we do not hold:
 * whether a code can exist at all. A SNOMED CT concept id has a fixed shape and a Verhoeff check
 * digit; a LOINC code has a mod-10 check digit. A code that fails these checks is in no release;
 * one that passes may still be unknown, which only a terminology server can tell.
 *
 * Spec: SNOMED CT identifiers, https://confluence.ihtsdotools.org/display/DOCRELFMT/6.1+SCTID+Data+Type;
 * LOINC check digit, https://loinc.org/kb/users-guide/calculating-mod-10-check-digits/
 */

export const SNOMED_SYSTEM = 'http://snomed.info/sct';
export const LOINC_SYSTEM = 'http://loinc.org';

/**
 * Grammars of code systems defined by syntax: BCP-47 language tags (RFC 5646 langtag, private use
 * and grandfathered tags), BCP-13 media types (RFC 6838) and ISO 3166 country codes (alpha-2,
 * alpha-3, numeric; subdivision codes are `CC-XXX`), UN M49 area codes.
 */
const GRAMMARS: Record<string, RegExp> = {
  'urn:ietf:bcp:47':
    /^(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*(?:-[a-wyz\d](?:-[a-z\d]{2,8})+)*(?:-x(?:-[a-z\d]{1,8})+)?$|^x(?:-[a-z\d]{1,8})+$|^i-[a-z]{3,8}$|^sgn-[a-z]{2}-[a-z]{2}$|^en-gb-oed$/i,
  'urn:ietf:bcp:13': /^[a-z\d][a-z\d!#$&^_.+-]{0,126}\/[a-z\d][a-z\d!#$&^_.+-]{0,126}(?:\s*;.*)?$/i,
  'urn:iso:std:iso:3166': /^(?:[A-Z]{2}|[A-Z]{3}|\d{3})$/i,
  'urn:iso:std:iso:3166:-2': /^[A-Z]{2}-[A-Z\d]{1,3}$/i,
  // UN M49 area codes: three digits.
  'http://unstats.un.org/unsd/methods/m49/m49.htm': /^\d{3}$/,
};

/** false: cannot be a code of the system; undefined: may be, we cannot tell. */
export function plausibleCode(system: string, code: string): false | undefined {
  if (system === SNOMED_SYSTEM) return plausibleSnomed(code);
  if (system === LOINC_SYSTEM) return plausibleLoinc(code);
  const grammar = GRAMMARS[system];
  if (grammar) return grammar.test(code) ? undefined : false;
  return undefined;
}

/** Characters of a SNOMED CT post-coordinated expression; such codes are not judged here. */
const SNOMED_EXPRESSION = /[:=|{}+,()\s<>]/;

function plausibleSnomed(code: string): false | undefined {
  if (SNOMED_EXPRESSION.test(code)) return undefined;
  return isConceptId(code) ? undefined : false;
}

/** 6 to 18 digits, no leading zero, partition 00 or 10 (a concept), valid Verhoeff check digit. */
export function isConceptId(code: string): boolean {
  if (!/^[1-9]\d{5,17}$/.test(code)) return false;
  const partition = code.slice(-3, -1);
  return (partition === '00' || partition === '10') && verhoeffValid(code);
}

const D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

function verhoeffValid(digits: string): boolean {
  let c = 0;
  const n = digits.length;
  for (let i = 0; i < n; i++) {
    const digit = digits.charCodeAt(n - 1 - i) - 48;
    c = D[c]?.[P[i % 8]?.[digit] ?? 0] ?? 0;
  }
  return c === 0;
}

/**
 * A LOINC term code is digits, a hyphen and a mod-10 check digit (`8867-4`). Part and answer codes
 * (`LP…`, `LA…`) have their own prefix; only their shape is checked.
 */
function plausibleLoinc(code: string): false | undefined {
  const prefixed = /^L[A-Z]\d{1,8}-\d$/.test(code);
  if (prefixed) return undefined;
  const m = /^(\d{1,7})-(\d)$/.exec(code);
  if (!m) return false;
  return loincCheckDigit(m[1] as string) === Number(m[2]) ? undefined : false;
}

/** LOINC's mod 10: odd positions from the right doubled, even positions in front, digits summed. */
export function loincCheckDigit(body: string): number {
  const reversed = [...body].reverse();
  const odd = reversed.filter((_, i) => i % 2 === 0).join('');
  const even = reversed.filter((_, i) => i % 2 === 1).join('');
  const combined = `${even}${odd === '' ? '' : String(Number(odd) * 2)}`;
  const sum = [...combined].reduce((s, ch) => s + Number(ch), 0);
  return (10 - (sum % 10)) % 10;
}

/**
 * A parse error in a simple SNOMED CT Expression Constraint: one or more focus concepts (an id with
 * an optional |term|, `*`, or a parenthesised constraint), each with an optional constraint
 * operator or `^`, joined by AND, OR, MINUS or a comma. Refinements, filters, dotted attributes and
 * anything else beyond this subset are not judged (undefined).
 *
 * Spec: https://confluence.ihtsdotools.org/display/DOCECL (ECL 2.x, brief syntax)
 */
export function eclParseError(ecl: string): string | undefined {
  const tokens = tokenizeEcl(ecl);
  if (tokens === undefined) return undefined;
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const isBinary = (t: string | undefined): boolean => t !== undefined && /^(AND|OR|MINUS|,)$/i.test(t);
  const focus = (): string | undefined => {
    const t = tokens[i];
    if (t === undefined) return 'a focus concept is missing';
    if (t === '(') {
      i++;
      const inner = expression();
      if (inner) return inner;
      if (tokens[i] !== ')') return "')' is missing";
      i++;
      return undefined;
    }
    if (/^(<<!?|<!?|>>!?|>!?|!!<|!!>|\^)$/.test(t)) {
      i++;
      return focus();
    }
    if (t === '*' || /^\d{6,18}$/.test(t)) {
      i++;
      if (tokens[i]?.startsWith('|')) i++;
      return undefined;
    }
    return `unexpected '${t}'`;
  };
  const expression = (): string | undefined => {
    const first = focus();
    if (first) return first;
    while (isBinary(peek())) {
      i++;
      const next = focus();
      if (next) return next;
    }
    return undefined;
  };
  const error =
    expression() ??
    (i < tokens.length ? `unexpected '${tokens[i] ?? ''}' after a complete constraint` : undefined);
  return error;
}

/** Tokens of the subset; undefined when the text uses ECL beyond it. */
function tokenizeEcl(ecl: string): string[] | undefined {
  const out: string[] = [];
  const re = /\s*(<<!|<<|<!|<|>>!|>>|>!|>|!!<|!!>|\^|\*|\(|\)|,|\|[^|]*\||\d+|AND\b|OR\b|MINUS\b|\S)/giy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(ecl)) !== null) {
    const t = m[1] as string;
    if (/^[:={}[\].#"!R]$/i.test(t) || /^[a-z]$/i.test(t)) return undefined;
    out.push(t);
    if (re.lastIndex >= ecl.length) break;
  }
  if (ecl.slice(re.lastIndex).trim() !== '') return undefined;
  return out;
}
