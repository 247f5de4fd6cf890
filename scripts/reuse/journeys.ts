/**
 * A synthetic corpus of client journeys, generated from a seed (the same seed, the same corpus):
 * per client what the GP journal, an earlier GGZ treatment and the social team hold, as FHIR
 * exports to import, and the GP's referral to GGZ that leaves what the GP did not ask `notasked`.
 * All data is fictional; BSNs are test numbers of the 9999 series that pass the 11-check.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { referralMessage } from '../../src/demo/referral.js';
import type { SummarySection } from '../../src/fhir/codes.js';

export type JourneyKind = 'new' | 'returning' | 'social';
export type ConsentCase = 'none' | 'explicit' | 'withdrawn';

export interface Export {
  /** An organisation id of config/demo.yaml. */
  organisation: string;
  name: string;
  bundle: Bundle;
}

export interface Journey {
  bsn: string;
  kind: JourneyKind;
  consent: ConsentCase;
  exports: Export[];
  /** The GP's referral as it would be sent: sections the GP did not look into are `notasked`. */
  referral: Bundle;
  /** The same referral as it must be sent without a client record: `unavailable` instead of `notasked`. */
  referralWithoutRecord: Bundle;
}

/** mulberry32: a small deterministic generator. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The n-th test BSN of the 9999 series that passes the 11-check. */
function bsn(n: number): string {
  let found = -1;
  for (let v = 10000; v < 99999; v++) {
    const s = `9999${String(v).padStart(5, '0')}`;
    const sum = [...s].reduce((acc, d, i) => acc + Number(d) * (i === 8 ? -1 : 9 - i), 0);
    if (sum % 11 === 0 && ++found === n) return s;
  }
  throw new Error('out of test BSNs');
}

const FAMILIES = [
  'Jansen',
  'de Vries',
  'Bakker',
  'Visser',
  'Smit',
  'Meijer',
  'de Boer',
  'Mulder',
  'Bos',
  'Dijkstra',
];
const GIVEN = ['Anna', 'Sanne', 'Lotte', 'Daan', 'Sem', 'Noah', 'Emma', 'Julia', 'Lucas', 'Finn'];
const GP_NOTASKED: SummarySection[] = [
  'treatment-history',
  'risks-crisis-plan',
  'social-situation',
  'relatives-household',
  'intake-answers',
];
const SYSTEM = 'https://overdracht.dev/fhir/CodeSystem/';

function bundle(resources: Resource[]): Bundle {
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
}

function patient(id: string, family: string, given: string): Resource {
  return {
    resourceType: 'Patient',
    id: 'client',
    identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: id }],
    name: [{ family, given: [given] }],
    birthDate: '1988-06-15',
  };
}

const subject = { reference: 'Patient/client' };

function gpExport(p: Resource, r: () => number): Resource[] {
  const [code, display] = r() < 0.6 ? ['P76', 'Depressie'] : ['P74', 'Angststoornis'];
  return [
    p,
    {
      resourceType: 'Condition',
      id: 'gp-problem',
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icpc-1-nl', code, display }] },
      subject,
      onsetDateTime: '2025-10-01',
    },
    ...(r() < 0.6
      ? [
          {
            resourceType: 'MedicationStatement',
            id: 'gp-med',
            status: 'active',
            medicationCodeableConcept: {
              coding: [{ system: 'http://www.whocc.no/atc', code: 'N06AB06', display: 'sertraline' }],
            },
            subject,
            dosage: [{ text: '1 maal per dag 50 mg' }],
          } as Resource,
        ]
      : []),
  ];
}

function ggzExport(p: Resource, r: () => number): Resource[] {
  return [
    p,
    {
      resourceType: 'EpisodeOfCare',
      id: 'episode',
      status: 'finished',
      type: [{ text: 'Basis-GGZ: cognitieve gedragstherapie' }],
      patient: subject,
      managingOrganization: {
        identifier: { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '06001234' },
        display: 'GGZ Noord-Groningen',
      },
      period: { start: '2022-01-10', end: '2022-09-30' },
    },
    {
      resourceType: 'Observation',
      id: 'phq9',
      status: 'final',
      category: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }],
        },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '44261-6' }] },
      subject,
      effectiveDateTime: '2022-09-20',
      valueQuantity: {
        value: Math.round(4 + r() * 10),
        unit: '{score}',
        system: 'http://unitsofmeasure.org',
        code: '{score}',
      },
    },
    ...(r() < 0.7
      ? [
          {
            resourceType: 'CarePlan',
            id: 'crisis',
            status: 'active',
            intent: 'plan',
            description: 'Signaleringsplan: vroege signalen en wie te bellen.',
            subject,
          } as Resource,
        ]
      : []),
  ];
}

