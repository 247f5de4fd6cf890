/**
 * Fan-out, the warm handover and the closure guard over HTTP. The handover is the youth-GGZ
 * institution's: it refers a client who turns 18 to the adult GGZ institution, hands over with
 * its episode, a joint conversation and bridging care, and may finish its episode only once the
 * adult institution accepted with an intake planned - or by an explicit, audited choice.
 */
import type {
  AuditEvent,
  Bundle,
  CarePlan,
  EpisodeOfCare,
  ParametersParameter,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sd, SYSTEMS } from '../../src/fhir/codes.js';
import type { TaskEventPayload } from '../../src/workflow/events.js';
import { openTestGateway, sendReferral, type TestGateway } from './support.js';
import {
  bsn,
  CLIENT,
  ORG,
  reason,
  receiver,
  workflowClient,
  type WorkflowClient,
} from './workflow-support.js';

let t: TestGateway;
let c: WorkflowClient;

beforeAll(async () => {
  t = await openTestGateway();
  c = workflowClient(t);
});
afterAll(async () => t.close());

const step = (code: string): ParametersParameter[] => [{ name: 'step', valueCode: code }];
const events = async (receiverId: string, task: string): Promise<string[]> =>
  (await c.outbox(receiverId))
    .map((m) => m.payload as TaskEventPayload)
    .filter((p) => p.task === task)
    .map((p) => p.event);

