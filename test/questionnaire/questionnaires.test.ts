/**
 * The five intake Questionnaires of the package as artefacts: they and their example responses
 * validate with the project validator, every question names its concept, PHQ-9 is monitoring
 * throughout, and the GGZ intake and the social-domain conversation ask the same concepts.
 */
import type { OperationOutcome, QuestionnaireItem } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { populate } from '../../src/questionnaire/index.js';
import { conceptKeys, isMonitoring } from '../../src/questionnaire/sdc.js';
import { createValidator } from '../../src/validation/index.js';
import { sdcExtensionDefinitions } from './sdc-definitions.js';
import { context, exampleResponse, questionnaire, QUESTIONNAIRE_IDS } from './support.js';

const validator = createValidator({ resources: sdcExtensionDefinitions() });

function errors(o: OperationOutcome): string[] {
  return (o.issue ?? [])
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => `${i.expression?.[0] ?? ''}: ${i.diagnostics ?? ''}`);
}

function questions(items: readonly QuestionnaireItem[] | undefined): QuestionnaireItem[] {
  return (items ?? []).flatMap((i) => [
    ...(i.type === 'group' || i.type === 'display' ? [] : [i]),
    ...questions(i.item),
  ]);
}

describe('the intake questionnaires', () => {
  it.each(QUESTIONNAIRE_IDS)('when Questionnaire %s is validated, then there is no error', (id) => {
    expect(errors(validator.validate(questionnaire(id)))).toEqual([]);
  });

  it.each(QUESTIONNAIRE_IDS)(
    'when the example response to %s is validated against it, then there is no error',
    (id) => {
      expect(errors(validator.validate(exampleResponse(id)))).toEqual([]);
    },
  );

  it.each(QUESTIONNAIRE_IDS)(
    'when %s is pre-filled from the record, then the response validates against it',
    (id) => {
      expect(errors(validator.validate(populate(questionnaire(id), context()).response))).toEqual([]);
    },
  );

  it('when an example response answers a ZRM domain with a score outside zrm-score, then the validator names the answer', () => {
    const response = exampleResponse('self-sufficiency-matrix');
    const answer = response.item?.[1]?.answer?.[0];
    if (!answer?.valueCoding) throw new Error('fixture changed');
    answer.valueCoding = { system: 'https://overdracht.dev/fhir/CodeSystem/zrm-score', code: '6' };
    const found = errors(validator.validate(response));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((e) => e.startsWith('QuestionnaireResponse.item[1].answer[0]'))).toBe(true);
  });

  it('when the questions are read, then each names its concept in code or definition but for the two the contract has no code for', () => {
    const without = QUESTIONNAIRE_IDS.flatMap((id) =>
      questions(questionnaire(id).item)
        .filter((q) => conceptKeys(q).length === 0)
        .map((q) => q.linkId),
    );
    // Children at home (KOPP/KOV) and the current suicide-risk assessment: see profiles/README.md.
    expect(without).toEqual([
      'ggz-suicide-risk',
      'ggz-children-at-home',
      'ktg-children-at-home',
      'ktg-suicide-risk',
    ]);
  });

  it('when the PHQ-9 is read, then every question is a monitoring question with a LOINC code', () => {
    const items = questions(questionnaire('phq-9').item);
    expect(items).toHaveLength(10);
    expect(items.filter((i) => !isMonitoring(i) || i.code?.[0]?.system !== 'http://loinc.org')).toEqual([]);
  });

  it('when the GGZ intake and the social-domain conversation are compared, then every concept of the intake is asked in the conversation too', () => {
    const concepts = (id: 'ggz-intake' | 'social-domain-conversation'): Set<string> => {
      const all = (items: readonly QuestionnaireItem[] | undefined): QuestionnaireItem[] =>
        (items ?? []).flatMap((i) => [i, ...all(i.item)]);
      return new Set(all(questionnaire(id).item).flatMap(conceptKeys));
    };
    const conversation = concepts('social-domain-conversation');
    expect([...concepts('ggz-intake')].filter((k) => !conversation.has(k))).toEqual([]);
  });
});
