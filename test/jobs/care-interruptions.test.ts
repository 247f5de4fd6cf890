/**
 * GET /fhir/$care-interruptions: the 18-/18+ interruption report for the regional table and the
 * data platform - counts per month for them, a client reference only where the caller holds a
 * grant, every client named audited.
 */
import type { CapabilityStatement, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessGrants } from '../../src/access/grants.js';
import { INTERRUPTIONS_REPORT } from '../../src/jobs/workflow-store.js';
import { JobReports } from '../../src/store/jobs.js';
import type { InterruptionReport } from '../../src/workflow/youth-transition.js';
import { get, openTestGateway, tokens, type TestGateway } from '../gateway/support.js';

const URA = 'http://fhir.nl/fhir/NamingSystem/ura';

function parts(body: Parameters, name: string): ParametersParameter[] {
  return body.parameter?.filter((p) => p.name === name) ?? [];
}
function part(p: ParametersParameter | undefined, name: string): ParametersParameter | undefined {
  return p?.part?.find((x) => x.name === name);
}

const report: InterruptionReport = {
  asOf: '2026-04-01T05:30:00.000Z',
  clients: 3,
  interruptions: [
    {
      patient: { reference: 'Patient/known' },
      after: { reference: 'EpisodeOfCare/youth-1' },
      before: { reference: 'Task/adult-1' },
      from: '2026-02-03',
      to: '2026-03-20',
      days: 45,
      month: '2026-02',
    },
    {
      patient: { reference: 'Patient/unknown' },
      after: { reference: 'EpisodeOfCare/youth-2' },
      before: { reference: 'EpisodeOfCare/adult-2' },
      from: '2026-02-10',
      to: '2026-03-31',
      days: 49,
      month: '2026-02',
    },
    {
      patient: { reference: 'Patient/unknown' },
      after: { reference: 'EpisodeOfCare/adult-2' },
      before: { reference: 'EpisodeOfCare/adult-3' },
      from: '2026-01-02',
      to: '2026-02-20',
      days: 49,
      month: '2026-01',
    },
  ],
  perMonth: [
    { month: '2026-01', count: 1 },
    { month: '2026-02', count: 2 },
  ],
};

describe('GET /fhir/$care-interruptions', () => {
  let t: TestGateway;
  let token: (client: string) => Promise<string>;
  const audits = async (): Promise<{ patient: string | null }[]> =>
    (
      await t.db.query<{ patient: string | null }>(
        `SELECT (SELECT e->'what'->>'reference' FROM jsonb_array_elements(content->'entity') e
                  WHERE e->'what'->>'reference' LIKE 'Patient/%' LIMIT 1) AS patient
         FROM audit_event WHERE content->'subtype'->0->>'display' = '$care-interruptions'`,
      )
    ).rows;

  beforeAll(async () => {
    t = await openTestGateway();
    token = tokens(t.app);
  });
  afterAll(async () => {
    await t.close();
  });

  it('when the job has not run yet, then the platform gets a report computed on the spot', async () => {
    const res = await get(t.app, await token('demo-platform'), '/fhir/$care-interruptions');
    expect(res.status).toBe(200);
    const body = res.body as Parameters;
    expect(parts(body, 'clients')[0]?.valueInteger).toBe(0);
    expect(parts(body, 'interruption')).toEqual([]);
    expect(await audits()).toEqual([{ patient: null }]);
  });

  it('when the platform asks for a month, then it gets that month counted and a client reference only where it holds a grant', async () => {
    await new JobReports(t.db).save(INTERRUPTIONS_REPORT, report);
    await new AccessGrants(t.db).add([
      { organisation: { system: URA, value: '90009999' }, reference: 'Patient/known' },
      { organisation: { system: URA, value: '90009999' }, reference: 'EpisodeOfCare/youth-1' },
    ]);
    const res = await get(t.app, await token('demo-platform'), '/fhir/$care-interruptions?month=2026-02');
    expect(res.status).toBe(200);
    const body = res.body as Parameters;
    expect(parts(body, 'clients')[0]?.valueInteger).toBe(3);
    expect(
      parts(body, 'per-month').map((p) => [part(p, 'month')?.valueString, part(p, 'count')?.valueInteger]),
    ).toEqual([['2026-02', 2]]);
    const lines = parts(body, 'interruption');
    expect(lines.map((l) => part(l, 'patient')?.valueReference?.reference)).toEqual([
      'Patient/known',
      undefined,
    ]);
    expect(part(lines[0], 'care-ended')?.valueReference?.reference).toBe('EpisodeOfCare/youth-1');
    // No grant for the care after the gap, none at all for the other client: nothing that names them.
    expect(part(lines[0], 'care-resumed')).toBeUndefined();
    expect(JSON.stringify(lines[1])).not.toMatch(/Patient|EpisodeOfCare|Task/);
    expect(lines.map((l) => part(l, 'days')?.valueInteger)).toEqual([45, 49]);
    // One AuditEvent for the client it named.
    expect((await audits()).slice(1)).toEqual([{ patient: 'Patient/known' }]);
  });

  it('when the regional table asks without grants, then it gets every month and lines without clients', async () => {
    const res = await get(t.app, await token('demo-regional-table'), '/fhir/$care-interruptions');
    expect(res.status).toBe(200);
    const body = res.body as Parameters;
    expect(parts(body, 'per-month')).toHaveLength(2);
    expect(parts(body, 'interruption')).toHaveLength(3);
    expect(JSON.stringify(body)).not.toMatch(/Patient\//);
  });

  it('when another organisation asks, then 403; a bad month or another parameter is a 400 naming it', async () => {
    const gp = await get(t.app, await token('demo-gp'), '/fhir/$care-interruptions');
    expect(gp.status).toBe(403);
    expect(gp.body.resourceType).toBe('OperationOutcome');
    const platform = await token('demo-platform');
    for (const [query, path] of [
      ['month=2026-13', 'month'],
      ['month=2026-02&month=2026-03', 'month'],
      ['patient=Patient/known', 'patient'],
    ] as const) {
      const res = await get(t.app, platform, `/fhir/$care-interruptions?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.issue[0].expression).toEqual([path]);
    }
  });

  it('the CapabilityStatement lists the operation', async () => {
    const cs = (await request(t.app).get('/fhir/metadata')).body as CapabilityStatement;
    expect(cs.rest?.[0]?.operation?.map((o) => o.name)).toContain('care-interruptions');
  });
});
