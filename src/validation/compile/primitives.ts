/**
 * Checks of FHIR R4 primitive values: JSON type, the regex of the type (from the R4 definitions),
 * and what a regex cannot say (real calendar dates, 32-bit integer range, base64, size limits).
 *
 * Spec: https://hl7.org/fhir/R4/datatypes.html#primitive, https://hl7.org/fhir/R4/json.html#primitive
 */
import { FORBIDDEN_CONTROL } from '../../fhir/characters.js';

export type JsonKind = 'string' | 'number' | 'boolean';

/** The JSON representation of each primitive type (https://hl7.org/fhir/R4/json.html#primitive). */
export function jsonKindOf(type: string): JsonKind {
  switch (type) {
    case 'boolean':
      return 'boolean';
    case 'integer':
    case 'decimal':
    case 'positiveInt':
    case 'unsignedInt':
      return 'number';
    default:
      return 'string';
  }
}

// The regexes of the R4 primitive types, as published in their StructureDefinitions.
const YEAR = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)';
const TZ = '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))';
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?';
const REGEX_SOURCES: Readonly<Record<string, string>> = {
  base64Binary: '(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+',
  boolean: 'true|false',
  canonical: '\\S*',
  code: '[^\\s]+(\\s[^\\s]+)*',
  date: `${YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?`,
  dateTime: `${YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T${TIME}${TZ})?)?)?`,
  decimal: '-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?',
  id: '[A-Za-z0-9\\-\\.]{1,64}',
  instant: `${YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T${TIME}${TZ}`,
  integer: '-?([0]|([1-9][0-9]*))',
  markdown: '[ \\r\\n\\t\\S]+',
  oid: 'urn:oid:[0-2](\\.(0|[1-9][0-9]*))+',
  positiveInt: '[1-9][0-9]*',
  string: '[ \\r\\n\\t\\S]+',
  time: TIME,
  unsignedInt: '[0]|([1-9][0-9]*)',
  uri: '\\S*',
  url: '\\S*',
  uuid: 'urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
};

const REGEXES = new Map<string, RegExp>(
  Object.entries(REGEX_SOURCES).map(([k, v]) => [k, new RegExp(`^(?:${v})$`)]),
);

/** 1 MB, the limit the HL7 validator applies to a string value. */
export const MAX_STRING_LENGTH = 1024 * 1024;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Whether the YYYY-MM-DD prefix (if any) names a real calendar day. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

function realDate(s: string): boolean {
  if (s.length < 10) return true;
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 7);
  const d = digits(s, 8, 10);
  const max = m === 2 && isLeap(y) ? 29 : (DAYS_IN_MONTH[m - 1] ?? 31);
  return d <= max;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function controlMessage(s: string): string | undefined {
  const m = FORBIDDEN_CONTROL.exec(s);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `The value contains the control character U+${code}, which FHIR strings may not hold`;
}

/**
 * Types whose regex every printable ASCII value passes (`\S*`, `[ \r\n\t\S]+`, a code), by the
 * lowest character code that needs no regex: 33 where a space may not appear, 32 where it may.
 * A loop over such a value is cheaper than the regex call; any other value goes to the regex.
 */
const PLAIN_ASCII: Readonly<Record<string, number>> = {
  uri: 33,
  url: 33,
  canonical: 33,
  code: 33,
  string: 32,
  markdown: 32,
};

/** Whether every character is printable ASCII from `lowest` on (126 at most). */
function plainAscii(s: string, lowest: number): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < lowest || c > 126) return false;
  }
  return true;
}

/** Checks a JSON primitive against its FHIR type; returns a message or undefined when valid. */
export function checkPrimitive(type: string, value: unknown): string | undefined {
  const kind = jsonKindOf(type);
  if (typeof value !== kind) {
    return `Error parsing JSON: the primitive value must be a ${kind === 'number' ? 'number' : kind}, not ${describeJson(value)}`;
  }
  if (kind === 'boolean') return undefined;
  if (kind === 'number') return checkNumber(type, value as number);
  return checkString(type, value as string);
}

export type PrimitiveCheck = (value: unknown) => string | undefined;

const checkers = new Map<string, PrimitiveCheck>();

/** The check of one primitive type, specialised once (the same verdicts as checkPrimitive). */
export function primitiveCheck(type: string): PrimitiveCheck {
  let c = checkers.get(type);
  if (!c) {
    c = buildCheck(type);
    checkers.set(type, c);
  }
  return c;
}

