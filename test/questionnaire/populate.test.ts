/**
 * populate(): what the record holds is pre-filled with its source, the rest stays open,
 * monitoring questions stay open, observationLinkPeriod keeps old scores out, earlier answers
 * are found by concept, and a Questionnaire written here, unknown to the code, is pre-filled
 * through its own expressions.
 */
import type { Questionnaire, QuestionnaireItem } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { populate, referralReport, type PopulateResult } from '../../src/questionnaire/index.js';
import {
  answersTo,
  context,
  exampleResponse,
  itemsWith,
  NOW,
  questionnaire,
  record,
  sourceOf,
  withEntries,
} from './support.js';

const SDC = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/';

function statusOf(result: PopulateResult, linkId: string): string | undefined {
  return result.report.items.find((i) => i.linkId === linkId)?.status;
}

describe('populate the GGZ intake from the client record', () => {
  const result = populate(questionnaire('ggz-intake'), context());
  const { response } = result;

  it('when the referral carries the client request, then the request for help is pre-filled from the ServiceRequest', () => {
    const [answer] = answersTo(response, 'ggz-request');
    expect(answer?.valueString).toMatch(/^Ik wil weer grip krijgen op mijn somberheid/);
    expect(sourceOf(answer)).toBe('ServiceRequest/referral-2026-05');
  });

  it('when the record holds an earlier episode of care, then where, when and what are pre-filled and the result stays open', () => {
    const [episode, ...more] = itemsWith(response, 'ggz-treatment');
    expect(more).toEqual([]);
    const answer = (linkId: string): unknown => episode?.item?.find((i) => i.linkId === linkId)?.answer?.[0];
    expect(answer('ggz-treatment-where')).toMatchObject({ valueString: 'Psychologenpraktijk Hoogeland' });
    expect(sourceOf(answer('ggz-treatment-where') ?? undefined)).toBe('Organization/praktijk-hoogeland');
    expect(answer('ggz-treatment-start')).toMatchObject({ valueDate: '2022-01-10' });
    expect(answer('ggz-treatment-end')).toMatchObject({ valueDate: '2022-09-30' });
    expect(answer('ggz-treatment-what')).toMatchObject({
      valueString: 'Basis-GGZ: cognitieve gedragstherapie, 12 sessies',
    });
    expect(statusOf(result, 'ggz-treatment-result')).toBe('open');
  });

  it('when the record holds two diagnoses and a legal status, then the diagnosis group repeats for each diagnosis only', () => {
    const codes = answersTo(response, 'ggz-diagnosis-code').map((a) => a.valueCoding?.code);
    expect(codes).toEqual(['F33.1', 'P76']);
    expect(answersTo(response, 'ggz-diagnosis-since').map((a) => a.valueDate)).toEqual([
      '2021-11',
      '2026-04-02',
    ]);
    expect(answersTo(response, 'ggz-legal-status').map((a) => [a.valueCoding?.code, sourceOf(a)])).toEqual([
      ['voluntary', 'Condition/legal-status'],
    ]);
  });

  it('when the record holds current and stopped medication, then only the current one is pre-filled', () => {
    expect(answersTo(response, 'ggz-medication-name').map((a) => a.valueString)).toEqual([
      'Sertraline 50 mg tablet',
    ]);
    expect(answersTo(response, 'ggz-medication-dosage').map((a) => a.valueString)).toEqual([
      "1 maal per dag 50 mg, 's ochtends",
    ]);
  });

  it('when the summary lists the crisis plan, then it is found through the summary section and resolve()', () => {
    const [answer] = answersTo(response, 'ggz-crisis-plan');
    expect(answer?.valueString).toMatch(/^Vroege signalen/);
    expect(sourceOf(answer)).toBe('CarePlan/signaleringsplan');
  });

  it('when the patient names a GP, then the GP question is answered with the reference and sourced from the Patient', () => {
    const [answer] = answersTo(response, 'ggz-gp');
    expect(answer?.valueReference).toEqual({
      reference: 'Organization/gp-de-linie',
      display: 'Huisartsenpraktijk De Linie',
    });
    expect(sourceOf(answer)).toBe('Patient/sanne');
  });

  it('when nothing in the record answers a question, then it is reported open and has no answer', () => {
    const open = result.report.items.filter((i) => i.status === 'open').map((i) => i.linkId);
    expect(open).toEqual([
      'ggz-treatment-result',
      'ggz-housing',
      'ggz-work-education',
      'ggz-income-debts',
      'ggz-children-at-home',
    ]);
    expect(open.flatMap((linkId) => answersTo(response, linkId))).toEqual([]);
    expect(result.report).toMatchObject({ answeredBefore: 16, open: 5, monitoring: 1 });
  });

  it('when population is done, then every answer has one source entry that points at it and names its resource', () => {
    const answers = (response.item ?? []).flatMap(function all(i): unknown[] {
      return [...(i.answer ?? []), ...(i.item ?? []).flatMap(all)];
    });
    expect(result.sources).toHaveLength(answers.length);
    const at = result.sources.find((s) => s.linkId === 'ggz-medication-dosage');
    expect(at).toMatchObject({
      path: 'QuestionnaireResponse.item[4].item[1].answer[0]',
      kind: 'expression',
      reference: 'MedicationStatement/sertraline',
    });
    expect(result.issues).toEqual([]);
  });

  it('when the response is made, then it is in progress, for the client, at the given moment, for the versioned Questionnaire', () => {
    expect(response).toMatchObject({
      resourceType: 'QuestionnaireResponse',
      questionnaire: 'https://overdracht.dev/fhir/Questionnaire/ggz-intake|0.1.0',
      status: 'in-progress',
      subject: { reference: 'Patient/sanne' },
      authored: NOW.toISOString(),
    });
  });
});

