import { isRecord } from '../../fhir/records.js';
/**
 * fixed[x] and pattern[x] comparison.
 *
 * fixed: the instance must be exactly the value (no extra properties, same array lengths).
 * pattern: every property of the pattern must be present and match recursively; for an array in
 * the pattern, each pattern item must be matched by at least one instance item; extra instance
 * properties and items are allowed.
 * Spec: https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.fixed_x_
 *       https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.pattern_x_
 */

/** Numbers compare by value, so that 1.0 in a profile equals 1 in an instance. */
function primitiveEqual(a: unknown, b: unknown): boolean {
  return a === b;
}

/** Whether `value` matches `pattern` (pattern semantics, recursive). */
export function matchesPattern(value: unknown, pattern: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (Array.isArray(pattern)) {
    const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
    return pattern.every((p) => items.some((v) => matchesPattern(v, p, depth + 1)));
  }
  if (isRecord(pattern)) {
    if (!isRecord(value)) return false;
    for (const k of Object.keys(pattern)) {
      if (!matchesPattern(value[k], pattern[k], depth + 1)) return false;
    }
    return true;
  }
  return primitiveEqual(value, pattern);
}

export interface FixedMismatch {
  /** Relative path inside the value (`.system`, `.coding[0].code`), empty for the value itself. */
  readonly at: string;
  readonly message: string;
}

/** Differences between `value` and a fixed value; empty when equal. */
export function fixedMismatches(
  value: unknown,
  fixed: unknown,
  at = '',
  depth = 0,
  out: FixedMismatch[] = [],
): FixedMismatch[] {
  if (depth > 64) return out;
  if (Array.isArray(fixed)) {
    const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
    if (items.length !== fixed.length) {
      out.push({ at, message: `Expected ${fixed.length} but found ${items.length} elements` });
      return out;
    }
    fixed.forEach((f, i) => fixedMismatches(items[i], f, `${at}[${i}]`, depth + 1, out));
    return out;
  }
  if (isRecord(fixed)) {
    if (!isRecord(value)) {
      out.push({ at, message: `Missing element - the fixed value requires it` });
      return out;
    }
    for (const k of Object.keys(fixed)) fixedMismatches(value[k], fixed[k], `${at}.${k}`, depth + 1, out);
    for (const k of Object.keys(value)) {
      if (fixed[k] === undefined && k !== 'extension' && !k.startsWith('_') && k !== 'id') {
        out.push({
          at: `${at}.${k}`,
          message: `The element ${k} is present in the instance but not allowed in the applicable fixed value specified in profile`,
        });
      }
    }
    return out;
  }
  if (!primitiveEqual(value, fixed)) {
    out.push({
      at,
      message:
        value === undefined
          ? `Missing element - the fixed value '${String(fixed)}' is required`
          : `Value is '${display(value)}' but is fixed to '${display(fixed)}'`,
    });
  }
  return out;
}

function display(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
}

/** Describes a pattern for messages, e.g. `{"coding":[{"system":"x","code":"y"}]}` shortened. */
export function describeValue(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}
