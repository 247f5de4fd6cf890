/**
 * The declarative spec of a record export (a GGZ EHR's or a GP information system's): how the
 * export is laid out (CSV files per table, or JSON with the tables nested per client), which table
 * holds the clients and how the other tables join to them, and the rules of the shared rule engine
 * (src/adapters/rules) that make the previous-treatment summary. One engine, one spec per vendor:
 * institutions' exports differ in names and layout, not in what they mean.
 */
import type { SpecSchema } from '../spec-loader.js';
import { rulesProblems, rulesSchemaProperties, type RulesSpec, type SummaryRule } from '../rules/spec.js';
import { TEXT_ENCODINGS, type TextEncoding } from '../tabular/text.js';

export interface TableDef {
  /** CSV layout: the file name of the table (case-insensitive; `*` matches any characters). */
  file?: string;
  /**
   * JSON layout: the key of the table's array, under each client object (a nested table), or at
   * the root of the export (the clients table, and tables with `root`).
   */
  path?: string;
  /** The field that holds the client's key (CSV tables; JSON clients table). */
  key?: string;
  /** Rows belong to every client of the export (the institution, the export's own data). */
  shared?: boolean;
  /** JSON layout: the table is at the root of the export (an object is one row). */
  root?: boolean;
}

export interface ExportSpec extends RulesSpec {
  format: string;
  title: string;
  /** The vendor or system whose export layout this spec describes. */
  source: string;
  layout: 'csv' | 'json';
  encoding: TextEncoding;
  delimiter: ',' | ';' | '\t' | 'auto';
  /** The table whose rows are the clients: one record, one summary per client. */
  clients: string;
  tables: Record<string, TableDef>;
  summary: SummaryRule;
}

const NAME = '^[a-z][A-Za-z0-9]*$';

export const exportSpecSchema: SpecSchema<ExportSpec> = {
  schema: {
    type: 'object',
    required: [
      'format',
      'title',
      'source',
      'layout',
      'encoding',
      'delimiter',
      'clients',
      'tables',
      'dateFormats',
      'resources',
      'summary',
    ],
    additionalProperties: false,
    properties: {
      format: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
      title: { type: 'string' },
      source: { type: 'string' },
      layout: { enum: ['csv', 'json'] },
      encoding: { enum: [...TEXT_ENCODINGS] },
      delimiter: { enum: [',', ';', '\t', 'auto'] },
      clients: { type: 'string', pattern: NAME },
      tables: {
        type: 'object',
        propertyNames: { pattern: NAME },
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          properties: {
            file: { type: 'string', minLength: 1 },
            path: { type: 'string', minLength: 1 },
            key: { type: 'string', minLength: 1 },
            shared: { type: 'boolean' },
            root: { type: 'boolean' },
          },
        },
      },
      ...rulesSchemaProperties,
    },
  },
  checks: [rulesProblems, tableProblems],
};

function tableProblems(spec: ExportSpec): string[] {
  const problems: string[] = [];
  const clients = spec.tables[spec.clients];
  if (!clients) problems.push(`clients: no table is named '${spec.clients}'`);
  else if (spec.layout === 'csv' && !clients.key)
    problems.push(`tables.${spec.clients}.key: the clients table needs a key`);
  for (const [name, t] of Object.entries(spec.tables)) {
    if (spec.layout === 'csv' && !t.file)
      problems.push(`tables.${name}.file: a CSV table needs its file name`);
    if (spec.layout === 'csv' && !t.key && !t.shared && name !== spec.clients)
      problems.push(`tables.${name}.key: a CSV table joins its rows to clients by a key (or is shared)`);
    if (spec.layout === 'json' && !t.path) problems.push(`tables.${name}.path: a JSON table needs its path`);
  }
  spec.resources.forEach((r, i) => {
    if (r.from !== 'channel' && !spec.tables[r.from])
      problems.push(`resources[${i}].from: no table is named '${r.from}'`);
  });
  return problems;
}
