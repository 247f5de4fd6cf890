/**
 * The Task operations as a whole: what the CapabilityStatement declares, two changes at once,
 * a feedback report the owner wrote itself, and what the regional table may see.
 */
import type { CapabilityStatementRestResource, Composition, Task } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sd } from '../../src/fhir/codes.js';
import { allOk } from '../../src/fhir/outcomes.js';
import { GATEWAY_TYPES } from '../../src/gateway/index.js';
import { TASK_ACTIONS } from '../../src/gateway/task-actions.js';
import type { WorkflowDeps } from '../../src/gateway/workflow-changes.js';
import { failTask } from '../../src/gateway/workflow-internal.js';
import { TASK_OPERATION_BASE } from '../../src/http/fhir/tasks.js';
import { AuditLog } from '../../src/store/audit-log.js';
import { Outbox } from '../../src/store/outbox.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import type { TaskEventPayload } from '../../src/workflow/events.js';
import { demoConfig } from '../support/tokens.js';
import { openTestGateway, type TestGateway } from './support.js';
import { ORG, receiver, workflowClient, type WorkflowClient } from './workflow-support.js';

let t: TestGateway;
let c: WorkflowClient;

beforeAll(async () => {
  t = await openTestGateway();
  c = workflowClient(t);
});
afterAll(async () => t.close());

describe('the CapabilityStatement', () => {
  it('when it is read, then it lists every Task operation, fan-out, handover and finish with their definitions', async () => {
    const res = await request(t.app).get('/fhir/metadata');
    const resources = res.body.rest[0].resource as CapabilityStatementRestResource[];
    const ops = (type: string): [string, string][] =>
      (resources.find((r) => r.type === type)?.operation ?? []).map((o) => [o.name, o.definition]);
    expect(ops('Task')).toEqual(
      expect.arrayContaining(
        [...TASK_ACTIONS, 'fan-out', 'handover'].map((name) => [name, `${TASK_OPERATION_BASE}/Task-${name}`]),
      ),
    );
    expect(ops('EpisodeOfCare')).toContainEqual(['finish', `${TASK_OPERATION_BASE}/EpisodeOfCare-finish`]);
    for (const type of ['Appointment', 'CarePlan', 'EpisodeOfCare', 'Provenance'])
      expect(resources.find((r) => r.type === type)?.interaction).toEqual([{ code: 'read' }]);
  });
});

