/**
 * UCUM unit codes, checked offline with the UCUM library that fhirpath.js ships (ucum-lhc), so
 * that `http://unitsofmeasure.org` is a code system we can decide on without a server.
 *
 * Spec: https://ucum.org/ucum (the grammar), https://hl7.org/fhir/R4/datatypes.html#Quantity
 */
import { createRequire } from 'node:module';

export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

interface UcumValidation {
  status: string;
  unit?: { name?: string };
}

interface UcumConversion {
  status: string;
  toVal?: number | null;
}

interface UcumUtils {
  validateUnitString(unit: string): UcumValidation;
  convertUnitTo(from: string, value: number, to: string): UcumConversion;
}

// The CommonJS build, the one the FHIRPath module loads too: one copy of the UCUM tables.
const utils = (createRequire(import.meta.url)('fhirpath') as { ucumUtils: UcumUtils }).ucumUtils;
const cache = new Map<string, UcumValidation>();
const CACHE_LIMIT = 10_000;

function check(code: string): UcumValidation {
  let hit = cache.get(code);
  if (!hit) {
    try {
      hit = utils.validateUnitString(code);
    } catch {
      hit = { status: 'invalid' };
    }
    // The cache is bounded: unit strings come from outside.
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(code, hit);
  }
  return hit;
}

/**
 * A syntactically valid UCUM expression built from known units. Annotations (`{...}`) carry no
 * meaning; the FHIR value sets use ones with spaces (`{# of calculi}`), so their text is not judged.
 */
export function isValidUcumCode(code: string): boolean {
  if (code.trim() !== code || code.length === 0) return false;
  return check(code.replace(/\{[^{}]*\}/g, '{a}')).status === 'valid';
}

/** The UCUM library's name for a unit (e.g. "milligram per deciliter"). */
export function ucumDisplay(code: string): string | undefined {
  return isValidUcumCode(code) ? check(code).unit?.name : undefined;
}

/** `value` in unit `from` expressed in unit `to`; undefined when the units are not commensurable. */
export function convertUcum(value: number, from: string, to: string): number | undefined {
  if (from === to) return value;
  if (!isValidUcumCode(from) || !isValidUcumCode(to)) return undefined;
  try {
    const out = utils.convertUnitTo(from, value, to);
    return out.status === 'succeeded' && typeof out.toVal === 'number' ? out.toVal : undefined;
  } catch {
    return undefined;
  }
}
