/**
 * POST /fhir/convert/to/{format} on the real app: a FHIR referral message or feedback document in,
 * an HL7 v2 message, a 315 or a letter out (or Parameters with output and report), nothing stored;
 * and both convert routes in the CapabilityStatement.
 */
import { readFileSync } from 'node:fs';
import type { CapabilityStatement, Parameters } from '@medplum/fhirtypes';
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
  return req.send(body);
}

describe('POST /fhir/convert/to/{format}', () => {
  it('when a referral message is posted for hl7v2, then the answer is a REF^I12 in the v2 media type and nothing is stored', async () => {
    const before = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource');
    const res = await convertTo('hl7v2', JSON.stringify(referralMessage()));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^x-application\/hl7-v2\+er7/);
    expect(String(res.text ?? res.body)).toMatch(/^MSH\|\^~\\&\|.*REF\^I12\^REF_I12/);
    const after = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource');
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  it('when a referral message is posted for iwmo-ijw with the municipality as channel setting, then the answer is a JW315', async () => {
    const res = await convertTo(
      'iwmo-ijw?channel.municipalityCode=0014',
      JSON.stringify(referralMessage({ category: 'youth-ggz' })),
    );
    expect(res.status).toBe(200);
    expect(String(res.text)).toContain('<Ontvanger>0014</Ontvanger>');
  });

  it('when the 315 lacks the municipality, then it is 422 with the report naming where it was looked for', async () => {
    const res = await convertTo('iwmo-ijw', JSON.stringify(referralMessage({ category: 'youth-ggz' })));
    expect(res.status).toBe(422);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].expression).toEqual(['MessageHeader.destination.receiver']);
  });

  it('when feedback is posted for hl7v2-feedback with Accept FHIR JSON, then the answer is Parameters with the ORU^R01 and the report', async () => {
    const res = await convertTo('hl7v2-feedback', FEEDBACK, 'application/fhir+json');
    expect(res.status).toBe(200);
    const params = res.body as Parameters;
    expect(params.parameter?.map((p) => p.name)).toEqual(['output', 'report']);
    expect(params.parameter?.[0]?.valueString).toMatch(/ORU\^R01\^ORU_R01/);
  });

  it('when feedback is posted for letter, then the answer is an HTML letter', async () => {
    const res = await convertTo('letter', FEEDBACK);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Terugrapportage na intake');
  });

  it('when the format is unknown, then it is 404 naming the formats; when the body is not FHIR JSON, then 415', async () => {
    const unknown = await convertTo('pdf', '{}');
    expect(unknown.status).toBe(404);
    expect(unknown.body.issue[0].diagnostics).toMatch(/hl7v2, hl7v2-feedback, iwmo-ijw, letter/);
    const wrongType = await request(t.app)
      .post('/fhir/convert/to/hl7v2')
      .set('Authorization', `Bearer ${await token('demo-ggz')}`)
      .set('Content-Type', 'text/plain')
      .send('MSH|');
    expect(wrongType.status).toBe(415);
  });

  it('when the metadata is read, then both convert operations are declared', async () => {
    const res = await request(t.app).get('/fhir/metadata');
    const ops = ((res.body as CapabilityStatement).rest?.[0]?.operation ?? []).map((o) => o.name);
    expect(ops).toEqual(expect.arrayContaining(['convert', 'convert-to']));
  });
});
