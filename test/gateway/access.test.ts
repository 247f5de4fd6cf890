/**
 * Reading, searching, authorisation between organisations, the audit trail and the Task
 * operations, against the real app. Three referrals are the fixture: the GP practice to the GGZ
 * institution (1), the GP practice to the youth-GGZ institution (2), the social team to the GGZ
 * institution (3). The first carries the client's insurance (Coverage) and an allergy. The Task
 * operations use further referrals to the youth-GGZ institution.
 */
import type {
  AuditEvent,
  Bundle,
  CapabilityStatementRestResource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tokenCommand } from '../../src/cli/token.js';
import { SYSTEMS } from '../../src/fhir/codes.js';
import { insuranceAndAllergy } from '../support/referral.js';
import { tokenFor } from '../support/tokens.js';
import { searchCases, today, tokenValue, type Stored } from './access-cases.js';
import { FHIR_JSON, get, openTestGateway, sendReferral, tokens, type TestGateway } from './support.js';

const AGB = SYSTEMS.agb;
const SOCIAL_TEAM = { system: SYSTEMS.ura, value: '90001234', name: 'Sociaal Team Groningen-Oost' };
const YOUTH = { system: AGB, value: '06005678', name: 'Jeugd-GGZ De Brug', type: 'youth-ggz-institution' };

let t: TestGateway;
let token: (client: string, scope?: string) => Promise<string>;

const r: Record<1 | 2 | 3, Stored> = {} as Record<1 | 2 | 3, Stored>;
/** The insurance and allergy the first referral carried, and the insurer it named, by id. */
const extra = { coverage: '', allergy: '', insurer: '' };

const idOf = (reference: string | undefined): string => reference?.split('/')[1] ?? '';

async function stored(taskId: string, client: string): Promise<Stored> {
  const task = (await get(t.app, await token(client), `/fhir/Task/${taskId}`)).body as Task;
  const sr = (await get(t.app, await token(client), `/fhir/${task.focus?.reference ?? ''}`))
    .body as ServiceRequest;
  return {
    task: taskId,
    serviceRequest: idOf(task.focus?.reference),
    patient: idOf(task.for?.reference),
    composition: idOf(task.input?.[0]?.valueReference?.reference),
    consent: idOf(sr.supportingInfo?.find((s) => s.reference?.startsWith('Consent/'))?.reference),
    owner: idOf(task.owner?.reference),
    requester: idOf(task.requester?.reference),
    practitionerRole: idOf(sr.requester?.reference),
  };
}

beforeAll(async () => {
  t = await openTestGateway();
  token = tokens(t.app);
  const gp = await token('demo-gp');
  const one = await sendReferral(t.app, gp, {
    messageId: 'acc-1',
    bsn: '999911120',
    extraEntries: insuranceAndAllergy('acc-1'),
  });
  const two = await sendReferral(t.app, gp, {
    messageId: 'acc-2',
    bsn: '999999990',
    receiver: YOUTH,
    category: 'youth-ggz',
    client: { family: 'Visser', given: 'Sem', birthDate: '2009-02-03', gender: 'male' },
    authoredOn: '2026-04-15T10:00:00+02:00',
  });
  const three = await sendReferral(t.app, await token('demo-social-team'), {
    messageId: 'acc-3',
    bsn: '999911132',
    sender: SOCIAL_TEAM,
    category: 'social-domain',
    consentPurpose: 'social-domain',
    client: { family: 'de Boer', given: 'Fatima', birthDate: '1978-09-21', gender: 'female' },
    authoredOn: '2026-05-20T11:00:00+02:00',
  });
  r[1] = await stored(one.id, 'demo-ggz');
  r[2] = await stored(two.id, 'demo-youth-ggz');
  r[3] = await stored(three.id, 'demo-ggz');
  Object.assign(extra, await insuranceOf(r[1].patient));
});

