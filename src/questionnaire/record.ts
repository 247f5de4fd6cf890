/**
 * The client record (%record) indexed once per population: resources by reference, Observations
 * by code (newest first), and every earlier answer by the concept of the question it answered
 * (item.code or item.definition of that response's own Questionnaire), newest first.
 */
import type {
  Bundle,
  Observation,
  Questionnaire,
  QuestionnaireItem,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
  Resource,
} from '@medplum/fhirtypes';
import { dateRange } from '../store/fhir-dates.js';
import { canonicalUrl, codeKey, conceptKeys } from './sdc.js';

/** Milliseconds of a FHIR date's start and end; undefined when it is not a date. */
export function instantRange(value: string | undefined): { start: number; end: number } | undefined {
  const range = value ? dateRange(value) : undefined;
  return range ? { start: Date.parse(range.start), end: Date.parse(range.end) } : undefined;
}

export class ResourceIndex {
  private readonly byReference = new Map<string, Resource>();
  private readonly fullUrls = new WeakMap<Resource, string>();

  constructor(record: Bundle, extra: readonly Resource[]) {
    for (const r of extra) this.add(r, undefined);
    for (const e of record.entry ?? []) if (e.resource) this.add(e.resource, e.fullUrl);
  }

  private add(r: Resource, fullUrl: string | undefined): void {
    if (fullUrl) {
      this.byReference.set(fullUrl, r);
      this.fullUrls.set(r, fullUrl);
    }
    if (r.id && !this.byReference.has(`${r.resourceType}/${r.id}`))
      this.byReference.set(`${r.resourceType}/${r.id}`, r);
    const url = 'url' in r && typeof r.url === 'string' ? r.url : undefined;
    if (url && !this.byReference.has(url)) this.byReference.set(url, r);
  }

  /** `Type/id`, `Type/id/_history/n`, an absolute URL ending in `Type/id`, a fullUrl or a canonical. */
  resolve(reference: string): Resource | undefined {
    const exact = this.byReference.get(reference) ?? this.byReference.get(canonicalUrl(reference));
    if (exact) return exact;
    const m = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(reference);
    return m?.[1] ? this.byReference.get(m[1]) : undefined;
  }

  /** How a pre-filled answer points to its source: `Type/id`, else the entry's fullUrl. */
  referenceOf(r: Resource): string | undefined {
    return r.id ? `${r.resourceType}/${r.id}` : this.fullUrls.get(r);
  }
}

// ---------------------------------------------------------------------------------------------
// Observations by code
// ---------------------------------------------------------------------------------------------

/** Observations that stand: https://hl7.org/fhir/R4/valueset-observation-status.html */
const STANDING = new Set(['final', 'amended', 'corrected']);

/** When an Observation holds: effective[x], else issued. */
export function observationTime(o: Observation): string | undefined {
  return (
    o.effectiveDateTime ??
    o.effectivePeriod?.end ??
    o.effectivePeriod?.start ??
    o.effectiveInstant ??
    o.issued
  );
}

export class ObservationIndex {
  private readonly byCode = new Map<string, Observation[]>();

  constructor(resources: readonly Resource[]) {
    for (const r of resources) {
      if (r.resourceType !== 'Observation' || !STANDING.has(r.status)) continue;
      for (const c of r.code.coding ?? []) {
        const key = codeKey(c);
        if (key) push(this.byCode, key, r);
      }
    }
    for (const list of this.byCode.values()) list.sort((a, b) => startOf(b) - startOf(a));
  }

  /** Observations with any of the codes that hold at or after `since`, newest first. */
  find(keys: readonly string[], since: number): Observation[] {
    const seen = new Set<Observation>();
    for (const key of keys) {
      for (const o of this.byCode.get(key) ?? []) {
        const t = instantRange(observationTime(o));
        if (t && t.end >= since) seen.add(o);
      }
    }
    return [...seen].sort((a, b) => startOf(b) - startOf(a));
  }
}

function startOf(o: Observation): number {
  return instantRange(observationTime(o))?.start ?? Number.NEGATIVE_INFINITY;
}

// ---------------------------------------------------------------------------------------------
// Earlier answers by concept
// ---------------------------------------------------------------------------------------------

export interface EarlierAnswers {
  answers: QuestionnaireResponseItemAnswer[];
  response: QuestionnaireResponse;
  /** Start of `authored` in milliseconds (minus infinity when unknown). */
  time: number;
}

