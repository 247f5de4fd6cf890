/** Resolving references inside a Bundle for the writers: by fullUrl and by `Type/id`. */
import type { Bundle, Reference, Resource } from '@medplum/fhirtypes';

export class EntryIndex {
  private readonly byRef = new Map<string, { resource: Resource; index: number }>();
  readonly resources: Resource[];

  constructor(bundle: Bundle) {
    this.resources = [];
    (bundle.entry ?? []).forEach((e, index) => {
      const r = e.resource;
      if (!r) return;
      this.resources.push(r);
      if (e.fullUrl) this.byRef.set(e.fullUrl, { resource: r, index });
      if (r.id) this.byRef.set(`${r.resourceType}/${r.id}`, { resource: r, index });
    });
  }

  resolve(ref: Reference | undefined): Resource | undefined {
    const key = ref?.reference?.replace(/\/_history\/[^/]+$/, '');
    return key ? this.byRef.get(key)?.resource : undefined;
  }

  /** The FHIRPath of a resource in the Bundle: `Bundle.entry[3].resource`. */
  pathOf(resource: Resource): string {
    const i = this.resources.indexOf(resource);
    return i < 0
      ? 'Bundle'
      : `Bundle.entry[${[...this.byRef.values()].find((v) => v.resource === resource)?.index ?? i}].resource`;
  }

  first<T extends Resource['resourceType']>(type: T): Extract<Resource, { resourceType: T }> | undefined {
    return this.resources.find((r): r is Extract<Resource, { resourceType: T }> => r.resourceType === type);
  }
}
