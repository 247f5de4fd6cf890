/**
 * Input nobody wrote by hand: seeded random damage to a valid referral message, sent to
 * $process-message and $validate, and hostile read and search URLs. Whatever arrives, the
 * gateway answers with a status below 500 and an OperationOutcome, names the element or
 * parameter when it refuses bad input (400/422), and logs no error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationOutcome } from '@medplum/fhirtypes';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_ACTIONS } from '../../src/gateway/task-actions.js';
import { HOSTILE_VALUES, mutate, seededRandom } from '../support/mutate.js';
import { referralMessage } from '../support/referral.js';
import {
  FHIR_JSON,
  get,
  openTestGateway,
  postMessage,
  sendReferral,
  tokens,
  type TestGateway,
} from './support.js';

let t: TestGateway;
let token: (clientId: string) => Promise<string>;

beforeAll(async () => {
  t = await openTestGateway();
  token = tokens(t.app);
});
afterAll(() => t.close());

interface Answer {
  status: number;
  body: { resourceType?: string; issue?: OperationOutcome['issue'] };
}

/** What is wrong with an answer to hostile input, or undefined when it is as promised. */
function problem(res: Answer): string | undefined {
  if (res.status >= 500) return `status ${String(res.status)}`;
  if (res.status >= 400 && res.body.resourceType !== 'OperationOutcome') return 'no OperationOutcome';
  if (res.status === 400 || res.status === 422) {
    const named = (res.body.issue ?? []).some((i) => i.expression?.length || i.location?.length);
    const url = (res.body.issue ?? []).some((i) => /percent-encod/.test(i.diagnostics ?? ''));
    if (!named && !url) return 'no path named';
  }
  return undefined;
}

