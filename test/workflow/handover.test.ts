import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type {
  Appointment,
  Bundle,
  CarePlan,
  Composition,
  Consent,
  EpisodeOfCare,
  Patient,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { errorIssues } from '../../src/fhir/outcomes.js';
import { createValidator } from '../../src/validation/index.js';
import {
  buildHandoverMessage,
  type HandoverMessageOptions,
  type HandoverParts,
} from '../../src/workflow/handover.js';

const EXAMPLE = new URL(
  '../../profiles/package/example/Bundle-ov-handover-bundle-example.json',
  import.meta.url,
);
const BASE = 'https://ehr.hetkompas.example/fhir';

let shared: ReturnType<typeof createValidator> | undefined;
const validator = () => (shared ??= createValidator());

function example(): Bundle {
  return JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Bundle;
}

function pick<T extends Resource>(resources: Resource[], type: T['resourceType'], id?: string): T {
  const found = resources.find((r) => r.resourceType === type && (id === undefined || r.id === id));
  if (!found) throw new Error(`${type}/${id ?? ''} not in the example`);
  return found as T;
}

/** The parts of the profile's example handover, as a sending system would have them. */
function parts(): HandoverParts {
  const resources = (example().entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is Resource => !!r && r.resourceType !== 'MessageHeader');
  const task = pick<Task>(resources, 'Task');
  const inputOf = (code: string) =>
    task.input?.find((i) => i.type.coding?.[0]?.code === code)?.valueReference?.reference?.split('/')[1];
  const main: Resource[] = [
    task,
    pick<ServiceRequest>(resources, 'ServiceRequest'),
    pick<Composition>(resources, 'Composition'),
    pick<Appointment>(resources, 'Appointment'),
    pick<CarePlan>(resources, 'CarePlan', inputOf('CarePlan')),
    pick<EpisodeOfCare>(resources, 'EpisodeOfCare'),
    pick<Consent>(resources, 'Consent'),
    pick<Patient>(resources, 'Patient'),
  ];
  return {
    task: { ...task, input: [] },
    serviceRequest: main[1] as ServiceRequest,
    summary: main[2] as Composition,
    jointConversations: [main[3] as Appointment],
    bridgingCarePlan: main[4] as CarePlan,
    episodeOfCare: main[5] as EpisodeOfCare,
    consent: main[6] as Consent,
    patient: main[7] as Patient,
    supporting: [...resources.filter((r) => !main.includes(r)), main[7] as Patient],
  };
}

function options(): HandoverMessageOptions {
  let n = 0;
  return {
    base: BASE,
    sender: { reference: 'Organization/ho-youth-ggz' },
    receiver: { reference: 'Organization/ref-ggz-org' },
    destinationEndpoint: 'https://fhir.ggz-noorderlicht.example/fhir',
    source: { endpoint: BASE, name: 'EPD Jeugd-GGZ Het Kompas' },
    now: new Date('2026-05-27T07:30:00Z'),
    newId: () => `00000000-0000-4000-8000-00000000000${++n}`,
  };
}

function build(p: HandoverParts = parts()): Bundle {
  const r = buildHandoverMessage(p, options());
  if (!r.ok) throw new Error(JSON.stringify(r.outcome.issue));
  return r.bundle;
}

describe('the handover message (R3, R4)', () => {
  it('when built from the parts of the example, then it has the same entries and a handover MessageHeader first', () => {
    const bundle = build();
    const original = example();
    expect(bundle.type).toBe('message');
    expect(bundle.meta?.profile).toEqual([
      'https://overdracht.dev/fhir/StructureDefinition/ov-handover-bundle',
    ]);
    expect(bundle.timestamp).toBe('2026-05-27T07:30:00.000Z');
    const header = bundle.entry?.[0]?.resource;
    expect(header).toMatchObject({
      resourceType: 'MessageHeader',
      eventCoding: { system: 'https://overdracht.dev/fhir/CodeSystem/message-event', code: 'handover' },
      focus: [{ reference: 'Task/ho-task' }],
      sender: { reference: 'Organization/ho-youth-ggz' },
      destination: [
        {
          endpoint: 'https://fhir.ggz-noorderlicht.example/fhir',
          receiver: { reference: 'Organization/ref-ggz-org' },
        },
      ],
    });
    const keys = (b: Bundle) =>
      (b.entry ?? [])
        .slice(1)
        .map((e) => e.fullUrl)
        .sort();
    expect(keys(bundle)).toEqual(keys(original));
  });

  it('when built, then the Task lists the summary, the joint conversation, the care plan, the episode and the consent as input', () => {
    const task = build().entry?.find((e) => e.resource?.resourceType === 'Task')?.resource as Task;
    expect(task.input?.map((i) => [i.type.coding?.[0]?.code, i.valueReference?.reference])).toEqual([
      ['previous-treatment-summary', 'Composition/ho-summary'],
      ['Appointment', 'Appointment/ov-joint-conversation-example'],
      ['CarePlan', 'CarePlan/ov-bridging-careplan-example'],
      ['EpisodeOfCare', 'EpisodeOfCare/ov-episodeofcare-example'],
      ['Consent', 'Consent/ho-consent'],
    ]);
  });

  it('when the built message is validated against the profiles, then it has no errors', () => {
    const result = validator().validate(build());
    expect(errorIssues(result).map((i) => `${i.expression?.[0] ?? ''}: ${i.diagnostics ?? ''}`)).toEqual([]);
  }, 60_000);

  it('when the built Task loses its consent input, then the validator finds ov-msg-handover-3 broken (the check above has teeth)', () => {
    const bundle = build();
    const task = bundle.entry?.find((e) => e.resource?.resourceType === 'Task')?.resource as Task;
    task.input = task.input?.filter((i) => i.type.coding?.[0]?.code !== 'Consent');
    const messages = errorIssues(validator().validate(bundle)).map((i) => i.diagnostics ?? '');
    expect(messages.some((m) => m.includes('ov-msg-handover-3'))).toBe(true);
  }, 60_000);

  it('when the joint conversation lacks the receiving practitioner, then the builder says so', () => {
    const p = parts();
    const appointment = structuredClone(p.jointConversations[0]!);
    appointment.participant = appointment.participant.filter(
      (x) => x.type?.[0]?.coding?.[0]?.code !== 'REFT',
    );
    const r = buildHandoverMessage({ ...p, jointConversations: [appointment] }, options());
    expect(r.ok ? [] : r.outcome.issue?.map((i) => [i.expression?.[0], i.diagnostics])).toEqual([
      [
        'jointConversations[0].participant',
        'the joint conversation has no participant for the receiving practitioner (REFT)',
      ],
    ]);
  });

  it('when the care plan is about another client, then the builder says so', () => {
    const p = parts();
    const r = buildHandoverMessage(
      { ...p, bridgingCarePlan: { ...p.bridgingCarePlan, subject: { reference: 'Patient/other' } } },
      options(),
    );
    expect(r.ok ? [] : r.outcome.issue?.map((i) => i.expression?.[0])).toEqual(['bridgingCarePlan.subject']);
  });

  it('when the episode is already finished, then there is no warm handover', () => {
    const p = parts();
    const r = buildHandoverMessage(
      { ...p, episodeOfCare: { ...p.episodeOfCare, status: 'finished' } },
      options(),
    );
    expect(r.ok ? [] : r.outcome.issue?.map((i) => i.expression?.[0])).toEqual(['episodeOfCare.status']);
  });

  it('when there is no joint conversation, then there is no warm handover', () => {
    const r = buildHandoverMessage({ ...parts(), jointConversations: [] }, options());
    expect(r.ok ? [] : r.outcome.issue?.map((i) => i.expression?.[0])).toEqual(['jointConversations']);
  });

  it('when a referenced resource is missing, then the unresolved reference is reported at its entry', () => {
    const p = parts();
    const r = buildHandoverMessage(
      { ...p, supporting: (p.supporting ?? []).filter((x) => x.id !== 'ho-mother') },
      options(),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(
      r.outcome.issue?.every((i) => i.diagnostics?.startsWith('RelatedPerson/ho-mother does not resolve')),
    ).toBe(true);
    expect(r.outcome.issue?.[0]?.details?.coding?.[0]?.code).toBe('reference-unresolved');
  });

  it('when the consent is not active, then the builder says so', () => {
    const p = parts();
    const r = buildHandoverMessage({ ...p, consent: { ...p.consent, status: 'inactive' } }, options());
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe('the consent is inactive, not active');
  });
});
