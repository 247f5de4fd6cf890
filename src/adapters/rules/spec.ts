/**
 * Declarative rules from source items to FHIR resources, shared by the adapters whose sources are
 * lists of flat items with named fields: EDIFACT segments (`NAD+SND`, fields `2.1`, `4.1`) and
 * tabular exports (a table's rows, fields by column name). A rule names the kind of item it reads,
 * the resource it makes, and per field the converter and the element path it writes; the engine
 * (engine.ts) runs the rules and keeps the coverage of every populated field.
 *
 * This module holds the TypeScript shape, the JSON Schema parts an adapter's spec schema embeds,
 * and the semantic checks a schema cannot express (rule names resolve, converters get what they
 * need).
 */
import { SUMMARY_SECTIONS } from '../../fhir/codes.js';
import { conditionsSchema, type FieldCondition, requireSchema, type RequiredPath } from '../spec-parts.js';
import { isDatePattern } from '../tabular/dates.js';

export const VALUE_KINDS = [
  'string',
  'code',
  'date',
  'dateTime',
  'integer',
  'decimal',
  'boolean',
  'identifier',
  'coding',
  'concept',
  'quantity',
] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

/** Holds when the item's field has one of the values, none of them, or any value. */
export type ItemCondition = FieldCondition;

interface FieldRuleBase {
  /** Element path: `birthDate`, `name[0].given[]`, `extension[url=...].valueString`. */
  target: string;
  /** Constants written beside the value (relative to the object that received it). */
  with?: Record<string, unknown>;
}

export interface SourceFieldRule extends FieldRuleBase {
  /**
   * The field of the item: a column name, a JSON path (`adres.postcode`), an EDIFACT
   * `element.component`; `4.*` joins every field that starts with `4.` (the parts of a long text).
   */
  source: string;
  /** Only when the item's fields hold these values (a qualifier beside the value); read as structure. */
  when?: ItemCondition[];
  /** Puts the converted value in an object under this key (`value` of a ContactPoint), beside `with`. */
  wrap?: string;
  as: ValueKind;
  /** identifier, coding, concept: the system of the value (a code's system before translation). */
  system?: string;
  /** code, coding, concept: a ConceptMap the value is translated through. */
  conceptMap?: string;
  /** concept with a conceptMap: keep the source coding, the translation, or both (default both). */
  output?: 'both' | 'source' | 'translation';
  /** identifier: a check the value must pass. */
  check?: 'bsn' | 'agb';
  /** date, dateTime: layouts (tabular/dates.ts); default the spec's dateFormats. */
  formats?: string[];
  /** string, code: text put before the value (`S: ` before a journal part, `urn:...:` before an id). */
  prefix?: string;
  /** With prefix: percent-encode the value first (a URI made from a name). */
  encode?: boolean;
  /** A plain path that already has text gets this separator and the value added (SOEP parts in one note). */
  joinWith?: string;
  /** quantity: the UCUM unit. */
  unit?: string;
  /** boolean: the words read as true and false (case-insensitive). */
  trueWords?: string[];
  falseWords?: string[];
}

export interface ConstantRule extends FieldRuleBase {
  value: unknown;
}

/** A value the channel configuration supplies where the source has no field for it. */
export interface ChannelFieldRule extends FieldRuleBase {
  channel: string;
  /** Writes a CodeableConcept with this system instead of the bare value. */
  system?: string;
}

export type ItemFieldRule = SourceFieldRule | ConstantRule | ChannelFieldRule;

export const isSourceField = (r: ItemFieldRule): r is SourceFieldRule => 'source' in r;
export const isChannelField = (r: ItemFieldRule): r is ChannelFieldRule => 'channel' in r;

export interface ItemReferenceRule {
  target: string;
  /** Rule names in order of preference; `summary` is the previous-treatment summary Composition. */
  to: string[];
  /** first: the first resource of the rule; preceding: the one made from the nearest earlier item. */
  pick?: 'first' | 'preceding' | 'all';
  /** Reference.type, for slicing by type (ServiceRequest.supportingInfo). */
  type?: string;
}

