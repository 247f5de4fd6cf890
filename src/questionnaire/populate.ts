/**
 * SDC pre-population ($populate) as a pure function: a Questionnaire and what the gateway holds
 * for the client go in; a QuestionnaireResponse comes out with every answer that is already
 * known, each answer naming the resource it came from (extension ov-answer-source), and a report
 * of which questions were answered before, which are open and which are monitoring questions.
 *
 * The Questionnaire drives it through its own SDC extensions, so it works for one the code has
 * never seen (https://hl7.org/fhir/uv/sdc/populate.html):
 * - initialExpression (FHIRPath) over the launch contexts %patient and %record and the
 *   Questionnaire's variables;
 * - itemPopulationContext: a group repeats once per resource its expression finds, bound to
 *   the expression's name for the items inside;
 * - observationLinkPeriod: the newest Observation with the item's code within the period;
 * - and, beyond SDC, earlier answers: a question whose concept (item.code or item.definition)
 *   was answered in an earlier QuestionnaireResponse in the record, of any Questionnaire, takes
 *   that answer (rule R2: never the same question twice).
 * Items marked ov-monitoring-item (ROM instruments) are never pre-filled.
 */
import type {
  Bundle,
  Coding,
  Duration,
  OperationOutcomeIssue,
  Patient,
  Questionnaire,
  QuestionnaireItem,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
  Resource,
} from '@medplum/fhirtypes';
import { issue } from '../fhir/outcomes.js';
import { evaluate, evaluateNodes, sourceOf, type EvaluationScope } from './expressions.js';
import { AnswerIndex, ObservationIndex, ResourceIndex } from './record.js';
import {
  canonicalUrl,
  conceptKeys,
  EXT,
  initialExpression,
  isMonitoring,
  itemPopulationContext,
  launchContextNames,
  observationLinkPeriod,
  unsupportedInitialExpression,
  variables,
} from './sdc.js';
import {
  answerTypedValue,
  observationTypedValue,
  toAnswer,
  type AnswerValue,
  type TypedValue,
} from './values.js';

export interface PopulateContext {
  /** %patient: the client. */
  patient: Patient;
  /**
   * %record: what the gateway holds for the client (Conditions, MedicationStatements,
   * AllergyIntolerances, Observations, EpisodeOfCare, CarePlan, RelatedPerson, Consent, earlier
   * QuestionnaireResponses, the summary Composition, the referral ...), as a Bundle of any type.
   */
  record: Bundle;
  /** The moment of population: `authored`, the reference point of observationLinkPeriod, and now()/today(). */
  now: Date;
  /** The Questionnaires that earlier responses in the record answer, to read their item codes (those in the record are used too). */
  questionnaires?: readonly Questionnaire[];
  /** Further launch contexts by name (e.g. `encounter`, `user`). */
  launchContext?: Readonly<Record<string, Resource>>;
}

export type SourceKind = 'expression' | 'observation' | 'earlier-answer';

export interface AnswerSource {
  linkId: string;
  /** Where the answer is in the response, e.g. `QuestionnaireResponse.item[2].item[0].answer[0]`. */
  path: string;
  kind: SourceKind;
  /** The resource it came from (`Type/id`, or the record entry's fullUrl); absent for a computed value. */
  reference?: string;
  /** The initialExpression that found it. */
  expression?: string;
}

export type ItemStatus = 'answered-before' | 'open' | 'monitoring';

export interface ReportItem {
  linkId: string;
  text?: string;
  code?: Coding[];
  definition?: string;
  status: ItemStatus;
  /** The resources its pre-filled answers came from. */
  sources: string[];
}

export interface PopulateReport {
  questionnaire: string;
  items: ReportItem[];
  answeredBefore: number;
  open: number;
  monitoring: number;
}

export interface PopulateResult {
  response: QuestionnaireResponse;
  sources: AnswerSource[];
  report: PopulateReport;
  /** Expressions that could not be evaluated, launch contexts not supplied: warnings; population goes on. */
  issues: OperationOutcomeIssue[];
}

export function populate(questionnaire: Questionnaire, context: PopulateContext): PopulateResult {
  // 1. Index the record once: references for resolve(), Observations by code, earlier answers by concept.
  const run = new Population(questionnaire, context);
  // 2. Bind the launch contexts and evaluate the Questionnaire's own variables.
  const frame = run.rootFrame();
  // 3. Fill every item from its expression, else from an Observation within its link period,
  //    else from an earlier answer to the same concept; monitoring items stay open.
  const items = run.fillItems(questionnaire.item ?? [], frame, {
    response: 'QuestionnaireResponse',
    questionnaire: 'Questionnaire',
  });
  // 4. Wrap the answers in an in-progress response for the client.
  const response = run.response(items);
  // 5. Report per question: answered before, open, or a monitoring question.
  return { response, sources: run.sources, report: run.report(), issues: run.issues };
}

