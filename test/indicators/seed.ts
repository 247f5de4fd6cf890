/**
 * A seeded data set with known answers for the indicators (all names and numbers fictional):
 *
 * - January 2026, Groningen (GM0014): 12 referrals by a GP practice (10 to GGZ, 2 to the social
 *   domain); intake after 14 days for 10 and after 35 days for 2, treatment 30 days after the
 *   intake for all 12; all 12 completed, 3 of them went by the regional table; 11 of the 12
 *   clients had an earlier referral in September 2025; each client answered the GGZ intake
 *   questionnaire with 3 of 4 answers pre-filled.
 * - January 2026, Midden-Groningen (GM1952): 3 referrals (every cell suppressed).
 * - January 2026, no municipality recorded: 1 referral.
 * - 10 clients of 21 in Groningen whose youth-GGZ episode ended on 10 January 2026 and who were
 *   referred again on 20 February: 10 interruptions of care begun in January.
 * - March 2026, Groningen: 10 handovers from youth GGZ to adult GGZ of clients aged 17 or 18.
 */
import type {
  EpisodeOfCare,
  Organization,
  Patient,
  Provenance,
  QuestionnaireResponse,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import type { IndicatorInputs } from '../../src/indicators/compute.js';
import { SYSTEMS } from '../../src/fhir/codes.js';
import { BUSINESS_STATUS_SYSTEM, TASK_STATUS_SYSTEM } from '../../src/workflow/codes.js';

export const NOW = new Date('2026-03-31T12:00:00Z');
const MUNICIPALITY = 'https://overdracht.dev/fhir/StructureDefinition/ov-municipality-code';
const ANSWER_SOURCE = 'https://overdracht.dev/fhir/StructureDefinition/ov-answer-source';

function org(id: string, type: string): Organization {
  return {
    resourceType: 'Organization',
    id,
    type: [{ coding: [{ system: SYSTEMS.organizationType, code: type }] }],
  };
}

const ORGS = [org('gp', 'gp-practice'), org('ggz', 'ggz-institution'), org('youth', 'youth-ggz-institution')];

function patient(id: string, municipality: string | undefined, birthDate = '1990-01-01'): Patient {
  return {
    resourceType: 'Patient',
    id,
    birthDate,
    address: [
      {
        use: 'home',
        postalCode: '9711 AA',
        ...(municipality
          ? {
              extension: [
                {
                  url: MUNICIPALITY,
                  valueCoding: { system: 'urn:oid:2.16.840.1.113883.2.4.6.14', code: municipality },
                },
              ],
            }
          : {}),
      },
    ],
  };
}

const days = (date: string, n: number): string =>
  new Date(Date.parse(`${date}T10:00:00Z`) + n * 86_400_000).toISOString();

function provenance(task: string, at: string, status: string, business?: string): Provenance {
  return {
    resourceType: 'Provenance',
    id: `${task}-${status}-${business ?? ''}-${at.slice(0, 10)}`,
    target: [{ reference: `Task/${task}` }],
    occurredDateTime: at,
    recorded: at,
    activity: {
      coding: [
        { system: TASK_STATUS_SYSTEM, code: status },
        ...(business ? [{ system: BUSINESS_STATUS_SYSTEM, code: business }] : []),
      ],
    },
    agent: [{ who: { reference: 'Organization/ggz' } }],
  };
}

interface Referral {
  id: string;
  client: string;
  authored: string;
  category: string;
  from: string;
  to: string;
  status: Task['status'];
}

function referral(r: Referral): [Task, ServiceRequest] {
  return [
    {
      resourceType: 'Task',
      id: r.id,
      status: r.status,
      intent: 'order',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '3457005' }] },
      focus: { reference: `ServiceRequest/${r.id}-sr` },
      for: { reference: `Patient/${r.client}` },
      authoredOn: `${r.authored}T09:00:00+01:00`,
      requester: { reference: `Organization/${r.from}` },
      owner: { reference: `Organization/${r.to}` },
    },
    {
      resourceType: 'ServiceRequest',
      id: `${r.id}-sr`,
      status: 'active',
      intent: 'order',
      category: [{ coding: [{ system: SYSTEMS.referralCategory, code: r.category }] }],
      subject: { reference: `Patient/${r.client}` },
    },
  ];
}