export interface ItemResourceRule {
  name: string;
  /** The kind of item the rule reads: a table name, an EDIFACT segment tag or `TAG+qualifier`. */
  from: string;
  /** The resource made; absent when the rule writes into another rule's resource (`into`). */
  resourceType?: string;
  /** Write into the resource of this rule instead of making one (see `pick` for which). */
  into?: string;
  intoPick?: 'first' | 'preceding';
  /** Join: the owner is the resource whose item's `owner` field equals this item's `field` (a journal line's episode). */
  intoMatch?: { field: string; owner: string };
  /** With `into`: each item adds one element at this path (`participant[]`), and field targets are relative to it. */
  element?: string;
  occurs?: 'first' | 'each';
  when?: ItemCondition[];
  /**
   * The nearest earlier item of another kind is one of these (EDIFACT segment groups: the COM
   * after a NAD+PAT belongs to the patient).
   */
  follows?: string[];
  /** Fields read for the structure of the item (a qualifier, a format code), not as data. */
  structural?: string[];
  profile?: string;
  fixed?: Record<string, unknown>;
  fields?: ItemFieldRule[];
  references?: ItemReferenceRule[];
  /** Elements the resource needs; without one the item is reported and makes nothing. */
  require?: RequiredPath[];
  /** The summary section the resource is an entry of. */
  section?: (typeof SUMMARY_SECTIONS)[number];
}

export interface SummaryRule {
  title: string;
  subject: string;
  /** Rule names, first that produced a resource wins. */
  author: string[];
  custodian: string[];
  /**
   * What dates the summary, in order of preference: `rule.path` (the latest value of that element
   * over the rule's resources) or `table:field` (a source field, such as an export date).
   */
  date: string[];
  sectionTitles: Record<string, string>;
  /** Narrative of a section for which the spec has no rule, and of one without entries. */
  unavailableText: string;
  nilKnownText: string;
}

export interface RulesSpec {
  /** Date layouts of the source when a field rule names none. */
  dateFormats: string[];
  resources: ItemResourceRule[];
  summary?: SummaryRule;
}

// ---------------------------------------------------------------------------------------------
// JSON Schema parts
// ---------------------------------------------------------------------------------------------

const NAME = '^[a-z][A-Za-z0-9]*$';
const strings = { type: 'array', items: { type: 'string' } };

const conditions = conditionsSchema({ type: 'string' });

const fieldRuleSchema = {
  type: 'object',
  required: ['target'],
  additionalProperties: false,
  properties: {
    source: { type: 'string', minLength: 1 },
    when: conditions,
    wrap: { type: 'string' },
    as: { enum: [...VALUE_KINDS] },
    value: {},
    channel: { type: 'string', minLength: 1 },
    target: { type: 'string', minLength: 1 },
    with: { type: 'object' },
    system: { type: 'string' },
    conceptMap: { type: 'string' },
    output: { enum: ['both', 'source', 'translation'] },
    check: { enum: ['bsn', 'agb'] },
    formats: strings,
    unit: { type: 'string' },
    prefix: { type: 'string' },
    encode: { type: 'boolean' },
    joinWith: { type: 'string' },
    trueWords: strings,
    falseWords: strings,
  },
  oneOf: [{ required: ['source', 'as'] }, { required: ['value'] }, { required: ['channel'] }],
};

export const itemResourceRuleSchema = {
  type: 'object',
  required: ['name', 'from'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: NAME },
    from: { type: 'string', minLength: 1 },
    resourceType: { type: 'string', pattern: '^[A-Z][A-Za-z]+$' },
    into: { type: 'string', pattern: NAME },
    intoPick: { enum: ['first', 'preceding'] },
    intoMatch: {
      type: 'object',
      required: ['field', 'owner'],
      additionalProperties: false,
      properties: { field: { type: 'string' }, owner: { type: 'string' } },
    },
    element: { type: 'string', pattern: '\\[\\]$' },
    occurs: { enum: ['first', 'each'] },
    when: conditions,
    follows: strings,
    structural: strings,
    profile: { type: 'string' },
    fixed: { type: 'object' },
    fields: { type: 'array', items: fieldRuleSchema },
    references: {
      type: 'array',
      items: {
        type: 'object',
        required: ['target', 'to'],
        additionalProperties: false,
        properties: {
          target: { type: 'string', minLength: 1 },
          to: { type: 'array', minItems: 1, items: { type: 'string', pattern: NAME } },
          pick: { enum: ['first', 'preceding', 'all'] },
          type: { type: 'string' },
        },
      },
    },
    require: requireSchema,
    section: { enum: [...SUMMARY_SECTIONS] },
  },
  oneOf: [{ required: ['resourceType'] }, { required: ['into'] }],
};

