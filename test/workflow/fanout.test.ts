import { describe, expect, it } from 'vitest';
import type { Task } from '@medplum/fhirtypes';
import { httpStatus } from '../../src/fhir/outcomes.js';
import { businessStatusOf } from '../../src/workflow/codes.js';
import { completeParentIfDone, fanOut } from '../../src/workflow/fanout.js';
import { partyReference } from '../../src/workflow/party.js';
import { applyTransition } from '../../src/workflow/transitions.js';
import { GGZ, GGZ2, GP, SOCIAL, TABLE, as, days, referralTask } from './support.js';

const NOW = days(7);

function ids(): () => string {
  let n = 0;
  return () => `id-${++n}`;
}

function fanOutOk(parent: Task, receivers = [GGZ2, SOCIAL]) {
  const r = fanOut(parent, receivers, { actor: as(GGZ), now: NOW, newId: ids() });
  if (!r.ok) throw new Error(r.outcome.issue?.[0]?.diagnostics);
  return r;
}

describe('fan-out (R7)', () => {
  it('when the owner fans out to GGZ and the social domain, then each gets a requested child Task of the same group', () => {
    const parent = referralTask('in-progress', { businessStatus: 'exploratory-conversation-planned' });
    const r = fanOutOk(parent);
    expect(r.children).toHaveLength(2);
    expect(r.parent.groupIdentifier).toEqual({ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:id-1' });
    for (const [i, child] of r.children.entries()) {
      expect(child.status).toBe('requested');
      expect(child.partOf).toEqual([{ reference: 'Task/task-1' }]);
      expect(child.groupIdentifier).toEqual(r.parent.groupIdentifier);
      expect(child.requester).toEqual(partyReference(GP));
      expect(child.owner).toEqual(partyReference([GGZ2, SOCIAL][i]!));
      expect(child.focus).toEqual(parent.focus);
      expect(child.for).toEqual(parent.for);
      expect(child.input).toEqual(parent.input);
      expect(child.authoredOn).toBe(NOW.toISOString());
    }
    expect(r.children.map((c) => c.id)).toEqual(['id-2', 'id-3']);
  });

  it('when it fans out, then each child is delivered, the GP hears it was referred on, and history is written', () => {
    const r = fanOutOk(referralTask('accepted'));
    expect(r.events).toEqual([
      {
        kind: 'delivery-needed',
        task: { reference: 'Task/id-2' },
        to: partyReference(GGZ2),
        cause: 'created',
      },
      {
        kind: 'delivery-needed',
        task: { reference: 'Task/id-3' },
        to: partyReference(SOCIAL),
        cause: 'created',
      },
      {
        kind: 'feedback-due',
        task: { reference: 'Task/task-1' },
        to: partyReference(GP),
        feedbackType: 'referred-on',
      },
    ]);
    expect(r.provenance.map((p) => [p.target[0]?.reference, p.activity?.text])).toEqual([
      ['Task/task-1', 'fan-out'],
      ['Task/id-2', 'create'],
      ['Task/id-3', 'create'],
    ]);
  });

  it('when the parent already has a group, then the children join it', () => {
    const parent = { ...referralTask('accepted'), groupIdentifier: { system: 'urn:x', value: 'g1' } };
    expect(fanOutOk(parent, [GGZ2]).children[0]?.groupIdentifier).toEqual({ system: 'urn:x', value: 'g1' });
  });

  it('when someone else than the owner fans out, then it is a conflict', () => {
    const r = fanOut(referralTask('accepted'), [GGZ2], { actor: as(GP), now: NOW, newId: ids() });
    expect(r.ok ? 0 : httpStatus(r.outcome)).toBe(409);
  });

  it('when the parent is not yet accepted, then it is a conflict', () => {
    const r = fanOut(referralTask('requested'), [GGZ2], { actor: as(GGZ), now: NOW, newId: ids() });
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe(
      'fan-out is allowed from accepted or in-progress; this Task is requested',
    );
  });

  it.each([
    ['no receivers', []],
    ['a receiver twice', [GGZ2, GGZ2]],
    ['a regional table', [TABLE]],
  ])('when the receivers are %s, then it is invalid', (_, receivers) => {
    const r = fanOut(referralTask('accepted'), receivers, { actor: as(GGZ), now: NOW, newId: ids() });
    expect(r.ok ? 0 : httpStatus(r.outcome)).toBe(422);
  });

  it('when the parent has no id, then it is invalid', () => {
    const { id: _id, ...parent } = referralTask('accepted');
    const r = fanOut(parent, [GGZ2], { actor: as(GGZ), now: NOW, newId: ids() });
    expect(r.ok ? [] : r.outcome.issue?.[0]?.expression).toEqual(['Task.id']);
  });
});

describe('the parent completes when all children are closed', () => {
  it('when one child is closed and one open, then the parent stays open; when both are closed, then it completes', () => {
    const r = fanOutOk(referralTask('in-progress'));
    const [ggz, social] = r.children as [Task, Task];
    const ggzAccepted = applyTransition(ggz, 'accept', as(GGZ2), {}, days(8));
    expect(ggzAccepted.ok).toBe(true);
    const socialRejected = applyTransition(
      social,
      'reject',
      as(SOCIAL),
      { reason: 'Geen indicatie' },
      days(9),
    );
    if (!ggzAccepted.ok || !socialRejected.ok) throw new Error('setup');
    expect(socialRejected.events.at(-1)).toEqual({
      kind: 'child-closed',
      task: { reference: 'Task/id-3' },
      parent: { reference: 'Task/task-1' },
    });
    expect(completeParentIfDone(r.parent, [ggzAccepted.task, socialRejected.task], days(9))).toBeUndefined();

    const started = applyTransition(ggzAccepted.task, 'start', as(GGZ2), {}, days(10));
    if (!started.ok) throw new Error('setup');
    const done = applyTransition(started.task, 'complete', as(GGZ2), {}, days(40));
    if (!done.ok) throw new Error('setup');
    const parentDone = completeParentIfDone(r.parent, [done.task, socialRejected.task], days(40));
    expect(parentDone?.ok).toBe(true);
    if (!parentDone?.ok) return;
    expect(parentDone.task.status).toBe('completed');
    expect(businessStatusOf(parentDone.task)).toBe('completed');
    expect(parentDone.events).toEqual([
      {
        kind: 'feedback-due',
        task: { reference: 'Task/task-1' },
        to: partyReference(GP),
        feedbackType: 'treatment-completed',
      },
    ]);
  });

  it('when the parent is already closed, then nothing happens', () => {
    const r = fanOutOk(referralTask('in-progress'));
    const closed = r.children.map((c) => ({ ...c, status: 'cancelled' as const }));
    expect(completeParentIfDone({ ...r.parent, status: 'completed' }, closed, NOW)).toBeUndefined();
  });
});
