/**
 * $populate, $extract and $intake-report through the real app: a Questionnaire written here, which
 * the code has never seen, is pre-filled through its own expressions from the client record with
 * each answer's source; a monitoring item stays open; answers written back with $extract pre-fill
 * the next questionnaire; an organisation that holds nothing of the client gets nothing.
 */
import type {
  Bundle,
  Parameters,
  Questionnaire,
  QuestionnaireResponse,
  QuestionnaireResponseItemAnswer,
  Task,
} from '@medplum/fhirtypes';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientBundle } from '../assembly/fixtures.js';
import { openTestGateway, postMessage, tokens, type TestGateway } from '../gateway/support.js';
import { referralMessage } from '../support/referral.js';

const SDC = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/';
const MONITORING = 'https://overdracht.dev/fhir/StructureDefinition/ov-monitoring-item';
const ANSWER_SOURCE = 'https://overdracht.dev/fhir/StructureDefinition/ov-answer-source';
const CODES = 'https://example.org/fhir/CodeSystem/wellbeing-check';
const BSN = '999911181';

let t: TestGateway;
let token: (client: string) => Promise<string>;

beforeAll(async () => {
  t = await openTestGateway();
  token = tokens(t.app);
  const res = await request(t.app)
    .post('/fhir/$import-record?format=fhir&source=epd-export.json')
    .set('Authorization', `Bearer ${await token('demo-ggz')}`)
    .type('application/fhir+json')
    .send(JSON.stringify(clientBundle(BSN)));
  expect(res.status).toBe(200);
});
afterAll(async () => t.close());

/** Never part of the package: the code meets it for the first time in this test. */
const wellbeingCheck: Questionnaire = {
  resourceType: 'Questionnaire',
  url: 'https://example.org/fhir/Questionnaire/wellbeing-check',
  status: 'active',
  item: [
    {
      linkId: 'born',
      type: 'date',
      text: 'Geboortedatum',
      extension: [
        {
          url: `${SDC}sdc-questionnaire-initialExpression`,
          valueExpression: { language: 'text/fhirpath', expression: '%patient.birthDate' },
        },
      ],
    },
    {
      linkId: 'treated-since',
      type: 'date',
      text: 'Eerder behandeld vanaf',
      extension: [
        {
          url: `${SDC}sdc-questionnaire-initialExpression`,
          valueExpression: {
            language: 'text/fhirpath',
            expression: '%record.entry.resource.ofType(EpisodeOfCare).period.start.first()',
          },
        },
      ],
    },
    {
      linkId: 'wellbeing',
      type: 'integer',
      text: 'Hoe gaat het, van 0 tot 10?',
      code: [{ system: CODES, code: 'wellbeing' }],
      extension: [
        {
          url: `${SDC}sdc-questionnaire-observationLinkPeriod`,
          valueDuration: { value: 1, code: 'a', system: 'http://unitsofmeasure.org', unit: 'year' },
        },
        { url: `${SDC}sdc-questionnaire-observationExtract`, valueBoolean: true },
      ],
    },
    {
      linkId: 'mood-today',
      type: 'integer',
      text: 'Stemming vandaag, van 0 tot 10',
      code: [{ system: CODES, code: 'mood' }],
      extension: [
        { url: MONITORING, valueBoolean: true },
        {
          url: `${SDC}sdc-questionnaire-observationLinkPeriod`,
          valueDuration: { value: 1, code: 'a', system: 'http://unitsofmeasure.org', unit: 'year' },
        },
        {
          url: `${SDC}sdc-questionnaire-initialExpression`,
          valueExpression: { language: 'text/fhirpath', expression: '7' },
        },
      ],
    },
  ],
};

async function populate(client: string, subject: Parameters['parameter']): Promise<request.Response> {
  return request(t.app)
    .post('/fhir/Questionnaire/$populate')
    .set('Authorization', `Bearer ${await token(client)}`)
    .type('application/fhir+json')
    .send(
      JSON.stringify({
        resourceType: 'Parameters',
        parameter: [{ name: 'questionnaire', resource: wellbeingCheck }, ...(subject ?? [])],
      }),
    );
}

const byBsn = [
  { name: 'subject', valueIdentifier: { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: BSN } },
];

function responseOf(res: request.Response): QuestionnaireResponse {
  return (res.body as Parameters).parameter?.find((p) => p.name === 'response')
    ?.resource as QuestionnaireResponse;
}

function answer(r: QuestionnaireResponse, linkId: string): QuestionnaireResponseItemAnswer | undefined {
  return r.item?.find((i) => i.linkId === linkId)?.answer?.[0];
}

function source(a: QuestionnaireResponseItemAnswer | undefined): string | undefined {
  return a?.extension?.find((e) => e.url === ANSWER_SOURCE)?.valueReference?.reference;
}

