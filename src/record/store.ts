/**
 * The client record over the database: entries per client with their Provenance, grants for the
 * organisation that supplied them, and idempotent writes (an entry whose content the client's
 * record already holds is left as it is). Pure decisions (keys, hashes) are in keys.ts; what may
 * leave the record is decided in src/consent.
 */
import type { Bundle, Patient, Provenance, Resource } from '@medplum/fhirtypes';
import { AccessGrants, organisationKey } from '../access/grants.js';
import { BundleIndex, type IndexedEntry } from '../fhir/bundle.js';
import { forEachReference, rewriteReferences } from '../fhir/references.js';
import type { OrganisationKey } from '../intake/ports.js';
import type { Database } from '../store/database.js';
import { bsnOf, clientKey, contentHashes, entryId, sha256 } from './keys.js';
import type { ClientImport, Domain, RecordEntry, RecordSource } from './types.js';

interface EntryRow {
  client_key: string;
  content: Resource & { id: string };
  domain: Domain;
  organisation: string | null;
  source_format: string;
  source_name: string | null;
  provenance_id: string;
  recorded_at: Date;
}

/** One client of an input: its Patient entry and the entries that belong to it. */
interface ClientPart {
  patient: IndexedEntry & { resource: Patient };
  entries: IndexedEntry[];
}

export class RecordStore {
  constructor(private readonly db: Database) {}

  withDb(tx: Database): RecordStore {
    return new RecordStore(tx);
  }

  /**
   * Stores one record of an input (a flattened Bundle) in the record of each client it names.
   * Returns nothing for a record without a Patient: it cannot be kept for anyone.
   */
  async importBundle(bundle: Bundle, source: RecordSource, now: Date): Promise<ClientImport[] | undefined> {
    const index = new BundleIndex(bundle);
    const hashes = contentHashes(index);
    const parts = clientParts(index);
    if (parts.length === 0) return undefined;
    const sourceKey = `${source.organisation ? organisationKey(source.organisation) : ''}|${source.format}`;
    const out: ClientImport[] = [];
    for (const part of parts) {
      const key = clientKey(part.patient.resource, hashes.get(part.patient) ?? '', sourceKey);
      out.push(await this.storePart(key, part, hashes, index, source, now));
    }
    return out;
  }

