/**
 * POST /fhir/convert/to/edifact and /edifact-feedback on the real app: a referral message becomes an
 * EDIFACT letter (VRB), a feedback document an EDIFACT terugrapportage (TRG), in application/edifact
 * or as Parameters with the report; a FHIR input of the wrong kind is 422 naming the path.
 */
import { readFileSync } from 'node:fs';
import type { Parameters } from '@medplum/fhirtypes';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referralMessage } from '../../src/demo/referral.js';
import { openTestGateway, tokens, type TestGateway } from './support.js';

const FEEDBACK = readFileSync('test/adapters/outbound/fixtures/feedback-intake.json', 'utf8');

let t: TestGateway;
let token: (client: string, scope?: string) => Promise<string>;
beforeAll(async () => {
  t = await openTestGateway();
  token = tokens(t.app);
});
afterAll(async () => t.close());

async function convertTo(path: string, body: string, accept?: string) {
  const req = request(t.app)
    .post(`/fhir/convert/to/${path}`)
    .set('Authorization', `Bearer ${await token('demo-ggz')}`)
    .set('Content-Type', 'application/fhir+json');
  if (accept) req.set('Accept', accept);
  // The bytes as sent: a UNOC interchange is ISO 8859-1.
  return req
    .send(body)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
}

const json = (body: unknown): { issue: { expression?: string[]; severity: string }[] } =>
  JSON.parse((body as Buffer).toString('utf8')) as { issue: { expression?: string[]; severity: string }[] };

describe('POST /fhir/convert/to/edifact', () => {
  it('when a referral message is posted, then the answer is an EDIFACT letter in application/edifact and nothing is stored', async () => {
    const before = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource');
    const res = await convertTo('edifact', JSON.stringify(referralMessage()));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/edifact/);
    const text = (res.body as Buffer).toString('latin1');
    expect(text).toMatch(/^UNA:\+\.\? '\nUNB\+UNOC:3\+/);
    expect(text).toContain("UNH+1+MEDVRI:1:0:NHG'");
    expect(text).toMatch(/BGM\+VRB\+/);
    const after = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource');
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  it('when a feedback document is posted, then it is 422 with the report naming Bundle.type', async () => {
    const res = await convertTo('edifact', FEEDBACK);
    expect(res.status).toBe(422);
    const outcome = json(res.body);
    expect(outcome.issue[0]?.severity).toBe('error');
    expect(outcome.issue[0]?.expression).toEqual(['Bundle.type']);
  });
});

describe('POST /fhir/convert/to/edifact-feedback', () => {
  it('when feedback is posted with Accept FHIR JSON and channel.syntax=UNOW, then the answer is Parameters with the TRG message and the report', async () => {
    const res = await convertTo('edifact-feedback?channel.syntax=UNOW', FEEDBACK, 'application/fhir+json');
    expect(res.status).toBe(200);
    const params = JSON.parse((res.body as Buffer).toString('utf8')) as Parameters;
    expect(params.parameter?.map((p) => p.name)).toEqual(['output', 'report']);
    const edifact = Buffer.from(params.parameter?.[0]?.valueBase64Binary ?? '', 'base64').toString('utf8');
    expect(edifact).toContain("BGM+TRG+TR-2026-0611+9'");
    expect(edifact).toContain('UNB+UNOW:4+');
    const report = params.parameter?.[1]?.resource;
    expect(report?.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(report)).toContain('Bundle.entry[1].resource.address');
  });

  it('when a referral message is posted, then it is 422 with the report naming Bundle.entry', async () => {
    const res = await convertTo('edifact-feedback', JSON.stringify(referralMessage()));
    expect(res.status).toBe(422);
    const outcome = json(res.body);
    expect(outcome.issue[0]?.expression).toEqual(['Bundle.entry']);
    expect(outcome.issue[0]?.severity).toBe('error');
  });

  it('when the formats are unknown, then the 404 lists both EDIFACT formats', async () => {
    const res = await convertTo('medvri', '{}');
    expect(res.status).toBe(404);
    expect(JSON.stringify(json(res.body))).toMatch(/edifact, edifact-feedback, hl7v2/);
  });
});
