import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { MemoryJtiStore } from '../../src/auth/smart.js';
import { createApp } from '../../src/http/app.js';
import { readFhirJson } from '../../src/http/body.js';
import { sendResource } from '../../src/http/respond.js';
import type { FhirRoute } from '../../src/http/routes.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { demoConfig, tokenFor } from '../support/tokens.js';

const echo: FhirRoute = {
  method: 'post',
  path: '/Patient/\\$echo',
  operation: { name: 'echo', level: 'type', type: 'Patient' },
  scope: { type: 'Patient', interaction: 'c' },
  async handler({ req, res }) {
    const body = (await readFhirJson(req, 2048)) as { resourceType: 'Patient' };
    sendResource(res, 200, body);
  },
};
const read: FhirRoute = {
  method: 'get',
  path: '/AuditEvent/:id',
  resource: { type: 'AuditEvent', interaction: 'read' },
  scope: { type: 'AuditEvent', interaction: 'r' },
  async handler({ res }) {
    sendResource(res, 200, { resourceType: 'AuditEvent' } as never);
  },
};

const logs: string[] = [];
const app = createApp({
  config: demoConfig,
  logger: createLogger('info', (l) => logs.push(l)),
  metrics: createMetrics(),
  jtis: new MemoryJtiStore(),
  now: () => new Date(),
  version: 'test',
  routes: [echo, read],
});

describe('HTTP foundation', () => {
  it('when /healthz is called, then it answers ok', async () => {
    const res = await request(app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it('when /fhir/metadata is called, then the CapabilityStatement lists exactly the declared routes', async () => {
    const res = await request(app).get('/fhir/metadata');
    expect(res.status).toBe(200);
    const rest = res.body.rest[0];
    expect(rest.resource.map((r: { type: string }) => r.type)).toEqual(['AuditEvent', 'Patient']);
    expect(rest.resource[1].operation[0].name).toBe('echo');
  });

  it('when no token is sent, then it is 401 with an OperationOutcome and WWW-Authenticate', async () => {
    const res = await request(app).post('/fhir/Patient/$echo').send({});
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('when the token lacks the scope, then it is 403', async () => {
    const token = await tokenFor(app, 'demo-privacy-officer', 'system/AuditEvent.rs');
    const res = await request(app)
      .post('/fhir/Patient/$echo')
      .set('Authorization', `Bearer ${token}`)
      .type('application/fhir+json')
      .send('{}');
    expect(res.status).toBe(403);
  });

  it('when the media type is wrong, then it is 415', async () => {
    const token = await tokenFor(app, 'demo-gp');
    const res = await request(app)
      .post('/fhir/Patient/$echo')
      .set('Authorization', `Bearer ${token}`)
      .type('text/plain')
      .send('x');
    expect(res.status).toBe(415);
    expect(res.body.issue[0].code).toBe('not-supported');
  });

  it('when the body is over the limit, then it is 413', async () => {
    const token = await tokenFor(app, 'demo-gp');
    const res = await request(app)
      .post('/fhir/Patient/$echo')
      .set('Authorization', `Bearer ${token}`)
      .type('application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', x: 'a'.repeat(5000) }));
    expect(res.status).toBe(413);
  });

  it('when the body is malformed JSON, then it is 400 and the process answers the next request', async () => {
    const token = await tokenFor(app, 'demo-gp');
    const bad = await request(app)
      .post('/fhir/Patient/$echo')
      .set('Authorization', `Bearer ${token}`)
      .type('application/fhir+json')
      .send('{"a":');
    expect(bad.status).toBe(400);
    const ok = await request(app)
      .post('/fhir/Patient/$echo')
      .set('Authorization', `Bearer ${token}`)
      .type('application/fhir+json')
      .send('{"resourceType":"Patient"}');
    expect(ok.status).toBe(200);
  });

  it('when the id in the URL is not a FHIR id, then it is 400 naming the id before any lookup', async () => {
    const token = await tokenFor(app, 'demo-privacy-officer', 'system/AuditEvent.rs');
    for (const id of ['%00', 'a'.repeat(65), 'a%20b']) {
      const res = await request(app).get(`/fhir/AuditEvent/${id}`).set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(400);
      expect(res.body.issue[0].expression).toEqual(['AuditEvent.id']);
    }
  });

  it('when the URL holds a percent-encoding that is not UTF-8, then it is 400, never 500', async () => {
    const token = await tokenFor(app, 'demo-privacy-officer', 'system/AuditEvent.rs');
    for (const id of ['%FF', '%ED%A0%80', '%C0%AF', '%u0000']) {
      const res = await request(app).get(`/fhir/AuditEvent/${id}`).set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].diagnostics).toMatch(/percent-encod/);
    }
    expect(logs.join('\n')).not.toMatch(/"level":"error"/);
  });

  it('when an unknown path is called, then it is a 404 OperationOutcome', async () => {
    const res = await request(app).get('/nothing');
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('when requests were served, then /metrics counts them by route without ids', async () => {
    await request(app).get('/fhir/AuditEvent/999911120');
    const res = await request(app).get('/metrics');
    expect(res.text).toContain('overdracht_http_requests_total');
    expect(res.text).not.toContain('999911120');
    expect(logs.join('\n')).not.toContain('999911120');
  });
});
