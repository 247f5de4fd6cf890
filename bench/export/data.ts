/**
 * Generated clients for the export benchmark: ten resources per client, shaped like what the
 * gateway stores from referrals (names, BSN, addresses, free text and narrative included, so the
 * pseudonymisation has its real work to do). Fictional; BSNs are 9 digits without the 11-check.
 */
export const RESOURCES_PER_CLIENT = 10;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const SURNAMES = ['de Vries', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'Bos'];
const AGB = 'http://fhir.nl/fhir/NamingSystem/agb-z';
const OV = 'https://overdracht.dev/fhir/CodeSystem/';

const narrative = (text: string) => ({
  status: 'generated',
  div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${text}</p></div>`,
});

export function clientResources(c: number): Record<string, unknown>[] {
  const id = (kind: string) => `b${pad(c, 7)}-${kind}`;
  const patient = `Patient/${id('pat')}`;
  const day = `2025-${pad((c % 12) + 1, 2)}-${pad((c % 28) + 1, 2)}`;
  const surname = SURNAMES[c % SURNAMES.length] ?? 'Jansen';
  const subject = { reference: patient, display: `A. ${surname}` };
  const ggz = { identifier: { system: AGB, value: '06001234' }, display: 'GGZ Noord-Groningen' };
  const gp = { identifier: { system: AGB, value: '01004567' }, display: 'Huisartsenpraktijk De Linde' };
  const observation = (n: number, code: string, value: number) => ({
    resourceType: 'Observation',
    id: id(`obs${String(n)}`),
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }] },
    ],
    code: { coding: [{ system: 'http://loinc.org', code, display: 'PHQ-9 total score' }], text: 'PHQ-9' },
    subject,
    effectiveDateTime: `${day}T10:${pad(n * 7, 2)}:00+01:00`,
    valueInteger: value,
    note: [{ text: `Score besproken met ${surname}; zie verslag.` }],
  });
  return [
    {
      resourceType: 'Patient',
      id: id('pat'),
      text: narrative(`${surname}, geboren ${day}`),
      identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: `9${pad(c, 8)}` }],
      name: [{ family: surname, given: ['Anna', 'Maria'] }],
      telecom: [{ system: 'phone', value: `06-${pad(c, 8)}` }],
      gender: c % 2 === 0 ? 'female' : 'male',
      birthDate: `19${pad(50 + (c % 50), 2)}-04-12`,
      address: [
        {
          use: 'home',
          line: [`Oosterstraat ${String(c % 200)}`],
          city: 'Groningen',
          postalCode: `97${pad(c % 30, 2)} AB`,
          country: 'NL',
        },
      ],
    },
    {
      resourceType: 'ServiceRequest',
      id: id('sr'),
      status: 'active',
      intent: 'order',
      category: [{ coding: [{ system: `${OV}referral-category`, code: 'ggz-basic' }] }],
      code: { coding: [{ system: 'http://snomed.info/sct', code: '3457005' }] },
      subject,
      authoredOn: `${day}T09:00:00+01:00`,
      requester: gp,
      performer: [ggz],
      reasonCode: [
        { coding: [{ system: 'http://hl7.org/fhir/sid/icpc-1-nl', code: 'P76' }], text: 'Depressie' },
      ],
      note: [{ text: `Mevrouw ${surname} slaapt slecht sinds de scheiding.` }],
      supportingInfo: [{ reference: `Composition/${id('comp')}` }, { reference: `Consent/${id('cons')}` }],
    },
    {
      resourceType: 'Task',
      id: id('task'),
      status: c % 3 === 0 ? 'in-progress' : 'requested',
      businessStatus: { coding: [{ system: `${OV}task-business-status`, code: 'received' }] },
      intent: 'order',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '3457005' }] },
      focus: { reference: `ServiceRequest/${id('sr')}` },
      for: subject,
      authoredOn: `${day}T09:00:00+01:00`,
      lastModified: `${day}T09:05:00+01:00`,
      requester: gp,
      owner: ggz,
      input: [{ type: { text: 'summary' }, valueReference: { reference: `Composition/${id('comp')}` } }],
    },
    {
      resourceType: 'Composition',
      id: id('comp'),
      text: narrative('Samenvatting eerdere behandeling'),
      status: 'final',
      type: { coding: [{ system: `${OV}document-type`, code: 'previous-treatment-summary' }] },
      subject,
      date: `${day}T08:55:00+01:00`,
      author: [gp],
      title: `Samenvatting ${surname}`,
      section: [
        {
          title: 'Diagnoses',
          code: { coding: [{ system: `${OV}summary-section`, code: 'diagnoses-problems' }] },
          text: narrative('Depressieve klachten sinds 2023.'),
          entry: [{ reference: `Condition/${id('cond')}` }],
        },
        {
          title: 'Metingen',
          code: { coding: [{ system: `${OV}summary-section`, code: 'outcome-measurements' }] },
          entry: [0, 1, 2].map((n) => ({ reference: `Observation/${id(`obs${String(n)}`)}` })),
        },
      ],
    },
    {
      resourceType: 'Consent',
      id: id('cons'),
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: subject,
      dateTime: `${day}T08:50:00+01:00`,
      organization: [gp],
      provision: { type: 'permit', period: { start: day } },
    },
    {
      resourceType: 'Condition',
      id: id('cond'),
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icpc-1-nl', code: 'P76', display: 'Depressie' }] },
      subject,
      onsetDateTime: '2023-05-01',
      recordedDate: day,
      note: [{ text: 'Eerder behandeld bij de POH-GGZ.' }],
    },
    observation(0, '44261-6', 14),
    observation(1, '44261-6', 11),
    observation(2, '44261-6', 9),
    {
      resourceType: 'EpisodeOfCare',
      id: id('eoc'),
      status: 'active',
      patient: subject,
      managingOrganization: ggz,
      period: { start: day },
      referralRequest: [{ reference: `ServiceRequest/${id('sr')}` }],
    },
  ];
}
