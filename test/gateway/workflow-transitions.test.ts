/**
 * The Task state machine over HTTP, row by row: every allowed transition of the table in
 * src/workflow/README.md by the organisation it belongs to, and from each status every other
 * action by the organisation that would take it (409 with the reason, the Task unchanged). The
 * pure table test (test/workflow/transitions.test.ts) covers every combination; this one shows
 * the gateway keeps to it, stores the Provenance, the grants, the outbox rows and the audit.
 */
import type { Composition, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_ACTIONS } from '../../src/gateway/task-actions.js';
import type { TaskEventPayload } from '../../src/workflow/events.js';
import { ruleFor } from '../../src/workflow/transitions.js';
import { openTestGateway, type TestGateway } from './support.js';
import { ORG, reason, receiver, workflowClient, type Who, type WorkflowClient } from './workflow-support.js';

let t: TestGateway;
let c: WorkflowClient;
let n = 0;
const nextId = (): string => `wf-${++n}`;

beforeAll(async () => {
  t = await openTestGateway();
  c = workflowClient(t);
});
afterAll(async () => t.close());

type Params = Parameters<WorkflowClient['act']>[3];

/** One allowed row: from a status, an action by an organisation, to a status (and owner). */
interface Row {
  from: Task['status'];
  action: string;
  by: Who;
  params?: Params;
  to: Task['status'];
  owner?: keyof typeof ORG;
}

const ROWS: Row[] = [
  { from: 'requested', action: 'receive', by: 'ggz', to: 'received' },
  { from: 'requested', action: 'accept', by: 'ggz', to: 'accepted' },
  { from: 'received', action: 'accept', by: 'ggz', to: 'accepted' },
  { from: 'requested', action: 'reject', by: 'ggz', params: [reason('Wachtlijst te lang')], to: 'rejected' },
  { from: 'received', action: 'reject', by: 'ggz', params: [reason('Geen passend aanbod')], to: 'rejected' },
  { from: 'requested', action: 'to-regional-table', by: 'ggz', to: 'on-hold', owner: 'table' },
  {
    from: 'received',
    action: 'to-regional-table',
    by: 'ggz',
    params: [receiver(ORG.table)],
    to: 'on-hold',
    owner: 'table',
  },
  {
    from: 'on-hold',
    action: 'assign',
    by: 'table',
    params: [receiver(ORG.youth)],
    to: 'requested',
    owner: 'youth',
  },
  {
    from: 'requested',
    action: 'forward',
    by: 'ggz',
    params: [receiver(ORG.youth)],
    to: 'requested',
    owner: 'youth',
  },
  {
    from: 'received',
    action: 'forward',
    by: 'ggz',
    params: [receiver(ORG.social)],
    to: 'requested',
    owner: 'social',
  },
  {
    from: 'accepted',
    action: 'forward',
    by: 'ggz',
    params: [receiver(ORG.youth)],
    to: 'requested',
    owner: 'youth',
  },
  { from: 'requested', action: 'cancel', by: 'gp', params: [reason('Cliënt verhuisd')], to: 'cancelled' },
  { from: 'received', action: 'cancel', by: 'gp', params: [reason('Cliënt verhuisd')], to: 'cancelled' },
  { from: 'accepted', action: 'cancel', by: 'gp', params: [reason('Cliënt verhuisd')], to: 'cancelled' },
  { from: 'on-hold', action: 'cancel', by: 'gp', params: [reason('Cliënt verhuisd')], to: 'cancelled' },
  { from: 'accepted', action: 'start', by: 'ggz', to: 'in-progress' },
  { from: 'in-progress', action: 'complete', by: 'ggz', to: 'completed' },
];

const business = (task: Task): string | undefined => task.businessStatus?.coding?.[0]?.code;

describe('the allowed transitions, row by row', () => {
  it('when the rows are listed, then every action an organisation takes has at least one', () => {
    const covered = new Set(ROWS.map((r) => r.action));
    expect(TASK_ACTIONS.filter((a) => a !== 'record-step' && !covered.has(a))).toEqual([]);
  });

  it.each(ROWS)('$action from $from by $by: $to', async (row) => {
    const id = await c.taskIn(row.from, nextId());
    const before = (await c.read<Task>(row.by, `/fhir/Task/${id}`)).body;
    const res = await c.act(row.by, id, row.action, row.params);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const task = res.body as Task;
    expect(task.status).toBe(row.to);
    expect(Number(task.meta?.versionId)).toBe(Number(before.meta?.versionId) + 1);
    const rule = ruleFor(row.action as never);
    if (typeof rule?.businessStatus === 'string' && rule.businessStatus !== 'input')
      expect(business(task)).toBe(rule.businessStatus);
    if (row.owner) {
      expect(task.owner?.identifier).toEqual(ORG[row.owner]);
      // The new owner reads the Task; a receiver (not the table) also the referral's client.
      expect((await c.read(row.owner as Who, `/fhir/Task/${id}`)).status).toBe(200);
      const patient = await c.read(row.owner as Who, `/fhir/${task.for?.reference ?? ''}`);
      expect(patient.status).toBe(row.owner === 'table' ? 404 : 200);
    }
    const { rows } = await t.db.query<{ n: number }>(
      "SELECT count(*)::integer AS n FROM resource WHERE resource_type = 'Provenance' AND content->'target'->0->>'reference' = $1",
      [`Task/${id}`],
    );
    expect(rows[0]?.n).toBe(Number(task.meta?.versionId) - 1);
  });
});

