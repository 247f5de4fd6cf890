/**
 * Referral message Bundles for the validation benchmark: a 55-entry message (a MessageHeader
 * and one "unit" of 54 resources around one patient: organisations, practitioners and their
 * roles, conditions, observations, medication, the referral and a previous-treatment summary)
 * and larger messages made of more units of the same mix. All references are internal
 * (urn:uuid fullUrls); the data is fictional, the BSNs are test numbers that pass the 11-check.
 */
import type { Bundle, BundleEntry, Reference, Resource } from '@medplum/fhirtypes';

const OV = 'https://overdracht.dev/fhir/CodeSystem/';
const SYS = {
  bsn: 'http://fhir.nl/fhir/NamingSystem/bsn',
  agb: 'http://fhir.nl/fhir/NamingSystem/agb-z',
  ura: 'http://fhir.nl/fhir/NamingSystem/ura',
  big: 'http://fhir.nl/fhir/NamingSystem/big',
  icpc: 'http://hl7.org/fhir/sid/icpc-1-nl',
  dsm5: 'http://hl7.org/fhir/sid/dsm5',
  atc: 'http://www.whocc.no/atc',
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  ucum: 'http://unitsofmeasure.org',
} as const;

/** Entries per unit; a message is one MessageHeader plus units, the last one cut to size. */
export const UNIT_SIZE = 54;

interface Unit {
  /** Resources in an order where every referenced resource comes before its referrers. */
  resources: Resource[];
  serviceRequest: string;
  organisation: string;
}

/** A referral message Bundle of exactly `size` entries (at least 2). */
export function referralBundle(size: number): Bundle {
  const ids = new IdSource();
  const headerId = ids.next();
  const units: Unit[] = [];
  let count = 1;
  while (count < size) {
    const unit = makeUnit(ids, units.length);
    units.push(unit);
    count += unit.resources.length;
  }
  const first = units[0];
  if (!first) throw new RangeError('a referral Bundle needs at least 2 entries');
  const header: Resource = {
    resourceType: 'MessageHeader',
    id: headerId,
    eventCoding: { system: `${OV}message-event`, code: 'referral' },
    source: { endpoint: 'https://his.example.nl/fhir', name: 'HIS De Linde' },
    destination: [{ endpoint: 'https://overdracht.example.nl/fhir' }],
    sender: ref(first.organisation),
    focus: [ref(first.serviceRequest)],
  };
  const resources = [header, ...units.flatMap((u) => u.resources)].slice(0, size);
  return {
    resourceType: 'Bundle',
    id: `referral-message-${size}`,
    type: 'message',
    timestamp: '2026-03-01T09:31:00+01:00',
    entry: resources.map((resource): BundleEntry => ({ fullUrl: `urn:uuid:${resource.id ?? ''}`, resource })),
  };
}

class IdSource {
  private n = 0;
  next(): string {
    this.n++;
    return `3f1c6a2e-0000-4000-8000-${this.n.toString(16).padStart(12, '0')}`;
  }
}

/** A plain reference object, assignable to any typed Reference field. */
function ref(id: string): { reference: string } {
  return { reference: `urn:uuid:${id}` };
}

function coding(
  system: string,
  code: string,
  display?: string,
): { coding: { system: string; code: string; display?: string }[] } {
  return { coding: [display ? { system, code, display } : { system, code }] };
}

/** One patient's share of a referral: 54 resources. */
function makeUnit(ids: IdSource, index: number): Unit {
  const orgs = organisations(ids, index);
  const practitioners = [0, 1, 2, 3].map((i) => practitioner(ids, index, i));
  const roles = practitioners.map((p, i) => practitionerRole(ids, p.id ?? '', orgs[i % 2]?.id ?? '', i));
  const patientId = ids.next();
  const patient = patientResource(patientId, index, orgs[0]?.id ?? '');
  const subject = ref(patientId);
  const conditions = CONDITIONS.map((c, i) => condition(ids.next(), subject, c, i));
  const observations = Array.from({ length: 20 }, (_, i) => observation(ids.next(), subject, i));
  const medications = Array.from({ length: 12 }, (_, i) => medicationStatement(ids.next(), subject, i));
  const gpRole = roles[0]?.id ?? '';
  const summaryId = ids.next();
  const serviceRequestId = ids.next();
  const serviceRequest: Resource = {
    resourceType: 'ServiceRequest',
    id: serviceRequestId,
    status: 'active',
    intent: 'order',
    category: [coding(`${OV}referral-category`, 'ggz-basic')],
    code: coding(SYS.snomed, '3457005', 'Patient referral'),
    subject,
    requester: ref(gpRole),
    performer: [ref(orgs[2]?.id ?? '')],
    reasonCode: [coding(SYS.icpc, 'P76', 'Depressie')],
    reasonReference: conditions.slice(0, 2).map((c) => ref(c.id ?? '')),
    authoredOn: '2026-03-01T09:30:00+01:00',
    supportingInfo: [ref(summaryId)],
    note: [{ text: 'Verwijzing voor behandeling in de basis-GGZ.' }],
  };
  const summary = composition(
    summaryId,
    subject,
    gpRole,
    orgs[0]?.id ?? '',
    conditions,
    observations,
    medications,
    roles,
  );
  return {
    resources: [
      ...orgs,
      ...practitioners,
      ...roles,
      patient,
      ...conditions,
      ...observations,
      ...medications,
      serviceRequest,
      summary,
    ],
    serviceRequest: serviceRequestId,
    organisation: orgs[0]?.id ?? '',
  };
}