export const summaryRuleSchema = {
  type: 'object',
  required: [
    'title',
    'subject',
    'author',
    'custodian',
    'date',
    'sectionTitles',
    'unavailableText',
    'nilKnownText',
  ],
  additionalProperties: false,
  properties: {
    title: { type: 'string' },
    subject: { type: 'string', pattern: NAME },
    author: strings,
    custodian: strings,
    date: strings,
    sectionTitles: {
      type: 'object',
      additionalProperties: false,
      required: [...SUMMARY_SECTIONS],
      properties: Object.fromEntries(SUMMARY_SECTIONS.map((s) => [s, { type: 'string' }])),
    },
    unavailableText: { type: 'string' },
    nilKnownText: { type: 'string' },
  },
};

/** The properties a spec schema embeds to hold rules (beside its own format-specific keys). */
export const rulesSchemaProperties = {
  dateFormats: strings,
  resources: { type: 'array', minItems: 1, items: itemResourceRuleSchema },
  summary: summaryRuleSchema,
};

// ---------------------------------------------------------------------------------------------
// Semantic checks
// ---------------------------------------------------------------------------------------------

const BUILT_IN = new Set(['summary']);

export function rulesProblems(spec: RulesSpec): string[] {
  const problems: string[] = [];
  const names = new Set<string>(BUILT_IN);
  spec.resources.forEach((r, i) => {
    if (names.has(r.name)) problems.push(`resources[${i}].name: '${r.name}' is used twice`);
    names.add(r.name);
  });
  const known = (name: string, at: string): void => {
    if (!names.has(name)) problems.push(`${at}: no resource rule is named '${name}'`);
  };
  spec.dateFormats.forEach((f, i) => {
    if (!isDatePattern(f)) problems.push(`dateFormats[${i}]: '${f}' is not a date layout`);
  });
  spec.resources.forEach((r, i) => {
    if (r.into) known(r.into, `resources[${i}].into`);
    (r.references ?? []).forEach((ref, j) =>
      ref.to.forEach((to) => known(to, `resources[${i}].references[${j}].to`)),
    );
    (r.fields ?? []).forEach((f, j) => problems.push(...fieldProblems(f, `resources[${i}].fields[${j}]`)));
  });
  if (spec.summary) {
    const s = spec.summary;
    known(s.subject, 'summary.subject');
    s.author.forEach((a, i) => known(a, `summary.author[${i}]`));
    s.custodian.forEach((a, i) => known(a, `summary.custodian[${i}]`));
    s.date.forEach((d, i) => {
      if (!d.includes(':')) known(d.split('.')[0] ?? '', `summary.date[${i}]`);
    });
  }
  return problems;
}

function fieldProblems(rule: ItemFieldRule, at: string): string[] {
  if (!isSourceField(rule)) return [];
  const problems: string[] = [];
  if ((rule.as === 'identifier' || rule.as === 'coding') && !rule.system && !rule.conceptMap)
    problems.push(`${at}.system: converter ${rule.as} needs a system`);
  if (rule.as === 'concept' && !rule.system) problems.push(`${at}.system: converter concept needs a system`);
  if (rule.as === 'quantity' && !rule.unit) problems.push(`${at}.unit: converter quantity needs a unit`);
  (rule.formats ?? []).forEach((f, i) => {
    if (!isDatePattern(f)) problems.push(`${at}.formats[${i}]: '${f}' is not a date layout`);
  });
  return problems;
}
