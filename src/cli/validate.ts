/**
 * `overdracht validate FILE...`: validates FHIR JSON files (a Bundle or a single resource) and
 * prints one outcome per file. Exit 0 when no file has an error, 1 when one has, 2 when the
 * arguments are unusable or an input cannot be read (missing file, malformed JSON).
 */
import { readFileSync } from 'node:fs';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { parseJsonText } from '../fhir/json.js';
import { errorIssues, OperationOutcomeError } from '../fhir/outcomes.js';
import type { CliCommand } from './commands.js';
import { InputError } from './inputs.js';
import { isRecord } from '../fhir/records.js';

const USAGE = `overdracht validate FILE... [--profile CANONICAL]... [--load FILE]... [--format text|json]

  FILE                 FHIR JSON: a Bundle or a single resource
  --profile CANONICAL  also validate against this profile (in addition to meta.profile); repeatable
  --load FILE          add conformance resources first: a StructureDefinition, ValueSet, CodeSystem,
                       Questionnaire, or a Bundle of them; repeatable
  --format text|json   text (default): issues and a summary per file; json: an array of one
                       OperationOutcome per file

Exit status: 0 no file has an error, 1 a file has an error, 2 unusable arguments or unreadable input.`;

type Format = 'text' | 'json';

interface ValidateArgs {
  files: string[];
  profiles: string[];
  loads: string[];
  format: Format;
}

/** Resource types --load accepts; the validator adds these to its definitions. */
const CONFORMANCE_TYPES = new Set(['StructureDefinition', 'ValueSet', 'CodeSystem', 'Questionnaire']);

/** An input that cannot be used; the message names the file and never quotes its content. */
export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'Validate FHIR JSON files (a Bundle or a resource) against FHIR R4 and the project profiles',
  usage: USAGE,
  async run(argv) {
    const args = parseArgs(argv);
    if (typeof args === 'string') return usageError(args);
    let inputs: { file: string; resource: unknown }[];
    let conformance: unknown[];
    try {
      conformance = args.loads.map(readConformance);
      inputs = readInputs(args.files);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      process.stderr.write(`overdracht validate: ${err.message}\n`);
      return 2;
    }
    // Loaded here, not at start-up, so other commands do not pay for the engine.
    const { createValidator } = await import('../validation/index.js');
    const validator = createValidator({ resources: conformance });
    const options = args.profiles.length > 0 ? { profiles: args.profiles } : undefined;
    const outcomes = inputs.map(({ file, resource }) => ({
      file,
      outcome: validator.validate(resource, options),
    }));
    process.stdout.write(
      args.format === 'json'
        ? `${JSON.stringify(
            outcomes.map((o) => o.outcome),
            null,
            2,
          )}\n`
        : formatText(outcomes),
    );
    return outcomes.some((o) => errorIssues(o.outcome).length > 0) ? 1 : 0;
  },
};

function parseArgs(argv: readonly string[]): ValidateArgs | string {
  const args: ValidateArgs = { files: [], profiles: [], loads: [], format: 'text' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      args.files.push(arg);
      continue;
    }
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) return `${arg} needs a value`;
    switch (arg) {
      case '--profile':
        args.profiles.push(value);
        break;
      case '--load':
        args.loads.push(value);
        break;
      case '--format':
        if (value !== 'text' && value !== 'json') return `--format must be text or json, not '${value}'`;
        args.format = value;
        break;
      default:
        return `unknown option '${arg}'`;
    }
  }
  return args.files.length > 0 ? args : 'no FILE to validate';
}

function usageError(message: string): number {
  process.stderr.write(`overdracht validate: ${message}\n\n${USAGE}\n`);
  return 2;
}

/** Reads every input before validating any, so one unreadable file stops the run with all problems named. */
function readInputs(files: readonly string[]): { file: string; resource: unknown }[] {
  const problems: string[] = [];
  const inputs: { file: string; resource: unknown }[] = [];
  for (const file of files) {
    try {
      inputs.push({ file, resource: readJson(file) });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length > 0) throw new InputError(problems.join('\noverdracht validate: '));
  return inputs;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable')}`,
    );
  }
  try {
    return parseJsonText(text);
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    const first = err.outcome.issue?.[0];
    const where = first?.expression?.[0] ? ` at ${first.expression[0]}` : '';
    throw new InputError(`${file} is not usable JSON: ${first?.diagnostics ?? 'unreadable'}${where}`);
  }
}

/** A --load file must hold conformance resources; anything else is an unusable argument. */
function readConformance(file: string): unknown {
  const value = readJson(file);
  const types = resourceTypes(value);
  const wrong = types.filter((t) => !CONFORMANCE_TYPES.has(t));
  if (types.length === 0 || wrong.length > 0) {
    const found = wrong[0] ?? 'no resource';
    throw new InputError(
      `--load ${file}: expected a StructureDefinition, ValueSet, CodeSystem, Questionnaire or a Bundle of them, found ${found}`,
    );
  }
  return value;
}

function resourceTypes(value: unknown): string[] {
  if (!isRecord(value)) return [];
  if (value.resourceType === 'Bundle') {
    const entries = Array.isArray(value.entry) ? value.entry : [];
    return entries.flatMap((e: unknown) => resourceTypes(isRecord(e) ? e.resource : undefined));
  }
  return typeof value.resourceType === 'string' ? [value.resourceType] : [];
}

function formatText(results: readonly { file: string; outcome: OperationOutcome }[]): string {
  const out: string[] = [];
  let invalid = 0;
  let errors = 0;
  let warnings = 0;
  for (const { file, outcome } of results) {
    const issues = reportable(outcome);
    const fileErrors = errorIssues(outcome).length;
    const fileWarnings = issues.filter((i) => i.severity === 'warning').length;
    if (fileErrors > 0) invalid++;
    errors += fileErrors;
    warnings += fileWarnings;
    out.push(
      `${file}: ${fileErrors > 0 ? 'invalid' : 'valid'} (${plural(fileErrors, 'error')}, ${plural(fileWarnings, 'warning')})`,
    );
    for (const i of issues)
      out.push(`  ${i.severity.padEnd(11)} ${i.expression?.[0] ?? i.location?.[0] ?? '-'}  ${issueText(i)}`);
  }
  out.push(
    '',
    `${plural(results.length, 'file')}: ${results.length - invalid} valid, ${invalid} invalid; ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`,
  );
  return `${out.join('\n')}\n`;
}

/** Every issue but the "All OK" placeholder of an empty outcome. */
function reportable(o: OperationOutcome): OperationOutcomeIssue[] {
  const issues = o.issue ?? [];
  const placeholder =
    issues.length === 1 &&
    issues[0]?.severity === 'information' &&
    issues[0].code === 'informational' &&
    !issues[0].expression;
  return placeholder ? [] : issues;
}

function issueText(i: OperationOutcomeIssue): string {
  return i.details?.text ?? i.diagnostics ?? i.code;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
