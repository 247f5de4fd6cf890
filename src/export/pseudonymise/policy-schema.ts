/**
 * The JSON Schema of an export policy file (config/export-policies/<recipient>.yaml). It checks
 * the shape; the element paths and whether a rule fits an element's type are checked against the
 * R4 definitions afterwards (policy.ts), as a schema cannot know them.
 */

export const RULE_NAMES = ['keep', 'drop', 'hash', 'postcode', 'exact', 'shift', 'month', 'year'] as const;
export type RuleName = (typeof RULE_NAMES)[number];

export const DATE_MODES = ['exact', 'shift', 'month', 'year'] as const;

/**
 * A rule as written: a name; an enumeration of the values that may leave verbatim; or, for
 * identifiers, the systems of public registers (AGB, URA) whose values leave verbatim.
 */
export type RuleSpec = RuleName | { allow: string[] } | { public: string[] };

export interface CodeSystemSpec {
  system?: string;
  prefix?: string;
  display?: boolean;
}

/** A policy file as written, once the schema has accepted it. */
export interface PolicyFile {
  recipient: string;
  default: 'drop';
  key: { id: string; series: string };
  dates: { default: (typeof DATE_MODES)[number]; shiftDays: number };
  postcode: { digits: 4 | 2; minGroupSize: number; smallGroup: 'two-digits' | 'drop' };
  codeSystems: CodeSystemSpec[];
  uris: string[];
  extensions: string[];
  resources: Record<string, Record<string, RuleSpec>>;
}

const uri = { type: 'string', minLength: 1, pattern: '^\\S+$' } as const;

export const policySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['recipient', 'default', 'key', 'dates', 'postcode', 'resources'],
  properties: {
    recipient: { type: 'string', minLength: 1 },
    // Written out so a reader of the file sees it; anything else would defeat deny-by-default.
    default: { const: 'drop' },
    key: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'series'],
      properties: {
        id: { type: 'string', minLength: 1, maxLength: 200 },
        // The prefix of every pseudonym; short, as a pseudonymised id must fit 64 characters.
        series: { type: 'string', pattern: '^[a-z0-9]{1,16}$' },
      },
    },
    dates: {
      type: 'object',
      additionalProperties: false,
      required: ['default'],
      properties: {
        default: { enum: [...DATE_MODES] },
        shiftDays: { type: 'integer', minimum: 0, maximum: 3650, default: 0 },
      },
    },
    postcode: {
      type: 'object',
      additionalProperties: false,
      required: ['digits', 'minGroupSize'],
      properties: {
        digits: { enum: [4, 2] },
        minGroupSize: { type: 'integer', minimum: 1 },
        smallGroup: { enum: ['two-digits', 'drop'], default: 'two-digits' },
      },
    },
    codeSystems: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { system: uri, prefix: uri, display: { type: 'boolean', default: false } },
        oneOf: [{ required: ['system'] }, { required: ['prefix'] }],
      },
    },
    uris: { type: 'array', default: [], items: uri },
    // Identifier systems of organisations (AGB, URA): public registers, so they may go out as they are.
    extensions: { type: 'array', default: [], items: uri },
    resources: {
      type: 'object',
      propertyNames: { pattern: '^[A-Z][A-Za-z]+$' },
      additionalProperties: {
        type: 'object',
        propertyNames: { pattern: '^[a-z][A-Za-z]*(\\[x\\])?(\\.[a-z][A-Za-z]*(\\[x\\])?)*$' },
        additionalProperties: {
          oneOf: [
            { enum: [...RULE_NAMES] },
            {
              type: 'object',
              additionalProperties: false,
              required: ['allow'],
              properties: { allow: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } },
            },
            {
              type: 'object',
              additionalProperties: false,
              required: ['public'],
              properties: { public: { type: 'array', minItems: 1, items: uri } },
            },
          ],
        },
      },
    },
  },
} as const;
