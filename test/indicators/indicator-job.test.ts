/**
 * The monthly indicators job over the store and `GET /fhir/MeasureReport` on the real app: the
 * seeded data set (seed.ts) is stored, the job runs through the job runner, and a platform reads
 * the reports as FHIR and as CSV.
 */
import type { Bundle, MeasureReport } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indicatorPorts, indicatorsJob, INDICATORS_JOB } from '../../src/indicators/index.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { MemoryJobLock } from '../../src/jobs/memory-lock.js';
import { createLogger } from '../../src/observability/logger.js';
import { openMigratedPglite } from '../store/support/pglite-template.js';
import { get, openTestGateway, tokens, type TestGateway } from '../gateway/support.js';
import { seed, seedResources } from './seed.js';

const RUN_AT = new Date('2026-04-01T01:30:00Z');

let t: TestGateway;
let token: (client: string, scope?: string) => Promise<string>;

async function runJob(): Promise<unknown> {
  const runner = new JobRunner({
    jobs: [indicatorsJob()],
    lock: new MemoryJobLock(() => RUN_AT),
    ports: indicatorPorts(t.db),
    logger: createLogger('error', () => undefined),
    owner: 'test',
    now: () => RUN_AT,
  });
  return runner.runOnce(INDICATORS_JOB);
}

beforeAll(async () => {
  const db = await openMigratedPglite();
  t = await openTestGateway({ database: db });
  token = tokens(t.app);
  for (const r of seedResources(seed())) {
    await db.query(
      'INSERT INTO resource (resource_type, id, version, last_updated, content) VALUES ($1, $2, 1, now(), $3::jsonb)',
      [r.resourceType, r.id ?? '', JSON.stringify(r)],
    );
  }
}, 60_000);

afterAll(async () => {
  await t.close();
  await t.db.close();
});

describe('the indicators job', () => {
  it('when it runs, then it stores a report per measure, municipality and completed month; a second run replaces them', async () => {
    const first = await runJob();
    expect(first).toMatchObject({ status: 'ok', summary: { months: 12 } });
    const count = async () =>
      (await t.db.query<{ n: number }>('SELECT count(*)::integer AS n FROM indicator_report')).rows[0]?.n;
    const n = await count();
    expect(n).toBeGreaterThan(10);
    await runJob();
    expect(await count()).toBe(n);
  });
});

describe('GET /fhir/MeasureReport', () => {
  it('when a platform searches by measure, month and municipality, then it gets that report', async () => {
    const res = await get(
      t.app,
      await token('demo-platform', 'system/*.rs'),
      '/fhir/MeasureReport?measure=ov-referrals&period=2026-01&subject=GM0014',
    );
    expect(res.status).toBe(200);
    const bundle = res.body as Bundle<MeasureReport>;
    expect(bundle.total).toBe(1);
    const report = bundle.entry?.[0]?.resource;
    expect(report?.group?.[0]?.population?.[0]?.count).toBe(12);
    const read = await get(
      t.app,
      await token('demo-platform', 'system/*.rs'),
      `/fhir/MeasureReport/${report?.id ?? ''}`,
    );
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(report?.id);
  });

  it('when the handovers of March are asked for, then the run of 1 April has them', async () => {
    const res = await get(
      t.app,
      await token('demo-platform', 'system/*.rs'),
      '/fhir/MeasureReport?measure=https://overdracht.dev/fhir/Measure/ov-youth-transition&period=2026-03&subject=GM0014',
    );
    expect(res.body.entry[0].resource.group[0].population[0].count).toBe(10);
  });

  it('when _format=text/csv, then the same reports as CSV', async () => {
    const res = await get(
      t.app,
      await token('demo-platform', 'system/*.rs'),
      '/fhir/MeasureReport?period=2026-01&_format=text/csv',
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.text).toContain('ov-referrals,GM0014,2026-01,referrals,,,initial-population,12,,,false');
  });

  it('when a client without the platform role asks, then 403', async () => {
    expect((await get(t.app, await token('demo-ggz'), '/fhir/MeasureReport')).status).toBe(403);
  });

  it('when period is not a month, then 400 naming it', async () => {
    const res = await get(
      t.app,
      await token('demo-platform', 'system/*.rs'),
      '/fhir/MeasureReport?period=January',
    );
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['period']);
  });
});
