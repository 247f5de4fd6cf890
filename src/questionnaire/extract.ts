/**
 * SDC observation-based extraction ($extract) as a pure function: the new answers of a
 * QuestionnaireResponse become Observations, so that the next provider's questionnaire is
 * pre-filled with them (rule R2), and the response itself is kept as it is.
 *
 * An answer is extracted when its item says observationExtract true (on the item, else on the
 * nearest group above it, else on the Questionnaire), or says nothing and has a code; `false`
 * keeps it out. An answer that still carries ov-answer-source was pre-filled from the record and
 * is not written back a second time.
 *
 * Spec: https://hl7.org/fhir/uv/sdc/extraction.html#observation-based-extraction
 */
import type {
  CodeableConcept,
  Coding,
  Observation,
  Questionnaire,
  QuestionnaireItem,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { itemsByLinkId } from './record.js';
import { EXT, observationExtractCategory, observationExtractFlag } from './sdc.js';

const SURVEY: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/observation-category',
  code: 'survey',
  display: 'Survey',
};

/** Returns the response followed by one Observation per extracted answer. */
export function extract(response: QuestionnaireResponse, questionnaire: Questionnaire): Resource[] {
  const observations: Observation[] = [];
  const byLinkId = itemsByLinkId(questionnaire);
  const parents = parentsByLinkId(questionnaire);
  const visit = (items: readonly QuestionnaireResponseItem[]): void => {
    for (const item of items) {
      const qItem = byLinkId.get(item.linkId);
      if (
        qItem &&
        qItem.type !== 'group' &&
        qItem.type !== 'display' &&
        extracts(qItem, parents, questionnaire)
      ) {
        for (const answer of item.answer ?? []) {
          const o = observationOf(
            response,
            qItem,
            answer,
            categories(qItem, parents, questionnaire),
            observations.length,
          );
          if (o) observations.push(o);
        }
      }
      visit(item.item ?? []);
      for (const a of item.answer ?? []) visit(a.item ?? []);
    }
  };
  visit(response.item ?? []);
  return [response, ...observations];
}

type Parents = ReadonlyMap<string, QuestionnaireItem | undefined>;

function parentsByLinkId(q: Questionnaire): Parents {
  const map = new Map<string, QuestionnaireItem | undefined>();
  const visit = (items: readonly QuestionnaireItem[], parent: QuestionnaireItem | undefined): void => {
    for (const item of items) {
      map.set(item.linkId, parent);
      visit(item.item ?? [], item);
    }
  };
  visit(q.item ?? [], undefined);
  return map;
}

/** The item, its ancestors, then the Questionnaire: where extraction settings are looked up. */
function lineage(
  item: QuestionnaireItem,
  parents: Parents,
  q: Questionnaire,
): (QuestionnaireItem | Questionnaire)[] {
  const out: (QuestionnaireItem | Questionnaire)[] = [];
  for (let at: QuestionnaireItem | undefined = item; at; at = parents.get(at.linkId)) out.push(at);
  return [...out, q];
}

function extracts(item: QuestionnaireItem, parents: Parents, q: Questionnaire): boolean {
  for (const on of lineage(item, parents, q)) {
    const flag = observationExtractFlag(on);
    if (flag !== undefined) return flag && (item.code?.length ?? 0) > 0;
  }
  return (item.code?.length ?? 0) > 0;
}

/** observation-extract-category of the nearest that has one, else survey. */
function categories(item: QuestionnaireItem, parents: Parents, q: Questionnaire): Coding[] {
  for (const on of lineage(item, parents, q)) {
    const found = observationExtractCategory(on);
    if (found.length > 0) return found;
  }
  return [SURVEY];
}

function observationOf(
  response: QuestionnaireResponse,
  item: QuestionnaireItem,
  answer: QuestionnaireResponseItemAnswer,
  category: Coding[],
  n: number,
): Observation | undefined {
  if (answer.extension?.some((e) => e.url === EXT.answerSource)) return undefined;
  const value = observationValue(answer);
  if (!value) return undefined;
  const performer = performerOf(response);
  return {
    resourceType: 'Observation',
    ...(response.id ? { id: `${response.id.slice(0, 56)}-${n + 1}` } : {}),
    ...(response.basedOn ? { basedOn: response.basedOn } : {}),
    status: observationStatus(response),
    category: category.map((c) => ({ coding: [c] })),
    code: { coding: item.code ?? [], ...(item.text ? { text: item.text } : {}) },
    ...(response.subject ? { subject: plainReference(response.subject) } : {}),
    ...(response.encounter ? { encounter: response.encounter } : {}),
    ...(response.authored ? { effectiveDateTime: response.authored } : {}),
    ...(performer ? { performer: [performer] } : {}),
    ...value,
    ...(response.id ? { derivedFrom: [{ reference: `QuestionnaireResponse/${response.id}` }] } : {}),
  };
}

/** Who answered: the author, else the source (a Device cannot perform an Observation). */
function performerOf(response: QuestionnaireResponse): Pick<Reference, 'reference' | 'display'> | undefined {
  const who = response.author ?? response.source;
  return who && !who.reference?.startsWith('Device/') ? plainReference(who) : undefined;
}

/** A reference without its typed `resource` part, which differs between the two resources. */
function plainReference(r: Reference): Pick<Reference, 'reference' | 'type' | 'identifier' | 'display'> {
  return {
    ...(r.reference ? { reference: r.reference } : {}),
    ...(r.type ? { type: r.type } : {}),
    ...(r.identifier ? { identifier: r.identifier } : {}),
    ...(r.display ? { display: r.display } : {}),
  };
}

/** A completed response states facts; one still in progress only preliminary ones. */
function observationStatus(response: QuestionnaireResponse): Observation['status'] {
  if (response.status === 'amended') return 'amended';
  return response.status === 'completed' ? 'final' : 'preliminary';
}

type ObservationValue = Pick<
  Observation,
  | 'valueQuantity'
  | 'valueCodeableConcept'
  | 'valueString'
  | 'valueBoolean'
  | 'valueInteger'
  | 'valueDateTime'
  | 'valueTime'
>;

/** The Observation value[x] an answer becomes; references and attachments have none. */
function observationValue(a: QuestionnaireResponseItemAnswer): ObservationValue | undefined {
  if (a.valueCoding) return { valueCodeableConcept: concept(a.valueCoding) };
  if (a.valueQuantity) return { valueQuantity: a.valueQuantity };
  if (a.valueDecimal !== undefined) return { valueQuantity: { value: a.valueDecimal } };
  if (a.valueInteger !== undefined) return { valueInteger: a.valueInteger };
  if (a.valueBoolean !== undefined) return { valueBoolean: a.valueBoolean };
  if (a.valueString !== undefined) return { valueString: a.valueString };
  if (a.valueUri !== undefined) return { valueString: a.valueUri };
  if (a.valueDate !== undefined) return { valueDateTime: a.valueDate };
  if (a.valueDateTime !== undefined) return { valueDateTime: a.valueDateTime };
  if (a.valueTime !== undefined) return { valueTime: a.valueTime };
  return undefined;
}

function concept(c: Coding): CodeableConcept {
  return c.display ? { coding: [c], text: c.display } : { coding: [c] };
}