describe('two changes at once', () => {
  it('when the owner accepts and rejects at the same moment, then one wins and the other is 409', async () => {
    const id = await c.referral('op-1');
    const answers = await Promise.all([
      c.act('ggz', id, 'accept'),
      c.act('ggz', id, 'reject', [{ name: 'reason', valueString: 'vol' }]),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const task = (await c.read<Task>('ggz', `/fhir/Task/${id}`)).body;
    expect(task.meta?.versionId).toBe('2');
  });
});

describe('a feedback report the owner wrote', () => {
  const report = (task: Task, sections: Composition['section']): Composition => ({
    resourceType: 'Composition',
    meta: { profile: [sd('ov-feedback')] },
    extension: [{ url: sd('ov-based-on'), valueReference: { reference: task.focus?.reference ?? '' } }],
    status: 'final',
    type: {
      coding: [{ system: 'https://overdracht.dev/fhir/CodeSystem/document-type', code: 'feedback-report' }],
    },
    category: [
      {
        coding: [
          { system: 'https://overdracht.dev/fhir/CodeSystem/feedback-type', code: 'treatment-completed' },
        ],
      },
    ],
    subject: { reference: task.for?.reference ?? '' },
    date: '2026-09-01T12:00:00+02:00',
    author: [{ reference: task.owner?.reference ?? '' }],
    title: 'Eindrapportage',
    custodian: { reference: task.owner?.reference ?? '' },
    ...(sections ? { section: sections } : {}),
  });
  const outcome = {
    title: 'Uitkomst',
    code: {
      coding: [{ system: 'https://overdracht.dev/fhir/CodeSystem/feedback-section', code: 'outcome' }],
    },
    text: {
      status: 'generated' as const,
      div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Afgerond.</p></div>',
    },
  };

  it('when it breaks the profile, then it is 422 with the path and the Task stays in progress', async () => {
    const id = await c.taskIn('in-progress', 'op-2');
    const task = (await c.read<Task>('ggz', `/fhir/Task/${id}`)).body;
    const res = await c.act('ggz', id, 'complete', [{ name: 'feedback', resource: report(task, undefined) }]);
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body.issue)).toMatch(/Composition\.section/);
    expect((await c.read<Task>('ggz', `/fhir/Task/${id}`)).body.status).toBe('in-progress');
  });

  it('when it is valid, then it is stored, linked to the Task and named in Task.output', async () => {
    const id = await c.taskIn('in-progress', 'op-3');
    const task = (await c.read<Task>('ggz', `/fhir/Task/${id}`)).body;
    const res = await c.act('ggz', id, 'complete', [{ name: 'feedback', resource: report(task, [outcome]) }]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const ref = (res.body as Task).output?.[0]?.valueReference?.reference ?? '';
    const stored = (await c.read<Composition>('gp', `/fhir/${ref}`)).body;
    expect(stored.title).toBe('Eindrapportage');
    expect(stored.extension?.map((e) => e.valueReference?.reference)).toEqual([
      task.focus?.reference,
      `Task/${id}`,
    ]);
  });

  it('when it is about another kind of feedback, then it is 422 naming its category', async () => {
    const id = await c.taskIn('in-progress', 'op-4');
    const task = (await c.read<Task>('ggz', `/fhir/Task/${id}`)).body;
    const wrong = report(task, [outcome]);
    wrong.category = [
      { coding: [{ system: 'https://overdracht.dev/fhir/CodeSystem/feedback-type', code: 'intake-held' }] },
    ];
    const res = await c.act('ggz', id, 'complete', [{ name: 'feedback', resource: wrong }]);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual([
      "Parameters.parameter.where(name = 'feedback').resource.category",
    ]);
  });
});

describe('the regional table', () => {
  it('when it holds a request, then it reads the Task and the request but not the client; it assigns a receiver who reads everything', async () => {
    const id = await c.taskIn('on-hold', 'op-5');
    const task = (await c.read<Task>('table', `/fhir/Task/${id}`)).body;
    expect((await c.read('table', `/fhir/${task.focus?.reference ?? ''}`)).status).toBe(200);
    expect((await c.read('table', `/fhir/${task.for?.reference ?? ''}`)).status).toBe(404);
    const summary = task.input?.[0]?.valueReference?.reference ?? '';
    expect((await c.read('table', `/fhir/${summary}`)).status).toBe(404);
    expect((await c.act('table', id, 'assign', [receiver(ORG.social)])).status).toBe(200);
    expect((await c.read('social', `/fhir/${summary}`)).status).toBe(200);
    expect((await c.read('social', `/fhir/${task.for?.reference ?? ''}`)).status).toBe(200);
  });
});

describe('what the gateway does itself', () => {
  const deps = (): WorkflowDeps => {
    const registry = new SearchParamRegistry(GATEWAY_TYPES);
    return {
      db: t.db,
      store: new ResourceStore(t.db, { registry }),
      auditLog: new AuditLog(t.db, randomUUID),
      outbox: new Outbox(t.db),
      organisations: demoConfig.organisations,
      validate: () => allOk,
      now: () => new Date(),
      newId: randomUUID,
      endpoint: 'http://localhost:8080/fhir',
    };
  };
  const ggz = demoConfig.organisations.find((o) => o.id === 'ggz-noord');

  it('when delivery to the owner is impossible, then the Task fails and the requester is told; a closed Task stays as it is', async () => {
    if (!ggz) throw new Error('no ggz-noord in the demo configuration');
    const id = await c.taskIn('accepted', 'op-6');
    const failed = await failTask(deps(), id, { on: ggz, reason: 'Geen ontvangstpunt bereikbaar' });
    expect(failed).toMatchObject({
      status: 'failed',
      statusReason: { text: 'Geen ontvangstpunt bereikbaar' },
    });
    const told = (await c.outbox('gp-de-linde'))
      .map((m) => m.payload as TaskEventPayload)
      .filter((p) => p.task === `Task/${id}`);
    expect(told.map((p) => [p.event, p.taskVersion])).toEqual([['delivery-failed', '3']]);
    expect(await failTask(deps(), id, { on: ggz })).toBeUndefined();
  });

  it('when the delivery that failed was for an organisation that no longer owns the Task, then the Task stays as it is', async () => {
    const youth = demoConfig.organisations.find((o) => o.id === 'jeugd-ggz-de-brug');
    if (!youth) throw new Error('no jeugd-ggz-de-brug in the demo configuration');
    const id = await c.taskIn('accepted', 'op-7');
    expect(await failTask(deps(), id, { on: youth, ownerOnly: true })).toBeUndefined();
    expect(
      (
        await t.db.query<{ status: string }>(
          "SELECT content->>'status' AS status FROM resource WHERE resource_type = 'Task' AND id = $1",
          [id],
        )
      ).rows[0]?.status,
    ).toBe('accepted');
  });
});