/** The ids of the Coverage, its payor and the AllergyIntolerance stored for a client, from the database. */
async function insuranceOf(patient: string): Promise<typeof extra> {
  const { rows } = await t.db.query<{ resource_type: string; id: string; payor: string | null }>(
    `SELECT resource_type, id, content->'payor'->0->>'reference' AS payor FROM resource
     WHERE resource_type IN ('Coverage', 'AllergyIntolerance') AND NOT deleted
       AND coalesce(content->'beneficiary', content->'patient')->>'reference' = $1`,
    [`Patient/${patient}`],
  );
  const coverage = rows.find((row) => row.resource_type === 'Coverage');
  return {
    coverage: coverage?.id ?? '',
    allergy: rows.find((row) => row.resource_type === 'AllergyIntolerance')?.id ?? '',
    insurer: idOf(coverage?.payor ?? undefined),
  };
}
afterAll(async () => t.close());

async function search(client: string, path: string): Promise<Bundle> {
  const res = await get(t.app, await token(client), path);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Bundle;
}

const ids = (b: Bundle): string[] => (b.entry ?? []).map((e) => e.resource?.id ?? '').sort();

async function auditRows(patient: string): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>(
    'SELECT count(*)::integer AS n FROM audit_event WHERE patient = $1',
    [`Patient/${patient}`],
  );
  return rows[0]?.n ?? 0;
}

function post(path: string, bearer: string, body?: object): request.Test {
  const req = request(t.app).post(path).set('Authorization', `Bearer ${bearer}`);
  return body ? req.type(FHIR_JSON).send(JSON.stringify(body)) : req;
}

const reason = (text: string): object => ({
  resourceType: 'Parameters',
  parameter: [{ name: 'reason', valueString: text }],
});

