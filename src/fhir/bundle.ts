/**
 * Resolving references between the entries of a Bundle, as the spec defines it: an absolute
 * fullUrl matches exactly; a relative reference `Type/id` resolves against the fullUrl's base
 * (RESTful URLs) or, failing that, against the entry's resourceType and id.
 * https://hl7.org/fhir/R4/bundle.html#references
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

export interface IndexedEntry {
  index: number;
  entry: BundleEntry;
  resource: Resource;
}

export class BundleIndex {
  private readonly byFullUrl = new Map<string, IndexedEntry>();
  private readonly byTypeId = new Map<string, IndexedEntry>();
  readonly entries: IndexedEntry[] = [];

  constructor(readonly bundle: Bundle) {
    // Read before validation: any entry may be of any JSON type.
    (Array.isArray(bundle.entry) ? bundle.entry : []).forEach((entry: BundleEntry | null, index) => {
      if (!entry || typeof entry !== 'object') return;
      const resource = entry.resource;
      if (!resource || typeof resource !== 'object') return;
      const e: IndexedEntry = { index, entry, resource };
      this.entries.push(e);
      if (typeof entry.fullUrl === 'string') this.byFullUrl.set(entry.fullUrl, e);
      if (typeof resource.id === 'string' && resource.id)
        this.byTypeId.set(`${resource.resourceType}/${resource.id}`, e);
    });
  }

  /** The entry a reference points to, or undefined when it does not resolve inside the Bundle. */
  resolve(reference: string | undefined, from?: IndexedEntry): IndexedEntry | undefined {
    if (typeof reference !== 'string' || !reference) return undefined;
    const exact = this.byFullUrl.get(reference);
    if (exact) return exact;
    const relative = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/.+)?$/.exec(reference);
    if (!relative) return undefined;
    const typeId = `${relative[1]}/${relative[2]}`;
    const base = from?.entry.fullUrl ? restBase(from.entry.fullUrl) : undefined;
    if (base) {
      const viaBase = this.byFullUrl.get(`${base}/${typeId}`);
      if (viaBase) return viaBase;
    }
    return this.byTypeId.get(typeId);
  }

  ofType<T extends Resource['resourceType']>(
    type: T,
  ): (IndexedEntry & { resource: Extract<Resource, { resourceType: T }> })[] {
    return this.entries.filter((e) => e.resource.resourceType === type) as (IndexedEntry & {
      resource: Extract<Resource, { resourceType: T }>;
    })[];
  }
}

/** `https://x/fhir/Patient/1` -> `https://x/fhir`; undefined for urn:uuid and non-RESTful URLs. */
function restBase(fullUrl: string): string | undefined {
  const m = /^(https?:\/\/.+)\/[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.exec(fullUrl);
  return m?.[1];
}
