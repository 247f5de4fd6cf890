/**
 * An adapter for record exports (GGZ EHR, GP journal): a spec (exports/spec.ts) read from
 * mappings/<format>/, the export read into one record per client (exports/read.ts), and per
 * client the rules run into a previous-treatment summary document with the report of what was
 * not mapped. The formats differ only in their default spec and name.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { PROFILES } from '../../fhir/codes.js';
import { outcome } from '../../fhir/outcomes.js';
import type { CoverageTracker } from '../coverage.js';
import {
  type Adapter,
  type ConversionContext,
  type ConversionResult,
  type InputFile,
  limitsWith,
  type ParseOptions,
  recordError,
  withoutDetail,
} from '../framework.js';
import { runRules } from '../rules/engine.js';
import { buildSummary, summaryDocument } from '../rules/summary.js';
import { loadSpecFile } from '../spec-loader.js';
import { type ClientExport, DEFAULT_READ_LIMITS, readExport, type ReadLimits } from './read.js';
import { type ExportSpec, exportSpecSchema } from './spec.js';

export type { ClientExport } from './read.js';
export type { ExportSpec } from './spec.js';

export interface ExportResult extends ConversionResult {
  coverage?: CoverageTracker;
}

export interface ExportAdapter extends Adapter<ClientExport> {
  readonly spec: ExportSpec;
  parseFiles(files: readonly InputFile[], options?: ParseOptions): ReturnType<Adapter<ClientExport>['parse']>;
  convertDetailed(input: ClientExport, ctx: ConversionContext): ExportResult;
}

export interface ExportAdapterOptions {
  format: string;
  /** The spec used when `specFile` is not given. */
  defaultSpecFile: string;
  specFile?: string;
  limits?: Partial<ReadLimits>;
}

export function createExportAdapter(options: ExportAdapterOptions): ExportAdapter {
  const spec = loadSpecFile(options.specFile ?? options.defaultSpecFile, exportSpecSchema);
  if (spec.format !== options.format)
    throw new Error(`The mapping spec is for format '${spec.format}', not '${options.format}'`);
  const limits: ReadLimits = { ...DEFAULT_READ_LIMITS, ...options.limits };
  const convertDetailed = (input: ClientExport, ctx: ConversionContext): ExportResult =>
    convertClient(input, spec, ctx);
  return {
    format: options.format,
    describe: `${spec.title} (${spec.source})`,
    mediaTypes: spec.layout === 'csv' ? ['text/csv', 'text/plain'] : ['application/json'],
    spec,
    parse: (bytes, o) => readExport([{ name: 'input', bytes }], spec, limitsWith(limits, o)),
    parseFiles: (files, o) => readExport(files, spec, limitsWith(limits, o)),
    convert: withoutDetail(convertDetailed),
    convertDetailed,
    profilesFor: () => [PROFILES.summaryDocument],
  };
}

function convertClient(input: ClientExport, spec: ExportSpec, ctx: ConversionContext): ExportResult {
  const timeZone = ctx.channel?.timeZone ?? 'Europe/Amsterdam';
  const idBase = `${spec.format}|${input.key}`;
  const run = runRules({
    spec,
    items: input.items,
    idBase,
    env: { translator: ctx.translator, dateFormats: spec.dateFormats, timeZone },
    channel: ctx.channel ?? {},
  });
  const summary = buildSummary(spec, run.drafts, input.presentTables, idBase, {
    items: input.items,
    coverage: run.coverage,
    dateFormats: spec.dateFormats,
    timeZone,
  });
  if (!summary.ok)
    return {
      output: undefined,
      report: outcome([
        ...run.issues,
        recordError({ location: input.location, message: summary.message }, 'required'),
      ]),
      coverage: run.coverage,
    };
  run.link(new Map([['summary', [summary.draft]]]));
  // The join keys of the tables are read to put each row with its client: structure, not data.
  for (const item of input.items) {
    const key = spec.tables[item.kind]?.key;
    const cell =
      key === undefined || item.kind === spec.clients ? undefined : item.cells.find((c) => c.field === key);
    if (cell) run.coverage.declareStructural(cell.location);
  }
  const bundle: Bundle = summaryDocument(summary.draft, run.drafts, idBase, timeZone);
  const unmapped = run.coverage.unmappedIssues(() => 'not mapped');
  return { output: bundle, report: outcome([...run.issues, ...unmapped]), coverage: run.coverage };
}
