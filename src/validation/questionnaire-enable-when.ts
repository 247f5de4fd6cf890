import { isRecord } from '../fhir/records.js';
/**
 * Whether a Questionnaire item is enabled for one place in a QuestionnaireResponse: its
 * `enableWhen` conditions, combined by `enableBehavior`, evaluated against the answers to the
 * referenced questions found within the nearest response group that the two items share.
 *
 * Spec: https://hl7.org/fhir/R4/questionnaire-definitions.html#Questionnaire.item.enableWhen
 */

type Json = Record<string, unknown>;

/** Questionnaire items by linkId and their parents, computed once per Questionnaire. */
export interface QuestionnaireIndex {
  byLinkId: Map<string, Json>;
  parentOf: Map<Json, Json | undefined>;
  /** Answers by linkId under a response node, built on first use during one check. */
  answersUnder: Map<Json, Map<string, Json[]>>;
}

/** One level of the walk: a questionnaire item and the response item (or root) answering it. */
export interface ResponseFrame {
  qItem: Json | undefined;
  response: Json;
}

export function indexQuestionnaire(questionnaire: Json): QuestionnaireIndex {
  const byLinkId = new Map<string, Json>();
  const parentOf = new Map<Json, Json | undefined>();
  const visit = (items: Json[], parent: Json | undefined): void => {
    for (const item of items) {
      parentOf.set(item, parent);
      const id = item['linkId'];
      if (typeof id === 'string' && !byLinkId.has(id)) byLinkId.set(id, item);
      visit(records(item['item']), item);
    }
  };
  visit(records(questionnaire['item']), undefined);
  return { byLinkId, parentOf, answersUnder: new Map() };
}

/**
 * `stack` runs from the response root to the response item that holds `qItem` (exclusive of
 * `qItem`'s own response item).
 */
export function isEnabled(qItem: Json, index: QuestionnaireIndex, stack: readonly ResponseFrame[]): boolean {
  const conditions = records(qItem['enableWhen']);
  if (conditions.length === 0) return true;
  const results = conditions.map((c) => conditionHolds(c, qItem, index, stack));
  return qItem['enableBehavior'] === 'any' ? results.some(Boolean) : results.every(Boolean);
}

function conditionHolds(
  cond: Json,
  source: Json,
  index: QuestionnaireIndex,
  stack: readonly ResponseFrame[],
): boolean {
  const question = cond['question'];
  const operator = cond['operator'];
  if (typeof question !== 'string' || typeof operator !== 'string') return false;
  const target = index.byLinkId.get(question);
  if (!target) return false;
  const answers = findAnswers(target, source, index, stack);
  if (operator === 'exists') return answers.length > 0 === (cond['answerBoolean'] === true);
  const expected = answerValue(cond, 'answer');
  if (!expected) return false;
  return answers.some((a) => {
    const actual = answerValue(a, 'value');
    return actual !== undefined && compare(actual, expected, operator);
  });
}

/** Answers to `target` in the response group that `source` and `target` share (or anywhere). */
function findAnswers(
  target: Json,
  source: Json,
  index: QuestionnaireIndex,
  stack: readonly ResponseFrame[],
): Json[] {
  const common = commonAncestor(source, target, index);
  const frame = common ? [...stack].reverse().find((f) => f.qItem === common) : stack[0];
  const root = frame?.response ?? stack[0]?.response;
  const linkId = target['linkId'];
  if (!root || typeof linkId !== 'string') return [];
  let byLinkId = index.answersUnder.get(root);
  if (!byLinkId) {
    byLinkId = answersByLinkId(root);
    index.answersUnder.set(root, byLinkId);
  }
  return byLinkId.get(linkId) ?? [];
}

function answersByLinkId(root: Json): Map<string, Json[]> {
  const out = new Map<string, Json[]>();
  const visit = (node: Json, depth: number): void => {
    if (depth > 100) return;
    for (const item of records(node['item'])) {
      const answers = records(item['answer']);
      if (typeof item['linkId'] === 'string') {
        const list = out.get(item['linkId']) ?? [];
        list.push(...answers);
        out.set(item['linkId'], list);
      }
      visit(item, depth + 1);
      for (const a of answers) visit(a, depth + 1);
    }
  };
  visit(root, 0);
  return out;
}

function commonAncestor(a: Json, b: Json, index: QuestionnaireIndex): Json | undefined {
  const ancestors = new Set<Json>();
  for (let p = index.parentOf.get(a); p; p = index.parentOf.get(p)) ancestors.add(p);
  for (let p = index.parentOf.get(b); p; p = index.parentOf.get(p)) if (ancestors.has(p)) return p;
  return undefined;
}

interface TypedValue {
  type: string;
  value: unknown;
}

/** The `answer[x]` of an enableWhen or the `value[x]` of an answer. */
export function answerValue(holder: Json, prefix: string): TypedValue | undefined {
  for (const [k, v] of Object.entries(holder)) {
    if (k.startsWith(prefix) && k.length > prefix.length && /^[A-Z]/.test(k.charAt(prefix.length))) {
      return { type: k.slice(prefix.length), value: v };
    }
  }
  return undefined;
}

function compare(actual: TypedValue, expected: TypedValue, operator: string): boolean {
  const order = ordering(actual, expected);
  switch (operator) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '>':
      return order !== undefined && order !== 'unequal' && order > 0;
    case '<':
      return order !== undefined && order !== 'unequal' && order < 0;
    case '>=':
      return order !== undefined && order !== 'unequal' && order >= 0;
    case '<=':
      return order !== undefined && order !== 'unequal' && order <= 0;
    default:
      return false;
  }
}

/** -1/0/1 when ordered, 'unequal' when comparable only for equality, undefined when not comparable. */
function ordering(a: TypedValue, b: TypedValue): number | 'unequal' | undefined {
  if (typeof a.value === 'number' && typeof b.value === 'number') return Math.sign(a.value - b.value);
  if (a.type !== b.type) return undefined;
  if (typeof a.value === 'string' && typeof b.value === 'string') {
    if (a.type === 'String') return a.value === b.value ? 0 : 'unequal';
    return a.value === b.value ? 0 : a.value < b.value ? -1 : 1;
  }
  if (typeof a.value === 'boolean' && typeof b.value === 'boolean')
    return a.value === b.value ? 0 : 'unequal';
  if (isRecord(a.value) && isRecord(b.value)) return complexOrdering(a.type, a.value, b.value);
  return undefined;
}

function complexOrdering(type: string, a: Json, b: Json): number | 'unequal' | undefined {
  switch (type) {
    case 'Coding':
      return a['system'] === b['system'] && a['code'] === b['code'] ? 0 : 'unequal';
    case 'Quantity': {
      const sameUnit = (a['code'] ?? a['unit']) === (b['code'] ?? b['unit']);
      if (!sameUnit || typeof a['value'] !== 'number' || typeof b['value'] !== 'number') return undefined;
      return Math.sign(a['value'] - b['value']);
    }
    case 'Reference':
      return a['reference'] === b['reference'] ? 0 : 'unequal';
    default:
      return undefined;
  }
}

function records(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}
