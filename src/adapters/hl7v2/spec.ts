/**
 * The declarative HL7 v2 mapping (mappings/hl7v2/*.yaml): its TypeScript shape, its JSON Schema
 * (checked with ajv at load, errors name the key), and the semantic checks a schema cannot
 * express (converters exist and accept the field's datatype, rule names resolve, sources parse).
 */
import { type SpecSchema } from '../spec-loader.js';
import { conditionsSchema, type FieldCondition, requireSchema, type RequiredPath } from '../spec-parts.js';
import { CONVERTERS, type ConverterName } from './convert.js';
import type { ConverterDef } from './datatypes/env.js';
import type { Hl7Structure } from './structure.js';

/** Holds when the field (any repetition) has one of the values, none of them, or any value. */
export type Condition = FieldCondition;

interface RuleBase {
  /** Element path in the resource: `birthDate`, `name[]` (append), `reaction[0].severity`, `extension[url=...].valueString`. */
  target: string;
  when?: Condition[];
  /** Constants set beside the value (relative to the object that receives it) when a value was written. */
  with?: Record<string, unknown>;
}

export interface SourceRule extends RuleBase {
  /** `PID-5`, `MSH-9.2`; a segment other than the rule's own means its first occurrence. */
  source: string;
  as: ConverterName;
  conceptMap?: string;
  /** Coding system name (HL7 table 0396) assumed when a coded value names none, e.g. `HL70001`. */
  table?: string;
  /** For CodeableConcept with a conceptMap: keep the source coding, the translation, or both. */
  output?: 'both' | 'source' | 'translation';
  /** ConceptMap equivalences accepted for a translation added to a CodeableConcept. */
  accept?: string[];
  /** Used when the source is empty or untranslatable; `{ channel: key }` takes it from the channel configuration. */
  default?: string | { channel: string };
  /** Default `use` (HumanName, ContactPoint, Address) when the source names none. */
  use?: string;
  /** ObservationValue: where the value type (OBX-2) and the units (OBX-6) stand. */
  typeFrom?: string;
  unitFrom?: string;
}

export interface ValueRule extends RuleBase {
  value: unknown;
}

/** A value the channel configuration supplies (a source format without that field); its absence is reported. */
export interface ChannelRule extends RuleBase {
  channel: string;
  /** Writes a CodeableConcept with this system (else the bare value). */
  system?: string;
}

export type FieldRule = SourceRule | ValueRule | ChannelRule;

export function isSourceRule(r: FieldRule): r is SourceRule {
  return 'source' in r;
}

export function isChannelRule(r: FieldRule): r is ChannelRule {
  return 'channel' in r;
}

export interface ReferenceRule {
  target: string;
  /** Rule names, in order of preference: the first that produced a resource is referenced. */
  to: string[];
  /**
   * message: any resource of the rule; segment: made from the same segment; children: made from
   * segments this segment owns (OBX under OBR); default message.
   */
  scope?: 'message' | 'segment' | 'children';
  /** Reference every resource found (target must append, `[]`), not only the first. */
  all?: boolean;
  /** Reference.type, for slicing by type (ServiceRequest.supportingInfo). */
  type?: string;
  /** Keep only resources whose code is in this value set (needs the context's terminology). */
  valueSet?: string;
}

export interface ResourceRule {
  name: string;
  resourceType: string;
  segment: string;
  occurs?: 'first' | 'each';
  when?: Condition[];
  /** Made only when another resource references it (a fallback); otherwise its fields stay unmapped. */
  lazy?: boolean;
  profile?: string;
  fixed?: Record<string, unknown>;
  fields?: FieldRule[];
  references?: ReferenceRule[];
  /** Elements the resource cannot do without; without them the record is dropped and reported. */
  require?: RequiredPath[];
}

export interface ElementRule {
  name: string;
  segment: string;
  target: string;
  /** Rule whose resource receives the element, by the segment that owns this one (see groups). */
  owners: Record<string, string>;
  fallback?: string;
  fields: FieldRule[];
}

export interface IdentifierSystemRule {
  system: string;
  /** Assigning authority namespace (CX.4.1, HD.1), universal id (CX.4.2), identifier type (CX.5, PLN.2). */
  namespaces?: string[];
  oids?: string[];
  typeCodes?: string[];
  check?: 'bsn' | 'agb';
}

export interface SummarySpec {
  rule: string;
  sections: Record<string, { title: string; from?: string[]; valueSet?: string }>;
  emptyReason: string;
  /** Narrative of a section the source cannot fill; `{trigger}` is the message type. */
  emptyText: string;
}

