/**
 * A complete referral message (profile ov-referral-message) from a GP practice to a receiving
 * organisation, with fictional data: the demo data of `serve --demo`, the example of the README
 * and the fixture of the tests are all built here, so they cannot drift from the profiles apart.
 * Modelled on the package's example profiles/package/example/Bundle-ov-referral-message-example.json.
 */
import type { Bundle, BundleEntry, Composition, CompositionSection, Resource } from '@medplum/fhirtypes';
import { PROFILES, SUMMARY_SECTIONS, SYSTEMS, sd, type SummarySection } from '../fhir/codes.js';

export interface OrganisationId {
  system: string;
  value: string;
  name: string;
}

export interface ReferralPerson {
  family: string;
  given: string;
  birthDate: string;
  gender: 'female' | 'male' | 'other' | 'unknown';
}

export interface ReferralOptions {
  /** MessageHeader.id: with the sender, the idempotency key. */
  messageId?: string;
  bsn?: string;
  sender?: OrganisationId;
  receiver?: OrganisationId & { type?: string };
  client?: ReferralPerson;
  /** A code of the project's referral-category code system. */
  category?: string;
  /** The client's request for help, in the client's own words. */
  clientRequest?: string;
  /** emptyReason per section code; sections not named are filled where the fixture has data. */
  emptySections?: Partial<Record<SummarySection, string>>;
  /** When the referral was written (ISO date-time). */
  authoredOn?: string;
  /**
   * What the client consented to: a GP's targeted referral rests on implied consent; sharing with
   * the social domain needs the client's explicit consent, recorded as a verification.
   */
  consentPurpose?: 'treatment-referral' | 'social-domain';
}

export const DEMO_GP: OrganisationId = {
  system: SYSTEMS.agb,
  value: '01004567',
  name: 'Huisartsenpraktijk De Linde',
};
export const DEMO_GGZ: OrganisationId = {
  system: SYSTEMS.agb,
  value: '06001234',
  name: 'GGZ Noord-Groningen',
};

const DEFAULT_CLIENT: ReferralPerson = {
  family: 'Jansen',
  given: 'Anna',
  birthDate: '1990-04-12',
  gender: 'female',
};

const IDS = {
  mh: '3f1c6a2e-0000-4000-8000-000000000001',
  sr: '3f1c6a2e-0000-4000-8000-000000000002',
  patient: '3f1c6a2e-0000-4000-8000-000000000003',
  gp: '3f1c6a2e-0000-4000-8000-000000000004',
  gpRole: '3f1c6a2e-0000-4000-8000-000000000005',
  gpOrg: '3f1c6a2e-0000-4000-8000-000000000006',
  receiverOrg: '3f1c6a2e-0000-4000-8000-000000000007',
  summary: '3f1c6a2e-0000-4000-8000-000000000008',
  condition: '3f1c6a2e-0000-4000-8000-000000000009',
  medication: '3f1c6a2e-0000-4000-8000-00000000000a',
  phq9: '3f1c6a2e-0000-4000-8000-00000000000b',
  consent: '3f1c6a2e-0000-4000-8000-00000000000c',
} as const;

const u = (id: string): string => `urn:uuid:${id}`;
const ref = (id: string): { reference: string } => ({ reference: u(id) });
const profile = (url: string): { profile: string[] } => ({ profile: [url] });