describe('fan-out', () => {
  it('when the owner fans out after the exploratory conversation, then each receiver gets a child Task and the parent completes when all are closed', async () => {
    const parent = await c.taskIn('accepted', 'fan-1');
    await c.act('ggz', parent, 'record-step', step('exploratory-conversation-planned'));
    const res = await c.post('ggz', `/fhir/Task/${parent}/$fan-out`, {
      resourceType: 'Parameters',
      parameter: [receiver(ORG.youth), receiver(ORG.social)],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [updated, ...children] = ((res.body as Bundle).entry ?? []).map((e) => e.resource as Task);
    expect(children.map((ch) => ch.owner?.identifier)).toEqual([ORG.youth, ORG.social]);
    for (const child of children) {
      expect(child).toMatchObject({
        status: 'requested',
        partOf: [{ reference: `Task/${parent}` }],
        groupIdentifier: updated?.groupIdentifier,
        requester: { identifier: ORG.gp },
      });
    }
    const [youth, social] = children.map((ch) => ch.id ?? '');
    // Each receiver sees its own child and the referral, not the other child.
    expect((await c.read('youth', `/fhir/Task/${youth}`)).status).toBe(200);
    expect((await c.read('youth', `/fhir/${children[0]?.for?.reference ?? ''}`)).status).toBe(200);
    expect((await c.read('youth', `/fhir/Task/${social}`)).status).toBe(404);
    expect((await c.read('gp', `/fhir/Task/${social}`)).status).toBe(200);
    expect(await events('jeugd-ggz-de-brug', `Task/${youth}`)).toEqual(['delivery-needed']);
    expect(await events('sociaal-team-oost', `Task/${social}`)).toEqual(['delivery-needed']);
    expect(await events('gp-de-linde', `Task/${parent}`)).toContain('feedback-due');

    expect((await c.act('youth', youth ?? '', 'reject', [reason('Geen jeugdhulp nodig')])).status).toBe(200);
    expect((await c.read<Task>('gp', `/fhir/Task/${parent}`)).body.status).toBe('accepted');
    for (const action of ['accept', 'start', 'complete'])
      expect((await c.act('social', social ?? '', action)).status, action).toBe(200);
    const done = (await c.read<Task>('gp', `/fhir/Task/${parent}`)).body;
    expect(done.status).toBe('completed');
    expect(done.businessStatus?.coding?.[0]?.code).toBe('completed');
  });

  it('when the Task is still requested, or the requester fans out, then it is 409', async () => {
    const id = await c.referral('fan-2');
    const body = { resourceType: 'Parameters', parameter: [receiver(ORG.youth)] };
    const early = await c.post('ggz', `/fhir/Task/${id}/$fan-out`, body);
    expect(early.status).toBe(409);
    expect(early.body.issue[0].diagnostics).toBe(
      'fan-out is allowed from accepted or in-progress; this Task is requested',
    );
    await c.act('ggz', id, 'accept');
    const byGp = await c.post('gp', `/fhir/Task/${id}/$fan-out`, body);
    expect(byGp.status).toBe(409);
    expect(byGp.body.issue[0].diagnostics).toMatch(/only the owner/);
  });
});

// ------------------------------------------------------------------------------------------
// Warm handover
// ------------------------------------------------------------------------------------------

const YOUTH_SENDER = { ...ORG.youth, name: 'Jeugd-GGZ De Brug' };
const V3 = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

/** A referral from the youth-GGZ institution to the adult GGZ institution; the Task and what it stored. */
async function youthReferral(messageId: string, n: number): Promise<{ task: Task; sr: ServiceRequest }> {
  const sent = await sendReferral(t.app, await c.token(CLIENT.youth), {
    messageId,
    bsn: bsn(500 + n),
    sender: YOUTH_SENDER,
    category: 'ggz-specialist',
    client: { family: 'Visser', given: 'Sem', birthDate: '2008-09-03', gender: 'male' },
  });
  const task = (await c.read<Task>('youth', `/fhir/Task/${sent.id}`)).body;
  const sr = (await c.read<ServiceRequest>('youth', `/fhir/${task.focus?.reference ?? ''}`)).body;
  return { task, sr };
}

/** The parts of a handover: the sender's episode, the joint conversation, bridging care, the receiving practitioner and a relative. */
function handoverParameters(task: Task, sr: ServiceRequest): ParametersParameter[] {
  const patient = task.for?.reference ?? '';
  const senderRole = sr.requester?.reference ?? '';
  const part = (name: string, resource: Resource): ParametersParameter => ({ name, resource });
  return [
    part('episodeOfCare', {
      resourceType: 'EpisodeOfCare',
      id: 'episode',
      meta: { profile: [sd('ov-episodeofcare')] },
      status: 'active',
      patient: { reference: patient },
      managingOrganization: { reference: task.requester?.reference ?? '' },
      period: { start: '2024-02-01' },
      careManager: { reference: senderRole },
    }),
    part('jointConversation', {
      resourceType: 'Appointment',
      id: 'joint',
      meta: { profile: [sd('ov-joint-conversation')] },
      status: 'booked',
      description: 'Gezamenlijk overdrachtsgesprek',
      start: '2026-06-10T14:00:00+02:00',
      end: '2026-06-10T15:00:00+02:00',
      basedOn: [{ reference: task.focus?.reference ?? '' }],
      participant: [
        {
          type: [{ coding: [{ system: V3, code: 'SBJ' }] }],
          actor: { reference: patient },
          status: 'accepted',
        },
        {
          type: [{ coding: [{ system: V3, code: 'PART' }] }],
          actor: { reference: 'RelatedPerson/mother' },
          status: 'accepted',
        },
        {
          type: [{ coding: [{ system: V3, code: 'REF' }] }],
          actor: { reference: senderRole },
          status: 'accepted',
        },
        {
          type: [{ coding: [{ system: V3, code: 'REFT' }] }],
          actor: { reference: 'PractitionerRole/receiving' },
          status: 'accepted',
        },
      ],
    }),
    part('bridgingCarePlan', {
      resourceType: 'CarePlan',
      id: 'bridging',
      meta: { profile: [sd('ov-bridging-careplan')] },
      status: 'active',
      intent: 'plan',
      title: 'Overbruggingszorg tot start behandeling',
      subject: { reference: patient },
      period: { start: '2026-06-10' },
      author: { reference: senderRole },
      activity: [
        {
          detail: {
            status: 'scheduled',
            description: 'Tweewekelijks contact met de huidige behandelaar tot het eerste behandelgesprek.',
            performer: [{ reference: senderRole }],
          },
        },
      ],
    }),
    part('supporting', {
      resourceType: 'RelatedPerson',
      id: 'mother',
      patient: { reference: patient },
      relationship: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] },
      ],
      name: [{ family: 'Visser', given: ['Linda'] }],
    }),
    part('supporting', {
      resourceType: 'Practitioner',
      id: 'receiving-practitioner',
      meta: { profile: [sd('ov-practitioner')] },
      identifier: [{ system: SYSTEMS.agb, value: '06012345' }],
      name: [{ family: 'Bakker', given: ['Eva'], text: 'E. Bakker' }],
    }),
    part('supporting', {
      resourceType: 'PractitionerRole',
      id: 'receiving',
      meta: { profile: [sd('ov-practitionerrole')] },
      active: true,
      practitioner: { reference: 'Practitioner/receiving-practitioner' },
      organization: { reference: task.owner?.reference ?? '' },
      code: [{ coding: [{ system: 'http://snomed.info/sct', code: '80584001', display: 'Psychiatrist' }] }],
    }),
  ];
}

