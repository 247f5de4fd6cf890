/**
 * Values on their way into an answer: whatever a FHIRPath expression, an Observation or an
 * earlier answer yields becomes a TypedValue, and a TypedValue becomes an answer only where the
 * item's type can hold it (https://hl7.org/fhir/R4/questionnaire.html#answertypes), e.g. a
 * CodeableConcept answers a `string` item with its text, and a `choice` item with the coding
 * that matches one of its options.
 */
import type {
  Attachment,
  Coding,
  CodeableConcept,
  Observation,
  Quantity,
  QuestionnaireItem,
  QuestionnaireItemAnswerOption,
  QuestionnaireResponseItemAnswer,
  Reference,
  Resource,
} from '@medplum/fhirtypes';

export type TypedValue =
  | { type: 'boolean'; value: boolean }
  | { type: 'integer'; value: number }
  | { type: 'decimal'; value: number }
  | { type: 'string'; value: string }
  | { type: 'uri'; value: string }
  | { type: 'date'; value: string }
  | { type: 'dateTime'; value: string }
  | { type: 'time'; value: string }
  | { type: 'Coding'; value: Coding }
  | { type: 'CodeableConcept'; value: CodeableConcept }
  | { type: 'Quantity'; value: Quantity }
  | { type: 'Reference'; value: Reference }
  | { type: 'Attachment'; value: Attachment }
  | { type: 'resource'; value: Resource };

/** An answer without its extensions and nested items: exactly one value[x]. */
export type AnswerValue = Omit<
  QuestionnaireResponseItemAnswer,
  'id' | 'extension' | 'modifierExtension' | 'item'
>;

const PRIMITIVE_TYPES: Readonly<
  Record<string, 'boolean' | 'integer' | 'decimal' | 'string' | 'uri' | 'date' | 'dateTime' | 'time'>
> = {
  boolean: 'boolean',
  integer: 'integer',
  positiveInt: 'integer',
  unsignedInt: 'integer',
  decimal: 'decimal',
  string: 'string',
  markdown: 'string',
  code: 'string',
  id: 'string',
  oid: 'string',
  uuid: 'string',
  uri: 'uri',
  url: 'uri',
  canonical: 'uri',
  date: 'date',
  dateTime: 'dateTime',
  instant: 'dateTime',
  time: 'time',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A FHIRPath result (type as fhirpath.js names it, e.g. `FHIR.Coding`, `System.String`) as a TypedValue. */
export function typedValue(fhirPathType: string, value: unknown): TypedValue | undefined {
  const name = fhirPathType.slice(fhirPathType.indexOf('.') + 1);
  const primitive = PRIMITIVE_TYPES[name] ?? PRIMITIVE_TYPES[name.charAt(0).toLowerCase() + name.slice(1)];
  if (primitive) return primitiveValue(primitive, value);
  if (!isObject(value)) return undefined;
  if (typeof value['resourceType'] === 'string')
    return { type: 'resource', value: value as unknown as Resource };
  switch (name) {
    case 'Coding':
      return { type: 'Coding', value: value as Coding };
    case 'CodeableConcept':
      return { type: 'CodeableConcept', value: value as CodeableConcept };
    case 'Quantity':
    case 'Age':
    case 'Duration':
    case 'Count':
    case 'Distance':
    case 'SimpleQuantity':
      return { type: 'Quantity', value: value as Quantity };
    case 'Reference':
      return { type: 'Reference', value: value as Reference };
    case 'Attachment':
      return { type: 'Attachment', value: value as Attachment };
    default:
      return undefined;
  }
}

function primitiveValue(
  type: 'boolean' | 'integer' | 'decimal' | 'string' | 'uri' | 'date' | 'dateTime' | 'time',
  value: unknown,
): TypedValue | undefined {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? { type, value } : undefined;
    case 'integer':
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? { type, value } : undefined;
    case 'string':
    case 'uri':
    case 'date':
    case 'dateTime':
    case 'time':
      return typeof value === 'string' ? { type, value } : undefined;
    default:
      return type satisfies never;
  }
}

