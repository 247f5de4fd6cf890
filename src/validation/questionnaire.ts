/**
 * A QuestionnaireResponse checked against its Questionnaire.
 *
 * Spec: https://hl7.org/fhir/R4/questionnaireresponse.html#link
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../fhir/outcomes.js';

type Json = Record<string, unknown>;

export function validateQuestionnaireResponse(qr: unknown, questionnaire: unknown, basePath: string): OperationOutcomeIssue[] {
  if (!isRecord(qr) || !isRecord(questionnaire)) return [];
  return checkItems(asRecords(qr['item']), asRecords(questionnaire['item']), basePath);
}

function checkItems(answers: Json[], questions: Json[], path: string): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  answers.forEach((item, i) => {
    const linkId = item['linkId'];
    const q = questions.find((x) => x['linkId'] === linkId);
    const itemPath = `${path}.item[${i}]`;
    if (!q) {
      issues.push(
        issue({
          code: 'structure',
          message: `No LinkId '${String(linkId)}' found in questionnaire`,
          expression: itemPath,
        }),
      );
      return;
    }
    issues.push(...checkItems(asRecords(item['item']), asRecords(q['item']), itemPath));
  });
  return issues;
}

function asRecords(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
