/**
 * extract(): new coded answers become Observations derived from the response, and those
 * Observations and the response are what the next questionnaire is pre-filled from - the client
 * is not asked the same question twice.
 */
import type { Observation, Questionnaire, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { extract, populate } from '../../src/questionnaire/index.js';
import { createValidator } from '../../src/validation/index.js';
import {
  answersTo,
  context,
  exampleResponse,
  questionnaire,
  record,
  sourceOf,
  withEntries,
} from './support.js';

function observations(resources: readonly Resource[]): Observation[] {
  return resources.filter((r): r is Observation => r.resourceType === 'Observation');
}

describe('extract', () => {
  const conversation = exampleResponse('social-domain-conversation');
  const extracted = extract(conversation, questionnaire('social-domain-conversation'));

  it('when the social-domain conversation is extracted, then the response comes first and each new life-domain answer becomes an Observation', () => {
    expect(extracted[0]).toBe(conversation);
    expect(observations(extracted).map((o) => o.code.coding?.[0]?.code)).toEqual([
      'housing',
      'work-education',
      'income-debts',
      'social-network',
      'daily-activities',
      'care',
      'safety',
      'physical-health',
      'mental-health',
    ]);
  });

  it('when an answer becomes an Observation, then it keeps the codes, the value, the client, the moment, who answered and the response', () => {
    expect(observations(extracted)[0]).toEqual({
      resourceType: 'Observation',
      id: 'ktg-2026-05-1',
      status: 'final',
      category: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/observation-category',
              code: 'survey',
              display: 'Survey',
            },
          ],
        },
      ],
      code: {
        coding: [
          {
            code: 'housing',
            system: 'https://overdracht.dev/fhir/CodeSystem/life-domain',
            display: 'Housing',
          },
          {
            code: '365508006',
            system: 'http://snomed.info/sct',
            display: 'Residence and accommodation circumstances',
          },
        ],
        text: 'Hoe woont u (waar, met wie, is het passend)?',
      },
      subject: { reference: 'Patient/sanne' },
      effectiveDateTime: '2026-05-20T14:30:00+02:00',
      performer: [{ reference: 'Organization/wijkteam-oost', display: 'Wijkteam Groningen Oost' }],
      valueString:
        'Huurwoning in Groningen met haar partner; de huur is sinds de ziektewet nauwelijks op te brengen.',
      derivedFrom: [{ reference: 'QuestionnaireResponse/ktg-2026-05' }],
    });
  });

  it('when an answer still carries the source it was pre-filled from, then it is not written back', () => {
    // The legal status was pre-filled from Condition/legal-status: no Observation repeats it.
    expect(
      observations(extracted).filter((o) => o.code.coding?.some((c) => c.code === 'legal-status')),
    ).toEqual([]);
  });

  it('when observationExtract is false on a group, then its coded items are not extracted', () => {
    const q: Questionnaire = {
      resourceType: 'Questionnaire',
      status: 'active',
      item: [
        {
          linkId: 'g',
          type: 'group',
          extension: [
            {
              url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observationExtract',
              valueBoolean: false,
            },
          ],
          item: [
            {
              linkId: 'q',
              type: 'string',
              code: [{ system: 'https://overdracht.dev/fhir/CodeSystem/life-domain', code: 'safety' }],
            },
          ],
        },
      ],
    };
    const response: QuestionnaireResponse = {
      resourceType: 'QuestionnaireResponse',
      status: 'completed',
      item: [{ linkId: 'g', item: [{ linkId: 'q', answer: [{ valueString: 'Ja.' }] }] }],
    };
    expect(extract(response, q)).toEqual([response]);
  });

  it('when ZRM scores are extracted, then each is a valid ov-zrm-observation', () => {
    const zrm = observations(
      extract(exampleResponse('self-sufficiency-matrix'), questionnaire('self-sufficiency-matrix')),
    );
    // Twelve new scores; finances was pre-filled from the record.
    expect(zrm).toHaveLength(12);
    const validator = createValidator();
    const profile = 'https://overdracht.dev/fhir/StructureDefinition/ov-zrm-observation';
    const errors = zrm.flatMap((o) =>
      (validator.validate(o, { profiles: [profile] }).issue ?? []).filter((i) => i.severity === 'error'),
    );
    expect(errors).toEqual([]);
  });
});

describe('the never-ask-twice loop', () => {
  it('when a keukentafelgesprek is extracted into the record, then the GGZ intake is pre-filled from its Observations and answers', () => {
    const conversation = exampleResponse('social-domain-conversation');
    const b = withEntries(record(), extract(conversation, questionnaire('social-domain-conversation')));
    const result = populate(questionnaire('ggz-intake'), context({ record: b }));
    const [housing] = answersTo(result.response, 'ggz-housing');
    expect(housing?.valueString).toMatch(/^Huurwoning in Groningen/);
    expect(sourceOf(housing)).toBe('Observation/ktg-2026-05-1');
    // The treatment's result is nowhere in the record but in the conversation's answers.
    const [outcome] = answersTo(result.response, 'ggz-treatment-result');
    expect(outcome?.valueString).toMatch(/^Klachten duidelijk minder/);
    expect(sourceOf(outcome)).toBe('QuestionnaireResponse/ktg-2026-05');
    // What is left: the suicide risk (monitoring) and children at home, which has no code to be found by.
    expect(
      result.report.items.filter((i) => i.status !== 'answered-before').map((i) => [i.linkId, i.status]),
    ).toEqual([
      ['ggz-suicide-risk', 'monitoring'],
      ['ggz-children-at-home', 'open'],
    ]);
  });

  it('when Positive Health is extracted, then a month later it is pre-filled from the new scores, and four months later asked again', () => {
    const answered = exampleResponse('positive-health');
    const b = withEntries(record(), extract(answered, questionnaire('positive-health')));
    const monthLater = populate(
      questionnaire('positive-health'),
      context({ record: b, now: new Date('2026-07-01T09:00:00+02:00') }),
    );
    expect(monthLater.report).toMatchObject({ answeredBefore: 6, open: 0 });
    expect(
      answersTo(monthLater.response, 'ph-daily-functioning').map((a) => [a.valueInteger, sourceOf(a)]),
    ).toEqual([[3, 'Observation/positive-health-2026-06-4']]);
    const later = populate(
      questionnaire('positive-health'),
      context({ record: b, now: new Date('2026-10-02T09:00:00+02:00') }),
    );
    expect(later.report).toMatchObject({ answeredBefore: 0, open: 6 });
  });
});