export interface Hl7v2Spec {
  format: 'hl7v2';
  title: string;
  accept: { messageTypes: string[]; versions: string[] };
  /** Fields read for the structure, not for data (they choose the mapping, or order entries). */
  structural: { source: string; reason: string }[];
  codingSystems: Record<string, string>;
  identifierSystems: IdentifierSystemRule[];
  /** Who owns a segment: the nearest earlier parent, passing only the listed segments. */
  groups: Record<string, { parents: string[]; skipping?: string[] }>;
  resources: ResourceRule[];
  elements: ElementRule[];
  bundle: { rule: string; header: string; focus: string; required: { rule: string; message: string }[] };
  summary: SummarySpec;
}

// ---------------------------------------------------------------------------------------------
// JSON Schema
// ---------------------------------------------------------------------------------------------

const SOURCE = '^[A-Z][A-Z0-9]{2}-\\d{1,3}(\\.\\d{1,3})?$';
const NAME = '^[a-z][A-Za-z0-9]*$';
const conditions = conditionsSchema({ type: 'string', pattern: SOURCE });
const target = { type: 'string', minLength: 1 };
const fieldRule = {
  type: 'object',
  required: ['target'],
  additionalProperties: false,
  properties: {
    source: { type: 'string', pattern: SOURCE },
    as: { enum: Object.keys(CONVERTERS) },
    value: {},
    channel: { type: 'string' },
    system: { type: 'string' },
    target,
    when: conditions,
    with: { type: 'object' },
    conceptMap: { type: 'string' },
    table: { type: 'string' },
    output: { enum: ['both', 'source', 'translation'] },
    accept: { type: 'array', items: { type: 'string' } },
    default: {
      anyOf: [
        { type: 'string' },
        {
          type: 'object',
          required: ['channel'],
          additionalProperties: false,
          properties: { channel: { type: 'string' } },
        },
      ],
    },
    use: { type: 'string' },
    typeFrom: { type: 'string', pattern: SOURCE },
    unitFrom: { type: 'string', pattern: SOURCE },
  },
  oneOf: [{ required: ['source', 'as'] }, { required: ['value'] }, { required: ['channel'] }],
};

