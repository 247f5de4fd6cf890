import { describe, expect, it } from 'vitest';
import type { EpisodeOfCare, Provenance, Task } from '@medplum/fhirtypes';
import { MemoryJobLock } from '../../src/jobs/memory-lock.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { silentLogger } from '../../src/observability/logger.js';
import { businessStatusOf } from '../../src/workflow/codes.js';
import {
  transitionPreparationJob,
  waitingTimesJob,
  watchdogJob,
  youthInterruptionsJob,
} from '../../src/workflow/jobs.js';
import { partyReference } from '../../src/workflow/party.js';
import { applyTransition } from '../../src/workflow/transitions.js';
import { isIdle } from '../../src/workflow/watchdog.js';
import { GGZ, GP, YOUTH, as, days, referralTask } from './support.js';
import { MemoryWorkflowStore } from './memory-store.js';

function setup(now: () => Date) {
  const store = new MemoryWorkflowStore();
  const runner = new JobRunner({
    jobs: [watchdogJob({ days: 5 }), transitionPreparationJob(), youthInterruptionsJob(), waitingTimesJob()],
    lock: new MemoryJobLock(now),
    ports: store,
    logger: silentLogger,
    owner: 'test',
    now,
  });
  return { store, runner };
}

function at(task: Task, day: number): Task {
  return { ...task, lastModified: days(day).toISOString() };
}

describe('the handover watchdog', () => {
  it('when a Task has had no owner action for 5 days, then it is escalated once, with an event for owner and requester', async () => {
    let now = days(10);
    const { store, runner } = setup(() => now);
    store.put(at(referralTask('requested', { id: 'idle' }), 4)); // 6 days idle
    store.put(at(referralTask('received', { id: 'fresh' }), 7)); // 3 days
    store.put(at(referralTask('accepted', { id: 'exactly' }), 5)); // 5 days to the minute
    store.put(at(referralTask('in-progress', { id: 'in-treatment' }), 0)); // not watched
    store.put(at(referralTask('completed', { id: 'done' }), 0));

    expect(await runner.runOnce('handover-watchdog')).toMatchObject({
      status: 'ok',
      summary: { checked: 2, escalated: 2 },
    });
    expect(store.escalated().sort()).toEqual(['exactly', 'idle']);
    expect(store.outbox).toContainEqual({
      kind: 'escalated',
      task: { reference: 'Task/idle' },
      owner: partyReference(GGZ),
      requester: partyReference(GP),
      idleSince: days(4).toISOString(),
    });
    expect(store.provenance.map((p) => p.activity?.text)).toEqual(['escalate', 'escalate']);

    now = days(11);
    expect(await runner.runOnce('handover-watchdog')).toMatchObject({
      status: 'ok',
      summary: { escalated: 0 },
    });
    expect(store.outbox).toHaveLength(2);
  });

  it('when the owner acts after an escalation, then the count starts again', async () => {
    let now = days(10);
    const { store, runner } = setup(() => now);
    store.put(at(referralTask('received', { id: 't' }), 1));
    await runner.runOnce('handover-watchdog');
    const escalated = store.tasks.get('t')!;
    const acted = applyTransition(escalated, 'accept', as(GGZ), {}, days(12));
    if (!acted.ok) throw new Error('setup');
    await store.saveTaskChange({ task: acted.task, provenance: acted.provenance, events: acted.events });
    now = days(16);
    expect(isIdle(store.tasks.get('t')!, now, { days: 5 })).toBe(false);
    now = days(17);
    await runner.runOnce('handover-watchdog');
    expect(businessStatusOf(store.tasks.get('t')!)).toBe('escalated');
  });

  it('when one Task was changed meanwhile, then the others are still escalated and the run is reported failed', async () => {
    const { store, runner } = setup(() => days(10));
    store.put(at(referralTask('requested', { id: 'a' }), 1));
    store.put(at(referralTask('requested', { id: 'b' }), 1));
    store.conflictOn.add('a');
    const r = await runner.runOnce('handover-watchdog');
    expect(r).toMatchObject({
      status: 'failed',
      error: 'Error: handover-watchdog: 1 of 2 changes could not be saved',
    });
    expect(store.escalated()).toEqual(['b']);
  });

  it('when a Task is not a referral (a transition preparation), then the watchdog leaves it alone', async () => {
    const { store, runner } = setup(() => days(30));
    store.put({
      ...at(referralTask('requested', { id: 'prep' }), 0),
      code: { text: 'transition preparation' },
    });
    await runner.runOnce('handover-watchdog');
    expect(store.escalated()).toEqual([]);
  });
});