function buildCheck(type: string): PrimitiveCheck {
  const kind = jsonKindOf(type);
  const wrong = (v: unknown): string =>
    `Error parsing JSON: the primitive value must be a ${kind}, not ${describeJson(v)}`;
  if (kind === 'boolean') return (v) => (typeof v === 'boolean' ? undefined : wrong(v));
  if (kind === 'number') return (v) => (typeof v === 'number' ? checkNumber(type, v) : wrong(v));
  if (type === 'xhtml' || type === 'base64Binary') {
    return (v) => (typeof v === 'string' ? checkString(type, v) : wrong(v));
  }
  // Printable ASCII passes these types' regexes; anything else is checked by checkString.
  const re = REGEXES.get(type);
  const uri = type === 'uri' || type === 'url' || type === 'canonical';
  const date = type === 'date' || type === 'dateTime' || type === 'instant';
  const plain = PLAIN_ASCII[type];
  return (v) => {
    if (typeof v !== 'string') return wrong(v);
    if (v.length === 0 || v.length > MAX_STRING_LENGTH) return checkString(type, v);
    // The regexes of the other types admit no control character.
    const loose = plain !== undefined || !re;
    if (
      !(plain !== undefined && plainAscii(v, plain)) &&
      ((loose && FORBIDDEN_CONTROL.test(v)) || (re && !re.test(v)))
    )
      return checkString(type, v);
    if (uri && v.startsWith('urn:') && !urnOk(v)) return checkString(type, v);
    if (date && v.length >= 10 && !realDate(v)) return checkString(type, v);
    return undefined;
  };
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v} (${JSON.stringify(v)})`;
}

function checkNumber(type: string, n: number): string | undefined {
  if (!Number.isFinite(n)) return `The value '${n}' is not a valid ${type}`;
  if (type === 'decimal') return undefined;
  if (!Number.isInteger(n)) return `The value '${n}' is not a valid integer`;
  if (n < INT32_MIN || n > INT32_MAX) return `The value '${n}' is outside the range of a 32-bit integer`;
  if (type === 'positiveInt' && n < 1) return `The value '${n}' must be a positive integer (1 or more)`;
  if (type === 'unsignedInt' && n < 0) return `The value '${n}' must not be negative`;
  return undefined;
}

function checkString(type: string, s: string): string | undefined {
  if (s.length > MAX_STRING_LENGTH)
    return `value is longer than permitted maximum length of 1 MB (${MAX_STRING_LENGTH} bytes)`;
  if (s.length === 0) return '@value cannot be empty';
  const control = controlMessage(s);
  if (control) return control;
  if (type === 'xhtml') return undefined;
  const re = REGEXES.get(type);
  if (type === 'base64Binary') return checkBase64(s);
  if (re && !re.test(s)) return invalidMessage(type, s);
  if ((type === 'uri' || type === 'url' || type === 'canonical') && !urnOk(s)) {
    return s.startsWith('urn:uuid:')
      ? `UUIDs must be valid and lowercase (${clip(s.slice(9))})`
      : `OIDs must be valid (${clip(s)})`;
  }
  if ((type === 'date' || type === 'dateTime' || type === 'instant') && !realDate(s)) {
    return `Not a valid date/time ('${clip(s)}'): that day does not exist`;
  }
  return undefined;
}

/** `urn:uuid:` and `urn:oid:` URIs must be well-formed (https://hl7.org/fhir/R4/datatypes.html#uri). */
function urnOk(s: string): boolean {
  if (s.startsWith('urn:uuid:')) return isUuidUrn(s);
  if (s.startsWith('urn:oid:')) return REGEXES.get('oid')?.test(s) ?? true;
  return true;
}

/** `urn:uuid:` + 8-4-4-4-12 lowercase hex digits: the uuid regex, without the regex call. */
function isUuidUrn(s: string): boolean {
  if (s.length !== 45) return false;
  for (let i = 9; i < 45; i++) {
    const c = s.charCodeAt(i);
    if (i === 17 || i === 22 || i === 27 || i === 32) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) {
      return false;
    }
  }
  return true;
}

function checkBase64(s: string): string | undefined {
  const compact = s.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact))
    return `The value '${clip(s)}' is not a valid Base64 value`;
  return undefined;
}

function invalidMessage(type: string, s: string): string {
  switch (type) {
    case 'date':
    case 'dateTime':
    case 'instant':
      if (/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(s)) return 'If a date has a time, it must have a timezone';
      return `Not a valid date/time format: '${clip(s)}'`;
    case 'id':
      return s.length > 64
        ? `Invalid id: Too long (${s.length} chars)`
        : `Invalid id: Invalid Characters ('${clip(s)}')`;
    case 'code':
      return `The code '${clip(s)}' is not valid (whitespace rules)`;
    case 'uuid':
      return `UUIDs must be valid and lowercase (${clip(s)})`;
    case 'oid':
      return `OIDs must start with urn:oid: and be valid (${clip(s)})`;
    case 'uri':
    case 'url':
    case 'canonical':
      return `URI values cannot have whitespace ('${clip(s)}')`;
    case 'string':
    case 'markdown':
      return 'The value is only whitespace';
    default:
      return `The value '${clip(s)}' is not a valid ${type}`;
  }
}

/** Values in messages are shortened so that a huge string does not flood the outcome. */
export function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** The decoded length of a base64 value (whitespace ignored). */
export function base64Length(s: string): number {
  const compact = s.replace(/\s+/g, '');
  const padding = compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0;
  return Math.floor((compact.length * 3) / 4) - padding;
}

const RESOURCE_ID = /^[A-Za-z0-9\-.]+$/;

/** Resource ids: https://hl7.org/fhir/R4/datatypes.html#id */
export function checkResourceId(id: string): string | undefined {
  if (id.length > 64) return `Invalid Resource id: Too long (${id.length} chars)`;
  if (!RESOURCE_ID.test(id)) return `Invalid Resource id: Invalid Characters ('${clip(id)}')`;
  return undefined;
}