const idOf = (b: Bundle, type: string): string =>
  b.entry?.find((e) => e.resource?.resourceType === type)?.resource?.id ?? '';

describe('warm handover', () => {
  let task: Task;
  let message: Bundle;

  beforeAll(async () => {
    const made = await youthReferral('ho-1', 1);
    task = made.task;
    const res = await c.act('youth', task.id ?? '', 'handover', handoverParameters(made.task, made.sr));
    if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body).slice(0, 1500)}`);
    message = res.body as Bundle;
  });

  it('when the sender hands over, then the answer is the handover message and the Task points at every part', async () => {
    expect(message.meta?.profile).toEqual([sd('ov-handover-bundle')]);
    const header = message.entry?.[0]?.resource as {
      eventCoding?: { code?: string };
      focus?: { reference?: string }[];
    };
    expect(header.eventCoding?.code).toBe('handover');
    expect(header.focus?.[0]?.reference).toBe(`Task/${task.id ?? ''}`);
    const stored = (await c.read<Task>('ggz', `/fhir/Task/${task.id ?? ''}`)).body;
    const inputs = (stored.input ?? []).map((i) => i.type.coding?.[0]?.code);
    expect(inputs).toEqual([
      'previous-treatment-summary',
      'Appointment',
      'CarePlan',
      'EpisodeOfCare',
      'Consent',
    ]);
    expect(await events('ggz-noord', `Task/${task.id ?? ''}`)).toContain('delivery-needed');
  });

  it('when the handover is stored, then sender and receiver both read the joint conversation, the bridging care and the episode', async () => {
    for (const type of ['Appointment', 'CarePlan', 'EpisodeOfCare', 'RelatedPerson'])
      for (const who of ['youth', 'ggz'] as const)
        expect((await c.read(who, `/fhir/${type}/${idOf(message, type)}`)).status, `${type} by ${who}`).toBe(
          200,
        );
    expect((await c.read('gp', `/fhir/Appointment/${idOf(message, 'Appointment')}`)).status).toBe(404);
  });

  it('when the receiver tries to hand over, then it is 409; a part missing is 422 naming it', async () => {
    const byReceiver = await c.act('ggz', task.id ?? '', 'handover', []);
    expect(byReceiver.status).toBe(409);
    const made = await youthReferral('ho-2', 2);
    const without = handoverParameters(made.task, made.sr).filter((p) => p.name !== 'bridgingCarePlan');
    const res = await c.act('youth', made.task.id ?? '', 'handover', without);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].diagnostics).toBe("the handover needs 'bridgingCarePlan'");
  });

  it('when a part references what the sender may not see, then it is 422 and nothing is stored', async () => {
    const made = await youthReferral('ho-3', 3);
    const params = handoverParameters(made.task, made.sr);
    const episode = params[0]?.resource as EpisodeOfCare;
    episode.careManager = { reference: 'PractitionerRole/not-here' };
    const res = await c.act('youth', made.task.id ?? '', 'handover', params);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].diagnostics).toMatch(/PractitionerRole\/not-here is neither a part/);
    expect((await c.read<Task>('youth', `/fhir/Task/${made.task.id ?? ''}`)).body.meta?.versionId).toBe('1');
  });

  it('when a part names the client by a BSN the sender does not hold, then it is 422 naming the reference', async () => {
    const made = await youthReferral('ho-5', 5);
    const params = handoverParameters(made.task, made.sr);
    const plan = params[2]?.resource as CarePlan;
    plan.subject = { reference: `Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|${bsn(999)}` };
    const res = await c.act('youth', made.task.id ?? '', 'handover', params);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].diagnostics).toBe(
      `Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|${bsn(999)} names no stored resource this organisation may see`,
    );
  });

  describe('the closure guard', () => {
    const finish = (episode: string, params: ParametersParameter[] = []) =>
      c.post('youth', `/fhir/EpisodeOfCare/${episode}/$finish`, {
        resourceType: 'Parameters',
        parameter: params,
      });

    it('when the handover is not yet accepted with an intake planned, then finishing is 409 that says why', async () => {
      const res = await finish(idOf(message, 'EpisodeOfCare'));
      expect(res.status).toBe(409);
      expect(res.body.issue[0].diagnostics).toBe(
        'the handover is not yet accepted with an intake planned (the Task is requested); finish anyway with a closure choice (back-to-gp or back-to-referrer) and a reason',
      );
      await c.act('ggz', task.id ?? '', 'accept');
      expect((await finish(idOf(message, 'EpisodeOfCare'))).status).toBe(409);
    });

    it('when the receiver accepted with an intake planned, then the sender finishes its episode', async () => {
      expect((await c.act('ggz', task.id ?? '', 'record-step', step('intake-planned'))).status).toBe(200);
      const res = await finish(idOf(message, 'EpisodeOfCare'));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'finished', period: { start: '2024-02-01' } });
      expect(
        (await c.read<EpisodeOfCare>('ggz', `/fhir/EpisodeOfCare/${idOf(message, 'EpisodeOfCare')}`)).body
          .status,
      ).toBe('finished');
    });

    it('when the receiver records treatment-started, then the bridging care ends', async () => {
      await c.act('ggz', task.id ?? '', 'start');
      expect((await c.act('ggz', task.id ?? '', 'record-step', step('treatment-started'))).status).toBe(200);
      const plan = (await c.read<CarePlan>('youth', `/fhir/CarePlan/${idOf(message, 'CarePlan')}`)).body;
      expect(plan.status).toBe('completed');
      expect(plan.period?.end).toBeDefined();
    });

    it('when the sender finishes anyway, then it needs a choice and a reason, and the audit shows both', async () => {
      const made = await youthReferral('ho-4', 4);
      const res = await c.act(
        'youth',
        made.task.id ?? '',
        'handover',
        handoverParameters(made.task, made.sr),
      );
      expect(res.status).toBe(200);
      const episode = idOf(res.body as Bundle, 'EpisodeOfCare');
      const choice = { name: 'closureChoice', valueCode: 'back-to-referrer' };
      const noReason = await finish(episode, [choice]);
      expect(noReason.status).toBe(422);
      expect(noReason.body.issue[0].expression).toEqual(['reason']);
      const bad = await finish(episode, [
        { name: 'closureChoice', valueCode: 'elsewhere' },
        { name: 'reason', valueString: 'x' },
      ]);
      expect(bad.status).toBe(422);
      const ok = await finish(episode, [
        choice,
        { name: 'reason', valueString: 'Cliënt wil niet naar de volwassenen-GGZ' },
      ]);
      expect(ok.status).toBe(200);
      const { rows } = await t.db.query<{ content: AuditEvent }>(
        "SELECT content FROM audit_event WHERE content::text LIKE $1 AND content::text LIKE '%closure-choice%'",
        [`%EpisodeOfCare/${episode}%`],
      );
      const details = rows[0]?.content.entity?.find(
        (e) => e.what?.reference === `EpisodeOfCare/${episode}`,
      )?.detail;
      expect(details).toEqual([
        { type: 'handover', valueString: 'open' },
        { type: 'closure-choice', valueString: 'back-to-referrer' },
        { type: 'closure-reason', valueString: 'Cliënt wil niet naar de volwassenen-GGZ' },
      ]);
      const provenance = await t.db.query<{ n: number }>(
        "SELECT count(*)::integer AS n FROM resource WHERE resource_type = 'Provenance' AND content->'target'->0->>'reference' = $1 AND content->'reason'->0->>'text' = 'Cliënt wil niet naar de volwassenen-GGZ'",
        [`EpisodeOfCare/${episode}`],
      );
      expect(provenance.rows[0]?.n).toBe(1);
    });
  });
});