describe('hostile input', () => {
  it('when a referral message is damaged at random (200 seeded variants), then every answer is below 500, an OperationOutcome and names the path', async () => {
    const random = seededRandom(20261123);
    const gp = await token('demo-gp');
    const failures: string[] = [];
    for (let n = 0; n < 200; n++) {
      const body = JSON.stringify(mutate(referralMessage({ messageId: `hostile-${String(n)}` }), random));
      const res =
        n % 3 === 2
          ? await request(t.app)
              .post('/fhir/$validate')
              .set('Authorization', `Bearer ${gp}`)
              .type(FHIR_JSON)
              .send(body)
          : await postMessage(t.app, gp, body);
      const wrong = problem(res);
      if (wrong) failures.push(`variant ${String(n)}: ${wrong}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
    expect(t.logs.filter((l) => /"level":"(error|fatal)"/.test(l))).toEqual([]);
  });

  it('when read and search URLs carry hostile ids and parameter values, then every answer is below 500 and an OperationOutcome when refused', async () => {
    const random = seededRandom(7);
    const pick = <V>(list: readonly V[]): V => list[Math.floor(random() * list.length)] as V;
    const ggz = await token('demo-ggz');
    const types = ['Task', 'ServiceRequest', 'Composition', 'Patient', 'Consent', 'Coverage', 'Foo', 'task'];
    const params = [
      'identifier',
      'status',
      'owner',
      'requester',
      'patient',
      'patient.identifier',
      'date',
      '_count',
      '_id',
      '_lastUpdated',
      '_sort',
      '_include',
      'foo',
      'identifier:missing',
      'date:exact',
      '_total',
    ];
    const values = [
      '',
      '%00',
      '%C0%AF',
      '%FF',
      '%ED%A0%80',
      '|',
      'a|b|c',
      'ge2024-01-01',
      'eq2024-13-40',
      '-1',
      '0',
      '99999999999999999999',
      'abc',
      'Patient/',
      'Patient/x/y',
      'Organization/%00',
      '*',
      ',,,',
      'a'.repeat(3000),
      encodeURIComponent('é€𝄞'),
      '%u0000',
      '..%2F..%2Fetc',
    ];
    const failures: string[] = [];
    for (let n = 0; n < 300; n++) {
      const type = pick(types);
      const query = Array.from(
        { length: 1 + Math.floor(random() * 3) },
        () => `${pick(params)}=${pick(values)}`,
      );
      const path = random() < 0.3 ? `/fhir/${type}/${pick(values)}` : `/fhir/${type}?${query.join('&')}`;
      const wrong = problem(await get(t.app, ggz, path));
      if (wrong) failures.push(`${path.slice(0, 120)}: ${wrong}`);
    }
    expect(failures).toEqual([]);
    expect(t.logs.filter((l) => /"level":"(error|fatal)"/.test(l))).toEqual([]);
  });

  it('when operations get damaged Parameters (300 seeded bodies), then every answer is below 500 and names the parameter when refused', async () => {
    const random = seededRandom(5);
    const pick = <V>(list: readonly V[]): V => list[Math.floor(random() * list.length)] as V;
    const task = await sendReferral(t.app, await token('demo-gp'), { messageId: 'hostile-ops' });
    const callers = await Promise.all(['demo-gp', 'demo-ggz'].map((c) => token(c)));
    const paths = [
      ...[...TASK_ACTIONS, 'fan-out', 'handover'].map((action) => `/fhir/Task/${task.id ?? ''}/$${action}`),
      '/fhir/$validate',
      '/fhir/Patient/$validate',
      '/fhir/Questionnaire/$populate',
      '/fhir/QuestionnaireResponse/$extract',
    ];
    const names = ['reason', 'receiver', 'step', 'outcome', 'resource', 'profile', 'subject', 'constructor'];
    const kinds = [
      'valueString',
      'valueCode',
      'valueCoding',
      'valueIdentifier',
      'valueReference',
      'resource',
    ];
    const failures: string[] = [];
    for (let n = 0; n < 300; n++) {
      const parameter = Array.from({ length: Math.floor(random() * 3) }, () => ({
        name: pick(names),
        [pick(kinds)]: structuredClone(pick(HOSTILE_VALUES)),
      }));
      const body = mutate({ resourceType: 'Parameters', parameter }, random);
      const path = pick(paths);
      const res = await request(t.app)
        .post(path)
        .set('Authorization', `Bearer ${pick(callers)}`)
        .type(FHIR_JSON)
        .send(JSON.stringify(body));
      const wrong = problem(res);
      if (wrong) failures.push(`${path} ${JSON.stringify(body).slice(0, 120)}: ${wrong}`);
    }
    expect(failures).toEqual([]);
    expect(t.logs.filter((l) => /"level":"(error|fatal)"/.test(l))).toEqual([]);
  });

  it('when exports to import are damaged byte by byte (150 seeded inputs), then every answer is below 500 and no error is logged', async () => {
    const random = seededRandom(13);
    const pick = <V>(list: readonly V[]): V => list[Math.floor(random() * list.length)] as V;
    const fixtures = join(import.meta.dirname, '..', 'adapters');
    const inputs: [string, Buffer][] = [
      ['assessments', readFileSync(join(fixtures, 'assessments/fixtures/wijkteam-zrm.csv'))],
      ['gp-journal', readFileSync(join(fixtures, 'gp-journal/fixtures/his-export-de-linde.json'))],
      ['hl7v2', readFileSync(join(fixtures, 'hl7v2/fixtures/nl-his-referral-p76.hl7'))],
      ['edifact', readFileSync(join(fixtures, 'edifact/fixtures/medvri-p76-basis-ggz.edi'))],
      ['iwmo-ijw', readFileSync(join(fixtures, 'social/fixtures/jw315-youth-ggz.xml'))],
      ['fhir', Buffer.from(JSON.stringify(referralMessage({ messageId: 'import-source' })))],
    ];
    const junk = [
      '|',
      '^',
      '\r',
      '\n',
      '"',
      '{',
      '}',
      ',',
      ';',
      '\u0000',
      '\u00ff',
      '-1',
      '123456782',
      'null',
    ];
    const damage = (bytes: Buffer): Buffer => {
      let s = bytes.toString('latin1');
      for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
        const at = Math.floor(random() * s.length);
        const cut = Math.floor(random() * 30);
        s = random() < 0.4 ? s.slice(0, at) + s.slice(at + cut) : s.slice(0, at) + pick(junk) + s.slice(at);
      }
      return Buffer.from(s, 'latin1');
    };
    const callers = await Promise.all(['demo-gp', 'demo-ggz', 'demo-social-team'].map((c) => token(c)));
    const failures: string[] = [];
    for (let n = 0; n < 150; n++) {
      const [format, bytes] = pick(inputs);
      const res = await request(t.app)
        .post(`/fhir/$import-record?format=${format}&source=${pick(['export', 'a%00b'])}`)
        .set('Authorization', `Bearer ${pick(callers)}`)
        .set('Content-Type', 'application/octet-stream')
        .send(damage(bytes));
      const wrong = res.status >= 500 ? `status ${String(res.status)}` : undefined;
      if (wrong)
        failures.push(`${format} #${String(n)}: ${wrong}: ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    expect(t.logs.filter((l) => /"level":"(error|fatal)"/.test(l))).toEqual([]);
  });
});