describe('monitoring questions', () => {
  it('when the record holds a PHQ-9 total and an earlier PHQ-9 response, then no PHQ-9 question is pre-filled', () => {
    const result = populate(questionnaire('phq-9'), context());
    expect(result.response.item).toBeUndefined();
    expect(result.report).toMatchObject({ answeredBefore: 0, open: 0, monitoring: 10 });
  });

  it('when the suicide risk was assessed in an earlier conversation, then the intake asks it again', () => {
    const b = withEntries(record(), [exampleResponse('social-domain-conversation')]);
    const result = populate(questionnaire('ggz-intake'), context({ record: b }));
    expect(answersTo(result.response, 'ggz-suicide-risk')).toEqual([]);
    expect(statusOf(result, 'ggz-suicide-risk')).toBe('monitoring');
  });

  it('when a group is marked monitoring, then nothing below it is pre-filled, even what the record holds', () => {
    const q = questionnaire('ggz-intake');
    const medication = q.item?.find((i) => i.linkId === 'ggz-medication');
    medication?.extension?.push({
      url: 'https://overdracht.dev/fhir/StructureDefinition/ov-monitoring-item',
      valueBoolean: true,
    });
    const result = populate(q, context());
    expect(answersTo(result.response, 'ggz-medication-name')).toEqual([]);
    expect([statusOf(result, 'ggz-medication-name'), statusOf(result, 'ggz-medication-dosage')]).toEqual([
      'monitoring',
      'monitoring',
    ]);
  });
});

describe('observationLinkPeriod', () => {
  const result = populate(questionnaire('positive-health'), context());

  it('when a dimension was scored twice, the last time within three months, then the newest score is pre-filled', () => {
    const [answer] = answersTo(result.response, 'ph-mental-wellbeing');
    expect(answer?.valueInteger).toBe(4);
    expect(sourceOf(answer)).toBe('Observation/ph-mental-wellbeing');
  });

  it('when the only score is older than the link period, then the question stays open', () => {
    expect(statusOf(result, 'ph-meaningfulness')).toBe('open');
  });

  it('when the same record is used half a year later, then no score is recent enough', () => {
    const later = populate(
      questionnaire('positive-health'),
      context({ now: new Date('2026-12-01T09:00:00+01:00') }),
    );
    expect(later.report).toMatchObject({ answeredBefore: 0, open: 6 });
  });

  it('when a ZRM domain was scored within six months, then its score is pre-filled as a zrm-score coding, and one scored a year ago is not', () => {
    const zrm = populate(questionnaire('self-sufficiency-matrix'), context());
    expect(answersTo(zrm.response, 'zrm-finances').map((a) => a.valueCoding)).toEqual([
      { system: 'https://overdracht.dev/fhir/CodeSystem/zrm-score', code: '2' },
    ]);
    expect(statusOf(zrm, 'zrm-housing')).toBe('open');
  });
});