describe('Task operations', () => {
  const tasks: string[] = [];
  beforeAll(async () => {
    const gp = await token('demo-gp');
    for (const n of [4, 5, 6])
      tasks.push(
        (await sendReferral(t.app, gp, { messageId: `tr-${n}`, bsn: '999911168', receiver: YOUTH })).id,
      );
  });

  it('when the requester tries to accept, then it is 409 naming the owner', async () => {
    const res = await post(`/fhir/Task/${tasks[0]}/$accept`, await token('demo-gp'));
    expect(res.status).toBe(409);
    expect(res.body.issue[0].diagnostics).toMatch(/only the owner/);
  });

  it('when the owner accepts, then the Task is accepted, versioned, audited and has a Provenance', async () => {
    const patient = idOf(
      ((await get(t.app, await token('demo-youth-ggz'), `/fhir/Task/${tasks[0]}`)).body as Task).for
        ?.reference,
    );
    const audits = await auditRows(patient);
    const res = await post(`/fhir/Task/${tasks[0]}/$accept`, await token('demo-youth-ggz'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'accepted', meta: { versionId: '2' } });
    expect(res.headers.etag).toBe('W/"2"');
    expect(await auditRows(patient)).toBeGreaterThan(audits);
    const { rows } = await t.db.query(
      "SELECT 1 FROM resource WHERE resource_type = 'Provenance' AND content->'target'->0->>'reference' LIKE $1",
      [`Task/${tasks[0]}%`],
    );
    expect(rows.length).toBe(1);
  });

  it('when the requester cancels an accepted Task, then it is cancelled: the workflow allows it until the care starts', async () => {
    const res = await post(
      `/fhir/Task/${tasks[0]}/$cancel`,
      await token('demo-gp'),
      reason('Cliënt is verhuisd'),
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
  });

  it('when the owner rejects without a reason, then it is 422; with a reason, the Task is rejected', async () => {
    const youth = await token('demo-youth-ggz');
    const without = await post(`/fhir/Task/${tasks[1]}/$reject`, youth);
    expect(without.status).toBe(422);
    expect(without.body.issue[0].expression).toEqual(['Task.statusReason']);
    const res = await post(`/fhir/Task/${tasks[1]}/$reject`, youth, reason('Past beter bij de basis-GGZ'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'rejected',
      statusReason: { text: 'Past beter bij de basis-GGZ' },
    });
  });

  it('when the requester cancels a requested Task, then it is cancelled; a second cancel is 409', async () => {
    const gp = await token('demo-gp');
    const res = await post(`/fhir/Task/${tasks[2]}/$cancel`, gp, reason('Verwijzing dubbel verstuurd'));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    expect((await post(`/fhir/Task/${tasks[2]}/$cancel`, gp, reason('nogmaals'))).status).toBe(409);
  });

  it('when an organisation outside the referral acts on its Task, then it is 404', async () => {
    expect((await post(`/fhir/Task/${tasks[1]}/$accept`, await token('demo-ggz'))).status).toBe(404);
  });

  it('when the body is not a Parameters resource, then it is 422', async () => {
    const res = await post(`/fhir/Task/${tasks[1]}/$cancel`, await token('demo-gp'), {
      resourceType: 'Patient',
    });
    expect(res.status).toBe(422);
  });
});

const CASES = searchCases({ r, extra, endpoint: () => t.gateway.endpoint });

describe('search', () => {
  it('when the CapabilityStatement is read, then every declared search parameter has a case in access-cases.ts', async () => {
    const res = await request(t.app).get('/fhir/metadata');
    const declared = (res.body.rest[0].resource as CapabilityStatementRestResource[]).flatMap((r) =>
      (r.searchParam ?? []).map((p) => `${r.type}.${p.name}`),
    );
    // AuditEvent is checked below; MeasureReport (aggregates, not access-narrowed) in test/indicators.
    const own = (d: string) => d.startsWith('AuditEvent.') || d.startsWith('MeasureReport.');
    expect(declared.filter((d) => !own(d)).sort()).toEqual(Object.keys(CASES).sort());
    expect(declared.filter((d) => d.startsWith('AuditEvent.')).sort()).toEqual([
      'AuditEvent.date',
      'AuditEvent.patient',
    ]);
  });

  const rows = Object.entries(CASES).flatMap(([key, cases]) =>
    cases.map((c, i) => ({ key: `${key} #${i + 1}`, type: key.split('.')[0] ?? '', c })),
  );
  it.each(rows)(
    'when searching by $key, then exactly the expected resources come back',
    async ({ type, c }) => {
      const bundle = await search(c.client ?? 'demo-ggz', `/fhir/${type}?${c.query()}`);
      expect(bundle.type).toBe('searchset');
      const expected = c.expected();
      if (expected[0] === 'rejected') {
        expect(bundle.entry?.map((e) => (e.resource as Task).status)).toEqual(['rejected']);
        return;
      }
      expect(ids(bundle)).toEqual([...expected].sort());
    },
  );

  it('when paging with _count=2, then next and previous links walk through all matches and total counts them', async () => {
    const all = ids(await search('demo-gp', '/fhir/ServiceRequest?_count=50'));
    expect(all.length).toBeGreaterThan(4);
    const seen: string[] = [];
    let page = await search('demo-gp', '/fhir/ServiceRequest?_count=2&_total=accurate&_sort=-_lastUpdated');
    expect(page.total).toBe(all.length);
    expect(page.link?.find((l) => l.relation === 'previous')).toBeUndefined();
    for (;;) {
      expect(page.entry?.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page));
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      if (!next) break;
      expect(next.startsWith(`${t.gateway.endpoint}/ServiceRequest?`)).toBe(true);
      page = await search('demo-gp', next.slice(t.gateway.endpoint.length - '/fhir'.length));
      expect(page.link?.find((l) => l.relation === 'previous')?.url).toMatch(/_offset=\d+/);
    }
    expect(seen.sort()).toEqual(all);
  });

  it('when a search names an unknown parameter, then it is 400 naming it', async () => {
    const res = await get(t.app, await token('demo-ggz'), '/fhir/Task?name=Jansen');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['name']);
  });

  it('when a chain goes elsewhere than .identifier, then it is 400', async () => {
    const res = await get(t.app, await token('demo-ggz'), '/fhir/Task?patient.name=Jansen');
    expect(res.status).toBe(400);
  });

  it('when a read finds the resource, then it comes with its version as ETag', async () => {
    const res = await get(t.app, await token('demo-ggz'), `/fhir/Patient/${r[1].patient}`);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"1"');
  });
});

