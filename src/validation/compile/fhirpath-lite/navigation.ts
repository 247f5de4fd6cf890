/**
 * Navigation by name over plain JSON, as FHIRPath sees FHIR JSON: arrays flatten, `_name`
 * extension parts count as values without a value, and a choice element is found by its typed
 * JSON name (`value` finds `valueQuantity`). Compiled navigations are remembered, so that
 * `x.ofType(T)`, `x.exists()` and `x.empty()` can be compiled from `x`.
 *
 * Spec: https://hl7.org/fhirpath/N1/#path-selection, https://hl7.org/fhir/R4/fhirpath.html#types
 */
import { isRecord } from '../../../fhir/records.js';
import { EMPTY, NO_VALUE, type Coll, type Fn, type Json } from './values.js';

/** Compiled navigations by name, so that `x.ofType(T)` can be compiled from `x`. */
export const navigations = new WeakMap<Fn, { input: Fn; name: string }>();

/** Navigation by name; remembered so that a following ofType() can pick the choice's JSON name. */
export function compileNavigation(input: Fn, name: string): Fn {
  const extName = '_' + name;
  const fn: Fn = (f, th, c) => navigate(input(f, th, c), name, extName);
  navigations.set(fn, { input, name });
  return fn;
}

/** The child `name` of every item; `_name` extension parts count as values without a value. */
export function navigate(focus: Coll, name: string, extName = '_' + name): Coll {
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
export function hasValues(focus: Coll, name: string, extName: string): boolean {
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