  /** Stores resources (already linked to the client's record Patient) in the record of a known client. */
  async addToClient(
    key: string,
    resources: readonly Resource[],
    source: RecordSource,
    now: Date,
  ): Promise<ClientImport> {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: resources.map((resource) => ({ resource })),
    };
    const index = new BundleIndex(bundle);
    return this.storeEntries(key, index.entries, contentHashes(index), index, source, now);
  }

  private async storePart(
    key: string,
    part: ClientPart,
    hashes: Map<IndexedEntry, string>,
    index: BundleIndex,
    source: RecordSource,
    now: Date,
  ): Promise<ClientImport> {
    return this.db.transaction(async (tx) => {
      const bsn = bsnOf(part.patient.resource);
      await tx.query(
        'INSERT INTO record_client (key, bsn, created_at) VALUES ($1, $2, $3::timestamptz) ON CONFLICT DO NOTHING',
        [key, bsn ?? null, now.toISOString()],
      );
      return this.withDb(tx).storeEntries(key, part.entries, hashes, index, source, now);
    });
  }

  private async storeEntries(
    key: string,
    entries: readonly IndexedEntry[],
    hashes: Map<IndexedEntry, string>,
    index: BundleIndex,
    source: RecordSource,
    now: Date,
  ): Promise<ClientImport> {
    return this.db.transaction(async (tx) => {
      const held = new Set(
        (
          await tx.query<{ content_hash: string }>(
            'SELECT content_hash FROM record_entry WHERE client_key = $1',
            [key],
          )
        ).rows.map((r) => r.content_hash),
      );
      const idOf = (e: IndexedEntry): string => entryId(key, hashes.get(e) ?? '');
      const fresh = unique(entries).filter((e) => !held.has(hashes.get(e) ?? ''));
      const refs = unique(entries).map((e) => `${e.resource.resourceType}/${idOf(e)}`);
      let provenanceId: string | undefined;
      if (fresh.length > 0) {
        provenanceId = `p${sha256(`${key}\n${now.toISOString()}\n${fresh.map((e) => hashes.get(e)).join(',')}`).slice(0, 40)}`;
        const provenance = provenanceOf(
          provenanceId,
          fresh.map((e) => `${e.resource.resourceType}/${idOf(e)}`),
          source,
          now,
        );
        await tx.query(
          'INSERT INTO record_provenance (id, client_key, recorded_at, content) VALUES ($1, $2, $3::timestamptz, $4::jsonb)',
          [provenanceId, key, now.toISOString(), JSON.stringify(provenance)],
        );
        refs.push(`Provenance/${provenanceId}`);
      }
      for (const e of fresh) {
        const id = idOf(e);
        const content = rewriteReferences({ ...e.resource, id }, (r) => {
          const target = index.resolve(r, e);
          return target ? `${target.resource.resourceType}/${idOf(target)}` : undefined;
        });
        delete content.meta;
        await tx.query(
          `INSERT INTO record_entry (client_key, resource_type, id, content_hash, domain, organisation, source_format, source_name, provenance_id, recorded_at, content)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz, $11::jsonb) ON CONFLICT DO NOTHING`,
          [
            key,
            e.resource.resourceType,
            id,
            hashes.get(e) ?? '',
            source.domain,
            source.organisation ? organisationKey(source.organisation) : null,
            source.format,
            source.name ?? null,
            provenanceId ?? '',
            now.toISOString(),
            JSON.stringify(content),
          ],
        );
      }
      // The supplier holds what it supplied, also what the record already had.
      if (source.organisation) await grant(tx, source.organisation, refs);
      return {
        clientKey: key,
        joinedByBsn: key.startsWith('bsn|'),
        added: fresh.length,
        unchanged: unique(entries).length - fresh.length,
        ...(provenanceId ? { provenance: `Provenance/${provenanceId}` } : {}),
      };
    });
  }

  /** Makes the client known (a client first met in a referral, when something is written for it). */
  async ensureClient(key: string, bsn: string | undefined, now: Date): Promise<void> {
    await this.db.query(
      'INSERT INTO record_client (key, bsn, created_at) VALUES ($1, $2, $3::timestamptz) ON CONFLICT DO NOTHING',
      [key, bsn ?? null, now.toISOString()],
    );
  }

  /** The id of the client's newest Patient entry, if the record holds one. */
  async patientOf(key: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ id: string }>(
      "SELECT id FROM record_entry WHERE client_key = $1 AND resource_type = 'Patient' ORDER BY recorded_at DESC, id LIMIT 1",
      [key],
    );
    return rows[0]?.id;
  }

  /** Every entry of a client's record, oldest first. */
  async entries(key: string): Promise<RecordEntry[]> {
    const { rows } = await this.db.query<EntryRow>(
      `SELECT client_key, content, domain, organisation, source_format, source_name, provenance_id, recorded_at
       FROM record_entry WHERE client_key = $1 ORDER BY recorded_at, resource_type, id`,
      [key],
    );
    return rows.map((r) => ({
      clientKey: r.client_key,
      resource: r.content,
      domain: r.domain,
      ...(r.organisation ? { organisation: r.organisation } : {}),
      format: r.source_format,
      ...(r.source_name ? { sourceName: r.source_name } : {}),
      provenanceId: r.provenance_id,
      recordedAt: new Date(r.recorded_at).toISOString(),
    }));
  }

  async provenances(key: string): Promise<Provenance[]> {
    const { rows } = await this.db.query<{ content: Provenance }>(
      'SELECT content FROM record_provenance WHERE client_key = $1 ORDER BY recorded_at, id',
      [key],
    );
    return rows.map((r) => r.content);
  }

  /** The client known by this BSN, if the record has one. */
  async clientByBsn(bsn: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ key: string }>('SELECT key FROM record_client WHERE bsn = $1', [
      bsn,
    ]);
    return rows[0]?.key;
  }

  /** The client whose record holds this Patient entry. */
  async clientOfPatient(id: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ client_key: string }>(
      "SELECT client_key FROM record_entry WHERE resource_type = 'Patient' AND id = $1",
      [id],
    );
    return rows[0]?.client_key;
  }

  /** Every client key, for tests and reports. */
  async clients(): Promise<{ key: string; bsn?: string }[]> {
    const { rows } = await this.db.query<{ key: string; bsn: string | null }>(
      'SELECT key, bsn FROM record_client ORDER BY created_at, key',
    );
    return rows.map((r) => ({ key: r.key, ...(r.bsn ? { bsn: r.bsn } : {}) }));
  }

  /** Whether the organisation holds any entry of the client's record. */
  async holds(org: OrganisationKey, key: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `SELECT 1 FROM record_entry e JOIN access_grant g
         ON g.resource_type = e.resource_type AND g.resource_id = e.id AND g.organisation = $2
       WHERE e.client_key = $1 LIMIT 1`,
      [key, organisationKey(org)],
    );
    return rows.length > 0;
  }
}

/** Gives the organisation access to the references (deny by default: nobody else sees them). */
async function grant(db: Database, org: OrganisationKey, references: readonly string[]): Promise<void> {
  const key = { system: org.system, value: org.value };
  await new AccessGrants(db).add(references.map((reference) => ({ reference, organisation: key })));
}

function unique<T>(list: readonly T[]): T[] {
  return [...new Set(list)];
}

/**
 * The clients of one input record: one Patient takes everything; with several, each takes what
 * points to it, and what points to no Patient (organisations, practitioners) goes with each.
 */
function clientParts(index: BundleIndex): ClientPart[] {
  const patients = index.ofType('Patient');
  if (patients.length <= 1) return patients.map((patient) => ({ patient, entries: index.entries }));
  return patients.map((patient) => ({
    patient,
    entries: index.entries.filter((e) => {
      const owner = patientsReferenced(e, index);
      return (
        e === patient ||
        (owner.length === 0 && e.resource.resourceType !== 'Patient') ||
        owner.includes(patient)
      );
    }),
  }));
}

function patientsReferenced(e: IndexedEntry, index: BundleIndex): IndexedEntry[] {
  const out: IndexedEntry[] = [];
  forEachReference(e.resource, (ref) => {
    const target = index.resolve(ref.reference, e);
    if (target?.resource.resourceType === 'Patient') out.push(target);
  });
  return out;
}

/** The Provenance of an import: who supplied it, in which format, from which source, when. */
function provenanceOf(id: string, targets: readonly string[], source: RecordSource, now: Date): Provenance {
  const name = source.name ? `${source.format}: ${source.name}` : source.format;
  return {
    resourceType: 'Provenance',
    id,
    target: targets.map((reference) => ({ reference })),
    recorded: now.toISOString(),
    activity: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE' }],
      text: 'imported into the client record',
    },
    agent: source.organisation
      ? [
          {
            type: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
                  code: 'author',
                },
              ],
            },
            who: {
              identifier: { system: source.organisation.system, value: source.organisation.value },
              ...(source.organisation.name ? { display: source.organisation.name } : {}),
            },
          },
        ]
      : [{ who: { display: 'unknown source' } }],
    entity: [{ role: 'source', what: { display: name } }],
  };
}
