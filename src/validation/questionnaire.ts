/**
 * A QuestionnaireResponse checked against its Questionnaire: every response item must name an
 * item of the Questionnaire at the same place (linkId and nesting, in order); required items must
 * be answered when they are enabled (enableWhen); items that are not enabled must not be
 * answered; answers must have the type the item asks for and keep to its options and constraint
 * extensions; display and group items carry no answers.
 *
 * The rules and their severities follow the HL7 Java validator (QuestionnaireValidator), so that
 * the outcome agrees with it; a response with status `in-progress` only gets warnings for missing
 * required answers.
 *
 * Spec: https://hl7.org/fhir/R4/questionnaireresponse.html#link,
 * https://hl7.org/fhir/R4/questionnaire.html#invs
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { createRequire } from 'node:module';
import { issue, type IssueInput } from '../fhir/outcomes.js';
import { checkAnswers, type AnswerTerminology } from './questionnaire-answers.js';
import {
  indexQuestionnaire,
  isEnabled,
  type QuestionnaireIndex,
  type ResponseFrame,
} from './questionnaire-enable-when.js';
import { isRecord } from '../fhir/records.js';

type Json = Record<string, unknown>;

/**
 * Optional fourth argument (an addition to the agreed signature): without a terminology service
 * answerValueSet and unitValueSet memberships are not checked.
 */
export interface QuestionnaireCheckOptions {
  terminology?: AnswerTerminology;
}

const MAX_DEPTH = 100;

const r4Model = createRequire(import.meta.url)('fhirpath/fhir-context/r4') as {
  type2Parent: Record<string, string>;
};
const RESOURCE_TYPES = new Set(
  Object.entries(r4Model.type2Parent)
    .filter(([, parent]) => parent === 'DomainResource' || parent === 'Resource')
    .map(([type]) => type),
);

export function validateQuestionnaireResponse(
  qr: unknown,
  questionnaire: unknown,
  basePath: string,
  options: QuestionnaireCheckOptions = {},
): OperationOutcomeIssue[] {
  if (!isRecord(qr) || !isRecord(questionnaire)) return [];
  const check = new ResponseCheck(qr, questionnaire, options);
  check.period(basePath);
  check.items(records(qr['item']), records(questionnaire['item']), basePath, [
    { qItem: undefined, response: qr },
  ]);
  return check.issues;
}

class ResponseCheck {
  readonly issues: OperationOutcomeIssue[] = [];
  private readonly index: QuestionnaireIndex;
  private readonly inProgress: boolean;

  constructor(
    private readonly qr: Json,
    private readonly questionnaire: Json,
    private readonly options: QuestionnaireCheckOptions,
  ) {
    this.index = indexQuestionnaire(questionnaire);
    this.inProgress = qr['status'] === 'in-progress';
  }

  /** A response authored outside the Questionnaire's effective period. */
  period(basePath: string): void {
    const authored = this.qr['authored'];
    const period = this.questionnaire['effectivePeriod'];
    if (typeof authored !== 'string' || !isRecord(period)) return;
    const { start, end } = period;
    if (typeof end === 'string' && laterThan(authored, end)) {
      this.report({
        severity: 'warning',
        code: 'business-rule',
        message: `The authored date '${authored}' is after the end of the permitted period defined in the Questionnaire ('${end}')`,
        expression: `${basePath}.authored`,
      });
    }
    if (typeof start === 'string' && laterThan(start, authored)) {
      this.report({
        severity: 'warning',
        code: 'business-rule',
        message: `The authored date '${authored}' is before the start of the permitted period defined in the Questionnaire ('${start}')`,
        expression: `${basePath}.authored`,
      });
    }
  }

