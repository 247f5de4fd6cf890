/**
 * The assessments adapter: ZRM and Positive Health assessments as CSV or JSON (our own format,
 * mappings/assessments/README.md) to ov-zrm-observation and ov-positive-health-observation, one
 * collection Bundle per assessment with the client and the assessor. The column layout is the
 * spec in mappings/assessments/; this module wires reader, spec and conversion together.
 */
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Adapter, ConversionContext, ParsedRecord, ParseOptions, ParseResult } from '../framework.js';
import { withoutDetail } from '../framework.js';
import { loadSpecFile, mappingsDir } from '../spec-loader.js';
import { readRecords } from '../tabular/read.js';
import type { TabularRecord } from '../tabular/records.js';
import { convertAssessment, type DetailedResult } from './convert.js';
import { type AssessmentsSpec, assessmentsSpecSchema } from './spec.js';

export const ASSESSMENTS_FORMAT = 'assessments';

/** Larger than any real assessment export of one organisation, small enough to refuse in time. */
const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

export interface AssessmentsAdapter extends Adapter<TabularRecord> {
  readonly spec: AssessmentsSpec;
  convertDetailed(input: TabularRecord, ctx: ConversionContext): DetailedResult;
}

export interface AssessmentsAdapterOptions {
  /** Folder with assessments.yaml (default mappings/assessments). */
  mappingDir?: string;
  /** Another mapping spec than the folder's assessments.yaml. */
  specFile?: string;
}

export function createAssessmentsAdapter(options: AssessmentsAdapterOptions = {}): AssessmentsAdapter {
  const spec = loadSpecFile(
    options.specFile ?? join(options.mappingDir ?? mappingsDir('assessments'), 'assessments.yaml'),
    assessmentsSpecSchema,
  );
  const convertDetailed = (input: TabularRecord, ctx: ConversionContext): DetailedResult =>
    convertAssessment(input, spec, ctx);
  return {
    format: ASSESSMENTS_FORMAT,
    describe: spec.title,
    mediaTypes: ['text/csv', 'application/json'],
    spec,
    parse: (bytes: Uint8Array, parseOptions?: ParseOptions): ParseResult<TabularRecord> => {
      const read = readRecords(bytes, {
        encoding: spec.csv.encoding,
        delimiter: spec.csv.delimiter,
        jsonKey: spec.jsonRecords,
        maxBytes: parseOptions?.maxBytes ?? DEFAULT_MAX_BYTES,
      });
      const records = read.records.map((r): ParsedRecord<TabularRecord> =>
        r.ok
          ? { ok: true, location: r.record.location, input: r.record, issues: [] }
          : { ok: false, location: r.location, issues: [r.issue] },
      );
      return { records, issues: read.issues };
    },
    convert: withoutDetail(convertDetailed),
    convertDetailed,
    // The Bundle is a collection; each entry claims its own profile in meta.profile.
    profilesFor: (_output: Bundle | Resource[]) => [],
  };
}
