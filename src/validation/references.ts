import { isRecord } from '../fhir/records.js';
import type { IssueSource } from './issue-source.js';
/**
 * Literal references: what a reference string says (local '#id', urn:uuid/urn:oid, relative
 * `Type/id`, absolute RESTful URL) and resolving it inside the containing resource or Bundle.
 *
 * Spec: https://hl7.org/fhir/R4/references.html#literal, https://hl7.org/fhir/R4/bundle.html#references
 */

type Json = Record<string, unknown>;

export type ReferenceKind = 'local' | 'urn' | 'relative' | 'absolute' | 'other';

export interface ParsedReference {
  readonly kind: ReferenceKind;
  /** The resource type named by the URL, when it names one. */
  readonly type?: string;
  readonly id?: string;
  /** The URL without `/_history/{vid}`. */
  readonly unversioned: string;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const ABSOLUTE = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const QUERY_OR_FRAGMENT = /[?#]/;

/** Parses a literal reference; `isType` says whether a segment is a resource type name. */
export function parseReference(ref: string, isType: (name: string) => boolean): ParsedReference {
  if (ref.startsWith('#')) return { kind: 'local', id: ref.slice(1), unversioned: ref };
  if (ref.startsWith('urn:uuid:') || ref.startsWith('urn:oid:')) return { kind: 'urn', unversioned: ref };
  const query = ref.search(QUERY_OR_FRAGMENT);
  const clean = query >= 0 ? ref.slice(0, query) : ref;
  const parts = clean.split('/');
  let end = parts.length;
  if (end >= 4 && parts[end - 2] === '_history') end -= 2;
  const type = parts[end - 2];
  const id = parts[end - 1];
  const unversionedUrl = parts.slice(0, end).join('/');
  const absolute = ABSOLUTE.test(clean);
  if (type !== undefined && id !== undefined && isType(type) && ID.test(id)) {
    return { kind: absolute ? 'absolute' : 'relative', type, id, unversioned: unversionedUrl };
  }
  return { kind: absolute ? 'absolute' : 'other', unversioned: unversionedUrl };
}

export interface BundleIndex {
  /** The Bundle resource (for resolve() in invariants). */
  readonly bundle: Json;
  readonly byFullUrl: ReadonlyMap<string, Json>;
  /** `Type/id` -> resources, for entries whose fullUrl does not say where they live (made on first use). */
  byTypeId: Map<string, Json[]> | undefined;
  /** The fullUrl of each entry resource. */
  readonly fullUrlOf: ReadonlyMap<Json, string>;
  /** The position of each entry resource in `entry`. */
  readonly entryIndex: ReadonlyMap<Json, number>;
  /**
   * The links between entry resources found while walking (a reference from one to another),
   * both ways: resource -> the resources it links with.
   */
  readonly links: Map<Json, Json[]>;
  /** References to entries that require a profile of them, decided after the walk. */
  pendingTargets?: PendingTarget[];
}

export interface PendingTarget {
  readonly target: Json;
  readonly foundType: string;
  readonly profiles: readonly string[];
  /** Where the reference is, for the issue. */
  readonly path: string;
  /** Whose rule the target profiles are (ValidateOptions.issueSource). */
  readonly source: IssueSource | undefined;
}

/** Records that entry resource `from` references entry resource `to`. */
export function addLink(index: BundleIndex, from: Json, to: Json): void {
  if (from === to) return;
  const a = index.links.get(from);
  if (a) a.push(to);
  else index.links.set(from, [to]);
  const b = index.links.get(to);
  if (b) b.push(from);
  else index.links.set(to, [from]);
}

/** Indexes the entries of a Bundle once (linear), for reference resolution. */
export function indexBundle(bundle: Json): BundleIndex {
  const byFullUrl = new Map<string, Json>();
  const fullUrlOf = new Map<Json, string>();
  const entryIndex = new Map<Json, number>();
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  for (let i = 0; i < entries.length; i++) {
    const e: unknown = entries[i];
    if (!isRecord(e) || !isRecord(e.resource)) continue;
    const r = e.resource;
    entryIndex.set(r, i);
    if (typeof e.fullUrl === 'string') {
      if (!byFullUrl.has(e.fullUrl)) byFullUrl.set(e.fullUrl, r);
      fullUrlOf.set(r, e.fullUrl);
    }
  }
  return { bundle, byFullUrl, byTypeId: undefined, fullUrlOf, entryIndex, links: new Map() };
}

function typeIdIndex(index: BundleIndex): Map<string, Json[]> {
  if (index.byTypeId) return index.byTypeId;
  const byTypeId = new Map<string, Json[]>();
  const entries = Array.isArray(index.bundle.entry) ? index.bundle.entry : [];
  for (const e of entries) {
    if (!isRecord(e) || !isRecord(e.resource)) continue;
    const r = e.resource;
    if (typeof r.resourceType === 'string' && typeof r.id === 'string') {
      const key = `${r.resourceType}/${r.id}`;
      const list = byTypeId.get(key);
      if (list) list.push(r);
      else byTypeId.set(key, [r]);
    }
  }
  index.byTypeId = byTypeId;
  return byTypeId;
}

/** The server base of a RESTful fullUrl (`http://x/fhir/Patient/1` -> `http://x/fhir/`). */
function restBase(fullUrl: string, isType: (name: string) => boolean): string | undefined {
  const p = parseReference(fullUrl, isType);
  if (p.kind !== 'absolute' || !p.type || !p.id) return undefined;
  const tail = `${p.type}/${p.id}`;
  return p.unversioned.endsWith(tail)
    ? p.unversioned.slice(0, p.unversioned.length - tail.length)
    : undefined;
}

/**
 * Resolves a reference made from a resource with fullUrl `fromFullUrl` against the Bundle.
 * Relative references resolve against the server base of the referring entry's fullUrl.
 */
export function resolveInBundle(
  index: BundleIndex,
  ref: ParsedReference,
  fromFullUrl: string | undefined,
  isType: (name: string) => boolean,
): Json | undefined {
  if (ref.kind === 'urn' || ref.kind === 'absolute') return index.byFullUrl.get(ref.unversioned);
  if (ref.kind !== 'relative' || !ref.type || !ref.id) return undefined;
  const base = fromFullUrl ? restBase(fromFullUrl, isType) : undefined;
  if (base !== undefined) {
    const hit = index.byFullUrl.get(base + ref.unversioned);
    if (hit) return hit;
  }
  // Entries without a RESTful fullUrl are found by type and id.
  const candidates = typeIdIndex(index).get(`${ref.type}/${ref.id}`) ?? [];
  for (const c of candidates) {
    const fu = index.fullUrlOf.get(c);
    if (fu === undefined || restBase(fu, isType) === undefined || base === undefined) return c;
  }
  return undefined;
}

/** A contained resource by id. */
export function resolveContained(container: unknown, id: string): Json | undefined {
  if (!isRecord(container) || !Array.isArray(container.contained)) return undefined;
  for (const c of container.contained) if (isRecord(c) && c.id === id) return c;
  return undefined;
}

/**
 * A resource of a Parameters (`parameter.resource`, also inside `part`) by `Type/id`: the
 * parameters of one operation call reference each other so.
 * Spec: https://hl7.org/fhir/R4/parameters.html
 */
export function resolveInParameters(parameters: Json, ref: ParsedReference): Json | undefined {
  if (ref.kind !== 'relative' || !ref.type || !ref.id) return undefined;
  return parameterResource(parameters.parameter, ref.type, ref.id, 0);
}

function parameterResource(list: unknown, type: string, id: string, depth: number): Json | undefined {
  if (!Array.isArray(list) || depth > 8) return undefined;
  for (const p of list) {
    if (!isRecord(p)) continue;
    const r = p.resource;
    if (isRecord(r) && r.resourceType === type && r.id === id) return r;
    const inPart = parameterResource(p.part, type, id, depth + 1);
    if (inPart) return inPart;
  }
  return undefined;
}
