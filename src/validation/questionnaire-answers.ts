/**
 * The answers of one QuestionnaireResponse item against its Questionnaire item: answer type by
 * item type, answerOption and answerValueSet membership, exclusive options, and the constraint
 * extensions of the core spec and SDC (minLength, regex, maxDecimalPlaces, minValue/maxValue,
 * maxSize, mimeType, referenceResource, unitOption, unitValueSet, min/maxQuantity).
 *
 * Spec: https://hl7.org/fhir/R4/questionnaire.html#valueset,
 * https://hl7.org/fhir/R4/questionnaireresponse.html#link,
 * https://hl7.org/fhir/uv/sdc/behavior.html#value-constraints
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, type IssueInput } from '../fhir/outcomes.js';
import type { CodeCheck, CodingInput, ValueSetRef } from '../terminology/service.js';
import { safeRegex } from '../terminology/safe-regex.js';
import { convertUcum, UCUM_SYSTEM } from '../terminology/ucum.js';
import { answerValue } from './questionnaire-enable-when.js';
import { isRecord } from '../fhir/records.js';

type Json = Record<string, unknown>;

/** The part of the TerminologyService that answer checks use. */
export interface AnswerTerminology {
  validateCode(valueSet: ValueSetRef, coding: CodingInput): CodeCheck | undefined;
  validateBareCode(valueSet: ValueSetRef, code: string): CodeCheck | undefined;
  hasValueSet?(url: string): boolean;
}

export interface AnswerCheckContext {
  qItem: Json;
  answers: Json[];
  /** Path of the response item, e.g. `QuestionnaireResponse.item[0]`. */
  itemPath: string;
  terminology: AnswerTerminology | undefined;
  /** A `#id` answerValueSet or unitValueSet, found among contained resources. */
  containedValueSet(ref: string): Json | undefined;
  /** Names of the resource types, for references. */
  isResourceType(name: string): boolean;
  issues: OperationOutcomeIssue[];
}

const EXT = 'http://hl7.org/fhir/StructureDefinition/';
const SDC_EXT = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/';

/** Answer value types each item type accepts (R4 QuestionnaireItemType), as `value[x]` suffixes. */
const ANSWER_TYPES: Record<string, string[]> = {
  boolean: ['Boolean'],
  decimal: ['Decimal'],
  integer: ['Integer'],
  date: ['Date'],
  dateTime: ['DateTime'],
  time: ['Time'],
  string: ['String'],
  text: ['String'],
  url: ['Uri'],
  // The Java validator also takes date, time, integer and string answers for choice items.
  choice: ['Coding', 'Date', 'Time', 'Integer', 'String'],
  'open-choice': ['Coding', 'Date', 'Time', 'Integer', 'String'],
  attachment: ['Attachment'],
  reference: ['Reference'],
  quantity: ['Quantity'],
};

/** QuestionnaireResponse.item.answer.value[x] in R4. */
const ANSWER_VALUE_TYPES = new Set(
  Object.values(ANSWER_TYPES).flat().concat('Boolean', 'Decimal', 'DateTime', 'Uri'),
);

const PRIMITIVES = new Set(['Boolean', 'Decimal', 'Integer', 'Date', 'DateTime', 'Time', 'String', 'Uri']);

/** `valueDateTime` -> `dateTime`, `valueCoding` -> `Coding`: the type name FHIRPath uses. */
function typeLabel(suffix: string): string {
  return PRIMITIVES.has(suffix) ? suffix.charAt(0).toLowerCase() + suffix.slice(1) : suffix;
}

export function checkAnswers(ctx: AnswerCheckContext): void {
  const type = typeof ctx.qItem['type'] === 'string' ? ctx.qItem['type'] : '';
  const allowed = ANSWER_TYPES[type];
  if (!allowed) return;
  ctx.answers.forEach((answer, i) => {
    const answerPath = `${ctx.itemPath}.answer[${i}]`;
    const value = answerValue(answer, 'value');
    if (!value) return;
    const valuePath = `${answerPath}.value.ofType(${typeLabel(value.type)})`;
    // A value[x] that is no answer type at all is a structural error, reported by the structure check.
    if (!ANSWER_VALUE_TYPES.has(value.type)) return;
    if (!allowed.includes(value.type)) {
      const names = allowed.map(typeLabel);
      const expected =
        names.length === 1 ? `of the type ${names[0]}` : `one of the types ${names.join(', ')}`;
      report(ctx, {
        code: 'structure',
        message: `Answer value must be ${expected} not ${typeLabel(value.type)}`,
        expression: valuePath,
      });
      return;
    }
    const at = { answerPath, valuePath };
    checkValueConstraints(ctx, value.type, value.value, at);
    checkOptions(ctx, type, value.type, value.value, at);
  });
  checkExclusiveOptions(ctx);
}