  /** The response items under one parent (the response, a group item or an answer). */
  items(responseItems: Json[], qItems: Json[], parentPath: string, stack: readonly ResponseFrame[]): void {
    // Nesting is bounded where JSON is parsed; this keeps a hand-built object from exhausting the stack.
    if (stack.length > MAX_DEPTH) return;
    const byLinkId = this.matchItems(responseItems, qItems, parentPath, stack);
    for (const qItem of qItems) {
      const linkId = qItem['linkId'];
      const present = typeof linkId === 'string' ? byLinkId.get(linkId) : undefined;
      const enabled = isEnabled(qItem, this.index, stack);
      if (!present) {
        if (enabled && qItem['required'] === true) this.missingRequired(qItem, parentPath);
        continue;
      }
      if (!enabled) this.notEnabled(qItem, present, parentPath);
      if (present.length > 1 && qItem['repeats'] !== true) {
        this.report({
          code: 'structure',
          message: `Only one response item with linkId '${String(linkId)}' allowed (the item does not repeat)`,
          expression: parentPath,
        });
      }
      for (const { item, at } of present) this.item(item, qItem, `${parentPath}.item[${at}]`, stack, enabled);
    }
  }

  /** Groups response items by linkId; reports unknown, misplaced and out-of-order items. */
  private matchItems(
    responseItems: Json[],
    qItems: Json[],
    parentPath: string,
    stack: readonly ResponseFrame[],
  ): Map<string, { item: Json; at: number }[]> {
    const byLinkId = new Map<string, { item: Json; at: number }[]>();
    let lastIndex = -1;
    responseItems.forEach((item, at) => {
      const linkId = item['linkId'];
      const path = `${parentPath}.item[${at}]`;
      if (typeof linkId !== 'string' || linkId === '') {
        this.report({ code: 'required', message: 'A response item has no linkId', expression: path });
        return;
      }
      const qIndex = qItems.findIndex((q) => q['linkId'] === linkId);
      if (qIndex < 0) {
        this.unmatched(item, linkId, parentPath, path, stack);
        return;
      }
      if (qIndex < lastIndex) {
        this.report({
          code: 'structure',
          message: `Item '${linkId}' is out of order: items must follow the order of the Questionnaire`,
          expression: path,
        });
      }
      lastIndex = Math.max(lastIndex, qIndex);
      const list = byLinkId.get(linkId) ?? [];
      list.push({ item, at });
      byLinkId.set(linkId, list);
    });
    return byLinkId;
  }

  private unmatched(
    item: Json,
    linkId: string,
    parentPath: string,
    path: string,
    stack: readonly ResponseFrame[],
  ): void {
    const elsewhere = this.index.byLinkId.get(linkId);
    if (!elsewhere) {
      this.report({
        code: 'not-found',
        message: `LinkId '${linkId}' not found in questionnaire`,
        expression: parentPath,
      });
      return;
    }
    this.report({
      code: 'structure',
      message: `Item '${linkId}' is in the wrong place: the Questionnaire defines it at another level`,
      expression: path,
    });
    this.item(item, elsewhere, path, stack, true);
  }

  private missingRequired(qItem: Json, path: string): void {
    this.report({
      severity: this.inProgress ? 'warning' : 'error',
      code: 'required',
      message: `No response answer found for required item '${String(qItem['linkId'])}'`,
      expression: path,
    });
  }

  /** Spec: "If enableWhen is false, the item must not have answers" (enableWhen, R4). */
  private notEnabled(qItem: Json, present: { item: Json; at: number }[], parentPath: string): void {
    for (const { item, at } of present) {
      const answered = hasAnswers(item);
      this.report({
        severity: answered ? 'error' : 'warning',
        code: 'business-rule',
        message: answered
          ? `Item '${String(qItem['linkId'])}' has answers, but it is not enabled (enableWhen)`
          : `Item '${String(qItem['linkId'])}' is present, but it is not enabled (enableWhen)`,
        expression: `${parentPath}.item[${at}]`,
      });
    }
  }

