import { describe, expect, it } from 'vitest';
import type { Task } from '@medplum/fhirtypes';
import { httpStatus } from '../../src/fhir/outcomes.js';
import { TASK_STATUSES, businessStatusOf, type TaskStatus } from '../../src/workflow/codes.js';
import { historyOf } from '../../src/workflow/history.js';
import { partyReference, type Actor } from '../../src/workflow/party.js';
import {
  ACTIONS,
  applyTransition,
  type Action,
  type TransitionInputs,
} from '../../src/workflow/transitions.js';
import { GATEWAY, GGZ, GGZ2, GP, SOCIAL, TABLE, T0, as, days, referralTask } from './support.js';

type ActorRole = 'owner' | 'requester' | 'other' | 'gateway';
const ACTOR_ROLES: readonly ActorRole[] = ['owner', 'requester', 'other', 'gateway'];
const NOW = days(3);

/**
 * The table of the issue, written out independently of src/workflow/transitions.ts: every allowed
 * (status, action, actor) and the status it leads to. Everything else must be refused.
 * On-hold Tasks are held by the regional table, so there the owner is the table.
 */
const ALLOWED: Record<string, TaskStatus | 'unchanged'> = {
  'requested receive owner': 'received',
  'requested accept owner': 'accepted',
  'received accept owner': 'accepted',
  'requested reject owner': 'rejected',
  'received reject owner': 'rejected',
  'requested to-regional-table owner': 'on-hold',
  'received to-regional-table owner': 'on-hold',
  'on-hold assign owner': 'requested',
  'requested forward owner': 'requested',
  'received forward owner': 'requested',
  'accepted forward owner': 'requested',
  'requested cancel requester': 'cancelled',
  'received cancel requester': 'cancelled',
  'accepted cancel requester': 'cancelled',
  'on-hold cancel requester': 'cancelled',
  'accepted start owner': 'in-progress',
  'in-progress complete owner': 'completed',
  'requested fail gateway': 'failed',
  'received fail gateway': 'failed',
  'accepted fail gateway': 'failed',
  'on-hold fail gateway': 'failed',
  'in-progress fail gateway': 'failed',
  // business-status steps (here: bridging care started) by the owner while the Task is open
  'requested record-step owner': 'unchanged',
  'received record-step owner': 'unchanged',
  'accepted record-step owner': 'unchanged',
  'in-progress record-step owner': 'unchanged',
  // the watchdog
  'requested escalate gateway': 'unchanged',
  'received escalate gateway': 'unchanged',
  'accepted escalate gateway': 'unchanged',
  'on-hold escalate gateway': 'unchanged',
  // a fan-out parent whose children are all closed
  'requested complete-group gateway': 'completed',
  'received complete-group gateway': 'completed',
  'accepted complete-group gateway': 'completed',
  'on-hold complete-group gateway': 'completed',
  'in-progress complete-group gateway': 'completed',
};

function taskIn(status: TaskStatus): Task {
  return referralTask(
    status,
    status === 'on-hold' ? { owner: TABLE, businessStatus: 'to-regional-table' } : {},
  );
}

function actorFor(role: ActorRole, status: TaskStatus): Actor {
  switch (role) {
    case 'owner':
      return as(status === 'on-hold' ? TABLE : GGZ);
    case 'requester':
      return as(GP);
    case 'other':
      return as(GGZ2);
    case 'gateway':
      return GATEWAY;
    default:
      return role satisfies never;
  }
}

const closedChild: Task = {
  ...referralTask('completed', { id: 'child-1', owner: SOCIAL }),
  partOf: [{ reference: 'Task/task-1' }],
};

const INPUTS: { [A in Action]: TransitionInputs[A] } = {
  receive: {},
  accept: {},
  reject: { reason: 'Geen passend aanbod' },
  'to-regional-table': { table: TABLE },
  assign: { receiver: GGZ2 },
  forward: { receiver: GGZ2 },
  cancel: { reason: 'Cliënt is verhuisd' },
  start: {},
  complete: {},
  fail: { reason: 'Ontvanger onbereikbaar' },
  'record-step': { businessStatus: 'bridging-care-started' },
  escalate: {},
  'complete-group': { children: [closedChild] },
};

