/**
 * The workflow jobs through the store, with a clock the test sets: the watchdog, 18-/18+
 * preparation and interruptions, and the waiting-time report with its API.
 */
import type {
  EpisodeOfCare,
  Parameters,
  ParametersParameter,
  Patient,
  Provenance,
  Task,
} from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessGrants } from '../../src/access/grants.js';
import type { OrganisationConfig } from '../../src/config/types.js';
import { GATEWAY_TYPES } from '../../src/gateway/index.js';
import { createJobRunner, type GatewayJobPorts } from '../../src/jobs/gateway-jobs.js';
import type { JobRunner } from '../../src/jobs/runner.js';
import { INTERRUPTIONS_REPORT, WAITING_TIMES_REPORT } from '../../src/jobs/workflow-store.js';
import { silentLogger } from '../../src/observability/logger.js';
import { AuditLog } from '../../src/store/audit-log.js';
import { JobReports } from '../../src/store/jobs.js';
import { Outbox } from '../../src/store/outbox.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { addMonths, calendarDate } from '../../src/workflow/dates.js';
import { businessStatusOf, REFERRAL_TASK_CODE } from '../../src/workflow/codes.js';
import { partyReference, type Actor, type Party } from '../../src/workflow/party.js';
import { applyTransition, type Action, type TransitionInputs } from '../../src/workflow/transitions.js';
import type { WaitingTimeReport } from '../../src/workflow/waiting-times.js';
import type { InterruptionReport } from '../../src/workflow/youth-transition.js';
import { get, openTestGateway, tokens, type TestGateway } from '../gateway/support.js';
import { demoConfig } from '../support/tokens.js';

const DAY = 86_400_000;
// Noon UTC today: calendar days in Amsterdam are then unambiguous.
const NOW = new Date(`${new Date().toISOString().slice(0, 10)}T12:00:00.000Z`);
const day = (n: number): Date => new Date(NOW.getTime() + n * DAY);

function party(id: string): Party & { org: OrganisationConfig } {
  const org = demoConfig.organisations.find((o) => o.id === id);
  if (!org) throw new Error(id);
  return { identifier: org.identifier, display: org.name, type: org.type, org };
}
const GP = party('gp-de-linde');
const GGZ = party('ggz-noord');
const YOUTH = party('jeugd-ggz-de-brug');
const as = (p: Party): Actor => ({ kind: 'organisation', ...p });

function part(p: ParametersParameter | undefined, name: string): ParametersParameter | undefined {
  return p?.part?.find((x) => x.name === name);
}

