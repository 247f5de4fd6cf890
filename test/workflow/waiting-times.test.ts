import { describe, expect, it } from 'vitest';
import type { Provenance, Task } from '@medplum/fhirtypes';
import { partyReference, type Actor } from '../../src/workflow/party.js';
import { applyTransition, type Action, type TransitionInputs } from '../../src/workflow/transitions.js';
import {
  median,
  waitingTime,
  waitingTimesByReceiver,
  type TaskRecord,
} from '../../src/workflow/waiting-times.js';
import { GGZ, GGZ2, T0, as, days, referralTask } from './support.js';

type Step = { [A in Action]: [A, Actor, TransitionInputs[A], number] }[Action];

/** A Task's life as the gateway would record it: each transition applied at T0 + n days. */
function lived(steps: readonly Step[], task: Task = referralTask('requested')): TaskRecord {
  const history: Provenance[] = [];
  let current = task;
  for (const [action, actor, input, day] of steps) {
    const r = applyTransition(current, action, actor, input as never, days(day));
    if (!r.ok) throw new Error(`${action} on day ${day}: ${r.outcome.issue?.[0]?.diagnostics ?? ''}`);
    current = r.task;
    history.push(r.provenance);
  }
  return { task: current, history };
}

const owner = as(GGZ);
const treated = (intakeDay: number, treatmentDay?: number): Step[] => [
  ['accept', owner, {}, 2],
  ['record-step', owner, { businessStatus: 'intake-planned' }, 3],
  ['start', owner, {}, intakeDay],
  ...(treatmentDay !== undefined
    ? [['record-step', owner, { businessStatus: 'treatment-started' }, treatmentDay] as Step]
    : []),
];

describe('waiting times per Task (R8, Treeknormen)', () => {
  it('when the intake is on day 20 and treatment starts 60 days later, then both norms are met', () => {
    const w = waitingTime(lived(treated(20, 80)), days(100));
    expect(w).toMatchObject({
      registered: '2026-03-02',
      intake: '2026-03-22',
      treatmentStart: '2026-05-21',
      daysToIntake: 20,
      daysIntakeToTreatment: 60,
      intakeNorm: 'met',
      treatmentNorm: 'met',
      receiver: partyReference(GGZ),
    });
    expect(w?.stillWaiting).toBeUndefined();
  });

  it('when the intake is on day 28, then it is within 4 weeks; on day 29 it is not', () => {
    expect(waitingTime(lived(treated(28)), days(30))?.intakeNorm).toBe('met');
    expect(waitingTime(lived(treated(29)), days(30))?.intakeNorm).toBe('exceeded');
  });

  it('when treatment starts 70 days after the intake, then it is within 10 weeks; after 71 it is not', () => {
    expect(waitingTime(lived(treated(10, 80)), days(100))?.treatmentNorm).toBe('met');
    expect(waitingTime(lived(treated(10, 81)), days(100))?.treatmentNorm).toBe('exceeded');
  });

  it('when the client still waits for the intake, then the days so far count and the norm is exceeded only beyond 28', () => {
    const record = lived([['accept', owner, {}, 2]]);
    expect(waitingTime(record, days(10))).toMatchObject({
      stillWaiting: { for: 'intake', days: 10 },
      intakeNorm: 'waiting',
      treatmentNorm: 'not-applicable',
    });
    expect(waitingTime(record, days(40))).toMatchObject({
      stillWaiting: { for: 'intake', days: 40 },
      intakeNorm: 'exceeded',
    });
  });

  it('when the client had the intake and still waits for treatment, then that wait counts', () => {
    const w = waitingTime(lived(treated(10)), days(90));
    expect(w).toMatchObject({
      daysToIntake: 10,
      stillWaiting: { for: 'treatment', days: 80 },
      treatmentNorm: 'exceeded',
    });
  });

  it('when the referral was rejected, then neither norm applies', () => {
    const w = waitingTime(lived([['reject', owner, { reason: 'Geen passend aanbod' }, 5]]), days(60));
    expect(w).toMatchObject({ intakeNorm: 'not-applicable', treatmentNorm: 'not-applicable' });
    expect(w?.stillWaiting).toBeUndefined();
  });

  it('when the Task was forwarded, then the intake counts from the first registration for the receiver that held it', () => {
    const record = lived([
      ['forward', owner, { receiver: GGZ2 }, 10],
      ['accept', as(GGZ2), {}, 12],
      ['start', as(GGZ2), {}, 30],
    ]);
    expect(waitingTime(record, days(31))).toMatchObject({
      daysToIntake: 30,
      intakeNorm: 'exceeded',
      receiver: partyReference(GGZ2),
    });
  });

  it('when daylight saving time starts between registration and intake, then 28 calendar days are still 28 days', () => {
    const task = { ...referralTask('requested'), authoredOn: '2026-03-28T22:30:00.000Z' };
    const r1 = applyTransition(task, 'accept', owner, {}, new Date('2026-03-30T08:00:00.000Z'));
    if (!r1.ok) throw new Error('setup');
    const r2 = applyTransition(r1.task, 'start', owner, {}, new Date('2026-04-25T21:30:00.000Z'));
    if (!r2.ok) throw new Error('setup');
    const w = waitingTime(
      { task: r2.task, history: [r1.provenance, r2.provenance] },
      new Date('2026-05-01T00:00:00Z'),
    );
    expect(w).toMatchObject({
      registered: '2026-03-28',
      intake: '2026-04-25',
      daysToIntake: 28,
      intakeNorm: 'met',
    });
  });

  it('when the history arrives out of order, then it is read in time order', () => {
    const record = lived(treated(20, 40));
    expect(waitingTime({ ...record, history: [...record.history].reverse() }, days(50))?.daysToIntake).toBe(
      20,
    );
  });

  it('when the Task has no registration date, then there is no waiting time', () => {
    const { authoredOn: _a, ...task } = referralTask('requested');
    expect(waitingTime({ task, history: [] }, days(1))).toBeUndefined();
  });
});

