/**
 * Shared fixtures of the questionnaire tests: the five Questionnaires of the committed package,
 * a client record (a woman referred by her GP for a recurrent depression, treated before in
 * basic mental-health care, with debts) and completed example responses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Bundle,
  Patient,
  Questionnaire,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
  Resource,
} from '@medplum/fhirtypes';
import { DEFAULT_PACKAGE_DIR } from '../../src/package/load.js';
import type { PopulateContext } from '../../src/questionnaire/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

export const QUESTIONNAIRE_IDS = [
  'positive-health',
  'self-sufficiency-matrix',
  'phq-9',
  'ggz-intake',
  'social-domain-conversation',
] as const;
export type QuestionnaireId = (typeof QUESTIONNAIRE_IDS)[number];

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** A fresh copy each time, so that a test may change it. */
export function questionnaire(id: QuestionnaireId): Questionnaire {
  return readJson<Questionnaire>(join(DEFAULT_PACKAGE_DIR, `Questionnaire-${id}.json`));
}

export function allQuestionnaires(): Questionnaire[] {
  return QUESTIONNAIRE_IDS.map(questionnaire);
}

export function exampleResponse(id: QuestionnaireId): QuestionnaireResponse {
  return readJson<QuestionnaireResponse>(join(FIXTURES, `QuestionnaireResponse-${id}.json`));
}

export function record(): Bundle {
  return readJson<Bundle>(join(FIXTURES, 'record.json'));
}

export function patientOf(b: Bundle): Patient {
  const p = b.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource;
  if (p?.resourceType !== 'Patient') throw new Error('the record has no Patient');
  return p;
}

/** Two weeks after the GP's referral. */
export const NOW = new Date('2026-06-01T09:00:00+02:00');

export function context(overrides: Partial<PopulateContext> = {}): PopulateContext {
  const b = overrides.record ?? record();
  return { patient: patientOf(b), record: b, now: NOW, questionnaires: allQuestionnaires(), ...overrides };
}

export function withEntries(b: Bundle, resources: readonly Resource[]): Bundle {
  return { ...b, entry: [...(b.entry ?? []), ...resources.map((resource) => ({ resource }))] };
}

/** Every response item with the linkId, at any depth, in document order. */
export function itemsWith(response: QuestionnaireResponse, linkId: string): QuestionnaireResponseItem[] {
  const out: QuestionnaireResponseItem[] = [];
  const visit = (items: readonly QuestionnaireResponseItem[]): void => {
    for (const item of items) {
      if (item.linkId === linkId) out.push(item);
      visit(item.item ?? []);
      for (const a of item.answer ?? []) visit(a.item ?? []);
    }
  };
  visit(response.item ?? []);
  return out;
}

export function answersTo(
  response: QuestionnaireResponse,
  linkId: string,
): QuestionnaireResponseItemAnswer[] {
  return itemsWith(response, linkId).flatMap((i) => i.answer ?? []);
}

/** The reference of an answer's ov-answer-source. */
export function sourceOf(answer: QuestionnaireResponseItemAnswer | undefined): string | undefined {
  return answer?.extension?.find(
    (e) => e.url === 'https://overdracht.dev/fhir/StructureDefinition/ov-answer-source',
  )?.valueReference?.reference;
}