function narrative(text: string): { status: 'generated'; div: string } {
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${text}</p></div>` };
}

/** The referral message; every call builds a fresh copy, so a test may break one field of it. */
export function referralMessage(opts: ReferralOptions = {}): Bundle {
  const sender = opts.sender ?? DEMO_GP;
  const receiver: OrganisationId & { type?: string } = opts.receiver ?? DEMO_GGZ;
  const entries: Resource[] = [
    messageHeader(opts, receiver),
    serviceRequest(opts),
    patient(opts),
    {
      resourceType: 'Practitioner',
      id: IDS.gp,
      meta: profile(sd('ov-practitioner')),
      identifier: [{ system: SYSTEMS.agb, value: '01012345' }],
      name: [{ use: 'official', family: 'de Vries', given: ['Pieter'], text: 'P. de Vries' }],
    },
    {
      resourceType: 'PractitionerRole',
      id: IDS.gpRole,
      meta: profile(sd('ov-practitionerrole')),
      active: true,
      practitioner: ref(IDS.gp),
      organization: ref(IDS.gpOrg),
      code: [
        { coding: [{ system: 'http://snomed.info/sct', code: '62247001', display: 'General practitioner' }] },
      ],
    },
    organisation(IDS.gpOrg, sender, 'gp-practice'),
    organisation(IDS.receiverOrg, receiver, receiver.type ?? 'ggz-institution'),
    summaryComposition(opts),
    consent(opts.consentPurpose ?? 'treatment-referral', opts.messageId ?? 'msg-0001'),
    {
      resourceType: 'Condition',
      id: IDS.condition,
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      code: {
        coding: [
          {
            system: 'http://hl7.org/fhir/sid/icpc-1-nl',
            code: 'P76',
            display: 'Depressie/depressieve stoornis',
          },
        ],
      },
      subject: ref(IDS.patient),
      onsetDateTime: '2025-11-01',
    },
    {
      resourceType: 'MedicationStatement',
      id: IDS.medication,
      status: 'active',
      medicationCodeableConcept: {
        coding: [{ system: 'http://www.whocc.no/atc', code: 'N06AB06', display: 'sertraline' }],
      },
      subject: ref(IDS.patient),
      effectivePeriod: { start: '2026-01-10' },
    },
    {
      resourceType: 'Observation',
      id: IDS.phq9,
      meta: profile(sd('ov-rom-observation')),
      status: 'final',
      category: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }],
        },
      ],
      code: {
        coding: [
          {
            system: 'http://loinc.org',
            code: '44261-6',
            display: 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]',
          },
        ],
      },
      subject: ref(IDS.patient),
      effectiveDateTime: '2026-02-20',
      performer: [ref(IDS.gpRole)],
      valueQuantity: { value: 16, unit: '{score}', system: 'http://unitsofmeasure.org', code: '{score}' },
    },
  ];
  return {
    resourceType: 'Bundle',
    id: 'referral-message',
    meta: profile(PROFILES.referralMessage),
    type: 'message',
    timestamp: opts.authoredOn ?? '2026-03-01T09:31:00+01:00',
    entry: entries.map((resource, i): BundleEntry => ({
      fullUrl: i === 0 ? u(IDS.mh) : u(resource.id ?? ''),
      resource,
    })),
  };
}

function messageHeader(opts: ReferralOptions, receiver: OrganisationId & { type?: string }): Resource {
  return {
    resourceType: 'MessageHeader',
    id: opts.messageId ?? 'msg-0001',
    meta: profile(sd('ov-messageheader')),
    eventCoding: { system: SYSTEMS.messageEvent, code: 'referral' },
    source: { endpoint: 'https://his.example.nl/fhir', name: 'HIS De Linde' },
    destination: [
      { name: receiver.name, endpoint: 'https://overdracht.example.nl/fhir', receiver: ref(IDS.receiverOrg) },
    ],
    sender: ref(IDS.gpOrg),
    focus: [ref(IDS.sr)],
  };
}

function serviceRequest(opts: ReferralOptions): Resource {
  return {
    resourceType: 'ServiceRequest',
    id: IDS.sr,
    meta: profile(PROFILES.referralServiceRequest),
    extension: [
      {
        url: sd('ov-client-request'),
        valueString: opts.clientRequest ?? 'Ik wil weer grip krijgen op mijn leven en beter slapen.',
      },
    ],
    identifier: [
      {
        system: 'https://his.example.nl/fhir/NamingSystem/verwijzing',
        value: `VW-${opts.messageId ?? 'msg-0001'}`,
      },
    ],
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: SYSTEMS.referralCategory, code: opts.category ?? 'ggz-basic' }] }],
    code: { coding: [{ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' }] },
    subject: ref(IDS.patient),
    requester: ref(IDS.gpRole),
    performer: [ref(IDS.receiverOrg)],
    reasonCode: [
      {
        coding: [
          {
            system: 'http://hl7.org/fhir/sid/icpc-1-nl',
            code: 'P76',
            display: 'Depressie/depressieve stoornis',
          },
        ],
      },
    ],
    authoredOn: opts.authoredOn ?? '2026-03-01T09:30:00+01:00',
    supportingInfo: [
      { type: 'Composition', reference: u(IDS.summary) },
      { type: 'Consent', reference: u(IDS.consent) },
    ],
    note: [{ text: 'Graag beoordeling in de basis-GGZ; POH-GGZ-traject zonder blijvend effect.' }],
  } as Resource;
}

function patient(opts: ReferralOptions): Resource {
  const client = opts.client ?? DEFAULT_CLIENT;
  return {
    resourceType: 'Patient',
    id: IDS.patient,
    meta: profile(PROFILES.patient),
    identifier: [{ system: SYSTEMS.bsn, value: opts.bsn ?? '999911120' }],
    name: [
      {
        use: 'official',
        family: client.family,
        given: [client.given],
        text: `${client.given} ${client.family}`,
      },
    ],
    gender: client.gender,
    birthDate: client.birthDate,
    address: [
      { use: 'home', line: ['Oosterstraat 1'], city: 'Groningen', postalCode: '9711 NV', country: 'NL' },
    ],
  };
}

function organisation(id: string, org: OrganisationId, type: string): Resource {
  return {
    resourceType: 'Organization',
    id,
    meta: profile(sd('ov-organization')),
    identifier: [{ system: org.system, value: org.value }],
    active: true,
    type: [{ coding: [{ system: SYSTEMS.organizationType, code: type }] }],
    name: org.name,
  };
}

function consent(purpose: string, messageId: string): Resource {
  return {
    resourceType: 'Consent',
    id: IDS.consent,
    meta: profile(PROFILES.consent),
    identifier: [
      { system: 'https://his.example.nl/fhir/NamingSystem/toestemming', value: `TS-${messageId}` },
    ],
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: ref(IDS.patient),
    dateTime: '2026-03-01T09:25:00+01:00',
    organization: [ref(IDS.gpOrg)],
    policy: [{ uri: 'https://wetten.overheid.nl/BWBR0005290' }],
    ...(purpose === 'social-domain'
      ? { verification: [{ verified: true, verificationDate: '2026-03-01T09:20:00+01:00' }] }
      : {}),
    provision: {
      type: 'permit',
      purpose: [{ system: SYSTEMS.sharingPurpose, code: purpose }],
      actor: [
        {
          role: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
                code: 'IRCP',
                display: 'information recipient',
              },
            ],
          },
          reference: ref(IDS.receiverOrg),
        },
      ],
    },
  };
}

/** Sections with data in this message; the others say why they are empty. */
const FILLED: Partial<Record<SummarySection, { entry: string; text: string }>> = {
  'diagnoses-problems': { entry: IDS.condition, text: 'P76 Depressie, sinds november 2025.' },
  medication: { entry: IDS.medication, text: 'Sertraline 50 mg, 1 maal per dag, sinds januari 2026.' },
  'outcome-measurements': { entry: IDS.phq9, text: 'PHQ-9 op 20 februari 2026: 16.' },
};

function summarySection(code: SummarySection, opts: ReferralOptions): CompositionSection {
  const filled = FILLED[code];
  const reason = opts.emptySections?.[code];
  const base = { title: code, code: { coding: [{ system: SYSTEMS.summarySection, code }] } };
  if (filled && !reason) return { ...base, text: narrative(filled.text), entry: [ref(filled.entry)] };
  // An empty section still has text (cmp-1); emptyReason says whether it was looked for.
  return {
    ...base,
    text: narrative('Geen gegevens.'),
    emptyReason: { coding: [{ system: SYSTEMS.listEmptyReason, code: reason ?? 'nilknown' }] },
  };
}

function summaryComposition(opts: ReferralOptions): Composition {
  return {
    resourceType: 'Composition',
    id: IDS.summary,
    meta: profile(PROFILES.summary),
    identifier: {
      system: 'https://his.example.nl/fhir/NamingSystem/document',
      value: `SAM-${opts.messageId ?? 'msg-0001'}`,
    },
    status: 'final',
    type: { coding: [{ system: SYSTEMS.documentType, code: 'previous-treatment-summary' }] },
    subject: ref(IDS.patient),
    date: opts.authoredOn ?? '2026-03-01T09:30:00+01:00',
    author: [ref(IDS.gpRole)],
    title: 'Samenvatting eerdere behandeling',
    custodian: ref(IDS.gpOrg),
    section: SUMMARY_SECTIONS.map((code) => summarySection(code, opts)),
  };
}
