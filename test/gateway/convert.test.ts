/**
 * POST /fhir/convert/{format} on the real app: source bytes in, Parameters(output, report) out,
 * nothing stored; the error model's statuses for an unknown format, a wrong media type, a body
 * over the limit, an unreadable input and one that does not convert; 401 and 403 before anything.
 */
import { readFileSync } from 'node:fs';
import type { Bundle, OperationOutcome, Parameters } from '@medplum/fhirtypes';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestGateway, tokens, type TestGateway } from './support.js';

const HL7 = readFileSync('test/adapters/hl7v2/fixtures/nl-his-referral-p76.hl7');
const ZD_XML = readFileSync('test/adapters/zorgdomein/fixtures/zd-verwijsbrief-p72-crisis.xml');
const LIMIT = 16 * 1024;

let t: TestGateway;
let token: (client: string, scope?: string) => Promise<string>;
beforeAll(async () => {
  t = await openTestGateway({ config: { http: { bodyLimitBytes: LIMIT } } });
  token = tokens(t.app);
});
afterAll(async () => t.close());

async function convert(format: string, body: Buffer | string, type: string, client = 'demo-gp') {
  return request(t.app)
    .post(`/fhir/convert/${format}`)
    .set('Authorization', `Bearer ${await token(client)}`)
    .set('Content-Type', type)
    .send(body);
}

function issueCodes(o: OperationOutcome): string[] {
  return o.issue.map((i) => i.details?.coding?.[0]?.code ?? i.code);
}

describe('POST /fhir/convert/{format}', () => {
  it('when an HL7 v2 referral is posted, then it is 200 with the message Bundle as output and the report, and nothing is stored', async () => {
    const before = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource');
    const res = await convert('hl7v2', HL7, 'application/hl7-v2');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const params = res.body as Parameters;
    expect(params.resourceType).toBe('Parameters');
    expect(params.parameter?.map((p) => p.name)).toEqual(['output', 'report']);
    const output = params.parameter?.[0]?.resource as Bundle;
    expect(output.resourceType).toBe('Bundle');
    expect(output.type).toBe('message');
    const report = params.parameter?.[1]?.resource as OperationOutcome;
    expect(report.resourceType).toBe('OperationOutcome');
    expect(issueCodes(report)).toContain('source-field-unmapped');
    const after = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource');
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  it('when the route outside the FHIR base is used, then it converts the same, with the same token check', async () => {
    const res = await request(t.app)
      .post('/convert/hl7v2')
      .set('Authorization', `Bearer ${await token('demo-gp')}`)
      .set('Content-Type', 'application/hl7-v2')
      .send(HL7);
    expect(res.status).toBe(200);
    expect((res.body as Parameters).parameter?.map((p) => p.name)).toEqual(['output', 'report']);
    const anonymous = await request(t.app).post('/convert/hl7v2').type('application/hl7-v2').send(HL7);
    expect(anonymous.status).toBe(401);
  });

  it('when channel settings come as query parameters, then the conversion uses them', async () => {
    const res = await request(t.app)
      .post('/fhir/convert/hl7v2?channel.senderOrganizationType=gp-practice')
      .set('Authorization', `Bearer ${await token('demo-gp')}`)
      .set('Content-Type', 'application/hl7-v2')
      .send(HL7);
    expect(res.status).toBe(200);
    const output = (res.body as Parameters).parameter?.[0]?.resource as Bundle;
    const types = output.entry
      ?.map((e) => e.resource)
      .filter((r) => r?.resourceType === 'Organization')
      .flatMap((r) => (r as { type?: { coding?: { code?: string }[] }[] }).type ?? [])
      .flatMap((c) => c.coding?.map((x) => x.code) ?? []);
    expect(types).toContain('gp-practice');
  });

  it('when the body is application/octet-stream and the format is named in another case, then it converts', async () => {
    const res = await convert('HL7v2', HL7, 'application/octet-stream');
    expect(res.status).toBe(200);
    expect((res.body as Parameters).parameter?.[0]?.resource?.resourceType).toBe('Bundle');
  });

  it('when the format is unknown, then it is 404 naming the formats there are', async () => {
    const res = await convert('no-such-format', HL7, 'application/octet-stream');
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toMatch(
      /^No such format; the formats are assessments, .*hl7v2, .*zorgdomein/,
    );
  });

  it("when the media type is not one of the adapter's, then it is 415", async () => {
    const res = await convert('hl7v2', HL7, 'text/csv');
    expect(res.status).toBe(415);
    expect(res.body.issue[0].code).toBe('not-supported');
  });

  it('when the body is over the configured limit, then it is 413', async () => {
    const res = await convert('hl7v2', Buffer.alloc(LIMIT + 1, 0x41), 'application/octet-stream');
    expect(res.status).toBe(413);
    expect(res.body.issue[0].code).toBe('too-costly');
  });

  it('when the input cannot be read as the format, then it is 400 with the fatal issue and its location', async () => {
    const res = await convert('hl7v2', 'this is not HL7', 'text/plain');
    expect(res.status).toBe(400);
    const outcome = res.body as OperationOutcome;
    expect(outcome.issue[0]?.severity).toBe('fatal');
    expect(issueCodes(outcome)).toEqual(['source-unreadable']);
  });

  it('when no record converts, then it is 422 with the report', async () => {
    // Without a channel that names the receiver, this document cannot become a referral message.
    const res = await convert('zorgdomein', ZD_XML, 'application/fhir+xml');
    expect(res.status).toBe(422);
    expect(issueCodes(res.body as OperationOutcome)).toContain('mapping-failed');
  });

  it('when no token is sent, then it is 401', async () => {
    const res = await request(t.app).post('/fhir/convert/hl7v2').type('application/hl7-v2').send(HL7);
    expect(res.status).toBe(401);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('when the token has no system/Bundle.c, then it is 403', async () => {
    const res = await convert('hl7v2', HL7, 'application/hl7-v2', 'demo-privacy-officer');
    expect(res.status).toBe(403);
  });
});
