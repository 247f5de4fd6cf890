/**
 * `npm run conformance`: validates the FHIR validator test cases with overdracht, Medplum and
 * FHIR.js in one run and prints how often each agrees with the HL7 Java validator.
 *
 *   --validator NAME   overdracht | medplum | fhir.js (repeatable; default all three)
 *   --module X         only the cases of one module (bundle, profile, questionnaire, tx, ...)
 *   --case NAME        only one case (its base run and, if any, its profile run)
 *   --verbose          a block per run: expected versus ours, with the error issues
 *   --fail-under N     exit 1 when overdracht agrees on fewer than N% of the valid or invalid runs
 *   --no-exclusions    count the runs on test/conformance/exclusions.json too
 *
 * Writes the full report as JSON to .cache/conformance-report.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatReport, formatRun } from './report.js';
import type { ConformanceOptions } from './runner.js';
import { PROJECT_ROOT, runConformance } from './runner.js';
import type { ValidatorName } from './validators.js';
import { isValidatorName, VALIDATOR_NAMES } from './validators.js';

interface CliOptions extends ConformanceOptions {
  readonly verbose: boolean;
  readonly failUnder?: number;
}

function parseArgs(argv: readonly string[]): CliOptions | string {
  const validators: ValidatorName[] = [];
  let module: string | undefined;
  let caseName: string | undefined;
  let verbose = false;
  let failUnder: number | undefined;
  let ignoreExclusions = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    switch (arg) {
      case '--verbose':
        verbose = true;
        continue;
      case '--no-exclusions':
        ignoreExclusions = true;
        continue;
      case '--validator':
        if (!value || !isValidatorName(value))
          return `--validator needs one of ${VALIDATOR_NAMES.join(', ')}`;
        validators.push(value);
        break;
      case '--module':
        if (!value) return '--module needs a module name';
        module = value;
        break;
      case '--case':
        if (!value) return '--case needs a case name';
        caseName = value;
        break;
      case '--fail-under':
        if (!value || !Number.isFinite(Number(value))) return '--fail-under needs a percentage';
        failUnder = Number(value);
        break;
      default:
        return `unknown argument '${arg}'`;
    }
    i++;
  }
  return {
    validators: validators.length > 0 ? validators : undefined,
    module,
    caseName,
    verbose,
    failUnder,
    ignoreExclusions,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseArgs(argv);
  if (typeof options === 'string') {
    process.stderr.write(`conformance: ${options}\n`);
    return 2;
  }
  const report = await runConformance({
    ...options,
    onRun: options.verbose ? (r) => void process.stdout.write(`${formatRun(r)}\n`) : undefined,
  });
  process.stdout.write(`${formatReport(report)}\n`);
  const out = join(PROJECT_ROOT, '.cache', 'conformance-report.json');
  mkdirSync(join(PROJECT_ROOT, '.cache'), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 1));
  process.stdout.write(`\nFull report: .cache/conformance-report.json\n`);
  return failUnderCheck(report, options.failUnder);
}

/** 0 when overdracht meets the bar on both the valid and the invalid runs (or no bar was set). */
function failUnderCheck(report: Awaited<ReturnType<typeof runConformance>>, bar: number | undefined): number {
  if (bar === undefined) return 0;
  const total = report.tallies.overdracht?.find((t) => t.module === 'total');
  if (!total) {
    process.stderr.write('conformance: --fail-under needs the overdracht validator\n');
    return 1;
  }
  const valid = total.validRuns === 0 ? 100 : (100 * total.validAgree) / total.validRuns;
  const invalid = total.invalidRuns === 0 ? 100 : (100 * total.invalidAgree) / total.invalidRuns;
  if (valid >= bar && invalid >= bar) return 0;
  process.stderr.write(
    `conformance: overdracht agrees on ${valid.toFixed(1)}% of valid and ${invalid.toFixed(1)}% of invalid runs, below ${bar}%\n`,
  );
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`conformance: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
