/** Small guards for untyped JSON, shared by every module that reads FHIR it has not typed yet. */

/** A JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The resources of a Bundle-shaped value (`entry[].resource`); an entry without one gives undefined. */
export function bundleResources(bundle: unknown): unknown[] {
  if (!isRecord(bundle) || !Array.isArray(bundle.entry)) return [];
  return bundle.entry.map((e: unknown) => (isRecord(e) ? e.resource : undefined));
}

/** `quantity` -> `Quantity`: the suffix of a choice element (`valueQuantity`). */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