/** The value of an earlier answer. */
export function answerTypedValue(a: QuestionnaireResponseItemAnswer): TypedValue | undefined {
  if (a.valueBoolean !== undefined) return { type: 'boolean', value: a.valueBoolean };
  if (a.valueInteger !== undefined) return { type: 'integer', value: a.valueInteger };
  if (a.valueDecimal !== undefined) return { type: 'decimal', value: a.valueDecimal };
  if (a.valueDate !== undefined) return { type: 'date', value: a.valueDate };
  if (a.valueDateTime !== undefined) return { type: 'dateTime', value: a.valueDateTime };
  if (a.valueTime !== undefined) return { type: 'time', value: a.valueTime };
  if (a.valueString !== undefined) return { type: 'string', value: a.valueString };
  if (a.valueUri !== undefined) return { type: 'uri', value: a.valueUri };
  if (a.valueCoding) return { type: 'Coding', value: a.valueCoding };
  if (a.valueQuantity) return { type: 'Quantity', value: a.valueQuantity };
  if (a.valueReference) return { type: 'Reference', value: a.valueReference };
  if (a.valueAttachment) return { type: 'Attachment', value: a.valueAttachment };
  return undefined;
}

/** The value of an Observation (value[x] types an answer can hold). */
export function observationTypedValue(o: Observation): TypedValue | undefined {
  if (o.valueQuantity) return { type: 'Quantity', value: o.valueQuantity };
  if (o.valueCodeableConcept) return { type: 'CodeableConcept', value: o.valueCodeableConcept };
  if (o.valueString !== undefined) return { type: 'string', value: o.valueString };
  if (o.valueBoolean !== undefined) return { type: 'boolean', value: o.valueBoolean };
  if (o.valueInteger !== undefined) return { type: 'integer', value: o.valueInteger };
  if (o.valueDateTime !== undefined) return { type: 'dateTime', value: o.valueDateTime };
  if (o.valueTime !== undefined) return { type: 'time', value: o.valueTime };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// TypedValue -> answer, by item type
// ---------------------------------------------------------------------------------------------

const DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;
const DATE_TIME = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const TIME = /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

/** The answer a value gives to an item, or undefined when the item's type cannot hold it. */
export function toAnswer(item: QuestionnaireItem, v: TypedValue): AnswerValue | undefined {
  switch (item.type) {
    case 'group':
    case 'display':
    case 'question':
      return undefined;
    case 'boolean':
      return booleanAnswer(v);
    case 'integer':
      return integerAnswer(v);
    case 'decimal':
      return decimalAnswer(v);
    case 'date':
      return dateAnswer(v);
    case 'dateTime':
      return dateTimeAnswer(v);
    case 'time':
      return v.type === 'time' || (v.type === 'string' && TIME.test(v.value))
        ? { valueTime: v.value }
        : undefined;
    case 'string':
    case 'text': {
      const s = asText(v);
      return s === undefined ? undefined : { valueString: s };
    }
    case 'url':
      return v.type === 'uri' || v.type === 'string' ? { valueUri: v.value } : undefined;
    case 'choice':
      return choiceAnswer(item, v, false);
    case 'open-choice':
      return choiceAnswer(item, v, true);
    case 'attachment':
      return v.type === 'Attachment' ? { valueAttachment: v.value } : undefined;
    case 'reference':
      return referenceAnswer(v);
    case 'quantity':
      return quantityAnswer(v);
    default:
      return item.type satisfies never;
  }
}

/** A found resource (or element) answers a yes/no question with yes: it is there. */
function booleanAnswer(v: TypedValue): AnswerValue | undefined {
  if (v.type === 'boolean') return { valueBoolean: v.value };
  if (v.type === 'resource') return { valueBoolean: true };
  return undefined;
}

function integerAnswer(v: TypedValue): AnswerValue | undefined {
  const n = numberOf(v);
  return n !== undefined && Number.isInteger(n) ? { valueInteger: n } : undefined;
}

function decimalAnswer(v: TypedValue): AnswerValue | undefined {
  const n = numberOf(v);
  return n !== undefined ? { valueDecimal: n } : undefined;
}

function numberOf(v: TypedValue): number | undefined {
  if (v.type === 'integer' || v.type === 'decimal') return v.value;
  if (v.type === 'Quantity') return v.value.value;
  if (v.type === 'string' && DECIMAL.test(v.value)) return Number(v.value);
  return undefined;
}

/** A dateTime answers a date question with its date part. */
function dateAnswer(v: TypedValue): AnswerValue | undefined {
  if (v.type === 'date' || v.type === 'dateTime' || v.type === 'string') {
    const date = v.value.slice(0, 10);
    return DATE.test(date) ? { valueDate: date } : undefined;
  }
  return undefined;
}

function dateTimeAnswer(v: TypedValue): AnswerValue | undefined {
  if (v.type === 'date' || v.type === 'dateTime' || v.type === 'string') {
    return DATE_TIME.test(v.value) ? { valueDateTime: v.value } : undefined;
  }
  return undefined;
}

/** How a value reads as text; yes/no and whole resources have no text of their own. */
export function asText(v: TypedValue): string | undefined {
  switch (v.type) {
    case 'string':
    case 'uri':
    case 'date':
    case 'dateTime':
    case 'time':
      return v.value || undefined;
    case 'integer':
    case 'decimal':
      return String(v.value);
    case 'Coding':
      return v.value.display ?? v.value.code;
    case 'CodeableConcept':
      return v.value.text ?? v.value.coding?.find((c) => c.display)?.display ?? v.value.coding?.[0]?.code;
    case 'Quantity':
      return v.value.value === undefined
        ? undefined
        : `${v.value.value} ${v.value.unit ?? v.value.code ?? ''}`.trim();
    case 'Reference':
      return v.value.display;
    case 'Attachment':
      return v.value.title;
    case 'boolean':
    case 'resource':
      return undefined;
    default:
      return v satisfies never;
  }
}

function referenceAnswer(v: TypedValue): AnswerValue | undefined {
  if (v.type === 'Reference') return { valueReference: stripReference(v.value) };
  if (v.type === 'resource' && v.value.id)
    return { valueReference: { reference: `${v.value.resourceType}/${v.value.id}` } };
  return undefined;
}

function stripReference(r: Reference): Reference {
  const out: Reference = {};
  if (r.reference) out.reference = r.reference;
  if (r.type) out.type = r.type;
  if (r.identifier) out.identifier = r.identifier;
  if (r.display) out.display = r.display;
  return out;
}

function quantityAnswer(v: TypedValue): AnswerValue | undefined {
  if (v.type === 'Quantity') return { valueQuantity: v.value };
  if (v.type === 'integer' || v.type === 'decimal') return { valueQuantity: { value: v.value } };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// choice and open-choice
// ---------------------------------------------------------------------------------------------

function sameCoding(a: Coding, b: Coding): boolean {
  return a.code !== undefined && a.code === b.code && (a.system === b.system || !a.system || !b.system);
}

function plainCoding(c: Coding): Coding {
  const out: Coding = {};
  if (c.system) out.system = c.system;
  if (c.version) out.version = c.version;
  if (c.code) out.code = c.code;
  if (c.display) out.display = c.display;
  return out;
}

/**
 * A choice is answered with one of the item's options (the option as the Questionnaire writes
 * it); with an answerValueSet the coding is taken as it is, since membership is for the
 * validator to check. An open-choice also takes free text.
 */
function choiceAnswer(item: QuestionnaireItem, v: TypedValue, open: boolean): AnswerValue | undefined {
  const options = item.answerOption ?? [];
  const codings =
    v.type === 'Coding' ? [v.value] : v.type === 'CodeableConcept' ? (v.value.coding ?? []) : [];
  for (const c of codings) {
    const option = options.find((o) => o.valueCoding && sameCoding(o.valueCoding, c));
    if (option?.valueCoding) return { valueCoding: plainCoding(option.valueCoding) };
    if (options.length === 0 && c.code) return { valueCoding: plainCoding(c) };
  }
  const option = options.find((o) => optionMatches(o, v));
  if (option) return optionAnswer(option);
  if (!open) return undefined;
  const text = asText(v);
  return text === undefined ? undefined : { valueString: text };
}

function optionMatches(o: QuestionnaireItemAnswerOption, v: TypedValue): boolean {
  switch (v.type) {
    case 'string':
      return (
        o.valueString === v.value || o.valueCoding?.code === v.value || o.valueCoding?.display === v.value
      );
    case 'integer':
      return o.valueInteger === v.value;
    case 'date':
      return o.valueDate === v.value;
    case 'time':
      return o.valueTime === v.value;
    case 'Reference':
      return v.value.reference !== undefined && o.valueReference?.reference === v.value.reference;
    default:
      return false;
  }
}

function optionAnswer(o: QuestionnaireItemAnswerOption): AnswerValue | undefined {
  if (o.valueCoding) return { valueCoding: plainCoding(o.valueCoding) };
  if (o.valueString !== undefined) return { valueString: o.valueString };
  if (o.valueInteger !== undefined) return { valueInteger: o.valueInteger };
  if (o.valueDate !== undefined) return { valueDate: o.valueDate };
  if (o.valueTime !== undefined) return { valueTime: o.valueTime };
  if (o.valueReference) return { valueReference: stripReference(o.valueReference) };
  return undefined;
}