function organisations(ids: IdSource, index: number): Resource[] {
  const kinds = [
    { type: 'gp-practice', name: 'Huisartsenpraktijk De Linde', agb: '01004567' },
    { type: 'gp-practice', name: 'Gezondheidscentrum Oost', agb: '01004568' },
    { type: 'ggz-institution', name: 'GGZ Noord-Groningen', agb: '06001234' },
  ];
  return kinds.map((k, i) => ({
    resourceType: 'Organization',
    id: ids.next(),
    identifier: [
      { system: SYS.agb, value: k.agb },
      { system: SYS.ura, value: String(10000000 + index * 3 + i) },
    ],
    active: true,
    type: [coding(`${OV}organization-type`, k.type)],
    name: k.name,
    telecom: [{ system: 'phone', value: '050-1234567', use: 'work' }],
    address: [{ line: ['Hoofdstraat 1'], city: 'Groningen', postalCode: '9711 AA', country: 'NL' }],
  }));
}

function practitioner(ids: IdSource, index: number, i: number): Resource {
  return {
    resourceType: 'Practitioner',
    id: ids.next(),
    identifier: [
      { system: SYS.agb, value: String(1000000 + index * 4 + i).padStart(8, '0') },
      { system: SYS.big, value: String(19000000000 + index * 4 + i) },
    ],
    active: true,
    name: [
      {
        family: ['de Vries', 'Bakker', 'Visser', 'Smit'][i] ?? 'Mulder',
        given: ['Pieter', 'Eva', 'Sanne', 'Johan'].slice(i, i + 1),
      },
    ],
    telecom: [{ system: 'email', value: `zorgverlener${i}@example.nl`, use: 'work' }],
  };
}

function practitionerRole(
  ids: IdSource,
  practitionerId: string,
  organisationId: string,
  i: number,
): Resource {
  return {
    resourceType: 'PractitionerRole',
    id: ids.next(),
    active: true,
    practitioner: ref(practitionerId),
    organization: ref(organisationId),
    code: [coding('http://terminology.hl7.org/CodeSystem/practitioner-role', i === 0 ? 'doctor' : 'nurse')],
    period: { start: '2020-01-01' },
  };
}

function patientResource(id: string, index: number, gpOrganisation: string): Resource {
  return {
    resourceType: 'Patient',
    id,
    identifier: [{ system: SYS.bsn, value: testBsn(index) }],
    active: true,
    name: [{ use: 'official', family: 'Jansen', given: ['Anna'] }],
    telecom: [{ system: 'phone', value: '06-12345678', use: 'mobile' }],
    gender: index % 2 === 0 ? 'female' : 'male',
    birthDate: `19${70 + (index % 30)}-04-12`,
    address: [
      { use: 'home', line: ['Dorpsstraat 12'], city: 'Groningen', postalCode: '9712 AB', country: 'NL' },
    ],
    generalPractitioner: [ref(gpOrganisation)],
    communication: [{ language: coding('urn:ietf:bcp:47', 'nl'), preferred: true }],
  };
}

/** A 9-digit test number starting 9999 that passes the BSN 11-check (weights 9..2, -1). */
export function testBsn(index: number): string {
  for (let n = index * 10; ; n++) {
    const digits = `9999${String(n % 10000).padStart(4, '0')}`;
    const sum = [...digits].reduce((s, d, i) => s + Number(d) * (9 - i), 0);
    const check = sum % 11;
    if (check < 10) return `${digits}${check}`;
  }
}

const CONDITIONS = [
  { system: SYS.icpc, code: 'P76', display: 'Depressie' },
  { system: SYS.icpc, code: 'P74', display: 'Angststoornis/angsttoestand' },
  { system: SYS.dsm5, code: '300.02', display: 'Gegeneraliseerde angststoornis' },
  { system: SYS.icpc, code: 'P06', display: 'Slaapstoornis' },
  { system: SYS.icpc, code: 'P15', display: 'Chronisch alcoholmisbruik' },
  { system: SYS.icpc, code: 'P02', display: 'Acute stressreactie' },
  { system: SYS.icpc, code: 'T90', display: 'Diabetes mellitus' },
  { system: SYS.icpc, code: 'K86', display: 'Hypertensie zonder orgaanbeschadiging' },
];