function intakeResponse(id: string, client: string, authored: string): QuestionnaireResponse {
  const answer = (prefilled: boolean) => ({
    valueString: 'x',
    ...(prefilled
      ? { extension: [{ url: ANSWER_SOURCE, valueReference: { reference: 'Condition/c' } }] }
      : {}),
  });
  return {
    resourceType: 'QuestionnaireResponse',
    id,
    status: 'completed',
    questionnaire: 'https://overdracht.dev/fhir/Questionnaire/ggz-intake',
    subject: { reference: `Patient/${client}` },
    authored: `${authored}T11:00:00+01:00`,
    item: [
      { linkId: '1', answer: [answer(true)] },
      { linkId: '2', item: [{ linkId: '2.1', answer: [answer(true)] }] },
      { linkId: '3', answer: [answer(true)] },
      { linkId: '4', answer: [answer(false)] },
    ],
  };
}

export function seed(): IndicatorInputs {
  const patients: Patient[] = [];
  const tasks: { task: Task; history: Provenance[] }[] = [];
  const srs: ServiceRequest[] = [];
  const qrs: QuestionnaireResponse[] = [];
  const episodes: EpisodeOfCare[] = [];
  const add = (r: Referral, history: Provenance[] = []) => {
    const [task, sr] = referral(r);
    tasks.push({ task, history });
    srs.push(sr);
  };
  for (let i = 0; i < 12; i++) {
    const client = `gr-${String(i)}`;
    patients.push(patient(client, '0014'));
    const authored = '2026-01-05';
    const intake = days(authored, i < 10 ? 14 : 35);
    const id = `jan-${String(i)}`;
    const history = [
      provenance(id, days(authored, 1), 'accepted'),
      provenance(id, intake, 'in-progress', 'intake-held'),
      provenance(id, days(intake.slice(0, 10), 30), 'in-progress', 'treatment-started'),
      provenance(id, days(intake.slice(0, 10), 60), 'completed', 'completed'),
      ...(i < 3 ? [provenance(id, days(authored, 0.5), 'requested', 'to-regional-table')] : []),
    ];
    add(
      {
        id,
        client,
        authored,
        category: i < 10 ? 'ggz-basic' : 'social-domain',
        from: 'gp',
        to: 'ggz',
        status: 'completed',
      },
      history,
    );
    if (i < 11)
      add({
        id: `sep-${String(i)}`,
        client,
        authored: '2025-09-10',
        category: 'ggz-basic',
        from: 'gp',
        to: 'ggz',
        status: 'completed',
      });
    qrs.push(intakeResponse(`qr-${String(i)}`, client, '2026-01-20'));
  }
  for (let i = 0; i < 3; i++) {
    patients.push(patient(`mg-${String(i)}`, '1952'));
    add({
      id: `mg-${String(i)}`,
      client: `mg-${String(i)}`,
      authored: '2026-01-07',
      category: 'ggz-basic',
      from: 'gp',
      to: 'ggz',
      status: 'requested',
    });
  }
  patients.push(patient('nowhere', undefined));
  add({
    id: 'nowhere',
    client: 'nowhere',
    authored: '2026-01-08',
    category: 'ggz-basic',
    from: 'gp',
    to: 'ggz',
    status: 'requested',
  });
  for (let i = 0; i < 10; i++) {
    const client = `yi-${String(i)}`;
    patients.push(patient(client, '0014', '2005-01-15'));
    episodes.push({
      resourceType: 'EpisodeOfCare',
      id: `ep-${client}`,
      status: 'finished',
      patient: { reference: `Patient/${client}` },
      managingOrganization: { reference: 'Organization/youth' },
      period: { start: '2022-01-01', end: '2026-01-10' },
    });
    add({
      id: `feb-${String(i)}`,
      client,
      authored: '2026-02-20',
      category: 'ggz-basic',
      from: 'gp',
      to: 'ggz',
      status: 'requested',
    });
  }
  for (let i = 0; i < 10; i++) {
    const client = `ho-${String(i)}`;
    patients.push(patient(client, '0014', i < 5 ? '2008-06-01' : '2007-11-01'));
    add({
      id: `mar-${String(i)}`,
      client,
      authored: '2026-03-20',
      category: 'youth-ggz',
      from: 'youth',
      to: 'ggz',
      status: 'requested',
    });
  }
  return {
    tasks,
    serviceRequests: srs,
    patients,
    organizations: ORGS,
    questionnaireResponses: qrs,
    episodes,
  };
}

/** The seed as resources to store. */
export function seedResources(inputs: IndicatorInputs): Resource[] {
  return [
    ...inputs.organizations,
    ...inputs.patients,
    ...inputs.serviceRequests,
    ...inputs.tasks.flatMap((t) => [t.task, ...t.history]),
    ...inputs.questionnaireResponses,
    ...inputs.episodes,
  ];
}
