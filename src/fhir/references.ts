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
  const copy = structuredClone(resource);
  forEachReference(copy, (ref) => {
    const to = map(ref.reference);
    if (to !== undefined) ref.reference = to;
  });
  return copy;
}