describe('earlier answers', () => {
  /** A question with the concept of the conversation's housing question, under another linkId. */
  const housing: Questionnaire = {
    resourceType: 'Questionnaire',
    url: 'https://example.org/fhir/Questionnaire/woonsituatie',
    status: 'active',
    item: [
      {
        linkId: 'woonsituatie',
        type: 'string',
        text: 'Woonsituatie',
        code: [{ system: 'https://overdracht.dev/fhir/CodeSystem/life-domain', code: 'housing' }],
      },
    ],
  };

  it('when another questionnaire answered the same concept, then the answer is taken over by item code, not by linkId', () => {
    const b = withEntries(record(), [exampleResponse('social-domain-conversation')]);
    const result = populate(housing, context({ record: b }));
    const [answer] = answersTo(result.response, 'woonsituatie');
    expect(answer?.valueString).toMatch(/^Huurwoning in Groningen/);
    expect(sourceOf(answer)).toBe('QuestionnaireResponse/ktg-2026-05');
    expect(result.sources[0]?.kind).toBe('earlier-answer');
  });

  it("when the earlier response's Questionnaire is not known, then its answers cannot be read and the question stays open", () => {
    const b = withEntries(record(), [exampleResponse('social-domain-conversation')]);
    const result = populate(housing, context({ record: b, questionnaires: [] }));
    expect(result.report.open).toBe(1);
  });
});

