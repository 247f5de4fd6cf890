/**
 * The declarative EDIFACT mapping (mappings/edifact/*.yaml): which message types and documents it
 * accepts, the segments of the subset (and which of them are told apart by the qualifier in
 * element 1), the resource rules of the shared rule engine (src/adapters/rules), the summary and
 * the referral message around them. Checked with ajv at load; errors name the key.
 */
import type { SpecSchema } from '../spec-loader.js';
import { rulesProblems, rulesSchemaProperties, type RulesSpec, type SummaryRule } from '../rules/spec.js';

export interface EdifactSegmentDef {
  name: string;
  /** Element 1, component 1 is a qualifier: rules select `TAG+qualifier`. */
  qualified?: boolean;
}

export interface EdifactSpec extends RulesSpec {
  format: 'edifact';
  title: string;
  accept: {
    /** UNH S009: message type id with its versions (`1` or `1:0`, version and release). */
    messageTypes: { id: string; versions: string[] }[];
    /** BGM element 1 (document name code) values this mapping converts. */
    documents: string[];
  };
  segments: Record<string, EdifactSegmentDef>;
  summary: SummaryRule;
  message: {
    bundle: string;
    header: string;
    focus: string;
    required: { rule: string; message: string }[];
  };
}

const TAG = '^[A-Z][A-Z0-9]{2}$';
const NAME = '^[a-z][A-Za-z0-9]*$';

export const edifactSpecSchema: SpecSchema<EdifactSpec> = {
  schema: {
    type: 'object',
    required: ['format', 'title', 'accept', 'segments', 'dateFormats', 'resources', 'summary', 'message'],
    additionalProperties: false,
    properties: {
      format: { const: 'edifact' },
      title: { type: 'string' },
      accept: {
        type: 'object',
        required: ['messageTypes', 'documents'],
        additionalProperties: false,
        properties: {
          messageTypes: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['id', 'versions'],
              additionalProperties: false,
              properties: {
                id: { type: 'string', pattern: '^[A-Z0-9]{1,6}$' },
                versions: { type: 'array', minItems: 1, items: { type: 'string' } },
              },
            },
          },
          documents: { type: 'array', minItems: 1, items: { type: 'string' } },
        },
      },
      segments: {
        type: 'object',
        propertyNames: { pattern: TAG },
        additionalProperties: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string' }, qualified: { type: 'boolean' } },
        },
      },
      ...rulesSchemaProperties,
      message: {
        type: 'object',
        required: ['bundle', 'header', 'focus', 'required'],
        additionalProperties: false,
        properties: {
          bundle: { type: 'string', pattern: NAME },
          header: { type: 'string', pattern: NAME },
          focus: { type: 'string', pattern: NAME },
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
    },
  },
  checks: [rulesProblems, segmentProblems],
};

/** Rules read only segments of the subset, by the form (`TAG` or `TAG+qualifier`) the subset gives them. */
function segmentProblems(spec: EdifactSpec): string[] {
  const problems: string[] = [];
  spec.resources.forEach((r, i) => {
    if (r.from === 'channel') return;
    const [tag = '', qualifier] = r.from.split('+');
    const def = spec.segments[tag];
    if (!def) problems.push(`resources[${i}].from: segment ${tag} is not in segments`);
    else if (def.qualified && qualifier === undefined)
      problems.push(`resources[${i}].from: segment ${tag} is qualified; write ${tag}+QUALIFIER`);
    else if (!def.qualified && qualifier !== undefined)
      problems.push(`resources[${i}].from: segment ${tag} has no qualifier in segments`);
  });
  const names = new Set(spec.resources.map((r) => r.name));
  for (const [key, name] of [
    ['message.bundle', spec.message.bundle],
    ['message.header', spec.message.header],
    ['message.focus', spec.message.focus],
    ...spec.message.required.map((r, i) => [`message.required[${i}].rule`, r.rule]),
  ] as const) {
    if (!names.has(name)) problems.push(`${key}: no resource rule is named '${name}'`);
  }
  return problems;
}
