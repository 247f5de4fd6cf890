/**
 * POST /fhir/$process-message and $validate against the real app: intake, idempotency, the gate,
 * every kind of bad input, and the system endpoints. One database for the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, MessageHeader, OperationOutcome, Task } from '@medplum/fhirtypes';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILES, SUMMARY_SECTIONS } from '../../src/fhir/codes.js';
import { seedDemoData } from '../../src/gateway/demo-data.js';
import { createValidator } from '../../src/validation/index.js';
import { referralMessage } from '../support/referral.js';
import { counts, FHIR_JSON, get, openTestGateway, postMessage, tokens, type TestGateway } from './support.js';

let t: TestGateway;
let token: (client: string, scope?: string) => Promise<string>;
const validator = createValidator({ includeProjectPackage: true });

beforeAll(async () => {
  // A limit above the largest array the JSON reader accepts, so that limit is tested too.
  t = await openTestGateway({ validator, config: { http: { bodyLimitBytes: 1_500_000 } } });
  token = tokens(t.app);
});
afterAll(async () => t.close());

const issues = (body: unknown): NonNullable<OperationOutcome['issue']> =>
  (body as OperationOutcome).issue ?? [];
const detailCodes = (body: unknown): string[] =>
  issues(body).flatMap((i) => i.details?.coding?.map((c) => c.code ?? '') ?? []);

describe('referral intake', () => {
  it('when a valid referral arrives, then it is stored with a requested Task and the answer is a response message naming the Task', async () => {
    const before = await counts(t.db);
    const res = await postMessage(t.app, await token('demo-gp'), referralMessage({ messageId: 'intake-1' }));
    expect(res.status).toBe(200);
    const answer = res.body as Bundle;
    expect(answer.type).toBe('message');
    const header = answer.entry?.[0]?.resource as MessageHeader;
    expect(header.response).toMatchObject({ identifier: 'intake-1', code: 'ok' });
    const task = answer.entry?.[1]?.resource as Task;
    expect(header.focus?.[0]?.reference).toBe(`${t.gateway.endpoint}/Task/${task.id}`);
    expect(task).toMatchObject({ status: 'requested', intent: 'order' });
    expect(task.requester?.identifier).toEqual({
      system: 'http://fhir.nl/fhir/NamingSystem/agb-z',
      value: '01004567',
    });
    expect(task.owner?.identifier).toEqual({
      system: 'http://fhir.nl/fhir/NamingSystem/agb-z',
      value: '06001234',
    });
    const after = await counts(t.db);
    for (const type of ['Task', 'ServiceRequest', 'Composition', 'Consent'])
      expect(after[type]).toBe((before[type] ?? 0) + 1);
    expect(after.MessageHeader).toBeUndefined();
  });

  it('when the gateway creates the Task, then the Task conforms to ov-referral-task', async () => {
    const res = await postMessage(
      t.app,
      await token('demo-gp'),
      referralMessage({ messageId: 'intake-task-profile', bsn: '999911156' }),
    );
    const task = (res.body as Bundle).entry?.[1]?.resource as Task;
    const outcome = validator.validate(task, { profiles: [PROFILES.referralTask] });
    expect(issues(outcome).filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('when a client is referred again with an unchanged record, then the new Task still names the client', async () => {
    const gp = await token('demo-gp');
    const tasks: Task[] = [];
    for (const messageId of ['intake-returning-1', 'intake-returning-2']) {
      const res = await postMessage(t.app, gp, referralMessage({ messageId, bsn: '999911211' }));
      expect(res.status).toBe(200);
      tasks.push((res.body as Bundle).entry?.[1]?.resource as Task);
    }
    expect(tasks[0]?.for?.reference).toMatch(/^Patient\//);
    expect(tasks[1]?.for?.reference).toBe(tasks[0]?.for?.reference);
  });

  it('when the same message comes again, then the stored answer comes back and nothing is stored', async () => {
    const gp = await token('demo-gp');
    const first = await postMessage(t.app, gp, referralMessage({ messageId: 'intake-replay' }));
    const before = await counts(t.db);
    const again = await postMessage(t.app, gp, referralMessage({ messageId: 'intake-replay' }));
    expect(again.status).toBe(200);
    expect(again.headers['x-idempotent-replay']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await counts(t.db)).toEqual(before);
  });

  it('when the same message comes again, then the replay is audited as a read of the stored Task', async () => {
    const gp = await token('demo-gp');
    const message = referralMessage({ messageId: 'intake-replay-audit', bsn: '999911181' });
    const task = ((await postMessage(t.app, gp, message)).body as Bundle).entry?.[1]?.resource as Task;
    const audited = async (): Promise<{ action: string; what: string[] }[]> =>
      (
        await t.db.query<{ content: { action: string; entity?: { what?: { reference?: string } }[] } }>(
          'SELECT content FROM audit_event WHERE patient = $1 ORDER BY recorded, id',
          [task.for?.reference ?? ''],
        )
      ).rows.map((r) => ({
        action: r.content.action,
        what: (r.content.entity ?? []).flatMap((e) => e.what?.reference ?? []),
      }));
    expect((await audited()).map((e) => e.action)).toEqual(['C']);
    await postMessage(t.app, gp, message);
    const events = await audited();
    expect(events.map((e) => e.action)).toEqual(['C', 'R']);
    expect(events[1]?.what).toContain(`Task/${task.id ?? ''}`);
  });

  it('when a referral is stored, then one outbox message tells the receiving organisation, with references only', async () => {
    const res = await postMessage(
      t.app,
      await token('demo-gp'),
      referralMessage({ messageId: 'intake-outbox', bsn: '999911193' }),
    );
    const task = (res.body as Bundle).entry?.[1]?.resource as Task;
    const { rows } = await t.db.query<{ receiver: string; payload: unknown }>(
      "SELECT receiver, payload FROM outbox WHERE payload->>'task' = $1",
      [`Task/${task.id ?? ''}`],
    );
    expect(rows).toEqual([
      {
        receiver: 'ggz-noord',
        payload: {
          type: 'task-event',
          event: 'referral-received',
          task: `Task/${task.id ?? ''}`,
          taskVersion: '1',
          focus: task.focus?.reference,
        },
      },
    ]);
  });

  it('when the same sender reuses a MessageHeader.id with other content, then it is 409 and nothing is stored', async () => {
    const gp = await token('demo-gp');
    await postMessage(t.app, gp, referralMessage({ messageId: 'intake-conflict' }));
    const before = await counts(t.db);
    const res = await postMessage(
      t.app,
      gp,
      referralMessage({ messageId: 'intake-conflict', clientRequest: 'Iets anders.' }),
    );
    expect(res.status).toBe(409);
    expect(issues(res.body)[0]?.code).toBe('conflict');
    expect(await counts(t.db)).toEqual(before);
  });

  it('when another sender uses the same MessageHeader.id, then it is a different message', async () => {
    const res = await postMessage(
      t.app,
      await token('demo-social-team'),
      referralMessage({
        messageId: 'intake-1',
        sender: {
          system: 'http://fhir.nl/fhir/NamingSystem/ura',
          value: '90001234',
          name: 'Sociaal Team Groningen-Oost',
        },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-idempotent-replay']).toBeUndefined();
  });

  it('when the message claims another sender than the caller, then it is 403 and nothing is stored', async () => {
    const before = await counts(t.db);
    const res = await postMessage(
      t.app,
      await token('demo-ggz'),
      referralMessage({ messageId: 'intake-foreign' }),
    );
    expect(res.status).toBe(403);
    expect(await counts(t.db)).toEqual(before);
  });

  it('when a client without the sender role posts a message, then it is 403', async () => {
    const res = await postMessage(
      t.app,
      await token('demo-platform', 'system/*.rs'),
      referralMessage({ messageId: 'intake-platform' }),
    );
    expect(res.status).toBe(403);
  });
});

describe('the R1 gate', () => {
  it.each(['nilknown', 'withheld', 'unavailable'])(
    'when a section is empty with reason %s, then the referral passes',
    async (reason) => {
      const res = await postMessage(
        t.app,
        await token('demo-gp'),
        referralMessage({ messageId: `gate-${reason}`, emptySections: { medication: reason } }),
      );
      expect(res.status).toBe(200);
    },
  );

  it('when a section is empty with reason notasked, then it is 422 gate-section-notasked at that section', async () => {
    const res = await postMessage(
      t.app,
      await token('demo-gp'),
      referralMessage({ messageId: 'gate-notasked', emptySections: { 'legal-status': 'notasked' } }),
    );
    expect(res.status).toBe(422);
    expect(detailCodes(res.body)).toEqual(['gate-section-notasked']);
    expect(issues(res.body)[0]?.expression).toEqual(['Bundle.entry[7].resource.section[5].emptyReason']);
  });

  it('when a section is empty without a reason, then it is 422 gate-section-no-reason', async () => {
    const message = referralMessage({ messageId: 'gate-no-reason' });
    const summary = message.entry?.[7]?.resource;
    if (summary?.resourceType !== 'Composition') throw new Error('fixture changed');
    delete summary.section?.[5]?.emptyReason;
    const res = await postMessage(t.app, await token('demo-gp'), message);
    expect(res.status).toBe(422);
    expect(detailCodes(res.body)).toEqual(['gate-section-no-reason']);
  });

  it('when a section is missing, then it is 422 gate-section-missing naming the section', async () => {
    const message = referralMessage({ messageId: 'gate-missing' });
    const summary = message.entry?.[7]?.resource;
    if (summary?.resourceType !== 'Composition') throw new Error('fixture changed');
    summary.section = summary.section?.filter((s) => s.code?.coding?.[0]?.code !== 'care-team');
    const res = await postMessage(t.app, await token('demo-gp'), message);
    expect(res.status).toBe(422);
    expect(detailCodes(res.body)).toEqual(['gate-section-missing']);
    expect(issues(res.body)[0]?.diagnostics).toContain('care-team');
  });

  it('when the summary is missing, then it is 422 gate-summary-missing', async () => {
    const message = referralMessage({
      messageId: 'gate-no-summary',
      emptySections: Object.fromEntries(SUMMARY_SECTIONS.map((s) => [s, 'nilknown'])),
    });
    message.entry = message.entry?.filter((e) => e.resource?.resourceType !== 'Composition');
    const sr = message.entry?.[1]?.resource;
    if (sr?.resourceType !== 'ServiceRequest') throw new Error('fixture changed');
    sr.supportingInfo = sr.supportingInfo?.filter((s) => s.type !== 'Composition');
    const res = await postMessage(t.app, await token('demo-gp'), message);
    expect(res.status).toBe(422);
    expect(detailCodes(res.body)).toContain('gate-summary-missing');
  });
});

describe('bad input', () => {
  /** Every bad request leaves the store as it was and the process answering. */
  async function refused(
    send: (gp: string) => Promise<request.Response>,
    status: number,
  ): Promise<OperationOutcome> {
    const gp = await token('demo-gp');
    const before = await counts(t.db);
    const res = await send(gp);
    expect(res.status).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await counts(t.db)).toEqual(before);
    expect((await request(t.app).get('/healthz')).status).toBe(200);
    return res.body as OperationOutcome;
  }

  it('when the JSON is malformed, then it is 400 with the position', async () => {
    const o = await refused((gp) => postMessage(t.app, gp, '{"resourceType": "Bundle",'), 400);
    expect(o.issue?.[0]?.diagnostics).toMatch(/not valid JSON/);
  });

  it('when the media type is wrong, then it is 415', async () => {
    await refused(
      (gp) =>
        request(t.app)
          .post('/fhir/$process-message')
          .set('Authorization', `Bearer ${gp}`)
          .type('text/xml')
          .send('<Bundle/>'),
      415,
    );
  });

  it('when the body is over the configured limit, then it is 413', async () => {
    const big = JSON.stringify({ ...referralMessage(), padding: 'x'.repeat(1_600_000) });
    await refused((gp) => postMessage(t.app, gp, big), 413);
  });

  it('when the JSON is nested too deeply, then it is 400 naming the path', async () => {
    const deep = `{"resourceType":"Bundle","a":${'['.repeat(100)}${']'.repeat(100)}}`;
    const o = await refused((gp) => postMessage(t.app, gp, deep), 400);
    expect(o.issue?.[0]?.diagnostics).toMatch(/nested deeper/);
    expect(o.issue?.[0]?.expression?.[0]).toMatch(/^a(\[0\])+$/);
  });

  it('when an array is huge, then it is 400 naming the array', async () => {
    const huge = `{"resourceType":"Bundle","type":"message","entry":[${Array.from({ length: 200_001 }, () => '0').join(',')}]}`;
    const o = await refused((gp) => postMessage(t.app, gp, huge), 400);
    expect(o.issue?.[0]?.expression).toEqual(['entry']);
  });

  it.each(['__proto__', 'constructor'])('when a key is %s, then it is 400 naming it', async (key) => {
    const body = `{"resourceType":"Bundle","type":"message","entry":[{"resource":{"${key}":{"polluted":true}}}]}`;
    const o = await refused((gp) => postMessage(t.app, gp, body), 400);
    expect(o.issue?.[0]?.expression).toEqual([`entry[0].resource.${key}`]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('when the bytes are not UTF-8, then it is 400', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"resourceType":"Bundle","id":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    const o = await refused(
      (gp) =>
        request(t.app)
          .post('/fhir/$process-message')
          .set('Authorization', `Bearer ${gp}`)
          .set('Content-Type', FHIR_JSON)
          // As bytes: superagent would otherwise serialise a Buffer as JSON.
          .serialize((body: unknown) => body as string)
          .send(bytes),
      400,
    );
    expect(o.issue?.[0]?.diagnostics).toMatch(/UTF-8/);
  });

  it('when the resourceType is wrong, then it is 422 naming resourceType', async () => {
    const o = await refused(
      (gp) => postMessage(t.app, gp, JSON.stringify({ ...referralMessage(), resourceType: 'Patient' })),
      422,
    );
    expect(o.issue?.[0]?.expression).toEqual(['resourceType']);
  });

  it('when the MessageHeader focus points nowhere, then it is 422 naming the focus', async () => {
    const message = referralMessage({ messageId: 'bad-focus' });
    const header = message.entry?.[0]?.resource as MessageHeader;
    header.focus = [{ reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' }];
    const o = await refused((gp) => postMessage(t.app, gp, message), 422);
    expect(o.issue?.[0]?.expression).toEqual(['Bundle.entry[0].resource.focus[0]']);
  });

  it('when a reference inside the message points nowhere, then it is 422 naming the reference', async () => {
    const message = referralMessage({ messageId: 'bad-reference' });
    const condition = message.entry?.[9]?.resource;
    if (condition?.resourceType !== 'Condition') throw new Error('fixture changed');
    condition.subject = { reference: 'urn:uuid:00000000-0000-4000-8000-00000000dead' };
    const o = await refused((gp) => postMessage(t.app, gp, message), 422);
    expect(o.issue).toEqual([
      expect.objectContaining({ code: 'not-found', expression: ['Bundle.entry[9].resource.subject'] }),
    ]);
  });

  it('when a resource breaks the base definition, then it is 422 with the element path', async () => {
    const message = referralMessage({ messageId: 'bad-base' });
    (message.entry?.[2]?.resource as unknown as Record<string, unknown>).gender = 'woman';
    const o = await refused((gp) => postMessage(t.app, gp, message), 422);
    expect(o.issue?.map((i) => i.expression?.[0])).toContain('Bundle.entry[2].resource.gender');
  });

  it('when the message carries a resource type the gateway does not keep, then it is 422 naming the entry and nothing is stored', async () => {
    const message = referralMessage({ messageId: 'bad-type' });
    message.entry?.push({
      fullUrl: 'urn:uuid:3f1c6a2e-0000-4000-8000-0000000000ff',
      resource: { resourceType: 'Basic', id: '3f1c6a2e-0000-4000-8000-0000000000ff', code: { text: 'x' } },
    });
    const o = await refused((gp) => postMessage(t.app, gp, message), 422);
    expect(o.issue?.[0]?.expression).toEqual(['Bundle.entry[12].resource.resourceType']);
  });

  it('when a string holds a lone surrogate escape, then it is 400 naming the element', async () => {
    const message = referralMessage({ messageId: 'lone-surrogate' });
    const composition = message.entry?.[7]?.resource;
    if (composition?.resourceType !== 'Composition') throw new Error('fixture changed');
    composition.title = 'x\ud800'; // JSON.stringify writes it as the escape \ud800
    const o = await refused((gp) => postMessage(t.app, gp, message), 400);
    expect(o.issue?.[0]?.expression).toEqual(['entry[7].resource.title']);
  });

  it('when a string holds U+0000, then it is 422 naming the element', async () => {
    const message = referralMessage({ messageId: 'nul-char' });
    const condition = message.entry?.[9]?.resource;
    if (condition?.resourceType !== 'Condition') throw new Error('fixture changed');
    condition.code = { text: 'a\u0000b' };
    const o = await refused((gp) => postMessage(t.app, gp, message), 422);
    expect(o.issue?.map((i) => i.expression?.[0])).toContain('Bundle.entry[9].resource.code.text');
  });

  it('when the MessageHeader.id is not a FHIR id, then it is 422 naming it', async () => {
    const message = referralMessage({ messageId: 'x' });
    (message.entry?.[0]?.resource as MessageHeader).id = 'a\u0000b';
    const o = await refused((gp) => postMessage(t.app, gp, message), 422);
    expect(o.issue?.[0]?.expression).toEqual(['Bundle.entry[0].resource.id']);
  });

  it('when an entry is null or the sender has an identifier of the wrong JSON type, then it is 4xx naming a path, never 500', async () => {
    const nullEntry = referralMessage({ messageId: 'null-entry' }) as unknown as { entry: unknown[] };
    nullEntry.entry[8] = null;
    const a = await refused((gp) => postMessage(t.app, gp, JSON.stringify(nullEntry)), 422);
    expect(a.issue?.[0]?.expression?.[0]).toMatch(/^Bundle\.entry\[\d+\]/);

    const badIdentifier = referralMessage({ messageId: 'bad-identifier' });
    const senderOrg = badIdentifier.entry?.find((e) => e.resource?.resourceType === 'Organization')
      ?.resource as unknown as Record<string, unknown>;
    senderOrg.identifier = -1;
    const b = await refused((gp) => postMessage(t.app, gp, badIdentifier), 403);
    expect(b.issue?.[0]?.expression).toEqual(['Bundle.entry[0].resource.sender']);
  });

  it('when MessageHeader.focus is not an array, then it is 422 naming the focus', async () => {
    const message = referralMessage({ messageId: 'focus-object' });
    const header = message.entry?.[0]?.resource as unknown as Record<string, unknown>;
    header.focus = { reference: 'urn:uuid:3f1c6a2e-0000-4000-8000-000000000008' };
    const o = await refused((gp) => postMessage(t.app, gp, message), 422);
    expect(o.issue?.[0]?.expression).toEqual(['Bundle.entry[0].resource.focus']);
  });

  it('when something fails inside, then it is a 500 that says nothing internal', async () => {
    const broken = await openTestGateway({
      database: t.db,
      validator: {
        validate: () => {
          throw new Error('secret detail 999911120 Jansen');
        },
        addResources: () => undefined,
      },
    });
    const res = await postMessage(
      broken.app,
      await tokens(broken.app)('demo-gp'),
      referralMessage({ messageId: 'boom' }),
    );
    expect(res.status).toBe(500);
    expect(res.body.issue[0].code).toBe('exception');
    expect(JSON.stringify(res.body)).not.toMatch(/secret|999911120|Jansen/);
    expect(broken.logs.join('\n')).not.toMatch(/secret|999911120|Jansen/);
  });
});

describe('$validate', () => {
  it('when a valid referral is posted to $validate, then the outcome has no errors and nothing is stored', async () => {
    const before = await counts(t.db);
    const res = await request(t.app)
      .post('/fhir/$validate')
      .set('Authorization', `Bearer ${await token('demo-gp')}`)
      .type(FHIR_JSON)
      .send(JSON.stringify(referralMessage({ messageId: 'validate-only' })));
    expect(res.status).toBe(200);
    expect(issues(res.body).filter((i) => i.severity === 'error')).toEqual([]);
    expect(await counts(t.db)).toEqual(before);
  });

  it('when an invalid Patient is posted to Patient/$validate with a profile, then the errors name the elements', async () => {
    const patient = {
      resourceType: 'Patient',
      identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911121' }],
      gender: 'woman',
    };
    const res = await request(t.app)
      .post(`/fhir/Patient/$validate?profile=${encodeURIComponent(PROFILES.patient)}`)
      .set('Authorization', `Bearer ${await token('demo-gp')}`)
      .type(FHIR_JSON)
      .send(JSON.stringify(patient));
    expect(res.status).toBe(200);
    const paths = issues(res.body)
      .filter((i) => i.severity === 'error')
      .map((i) => i.expression?.[0]);
    expect(paths).toContain('Patient.gender');
    expect(paths.some((p) => p?.startsWith('Patient.identifier[0]'))).toBe(true);
  });

  it('when the type in the path differs from the resource, then the outcome says so', async () => {
    const res = await request(t.app)
      .post('/fhir/Task/$validate')
      .set('Authorization', `Bearer ${await token('demo-gp')}`)
      .type(FHIR_JSON)
      .send('{"resourceType":"Patient"}');
    expect(issues(res.body)[0]).toMatchObject({ severity: 'error', expression: ['resourceType'] });
  });
});

describe('system endpoints', () => {
  it('when /healthz is called, then it reports the database', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.body).toEqual({ status: 'ok', database: 'pglite' });
  });

  it('when requests were refused, then /metrics counts requests, latencies and validation failures by stage', async () => {
    const res = await request(t.app).get('/metrics');
    expect(res.text).toMatch(
      /overdracht_http_requests_total\{method="POST",route="\$process-message",status="200"\} \d+/,
    );
    expect(res.text).toMatch(
      /overdracht_http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\$process-message"\}/,
    );
    for (const stage of ['gate', 'parse', 'base', 'shape']) {
      expect(res.text).toMatch(
        new RegExp(`overdracht_validation_failures_total\\{stage="${stage}"\\} [1-9]`),
      );
    }
    expect(res.text).toMatch(/overdracht_validation_duration_seconds_count\{stage="validation"\} [1-9]/);
  });

  it('when the CapabilityStatement is read, then it lists $process-message, $validate and the Task operations', async () => {
    const res = await request(t.app).get('/fhir/metadata');
    const rest = res.body.rest[0];
    expect(rest.operation.map((o: { name: string }) => o.name)).toEqual(
      expect.arrayContaining(['process-message', 'validate', 'import-record']),
    );
    const task = rest.resource.find((r: { type: string }) => r.type === 'Task');
    expect(task.operation.map((o: { name: string }) => o.name)).toEqual(
      expect.arrayContaining(['accept', 'cancel', 'reject', 'validate']),
    );
    expect(task.interaction.map((i: { code: string }) => i.code).sort()).toEqual(['read', 'search-type']);
    expect(task.supportedProfile).toContain(PROFILES.referralTask);
    expect(
      rest.resource
        .find((r: { type: string }) => r.type === 'AuditEvent')
        .interaction.map((i: { code: string }) => i.code)
        .sort(),
    ).toEqual(['read', 'search-type']);
  });

  it('when an unknown FHIR path is called, then it is a 404 OperationOutcome', async () => {
    const res = await get(t.app, await token('demo-gp'), '/fhir/Organization/x');
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});

describe('the README example and the demo data', () => {
  it('when examples/referral-message.json is sent by the demo GP practice, then it is accepted', async () => {
    const text = readFileSync(
      join(import.meta.dirname, '..', '..', 'examples', 'referral-message.json'),
      'utf8',
    );
    const res = await postMessage(t.app, await token('demo-gp'), text);
    expect(res.status).toBe(200);
    expect((res.body as Bundle).entry?.[0]?.resource).toMatchObject({ response: { code: 'ok' } });
  });

  it('when the demo data is loaded on an empty database, then three referrals go through intake, once', async () => {
    const fresh = await openTestGateway({ validator });
    try {
      expect(await seedDemoData(fresh.gateway)).toBe(3);
      expect((await counts(fresh.db)).Task).toBe(3);
      expect(await seedDemoData(fresh.gateway)).toBe(0);
      const { rows } = await fresh.db.query<{ n: number }>('SELECT count(*)::integer AS n FROM audit_event');
      expect(rows[0]?.n).toBe(3);
    } finally {
      await fresh.close();
    }
  });
});
