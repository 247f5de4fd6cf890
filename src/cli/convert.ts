/**
 * `overdracht convert --from FORMAT FILE_OR_DIR`: converts what an integrator's system emits into
 * FHIR with the format's adapter, and writes per input the output and its report. The files of a
 * directory are converted one after the other, each read, converted, written and let go, so memory
 * stays flat however many there are. Exit 0 when every input converted, 1 when one failed, 2 when
 * the arguments are unusable or an input cannot be read.
 *
 * Nothing of an input's content reaches stderr: file names, counts, and the report's issues,
 * which carry source locations and never values (mappings/README.md, rule 4).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import {
  type AdapterRegistry,
  type BatchResult,
  batchFigures,
  type BatchFigures,
  batchOutput,
  type ConversionContext,
  createAdapterRegistry,
  createConversionContext,
  defaultConceptMapDirs,
  type InputFile,
  type RegisteredAdapter,
} from '../adapters/index.js';
import { MappingSpecError } from '../adapters/spec-loader.js';
import { errorIssues } from '../fhir/outcomes.js';
import { createTerminologyService } from '../terminology/service.js';
import type { CliCommand } from './commands.js';
import { InputError, listInputs } from './inputs.js';
import { CONVERT_TO_USAGE, convertTo } from './convert-to.js';

const OPTIONS = `overdracht convert --from FORMAT FILE_OR_DIR [--mapping SPEC] [--out DIR] [--channel KEY=VALUE]...

  --from FORMAT        the source format (below)
  FILE_OR_DIR          one input file, or a directory: each file in it (not hidden, not in
                       subdirectories) is one input, converted in name order; for formats
                       whose input is a set of files (ggz-ehr, gp-journal) the directory is
                       one input, named after it
  --mapping SPEC       a mapping spec file (YAML or JSON) to use instead of the format's default;
                       ConceptMaps in a conceptmaps/ folder beside it are loaded too
  --out DIR            write <name>.json (the FHIR output) and <name>.report.json (the
                       OperationOutcome) per input; without it a single file's output goes to
                       stdout, and a directory is only checked
  --channel KEY=VALUE  a channel setting the source format has no field for, e.g.
                       referralCategory=ggz-basic (see the format's mappings/ README); repeatable

A summary goes to stderr: converted, failed, unmapped fields.
Exit status: 0 every input converted, 1 an input failed, 2 unusable arguments or unreadable input.`;

interface ConvertArgs {
  format: string;
  input: string;
  mapping: string | undefined;
  out: string | undefined;
  channel: Record<string, string>;
}

/** An argument or input that cannot be used; the message names it and never quotes content. */
export const convertCommand: CliCommand = {
  name: 'convert',
  summary:
    'Convert HL7 v2, ZorgDomein, assessment exports, ... into FHIR, with a report of what was not mapped',
  // A getter: listing the formats loads every adapter's spec, which only help should pay for.
  get usage() {
    return `${OPTIONS}\n\nFormats:\n${formatList(createAdapterRegistry())}\n\n${CONVERT_TO_USAGE}`;
  },
  async run(argv) {
    // The other direction, FHIR to an integrator's format (src/cli/convert-to.ts).
    if (argv.includes('--to')) return convertTo(argv);
    try {
      return convert(parseArgs(argv));
    } catch (err) {
      if (err instanceof InputError || err instanceof MappingSpecError) return fail(err.message);
      throw err;
    }
  },
};

function convert(args: ConvertArgs): number {
  // One registry, with the --mapping spec in place of the format's default (format names are lower case).
  const registry = createAdapterRegistry({
    specFiles: args.mapping ? { [args.format.toLowerCase()]: args.mapping } : {},
  });
  const adapter = registry.get(args.format);
  if (!adapter) throw new InputError(`unknown format '${args.format}'; one of:\n${formatList(registry)}`);
  const inputs = listInputs(args.input, 'convert');
  if (args.out) prepareOut(args.out, args.input);
  const ctx = createConversionContext({
    channel: args.channel,
    terminology: createTerminologyService(),
    conceptMapDirs: conceptMapDirs(args.mapping),
  });
  const single = inputs.length === 1 && !statSync(args.input).isDirectory();
  // A format whose input is a set of files (an export of a table per file) takes a directory whole.
  const whole = adapter.runFiles !== undefined && statSync(args.input).isDirectory();
  const results = whole
    ? [convertSet(adapter, args.input, inputs, ctx, { out: args.out, stdout: !args.out })]
    : inputs.map((file, i) => {
        progress(i + 1, inputs.length, basename(file));
        return convertOne(adapter, file, ctx, { out: args.out, stdout: single && !args.out });
      });
  progressDone();
  process.stderr.write(summary(results, args.out !== undefined || single || whole));
  if (results.some((r) => r.unreadable)) return 2;
  return results.some((r) => r.figures?.failed) ? 1 : 0;
}

function parseArgs(argv: readonly string[]): ConvertArgs {
  const paths: string[] = [];
  const args: Omit<ConvertArgs, 'input'> = { format: '', mapping: undefined, out: undefined, channel: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      paths.push(arg);
      continue;
    }
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new InputError(`${arg} needs a value`);
    setOption(args, arg, value);
  }
  if (!args.format) throw new InputError('--from FORMAT is required');
  if (paths.length !== 1) throw new InputError(`one FILE_OR_DIR is needed, not ${paths.length}`);
  return { ...args, input: paths[0] ?? '' };
}