describe('a Questionnaire the code has never seen', () => {
  const expression = (
    url: string,
    value: string,
    name?: string,
  ): NonNullable<QuestionnaireItem['extension']>[number] => ({
    url,
    valueExpression: { language: 'text/fhirpath', expression: value, ...(name ? { name } : {}) },
  });
  const written: Questionnaire = {
    resourceType: 'Questionnaire',
    url: 'https://example.org/fhir/Questionnaire/verkenning',
    status: 'active',
    extension: [
      {
        url: `${SDC}sdc-questionnaire-launchContext`,
        extension: [
          { url: 'name', valueCoding: { code: 'encounter' } },
          { url: 'type', valueCode: 'Encounter' },
        ],
      },
      expression(
        'http://hl7.org/fhir/StructureDefinition/variable',
        "%record.entry.resource.ofType(Condition).where(code.coding.system = 'http://hl7.org/fhir/sid/dsm5')",
        'dsm',
      ),
    ],
    item: [
      {
        linkId: 'born',
        type: 'date',
        text: 'Geboren',
        extension: [expression(`${SDC}sdc-questionnaire-initialExpression`, '%patient.birthDate')],
      },
      {
        linkId: 'age',
        type: 'integer',
        text: 'Leeftijd',
        extension: [
          expression(
            `${SDC}sdc-questionnaire-initialExpression`,
            'today().toString().substring(0, 4).toInteger() - %patient.birthDate.toString().substring(0, 4).toInteger() - 1',
          ),
        ],
      },
      {
        linkId: 'diagnosis',
        type: 'string',
        text: 'DSM-5',
        extension: [expression(`${SDC}sdc-questionnaire-initialExpression`, '%dsm.code.coding.display')],
      },
      {
        linkId: 'medication',
        type: 'group',
        repeats: true,
        extension: [
          expression(
            `${SDC}sdc-questionnaire-itemPopulationContext`,
            '%record.entry.resource.ofType(MedicationStatement)',
            'ms',
          ),
        ],
        item: [
          {
            linkId: 'atc',
            type: 'choice',
            extension: [
              expression(
                `${SDC}sdc-questionnaire-initialExpression`,
                "%ms.medication.coding.where(system = 'http://www.whocc.no/atc')",
              ),
            ],
          },
          {
            linkId: 'stopped',
            type: 'boolean',
            extension: [expression(`${SDC}sdc-questionnaire-initialExpression`, "%ms.status = 'stopped'")],
          },
        ],
      },
      {
        linkId: 'mood',
        type: 'integer',
        code: [
          {
            system: 'https://overdracht.dev/fhir/CodeSystem/positive-health-dimension',
            code: 'mental-wellbeing',
          },
        ],
        extension: [
          {
            url: `${SDC}sdc-questionnaire-observationLinkPeriod`,
            valueDuration: { value: 8, system: 'http://unitsofmeasure.org', code: 'wk' },
          },
        ],
      },
      {
        linkId: 'mood-recent',
        type: 'integer',
        code: [
          {
            system: 'https://overdracht.dev/fhir/CodeSystem/positive-health-dimension',
            code: 'mental-wellbeing',
          },
        ],
        extension: [
          {
            url: `${SDC}sdc-questionnaire-observationLinkPeriod`,
            valueDuration: { value: 4, system: 'http://unitsofmeasure.org', code: 'wk' },
          },
        ],
      },
      {
        linkId: 'visit',
        type: 'string',
        extension: [expression(`${SDC}sdc-questionnaire-initialExpression`, '%encounter.reasonCode.text')],
      },
      {
        linkId: 'broken',
        type: 'string',
        extension: [expression(`${SDC}sdc-questionnaire-initialExpression`, '%record.entry.(')],
      },
      {
        linkId: 'query',
        type: 'string',
        extension: [
          {
            url: `${SDC}sdc-questionnaire-initialExpression`,
            valueExpression: {
              language: 'application/x-fhir-query',
              expression: 'Observation?patient={{%patient.id}}',
            },
          },
        ],
      },
    ],
  };
  const result = populate(written, context());
  const { response } = result;

  it('when it is populated, then its own expressions over %patient, %record and its variables fill the questions', () => {
    expect(answersTo(response, 'born')).toEqual([
      {
        extension: [
          {
            url: 'https://overdracht.dev/fhir/StructureDefinition/ov-answer-source',
            valueReference: { reference: 'Patient/sanne' },
          },
        ],
        valueDate: '1991-03-14',
      },
    ]);
    expect(answersTo(response, 'diagnosis').map((a) => [a.valueString, sourceOf(a)])).toEqual([
      ['Major depressive disorder, recurrent episode, moderate', 'Condition/depression-dsm'],
    ]);
  });

  it("when an expression computes a value with today(), then the caller's clock is used and the answer has no single source", () => {
    expect(answersTo(response, 'age')).toEqual([{ valueInteger: 34 }]);
    expect(result.sources.find((s) => s.linkId === 'age')).toEqual({
      linkId: 'age',
      path: 'QuestionnaireResponse.item[1].answer[0]',
      kind: 'expression',
      expression:
        'today().toString().substring(0, 4).toInteger() - %patient.birthDate.toString().substring(0, 4).toInteger() - 1',
    });
  });

  it('when a repeating group has an itemPopulationContext, then it repeats per resource and its items read the context variable', () => {
    expect(
      itemsWith(response, 'medication').map((g) =>
        g.item?.map((i) => [i.linkId, i.answer?.[0]?.valueCoding?.code ?? i.answer?.[0]?.valueBoolean]),
      ),
    ).toEqual([
      [
        ['atc', 'N06AB06'],
        ['stopped', false],
      ],
      [
        ['atc', 'N05BA04'],
        ['stopped', true],
      ],
    ]);
    expect(sourceOf(answersTo(response, 'stopped')[1])).toBe('MedicationStatement/oxazepam-stopped');
  });

  it('when its items take Observations within their own link periods, then eight weeks reach the score of six weeks ago and four do not', () => {
    expect(answersTo(response, 'mood').map((a) => a.valueInteger)).toEqual([4]);
    expect(statusOf(result, 'mood-recent')).toBe('open');
  });

  it('when a declared launch context is not supplied, an expression is broken or not FHIRPath, then population goes on and warns about each', () => {
    expect(statusOf(result, 'visit')).toBe('open');
    expect(statusOf(result, 'broken')).toBe('open');
    expect(statusOf(result, 'query')).toBe('open');
    expect(result.issues.map((i) => [i.severity, i.expression?.[0], i.diagnostics?.slice(0, 40)])).toEqual([
      ['warning', 'Questionnaire', 'The launch context %encounter was not su'],
      ['warning', 'Questionnaire.item[7]', "initialExpression of item 'broken' could"],
      ['warning', 'Questionnaire.item[8]', "initialExpression of item 'query' is app"],
    ]);
  });
});

describe('the intake report of a referral', () => {
  it('when the intake questionnaires are reported for a referral, then each counts its answered, open and monitoring questions and the totals add up', () => {
    const report = referralReport(
      [questionnaire('positive-health'), questionnaire('phq-9'), questionnaire('ggz-intake')],
      context(),
      'ServiceRequest/referral-2026-05',
    );
    expect(
      report.questionnaires.map((r) => [r.questionnaire, r.answeredBefore, r.open, r.monitoring]),
    ).toEqual([
      ['https://overdracht.dev/fhir/Questionnaire/positive-health', 2, 4, 0],
      ['https://overdracht.dev/fhir/Questionnaire/phq-9', 0, 0, 10],
      ['https://overdracht.dev/fhir/Questionnaire/ggz-intake', 16, 5, 1],
    ]);
    expect(report).toMatchObject({
      referral: 'ServiceRequest/referral-2026-05',
      answeredBefore: 18,
      open: 9,
      monitoring: 11,
    });
  });
});