const ROWS = TASK_STATUSES.flatMap((status) =>
  ACTIONS.flatMap((action) => ACTOR_ROLES.map((role) => ({ status, action, role }))),
);

describe('the Task state machine, every (status, action, actor)', () => {
  it('when the table is read, then it covers every action of the issue', () => {
    expect([...ACTIONS].sort()).toEqual(Object.keys(INPUTS).sort());
  });

  it.each(ROWS)(
    'when $role does $action on a $status Task, then it is allowed only if the table says so',
    ({ status, action, role }) => {
      const task = taskIn(status);
      const result = applyTransition(task, action, actorFor(role, status), INPUTS[action], NOW);
      const expected = ALLOWED[`${status} ${action} ${role}`];
      if (expected === undefined) {
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.outcome.issue?.[0]?.code).toBe('conflict');
        expect(httpStatus(result.outcome)).toBe(409);
        expect(result.outcome.issue?.[0]?.details?.coding?.[0]?.code).toBe('status-transition-invalid');
      } else {
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.task.status).toBe(expected === 'unchanged' ? status : expected);
        expect(result.task.lastModified).toBe(NOW.toISOString());
        expect(task.lastModified).toBe(T0.toISOString());
      }
    },
  );
});

describe('refusals say why', () => {
  it('when the owner accepts a completed Task, then the conflict names the allowed states and the current one', () => {
    const r = applyTransition(referralTask('completed'), 'accept', as(GGZ), {}, NOW);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.outcome.issue?.[0]?.diagnostics).toBe(
      'accept is allowed from requested or received; this Task is completed',
    );
  });

  it('when another organisation accepts, then the conflict names the owner by AGB', () => {
    const r = applyTransition(referralTask('requested'), 'accept', as(GGZ2), {}, NOW);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.outcome.issue?.[0]?.diagnostics).toBe('only the owner (AGB 06001234) may accept');
  });

  it('when another organisation tries a transition on a Task in a wrong state, then it learns only that it is not the owner', () => {
    const r = applyTransition(referralTask('completed'), 'accept', as(GGZ2), {}, NOW);
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe('only the owner (AGB 06001234) may accept');
  });

  it('when the owner cancels, then only the requester may', () => {
    const r = applyTransition(referralTask('requested'), 'cancel', as(GGZ), { reason: 'x' }, NOW);
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe(
      'only the requester (AGB 01001234) may cancel',
    );
  });

  it('when an organisation tries to fail a Task, then only the gateway may', () => {
    const r = applyTransition(referralTask('requested'), 'fail', as(GGZ), {}, NOW);
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe('only the gateway may fail');
  });

  it('when a GGZ owner of an on-hold Task assigns, then only a regional table may', () => {
    const r = applyTransition(referralTask('on-hold'), 'assign', as(GGZ), { receiver: GGZ2 }, NOW);
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe(
      'only the regional table that holds this Task (AGB 06001234) may assign',
    );
  });

  it('when an actor is known only by its stored reference, then it matches a Task owner with that reference', () => {
    const task = { ...referralTask('requested'), owner: { reference: 'Organization/ggz' } };
    const actor: Actor = {
      kind: 'organisation',
      identifier: { system: 'urn:x', value: '1' },
      reference: 'Organization/ggz',
    };
    expect(applyTransition(task, 'receive', actor, {}, NOW).ok).toBe(true);
  });
});

