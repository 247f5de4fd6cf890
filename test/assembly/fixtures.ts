/**
 * What organisations hold of a client, as FHIR exports to import into the client record: the GGZ
 * institution's earlier episode and crisis plan, the social team's self-sufficiency scores.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';

function patient(bsn: string): Resource {
  return {
    resourceType: 'Patient',
    id: 'client',
    identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: bsn }],
    name: [{ family: 'Jansen', given: ['Anna'] }],
    birthDate: '1990-04-12',
  };
}

function bundle(resources: Resource[]): Bundle {
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
}

/** An earlier GGZ episode (who treated, when, what) and an active crisis plan. */
export function clientBundle(bsn: string, ...extra: Resource[]): Bundle {
  return bundle([
    patient(bsn),
    {
      resourceType: 'EpisodeOfCare',
      id: 'episode-2022',
      status: 'finished',
      type: [{ text: 'Basis-GGZ: cognitieve gedragstherapie, 12 sessies' }],
      patient: { reference: 'Patient/client' },
      managingOrganization: {
        identifier: { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '06001234' },
        display: 'GGZ Noord-Groningen',
      },
      period: { start: '2022-01-10', end: '2022-09-30' },
    },
    {
      resourceType: 'CarePlan',
      id: 'crisis-plan',
      status: 'active',
      intent: 'plan',
      title: 'Signaleringsplan',
      description: 'Vroege signalen: slecht slapen, terugtrekken. Bellen met de praktijkondersteuner.',
      subject: { reference: 'Patient/client' },
    },
    ...extra,
  ]);
}

function zrm(domain: string, score: string): Resource {
  return {
    resourceType: 'Observation',
    id: `zrm-${domain}`,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'social-history' },
        ],
      },
    ],
    code: { coding: [{ system: 'https://overdracht.dev/fhir/CodeSystem/zrm-domain', code: domain }] },
    subject: { reference: 'Patient/client' },
    effectiveDateTime: '2026-02-01',
    valueCodeableConcept: {
      coding: [{ system: 'https://overdracht.dev/fhir/CodeSystem/zrm-score', code: score }],
    },
  };
}

/** The social team's self-sufficiency scores: finances and housing. */
export function socialBundle(bsn: string, ...extra: Resource[]): Bundle {
  return bundle([patient(bsn), zrm('finances', '2'), zrm('housing', '3'), ...extra]);
}
