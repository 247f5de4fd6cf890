/**
 * Keyed pseudonyms: HMAC-SHA256 with the recipient's key over the series and the value, so that
 * one recipient's pseudonyms are stable across exports, two recipients' sets cannot be linked,
 * and a new series (a rotated key) shares nothing with the old one.
 *
 * Every pseudonym carries the series as a prefix (`rpn1-...`), so a recipient sees at a glance
 * which series a value belongs to. The inputs are separated by a NUL character, which no FHIR
 * string may contain, so `(system, value)` pairs cannot run into each other.
 *
 * Spec: HMAC https://www.rfc-editor.org/rfc/rfc2104, base64url https://www.rfc-editor.org/rfc/rfc4648#section-5,
 * FHIR id grammar https://hl7.org/fhir/R4/datatypes.html#id
 */
import type { KeyObject } from 'node:crypto';
import { Memo } from './memo.js';
import { hmacSha256 } from './sha256.js';

export { hmacSha256 };

/** The naming system of identifier pseudonyms: the value is no longer one of the original system. */
export const PSEUDONYM_SYSTEM = 'https://overdracht.dev/fhir/NamingSystem/pseudonym';

export interface Pseudonymiser {
  readonly series: string;
  /** An Identifier's value: over (system, value), base64url. */
  identifier(system: string, value: string): string;
  /** A string a policy hashes (`hash` rule): base64url. */
  text(value: string): string;
  /** A resource id, over (type, id); a valid FHIR id, so the same function serves ids and references. */
  resourceId(type: string, id: string): string;
  /** The id of a contained resource (and its `#id` references): local to the container. */
  localId(id: string): string;
  /** A `urn:uuid:` or `urn:oid:` reference or fullUrl, as a new `urn:uuid:`. */
  urn(urn: string): string;
  /** The date offset of one patient, in whole days within +/- maxDays. */
  dateOffset(patientKey: string, maxDays: number): number;
}

/**
 * Pseudonyms remembered per kind and pseudonymiser (two generations of this many, see `Memo`): an
 * export meets the same clients, organisations and references again and again, in every type's
 * file (one pass per type), and each HMAC costs more than the lookup. (A key built by joining
 * strings costs more to look up than one read as it is: V8 must flatten it first.) About 130
 * bytes an entry: 13 MB at the 100,000 resources of bench:export, at most about 50 MB however
 * large the export.
 */
export const MEMO_SIZE = 100_000;
/** Identifier systems with a memo of their own. */
const SYSTEMS = 16;

export function pseudonymiser(secret: KeyObject, series: string, memoSize = MEMO_SIZE): Pseudonymiser {
  const hmac = hmacSha256(secret);
  const digest = (kind: string, message: string): Buffer => hmac(`${series}\u0000${kind}\u0000${message}`);
  /**
   * One memo per kind (and per identifier system): the key is the hashed message without the
   * series and kind both add, and without `prefix`, which is joined to it only to hash it.
   */
  const memoised = <V>(kind: string, make: (digest: Buffer) => V, prefix = ''): ((key: string) => V) => {
    const memo = new Memo<V>(memoSize);
    return (key) => memo.get(key) ?? memo.set(key, make(digest(kind, `${prefix}${key}`)));
  };
  const base64url = (d: Buffer): string => `${series}-${d.toString('base64url')}`;
  const identifier = memoised('identifier', base64url);
  const text = memoised('text', base64url);
  const contained = memoised('contained', (d) => `${series}-${idSafe(d)}`);
  const urn = memoised('urn', (d) => `urn:uuid:${uuidOf(d)}`);
  const dateShift = memoised('date-shift', (d) => d.readUInt32BE(0));
  // Identifiers remembered per system, by the value as it is (a few systems name most of them);
  // past `SYSTEMS` systems, by system and value joined.
  const bySystem = new Map<string, (value: string) => string>();
  const identifierOf = (system: string, value: string): string => {
    let ofSystem = bySystem.get(system);
    if (!ofSystem) {
      if (bySystem.size >= SYSTEMS) return identifier(`${system}\u0000${value}`);
      ofSystem = memoised('identifier', base64url, `${system}\u0000`);
      bySystem.set(system, ofSystem);
    }
    return ofSystem(value);
  };
  return {
    series,
    identifier: identifierOf,
    text,
    // Not remembered here: a resource's own id comes once per export, and the references to it
    // are remembered whole by the engine (`Engine.reference`), keyed by the text as it is.
    resourceId: (type, id) => `${series}-${idSafe(digest('resource', `${type}/${id}`))}`,
    localId: contained,
    urn,
    dateOffset: (patientKey, maxDays) => {
      if (maxDays <= 0) return 0;
      return (dateShift(patientKey) % (2 * maxDays + 1)) - maxDays;
    },
  };
}

/**
 * base64url with `.` for `_`: the FHIR id alphabet is exactly A-Z a-z 0-9 `-` `.`, so this is
 * still a 64-letter alphabet, and 43 letters (256 bits) plus a short prefix fit the 64 an id allows.
 */
function idSafe(bytes: Buffer): string {
  return bytes.toString('base64url').replace(/_/g, '.');
}

/** An RFC 9562 version 8 (custom) UUID from the first 16 bytes of a digest. */
function uuidOf(bytes: Buffer): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x80;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A literal reference, parsed: relative or absolute RESTful, a URN, or a contained `#id`. */
export type ParsedReference =
  | { kind: 'resource'; type: string; id: string }
  | { kind: 'urn'; urn: string }
  | { kind: 'contained'; id: string };

const RESTFUL = /^(?:.*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;
const URN = /^urn:(?:uuid|oid):\S+$/;
const CONTAINED = /^#([A-Za-z0-9\-.]{1,64})$/;

/** `isResourceType` keeps `foo/Bar/1` from passing for a reference when `Bar` is no resource type. */
export function parseReference(
  ref: string,
  isResourceType: (t: string) => boolean,
): ParsedReference | undefined {
  // Most references are relative (`Patient/123`): the same result without the search for a base.
  const relative = RELATIVE.exec(ref);
  if (relative?.[1] && relative[2] && isResourceType(relative[1])) {
    return { kind: 'resource', type: relative[1], id: relative[2] };
  }
  const restful = RESTFUL.exec(ref);
  if (restful?.[1] && restful[2] && isResourceType(restful[1])) {
    return { kind: 'resource', type: restful[1], id: restful[2] };
  }
  if (URN.test(ref)) return { kind: 'urn', urn: ref };
  const contained = CONTAINED.exec(ref);
  if (contained?.[1]) return { kind: 'contained', id: contained[1] };
  return undefined;
}

/**
 * The pseudonymised reference: `Type/<pseudonym>` whether the original was relative or absolute
 * (the base of the source server is dropped and versions too, so every file links the same way).
 */
export function pseudonymReference(parsed: ParsedReference, p: Pseudonymiser): string {
  switch (parsed.kind) {
    case 'resource':
      return `${parsed.type}/${p.resourceId(parsed.type, parsed.id)}`;
    case 'urn':
      return p.urn(parsed.urn);
    case 'contained':
      return `#${p.localId(parsed.id)}`;
    default:
      return parsed satisfies never;
  }
}