function socialExport(p: Resource, r: () => number, consent: ConsentCase, authored: string): Resource[] {
  const answer = (linkId: string, text: string) => ({ linkId, answer: [{ valueString: text }] });
  return [
    p,
    ...['finances', 'housing'].map(
      (domain) =>
        ({
          resourceType: 'Observation',
          id: `zrm-${domain}`,
          status: 'final',
          category: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                  code: 'social-history',
                },
              ],
            },
          ],
          code: { coding: [{ system: `${SYSTEM}zrm-domain`, code: domain }] },
          subject,
          effectiveDateTime: authored.slice(0, 10),
          valueCodeableConcept: {
            coding: [{ system: `${SYSTEM}zrm-score`, code: String(1 + Math.floor(r() * 4)) }],
          },
        }) as Resource,
    ),
    {
      resourceType: 'RelatedPerson',
      id: 'partner',
      patient: subject,
      relationship: [{ text: 'partner' }],
      name: [{ text: 'M. de Groot' }],
    },
    {
      resourceType: 'QuestionnaireResponse',
      id: 'keukentafel',
      questionnaire: 'https://overdracht.dev/fhir/Questionnaire/social-domain-conversation|0.1.0',
      status: 'completed',
      subject,
      authored,
      item: [
        answer('ktg-housing', 'Huurwoning, dreigende huurachterstand'),
        answer('ktg-work-education', 'Werkloos sinds vorig jaar'),
        answer('ktg-income-debts', 'Schulden, in de schuldhulpverlening'),
      ],
    },
    ...(consent === 'withdrawn'
      ? [
          {
            resourceType: 'Consent',
            id: 'withdrawn',
            status: 'inactive',
            scope: {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' },
              ],
            },
            category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
            patient: subject,
            dateTime: authored,
            verification: [{ verified: true }],
            provision: {
              type: 'permit',
              purpose: [{ system: `${SYSTEM}sharing-purpose`, code: 'social-domain' }],
            },
          } as Resource,
        ]
      : []),
  ];
}

export function journeys(count: number, seed: number, now: Date): Journey[] {
  const r = random(seed);
  const authored = new Date(now.getTime() - 60 * 86_400_000).toISOString();
  return Array.from({ length: count }, (_, i) => {
    const id = bsn(i + 20);
    const roll = r();
    const kind: JourneyKind = roll < 0.35 ? 'new' : roll < 0.7 ? 'returning' : 'social';
    const consent: ConsentCase =
      kind !== 'social'
        ? 'none'
        : ((['none', 'explicit', 'withdrawn'] as const)[Math.floor(r() * 3)] ?? 'none');
    const family = FAMILIES[Math.floor(r() * FAMILIES.length)] ?? 'Jansen';
    const given = GIVEN[Math.floor(r() * GIVEN.length)] ?? 'Anna';
    const p = patient(id, family, given);
    const exports: Export[] = [
      { organisation: 'gp-de-linde', name: `his-${i}.json`, bundle: bundle(gpExport(p, r)) },
    ];
    if (kind !== 'new')
      exports.push({ organisation: 'ggz-noord', name: `epd-${i}.json`, bundle: bundle(ggzExport(p, r)) });
    if (kind === 'social')
      exports.push({
        organisation: 'sociaal-team-oost',
        name: `wijkteam-${i}.json`,
        bundle: bundle(socialExport(p, r, consent, authored)),
      });
    const client = { family, given, birthDate: '1988-06-15', gender: 'unknown' as const };
    const message = (reason: string, suffix: string) =>
      referralMessage({
        messageId: `journey-${i}${suffix}`,
        bsn: id,
        client,
        emptySections: Object.fromEntries(GP_NOTASKED.map((s) => [s, reason])),
        ...(consent === 'explicit' ? { consentPurpose: 'social-domain' as const } : {}),
      });
    return {
      bsn: id,
      kind,
      consent,
      exports,
      referral: message('notasked', ''),
      referralWithoutRecord: message('unavailable', '-b'),
    };
  });
}
