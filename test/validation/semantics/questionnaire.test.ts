/**
 * A QuestionnaireResponse against its Questionnaire. Each negative test starts from one valid
 * response, breaks one thing, and asserts the issue's path.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTerminologyService, type TerminologyService } from '../../../src/terminology/service.js';
import { validateQuestionnaireResponse } from '../../../src/validation/questionnaire.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test fixtures are edited freely

const EXT = 'http://hl7.org/fhir/StructureDefinition/';
const UCUM = 'http://unitsofmeasure.org';

function questionnaire(): Json {
  return {
    resourceType: 'Questionnaire',
    url: 'https://overdracht.dev/fhir/Questionnaire/intake-test',
    status: 'active',
    item: [
      { linkId: 'intro', type: 'display', text: 'About you' },
      {
        linkId: 'about',
        type: 'group',
        text: 'About you',
        item: [
          { linkId: 'name', type: 'string', text: 'Name', required: true, maxLength: 40 },
          {
            linkId: 'gender',
            type: 'choice',
            text: 'Gender',
            answerValueSet: 'http://hl7.org/fhir/ValueSet/administrative-gender',
          },
        ],
      },
      { linkId: 'smokes', type: 'boolean', text: 'Do you smoke?', required: true },
      {
        linkId: 'per-day',
        type: 'integer',
        text: 'Cigarettes per day',
        required: true,
        enableWhen: [{ question: 'smokes', operator: '=', answerBoolean: true }],
        extension: [{ url: `${EXT}minValue`, valueInteger: 1 }],
      },
      {
        linkId: 'mood',
        type: 'choice',
        text: 'Mood',
        repeats: true,
        answerOption: [
          { valueCoding: { system: 'http://example.org/mood', code: 'good' } },
          { valueCoding: { system: 'http://example.org/mood', code: 'bad' } },
          {
            valueCoding: { system: 'http://example.org/mood', code: 'none' },
            extension: [{ url: `${EXT}questionnaire-optionExclusive`, valueBoolean: true }],
          },
        ],
      },
      {
        linkId: 'weight',
        type: 'quantity',
        text: 'Weight',
        extension: [{ url: `${EXT}questionnaire-unitOption`, valueCoding: { system: UCUM, code: 'kg' } }],
      },
      {
        linkId: 'has-gp',
        type: 'boolean',
        text: 'Do you have a GP?',
        item: [{ linkId: 'gp-since', type: 'date', text: 'Since when?', required: true }],
      },
    ],
  };
}

function response(): Json {
  return {
    resourceType: 'QuestionnaireResponse',
    questionnaire: 'https://overdracht.dev/fhir/Questionnaire/intake-test',
    status: 'completed',
    item: [
      {
        linkId: 'about',
        item: [
          { linkId: 'name', answer: [{ valueString: 'A. Person' }] },
          {
            linkId: 'gender',
            answer: [
              { valueCoding: { system: 'http://hl7.org/fhir/administrative-gender', code: 'female' } },
            ],
          },
        ],
      },
      { linkId: 'smokes', answer: [{ valueBoolean: true }] },
      { linkId: 'per-day', answer: [{ valueInteger: 5 }] },
      { linkId: 'mood', answer: [{ valueCoding: { system: 'http://example.org/mood', code: 'good' } }] },
      { linkId: 'weight', answer: [{ valueQuantity: { value: 70, unit: 'kg', system: UCUM, code: 'kg' } }] },
      {
        linkId: 'has-gp',
        answer: [
          { valueBoolean: true, item: [{ linkId: 'gp-since', answer: [{ valueDate: '2019-04-01' }] }] },
        ],
      },
    ],
  };
}

let ts: TerminologyService;
beforeAll(() => {
  ts = createTerminologyService({ includeProject: false });
});

function check(qr: Json, q: Json = questionnaire()): OperationOutcomeIssue[] {
  return validateQuestionnaireResponse(qr, q, 'QuestionnaireResponse', { terminology: ts });
}

function errors(issues: OperationOutcomeIssue[]): { path: string; message: string }[] {
  return issues
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => ({ path: i.expression?.[0] ?? '', message: i.diagnostics ?? '' }));
}

describe('questionnaire: the valid response', () => {
  it('when every answer fits its item, then there are no issues', () => {
    expect(check(response())).toEqual([]);
  });

  it('when the input is not a resource, then there are no issues and nothing throws', () => {
    expect(validateQuestionnaireResponse('x', null, 'QuestionnaireResponse')).toEqual([]);
  });
});

describe('questionnaire: linkIds and nesting', () => {
  it('when a linkId is not in the questionnaire, then the parent is reported', () => {
    const qr = response();
    qr.item[1].linkId = 'smoker';
    expect(errors(check(qr))).toContainEqual({
      path: 'QuestionnaireResponse',
      message: "LinkId 'smoker' not found in questionnaire",
    });
  });

  it('when an item sits at the wrong level, then it is reported where it is', () => {
    const qr = response();
    qr.item[0].item.push({ linkId: 'smokes', answer: [{ valueBoolean: true }] });
    expect(errors(check(qr)).map((e) => e.path)).toContain('QuestionnaireResponse.item[0].item[2]');
  });

  it('when items are out of order, then the late item is reported', () => {
    const qr = response();
    const [about, smokes] = qr.item;
    qr.item[0] = smokes;
    qr.item[1] = about;
    expect(errors(check(qr)).map((e) => e.path)).toContain('QuestionnaireResponse.item[1]');
  });

  it('when a non-repeating item appears twice, then the parent is reported', () => {
    const qr = response();
    qr.item.splice(2, 0, { linkId: 'smokes', answer: [{ valueBoolean: false }] });
    expect(errors(check(qr)).map((e) => e.path)).toContain('QuestionnaireResponse');
  });

  it('when a question nests its children under item instead of answer.item, then the item is reported', () => {
    const qr = response();
    qr.item[5] = {
      linkId: 'has-gp',
      answer: [{ valueBoolean: true }],
      item: [{ linkId: 'gp-since', answer: [{ valueDate: '2019-04-01' }] }],
    };
    expect(errors(check(qr)).map((e) => e.path)).toContain('QuestionnaireResponse.item[5]');
  });

  it('when the item text differs from the questionnaire, then the item is reported', () => {
    const qr = response();
    qr.item[1].text = 'Smoker?';
    expect(errors(check(qr))).toContainEqual({
      path: 'QuestionnaireResponse.item[1]',
      message: "If text exists, it must match the questionnaire definition for linkId 'smokes'",
    });
  });
});

describe('questionnaire: required, repeats, enableWhen', () => {
  it('when a required item is missing, then its parent is reported', () => {
    const qr = response();
    qr.item[0].item.splice(0, 1);
    expect(errors(check(qr))).toEqual([
      { path: 'QuestionnaireResponse.item[0]', message: "No response answer found for required item 'name'" },
    ]);
  });

  it('when a required item has no answer, then the item is reported', () => {
    const qr = response();
    delete qr.item[1].answer;
    expect(errors(check(qr)).map((e) => e.path)).toContain('QuestionnaireResponse.item[1]');
  });

  it('when the response is in progress, then a missing required answer is only a warning', () => {
    const qr = response();
    qr.status = 'in-progress';
    qr.item[0].item.splice(0, 1);
    const issues = check(qr);
    expect(errors(issues)).toEqual([]);
    expect(issues.map((i) => i.severity)).toEqual(['warning']);
  });

  it('when a required item is not enabled, then it need not be answered', () => {
    const qr = response();
    qr.item[1].answer = [{ valueBoolean: false }];
    qr.item.splice(2, 1);
    expect(errors(check(qr))).toEqual([]);
  });

  it('when an item that is not enabled has answers, then the item is reported', () => {
    const qr = response();
    qr.item[1].answer = [{ valueBoolean: false }];
    expect(errors(check(qr)).map((e) => e.path)).toEqual(['QuestionnaireResponse.item[2]']);
  });

  it('when enableBehavior is any and one condition holds, then the item is enabled', () => {
    const q = questionnaire();
    q.item[3].enableWhen = [
      { question: 'smokes', operator: '=', answerBoolean: false },
      { question: 'smokes', operator: 'exists', answerBoolean: true },
    ];
    q.item[3].enableBehavior = 'any';
    const qr = response();
    qr.item.splice(2, 1);
    expect(errors(check(qr, q)).map((e) => e.path)).toEqual(['QuestionnaireResponse']);
  });

  it('when an enableWhen compares numbers, then > and <= are honoured', () => {
    const q = questionnaire();
    q.item[5].enableWhen = [{ question: 'per-day', operator: '>', answerInteger: 10 }];
    expect(errors(check(response(), q)).map((e) => e.path)).toEqual(['QuestionnaireResponse.item[4]']);
    q.item[5].enableWhen = [{ question: 'per-day', operator: '<=', answerInteger: 5 }];
    expect(errors(check(response(), q))).toEqual([]);
  });

  it('when a non-repeating question has two answers, then the item is reported', () => {
    const qr = response();
    qr.item[1].answer.push({ valueBoolean: false });
    expect(errors(check(qr)).map((e) => e.path)).toContain('QuestionnaireResponse.item[1]');
  });
});

describe('questionnaire: answer types and constraints', () => {
  it('when an answer has the wrong type, then the value is reported', () => {
    const qr = response();
    qr.item[2].answer = [{ valueString: 'five' }];
    expect(errors(check(qr))).toEqual([
      {
        path: 'QuestionnaireResponse.item[2].answer[0].value.ofType(string)',
        message: 'Answer value must be of the type integer not string',
      },
    ]);
  });

  it('when a string is longer than maxLength, then the value is reported without repeating it', () => {
    const qr = response();
    qr.item[0].item[0].answer = [{ valueString: 'x'.repeat(41) }];
    expect(errors(check(qr))).toEqual([
      {
        path: 'QuestionnaireResponse.item[0].item[0].answer[0].value.ofType(string)',
        message: 'The answer is longer than the allowed maximum length of 40 (found 41)',
      },
    ]);
  });

  it('when an integer is below minValue, then the value is reported', () => {
    const qr = response();
    qr.item[2].answer = [{ valueInteger: 0 }];
    expect(errors(check(qr)).map((e) => e.path)).toEqual([
      'QuestionnaireResponse.item[2].answer[0].value.ofType(integer)',
    ]);
  });

  it('when a quantity has a unit that is not offered, then the value is reported', () => {
    const qr = response();
    qr.item[4].answer = [{ valueQuantity: { value: 154, unit: 'lb', system: UCUM, code: '[lb_av]' } }];
    expect(errors(check(qr)).map((e) => e.path)).toEqual([
      'QuestionnaireResponse.item[4].answer[0].value.ofType(Quantity)',
    ]);
  });

  it('when a display item has an answer, then the item is reported', () => {
    const qr = response();
    qr.item.unshift({ linkId: 'intro', answer: [{ valueString: 'x' }] });
    expect(errors(check(qr))).toEqual([
      { path: 'QuestionnaireResponse.item[0]', message: "Items of type 'display' cannot have answers" },
    ]);
  });

  it('when a group has an answer, then the group is reported', () => {
    const qr = response();
    qr.item[0].answer = [{ valueString: 'x' }];
    expect(errors(check(qr))).toContainEqual({
      path: 'QuestionnaireResponse.item[0]',
      message: 'Items of type group should not have answers',
    });
  });

  it('when a nested answer item breaks a rule, then the path runs through the answer', () => {
    const qr = response();
    qr.item[5].answer[0].item[0].answer = [{ valueBoolean: true }];
    expect(errors(check(qr)).map((e) => e.path)).toEqual([
      'QuestionnaireResponse.item[5].answer[0].item[0].answer[0].value.ofType(boolean)',
    ]);
  });
});

describe('questionnaire: options and value sets', () => {
  it('when a coding is not one of the answerOptions, then the answer is reported', () => {
    const qr = response();
    qr.item[3].answer = [{ valueCoding: { system: 'http://example.org/mood', code: 'meh' } }];
    expect(errors(check(qr))).toEqual([
      {
        path: 'QuestionnaireResponse.item[3].answer[0]',
        message: 'The code http://example.org/mood#meh is not in the set of permitted values',
      },
    ]);
  });

  it('when an exclusive option is chosen with another, then the exclusive answer is reported', () => {
    const qr = response();
    qr.item[3].answer.push({ valueCoding: { system: 'http://example.org/mood', code: 'none' } });
    expect(errors(check(qr)).map((e) => e.path)).toEqual(['QuestionnaireResponse.item[3].answer[1]']);
  });

  it('when a coding is not in the answerValueSet, then the answer is reported', () => {
    const qr = response();
    qr.item[0].item[1].answer = [
      { valueCoding: { system: 'http://hl7.org/fhir/administrative-gender', code: 'woman' } },
    ];
    expect(errors(check(qr)).map((e) => e.path)).toEqual(['QuestionnaireResponse.item[0].item[1].answer[0]']);
  });

  it('when the answerValueSet is contained, then it is found by its id', () => {
    const q = questionnaire();
    q.contained = [
      {
        resourceType: 'ValueSet',
        id: 'g',
        compose: {
          include: [{ system: 'http://hl7.org/fhir/administrative-gender', concept: [{ code: 'male' }] }],
        },
      },
    ];
    q.item[1].item[1].answerValueSet = '#g';
    expect(errors(check(response(), q)).map((e) => e.path)).toEqual([
      'QuestionnaireResponse.item[0].item[1].answer[0]',
    ]);
  });

  it('when no terminology service is given, then value set answers are not judged', () => {
    const qr = response();
    qr.item[0].item[1].answer = [
      { valueCoding: { system: 'http://hl7.org/fhir/administrative-gender', code: 'woman' } },
    ];
    expect(validateQuestionnaireResponse(qr, questionnaire(), 'QuestionnaireResponse')).toEqual([]);
  });
});

describe('questionnaire: paths inside a Bundle and the effective period', () => {
  it('when the response is a Bundle entry, then paths start at the entry', () => {
    const qr = response();
    qr.item[2].answer = [{ valueDecimal: 1.5 }];
    const issues = validateQuestionnaireResponse(qr, questionnaire(), 'Bundle.entry[3].resource', {
      terminology: ts,
    });
    expect(errors(issues).map((e) => e.path)).toEqual([
      'Bundle.entry[3].resource.item[2].answer[0].value.ofType(decimal)',
    ]);
  });

  it('when the response was authored after the questionnaire expired, then authored gets a warning', () => {
    const q = questionnaire();
    q.effectivePeriod = { end: '2020-12-31' };
    const qr = response();
    qr.authored = '2021-01-05T10:00:00+01:00';
    const issues = check(qr, q);
    expect(issues.map((i) => [i.severity, i.expression?.[0]])).toEqual([
      ['warning', 'QuestionnaireResponse.authored'],
    ]);
  });
});

describe('questionnaire: regex constraints', () => {
  const withRegex = (pattern: string): Json => {
    const q = questionnaire();
    q.item[1].item[0].extension = [{ url: `${EXT}regex`, valueString: pattern }];
    return q;
  };

  it('when a string does not match the item regex, then the value is reported', () => {
    expect(errors(check(response(), withRegex('[A-Z]\\. [A-Z][a-z]+'))).map((e) => e.path)).toEqual([]);
    expect(errors(check(response(), withRegex('[a-z]+'))).map((e) => e.path)).toEqual([
      'QuestionnaireResponse.item[0].item[0].answer[0].value.ofType(string)',
    ]);
  });

  it('when the regex could take exponential time, then it is not run and an information says so', () => {
    const qr = response();
    qr.item[0].item[0].answer = [{ valueString: `${'a'.repeat(30)}!` }];
    const issues = check(qr, withRegex('(a+)+'));
    expect(issues.map((i) => [i.severity, i.expression?.[0]])).toEqual([
      ['information', 'QuestionnaireResponse.item[0].item[0].answer[0].value.ofType(string)'],
    ]);
  });
});