interface Paths {
  answerPath: string;
  valuePath: string;
}

function checkValueConstraints(ctx: AnswerCheckContext, type: string, value: unknown, at: Paths): void {
  switch (type) {
    case 'String':
    case 'Uri':
      if (typeof value === 'string') checkText(ctx, value, at.valuePath);
      break;
    case 'Decimal':
      if (typeof value === 'number') checkDecimalPlaces(ctx, value, at.valuePath);
      checkMinMax(ctx, type, value, at.valuePath);
      break;
    case 'Integer':
    case 'Date':
    case 'DateTime':
    case 'Time':
      checkMinMax(ctx, type, value, at.valuePath);
      break;
    case 'Attachment':
      if (isRecord(value)) checkAttachment(ctx, value, at.answerPath);
      break;
    case 'Reference':
      if (isRecord(value)) checkReference(ctx, value, at.valuePath);
      break;
    case 'Quantity':
      if (isRecord(value)) checkQuantity(ctx, value, at.valuePath);
      break;
    default:
      break;
  }
}

// --- strings -----------------------------------------------------------------------------------

function checkText(ctx: AnswerCheckContext, value: string, path: string): void {
  const length = [...value].length;
  const min = extensionValue(ctx.qItem, `${EXT}minLength`, 'valueInteger');
  if (typeof min === 'number' && length < min) {
    report(ctx, {
      code: 'invariant',
      message: `The answer is shorter than the required minimum length of ${min} (found ${length})`,
      expression: path,
    });
  }
  const max = ctx.qItem['maxLength'];
  if (typeof max === 'number' && length > max) {
    report(ctx, {
      code: 'invariant',
      message: `The answer is longer than the allowed maximum length of ${max} (found ${length})`,
      expression: path,
    });
  }
  const pattern = extensionValue(ctx.qItem, `${EXT}regex`, 'valueString');
  if (typeof pattern === 'string') {
    const re = anchoredRegex(pattern);
    if (!re) {
      report(ctx, {
        severity: 'information',
        code: 'informational',
        message: 'The regex of this item was not applied: it is not valid, or it could take exponential time',
        expression: path,
      });
    } else if (!re.test(value)) {
      const format = extensionValue(ctx.qItem, `${EXT}entryFormat`, 'valueString');
      const hint = typeof format === 'string' ? ` '${format}'` : '';
      report(ctx, {
        code: 'invariant',
        message: `The answer does not conform to the expected format${hint} (regex '${pattern}')`,
        expression: path,
      });
    }
  }
}

/** The regex comes with the Questionnaire, which may come with the request: only safe ones run. */
function anchoredRegex(pattern: string): RegExp | undefined {
  return safeRegex(pattern, 'u');
}

// --- numbers and dates -------------------------------------------------------------------------

function checkDecimalPlaces(ctx: AnswerCheckContext, value: number, path: string): void {
  const limit = extensionValue(ctx.qItem, `${EXT}maxDecimalPlaces`, 'valueInteger');
  if (typeof limit !== 'number') return;
  const places = decimalPlaces(value);
  if (places > limit) {
    report(ctx, {
      code: 'invariant',
      message: `The value ${value} has too many decimal places (limit = ${limit})`,
      expression: path,
    });
  }
}

function decimalPlaces(n: number): number {
  const [mantissa = '', exponent] = String(n).split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent ?? 0));
}

function checkMinMax(ctx: AnswerCheckContext, type: string, value: unknown, path: string): void {
  for (const [url, bound] of [
    [`${EXT}minValue`, 'minimum'],
    [`${EXT}maxValue`, 'maximum'],
  ] as const) {
    const limit = extensionValue(ctx.qItem, url, `value${type}`);
    const order = compareScalar(value, limit);
    if (order === undefined) continue;
    if ((bound === 'minimum' && order < 0) || (bound === 'maximum' && order > 0)) {
      const word = bound === 'minimum' ? 'less' : 'greater';
      report(ctx, {
        code: 'invariant',
        message: `The ${typeLabel(type)} answer is ${word} than the allowed ${bound} of ${String(limit)}`,
        expression: path,
      });
    }
  }
}