describe('reasons', () => {
  it.each(['reject', 'cancel'] as const)(
    'when %s comes without a reason, then it is invalid (422) at Task.statusReason',
    (action) => {
      const actor = action === 'cancel' ? as(GP) : as(GGZ);
      for (const reason of ['', '   ', { text: '' }]) {
        const r = applyTransition(referralTask('received'), action, actor, { reason }, NOW);
        expect(r.ok).toBe(false);
        if (r.ok) continue;
        expect(httpStatus(r.outcome)).toBe(422);
        expect(r.outcome.issue?.[0]?.expression).toEqual(['Task.statusReason']);
        expect(r.outcome.issue?.[0]?.diagnostics).toBe(`a reason is required to ${action}`);
      }
    },
  );

  it('when the owner rejects with a reason, then the Task is rejected with it and the requester is owed feedback', () => {
    const r = applyTransition(
      referralTask('received'),
      'reject',
      as(GGZ),
      { reason: 'Valt buiten ons aanbod' },
      NOW,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.task.statusReason).toEqual({ text: 'Valt buiten ons aanbod' });
    expect(businessStatusOf(r.task)).toBe('rejected');
    expect(r.events).toEqual([
      {
        kind: 'feedback-due',
        task: { reference: 'Task/task-1' },
        to: partyReference(GP),
        feedbackType: 'referral-rejected',
      },
    ]);
  });

  it('when a coded reason is given, then it is kept as it is', () => {
    const reason = { coding: [{ system: 'urn:example:reasons', code: 'capacity' }] };
    const r = applyTransition(referralTask('requested'), 'reject', as(GGZ), { reason }, NOW);
    expect(r.ok && r.task.statusReason).toEqual(reason);
  });

  it('when a Task is forwarded after an earlier reason, then the stale reason is removed', () => {
    const task = { ...referralTask('accepted'), statusReason: { text: 'oud' } };
    const r = applyTransition(task, 'forward', as(GGZ), { receiver: GGZ2 }, NOW);
    expect(r.ok && r.task.statusReason).toBeUndefined();
  });
});