  /** One response item against its Questionnaire item. */
  private item(
    item: Json,
    qItem: Json,
    path: string,
    stack: readonly ResponseFrame[],
    enabled: boolean,
  ): void {
    const linkId = String(qItem['linkId']);
    const type = typeof qItem['type'] === 'string' ? qItem['type'] : undefined;
    const answers = records(item['answer']);
    const children = records(item['item']);
    this.text(item, qItem, path);
    if (type === undefined) {
      this.report({
        severity: 'warning',
        code: 'structure',
        message: `The Questionnaire item '${linkId}' has no type`,
        expression: path,
      });
      return;
    }
    const frame: ResponseFrame = { qItem, response: item };
    if (type === 'group') {
      this.noAnswers(answers, `Items of type group should not have answers`, path);
      this.items(children, records(qItem['item']), path, [...stack, frame]);
      return;
    }
    if (type === 'display' || type === 'question') {
      this.noAnswers(
        answers,
        type === 'display'
          ? `Items of type 'display' cannot have answers`
          : 'Items of type question should not have answers',
        path,
      );
      if (children.length > 0)
        this.report({
          code: 'structure',
          message: `Items of type '${type}' cannot have child items`,
          expression: path,
        });
      return;
    }
    this.answerCount(qItem, answers, path, enabled);
    checkAnswers({
      qItem,
      answers,
      itemPath: path,
      terminology: this.options.terminology,
      containedValueSet: (id) => this.containedValueSet(id),
      isResourceType: (name) => RESOURCE_TYPES.has(name),
      issues: this.issues,
    });
    answers.forEach((answer, i) => {
      this.items(records(answer['item']), records(qItem['item']), `${path}.answer[${i}]`, [
        ...stack,
        { qItem, response: answer },
      ]);
    });
    if (children.length > 0) {
      this.report({
        code: 'structure',
        message: 'Items not of type group should not have items outside answers (use answer.item not .item)',
        expression: path,
      });
    }
  }

  private text(item: Json, qItem: Json, path: string): void {
    const text = item['text'];
    if (typeof text === 'string' && text !== '' && text !== qItem['text']) {
      this.report({
        code: 'invalid',
        message: `If text exists, it must match the questionnaire definition for linkId '${String(qItem['linkId'])}'`,
        expression: path,
      });
    }
  }

  private noAnswers(answers: Json[], message: string, path: string): void {
    if (answers.length > 0) this.report({ code: 'structure', message, expression: path });
  }

  /** required, repeats and the minOccurs/maxOccurs extensions. */
  private answerCount(qItem: Json, answers: Json[], path: string, enabled: boolean): void {
    const linkId = String(qItem['linkId']);
    if (answers.length === 0 && qItem['required'] === true && enabled) this.missingRequired(qItem, path);
    if (answers.length > 1 && qItem['repeats'] !== true) {
      this.report({
        code: 'structure',
        message: `Only one response answer item with this linkId allowed ('${linkId}')`,
        expression: path,
      });
    }
    const min = extensionInteger(qItem, 'http://hl7.org/fhir/StructureDefinition/questionnaire-minOccurs');
    if (min !== undefined && answers.length < min) {
      this.report({
        code: 'invalid',
        message: `The minimum number of answers is ${min} but this has ${answers.length} answers`,
        expression: path,
      });
    }
    const max = extensionInteger(qItem, 'http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs');
    if (max !== undefined && answers.length > max) {
      this.report({
        code: 'invalid',
        message: `The maximum number of answers is ${max} but this has ${answers.length} answers`,
        expression: path,
      });
    }
  }

  /** `#id` in an answerValueSet: contained in the Questionnaire, or beside it in the response. */
  private containedValueSet(id: string): Json | undefined {
    for (const holder of [this.questionnaire, this.qr]) {
      const hit = records(holder['contained']).find(
        (r) => r['resourceType'] === 'ValueSet' && r['id'] === id,
      );
      if (hit) return hit;
    }
    return undefined;
  }

  private report(input: IssueInput): void {
    this.issues.push(issue(input));
  }
}

function hasAnswers(item: Json): boolean {
  return records(item['answer']).length > 0 || records(item['item']).some(hasAnswers);
}

/** Compares date(Time)s at the precision both have. */
function laterThan(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length, 10);
  return a.slice(0, n) > b.slice(0, n);
}

function extensionInteger(holder: Json, url: string): number | undefined {
  const ext = records(holder['extension']).find((e) => e['url'] === url);
  const v = ext?.['valueInteger'];
  return typeof v === 'number' ? v : undefined;
}

function records(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}
