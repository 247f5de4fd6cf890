import { describe, expect, it } from 'vitest';
import type { EpisodeOfCare, Task } from '@medplum/fhirtypes';
import { addMonths, ageOn, birthday, daysBetween } from '../../src/workflow/dates.js';
import { partyReference } from '../../src/workflow/party.js';
import {
  interruptionReport,
  interruptions,
  transitionCandidates,
  transitionPreparationTask,
  type CareEpisode,
  type YouthClient,
} from '../../src/workflow/youth-transition.js';
import { GGZ, YOUTH, referralTask } from './support.js';

const NOW = new Date('2026-05-01T10:00:00Z');

function episode(id: string, start: string, end?: string, extra: Partial<EpisodeOfCare> = {}): EpisodeOfCare {
  return {
    resourceType: 'EpisodeOfCare',
    id,
    status: end ? 'finished' : 'active',
    patient: { reference: 'Patient/p-1' },
    managingOrganization: partyReference(YOUTH),
    period: { start, ...(end ? { end } : {}) },
    ...extra,
  };
}

const youth = (e: EpisodeOfCare): CareEpisode => ({ episode: e, organisationType: 'youth-ggz-institution' });
const adult = (e: EpisodeOfCare): CareEpisode => ({
  episode: { ...e, managingOrganization: partyReference(GGZ) },
  organisationType: 'ggz-institution',
});

function client(birthDate: string, episodes: CareEpisode[], tasks: Task[] = []): YouthClient {
  return { patient: { reference: 'Patient/p-1' }, birthDate, episodes, tasks };
}

describe('calendar helpers', () => {
  it('when a month is added to 31 January, then it is the last day of February', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-08-15', 6)).toBe('2027-02-15');
  });

  it('when someone born on 29 February turns 18 in a common year, then it is 28 February', () => {
    expect(birthday('2008-02-29', 18)).toBe('2026-02-28');
  });

  it('when the age is asked the day before, on and after a birthday, then it changes on the day', () => {
    expect(ageOn('2008-05-01', '2026-04-30')).toBe(17);
    expect(ageOn('2008-05-01', '2026-05-01')).toBe(18);
    expect(daysBetween('2026-03-01', '2026-04-01')).toBe(31);
  });
});

describe('transition preparation (R3)', () => {
  it.each([
    ['2008-05-02', true, 'turns 18 tomorrow'],
    ['2008-11-01', true, 'turns 18 in exactly six months'],
    ['2008-11-02', false, 'turns 18 in six months and a day'],
    ['2008-05-01', false, 'turns 18 today (already 18)'],
    ['2007-01-01', false, 'is already 19'],
  ])(
    'when a client born %s has an active youth-GGZ episode, then candidate is %s (%s)',
    (birthDate, expected) => {
      const found = transitionCandidates([client(birthDate, [youth(episode('e1', '2024-01-01'))])], NOW);
      expect(found.length > 0).toBe(expected);
    },
  );

  it('when the episode is at an adult GGZ institution, then the client is no candidate', () => {
    expect(transitionCandidates([client('2008-08-01', [adult(episode('e1', '2024-01-01'))])], NOW)).toEqual(
      [],
    );
  });

  it.each(['51', '52', '54'])(
    'when the episode is a Jeugdwet GGZ product (category %s), then it counts as youth GGZ',
    (code) => {
      const e = episode('e1', '2024-01-01', undefined, {
        type: [{ coding: [{ system: 'https://overdracht.dev/fhir/CodeSystem/ijw-product-category', code }] }],
      });
      expect(transitionCandidates([client('2008-08-01', [{ episode: e }])], NOW)).toHaveLength(1);
    },
  );

  it('when the Jeugdwet product is not GGZ (53 paediatrics), then it does not count', () => {
    const e = episode('e1', '2024-01-01', undefined, {
      type: [
        { coding: [{ system: 'https://overdracht.dev/fhir/CodeSystem/ijw-product-category', code: '53' }] },
      ],
    });
    expect(transitionCandidates([client('2008-08-01', [{ episode: e }])], NOW)).toEqual([]);
  });

  it('when the youth episode is finished, then the client is no candidate', () => {
    expect(
      transitionCandidates([client('2008-08-01', [youth(episode('e1', '2024-01-01', '2026-01-01'))])], NOW),
    ).toEqual([]);
  });

  it('when a preparation Task is made, then it is owned by the youth organisation, due at 18, and covers every life domain', () => {
    const [candidate] = transitionCandidates(
      [client('2008-08-01', [youth(episode('e1', '2024-01-01'))])],
      NOW,
    );
    const task = transitionPreparationTask(candidate!, NOW, 'tp-1');
    expect(task).toMatchObject({
      id: 'tp-1',
      status: 'requested',
      intent: 'plan',
      businessStatus: {
        coding: [
          {
            system: 'https://overdracht.dev/fhir/CodeSystem/task-business-status',
            code: 'transition-preparation',
          },
        ],
      },
      focus: { reference: 'EpisodeOfCare/e1' },
      for: { reference: 'Patient/p-1' },
      owner: partyReference(YOUTH),
      requester: partyReference(YOUTH),
      restriction: { period: { end: '2026-08-01' } },
      authoredOn: NOW.toISOString(),
    });
    expect(task.input?.map((i) => i.type.coding?.[0]?.code)).toEqual([
      'housing',
      'work-education',
      'income-debts',
      'social-network',
      'care',
      'daily-activities',
      'safety',
      'physical-health',
      'mental-health',
    ]);
    expect(
      task.input?.every(
        (i) => i.type.coding?.[0]?.system === 'https://overdracht.dev/fhir/CodeSystem/life-domain',
      ),
    ).toBe(true);
  });
});

