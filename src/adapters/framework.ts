/**
 * The contract every inbound adapter implements, and the batch runner that wraps it.
 *
 * An adapter reads bytes in a format an integrator's system emits (HL7 v2, EDIFACT, CSV, ...),
 * splits them into records (one message, one row), and converts each record into FHIR. Next to
 * the FHIR output every conversion returns a report (an OperationOutcome) that lists every source
 * field it did not map and every value it could not translate, each with its location in the
 * source, so that nothing is ever lost silently. One bad record is reported with its location and
 * the others still convert (the tolerance SUSHI shows per artefact).
 */
import type { Bundle, OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { issue, OVERDRACHT_ISSUE_SYSTEM, outcome } from '../fhir/outcomes.js';
import type { CodeTranslator } from './translator.js';

/** Issue detail codes of adapter reports (issue-detail code system). */
export const ADAPTER_ISSUE = {
  /** A populated source field that no mapping rule used. */
  unmapped: 'source-field-unmapped',
  /** A source value that was read but could not be translated (unknown code, bad date, ...). */
  untranslatable: 'source-value-untranslatable',
  /** A record that could not be converted at all. */
  recordFailed: 'mapping-failed',
  /** The input cannot be read (encoding, size, syntax). */
  unreadable: 'source-unreadable',
} as const;

export interface ParseOptions {
  /** Largest input accepted, in bytes. */
  maxBytes?: number;
}

/** One record of the input: a message of a batch, a row of a file. */
export type ParsedRecord<Input> =
  | { ok: true; location: string; input: Input; issues: OperationOutcomeIssue[] }
  | { ok: false; location: string; issues: OperationOutcomeIssue[] };

export interface ParseResult<Input> {
  records: ParsedRecord<Input>[];
  /** Problems of the input as a whole; a `fatal` one means no record could be read. */
  issues: OperationOutcomeIssue[];
}

export interface ConversionResult {
  /** The FHIR output; undefined when the record could not be converted. */
  output: Bundle | Resource[] | undefined;
  /** Unmapped fields (information), untranslatable values (warning), failures (error/fatal). */
  report: OperationOutcome;
}

/** What a conversion may use from outside; all of it injected, so tests need no I/O. */
export interface ConversionContext {
  translator: CodeTranslator;
  /**
   * Values a channel configuration supplies where a source format has no field for them, e.g.
   * `referralCategory` for a channel that only carries basic-GGZ referrals. Each use is reported.
   */
  channel?: Readonly<Record<string, string>>;
  /** Value-set membership (the project's terminology service); undefined answers mean "cannot tell". */
  inValueSet?: (valueSetUrl: string, coding: { system?: string; code?: string }) => boolean | undefined;
  /** Whether a code belongs to a code system; checks codes whose system the source only implies. */
  codeInSystem?: (system: string, code: string) => boolean | undefined;
}

/** One file of an input that spans several (an export of a table per file). */
export interface InputFile {
  name: string;
  bytes: Uint8Array;
}

export interface Adapter<Input> {
  /** The format name used by `overdracht convert --from FORMAT` and `POST /convert/{format}`. */
  readonly format: string;
  /** One line for help texts and the CapabilityStatement. */
  readonly describe: string;
  readonly mediaTypes: readonly string[];
  parse(bytes: Uint8Array, options?: ParseOptions): ParseResult<Input>;
  /** For formats whose input is a set of files (a directory): all of them at once. */
  parseFiles?(files: readonly InputFile[], options?: ParseOptions): ParseResult<Input>;
  convert(input: Input, ctx: ConversionContext): ConversionResult;
  /** The profiles an output must conform to (validated by the caller when it has a validator). */
  profilesFor(output: Bundle | Resource[]): readonly string[];
}

/** An adapter's read limits, with the largest input taken from the parse options when they give one. */
export function limitsWith<Limits extends { maxBytes: number }>(
  limits: Limits,
  options?: ParseOptions,
): Limits {
  return options?.maxBytes ? { ...limits, maxBytes: options.maxBytes } : limits;
}

/** `convert` from a `convertDetailed`: the output and the report, without the field coverage. */
export function withoutDetail<Input>(
  convertDetailed: (input: Input, ctx: ConversionContext) => ConversionResult,
): (input: Input, ctx: ConversionContext) => ConversionResult {
  return (input, ctx) => {
    const { output, report } = convertDetailed(input, ctx);
    return { output, report };
  };
}

export interface RecordResult extends ConversionResult {
  /** Where the record stands in the input, e.g. `message 2 (line 14)`. */
  location: string;
}

export interface BatchResult {
  records: RecordResult[];
  /** All issues of the batch, each record's issues prefixed with its location. */
  report: OperationOutcome;
}

export interface RunOptions extends ParseOptions {
  /** Validates an output against profiles (the project's validator); its errors join the report. */
  validate?: (resource: Bundle | Resource, profiles: readonly string[]) => OperationOutcome;
}

/**
 * Parses and converts a whole input. A record that fails to parse, to convert or to validate is
 * reported under its location; every other record still converts. Never throws for bad input.
 */
export function runAdapter<Input>(
  adapter: Adapter<Input>,
  bytes: Uint8Array,
  ctx: ConversionContext,
  options: RunOptions = {},
): BatchResult {
  return runParsed(adapter, safeParse(adapter, bytes, options), ctx, options);
}

/** runAdapter for an input of several files; only for adapters with parseFiles. */
export function runAdapterFiles<Input>(
  adapter: Adapter<Input>,
  files: readonly InputFile[],
  ctx: ConversionContext,
  options: RunOptions = {},
): BatchResult {
  let parsed: ParseResult<Input>;
  try {
    parsed = adapter.parseFiles
      ? adapter.parseFiles(files, options)
      : { records: [], issues: [fatal(`The ${adapter.format} input is one file, not a set of files`)] };
  } catch {
    parsed = { records: [], issues: [fatal(`The ${adapter.format} input could not be read`)] };
  }
  return runParsed(adapter, parsed, ctx, options);
}

function runParsed<Input>(
  adapter: Adapter<Input>,
  parsed: ParseResult<Input>,
  ctx: ConversionContext,
  options: RunOptions,
): BatchResult {
  const records = parsed.records.map((record): RecordResult => {
    if (!record.ok) return { location: record.location, output: undefined, report: outcome(record.issues) };
    const converted = safeConvert(adapter, record.input, ctx);
    const issues = [...record.issues, ...(converted.report.issue ?? []).filter(isRealIssue)];
    if (converted.output && options.validate)
      issues.push(...validateOutput(adapter, converted.output, options.validate));
    return { location: record.location, output: converted.output, report: outcome(issues) };
  });
  const all = [
    ...parsed.issues,
    ...records.flatMap((r) =>
      (r.report.issue ?? []).filter(isRealIssue).map((i) => atRecord(i, r.location, records.length)),
    ),
  ];
  return { records, report: outcome(all) };
}

function safeParse<Input>(
  adapter: Adapter<Input>,
  bytes: Uint8Array,
  options: ParseOptions,
): ParseResult<Input> {
  try {
    return adapter.parse(bytes, options);
  } catch {
    // A parser is written not to throw; if it does, the caller still gets an outcome, not a crash.
    return { records: [], issues: [fatal(`The ${adapter.format} input could not be read`)] };
  }
}

function safeConvert<Input>(adapter: Adapter<Input>, input: Input, ctx: ConversionContext): ConversionResult {
  try {
    return adapter.convert(input, ctx);
  } catch {
    return {
      output: undefined,
      report: outcome([
        issue({
          severity: 'error',
          code: 'exception',
          detailCode: ADAPTER_ISSUE.recordFailed,
          message: 'The record could not be converted',
        }),
      ]),
    };
  }
}

function validateOutput<Input>(
  adapter: Adapter<Input>,
  output: Bundle | Resource[],
  validate: NonNullable<RunOptions['validate']>,
): OperationOutcomeIssue[] {
  const profiles = adapter.profilesFor(output);
  const resources = Array.isArray(output) ? output : [output];
  return resources.flatMap((r) => (validate(r, profiles).issue ?? []).filter(isRealIssue));
}

/** outcome([]) holds one "All OK" issue; it is not a finding. */
function isRealIssue(i: OperationOutcomeIssue): boolean {
  return !(i.severity === 'information' && i.code === 'informational' && i.diagnostics === 'All OK');
}

function atRecord(i: OperationOutcomeIssue, location: string, count: number): OperationOutcomeIssue {
  if (count <= 1) return i;
  return { ...i, diagnostics: `${location}: ${i.diagnostics ?? ''}` };
}

function fatal(message: string): OperationOutcomeIssue {
  return issue({ severity: 'fatal', code: 'structure', detailCode: ADAPTER_ISSUE.unreadable, message });
}

// ---------------------------------------------------------------------------------------------
// Issue factories shared by adapters. Source locations go in `location` (the spec's place for a
// location in the source); `expression` is kept for FHIRPath into the output.
// ---------------------------------------------------------------------------------------------

export interface SourceIssueInput {
  location: string;
  message: string;
  /** FHIRPath of the output element concerned, when there is one. */
  expression?: string;
}

export function unmappedIssue(input: SourceIssueInput): OperationOutcomeIssue {
  return sourceIssue('information', 'informational', ADAPTER_ISSUE.unmapped, input);
}

export function untranslatableIssue(input: SourceIssueInput): OperationOutcomeIssue {
  return sourceIssue('warning', 'code-invalid', ADAPTER_ISSUE.untranslatable, input);
}

export function recordError(
  input: SourceIssueInput,
  code: OperationOutcomeIssue['code'] = 'invalid',
): OperationOutcomeIssue {
  return sourceIssue('error', code, ADAPTER_ISSUE.recordFailed, input);
}

export function unreadableIssue(
  input: SourceIssueInput,
  code: OperationOutcomeIssue['code'] = 'structure',
): OperationOutcomeIssue {
  return sourceIssue('fatal', code, ADAPTER_ISSUE.unreadable, input);
}

function sourceIssue(
  severity: OperationOutcomeIssue['severity'],
  code: OperationOutcomeIssue['code'],
  detail: string,
  input: SourceIssueInput,
): OperationOutcomeIssue {
  const out: OperationOutcomeIssue = {
    severity,
    code,
    details: { coding: [{ system: OVERDRACHT_ISSUE_SYSTEM, code: detail }], text: input.message },
    diagnostics: `${input.location}: ${input.message}`,
    location: [input.location],
  };
  if (input.expression) out.expression = [input.expression];
  return out;
}
