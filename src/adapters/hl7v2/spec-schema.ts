/**
 * The JSON Schema of an HL7 v2 mapping spec (checked with ajv at load, errors name the key), and
 * the semantic checks a schema cannot express: converters exist and accept the field's datatype,
 * rule names resolve, sources name known segments.
 */
import { type SpecSchema } from '../spec-loader.js';
import { conditionsSchema, requireSchema } from '../spec-parts.js';
import { CONVERTERS } from './convert.js';
import type { ConverterDef } from './datatypes/env.js';
import { type FieldRule, type Hl7v2Spec, isSourceRule, parseSource, sourceType } from './spec.js';
import type { Hl7Structure } from './structure.js';

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