describe('interruptions at 18-23 (R3, R11)', () => {
  const BORN = '2006-03-10'; // 18 on 2024-03-10, 24 on 2030-03-10

  it('when adult care starts 31 days after youth care ended at 18, then it is an interruption', () => {
    const c = client(BORN, [
      youth(episode('y', '2022-01-01', '2024-03-15')),
      adult(episode('a', '2024-04-15')),
    ]);
    expect(interruptions(c)).toEqual([
      {
        patient: { reference: 'Patient/p-1' },
        after: { reference: 'EpisodeOfCare/y' },
        before: { reference: 'EpisodeOfCare/a' },
        from: '2024-03-15',
        to: '2024-04-15',
        days: 31,
        month: '2024-03',
      },
    ]);
  });

  it('when the gap is exactly 30 days, then it is no interruption', () => {
    const c = client(BORN, [
      youth(episode('y', '2022-01-01', '2024-03-15')),
      adult(episode('a', '2024-04-14')),
    ]);
    expect(interruptions(c)).toEqual([]);
  });

  it('when a referral Task bridges the gap, then there is no interruption', () => {
    const waiting = { ...referralTask('accepted'), authoredOn: '2024-03-01T09:00:00Z' };
    const c = client(
      BORN,
      [youth(episode('y', '2022-01-01', '2024-03-15')), adult(episode('a', '2024-06-15'))],
      [waiting],
    );
    expect(interruptions(c)).toEqual([]);
  });

  it('when the bridging Task closed early, then the gap runs from its closure', () => {
    const rejected = {
      ...referralTask('rejected'),
      authoredOn: '2024-03-01T09:00:00Z',
      lastModified: '2024-04-01T09:00:00Z',
    };
    const c = client(
      BORN,
      [youth(episode('y', '2022-01-01', '2024-03-15')), adult(episode('a', '2024-06-15'))],
      [rejected],
    );
    expect(interruptions(c).map((i) => [i.after.reference, i.from, i.days])).toEqual([
      ['Task/task-1', '2024-04-01', 75],
    ]);
  });

  it('when the gap ends before the 18th birthday, then it is outside the age window', () => {
    const c = client(BORN, [
      youth(episode('y1', '2021-01-01', '2023-01-01')),
      youth(episode('y2', '2023-06-01')),
    ]);
    expect(interruptions(c)).toEqual([]);
  });

  it('when the gap spans the 18th birthday, then it counts', () => {
    const c = client(BORN, [
      youth(episode('y', '2021-01-01', '2024-02-01')),
      adult(episode('a', '2024-05-01')),
    ]);
    expect(interruptions(c).map((i) => i.days)).toEqual([90]);
  });

  it('when the client was never in youth GGZ, then gaps are not counted here', () => {
    const c = client(BORN, [
      adult(episode('a1', '2024-04-01', '2024-05-01')),
      adult(episode('a2', '2024-09-01')),
    ]);
    expect(interruptions(c)).toEqual([]);
  });

  it('when the clients are reported, then only those aged 18-23 count and interruptions are counted per month', () => {
    const other = (id: string, birthDate: string, eps: CareEpisode[]): YouthClient => ({
      patient: { reference: `Patient/${id}` },
      birthDate,
      episodes: eps,
    });
    const clients = [
      other('a', BORN, [youth(episode('y', '2022-01-01', '2024-03-15')), adult(episode('a', '2024-04-20'))]),
      other('b', '2005-09-01', [
        youth(episode('y', '2020-01-01', '2024-03-02')),
        adult(episode('a', '2024-06-01', '2025-01-10')),
        adult(episode('a2', '2025-03-01')),
      ]),
      other('c', '2001-01-01', [
        youth(episode('y', '2015-01-01', '2019-02-01')),
        adult(episode('a', '2020-01-01')),
      ]), // 25 now: out of scope
      other('d', '2010-01-01', [youth(episode('y', '2020-01-01'))]), // 16: out of scope
    ];
    const report = interruptionReport(clients, NOW);
    expect(report.clients).toBe(2);
    expect(report.interruptions.map((i) => [i.patient.reference, i.from])).toEqual([
      ['Patient/a', '2024-03-15'],
      ['Patient/b', '2024-03-02'],
      ['Patient/b', '2025-01-10'],
    ]);
    expect(report.perMonth).toEqual([
      { month: '2024-03', count: 2 },
      { month: '2025-01', count: 1 },
    ]);
  });
});
