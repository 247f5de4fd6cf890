import { describe, expect, it } from 'vitest';
import type { EpisodeOfCare, Task } from '@medplum/fhirtypes';
import type { Principal } from '../../src/auth/smart.js';
import { httpStatus } from '../../src/fhir/outcomes.js';
import { closureAuditEvent, finishEpisode, handoverSecured } from '../../src/workflow/closure.js';
import type { BusinessStatus, TaskStatus } from '../../src/workflow/codes.js';
import { partyReference } from '../../src/workflow/party.js';
import { GGZ, YOUTH, as, days, referralTask } from './support.js';

const NOW = days(30);

function episode(): EpisodeOfCare {
  return {
    resourceType: 'EpisodeOfCare',
    id: 'eoc-1',
    status: 'active',
    patient: { reference: 'Patient/p-1' },
    managingOrganization: partyReference(YOUTH),
    period: { start: '2024-02-01' },
  };
}

function handoverTask(status: TaskStatus, businessStatus?: BusinessStatus): Task {
  const t = referralTask(status, {
    owner: GGZ,
    ...(businessStatus ? { businessStatus } : {}),
    id: 'ho-task',
  });
  return {
    ...t,
    requester: partyReference(YOUTH),
    input: [
      {
        type: { coding: [{ system: 'http://hl7.org/fhir/resource-types', code: 'EpisodeOfCare' }] },
        valueReference: { reference: 'EpisodeOfCare/eoc-1' },
      },
    ],
  };
}