describe('workflow jobs on the store', () => {
  let t: TestGateway;
  let store: ResourceStore;
  let grants: AccessGrants;
  let runner: JobRunner<GatewayJobPorts>;
  let clock = NOW;
  let token: (client: string) => Promise<string>;

  beforeAll(async () => {
    t = await openTestGateway();
    const registry = new SearchParamRegistry(GATEWAY_TYPES);
    store = new ResourceStore(t.db, { registry });
    grants = new AccessGrants(t.db);
    runner = createJobRunner({
      config: t.gateway.config,
      db: t.db,
      store,
      registry,
      auditLog: new AuditLog(t.db),
      endpoint: t.gateway.endpoint,
      logger: silentLogger,
      now: () => clock,
      owner: 'test',
    });
    token = tokens(t.app);
  });
  afterAll(async () => t.close());

  async function grant(reference: string, ...parties: Party[]): Promise<void> {
    await grants.add(parties.map((p) => ({ organisation: p.identifier, reference })));
  }

  /** A referral Task registered on `registered`, taken through `steps` (action, day) by the owner. */
  async function referral(
    id: string,
    registered: number,
    steps: [Action, number, Record<string, unknown>?][] = [],
    owner: Party = GGZ,
  ): Promise<Task> {
    let task: Task = {
      resourceType: 'Task',
      id,
      status: 'requested',
      intent: 'order',
      code: { coding: [{ ...REFERRAL_TASK_CODE }] },
      for: { reference: 'Patient/wt-client' },
      authoredOn: day(registered).toISOString(),
      lastModified: day(registered).toISOString(),
      requester: partyReference(GP),
      owner: partyReference(owner),
    };
    const history: Provenance[] = [];
    for (const [action, at, input] of steps) {
      const result = applyTransition(
        task,
        action,
        as(owner),
        (input ?? {}) as TransitionInputs[Action],
        day(at),
      );
      if (!result.ok) throw new Error(JSON.stringify(result.outcome));
      task = result.task;
      history.push(result.provenance);
    }
    const stored = (await store.update(task)).resource;
    for (const p of history) {
      const saved = (await store.create(p)).resource;
      await grant(`Provenance/${saved.id ?? ''}`, GP, owner);
    }
    await grant(`Task/${id}`, GP, owner);
    return stored;
  }

  async function outboxFor(task: string): Promise<{ receiver: string; event: string }[]> {
    const messages = await new Outbox(t.db).list({ limit: 1000 });
    return messages
      .filter((m) => (m.payload as { task: string }).task === task)
      .map((m) => ({ receiver: m.receiver, event: (m.payload as { event: string }).event }))
      .sort((a, b) => a.receiver.localeCompare(b.receiver));
  }

  it('when a Task has had no receiver action for longer than the agreed days, then the watchdog escalates it once', async () => {
    await referral('idle', -15);
    await referral('fresh', -3);
    expect(await runner.runOnce('handover-watchdog')).toMatchObject({
      status: 'ok',
      summary: { escalated: 1 },
    });
    const idle = await store.read<Task>('Task', 'idle');
    expect(businessStatusOf(idle)).toBe('escalated');
    expect(idle.meta?.versionId).toBe('2');
    expect(businessStatusOf(await store.read<Task>('Task', 'fresh'))).toBeUndefined();
    expect(await outboxFor('Task/idle')).toEqual([
      { receiver: 'ggz-noord', event: 'escalated' },
      { receiver: 'gp-de-linde', event: 'escalated' },
    ]);
    // The escalation is in the Task's history, visible to those who see the Task.
    const history = await store.search<Provenance>('Provenance', { target: 'Task/idle' });
    expect(history.resources.map((p) => p.activity?.text)).toEqual(['escalate']);
    expect(await grants.holders('Provenance', history.resources[0]?.id ?? '')).toHaveLength(2);
    clock = day(1);
    expect(await runner.runOnce('handover-watchdog')).toMatchObject({ summary: { escalated: 0 } });
    expect(await outboxFor('Task/idle')).toHaveLength(2);
    clock = NOW;
  });

  it('when a youth-GGZ client turns 18 within six months, then one transition-preparation Task is created', async () => {
    const today = calendarDate(NOW);
    const soon = addMonths(today, -18 * 12 + 3); // turns 18 in three months
    const later = addMonths(today, -18 * 12 + 8); // in eight months
    for (const [id, birthDate] of [
      ['soon', soon],
      ['later', later],
    ] as const) {
      await store.update<Patient>({ resourceType: 'Patient', id, birthDate });
      await store.update<EpisodeOfCare>({
        resourceType: 'EpisodeOfCare',
        id: `episode-${id}`,
        status: 'active',
        patient: { reference: `Patient/${id}` },
        managingOrganization: partyReference(YOUTH),
        period: { start: addMonths(today, -24) },
      });
    }
    expect(await runner.runOnce('transition-preparation')).toMatchObject({
      status: 'ok',
      summary: { candidates: 1, created: 1 },
    });
    const made = await store.search<Task>('Task', { focus: 'EpisodeOfCare/episode-soon' });
    expect(made.resources).toHaveLength(1);
    const task = made.resources[0] as Task;
    expect(task.owner?.identifier).toEqual(YOUTH.identifier);
    expect(task.for).toEqual({ reference: 'Patient/soon' });
    expect(task.input?.length).toBeGreaterThan(5); // every life domain
    expect(await grants.holders('Task', task.id ?? '')).toEqual([
      `${YOUTH.identifier.system}|${YOUTH.identifier.value}`,
    ]);
    expect(await outboxFor(`Task/${task.id ?? ''}`)).toEqual([
      { receiver: 'jeugd-ggz-de-brug', event: 'delivery-needed' },
    ]);
    expect(await runner.runOnce('transition-preparation')).toMatchObject({ summary: { created: 0 } });
    expect(
      (await store.search<Task>('Task', { focus: 'EpisodeOfCare/episode-soon' })).resources,
    ).toHaveLength(1);
  });

  it('when a client of 19 who was in youth GGZ had a gap of 60 days, then it is counted in the month it began', async () => {
    const today = calendarDate(NOW);
    await store.update<Patient>({
      resourceType: 'Patient',
      id: 'nineteen',
      birthDate: addMonths(today, -19 * 12),
    });
    const gapStart = calendarDate(day(-100));
    await store.update<EpisodeOfCare>({
      resourceType: 'EpisodeOfCare',
      id: 'youth-ended',
      status: 'finished',
      patient: { reference: 'Patient/nineteen' },
      managingOrganization: partyReference(YOUTH),
      period: { start: addMonths(today, -30), end: gapStart },
    });
    await store.update<EpisodeOfCare>({
      resourceType: 'EpisodeOfCare',
      id: 'adult-started',
      status: 'active',
      patient: { reference: 'Patient/nineteen' },
      managingOrganization: partyReference(GGZ),
      period: { start: calendarDate(day(-40)) },
    });
    expect(await runner.runOnce('youth-interruptions')).toMatchObject({
      status: 'ok',
      summary: { interruptions: 1 },
    });
    const saved = await new JobReports(t.db).get<InterruptionReport>(INTERRUPTIONS_REPORT);
    expect(saved?.content.interruptions[0]).toMatchObject({
      patient: { reference: 'Patient/nineteen' },
      days: 60,
    });
    expect(saved?.content.perMonth).toEqual([{ month: gapStart.slice(0, 7), count: 1 }]);
  });

  describe('waiting times', () => {
    beforeAll(async () => {
      // Intake after 20 days, treatment 30 days after the intake: both within the norms.
      await referral('wt-met', -60, [
        ['accept', -55],
        ['start', -40],
        ['record-step', -10, { businessStatus: 'treatment-started' }],
      ]);
      // Registered 40 days ago and still no intake: exceeded (4 weeks).
      await referral('wt-waiting-long', -40, [['accept', -2]]);
      // At the youth organisation, registered 10 days ago: still within the norm.
      await referral('wt-youth', -10, [], YOUTH);
    });

    it('when the job runs, then the report per receiver has counts, medians and the share within the norm', async () => {
      expect(await runner.runOnce('waiting-times')).toMatchObject({ status: 'ok' });
      const saved = await new JobReports(t.db).get<WaitingTimeReport>(WAITING_TIMES_REPORT);
      const ggz = saved?.content.receivers.find((r) => r.receiver.identifier?.value === GGZ.identifier.value);
      expect(ggz?.intake).toMatchObject({
        count: 1,
        medianDays: 20,
        met: 1,
        exceeded: 1,
        shareWithinNorm: 0.5,
      });
      expect(ggz?.treatment).toMatchObject({ count: 1, medianDays: 30, met: 1 });
      const youth = saved?.content.receivers.find(
        (r) => r.receiver.identifier?.value === YOUTH.identifier.value,
      );
      expect(youth).toMatchObject({ tasks: 1, intake: { waiting: 1, count: 0 } });
    });

    it('when the regional table asks, then it sees every receiver; an owner sees its own line; a GP none', async () => {
      const regional = await get(t.app, await token('demo-regional-table'), '/fhir/$waiting-times');
      expect(regional.status).toBe(200);
      const lines = (regional.body as Parameters).parameter?.filter((p) => p.name === 'receiver') ?? [];
      const ggzLine = lines.find((l) => part(l, 'organization')?.valueReference?.display === GGZ.org.name);
      expect(part(ggzLine, 'intake-median-days')?.valueDecimal).toBe(20);
      expect(part(ggzLine, 'intake-within-norm')?.valueDecimal).toBe(0.5);
      expect(part(ggzLine, 'treatment-median-days')?.valueDecimal).toBe(30);
      expect(lines.length).toBeGreaterThanOrEqual(2);
      const own = await get(t.app, await token('demo-ggz'), '/fhir/$waiting-times');
      const ownLines = (own.body as Parameters).parameter?.filter((p) => p.name === 'receiver') ?? [];
      expect(ownLines.map((l) => part(l, 'organization')?.valueReference?.display)).toEqual([GGZ.org.name]);
      const gp = await get(t.app, await token('demo-gp'), '/fhir/$waiting-times');
      expect((gp.body as Parameters).parameter?.filter((p) => p.name === 'receiver')).toEqual([]);
      expect((await get(t.app, await token('demo-ggz'), '/fhir/$waiting-times?receiver=x')).status).toBe(400);
    });

    it('when an organisation that sees the Task asks for its waiting time, then it gets the days; another gets 404', async () => {
      const res = await get(t.app, await token('demo-ggz'), '/fhir/Task/wt-met/$waiting-time');
      expect(res.status).toBe(200);
      const params = (res.body as Parameters).parameter ?? [];
      const value = (name: string) => params.find((p) => p.name === name);
      expect(value('days-to-intake')?.valueInteger).toBe(20);
      expect(value('days-intake-to-treatment')?.valueInteger).toBe(30);
      expect(value('intake-norm')?.valueCode).toBe('met');
      expect(
        (await get(t.app, await token('demo-youth-ggz'), '/fhir/Task/wt-met/$waiting-time')).status,
      ).toBe(404);
    });
  });
});