function setOption(args: Omit<ConvertArgs, 'input'>, name: string, value: string): void {
  switch (name) {
    case '--from':
      args.format = value;
      return;
    case '--mapping':
      args.mapping = value;
      return;
    case '--out':
      args.out = value;
      return;
    case '--channel': {
      const eq = value.indexOf('=');
      if (eq <= 0) throw new InputError(`--channel needs KEY=VALUE, not '${value}'`);
      args.channel[value.slice(0, eq)] = value.slice(eq + 1);
      return;
    }
    default:
      throw new InputError(`unknown option '${name}'`);
  }
}

function fail(message: string): number {
  process.stderr.write(`overdracht convert: ${message}\n\n${OPTIONS}\n`);
  return 2;
}

function formatList(registry: AdapterRegistry): string {
  const formats = registry.formats();
  const width = Math.max(...formats.map((f) => f.format.length));
  return formats.map((f) => `  ${f.format.padEnd(width)}  ${f.describe}`).join('\n');
}

/** The output folder exists afterwards, and is not where the inputs are (outputs would overwrite them). */
function prepareOut(out: string, input: string): void {
  const inputDir = statSync(input).isDirectory() ? input : dirname(input);
  if (resolve(out) === resolve(inputDir)) throw new InputError('--out must not be the folder of the inputs');
  try {
    mkdirSync(out, { recursive: true });
  } catch {
    throw new InputError(`cannot create the --out folder ${out}`);
  }
}

/** The project's ConceptMaps, and those beside a --mapping spec. */
function conceptMapDirs(mapping: string | undefined): string[] | undefined {
  const extra = mapping ? join(dirname(mapping), 'conceptmaps') : undefined;
  return extra && existsSync(extra) ? [...defaultConceptMapDirs(), extra] : undefined;
}

interface InputResult {
  file: string;
  /** Undefined when the file could not be read. */
  figures: BatchFigures | undefined;
  unreadable: boolean;
  errors: OperationOutcomeIssue[];
}

function convertOne(
  adapter: RegisteredAdapter,
  file: string,
  ctx: ConversionContext,
  target: { out: string | undefined; stdout: boolean },
): InputResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return { file, figures: undefined, unreadable: true, errors: [] };
  }
  return finish(file, adapter.run(bytes, ctx), target);
}

/** The files of a directory as one input; the output is named after the directory. */
function convertSet(
  adapter: RegisteredAdapter,
  dir: string,
  files: readonly string[],
  ctx: ConversionContext,
  target: { out: string | undefined; stdout: boolean },
): InputResult {
  const read: InputFile[] = [];
  for (const file of files) {
    try {
      read.push({ name: basename(file), bytes: readFileSync(file) });
    } catch {
      return { file, figures: undefined, unreadable: true, errors: [] };
    }
  }
  return finish(dir, adapter.runFiles?.(read, ctx) ?? adapter.run(new Uint8Array(0), ctx), target);
}

function finish(
  file: string,
  batch: BatchResult,
  target: { out: string | undefined; stdout: boolean },
): InputResult {
  const output = batchOutput(batch);
  if (target.out) writeResult(target.out, file, output, batch.report);
  else if (target.stdout && output) process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  return { file, figures: batchFigures(batch), unreadable: false, errors: errorIssues(batch.report) };
}

function writeResult(out: string, file: string, output: unknown, report: OperationOutcome): void {
  const name = basename(file, extname(file));
  if (output !== undefined) writeFileSync(join(out, `${name}.json`), `${JSON.stringify(output, null, 2)}\n`);
  writeFileSync(join(out, `${name}.report.json`), `${JSON.stringify(report, null, 2)}\n`);
}

/** `[12/40] name.hl7` on one line of a terminal; nothing when stderr is a file or a pipe. */
function progress(done: number, total: number, name: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K[${done}/${total}] ${name}`);
}

function progressDone(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

/** At most this many errors are listed per failed input; the report has them all. */
const ERRORS_SHOWN = 5;

function summary(results: readonly InputResult[], written: boolean): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.unreadable) lines.push(`${r.file}: cannot be read`);
    else if (r.figures?.failed)
      lines.push(`${r.file}: failed`, ...r.errors.slice(0, ERRORS_SHOWN).map(issueLine));
  }
  const converted = results.filter((r) => r.figures && !r.figures.failed).length;
  const failed = results.length - converted;
  const unmapped = results.reduce((n, r) => n + (r.figures?.unmapped ?? 0), 0);
  lines.push(
    `${plural(results.length, 'input')}: ${converted} converted, ${failed} failed; ${plural(unmapped, 'unmapped field')}` +
      (written ? '' : ' (nothing written: use --out DIR)'),
  );
  return `${lines.join('\n')}\n`;
}

/** Severity, the source location and the adapter's message: never a value from the source. */
function issueLine(i: OperationOutcomeIssue): string {
  const text = i.details?.text ?? i.diagnostics ?? i.code;
  const where = i.location?.[0];
  return `  ${i.severity.padEnd(6)} ${where ? `${where}: ` : ''}${text}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