describe('the closure guard (R4)', () => {
  const SECURED: [TaskStatus, BusinessStatus | undefined, boolean][] = [
    ['requested', undefined, false],
    ['received', 'received', false],
    ['accepted', undefined, false],
    ['accepted', 'joint-conversation-planned', false],
    ['accepted', 'bridging-care-started', false],
    ['accepted', 'intake-planned', true],
    ['in-progress', 'intake-held', true],
    ['in-progress', 'treatment-started', true],
    ['completed', 'completed', true],
    ['rejected', 'rejected', false],
    ['on-hold', 'to-regional-table', false],
  ];

  it.each(SECURED)(
    'when the handover Task is %s with %s, then secured is %s',
    (status, business, secured) => {
      expect(handoverSecured(handoverTask(status, business))).toBe(secured);
      const r = finishEpisode(episode(), handoverTask(status, business), as(YOUTH), {}, NOW);
      expect(r.ok).toBe(secured);
      if (!r.ok) expect(httpStatus(r.outcome)).toBe(409);
    },
  );

  it('when the handover is secured, then the episode is finished now with its status history', () => {
    const r = finishEpisode(episode(), handoverTask('accepted', 'intake-planned'), as(YOUTH), {}, NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.episode.status).toBe('finished');
    expect(r.episode.period).toEqual({ start: '2024-02-01', end: NOW.toISOString() });
    expect(r.episode.statusHistory).toEqual([
      { status: 'active', period: { start: '2024-02-01', end: NOW.toISOString() } },
    ]);
    expect(r.audit).toEqual({
      episode: { reference: 'EpisodeOfCare/eoc-1' },
      patient: { reference: 'Patient/p-1' },
      handoverTask: { reference: 'Task/ho-task' },
      handover: 'secured',
    });
  });

  it('when the handover is not far enough and no choice is made, then the refusal says what is missing and how to proceed', () => {
    const r = finishEpisode(episode(), handoverTask('received', 'received'), as(YOUTH), {}, NOW);
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe(
      'the handover is not yet accepted with an intake planned (the Task is received, received); finish anyway with a closure choice (back-to-gp or back-to-referrer) and a reason',
    );
  });

  it('when the sender finishes anyway with back-to-gp and a reason, then it is allowed and the choice is to be audited', () => {
    const r = finishEpisode(
      episode(),
      handoverTask('received', 'received'),
      as(YOUTH),
      { closureChoice: 'back-to-gp', reason: 'Cliënt wil geen vervolgbehandeling' },
      NOW,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.audit).toMatchObject({
      handover: 'open',
      closureChoice: 'back-to-gp',
      reason: 'Cliënt wil geen vervolgbehandeling',
    });
  });

  it('when there is no handover at all, then closing needs the choice too', () => {
    expect(finishEpisode(episode(), undefined, as(YOUTH), {}, NOW).ok).toBe(false);
    const r = finishEpisode(
      episode(),
      undefined,
      as(YOUTH),
      { closureChoice: 'back-to-referrer', reason: 'Terug naar de jeugdarts' },
      NOW,
    );
    expect(r.ok && r.audit.handover).toBe('none');
  });

  it.each([
    [{ closureChoice: 'back-to-gp' as const }, 'reason'],
    [{ closureChoice: 'back-to-gp' as const, reason: '  ' }, 'reason'],
    [{ closureChoice: 'elsewhere' as 'back-to-gp', reason: 'x' }, 'closureChoice'],
  ])('when the choice is %j, then it is invalid at %s', (request, path) => {
    const r = finishEpisode(episode(), handoverTask('requested'), as(YOUTH), request, NOW);
    expect(r.ok ? 0 : httpStatus(r.outcome)).toBe(422);
    expect(r.ok ? [] : r.outcome.issue?.[0]?.expression).toEqual([path]);
  });

  it('when another organisation finishes the episode, then it is refused', () => {
    const r = finishEpisode(episode(), handoverTask('accepted', 'intake-planned'), as(GGZ), {}, NOW);
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe(
      'only the managing organisation (AGB 22014567) may finish this episode',
    );
  });

  it('when the episode is already finished, then it is refused', () => {
    const r = finishEpisode(
      { ...episode(), status: 'finished' },
      undefined,
      as(YOUTH),
      { closureChoice: 'back-to-gp', reason: 'x' },
      NOW,
    );
    expect(r.ok ? 0 : httpStatus(r.outcome)).toBe(409);
  });

  it('when the Task given is not the handover of this episode, then it is invalid', () => {
    const r = finishEpisode(
      episode(),
      { ...handoverTask('accepted', 'intake-planned'), input: [] },
      as(YOUTH),
      {},
      NOW,
    );
    expect(r.ok ? [] : r.outcome.issue?.[0]?.expression).toEqual(['Task.input']);
  });

  it('when the closure is audited, then the AuditEvent names the episode, the Task, the client, the choice and the reason', () => {
    const r = finishEpisode(
      episode(),
      handoverTask('accepted'),
      as(YOUTH),
      { closureChoice: 'back-to-gp', reason: 'Verhuisd' },
      NOW,
    );
    if (!r.ok) throw new Error('setup');
    const principal: Principal = {
      clientId: 'kompas-epd',
      organisation: {
        id: 'kompas',
        name: YOUTH.display ?? '',
        identifier: YOUTH.identifier,
        type: 'youth-ggz-institution',
        delivery: { mode: 'none' },
      },
      roles: ['sender'],
      scopes: [],
    };
    const event = closureAuditEvent(r.audit, {
      principal,
      sourceSystem: 'https://gateway.example',
      recorded: NOW,
    });
    expect(event.action).toBe('U');
    expect(event.recorded).toBe(NOW.toISOString());
    const episodeEntity = event.entity?.find((e) => e.what?.reference === 'EpisodeOfCare/eoc-1');
    expect(episodeEntity?.detail).toEqual([
      { type: 'handover', valueString: 'open' },
      { type: 'closure-choice', valueString: 'back-to-gp' },
      { type: 'closure-reason', valueString: 'Verhuisd' },
    ]);
    expect(event.entity?.map((e) => e.what?.reference)).toEqual([
      'Patient/p-1',
      'EpisodeOfCare/eoc-1',
      'Task/ho-task',
    ]);
  });
});