describe('what a change emits', () => {
  const payloads = async (receiverId: string, task: string): Promise<TaskEventPayload[]> =>
    (await c.outbox(receiverId))
      .map((m) => m.payload as TaskEventPayload)
      // Intake announces each new referral itself (referral-received).
      .filter((p) => p.task === task && (p.event as string) !== 'referral-received');

  it('when the owner rejects, then a feedback report goes to the GP practice through the outbox', async () => {
    const id = await c.referral(nextId());
    const res = await c.act('ggz', id, 'reject', [reason('Beter passend in de basis-GGZ')]);
    expect(res.status).toBe(200);
    const [payload] = await payloads('gp-de-linde', `Task/${id}`);
    expect(payload).toMatchObject({
      type: 'task-event',
      event: 'feedback-due',
      task: `Task/${id}`,
      taskVersion: '2',
      focus: (res.body as Task).focus?.reference,
    });
    const feedback = await c.read<Composition>('gp', `/fhir/${payload?.feedback ?? ''}`);
    expect(feedback.status).toBe(200);
    expect(feedback.body.category?.[0]?.coding?.[0]?.code).toBe('referral-rejected');
    expect(feedback.body.section?.map((s) => s.code?.coding?.[0]?.code)).toEqual([
      'outcome',
      'advice-to-referrer',
    ]);
    const validated = await c.post('gp', '/fhir/Composition/$validate', feedback.body);
    expect(
      (validated.body as { issue: { severity: string }[] }).issue.filter((i) => i.severity === 'error'),
    ).toEqual([]);
  });

  it('when the owner completes, then the Task names the feedback report as output and the GP practice is told', async () => {
    const id = await c.taskIn('in-progress', nextId());
    const res = await c.act('ggz', id, 'complete', [
      { name: 'outcome', valueString: 'Behandeling afgerond, klachten verminderd.' },
    ]);
    expect(res.status).toBe(200);
    const output = (res.body as Task).output?.[0]?.valueReference?.reference;
    expect(output).toMatch(/^Composition\//);
    const events = await payloads('gp-de-linde', `Task/${id}`);
    expect(events.map((e) => [e.event, e.feedback])).toContainEqual(['feedback-due', output]);
  });

  it('when the owner forwards, then the new receiver gets delivery-needed and the GP practice feedback-due', async () => {
    const id = await c.referral(nextId());
    expect((await c.act('ggz', id, 'forward', [receiver(ORG.youth)])).status).toBe(200);
    expect((await payloads('jeugd-ggz-de-brug', `Task/${id}`)).map((p) => p.event)).toEqual([
      'delivery-needed',
    ]);
    expect((await payloads('gp-de-linde', `Task/${id}`)).map((p) => p.event)).toEqual(['feedback-due']);
  });

  it('when the requester cancels, then the owner is told', async () => {
    const id = await c.taskIn('accepted', nextId());
    expect((await c.act('gp', id, 'cancel', [reason('Cliënt wil niet meer')])).status).toBe(200);
    expect((await payloads('ggz-noord', `Task/${id}`)).map((p) => p.event)).toEqual(['cancellation']);
  });

  it('when a change is made, then it is audited with the operation', async () => {
    const id = await c.referral(nextId());
    await c.act('ggz', id, 'receive');
    const { rows } = await t.db.query<{ n: number }>(
      "SELECT count(*)::integer AS n FROM audit_event WHERE content::text LIKE '%$receive%' AND content::text LIKE $1",
      [`%Task/${id}%`],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('when a change is refused, then the attempt is audited as a failure; an organisation without a part is not', async () => {
    const id = await c.referral(nextId());
    expect((await c.act('gp', id, 'accept')).status).toBe(409);
    expect((await c.act('youth', id, 'accept')).status).toBe(404);
    const { rows } = await t.db.query<{ outcome: string; org: string }>(
      `SELECT content->>'outcome' AS outcome, content->'agent'->1->'who'->'identifier'->>'value' AS org
       FROM audit_event WHERE content::text LIKE '%$accept%' AND content::text LIKE $1`,
      [`%Task/${id}%`],
    );
    expect(rows).toEqual([{ outcome: '4', org: '01004567' }]);
  });
});

describe('business-status steps', () => {
  it('when the owner records the steps in order, then each is the business status; a step out of order is 409', async () => {
    const id = await c.taskIn('accepted', nextId());
    for (const step of [
      'exploratory-conversation-planned',
      'joint-conversation-planned',
      'bridging-care-started',
      'intake-planned',
    ]) {
      const res = await c.act('ggz', id, 'record-step', [{ name: 'step', valueCode: step }]);
      expect(res.status, step).toBe(200);
      expect(business(res.body as Task)).toBe(step);
    }
    const back = await c.act('ggz', id, 'record-step', [
      { name: 'step', valueCode: 'exploratory-conversation-planned' },
    ]);
    expect(back.status).toBe(409);
    expect((await c.act('ggz', id, 'start')).status).toBe(200);
    const started = await c.act('ggz', id, 'record-step', [{ name: 'step', valueCode: 'treatment-started' }]);
    expect(started.status).toBe(200);
    const events = (await c.outbox('gp-de-linde'))
      .map((m) => m.payload as TaskEventPayload)
      .filter((p) => p.task === `Task/${id}`);
    expect(events.filter((e) => e.event === 'feedback-due')).toHaveLength(2); // intake held, treatment started
  });

  it('when the step is not a step code, then it is 422 naming Task.businessStatus', async () => {
    const id = await c.referral(nextId());
    const res = await c.act('ggz', id, 'record-step', [{ name: 'step', valueCode: 'completed' }]);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual(['Task.businessStatus']);
  });
});

/** Who would take each action (the regional table's assign is tried by the owner: the table cannot see other Tasks). */
const ACTOR: Record<string, Who> = { cancel: 'gp' };
const PARAMS: Record<string, Params> = {
  reject: [reason('r')],
  cancel: [reason('r')],
  forward: [receiver(ORG.youth)],
  assign: [receiver(ORG.youth)],
  'record-step': [{ name: 'step', valueCode: 'intake-planned' }],
};

describe('the forbidden transitions, per status', () => {
  const STATUSES: Task['status'][] = [
    'requested',
    'received',
    'accepted',
    'in-progress',
    'on-hold',
    'completed',
    'rejected',
    'cancelled',
  ];
  it.each(STATUSES)(
    'from %s, every action the table does not allow is 409 with the reason and changes nothing',
    async (status) => {
      const id = await c.taskIn(status, nextId());
      const owner: Who = status === 'on-hold' ? 'table' : 'ggz';
      const forbidden = TASK_ACTIONS.filter((a) => {
        const rule = ruleFor(a);
        if (a === 'record-step') return status !== 'accepted'; // the step sent is intake-planned
        return !rule?.from.includes(status) || (a === 'assign' && status !== 'on-hold');
      });
      const version = (await c.read<Task>('gp', `/fhir/Task/${id}`)).body.meta?.versionId;
      for (const action of forbidden) {
        const who = ACTOR[action] ?? (action === 'assign' && status !== 'on-hold' ? 'ggz' : owner);
        const res = await c.act(who, id, action, PARAMS[action]);
        expect(res.status, `${action} from ${status}: ${JSON.stringify(res.body)}`).toBe(409);
        expect(res.body.issue[0].diagnostics).toMatch(/allowed|only the|cannot|already/);
      }
      expect((await c.read<Task>('gp', `/fhir/Task/${id}`)).body.meta?.versionId).toBe(version);
    },
  );

  it('when the requester accepts, then it is 409 naming the owner; the owner cancelling is 409 naming the requester', async () => {
    const id = await c.referral(nextId());
    const accept = await c.act('gp', id, 'accept');
    expect(accept.status).toBe(409);
    expect(accept.body.issue[0].diagnostics).toBe('only the owner (AGB 06001234) may accept');
    const cancel = await c.act('ggz', id, 'cancel', [reason('r')]);
    expect(cancel.status).toBe(409);
    expect(cancel.body.issue[0].diagnostics).toBe('only the requester (AGB 01004567) may cancel');
  });

  it('when an organisation without a part in the Task acts, then it is 404 as if the Task did not exist', async () => {
    const id = await c.referral(nextId());
    expect((await c.act('youth', id, 'accept')).status).toBe(404);
    expect((await c.act('table', id, 'assign', [receiver(ORG.youth)])).status).toBe(404);
  });

  it('when the owner forwards to an organisation not connected, then it is 422 naming the parameter', async () => {
    const id = await c.referral(nextId());
    const res = await c.act('ggz', id, 'forward', [receiver({ system: ORG.gp.system, value: '99999999' })]);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual(['Parameters.parameter[0]']);
  });

  it('when a parameter is unknown, then it is 422 naming it', async () => {
    const id = await c.referral(nextId());
    const res = await c.act('ggz', id, 'accept', [{ name: 'comment', valueString: 'x' }]);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual(['Parameters.parameter[0].name']);
  });
});
