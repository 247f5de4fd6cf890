/**
 * The questionnaire module on the "questionnaire" runs of the FHIR validator test cases: each
 * QuestionnaireResponse is checked against the Questionnaire among its supporting files (or
 * contained in it), and the verdict (any error or not) is compared with the HL7 Java validator's.
 * Runs whose errors come from elsewhere (structure, extensions, invariants of a Questionnaire,
 * resolving the questionnaire) count against this module here; the full validator covers them.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTerminologyService } from '../../../src/terminology/service.js';
import { validateQuestionnaireResponse } from '../../../src/validation/questionnaire.js';

const ROOT = '../shared/conformance/fhir-test-cases';
const present = existsSync(join(ROOT, 'manifest.json'));
if (!present && process.env['CI'] === 'true') throw new Error(`${ROOT} is required in CI`);

type Json = Record<string, unknown>;

interface Case {
  name: string;
  file: string;
  module?: string;
  java?: string;
  supporting?: string[];
}

const read = (dir: string, file: string): Json =>
  JSON.parse(readFileSync(join(ROOT, dir, file), 'utf8')) as Json;
const isError = (i: { severity?: string }): boolean => i.severity === 'error' || i.severity === 'fatal';

function findQuestionnaire(qr: Json, support: Json[]): Json | undefined {
  const ref = qr['questionnaire'];
  if (typeof ref !== 'string') return undefined;
  if (ref.startsWith('#')) {
    const contained = Array.isArray(qr['contained']) ? (qr['contained'] as Json[]) : [];
    return contained.find((c) => c['id'] === ref.slice(1));
  }
  const url = ref.split('|')[0];
  return support.find((s) => s['resourceType'] === 'Questionnaire' && s['url'] === url);
}

describe.skipIf(!present)('questionnaire: agreement with the HL7 Java validator', () => {
  it('when the questionnaire runs are checked, then at least 85% of verdicts agree', () => {
    const manifest = read('', 'manifest.json') as { 'test-cases': Case[] };
    const runs = manifest['test-cases'].filter((c) => c.module === 'questionnaire' && c.java);
    const disagreements: string[] = [];
    for (const run of runs) {
      const resource = read('cases', run.file);
      const support = (run.supporting ?? []).map((f) => read('cases', f));
      const expected = (read('outcomes', run.java as string)['issue'] ?? []) as OperationOutcomeIssue[];
      const q = findQuestionnaire(resource, support);
      const issues = q
        ? validateQuestionnaireResponse(resource, q, 'QuestionnaireResponse', {
            terminology: createTerminologyService({ includeProject: false, resources: support }),
          })
        : [];
      if (issues.some(isError) !== expected.some(isError)) disagreements.push(run.name);
    }
    expect(runs.length).toBeGreaterThanOrEqual(55);
    const agreement = (runs.length - disagreements.length) / runs.length;
    expect({ agreement: agreement >= 0.85, disagreements }).toMatchObject({ agreement: true });
  });
});
