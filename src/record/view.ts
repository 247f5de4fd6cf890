/**
 * A client's record as one view: what was imported (record entries) and what the gateway received
 * in referrals for the same BSN (the resource store), each resource with its domain and source,
 * and the consent filter that decides what of it may go to a recipient.
 */
import type { Bundle, Consent, Patient, Resource } from '@medplum/fhirtypes';
import { decide, type Recipient, type WithheldReason } from '../consent/decide.js';
import type { OrganisationType } from '../config/types.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { RecordStore } from './store.js';
import type { Domain } from './types.js';

/** One resource of the view with where it came from. */
export interface ViewEntry {
  resource: Resource & { id: string };
  domain: Domain;
  /** `system|value` of the supplying organisation, when known. */
  organisation?: string;
  format: string;
  sourceName?: string;
  /** The record Provenance of an imported entry. */
  provenance?: string;
  recordedAt?: string;
}

export interface RecordView {
  key: string;
  bsn?: string;
  patient?: Patient & { id: string };
  entries: ViewEntry[];
}

/**
 * Types received in referrals that belong to the record of the referral's client. Coverage (the
 * insurance) does not: the record holds care and social-domain data, which consent decides on.
 */
const RECEIVED_TYPES = [
  'Condition',
  'MedicationStatement',
  // Allergies: care data, for whoever prescribes next and for pre-population (%record).
  'AllergyIntolerance',
  'Observation',
  'EpisodeOfCare',
  'CarePlan',
  'Procedure',
  'Encounter',
  'RiskAssessment',
  'RelatedPerson',
  'FamilyMemberHistory',
  'CareTeam',
  'QuestionnaireResponse',
  'Consent',
  'ServiceRequest',
  // The summaries and feedback reports: questionnaires find entries through their sections.
  'Composition',
] as const;

const RECEIVED_LIMIT = '500';

export async function loadView(
  key: string,
  record: RecordStore,
  received: ResourceStore | undefined,
): Promise<RecordView> {
  const entries: ViewEntry[] = (await record.entries(key)).map((e) => ({
    resource: e.resource,
    domain: e.domain,
    ...(e.organisation ? { organisation: e.organisation } : {}),
    format: e.format,
    ...(e.sourceName ? { sourceName: e.sourceName } : {}),
    provenance: `Provenance/${e.provenanceId}`,
    recordedAt: e.recordedAt,
  }));
  const bsn = key.startsWith('bsn|') ? key.slice(4) : undefined;
  const patients = entries.flatMap((e) => (e.resource.resourceType === 'Patient' ? [e.resource] : []));
  let patient = patients.at(-1);
  if (bsn && received) {
    const stored = await received.findByIdentifier<Patient>('Patient', {
      system: 'http://fhir.nl/fhir/NamingSystem/bsn',
      value: bsn,
    });
    if (stored?.id) {
      patient = { ...stored, id: stored.id };
      entries.push(...(await receivedFor(received, stored.id)));
    }
  }
  return { key, ...(bsn ? { bsn } : {}), ...(patient ? { patient } : {}), entries };
}

/** What referrals brought for this Patient: care data, received between care providers. */
async function receivedFor(store: ResourceStore, patientId: string): Promise<ViewEntry[]> {
  const out: ViewEntry[] = [];
  for (const type of RECEIVED_TYPES) {
    let found: Resource[];
    try {
      found = (await store.search(type, { patient: `Patient/${patientId}`, _count: RECEIVED_LIMIT }))
        .resources;
    } catch {
      continue; // a type this store does not keep or cannot search by patient
    }
    for (const r of found) {
      if (r.id) out.push({ resource: { ...r, id: r.id }, domain: 'treatment', format: 'referral' });
    }
  }
  return out;
}

/** The view as a Bundle (`%record` of SDC pre-population), with RESTful fullUrls. */
export function viewBundle(view: RecordView, endpoint: string, entries = view.entries): Bundle {
  const all =
    view.patient && !entries.some((e) => e.resource === view.patient)
      ? [view.patient, ...entries.map((e) => e.resource)]
      : entries.map((e) => e.resource);
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: all.map((resource) => ({
      fullUrl: `${endpoint}/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
    })),
  };
}

export interface Filtered {
  allowed: ViewEntry[];
  withheld: { entry: ViewEntry; reason: WithheldReason; consent?: string }[];
  /** The Consents the allowed entries rely on. */
  consents: string[];
}

/** The entries that may go to the recipient; the others with the reason (never shown with content). */
export function filterForRecipient(
  view: RecordView,
  to: Recipient,
  from: OrganisationType | undefined,
  now: Date,
  /** Consents that travel with the request (a referral's own), and how their references resolve. */
  extra: { consents: readonly Consent[]; resolve(reference: string): Resource | undefined } = {
    consents: [],
    resolve: () => undefined,
  },
): Filtered {
  const consents = [
    ...view.entries.flatMap((e) => (e.resource.resourceType === 'Consent' ? [e.resource as Consent] : [])),
    ...extra.consents,
  ];
  const byRef = new Map(view.entries.map((e) => [`${e.resource.resourceType}/${e.resource.id}`, e.resource]));
  const ctx = { consents, resolve: (r: string) => byRef.get(r) ?? extra.resolve(r), now };
  const ownKey = `${to.identifier.system ?? ''}|${to.identifier.value ?? ''}`;
  const out: Filtered = { allowed: [], withheld: [], consents: [] };
  for (const entry of view.entries) {
    // The client, the consents themselves and the organisations stay: they say whom the data is about and who may see it.
    if (
      ['Patient', 'Consent', 'Organization', 'Practitioner', 'PractitionerRole'].includes(
        entry.resource.resourceType,
      )
    ) {
      out.allowed.push(entry);
      continue;
    }
    // What the recipient supplied itself is its own: no consent is needed to give it back.
    if (entry.organisation === ownKey) {
      out.allowed.push(entry);
      continue;
    }
    const d = decide(entry.domain, to, from, ctx);
    if (d.allowed) {
      out.allowed.push(entry);
      if (d.consent && !out.consents.includes(d.consent)) out.consents.push(d.consent);
    } else out.withheld.push({ entry, reason: d.reason, ...(d.consent ? { consent: d.consent } : {}) });
  }
  return out;
}
