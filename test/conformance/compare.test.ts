import { describe, expect, it } from 'vitest';
import { compare, normaliseExpression, summarise } from '../../scripts/conformance/compare.js';

describe('normaliseExpression', () => {
  it('when the Java validator names the resource in a comment, then the comment is dropped', () => {
    expect(normaliseExpression('Bundle.entry[2].resource/*Patient/fc2e*/.managingOrganization')).toBe(
      'Bundle.entry[2].resource.managingOrganization',
    );
    expect(normaliseExpression('Parameters.parameter[0].resource/*Patient/1*/')).toBe(
      'Parameters.parameter[0].resource',
    );
  });

  it('when a choice element is written with ofType, then it equals the JSON property name', () => {
    expect(normaliseExpression('Observation.value.ofType(Quantity)')).toBe('Observation.valueQuantity');
    expect(normaliseExpression('QuestionnaireResponse.item[0].answer[0].value.ofType(string)')).toBe(
      'QuestionnaireResponse.item[0].answer[0].valueString',
    );
  });

  it('when an extension is qualified by its url, then the qualifier is dropped', () => {
    expect(normaliseExpression("Patient.extension[1][url='http://example.org/ext|4.0.0']")).toBe(
      'Patient.extension[1]',
    );
  });

  it('when a choice element keeps its [x], then the [x] is dropped', () => {
    expect(normaliseExpression('Observation.value[x]')).toBe('Observation.value');
  });
});

describe('compare', () => {
  const expected = summarise({
    resourceType: 'OperationOutcome',
    issue: [
      { severity: 'error', code: 'invalid', expression: ['Patient.gender'] },
      { severity: 'warning', code: 'invalid', expression: ['Patient.name[0]'] },
    ],
  });

  it('when the same element is flagged with an error, then verdict, count and element agree', () => {
    const ours = summarise({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'code-invalid', expression: ['Patient.gender'] }],
    });
    expect(compare(expected, ours)).toEqual({
      verdictAgrees: true,
      countMatches: true,
      elementsMatch: true,
      missedElements: [],
    });
  });

  it('when another element is flagged, then the verdict agrees but the element is missed', () => {
    const ours = summarise({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'fatal', code: 'structure', expression: ['Patient'] }],
    });
    expect(compare(expected, ours)).toMatchObject({
      verdictAgrees: true,
      elementsMatch: false,
      missedElements: ['Patient.gender'],
    });
  });

  it('when only warnings are found, then the verdict is valid and disagrees', () => {
    const ours = summarise({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'warning', code: 'invalid', location: ['Patient.gender'] }],
    });
    expect(compare(expected, ours)).toMatchObject({ verdictAgrees: false, countMatches: false });
  });

  it('when the validator crashed, then nothing agrees', () => {
    expect(compare(expected, undefined)).toMatchObject({
      verdictAgrees: false,
      countMatches: false,
      elementsMatch: false,
    });
  });

  it('when the reference finds no error, then the element match is not applicable', () => {
    const valid = summarise({ resourceType: 'OperationOutcome', issue: [] });
    expect(compare(valid, valid)).toMatchObject({
      verdictAgrees: true,
      countMatches: true,
      elementsMatch: undefined,
    });
  });
});