/** What an item is filled in: variables in scope, inherited monitoring mark, where earlier answers are looked up. */
interface Frame {
  variables: Readonly<Record<string, unknown>>;
  monitoring: boolean;
  /** The resource of the nearest itemPopulationContext repetition: the source of computed values. */
  contextSource?: Resource;
  earlier: AnswerIndex;
}

/** FHIRPath locations of an item list in the response and in the Questionnaire. */
interface Paths {
  response: string;
  questionnaire: string;
}

interface Candidate {
  answer: AnswerValue;
  source?: Resource;
}

interface Filled {
  kind: SourceKind;
  expression?: string;
  candidates: Candidate[];
}

class Population {
  readonly sources: AnswerSource[] = [];
  readonly issues: OperationOutcomeIssue[] = [];
  private readonly answered = new Map<string, Set<string>>();
  private readonly resources: ResourceIndex;
  private readonly observations: ObservationIndex;
  private readonly earlier: AnswerIndex;
  private readonly skeleton: QuestionnaireResponse;

  constructor(
    private readonly q: Questionnaire,
    private readonly ctx: PopulateContext,
  ) {
    const held = (ctx.record.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
    this.resources = new ResourceIndex(ctx.record, [ctx.patient, ...Object.values(ctx.launchContext ?? {})]);
    this.observations = new ObservationIndex(held);
    const questionnaires = new Map<string, Questionnaire>();
    for (const known of [...held.filter(isQuestionnaire), ...(ctx.questionnaires ?? []), q]) {
      if (known.url) questionnaires.set(canonicalUrl(known.url), known);
    }
    this.earlier = AnswerIndex.ofResponses(held.filter(isQuestionnaireResponse), questionnaires);
    this.skeleton = {
      resourceType: 'QuestionnaireResponse',
      ...(q.url ? { questionnaire: q.version ? `${q.url}|${q.version}` : q.url } : {}),
      status: 'in-progress',
      ...(ctx.patient.id ? { subject: { reference: `Patient/${ctx.patient.id}` } } : {}),
      authored: ctx.now.toISOString(),
    };
  }

  /** %patient, %record, %resource (the response), %questionnaire, further launch contexts, then the root variables. */
  rootFrame(): Frame {
    const supplied: Record<string, unknown> = {
      ...this.ctx.launchContext,
      patient: this.ctx.patient,
      record: this.ctx.record,
    };
    for (const name of launchContextNames(this.q)) {
      if (name in supplied) continue;
      // A declared context that was not supplied is empty, so that expressions using it find nothing.
      supplied[name] = [];
      this.warn(
        `The launch context %${name} was not supplied; expressions using it find nothing`,
        'Questionnaire',
      );
    }
    const base: Frame = {
      variables: { ...supplied, resource: this.skeleton, questionnaire: this.q },
      monitoring: isMonitoring(this.q),
      earlier: this.earlier,
    };
    const withVars = this.withVariables(this.q, base, 'Questionnaire');
    const root = itemPopulationContext(this.q);
    return root ? this.bindFirst(root.name, root.expression, withVars, 'Questionnaire') : withVars;
  }

  fillItems(items: readonly QuestionnaireItem[], frame: Frame, paths: Paths): QuestionnaireResponseItem[] {
    const out: QuestionnaireResponseItem[] = [];
    items.forEach((item, i) => {
      const at = (n: number): Paths => ({
        response: `${paths.response}.item[${n}]`,
        questionnaire: `${paths.questionnaire}.item[${i}]`,
      });
      out.push(
        ...this.fillItem(
          item,
          { ...frame, monitoring: frame.monitoring || isMonitoring(item) },
          at,
          out.length,
        ),
      );
    });
    return out;
  }

  private fillItem(
    item: QuestionnaireItem,
    frame: Frame,
    at: (n: number) => Paths,
    start: number,
  ): QuestionnaireResponseItem[] {
    if (frame.monitoring || item.type === 'display') return [];
    if (item.type === 'group') return this.fillGroup(item, frame, at, start);
    const filled = this.fillQuestion(item, frame, at(start));
    return filled ? [filled] : [];
  }

  // ---------------------------------------------------------------------------------------------
  // Groups
  // ---------------------------------------------------------------------------------------------

  /**
   * A group with an itemPopulationContext repeats once per resource found (once if it does not
   * repeat); when the record holds none, the repetitions of the same group in the newest earlier
   * response are taken over; otherwise its items are filled one by one.
   * Spec: https://hl7.org/fhir/uv/sdc/StructureDefinition-sdc-questionnaire-itemPopulationContext.html
   */
  private fillGroup(
    item: QuestionnaireItem,
    frame: Frame,
    at: (n: number) => Paths,
    start: number,
  ): QuestionnaireResponseItem[] {
    const context = itemPopulationContext(item);
    let scope = frame;
    if (context) {
      const nodes = this.nodes(context.expression, frame, at(start).questionnaire);
      const fromRecord = this.repetitions(item, item.repeats ? nodes : nodes.slice(0, 1), at, start, (node) =>
        this.withVariables(item, bind(frame, context.name, [node], sourceOf(node)), at(start).questionnaire),
      );
      if (fromRecord.length > 0) return fromRecord;
      scope = bind(frame, context.name, [], frame.contextSource);
    }
    const fromEarlier = this.earlierRepetitions(item, scope, at, start);
    if (fromEarlier.length > 0) return fromEarlier;
    const one = this.groupInstance(item, this.withVariables(item, scope, at(start).questionnaire), at(start));
    return one ? [one] : [];
  }

  private earlierRepetitions(
    item: QuestionnaireItem,
    frame: Frame,
    at: (n: number) => Paths,
    start: number,
  ): QuestionnaireResponseItem[] {
    const keys = conceptKeys(item);
    const group = keys.length > 0 ? frame.earlier.group(keys) : undefined;
    if (!group) return [];
    const instances = item.repeats ? group.instances : group.instances.slice(0, 1);
    return this.repetitions(item, instances, at, start, (instance) => ({
      ...this.withVariables(item, frame, at(start).questionnaire),
      earlier: AnswerIndex.of(instance.item ?? [], group),
    }));
  }

  /** One response group per value, skipping those in which nothing could be filled. */
  private repetitions<T>(
    item: QuestionnaireItem,
    values: readonly T[],
    at: (n: number) => Paths,
    start: number,
    frameFor: (value: T) => Frame,
  ): QuestionnaireResponseItem[] {
    const out: QuestionnaireResponseItem[] = [];
    for (const value of values) {
      const instance = this.groupInstance(item, frameFor(value), at(start + out.length));
      if (instance) out.push(instance);
    }
    return out;
  }

  private groupInstance(
    item: QuestionnaireItem,
    frame: Frame,
    paths: Paths,
  ): QuestionnaireResponseItem | undefined {
    const children = this.fillItems(item.item ?? [], frame, paths);
    return children.length > 0 ? { ...responseItem(item), item: children } : undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Questions
  // ---------------------------------------------------------------------------------------------

  private fillQuestion(
    item: QuestionnaireItem,
    outer: Frame,
    paths: Paths,
  ): QuestionnaireResponseItem | undefined {
    const frame = this.withVariables(item, outer, paths.questionnaire);
    const filled =
      this.fromExpression(item, frame, paths.questionnaire) ??
      this.fromObservations(item, paths.questionnaire) ??
      this.fromEarlierAnswers(item, frame, paths.questionnaire);
    if (!filled) return undefined;
    const answers = filled.candidates.map((c, i) =>
      this.answer(item, filled, c, `${paths.response}.answer[${i}]`),
    );
    // Items nested under a question belong to its answer (https://hl7.org/fhir/R4/questionnaireresponse.html#link).
    const children = this.fillItems(item.item ?? [], frame, {
      response: `${paths.response}.answer[0]`,
      questionnaire: paths.questionnaire,
    });
    const first = answers[0];
    if (first && children.length > 0) first.item = children;
    return { ...responseItem(item), answer: answers };
  }

  private answer(
    item: QuestionnaireItem,
    filled: Filled,
    c: Candidate,
    path: string,
  ): QuestionnaireResponseItemAnswer {
    const reference = c.source ? this.resources.referenceOf(c.source) : undefined;
    this.sources.push({
      linkId: item.linkId,
      path,
      kind: filled.kind,
      ...(reference ? { reference } : {}),
      ...(filled.expression ? { expression: filled.expression } : {}),
    });
    const refs = this.answered.get(item.linkId) ?? new Set<string>();
    if (reference) refs.add(reference);
    this.answered.set(item.linkId, refs);
    return reference
      ? { extension: [{ url: EXT.answerSource, valueReference: { reference } }], ...c.answer }
      : { ...c.answer };
  }

  /** initialExpression: https://hl7.org/fhir/uv/sdc/StructureDefinition-sdc-questionnaire-initialExpression.html */
  private fromExpression(item: QuestionnaireItem, frame: Frame, where: string): Filled | undefined {
    const init = initialExpression(item);
    const language = unsupportedInitialExpression(item);
    if (language)
      this.warn(
        `initialExpression of item '${item.linkId}' is ${language}; only FHIRPath is evaluated`,
        where,
      );
    if (!init) return undefined;
    const result = evaluate(init.expression, this.skeleton, this.scope(frame));
    if ('error' in result) {
      this.warn(`initialExpression of item '${item.linkId}' could not be evaluated: ${result.error}`, where);
      return undefined;
    }
    const candidates = this.candidates(
      item,
      result.values.map((v) => ({ value: v.value, source: v.source ?? frame.contextSource })),
    );
    if (candidates.length === 0 && result.values.length > 0) {
      this.warn(
        `initialExpression of item '${item.linkId}' found values that a ${item.type} item cannot hold`,
        where,
      );
    }
    return candidates.length > 0
      ? { kind: 'expression', expression: init.expression, candidates }
      : undefined;
  }

  /**
   * Observation-based population: the newest Observation with one of the item's codes, taken
   * no longer ago than observationLinkPeriod (for a repeating item, all of that moment).
   * Spec: https://hl7.org/fhir/uv/sdc/populate.html#observation-based-population
   */
  private fromObservations(item: QuestionnaireItem, where: string): Filled | undefined {
    const since = this.linkPeriodStart(item, where);
    const keys = conceptKeys(item).filter((k) => !k.startsWith('definition '));
    if (since === undefined || keys.length === 0) return undefined;
    for (const o of this.observations.find(keys, since)) {
      const candidates = this.candidates(item, [{ value: observationTypedValue(o), source: o }]);
      if (candidates.length > 0) return { kind: 'observation', candidates };
    }
    return undefined;
  }

  /** An earlier answer to the same concept; with an observationLinkPeriod, only one given within it. */
  private fromEarlierAnswers(item: QuestionnaireItem, frame: Frame, where: string): Filled | undefined {
    const keys = conceptKeys(item);
    if (keys.length === 0) return undefined;
    const since = observationLinkPeriod(item) ? this.linkPeriodStart(item, where) : Number.NEGATIVE_INFINITY;
    if (since === undefined) return undefined;
    for (const hit of frame.earlier.answers(keys)) {
      if (hit.time < since) break;
      const candidates = this.candidates(
        item,
        hit.answers.map((a) => ({ value: answerTypedValue(a), source: hit.response })),
      );
      if (candidates.length > 0) return { kind: 'earlier-answer', candidates };
    }
    return undefined;
  }

  /** Values the item's type can hold, without duplicates; one unless the item repeats. */
  private candidates(
    item: QuestionnaireItem,
    values: readonly { value: TypedValue | undefined; source: Resource | undefined }[],
  ): Candidate[] {
    const seen = new Set<string>();
    const out: Candidate[] = [];
    for (const { value, source } of values) {
      const answer = value ? toAnswer(item, value) : undefined;
      const key = JSON.stringify(answer);
      if (!answer || seen.has(key)) continue;
      seen.add(key);
      out.push(source ? { answer, source } : { answer });
      if (!item.repeats) break;
    }
    return out;
  }

  private linkPeriodStart(item: QuestionnaireItem, where: string): number | undefined {
    const period = observationLinkPeriod(item);
    if (!period) return undefined;
    const start = subtractDuration(this.ctx.now, period);
    if (start === undefined)
      this.warn(`observationLinkPeriod of item '${item.linkId}' has no unit of time`, where);
    return start;
  }

  // ---------------------------------------------------------------------------------------------
  // Expressions and variables
  // ---------------------------------------------------------------------------------------------

  private scope(frame: Frame): EvaluationScope {
    return {
      variables: frame.variables,
      resolveReference: (ref) => this.resources.resolve(ref),
      now: this.ctx.now,
    };
  }

  private nodes(expression: string, frame: Frame, where: string): unknown[] {
    const result = evaluateNodes(expression, this.skeleton, this.scope(frame));
    if ('error' in result) {
      this.warn(`Expression '${expression}' could not be evaluated: ${result.error}`, where);
      return [];
    }
    return result.nodes;
  }

  /** The variables an item or the Questionnaire declares, in order (https://hl7.org/fhir/R4/extension-variable.html). */
  private withVariables(on: Questionnaire | QuestionnaireItem, frame: Frame, where: string): Frame {
    let out = frame;
    for (const v of variables(on)) {
      if (v.name) out = bind(out, v.name, this.nodes(v.expression, out, where), out.contextSource);
    }
    return out;
  }

  private bindFirst(name: string | undefined, expression: string, frame: Frame, where: string): Frame {
    const first = this.nodes(expression, frame, where)[0];
    return bind(
      frame,
      name,
      first === undefined ? [] : [first],
      first === undefined ? frame.contextSource : sourceOf(first),
    );
  }

  private warn(message: string, expression: string): void {
    this.issues.push(issue({ severity: 'warning', code: 'processing', message, expression }));
  }

  // ---------------------------------------------------------------------------------------------
  // Result
  // ---------------------------------------------------------------------------------------------

  response(items: QuestionnaireResponseItem[]): QuestionnaireResponse {
    return items.length > 0 ? { ...this.skeleton, item: items } : { ...this.skeleton };
  }

  report(): PopulateReport {
    const items: ReportItem[] = [];
    const visit = (list: readonly QuestionnaireItem[], monitoring: boolean): void => {
      for (const item of list) {
        const m = monitoring || isMonitoring(item);
        if (item.type !== 'group' && item.type !== 'display') items.push(this.reportItem(item, m));
        visit(item.item ?? [], m);
      }
    };
    visit(this.q.item ?? [], isMonitoring(this.q));
    const count = (s: ItemStatus): number => items.filter((i) => i.status === s).length;
    return {
      questionnaire: this.q.url ?? this.q.id ?? '',
      items,
      answeredBefore: count('answered-before'),
      open: count('open'),
      monitoring: count('monitoring'),
    };
  }

  private reportItem(item: QuestionnaireItem, monitoring: boolean): ReportItem {
    const refs = this.answered.get(item.linkId);
    const status: ItemStatus = monitoring ? 'monitoring' : refs ? 'answered-before' : 'open';
    return {
      linkId: item.linkId,
      ...(item.text ? { text: item.text } : {}),
      ...(item.code ? { code: item.code } : {}),
      ...(item.definition ? { definition: item.definition } : {}),
      status,
      sources: [...(refs ?? [])],
    };
  }
}

function bind(frame: Frame, name: string | undefined, nodes: unknown[], source: Resource | undefined): Frame {
  const variables = name ? { ...frame.variables, [name]: nodes } : frame.variables;
  return source ? { ...frame, variables, contextSource: source } : { ...frame, variables };
}

function responseItem(item: QuestionnaireItem): QuestionnaireResponseItem {
  return {
    linkId: item.linkId,
    ...(item.definition ? { definition: item.definition } : {}),
    ...(item.text ? { text: item.text } : {}),
  };
}

function isQuestionnaire(r: Resource): r is Questionnaire {
  return r.resourceType === 'Questionnaire';
}

function isQuestionnaireResponse(r: Resource): r is QuestionnaireResponse {
  return r.resourceType === 'QuestionnaireResponse';
}

const UNITS: Readonly<Record<string, { months?: number; ms?: number }>> = {
  a: { months: 12 },
  year: { months: 12 },
  years: { months: 12 },
  mo: { months: 1 },
  month: { months: 1 },
  months: { months: 1 },
  wk: { ms: 7 * 86_400_000 },
  week: { ms: 7 * 86_400_000 },
  weeks: { ms: 7 * 86_400_000 },
  d: { ms: 86_400_000 },
  day: { ms: 86_400_000 },
  days: { ms: 86_400_000 },
  h: { ms: 3_600_000 },
  hour: { ms: 3_600_000 },
  hours: { ms: 3_600_000 },
  min: { ms: 60_000 },
  s: { ms: 1000 },
};

/** `now` minus a Duration (UCUM code, else unit); months and years by the calendar. */
export function subtractDuration(now: Date, d: Duration): number | undefined {
  const unit = UNITS[d.code ?? ''] ?? UNITS[d.unit ?? ''];
  if (!unit || d.value === undefined) return undefined;
  if (unit.months) {
    const t = new Date(now.getTime());
    t.setUTCMonth(t.getUTCMonth() - d.value * unit.months);
    return t.getTime();
  }
  return now.getTime() - d.value * (unit.ms ?? 0);
}