const NOW = new Date('2026-05-01T08:00:00Z');

function youthEpisode(id: string, start: string, end?: string): EpisodeOfCare {
  return {
    resourceType: 'EpisodeOfCare',
    id,
    status: end ? 'finished' : 'active',
    patient: { reference: 'Patient/x' },
    managingOrganization: partyReference(YOUTH),
    period: { start, ...(end ? { end } : {}) },
  };
}

describe('the 18+ jobs', () => {
  it('when a youth-GGZ client turns 18 within six months, then one preparation Task is created, and not again on the next run', async () => {
    const { store, runner } = setup(() => NOW);
    store.clients = [
      {
        patient: { reference: 'Patient/a' },
        birthDate: '2008-09-15',
        episodes: [{ episode: youthEpisode('ea', '2023-01-01'), organisationType: 'youth-ggz-institution' }],
      },
      {
        patient: { reference: 'Patient/b' },
        birthDate: '2009-09-15',
        episodes: [{ episode: youthEpisode('eb', '2023-01-01'), organisationType: 'youth-ggz-institution' }],
      },
    ];
    expect(await runner.runOnce('transition-preparation')).toMatchObject({
      status: 'ok',
      summary: { candidates: 1, created: 1 },
    });
    const [task] = [...store.tasks.values()];
    expect(task).toMatchObject({
      id: 'new-1',
      for: { reference: 'Patient/a' },
      focus: { reference: 'EpisodeOfCare/ea' },
      owner: partyReference(YOUTH),
    });
    expect(store.outbox).toEqual([
      {
        kind: 'delivery-needed',
        task: { reference: 'Task/new-1' },
        to: partyReference(YOUTH),
        cause: 'created',
      },
    ]);
    expect(store.provenance[0]?.agent?.[0]?.who).toEqual({ display: 'overdracht gateway' });

    expect(await runner.runOnce('transition-preparation')).toMatchObject({
      status: 'ok',
      summary: { candidates: 1, created: 0 },
    });
    expect(store.tasks.size).toBe(1);
  });

  it('when the interruption job runs, then it reports the gaps of 18-23-year-olds per month', async () => {
    const { store, runner } = setup(() => NOW);
    store.clients = [
      {
        patient: { reference: 'Patient/a' },
        birthDate: '2006-03-10',
        episodes: [
          {
            episode: youthEpisode('y', '2022-01-01', '2024-03-15'),
            organisationType: 'youth-ggz-institution',
          },
          {
            episode: { ...youthEpisode('a', '2024-05-01'), managingOrganization: partyReference(GGZ) },
            organisationType: 'ggz-institution',
          },
        ],
      },
    ];
    expect(await runner.runOnce('youth-interruptions')).toMatchObject({
      status: 'ok',
      summary: { clients: 1, interruptions: 1 },
    });
    expect(store.interruptionReports[0]?.perMonth).toEqual([{ month: '2024-03', count: 1 }]);
    expect(store.interruptionReports[0]?.asOf).toBe(NOW.toISOString());
  });
});

describe('the waiting-times job', () => {
  it('when it runs, then it saves the waiting times per receiver computed from the stored history', async () => {
    const { store, runner } = setup(() => days(40));
    const history: Provenance[] = [];
    let task = referralTask('requested', { id: 'w' });
    for (const [action, day] of [
      ['accept', 2],
      ['start', 21],
    ] as const) {
      const r = applyTransition(task, action, as(GGZ), {}, days(day));
      if (!r.ok) throw new Error('setup');
      task = r.task;
      history.push(r.provenance);
    }
    store.put(task, history);
    store.put(referralTask('requested', { id: 'waiting' }));
    expect(await runner.runOnce('waiting-times')).toMatchObject({
      status: 'ok',
      summary: { tasks: 2, receivers: 1 },
    });
    expect(store.waitingTimeReports[0]?.receivers[0]).toMatchObject({
      tasks: 2,
      intake: { count: 1, medianDays: 21, met: 1, exceeded: 1, shareWithinNorm: 0.5 },
    });
  });
});