describe('waiting times per receiver', () => {
  it('when several Tasks are summarised, then each receiver has medians and the share within the norms', () => {
    const records = [
      lived(treated(10, 30), referralTask('requested', { id: 'a' })),
      lived(treated(20, 100), referralTask('requested', { id: 'b' })),
      lived(treated(40, 60), referralTask('requested', { id: 'c' })),
      lived([['accept', owner, {}, 1]], referralTask('requested', { id: 'd' })), // still waiting, beyond 28 at day 120
      lived([['reject', owner, { reason: 'x' }, 1]], referralTask('requested', { id: 'e' })),
      lived([['accept', as(GGZ2), {}, 110]], referralTask('requested', { id: 'f', owner: GGZ2 })),
    ];
    const r = waitingTimesByReceiver(records, days(120));
    expect(r.asOf).toBe(days(120).toISOString());
    expect(r.norms).toEqual({ intakeDays: 28, treatmentDays: 70 });
    expect(r.receivers).toEqual([
      {
        receiver: partyReference(GGZ),
        tasks: 5,
        intake: { count: 3, medianDays: 20, met: 2, exceeded: 2, waiting: 0, shareWithinNorm: 0.5 },
        treatment: { count: 3, medianDays: 20, met: 2, exceeded: 1, waiting: 0, shareWithinNorm: 2 / 3 },
      },
      {
        receiver: partyReference(GGZ2),
        tasks: 1,
        intake: { count: 0, met: 0, exceeded: 1, waiting: 0, shareWithinNorm: 0 },
        treatment: { count: 0, met: 0, exceeded: 0, waiting: 0 },
      },
    ]);
  });

  it('when the number of values is even, then the median is the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });

  it('when the clock is T0, then nothing has waited yet', () => {
    expect(waitingTime(lived([]), T0)).toMatchObject({
      stillWaiting: { for: 'intake', days: 0 },
      intakeNorm: 'waiting',
    });
  });
});