function compareScalar(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  // Dates and times in the same precision compare as text.
  if (typeof a === 'string' && typeof b === 'string' && a.length === b.length)
    return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

// --- attachments -------------------------------------------------------------------------------

function checkAttachment(ctx: AnswerCheckContext, att: Json, path: string): void {
  const maxSize = extensionValue(ctx.qItem, `${EXT}maxSize`, 'valueDecimal');
  if (typeof maxSize === 'number') {
    const size = attachmentSize(att);
    if (size !== undefined && size > maxSize) {
      report(ctx, {
        code: 'invariant',
        message: `The attachment is too large (allowed = ${maxSize}, found = ${size})`,
        expression: path,
      });
    }
  }
  const mimeTypes = extensionValues(ctx.qItem, `${EXT}mimeType`, 'valueCode').filter(
    (v): v is string => typeof v === 'string',
  );
  const contentType = att['contentType'];
  if (
    mimeTypes.length > 0 &&
    typeof contentType === 'string' &&
    !mimeTypes.includes(contentType.split(';')[0]?.trim() ?? '')
  ) {
    report(ctx, {
      code: 'invariant',
      message: `The attachment content type '${contentType}' is not allowed (allowed = ${mimeTypes.join(', ')})`,
      expression: path,
    });
  }
}

function attachmentSize(att: Json): number | undefined {
  if (typeof att['size'] === 'number') return att['size'];
  const data = att['data'];
  if (typeof data !== 'string') return undefined;
  const clean = data.replace(/\s+/g, '');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.floor((clean.length * 3) / 4) - padding;
}

// --- references --------------------------------------------------------------------------------

function checkReference(ctx: AnswerCheckContext, ref: Json, path: string): void {
  const reference = ref['reference'];
  if (typeof reference !== 'string' || reference.startsWith('#')) return;
  const type = referenceType(reference);
  if (type === undefined) return;
  if (!ctx.isResourceType(type)) {
    report(ctx, {
      code: 'invariant',
      message: `The resource type ${type} in the reference ${reference} is not valid`,
      expression: path,
    });
    return;
  }
  const allowed = extensionValues(ctx.qItem, `${EXT}questionnaire-referenceResource`, 'valueCode').filter(
    (v): v is string => typeof v === 'string',
  );
  if (allowed.length > 0 && !allowed.includes(type) && !allowed.includes('Resource')) {
    report(ctx, {
      code: 'invariant',
      message: `The resource type '${type}' in the reference ${reference} is not allowed (allowed = ${allowed.join(',')})`,
      expression: path,
    });
  }
}

/** `Patient/1`, `http://x/fhir/Patient/1/_history/2` -> `Patient`. */
function referenceType(reference: string): string | undefined {
  const m = /(?:^|\/)([A-Za-z]+)\/[^/]+(?:\/_history\/[^/]+)?$/.exec(reference);
  return m?.[1];
}

// --- quantities --------------------------------------------------------------------------------

function checkQuantity(ctx: AnswerCheckContext, q: Json, path: string): void {
  checkUnitOptions(ctx, q, path);
  checkUnitValueSet(ctx, q, path);
  checkQuantityBound(
    ctx,
    q,
    extensionValue(ctx.qItem, `${SDC_EXT}sdc-questionnaire-minQuantity`, 'valueQuantity'),
    'minimum',
    path,
  );
  checkQuantityBound(
    ctx,
    q,
    extensionValue(ctx.qItem, `${SDC_EXT}sdc-questionnaire-maxQuantity`, 'valueQuantity'),
    'maximum',
    path,
  );
}

function describeQuantity(q: Json): string {
  const unit = typeof q['unit'] === 'string' ? q['unit'] : typeof q['code'] === 'string' ? q['code'] : '';
  return `${String(q['value'] ?? '')} ${unit}`.trim();
}

function checkUnitOptions(ctx: AnswerCheckContext, q: Json, path: string): void {
  const options = extensionValues(ctx.qItem, `${EXT}questionnaire-unitOption`, 'valueCoding').filter(
    isRecord,
  );
  if (options.length === 0) return;
  if (options.some((o) => o['system'] === q['system'] && o['code'] === q['code'])) return;
  const allowed = options.map(
    (o) => `${String(o['display'] ?? o['code'])} (${String(o['system'])}#${String(o['code'])})`,
  );
  report(ctx, {
    code: 'invariant',
    message: `The value ${describeQuantity(q)} (${String(q['system'])}#${String(q['code'])}) has a unit that is not valid (allowed = ${allowed.join(', ')})`,
    expression: path,
  });
}

function checkUnitValueSet(ctx: AnswerCheckContext, q: Json, path: string): void {
  const ref = extensionValue(ctx.qItem, `${EXT}questionnaire-unitValueSet`, 'valueCanonical');
  if (typeof ref !== 'string' || !ctx.terminology) return;
  const vs = valueSetRef(ctx, ref);
  const code = q['code'];
  const check =
    typeof code === 'string'
      ? ctx.terminology.validateCode(vs, {
          code,
          ...(typeof q['system'] === 'string' ? { system: q['system'] } : {}),
        })
      : { valid: false };
  if (check && !check.valid) {
    report(ctx, {
      code: 'invariant',
      message: `The value ${describeQuantity(q)} (${String(q['system'])}#${String(code)}) has a unit that is not in the unit value set '${ref}'`,
      expression: path,
    });
  }
}

function checkQuantityBound(
  ctx: AnswerCheckContext,
  q: Json,
  limit: unknown,
  bound: 'minimum' | 'maximum',
  path: string,
): void {
  if (!isRecord(limit) || typeof limit['value'] !== 'number' || typeof q['value'] !== 'number') return;
  const formal = (x: Json): boolean => x['system'] === UCUM_SYSTEM && typeof x['code'] === 'string';
  if (!formal(q) || !formal(limit)) {
    report(ctx, {
      code: 'invariant',
      message: `The quantity ${describeQuantity(q)} cannot be compared to the allowed ${bound} of ${describeQuantity(limit)} because no formal (UCUM) units are specified`,
      expression: path,
    });
    return;
  }
  const converted = convertUcum(q['value'], q['code'] as string, limit['code'] as string);
  if (converted === undefined) {
    report(ctx, {
      code: 'invariant',
      message: `The quantity ${describeQuantity(q)} cannot be compared to the allowed ${bound} of ${describeQuantity(limit)}: the units are not comparable`,
      expression: path,
    });
    return;
  }
  const below = bound === 'minimum' && converted < limit['value'];
  const above = bound === 'maximum' && converted > limit['value'];
  if (below || above) {
    report(ctx, {
      code: 'invariant',
      message: `The quantity ${describeQuantity(q)} is ${below ? 'less' : 'greater'} than the allowed ${bound} of ${describeQuantity(limit)}`,
      expression: path,
    });
  }
}

// --- options -----------------------------------------------------------------------------------

function checkOptions(
  ctx: AnswerCheckContext,
  itemType: string,
  type: string,
  value: unknown,
  at: Paths,
): void {
  const options = records(ctx.qItem['answerOption']);
  const open = itemType === 'open-choice';
  const valueSet = ctx.qItem['answerValueSet'];
  if (options.length > 0) {
    if (findOption(options, type, value) !== undefined) return;
    // Free text is what makes a choice open.
    if (open && type === 'String') return;
    report(ctx, {
      severity: open ? 'warning' : 'error',
      code: 'invariant',
      message: `The ${describeValue(type, value)} is not in the set of permitted values`,
      expression: type === 'Coding' ? at.answerPath : at.valuePath,
    });
  } else if (typeof valueSet === 'string') {
    checkValueSetAnswer(ctx, valueSet, type, value, open, at);
  } else if (itemType === 'choice' || itemType === 'open-choice') {
    const message =
      type === 'Coding'
        ? 'Cannot validate options because no option or options are provided'
        : `Cannot validate ${typeLabel(type)} answer option because no option list is provided`;
    report(ctx, { severity: 'information', code: 'invariant', message, expression: at.answerPath });
  }
}

/**
 * Codes and numbers are named in messages; free text, dates and references are not, because an
 * answer may hold a name or a birth date and outcomes end up in logs.
 */
function describeValue(type: string, value: unknown): string {
  if (type === 'Coding' && isRecord(value))
    return `code ${String(value['system'] ?? '')}#${String(value['code'] ?? '')}`;
  if (typeof value === 'number') return `${typeLabel(type)} ${value}`;
  return `${typeLabel(type)} answer`;
}

/** The index of the answerOption that `value` selects. */
function findOption(options: Json[], type: string, value: unknown): number | undefined {
  const i = options.findIndex((o) => {
    const opt = answerValue(o, 'value');
    if (!opt || opt.type !== type) return false;
    if (type === 'Coding' && isRecord(value) && isRecord(opt.value)) {
      return opt.value['system'] === value['system'] && opt.value['code'] === value['code'];
    }
    if (type === 'Reference' && isRecord(value) && isRecord(opt.value))
      return opt.value['reference'] === value['reference'];
    return opt.value === value;
  });
  return i < 0 ? undefined : i;
}

function checkValueSetAnswer(
  ctx: AnswerCheckContext,
  ref: string,
  type: string,
  value: unknown,
  open: boolean,
  at: Paths,
): void {
  const ts = ctx.terminology;
  if (!ts) return;
  const vs = valueSetRef(ctx, ref);
  if (type === 'Coding' && isRecord(value)) {
    const code = value['code'];
    if (typeof code !== 'string') return;
    const system = value['system'];
    if (typeof system !== 'string') {
      report(ctx, {
        severity: 'warning',
        code: 'code-invalid',
        message:
          'Coding has no system. A code with no system has no defined meaning, and it cannot be validated. A system should be provided',
        expression: at.answerPath,
      });
      return;
    }
    const check = ts.validateCode(vs, {
      system,
      code,
      ...(typeof value['display'] === 'string' ? { display: value['display'] } : {}),
    });
    if (check === undefined) {
      report(ctx, {
        severity: 'information',
        code: 'informational',
        message: `Could not check whether the code '${code}' in the system '${system}' is in the options value set ${ref}: the code system is not available offline`,
        expression: at.answerPath,
      });
    } else if (!check.valid || check.message) {
      // A display that contradicts the value set is rejected here, as the HL7 Java validator does:
      // the answer must be one of the options, and an option is a code with its display.
      const why = check.message ? `: ${check.message}` : '';
      report(ctx, {
        severity: open && !check.valid ? 'warning' : 'error',
        code: 'code-invalid',
        message: `The code '${code}' in the system '${system}' is not in the options value set ${ref} specified by the questionnaire${why}`,
        expression: at.answerPath,
      });
    }
  } else if (type === 'String' && typeof value === 'string' && !open) {
    const check = ts.validateBareCode(vs, value);
    if (check && !check.valid) {
      report(ctx, {
        code: 'invariant',
        message: `The answer is not in the list of allowed values (value set '${ref}')`,
        expression: at.valuePath,
      });
    }
  }
}

function valueSetRef(ctx: AnswerCheckContext, ref: string): ValueSetRef {
  return ref.startsWith('#') ? (ctx.containedValueSet(ref.slice(1)) ?? ref) : ref;
}

/** Spec: http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive */
function checkExclusiveOptions(ctx: AnswerCheckContext): void {
  if (ctx.answers.length < 2) return;
  const options = records(ctx.qItem['answerOption']);
  ctx.answers.forEach((answer, i) => {
    const value = answerValue(answer, 'value');
    if (!value) return;
    const index = findOption(options, value.type, value.value);
    const option = index === undefined ? undefined : options[index];
    if (option && extensionValue(option, `${EXT}questionnaire-optionExclusive`, 'valueBoolean') === true) {
      report(ctx, {
        code: 'invariant',
        message: `Selected answer ${describeValue(value.type, value.value)} is an exclusive option; no other answer may be selected with it`,
        expression: `${ctx.itemPath}.answer[${i}]`,
      });
    }
  });
}

// --- helpers -----------------------------------------------------------------------------------

function extensionValues(holder: Json, url: string, key: string): unknown[] {
  return records(holder['extension'])
    .filter((e) => e['url'] === url)
    .map((e) => e[key])
    .filter((v) => v !== undefined);
}

function extensionValue(holder: Json, url: string, key: string): unknown {
  return extensionValues(holder, url, key)[0];
}

function report(ctx: AnswerCheckContext, input: IssueInput): void {
  ctx.issues.push(issue(input));
}

function records(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}