describe('$populate and $extract', () => {
  let first: QuestionnaireResponse;

  it('when a Questionnaire the code has never seen is populated, then its own expressions fill it from the record with each source, and the monitoring item stays open', async () => {
    const res = await populate('demo-ggz', byBsn);
    expect(res.status).toBe(200);
    first = responseOf(res);
    expect(first).toMatchObject({ status: 'in-progress', questionnaire: wellbeingCheck.url });
    expect(answer(first, 'born')).toMatchObject({ valueDate: '1990-04-12' });
    expect(source(answer(first, 'born'))).toBe(first.subject?.reference);
    expect(answer(first, 'treated-since')).toMatchObject({ valueDate: '2022-01-10' });
    expect(source(answer(first, 'treated-since'))).toMatch(/^EpisodeOfCare\//);
    expect(answer(first, 'wellbeing')).toBeUndefined();
    // Its expression would give 7: a monitoring question is asked every time.
    expect(answer(first, 'mood-today')).toBeUndefined();
  });

  it('when the answers are extracted, then they go into the record and the next population shows them, monitoring still open', async () => {
    const completed: QuestionnaireResponse = {
      ...first,
      status: 'completed',
      item: [
        ...(first.item ?? []),
        { linkId: 'wellbeing', answer: [{ valueInteger: 6 }] },
        { linkId: 'mood-today', answer: [{ valueInteger: 4 }] },
      ],
    };
    const res = await request(t.app)
      .post('/fhir/QuestionnaireResponse/$extract')
      .set('Authorization', `Bearer ${await token('demo-ggz')}`)
      .type('application/fhir+json')
      .send(
        JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'questionnaire-response', resource: completed },
            { name: 'questionnaire', resource: wellbeingCheck },
          ],
        }),
      );
    expect(res.status).toBe(200);
    const stored = (res.body as Parameters).parameter?.find((p) => p.name === 'return')?.resource as Bundle;
    // The response and one Observation per new answer; pre-filled answers are not written back.
    expect(stored.entry?.map((e) => e.resource?.resourceType)).toEqual([
      'QuestionnaireResponse',
      'Observation',
      'Observation',
    ]);
    const again = responseOf(
      await populate('demo-ggz', [
        { name: 'subject', valueReference: { reference: first.subject?.reference ?? '' } },
      ]),
    );
    expect(answer(again, 'wellbeing')).toMatchObject({ valueInteger: 6 });
    expect(source(answer(again, 'wellbeing'))).toMatch(/^Observation\//);
    expect(answer(again, 'mood-today')).toBeUndefined();
  });

  it('when the same response is extracted twice, then the record is unchanged', async () => {
    const before = await t.db.query('SELECT count(*)::integer AS n FROM record_entry');
    const completed = {
      ...first,
      status: 'completed',
      item: [{ linkId: 'wellbeing', answer: [{ valueInteger: 8 }] }],
    };
    const send = async () =>
      request(t.app)
        .post('/fhir/QuestionnaireResponse/$extract')
        .set('Authorization', `Bearer ${await token('demo-ggz')}`)
        .type('application/fhir+json')
        .send(
          JSON.stringify({
            resourceType: 'Parameters',
            parameter: [
              { name: 'questionnaire-response', resource: completed },
              { name: 'questionnaire', resource: wellbeingCheck },
            ],
          }),
        );
    const one = await send();
    const two = await send();
    expect((one.body as Parameters).parameter?.find((p) => p.name === 'added')?.valueInteger).toBe(2);
    expect((two.body as Parameters).parameter?.find((p) => p.name === 'added')?.valueInteger).toBe(0);
    const after = await t.db.query('SELECT count(*)::integer AS n FROM record_entry');
    expect((after.rows[0] as { n: number }).n).toBe((before.rows[0] as { n: number }).n + 2);
  });

  it('when an organisation holds nothing of the client, then it gets 404 as if there were no record', async () => {
    const res = await populate('demo-social-team', byBsn);
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('when the subject is missing or not a Patient, then it is 422 naming the parameter', async () => {
    expect((await populate('demo-ggz', [])).status).toBe(422);
    const res = await populate('demo-ggz', [
      { name: 'subject', valueReference: { reference: 'Organization/x' } },
    ]);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual(['subject']);
  });
});

describe('$intake-report', () => {
  it('when the receiver asks for the intake report of a referral, then it says per question what is answered, open and monitoring', async () => {
    const sent = await postMessage(
      t.app,
      await token('demo-gp'),
      referralMessage({ messageId: 'report-1', bsn: BSN }),
    );
    expect(sent.status).toBe(200);
    const task = (sent.body as Bundle).entry?.[1]?.resource as Task;
    const res = await request(t.app)
      .get(`/fhir/${task.focus?.reference ?? ''}/$intake-report`)
      .set('Authorization', `Bearer ${await token('demo-ggz')}`);
    expect(res.status).toBe(200);
    const params = res.body as Parameters;
    const value = (name: string) => params.parameter?.find((p) => p.name === name)?.valueInteger ?? -1;
    expect(value('answeredBefore')).toBeGreaterThan(0);
    expect(value('open')).toBeGreaterThan(0);
    expect(value('monitoring')).toBeGreaterThanOrEqual(10);
    const intake = params.parameter?.find(
      (p) => p.name === 'questionnaire' && p.part?.[0]?.valueCanonical?.includes('ggz-intake'),
    );
    const item = (linkId: string) =>
      intake?.part?.find((p) => p.name === 'item' && p.part?.[0]?.valueString === linkId)?.part ?? [];
    expect(item('ggz-request').find((p) => p.name === 'status')?.valueCode).toBe('answered-before');
    expect(item('ggz-suicide-risk').find((p) => p.name === 'status')?.valueCode).toBe('monitoring');
    expect(item('ggz-housing').find((p) => p.name === 'status')?.valueCode).toBe('open');
  });

  it('when another organisation asks for the report, then the referral does not exist for it', async () => {
    const sent = await postMessage(
      t.app,
      await token('demo-gp'),
      referralMessage({ messageId: 'report-2', bsn: BSN }),
    );
    const task = (sent.body as Bundle).entry?.[1]?.resource as Task;
    const res = await request(t.app)
      .get(`/fhir/${task.focus?.reference ?? ''}/$intake-report`)
      .set('Authorization', `Bearer ${await token('demo-social-team')}`);
    expect(res.status).toBe(404);
  });
});