describe('authorisation between organisations', () => {
  it('when an organisation reads a Task of a referral it has no part in, then it is 404 like a Task that does not exist', async () => {
    const foreign = await get(t.app, await token('demo-ggz'), `/fhir/Task/${r[2].task}`);
    const missing = await get(t.app, await token('demo-ggz'), '/fhir/Task/does-not-exist');
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(foreign.body.issue[0].code).toBe(missing.body.issue[0].code);
  });

  it.each(['Patient', 'ServiceRequest', 'Composition', 'Consent'] as const)(
    'when the GGZ institution reads the youth referral’s %s, then it is 404',
    async (type) => {
      const id = {
        Patient: r[2].patient,
        ServiceRequest: r[2].serviceRequest,
        Composition: r[2].composition,
        Consent: r[2].consent,
      }[type];
      expect((await get(t.app, await token('demo-ggz'), `/fhir/${type}/${id}`)).status).toBe(404);
    },
  );

  it.each(['demo-youth-ggz', 'demo-social-team', 'demo-platform'])(
    'when %s, outside the first referral, reads or searches its insurance and allergy, then it is 404 and finds nothing',
    async (client) => {
      const bearer = await token(client, client === 'demo-platform' ? 'system/*.rs' : undefined);
      expect(extra.coverage).not.toBe('');
      expect(extra.allergy).not.toBe('');
      for (const [type, id] of [
        ['Coverage', extra.coverage],
        ['AllergyIntolerance', extra.allergy],
      ] as const) {
        expect((await get(t.app, bearer, `/fhir/${type}/${id}`)).status).toBe(404);
        const byClient = `patient.identifier=${tokenValue(SYSTEMS.bsn, '999911120')}`;
        for (const query of [`_id=${id}`, byClient, '_total=accurate']) {
          const res = await get(t.app, bearer, `/fhir/${type}?${query}`);
          expect(res.status).toBe(200);
          expect(ids(res.body as Bundle)).toEqual([]);
        }
      }
    },
  );

  it('when the requester and the owner of the referral read its insurance and allergy, then both may', async () => {
    for (const client of ['demo-gp', 'demo-ggz'])
      for (const path of [`/fhir/Coverage/${extra.coverage}`, `/fhir/AllergyIntolerance/${extra.allergy}`])
        expect((await get(t.app, await token(client), path)).status, `${client} ${path}`).toBe(200);
  });

  it('when an organisation searches by the BSN of another organisation’s client, then it finds nothing', async () => {
    expect(
      ids(await search('demo-ggz', `/fhir/Patient?identifier=${tokenValue(SYSTEMS.bsn, '999999990')}`)),
    ).toEqual([]);
    expect(
      ids(await search('demo-ggz', `/fhir/Task?patient.identifier=${tokenValue(SYSTEMS.bsn, '999999990')}`)),
    ).toEqual([]);
  });

  it('when the requester and the owner look, then each sees its own referrals only', async () => {
    expect(
      ids(await search('demo-gp', '/fhir/Task?_count=50&status=requested,accepted,rejected,cancelled')),
    ).not.toContain(r[3].task);
    expect(ids(await search('demo-social-team', '/fhir/Task'))).toEqual([r[3].task]);
    expect(ids(await search('demo-youth-ggz', '/fhir/Task?_count=50'))).toContain(r[2].task);
  });

  it('when a client of an organisation without referrals searches, then it gets an empty searchset', async () => {
    const platform = await token('demo-platform', 'system/*.rs');
    const res = await get(t.app, platform, '/fhir/Task?_total=accurate');
    expect(res.body).toMatchObject({ resourceType: 'Bundle', total: 0 });
    expect((await get(t.app, platform, `/fhir/Task/${r[1].task}`)).status).toBe(404);
  });

  it('when the token lacks the scope, then it is 403 and the answer holds no data', async () => {
    const res = await get(t.app, await token('demo-ggz', 'system/Patient.rs'), `/fhir/Task/${r[1].task}`);
    expect(res.status).toBe(403);
    expect(JSON.stringify(res.body)).not.toContain(r[1].task.slice(0, 8) + '"');
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('when there is no token or a bad one, then it is 401 with WWW-Authenticate', async () => {
    const none = await request(t.app).get(`/fhir/Task/${r[1].task}`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const bad = await get(t.app, 'not-a-token', `/fhir/Task/${r[1].task}`);
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toMatch(/invalid_token/);
  });

  it('when the access token has expired, then it is 401', async () => {
    const past = new Date(Date.now() - 10 * 60 * 1000);
    const earlier = await openTestGateway({ database: t.db, clock: () => past });
    const old = await tokenFor(earlier.app, 'demo-ggz', 'system/*.cruds', past);
    const res = await get(t.app, old, `/fhir/Task/${r[1].task}`);
    expect(res.status).toBe(401);
    expect(res.body.issue[0].code).toBe('login');
  });

  it('when a client assertion is replayed, then the token endpoint refuses it, also at another instance on the same database', async () => {
    const { signClientAssertion, tokenEndpoint, CLIENT_ASSERTION_TYPE } =
      await import('../../src/auth/smart.js');
    const { readDemoKey } = await import('../../src/auth/demo-keys.js');
    const assertion = await signClientAssertion(
      'demo-gp',
      readDemoKey('demo-gp'),
      tokenEndpoint(t.gateway.config),
      new Date(),
    );
    const form = {
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      scope: 'system/Task.rs',
    };
    expect((await request(t.app).post('/auth/token').type('form').send(form)).status).toBe(200);
    const other = await openTestGateway({ database: t.db });
    const replay = await request(other.app).post('/auth/token').type('form').send(form);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_client');
  });

  it('when the token command prints a token for a demo client, then the gateway accepts it', async () => {
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      expect(await tokenCommand.run(['--client', 'demo-ggz', '--scope', 'system/Task.rs'])).toBe(0);
    } finally {
      write.mockRestore();
    }
    const res = await get(t.app, out.join('').trim(), `/fhir/Task/${r[1].task}`);
    expect(res.status).toBe(200);
  });
});

describe('audit', () => {
  it('when a client reads a Patient, then one AuditEvent records who read which client', async () => {
    const before = await auditRows(r[1].patient);
    await get(t.app, await token('demo-ggz'), `/fhir/Patient/${r[1].patient}`);
    expect(await auditRows(r[1].patient)).toBe(before + 1);
    const { rows } = await t.db.query<{ content: AuditEvent }>(
      'SELECT content FROM audit_event WHERE patient = $1 ORDER BY recorded DESC, id DESC LIMIT 1',
      [`Patient/${r[1].patient}`],
    );
    const event = rows[0]?.content;
    expect(event).toMatchObject({ action: 'R', subtype: [{ code: 'read' }], outcome: '0' });
    expect(event?.agent?.map((a) => a.who?.identifier?.value)).toEqual(['demo-ggz', '06001234']);
  });

  it.each([
    ['Coverage', () => `/fhir/Coverage/${extra.coverage}`, () => `Coverage/${extra.coverage}`],
    [
      'AllergyIntolerance',
      () => `/fhir/AllergyIntolerance?patient=Patient/${r[1].patient}`,
      () => `AllergyIntolerance/${extra.allergy}`,
    ],
  ])(
    'when the GGZ institution reads or searches %s, then one AuditEvent names the client and the resource',
    async (_type, path, what) => {
      const before = await auditRows(r[1].patient);
      expect((await get(t.app, await token('demo-ggz'), path())).status).toBe(200);
      expect(await auditRows(r[1].patient)).toBe(before + 1);
      const { rows } = await t.db.query<{ content: AuditEvent }>(
        'SELECT content FROM audit_event WHERE patient = $1 ORDER BY recorded DESC, id DESC LIMIT 1',
        [`Patient/${r[1].patient}`],
      );
      const entities = rows[0]?.content.entity?.map((e) => e.what?.reference);
      expect(entities).toContain(what());
      expect(entities).toContain(`Patient/${r[1].patient}`);
    },
  );

  it('when a search returns the resources of two clients, then one AuditEvent per client is written', async () => {
    const [one, three] = [await auditRows(r[1].patient), await auditRows(r[3].patient)];
    const bundle = await search('demo-ggz', '/fhir/ServiceRequest?status=active');
    expect(ids(bundle)).toHaveLength(2);
    expect([await auditRows(r[1].patient), await auditRows(r[3].patient)]).toEqual([one + 1, three + 1]);
  });

  it('when the privacy officer searches by a client’s BSN, then the client’s trail comes back, oldest first', async () => {
    const bundle = await search(
      'demo-privacy-officer',
      `/fhir/AuditEvent?patient.identifier=${tokenValue(SYSTEMS.bsn, '999911120')}&_total=accurate&_count=200`,
    );
    const events = (bundle.entry ?? []).map((e) => e.resource as AuditEvent);
    expect(bundle.total).toBeGreaterThanOrEqual(3);
    expect(events.every((e) => e.entity?.[0]?.what?.reference === `Patient/${r[1].patient}`)).toBe(true);
    expect(events.map((e) => e.recorded)).toEqual([...events.map((e) => e.recorded)].sort());
    expect(events[0]?.subtype?.[0]?.display).toBe('$process-message');
  });

  it('when the privacy officer searches by patient and date, then the filters hold', async () => {
    expect(
      (
        await search(
          'demo-privacy-officer',
          `/fhir/AuditEvent?patient=Patient/${r[3].patient}&date=ge${today}`,
        )
      ).entry?.length,
    ).toBeGreaterThan(0);
    expect(
      ids(await search('demo-privacy-officer', `/fhir/AuditEvent?patient=${r[3].patient}&date=lt2000-01-01`)),
    ).toEqual([]);
  });

  it('when the privacy officer looks for a client their organisation holds no data of, then nothing is shown', async () => {
    expect(
      ids(await search('demo-privacy-officer', `/fhir/AuditEvent?patient=Patient/${r[2].patient}`)),
    ).toEqual([]);
    const { rows } = await t.db.query<{ id: string }>(
      'SELECT id FROM audit_event WHERE patient = $1 LIMIT 1',
      [`Patient/${r[2].patient}`],
    );
    const foreign = rows[0]?.id ?? 'none';
    expect(
      (await get(t.app, await token('demo-privacy-officer'), `/fhir/AuditEvent/${foreign}`)).status,
    ).toBe(404);
  });

  it('when the privacy officer reads one event, then it is there, and the reading is itself audited', async () => {
    const { rows } = await t.db.query<{ id: string }>(
      'SELECT id FROM audit_event WHERE patient = $1 LIMIT 1',
      [`Patient/${r[1].patient}`],
    );
    const before = await auditRows(r[1].patient);
    const res = await get(
      t.app,
      await token('demo-privacy-officer'),
      `/fhir/AuditEvent/${rows[0]?.id ?? ''}`,
    );
    expect(res.status).toBe(200);
    expect(await auditRows(r[1].patient)).toBe(before + 1);
  });

  it('when a client without the privacy-officer role reads the audit trail, then it is 403', async () => {
    expect((await get(t.app, await token('demo-ggz'), '/fhir/AuditEvent')).status).toBe(403);
  });

  it.each(['post', 'put', 'delete', 'patch'] as const)(
    'when anyone tries to %s an AuditEvent, then there is no such route',
    async (method) => {
      const res = await request(t.app)
        [method]('/fhir/AuditEvent/x')
        .set('Authorization', `Bearer ${await token('demo-privacy-officer')}`)
        .type(FHIR_JSON)
        .send('{}');
      expect(res.status).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
    },
  );
});
