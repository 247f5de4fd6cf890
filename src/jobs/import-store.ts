/**
 * Stores what an import converted to. No client-record API takes converted records yet, so the
 * resources go through the ResourceStore as they are, in one transaction with: references between
 * them rewritten from `urn:uuid:` to `Type/id` (the adapters' ids are deterministic, so a second
 * import of the same record updates it instead of duplicating it), a client, practitioner or
 * organisation already known by identifier reused instead of stored again, access grants for the
 * source organisation, and one Provenance naming the file by its content hash.
 */
import type { Bundle, Identifier, Provenance, Resource } from '@medplum/fhirtypes';
import { AccessGrants } from '../access/grants.js';
import type { ImportSource, OrganisationConfig } from '../config/types.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';

/** Types looked up by identifier before storing: the same person or organisation is stored once. */
const MATCH_BY_IDENTIFIER = new Set(['Patient', 'Practitioner', 'Organization']);

/** The resources of an output: a message, document or collection Bundle is opened, nested ones too. */
export function resourcesOf(output: Bundle | Resource): Resource[] {
  if (output.resourceType !== 'Bundle' || output.type === 'transaction' || output.type === 'batch')
    return [output];
  return (output.entry ?? []).flatMap((e) => (e.resource ? resourcesOf(e.resource) : []));
}

function rewrite(value: unknown, map: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, map));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === 'reference' && typeof v === 'string' ? (map.get(v) ?? v) : rewrite(v, map),
      ]),
    );
  }
  return value;
}

export interface ImportStoreDeps {
  db: Database;
  store: ResourceStore;
  organisations: readonly OrganisationConfig[];
  now: () => Date;
}

export function importStore(deps: ImportStoreDeps) {
  return async (source: ImportSource, output: Bundle | Resource, hash: string): Promise<number> => {
    const org = deps.organisations.find((o) => o.id === source.organisation);
    if (!org) throw new Error(`import source ${source.dir}: unknown organisation`);
    const resources = resourcesOf(output).filter(
      (r) => r.resourceType !== 'MessageHeader' && deps.store.types().includes(r.resourceType),
    );
    return deps.db.transaction(async (tx) => {
      const store = deps.store.withDb(tx);
      const refs = new Map<string, string>();
      const reused = new Set<string>();
      for (const r of resources) {
        if (!r.id) continue;
        const identifier = (r as { identifier?: Identifier[] }).identifier?.find((i) => i.system && i.value);
        const known =
          MATCH_BY_IDENTIFIER.has(r.resourceType) && identifier
            ? await store.findByIdentifier(r.resourceType, identifier)
            : undefined;
        const target = `${r.resourceType}/${known?.id ?? r.id}`;
        refs.set(`urn:uuid:${r.id}`, target);
        if (known) reused.add(target);
      }
      const stored: string[] = [];
      for (const r of resources) {
        const target = r.id ? refs.get(`urn:uuid:${r.id}`) : undefined;
        if (target && reused.has(target)) {
          stored.push(target);
          continue;
        }
        const resource = rewrite(r, refs) as Resource;
        const saved = (resource.id ? await store.update(resource) : await store.create(resource)).resource;
        stored.push(`${saved.resourceType}/${saved.id ?? ''}`);
      }
      const provenance: Provenance = {
        resourceType: 'Provenance',
        target: stored.map((reference) => ({ reference })),
        recorded: deps.now().toISOString(),
        activity: { text: `import (${source.format})` },
        agent: [{ who: { identifier: org.identifier, display: org.name } }],
        entity: [{ role: 'source', what: { display: `${source.dir}: file sha256 ${hash}` } }],
      };
      const saved = (await store.create(provenance)).resource;
      const grants = new AccessGrants(tx);
      await grants.add(
        [...stored, `Provenance/${saved.id ?? ''}`].map((reference) => ({
          organisation: org.identifier,
          reference,
        })),
      );
      return stored.length - reused.size;
    });
  };
}
