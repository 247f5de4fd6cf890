/**
 * The natural keys of the client record, as pure functions: which client a Patient is (by BSN,
 * else a key of its own that is never merged with another), and a content hash per resource that
 * does not depend on the ids a source happened to give, so that the same data imported twice is
 * recognised and stored once.
 */
import { createHash } from 'node:crypto';
import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import { BundleIndex, type IndexedEntry } from '../fhir/bundle.js';
import { SYSTEMS } from '../fhir/codes.js';
import { isRecord } from '../fhir/records.js';
import { forEachReference } from '../fhir/references.js';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The BSN of a Patient, if it has one. */
export function bsnOf(patient: Patient): string | undefined {
  return patient.identifier?.find((i) => i.system === SYSTEMS.bsn && i.value)?.value;
}

/** JSON with sorted keys and without undefined values: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The resources of an adapter's output, flattened: nested Bundles are opened, MessageHeaders left out. */
export function flatten(output: Bundle | Resource | readonly Resource[]): Bundle {
  const entries: NonNullable<Bundle['entry']> = [];
  // Read before validation: entries and resources may be of any JSON type.
  const visit = (r: Resource, fullUrl: string | undefined): void => {
    if (!isRecord(r)) return;
    if (r.resourceType === 'Bundle') {
      const list: unknown = r.entry;
      for (const e of Array.isArray(list) ? (list as unknown[]) : []) {
        if (!isRecord(e)) continue;
        if (e.resource) visit(e.resource as Resource, typeof e.fullUrl === 'string' ? e.fullUrl : undefined);
      }
      return;
    }
    if (r.resourceType === 'MessageHeader') return;
    entries.push(fullUrl ? { fullUrl, resource: r } : { resource: r });
  };
  if (Array.isArray(output)) for (const r of output as readonly Resource[]) visit(r, undefined);
  else visit(output as Resource, undefined);
  return { resourceType: 'Bundle', type: 'collection', entry: entries };
}

/**
 * Content hashes of every entry: the resource without id and meta, each reference to another
 * entry replaced by that entry's own hash (computed first; a cycle gives `Type/*`).
 */
export function contentHashes(index: BundleIndex): Map<IndexedEntry, string> {
  const done = new Map<IndexedEntry, string>();
  const busy = new Set<IndexedEntry>();
  const hashOf = (e: IndexedEntry): string => {
    const known = done.get(e);
    if (known) return known;
    if (busy.has(e)) return '*';
    busy.add(e);
    const { id: _id, meta: _meta, ...content } = structuredClone(e.resource) as Resource & { meta?: unknown };
    forEachReference(content, (ref) => {
      const target = index.resolve(ref.reference, e);
      if (target) ref.reference = `${target.resource.resourceType}/${hashOf(target)}`;
    });
    busy.delete(e);
    const hash = sha256(`${e.resource.resourceType}\n${canonicalJson(content)}`);
    done.set(e, hash);
    return hash;
  };
  for (const e of index.entries) hashOf(e);
  return done;
}

/** The record key of a client: by BSN, or a key of its own for a client without one. */
export function clientKey(patient: Patient, patientHash: string, sourceKey: string): string {
  const bsn = bsnOf(patient);
  return bsn ? `bsn|${bsn}` : `local|${sha256(`${sourceKey}\n${patientHash}`).slice(0, 32)}`;
}

/** The stored id of an entry: the same content for the same client always gets the same id. */
export function entryId(key: string, hash: string): string {
  return `r${sha256(`${key}\n${hash}`).slice(0, 40)}`;
}
