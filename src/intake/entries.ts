/**
 * The entries of an accepted referral message into the store: found again by identifier (the
 * client by BSN, organisations by AGB or URA, practitioners by UZI, BIG or AGB) or created, each
 * with its references rewritten to the stored ids, all lookups of a message in one call.
 */
import type { Identifier, Reference, Resource } from '@medplum/fhirtypes';
import type { IndexedEntry } from '../fhir/bundle.js';
import { SYSTEMS } from '../fhir/codes.js';
import { rewriteReferences } from '../fhir/references.js';
import type { ShapedMessage } from './message.js';
import type { IdentifierLookup, IntakeTx } from './ports.js';

export interface StoredEntries {
  /** Entry index -> reference to the stored resource. */
  refs: Map<number, Reference>;
  patient?: Reference;
}

/** Resources found again by identifier instead of being created anew. */
const MATCH_BY_IDENTIFIER: Record<string, readonly string[]> = {
  Patient: [SYSTEMS.bsn],
  Organization: [SYSTEMS.agb, SYSTEMS.ura],
  Practitioner: [SYSTEMS.uzi, SYSTEMS.big, SYSTEMS.agb],
};

/**
 * Stores the entries of a referral message (not its MessageHeader) with their references
 * rewritten to the stored ids: a client, organisation or practitioner found again by identifier
 * keeps its id and gets a new version only when it arrives changed.
 */
export async function storeEntries(
  msg: ShapedMessage,
  tx: IntakeTx,
  newId: () => string,
): Promise<StoredEntries> {
  const refs = new Map<number, Reference>();
  const existing = await findExisting(msg.index.entries, tx);
  const byOldRef = new Map<string, string>();
  for (const e of msg.index.entries) {
    if (e.index === 0) continue; // the MessageHeader belongs to the message, not the record
    const match = existing.get(e.index);
    const id = match?.id ?? newId();
    const ref = `${e.resource.resourceType}/${id}`;
    refs.set(e.index, { reference: ref });
    if (e.entry.fullUrl) byOldRef.set(e.entry.fullUrl, ref);
    if (e.resource.id) byOldRef.set(`${e.resource.resourceType}/${e.resource.id}`, ref);
  }
  let patient: Reference | undefined;
  for (const e of msg.index.entries) {
    const ref = refs.get(e.index);
    if (!ref?.reference) continue;
    const id = ref.reference.split('/')[1] ?? '';
    const rewritten = rewriteReferences({ ...e.resource, id }, (r) => byOldRef.get(r));
    const prior = existing.get(e.index);
    // The client is the Task's subject whether or not their record changes.
    if (e.resource.resourceType === 'Patient' && !patient) patient = ref;
    // A client, organisation or practitioner that arrives unchanged is left as it is: a new version
    // would say nothing new, and its row lock would make every referral of one sender wait in turn.
    if (prior && sameContent(prior, rewritten)) continue;
    if (prior)
      await tx.update({ ...rewritten, id, meta: { ...rewritten.meta, versionId: prior.meta?.versionId } });
    else await tx.create({ ...rewritten, id });
  }
  return { refs, ...(patient ? { patient } : {}) };
}

/** Deep equality of two resources, ignoring key order and the version data the store sets. */
function sameContent(stored: Resource, incoming: Resource): boolean {
  const strip = (r: Resource): unknown => {
    const { versionId: _v, lastUpdated: _l, ...meta } = r.meta ?? {};
    return { ...r, meta };
  };
  return canonical(strip(stored)) === canonical(strip(incoming));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The stored resources the entries are found again as (by entry index), by identifier in the
 * order of MATCH_BY_IDENTIFIER: every lookup of the message in one call.
 */
async function findExisting(entries: readonly IndexedEntry[], tx: IntakeTx): Promise<Map<number, Resource>> {
  const lookups: { entry: number; lookup: IdentifierLookup }[] = [];
  for (const e of entries) {
    const systems = MATCH_BY_IDENTIFIER[e.resource.resourceType];
    if (e.index === 0 || !systems || !('identifier' in e.resource) || !Array.isArray(e.resource.identifier))
      continue;
    const identifiers = e.resource.identifier as Identifier[];
    for (const system of systems) {
      const id = identifiers.find((i) => i.system === system && i.value);
      if (id)
        lookups.push({
          entry: e.index,
          lookup: { type: e.resource.resourceType, identifier: { system: id.system, value: id.value } },
        });
    }
  }
  const found = await tx.findByIdentifiers(lookups.map((l) => l.lookup));
  const existing = new Map<number, Resource>();
  lookups.forEach((l, n) => {
    const resource = found[n];
    if (resource && !existing.has(l.entry)) existing.set(l.entry, resource);
  });
  return existing;
}