export const hl7v2SpecSchema = (structure: Hl7Structure): SpecSchema<Hl7v2Spec> => ({
  schema: {
    type: 'object',
    required: [
      'format',
      'title',
      'accept',
      'structural',
      'codingSystems',
      'identifierSystems',
      'groups',
      'resources',
      'elements',
      'bundle',
      'summary',
    ],
    additionalProperties: false,
    properties: {
      format: { const: 'hl7v2' },
      title: { type: 'string' },
      accept: {
        type: 'object',
        required: ['messageTypes', 'versions'],
        additionalProperties: false,
        properties: {
          messageTypes: {
            type: 'array',
            minItems: 1,
            items: { type: 'string', pattern: '^[A-Z0-9]{3}\\^[A-Z0-9]{3}$' },
          },
          versions: { type: 'array', minItems: 1, items: { type: 'string' } },
        },
      },
      structural: {
        type: 'array',
        items: {
          type: 'object',
          required: ['source', 'reason'],
          additionalProperties: false,
          properties: { source: { type: 'string', pattern: SOURCE }, reason: { type: 'string' } },
        },
      },
      codingSystems: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
      identifierSystems: {
        type: 'array',
        items: {
          type: 'object',
          required: ['system'],
          additionalProperties: false,
          properties: {
            system: { type: 'string' },
            namespaces: { type: 'array', items: { type: 'string' } },
            oids: { type: 'array', items: { type: 'string' } },
            typeCodes: { type: 'array', items: { type: 'string' } },
            check: { enum: ['bsn', 'agb'] },
          },
        },
      },
      groups: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          required: ['parents'],
          additionalProperties: false,
          properties: {
            parents: { type: 'array', items: { type: 'string' } },
            skipping: { type: 'array', items: { type: 'string' } },
          },
        },
      },
      resources: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'resourceType', 'segment'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', pattern: NAME },
            resourceType: { type: 'string', pattern: '^[A-Z][A-Za-z]+$' },
            segment: { type: 'string', pattern: '^[A-Z][A-Z0-9]{2}$' },
            occurs: { enum: ['first', 'each'] },
            when: conditions,
            lazy: { type: 'boolean' },
            profile: { type: 'string' },
            fixed: { type: 'object' },
            fields: { type: 'array', items: fieldRule },
            references: {
              type: 'array',
              items: {
                type: 'object',
                required: ['target', 'to'],
                additionalProperties: false,
                properties: {
                  target,
                  to: { type: 'array', minItems: 1, items: { type: 'string', pattern: NAME } },
                  scope: { enum: ['message', 'segment', 'children'] },
                  all: { type: 'boolean' },
                  type: { type: 'string' },
                  valueSet: { type: 'string' },
                },
              },
            },
            require: requireSchema,
          },
        },
      },
      elements: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'segment', 'target', 'owners', 'fields'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', pattern: NAME },
            segment: { type: 'string' },
            target,
            owners: { type: 'object', additionalProperties: { type: 'string', pattern: NAME } },
            fallback: { type: 'string', pattern: NAME },
            fields: { type: 'array', items: fieldRule },
          },
        },
      },
      bundle: {
        type: 'object',
        required: ['rule', 'header', 'focus', 'required'],
        additionalProperties: false,
        properties: {
          rule: { type: 'string' },
          header: { type: 'string' },
          focus: { type: 'string' },
          required: {
            type: 'array',
            items: {
              type: 'object',
              required: ['rule', 'message'],
              additionalProperties: false,
              properties: { rule: { type: 'string', pattern: NAME }, message: { type: 'string' } },
            },
          },
        },
      },
      summary: {
        type: 'object',
        required: ['rule', 'sections', 'emptyReason', 'emptyText'],
        additionalProperties: false,
        properties: {
          rule: { type: 'string' },
          emptyReason: { type: 'string' },
          emptyText: { type: 'string' },
          sections: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              required: ['title'],
              additionalProperties: false,
              properties: {
                title: { type: 'string' },
                from: { type: 'array', items: { type: 'string' } },
                valueSet: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
  checks: [(spec) => semanticProblems(spec, structure)],
});

// ---------------------------------------------------------------------------------------------
// Semantic checks
// ---------------------------------------------------------------------------------------------

export interface ParsedSource {
  segment: string;
  field: number;
  component?: number;
}

const parsedSources = new Map<string, ParsedSource>();

export function parseSource(source: string): ParsedSource {
  let parsed = parsedSources.get(source);
  if (!parsed) {
    const [seg = '', rest = ''] = source.split('-');
    const [field, component] = rest.split('.').map(Number);
    parsed = { segment: seg, field: field ?? 0, component };
    parsedSources.set(source, parsed);
  }
  return parsed;
}

/** The datatype a source location holds: the field's, or the component's when one is addressed. */
export function sourceType(structure: Hl7Structure, src: ParsedSource): string | undefined {
  const fieldType = structure.fieldType(src.segment, src.field);
  if (src.component === undefined) return fieldType;
  return structure.componentType(fieldType, src.component) ?? 'ST';
}

function semanticProblems(spec: Hl7v2Spec, structure: Hl7Structure): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  spec.resources.forEach((r, i) => {
    if (names.has(r.name)) problems.push(`resources[${i}].name: '${r.name}' is used twice`);
    names.add(r.name);
  });
  const known = (name: string, at: string): void => {
    if (!names.has(name)) problems.push(`${at}: no resource rule is named '${name}'`);
  };
  spec.resources.forEach((r, i) => {
    (r.fields ?? []).forEach((f, j) =>
      problems.push(...fieldProblems(f, `resources[${i}].fields[${j}]`, structure)),
    );
    (r.references ?? []).forEach((ref, j) =>
      ref.to.forEach((to) => known(to, `resources[${i}].references[${j}].to`)),
    );
  });
  spec.elements.forEach((e, i) => {
    Object.values(e.owners).forEach((o) => known(o, `elements[${i}].owners`));
    if (e.fallback) known(e.fallback, `elements[${i}].fallback`);
    e.fields.forEach((f, j) => problems.push(...fieldProblems(f, `elements[${i}].fields[${j}]`, structure)));
  });
  known(spec.bundle.rule, 'bundle.rule');
  known(spec.bundle.header, 'bundle.header');
  known(spec.bundle.focus, 'bundle.focus');
  known(spec.summary.rule, 'summary.rule');
  spec.bundle.required.forEach((r, i) => known(r.rule, `bundle.required[${i}].rule`));
  Object.entries(spec.summary.sections).forEach(([code, s]) =>
    (s.from ?? []).forEach((f) => known(f, `summary.sections.${code}.from`)),
  );
  return problems;
}

function fieldProblems(rule: FieldRule, at: string, structure: Hl7Structure): string[] {
  if (!isSourceRule(rule)) return [];
  const src = parseSource(rule.source);
  if (!structure.knows(src.segment))
    return [`${at}.source: segment ${src.segment} is not in mappings/hl7v2/structure.yaml`];
  const type = sourceType(structure, src);
  const converter: ConverterDef = CONVERTERS[rule.as];
  if (type && !converter.accepts.includes(type) && !converter.accepts.includes('*')) {
    return [
      `${at}.as: converter ${rule.as} does not read ${type} (${rule.source}); it reads ${converter.accepts.join(', ')}`,
    ];
  }
  if (converter.needsConceptMap && !rule.conceptMap)
    return [`${at}.conceptMap: converter ${rule.as} needs a conceptMap`];
  return [];
}