describe('owners and events', () => {
  it('when the owner hands the Task to the regional table, then the table owns it on hold and the table is told', () => {
    const r = applyTransition(
      referralTask('received'),
      'to-regional-table',
      as(GGZ),
      { table: TABLE, reason: 'Wachtlijst > 12 weken' },
      NOW,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.task.status).toBe('on-hold');
    expect(r.task.owner).toEqual(partyReference(TABLE));
    expect(businessStatusOf(r.task)).toBe('to-regional-table');
    expect(r.events).toEqual([
      {
        kind: 'regional-table',
        task: { reference: 'Task/task-1' },
        table: partyReference(TABLE),
        from: partyReference(GGZ),
      },
    ]);
  });

  it('when the regional table named is not a regional table, then it is invalid', () => {
    const r = applyTransition(referralTask('received'), 'to-regional-table', as(GGZ), { table: GGZ2 }, NOW);
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe('AGB 06005678 is not a regional table');
  });

  it('when the table assigns, then the receiver owns a requested Task and it is delivered to them', () => {
    const task = referralTask('on-hold', { owner: TABLE, businessStatus: 'to-regional-table' });
    const r = applyTransition(task, 'assign', as(TABLE), { receiver: GGZ2 }, NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.task.status).toBe('requested');
    expect(r.task.owner).toEqual(partyReference(GGZ2));
    expect(businessStatusOf(r.task)).toBe('assigned-by-regional-table');
    expect(r.events).toEqual([
      {
        kind: 'delivery-needed',
        task: { reference: 'Task/task-1' },
        to: partyReference(GGZ2),
        cause: 'assigned',
      },
    ]);
  });

  it('when the table assigns to another regional table, then it is invalid', () => {
    const task = referralTask('on-hold', { owner: TABLE });
    const other = { ...TABLE, identifier: { ...TABLE.identifier, value: '90000002' } };
    const r = applyTransition(task, 'assign', as(TABLE), { receiver: other }, NOW);
    expect(r.ok ? 0 : httpStatus(r.outcome)).toBe(422);
  });

  it('when the owner forwards, then the new owner gets it and the requester hears it was referred on', () => {
    const r = applyTransition(referralTask('accepted'), 'forward', as(GGZ), { receiver: GGZ2 }, NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.task.status).toBe('requested');
    expect(r.task.owner).toEqual(partyReference(GGZ2));
    expect(r.events.map((e) => e.kind)).toEqual(['delivery-needed', 'feedback-due']);
  });

  it('when the owner forwards to itself, then it is a conflict', () => {
    const r = applyTransition(referralTask('accepted'), 'forward', as(GGZ), { receiver: GGZ }, NOW);
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe('AGB 06001234 already owns this Task');
  });

  it('when the forward names no receiver, then it is invalid', () => {
    const r = applyTransition(
      referralTask('accepted'),
      'forward',
      as(GGZ),
      {} as TransitionInputs['forward'],
      NOW,
    );
    expect(r.ok ? 0 : httpStatus(r.outcome)).toBe(422);
  });

  it('when the requester cancels, then the owner is told', () => {
    const r = applyTransition(
      referralTask('accepted'),
      'cancel',
      as(GP),
      { reason: 'Cliënt wil niet meer' },
      NOW,
    );
    expect(r.ok && r.events).toEqual([
      { kind: 'cancellation', task: { reference: 'Task/task-1' }, to: partyReference(GGZ) },
    ]);
  });

  it('when the intake is held, then the Task is in progress with intake-held and the requester is owed feedback', () => {
    const r = applyTransition(
      referralTask('accepted', { businessStatus: 'intake-planned' }),
      'start',
      as(GGZ),
      {},
      NOW,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(businessStatusOf(r.task)).toBe('intake-held');
    expect(r.events).toEqual([
      {
        kind: 'feedback-due',
        task: { reference: 'Task/task-1' },
        to: partyReference(GP),
        feedbackType: 'intake-held',
      },
    ]);
  });

  it('when the owner completes with a feedback report, then it is an output and the requester is owed feedback', () => {
    const r = applyTransition(
      referralTask('in-progress'),
      'complete',
      as(GGZ),
      { feedback: { reference: 'Composition/fb-1' } },
      NOW,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.task.output).toEqual([
      {
        type: {
          coding: [
            { system: 'https://overdracht.dev/fhir/CodeSystem/document-type', code: 'feedback-report' },
          ],
        },
        valueReference: { reference: 'Composition/fb-1' },
      },
    ]);
    expect(r.events[0]).toMatchObject({ kind: 'feedback-due', feedbackType: 'treatment-completed' });
  });

  it('when delivery fails, then the requester is told', () => {
    const r = applyTransition(referralTask('requested'), 'fail', GATEWAY, {}, NOW);
    expect(r.ok && r.events).toEqual([
      { kind: 'delivery-failed', task: { reference: 'Task/task-1' }, to: partyReference(GP) },
    ]);
  });

  it('when a Task of a fan-out closes, then the gateway is told to look at the parent', () => {
    const task = { ...referralTask('in-progress'), partOf: [{ reference: 'Task/parent' }] };
    const r = applyTransition(task, 'complete', as(GGZ), {}, NOW);
    expect(r.ok && r.events.at(-1)).toEqual({
      kind: 'child-closed',
      task: { reference: 'Task/task-1' },
      parent: { reference: 'Task/parent' },
    });
  });

  it('when a Task is escalated twice, then the second is a conflict', () => {
    const r = applyTransition(
      referralTask('requested', { businessStatus: 'escalated' }),
      'escalate',
      GATEWAY,
      {},
      NOW,
    );
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe('this Task is already escalated');
  });
});

describe('history', () => {
  it('when a transition is applied, then its Provenance names the Task, the time, the action, the result and the actor', () => {
    const r = applyTransition(referralTask('requested'), 'accept', as(GGZ), {}, NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.provenance).toMatchObject({
      resourceType: 'Provenance',
      target: [{ reference: 'Task/task-1' }],
      recorded: NOW.toISOString(),
      activity: { text: 'accept', coding: [{ system: 'http://hl7.org/fhir/task-status', code: 'accepted' }] },
      agent: [{ who: partyReference(GGZ) }],
    });
    expect(historyOf([r.provenance])).toEqual([
      {
        at: NOW,
        action: 'accept',
        status: 'accepted',
        businessStatus: undefined,
        agent: partyReference(GGZ),
      },
    ]);
  });

  it('when the gateway acts, then the agent is the gateway', () => {
    const r = applyTransition(referralTask('requested'), 'fail', GATEWAY, {}, NOW);
    expect(r.ok && r.provenance.agent?.[0]?.who).toEqual({ display: 'overdracht gateway' });
  });
});

describe('business-status steps', () => {
  const step = (task: Task, businessStatus: TransitionInputs['record-step']['businessStatus']) =>
    applyTransition(task, 'record-step', as(GGZ), { businessStatus }, NOW);

  const CASES: [
    TaskStatus,
    string | undefined,
    TransitionInputs['record-step']['businessStatus'],
    boolean,
  ][] = [
    ['requested', undefined, 'exploratory-conversation-planned', true],
    ['received', 'received', 'exploratory-conversation-planned', true],
    ['accepted', 'intake-planned', 'exploratory-conversation-planned', false],
    ['in-progress', 'intake-held', 'exploratory-conversation-planned', false],
    ['received', 'received', 'joint-conversation-planned', true],
    ['in-progress', 'intake-held', 'joint-conversation-planned', true],
    ['in-progress', 'treatment-started', 'joint-conversation-planned', false],
    ['accepted', 'joint-conversation-planned', 'bridging-care-started', true],
    ['accepted', 'intake-planned', 'bridging-care-started', true],
    ['in-progress', 'treatment-started', 'bridging-care-started', false],
    ['received', 'received', 'intake-planned', false],
    ['accepted', 'bridging-care-started', 'intake-planned', true],
    ['accepted', 'intake-planned', 'intake-planned', true],
    ['accepted', 'intake-planned', 'treatment-started', false],
    ['in-progress', 'intake-held', 'treatment-started', true],
    ['in-progress', 'treatment-started', 'treatment-started', false],
  ];

  it.each(CASES)('when a %s Task at %s records %s, then allowed is %s', (status, current, next, allowed) => {
    const task = referralTask(status, current ? { businessStatus: current as 'received' } : {});
    const r = step(task, next);
    expect(r.ok).toBe(allowed);
    if (r.ok) {
      expect(businessStatusOf(r.task)).toBe(next);
      expect(r.task.status).toBe(status);
      expect(r.events).toEqual(
        next === 'treatment-started'
          ? [
              {
                kind: 'feedback-due',
                task: { reference: 'Task/task-1' },
                to: partyReference(GP),
                feedbackType: 'treatment-started',
              },
            ]
          : [],
      );
    } else {
      expect(httpStatus(r.outcome)).toBe(409);
    }
  });

  it('when treatment-started is recorded before the intake, then the conflict says where it belongs', () => {
    const r = step(referralTask('accepted'), 'treatment-started');
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe(
      'treatment-started is allowed while the Task is in-progress; this Task is accepted',
    );
  });

  it('when an untyped caller passes no input, then the step is refused as invalid', () => {
    const r = applyTransition(referralTask('accepted'), 'record-step', as(GGZ), undefined as never, NOW);
    expect(r.ok ? 0 : httpStatus(r.outcome)).toBe(422);
  });

  it('when a status that a transition sets is recorded as a step, then it is invalid', () => {
    const r = step(referralTask('accepted'), 'completed');
    expect(r.ok ? 0 : httpStatus(r.outcome)).toBe(422);
  });

  it('when a step is recorded, then the Task has no note and keeps its reason', () => {
    const task = { ...referralTask('accepted'), statusReason: { text: 'x' } };
    const r = step(task, 'intake-planned');
    expect(r.ok && r.task.note).toBeUndefined();
    expect(r.ok && r.task.statusReason).toEqual({ text: 'x' });
  });
});

describe('fan-out completion', () => {
  it('when a child is still open, then the parent cannot complete', () => {
    const open: Task = { ...referralTask('accepted', { id: 'c2' }), partOf: [{ reference: 'Task/task-1' }] };
    const r = applyTransition(
      referralTask('in-progress'),
      'complete-group',
      GATEWAY,
      { children: [closedChild, open] },
      NOW,
    );
    expect(r.ok ? '' : r.outcome.issue?.[0]?.diagnostics).toBe('1 of 2 Tasks of this fan-out are still open');
  });

  it('when a child belongs to another parent, then it is invalid', () => {
    const stranger: Task = { ...closedChild, partOf: [{ reference: 'Task/other' }] };
    const r = applyTransition(
      referralTask('in-progress'),
      'complete-group',
      GATEWAY,
      { children: [stranger] },
      NOW,
    );
    expect(r.ok ? 0 : httpStatus(r.outcome)).toBe(422);
  });
});
