/**
 * The declarative assessments mapping (mappings/assessments/assessments.yaml): its TypeScript
 * shape, its JSON Schema (ajv, errors name the key) and the checks a schema cannot express
 * (a column claimed once, date patterns known, one display per score).
 */
import type { SpecSchema } from '../spec-loader.js';
import { CSV_DELIMITERS, type CsvDelimiter } from '../tabular/csv.js';
import { isDatePattern } from '../tabular/dates.js';
import { TEXT_ENCODINGS, type TextEncoding } from '../tabular/text.js';

export const ASSESSMENT_FIELDS = [
  'bsn',
  'date',
  'assessorAgb',
  'organisationAgb',
  'organisationName',
  'organisationType',
] as const;
export type AssessmentField = (typeof ASSESSMENT_FIELDS)[number];

export interface ColumnSpec {
  /** Accepted column names (matched case-insensitively). */
  columns: string[];
}

export type ScoreValue =
  | { type: 'coding'; system: string; min: number; max: number; displays: string[] }
  | { type: 'integer'; min: number; max: number };

export interface ItemSpec {
  code: string;
  display: string;
  columns: string[];
  noteColumns?: string[];
}

export interface InstrumentSpec {
  name: string;
  profile: string;
  codeSystem: string;
  value: ScoreValue;
  /** The client scores it: without an assessor the client is the performer. */
  selfReport: boolean;
  items: ItemSpec[];
}

export interface AssessmentsSpec {
  title: string;
  csv: { delimiter: CsvDelimiter; encoding: TextEncoding };
  jsonRecords: string;
  dateFormats: string[];
  fields: Record<AssessmentField, ColumnSpec>;
  instruments: InstrumentSpec[];
}

const names = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } };
const columnSpec = {
  type: 'object',
  required: ['columns'],
  additionalProperties: false,
  properties: { columns: names },
};

export const assessmentsSpecSchema: SpecSchema<AssessmentsSpec> = {
  schema: {
    type: 'object',
    required: ['title', 'csv', 'jsonRecords', 'dateFormats', 'fields', 'instruments'],
    additionalProperties: false,
    properties: {
      title: { type: 'string', minLength: 1 },
      csv: {
        type: 'object',
        required: ['delimiter', 'encoding'],
        additionalProperties: false,
        properties: { delimiter: { enum: [...CSV_DELIMITERS] }, encoding: { enum: [...TEXT_ENCODINGS] } },
      },
      jsonRecords: { type: 'string', minLength: 1 },
      dateFormats: names,
      fields: {
        type: 'object',
        required: ['bsn', 'date'],
        additionalProperties: false,
        properties: Object.fromEntries(ASSESSMENT_FIELDS.map((f) => [f, columnSpec])),
      },
      instruments: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['name', 'profile', 'codeSystem', 'value', 'selfReport', 'items'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1 },
            profile: { type: 'string', minLength: 1 },
            codeSystem: { type: 'string', minLength: 1 },
            selfReport: { type: 'boolean' },
            value: {
              oneOf: [
                {
                  type: 'object',
                  required: ['type', 'system', 'min', 'max', 'displays'],
                  additionalProperties: false,
                  properties: {
                    type: { const: 'coding' },
                    system: { type: 'string', minLength: 1 },
                    min: { type: 'integer' },
                    max: { type: 'integer' },
                    displays: { type: 'array', items: { type: 'string' } },
                  },
                },
                {
                  type: 'object',
                  required: ['type', 'min', 'max'],
                  additionalProperties: false,
                  properties: {
                    type: { const: 'integer' },
                    min: { type: 'integer' },
                    max: { type: 'integer' },
                  },
                },
              ],
            },
            items: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                required: ['code', 'display', 'columns'],
                additionalProperties: false,
                properties: {
                  code: { type: 'string', minLength: 1 },
                  display: { type: 'string', minLength: 1 },
                  columns: names,
                  noteColumns: names,
                },
              },
            },
          },
        },
      },
    },
  },
  checks: [columnsClaimedOnce, datePatternsKnown, scoresHaveDisplays],
};

function columnsClaimedOnce(spec: AssessmentsSpec): string[] {
  const owner = new Map<string, string>();
  const problems: string[] = [];
  const claim = (column: string, key: string): void => {
    const name = column.toLowerCase();
    const first = owner.get(name);
    if (first) problems.push(`${key}: column '${column}' is already claimed by ${first}`);
    else owner.set(name, key);
  };
  for (const field of ASSESSMENT_FIELDS) {
    spec.fields[field]?.columns.forEach((c, i) => claim(c, `fields.${field}.columns[${i}]`));
  }
  spec.instruments.forEach((inst, n) =>
    inst.items.forEach((item, k) => {
      const at = `instruments[${n}].items[${k}]`;
      item.columns.forEach((c, i) => claim(c, `${at}.columns[${i}]`));
      item.noteColumns?.forEach((c, i) => claim(c, `${at}.noteColumns[${i}]`));
    }),
  );
  return problems;
}

function datePatternsKnown(spec: AssessmentsSpec): string[] {
  return spec.dateFormats.flatMap((p, i) =>
    isDatePattern(p) ? [] : [`dateFormats[${i}]: '${p}' uses a token other than YYYY MM DD hh mm ss Z`],
  );
}

function scoresHaveDisplays(spec: AssessmentsSpec): string[] {
  return spec.instruments.flatMap((inst, n) => {
    const v = inst.value;
    if (v.min > v.max) return [`instruments[${n}].value: min is above max`];
    if (v.type === 'coding' && v.displays.length !== v.max - v.min + 1)
      return [`instruments[${n}].value.displays: one display per score from min to max`];
    return [];
  });
}