function condition(
  id: string,
  subject: { reference: string },
  code: { system: string; code: string; display: string },
  i: number,
): Resource {
  return {
    resourceType: 'Condition',
    id,
    clinicalStatus: coding(
      'http://terminology.hl7.org/CodeSystem/condition-clinical',
      i < 6 ? 'active' : 'resolved',
    ),
    verificationStatus: coding('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed'),
    category: [coding('http://terminology.hl7.org/CodeSystem/condition-category', 'problem-list-item')],
    code: coding(code.system, code.code, code.display),
    subject,
    onsetDateTime: `20${15 + i}-0${1 + (i % 9)}-01`,
    ...(i < 6 ? {} : { abatementDateTime: '2024-06-01' }),
    recordedDate: '2025-11-01',
  };
}

/** Twenty observations: PHQ-9, GAD-7, ROM and ZRM scores, and body weights (a vital sign). */
function observation(id: string, subject: { reference: string }, i: number): Resource {
  const base = {
    resourceType: 'Observation' as const,
    id,
    status: 'final' as const,
    subject,
    effectiveDateTime: `2025-${String(1 + (i % 12)).padStart(2, '0')}-15`,
  };
  switch (i % 5) {
    case 0:
      return {
        ...base,
        category: [coding('http://terminology.hl7.org/CodeSystem/observation-category', 'survey')],
        code: coding(SYS.loinc, '44261-6', 'PHQ-9 total score'),
        valueInteger: 10 + (i % 17),
      };
    case 1:
      return {
        ...base,
        category: [coding('http://terminology.hl7.org/CodeSystem/observation-category', 'survey')],
        code: coding(SYS.loinc, '70274-6', 'GAD-7 total score'),
        valueInteger: 5 + (i % 15),
      };
    case 2:
      return {
        ...base,
        category: [coding('http://terminology.hl7.org/CodeSystem/observation-category', 'survey')],
        code: coding(`${OV}rom-instrument`, 'OQ-45'),
        valueInteger: 60 + i,
      };
    case 3:
      return {
        ...base,
        code: coding(`${OV}zrm-domain`, 'housing'),
        valueCodeableConcept: coding(`${OV}zrm-score`, String(1 + (i % 5))),
      };
    default:
      return {
        ...base,
        category: [coding('http://terminology.hl7.org/CodeSystem/observation-category', 'vital-signs')],
        code: coding(SYS.loinc, '29463-7', 'Body weight'),
        valueQuantity: { value: 70 + i, unit: 'kg', system: SYS.ucum, code: 'kg' },
      };
  }
}

const MEDICATIONS = [
  { code: 'N06AB06', display: 'sertraline' },
  { code: 'N06AB04', display: 'citalopram' },
  { code: 'N05BA01', display: 'diazepam' },
  { code: 'N05CF01', display: 'zopiclon' },
];

function medicationStatement(id: string, subject: { reference: string }, i: number): Resource {
  const m = MEDICATIONS[i % MEDICATIONS.length] ?? { code: 'N06AB06', display: 'sertraline' };
  return {
    resourceType: 'MedicationStatement',
    id,
    status: i < 4 ? 'active' : 'completed',
    medicationCodeableConcept: coding(SYS.atc, m.code, m.display),
    subject,
    effectivePeriod: i < 4 ? { start: '2026-01-10' } : { start: '2024-01-10', end: '2025-01-10' },
    dosage: [
      { text: '1 maal daags 1 tablet', timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } },
    ],
  };
}

function composition(
  id: string,
  subject: { reference: string },
  author: string,
  custodian: string,
  conditions: readonly Resource[],
  observations: readonly Resource[],
  medications: readonly Resource[],
  roles: readonly Resource[],
): Resource {
  const refs = (rs: readonly Resource[]): Reference[] => rs.map((r) => ref(r.id ?? ''));
  const section = (code: string, entries: Reference[]) => ({
    title: code,
    code: coding(`${OV}summary-section`, code),
    ...(entries.length > 0
      ? { entry: entries }
      : {
          // cmp-1: an empty section still has text; emptyReason says why it is empty.
          text: {
            status: 'generated' as const,
            div: '<div xmlns="http://www.w3.org/1999/xhtml">Geen gegevens</div>',
          },
          emptyReason: coding('http://terminology.hl7.org/CodeSystem/list-empty-reason', 'nilknown'),
        }),
  });
  return {
    resourceType: 'Composition',
    id,
    status: 'final',
    type: coding(`${OV}document-type`, 'previous-treatment-summary'),
    subject,
    date: '2026-03-01T09:30:00+01:00',
    author: [ref(author)],
    title: 'Samenvatting eerdere behandeling',
    custodian: ref(custodian),
    section: [
      section('diagnoses-problems', refs(conditions)),
      section('treatment-history', []),
      section('medication', refs(medications)),
      section('outcome-measurements', refs(observations)),
      section('risks-crisis-plan', []),
      section('legal-status', []),
      section('social-situation', []),
      section('relatives-household', []),
      section('care-team', refs(roles)),
      section('intake-answers', []),
    ],
  };
}
