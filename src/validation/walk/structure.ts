/**
 * The JSON shape of a walked object: properties no child slot knows (and `_name` parts of
 * non-primitives), minimum cardinality of required children (and required slices of absent
 * elements), and array-ness of each property.
 *
 * Spec: https://hl7.org/fhir/R4/json.html, https://hl7.org/fhir/R4/elementdefinition.html#min-max
 */
import type { RequiredChild, SlotMap, ChildSlot } from '../compile/compiler.js';
import { clip } from '../compile/primitives.js';
import type { Walker } from '../walk.js';

type Json = Record<string, unknown>;

export function reportUnknown(w: Walker, key: string, value: unknown, slots: SlotMap): void {
  if (key.startsWith('_') && slots.byName.has(key.slice(1))) {
    w.report(
      'error',
      'structure',
      `The property '${key}' is not allowed: '${key.slice(1)}' is not a primitive element`,
    );
    return;
  }
  if (value === undefined) return;
  w.report('error', 'structure', `Unrecognized property '${clip(key)}'`);
}

export function checkRequired(w: Walker, obj: Json, slots: SlotMap): void {
  const required = slots.required;
  for (let k = 0; k < required.length; k++) {
    const r = required[k] as RequiredChild;
    let found = 0;
    for (let i = 0; i < r.names.length; i++)
      found += countOf(obj[r.names[i] as string], obj[r.extNames[i] as string]);
    if (found < r.element.min) {
      w.reportEl(
        r.element,
        'min',
        'error',
        'required',
        `${r.element.path}: minimum required = ${r.element.min}, but only found ${found} (from ${r.element.profile})`,
      );
    }
    if (found === 0) {
      for (const s of r.element.slices) {
        if (s.min > 0)
          w.reportEl(
            s,
            'own',
            'error',
            'required',
            `Slice '${s.id}': a matching slice is required, but not found (from ${s.profile})`,
          );
      }
    }
  }
}

/** Checks array-ness of a property; returns its items. */
export function shapeItems(
  w: Walker,
  slot: ChildSlot,
  raw: unknown,
  isArray: boolean,
  extPart: boolean,
): unknown[] {
  const name = extPart ? '_' + slot.jsonName : slot.jsonName;
  if (raw === undefined) return [];
  if (isArray) {
    if (!Array.isArray(raw)) {
      w.path.push('.' + name);
      w.report(
        'error',
        'structure',
        `The property ${name} must be a JSON Array, not ${jsonKind(raw)} (at ${w.path.toString()})`,
      );
      w.path.pop();
      return [raw];
    }
    if (raw.length === 0) {
      w.path.push('.' + name);
      w.report(
        'error',
        'structure',
        'Array cannot be empty - the property should not be present if it has no values',
      );
      w.path.pop();
    }
    return raw;
  }
  if (Array.isArray(raw)) {
    w.path.push('.' + name);
    w.report(
      'error',
      'structure',
      `The property ${name} must be ${slot.type?.primitive && !extPart ? 'a JSON primitive' : 'a JSON Object'}, not an array`,
    );
    w.path.pop();
    return raw;
  }
  return [raw];
}

/** How many values a property has (a primitive position counts if its value or its `_` part is there). */
function countOf(v: unknown, ext: unknown): number {
  if (!Array.isArray(v) && !Array.isArray(ext)) {
    return (v !== undefined && v !== null) || (ext !== undefined && ext !== null) ? 1 : 0;
  }
  const a = Array.isArray(v) ? v : v === undefined ? [] : [v];
  const b = Array.isArray(ext) ? ext : ext === undefined ? [] : [ext];
  let n = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] !== undefined && a[i] !== null) || (b[i] !== undefined && b[i] !== null)) n++;
  }
  return n;
}

export function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an Array';
  if (typeof v === 'object') return 'an Object';
  return 'a Primitive property';
}
