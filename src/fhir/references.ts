/**
 * Walking and rewriting the references inside resources: when the entries of a message are
 * stored, their `urn:uuid:` and relative references are rewritten to the ids the store gave them,
 * so that links survive.
 */

type Json = unknown;

/** Calls `visit` for every Reference-shaped object (one with a string `reference`). */
export function forEachReference(value: Json, visit: (ref: { reference: string }) => void): void {
  const stack: Json[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    const o = v as Record<string, Json>;
    if (typeof o.reference === 'string') visit(o as { reference: string });
    for (const key of Object.keys(o)) {
      // Contained resources and nested Bundles keep their own reference space.
      if (key === 'contained') continue;
      stack.push(o[key]);
    }
  }
}

/** A deep copy of `resource` with every reference mapped by `map` (unmapped ones unchanged). */
export function rewriteReferences<T>(resource: T, map: (reference: string) => string | undefined): T {
  return copyJson(resource, map) as T;
}

/**
 * A copy of a JSON value in one recursive pass (several times faster than `structuredClone` on
 * parsed JSON), mapping the `reference` of Reference-shaped objects when `map` is given. Contained
 * resources and nested Bundles keep their own reference space: copied, not mapped.
 */
function copyJson(value: Json, map: ((reference: string) => string | undefined) | undefined): Json {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => copyJson(v, map));
  const out: Record<string, Json> = {};
  for (const key of Object.keys(value)) {
    const v = copyJson((value as Record<string, Json>)[key], key === 'contained' ? undefined : map);
    // An own property even for the name that would otherwise set the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true });
    else out[key] = v;
  }
  if (map && typeof out.reference === 'string') {
    const to = map(out.reference);
    if (to !== undefined) out.reference = to;
  }
  return out;
}