/** The repetitions of a group in one earlier response, with the Questionnaire items to read them. */
export interface EarlierGroup {
  instances: QuestionnaireResponseItem[];
  response: QuestionnaireResponse;
  time: number;
  itemsByLinkId: ReadonlyMap<string, QuestionnaireItem>;
}

interface Walk {
  response: QuestionnaireResponse;
  time: number;
  itemsByLinkId: ReadonlyMap<string, QuestionnaireItem>;
}

export class AnswerIndex {
  private readonly answersByKey = new Map<string, EarlierAnswers[]>();
  private readonly groupsByKey = new Map<string, EarlierGroup[]>();

  /** An index of the items given (a whole response, or one repetition of a group). */
  static of(items: readonly QuestionnaireResponseItem[], walk: Walk): AnswerIndex {
    const index = new AnswerIndex();
    index.walk(items, walk);
    index.sort();
    return index;
  }

  /** Every earlier response in the record whose Questionnaire is known. */
  static ofResponses(
    responses: readonly QuestionnaireResponse[],
    questionnaires: ReadonlyMap<string, Questionnaire>,
  ): AnswerIndex {
    const index = new AnswerIndex();
    for (const response of responses) {
      if (response.status === 'entered-in-error' || !response.questionnaire) continue;
      const q = questionnaires.get(canonicalUrl(response.questionnaire));
      if (!q) continue;
      const time = instantRange(response.authored)?.start ?? Number.NEGATIVE_INFINITY;
      index.walk(response.item ?? [], { response, time, itemsByLinkId: itemsByLinkId(q) });
    }
    index.sort();
    return index;
  }

  /** Earlier answers to a question with any of the keys, newest first. */
  answers(keys: readonly string[]): EarlierAnswers[] {
    return unique(keys.flatMap((k) => this.answersByKey.get(k) ?? [])).sort((a, b) => b.time - a.time);
  }

  /** The newest earlier response's repetitions of a group with any of the keys. */
  group(keys: readonly string[]): EarlierGroup | undefined {
    return unique(keys.flatMap((k) => this.groupsByKey.get(k) ?? [])).sort((a, b) => b.time - a.time)[0];
  }

  private walk(items: readonly QuestionnaireResponseItem[], walk: Walk): void {
    for (const item of items) {
      const qItem = walk.itemsByLinkId.get(item.linkId);
      const keys = qItem ? conceptKeys(qItem) : [];
      const answers = (item.answer ?? []).filter(hasValue);
      if (answers.length > 0) {
        for (const key of keys)
          push(this.answersByKey, key, { answers, response: walk.response, time: walk.time });
      }
      if (qItem?.type === 'group') for (const key of keys) this.addGroupInstance(key, item, walk);
      this.walk(item.item ?? [], walk);
      for (const a of item.answer ?? []) this.walk(a.item ?? [], walk);
    }
  }

  /** Repetitions of one group in one response are gathered in one EarlierGroup. */
  private addGroupInstance(key: string, item: QuestionnaireResponseItem, walk: Walk): void {
    const list = this.groupsByKey.get(key) ?? [];
    const same = list.find((g) => g.response === walk.response && g.instances[0]?.linkId === item.linkId);
    if (same) same.instances.push(item);
    else
      list.push({
        instances: [item],
        response: walk.response,
        time: walk.time,
        itemsByLinkId: walk.itemsByLinkId,
      });
    this.groupsByKey.set(key, list);
  }

  private sort(): void {
    for (const list of this.answersByKey.values()) list.sort((a, b) => b.time - a.time);
    for (const list of this.groupsByKey.values()) list.sort((a, b) => b.time - a.time);
  }
}

function hasValue(a: QuestionnaireResponseItemAnswer): boolean {
  return Object.keys(a).some((k) => k.startsWith('value'));
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function unique<T>(list: readonly T[]): T[] {
  return [...new Set(list)];
}

/** Every item of a Questionnaire, at any depth, by linkId. */
export function itemsByLinkId(q: Questionnaire): Map<string, QuestionnaireItem> {
  const map = new Map<string, QuestionnaireItem>();
  const visit = (items: readonly QuestionnaireItem[]): void => {
    for (const item of items) {
      map.set(item.linkId, item);
      visit(item.item ?? []);
    }
  };
  visit(q.item ?? []);
  return map;
}
