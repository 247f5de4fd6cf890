/**
 * The conformance run as a function: every selected run through every selected validator,
 * compared with the reference outcome, then tallied per module. The command line (run.ts) and
 * the test (test/conformance) both call `runConformance`.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { OutcomeSummary, RunComparison } from './compare.js';
import { compare, summarise } from './compare.js';
import type { Exclusion } from './exclusions.js';
import { exclusionKey, loadExclusions } from './exclusions.js';
import type { ConformanceRun, RunKind, SkippedRun } from './manifest.js';
import { loadManifestRuns } from './manifest.js';
import type { ConformanceValidator, ValidatorName } from './validators.js';
import { createConformanceValidator, VALIDATOR_NAMES } from './validators.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared test data sits beside the project: `../shared` from its root. */
export const DEFAULT_CASES_ROOT = join(PROJECT_ROOT, '..', 'shared', 'conformance', 'fhir-test-cases');
export const DEFAULT_EXCLUSIONS = join(PROJECT_ROOT, 'test', 'conformance', 'exclusions.json');

export interface ConformanceOptions {
  readonly casesRoot?: string;
  readonly exclusionsFile?: string;
  /** Count every run, ignoring the exclusion list (to compare with figures measured that way). */
  readonly ignoreExclusions?: boolean;
  /** Names of the built-in adapters, or adapters themselves (tests pass stand-ins). */
  readonly validators?: readonly (ValidatorName | ConformanceValidator)[];
  readonly module?: string;
  readonly caseName?: string;
  /** Called after each run, e.g. to print verbose lines as they come. */
  readonly onRun?: (result: RunResult) => void;
}

export interface ValidatorRunResult {
  /** Undefined when the validator crashed. */
  readonly summary?: OutcomeSummary;
  readonly issues: readonly OperationOutcomeIssue[];
  readonly crashed?: string;
  readonly comparison: RunComparison;
  readonly ms: number;
}

export interface RunResult {
  readonly id: string;
  readonly caseName: string;
  readonly kind: RunKind;
  readonly module: string;
  readonly expected: OutcomeSummary;
  readonly expectedIssues: readonly OperationOutcomeIssue[];
  readonly unloaded: readonly string[];
  readonly byValidator: Partial<Record<ValidatorName, ValidatorRunResult>>;
}

export interface Tally {
  readonly module: string;
  runs: number;
  validRuns: number;
  validAgree: number;
  invalidRuns: number;
  invalidAgree: number;
  countMatch: number;
  elementRuns: number;
  elementMatch: number;
  crashed: number;
  /** Crashed runs the reference finds invalid: what a harness counting a throw as "invalid" would add. */
  crashedOnInvalid: number;
  ms: number;
}

export interface ConformanceReport {
  readonly validators: readonly ValidatorName[];
  readonly unavailable: Partial<Record<ValidatorName, string>>;
  readonly notes: Partial<Record<ValidatorName, string>>;
  readonly results: readonly RunResult[];
  readonly excluded: readonly (Exclusion & { readonly module: string })[];
  readonly skipped: readonly SkippedRun[];
  /** Per validator: one tally per module, then the total (module `total`). */
  readonly tallies: Partial<Record<ValidatorName, Tally[]>>;
}

export async function runConformance(options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const casesRoot = options.casesRoot ?? DEFAULT_CASES_ROOT;
  if (!existsSync(join(casesRoot, 'manifest.json'))) throw new Error(`no manifest.json in ${casesRoot}`);
  const exclusions = options.ignoreExclusions
    ? []
    : loadExclusions(options.exclusionsFile ?? DEFAULT_EXCLUSIONS);
  const excludedKeys = new Map(exclusions.map((e) => [exclusionKey(e.case, e.run), e]));
  const { runs, skipped } = loadManifestRuns(casesRoot);
  const selected = runs.filter((r) => matchesSelection(r.module, r.caseName, options));

  const validators: ConformanceValidator[] = [];
  const unavailable: Partial<Record<ValidatorName, string>> = {};
  const notes: Partial<Record<ValidatorName, string>> = {};
  for (const wanted of options.validators ?? VALIDATOR_NAMES) {
    try {
      const v = typeof wanted === 'string' ? await createConformanceValidator(wanted) : wanted;
      validators.push(v);
      notes[v.name] = v.note;
    } catch (err) {
      if (typeof wanted === 'string') unavailable[wanted] = firstLine(err);
    }
  }

  const results: RunResult[] = [];
  const excluded: (Exclusion & { module: string })[] = [];
  for (const run of selected) {
    const exclusion = excludedKeys.get(exclusionKey(run.caseName, run.kind));
    if (exclusion) {
      excluded.push({ ...exclusion, module: run.module });
      continue;
    }
    const expected = summarise(run.expected);
    const byValidator: Partial<Record<ValidatorName, ValidatorRunResult>> = {};
    for (const v of validators) byValidator[v.name] = runOne(v.validate.bind(v), run, expected);
    const result: RunResult = {
      id: run.id,
      caseName: run.caseName,
      kind: run.kind,
      module: run.module,
      expected,
      expectedIssues: run.expected.issue ?? [],
      unloaded: run.unloaded,
      byValidator,
    };
    results.push(result);
    options.onRun?.(result);
  }

  const tallies: Partial<Record<ValidatorName, Tally[]>> = {};
  for (const v of validators) tallies[v.name] = tally(results, v.name);
  return {
    validators: validators.map((v) => v.name),
    unavailable,
    notes,
    results,
    excluded,
    skipped: skipped.filter((s) => matchesSelection(s.module, s.caseName, options)),
    tallies,
  };
}

function matchesSelection(module: string, caseName: string, options: ConformanceOptions): boolean {
  return (
    (!options.module || module === options.module) && (!options.caseName || caseName === options.caseName)
  );
}

/** One validator on one run; a throw is a crash, recorded and compared as "no verdict". */
function runOne(
  validate: (run: ConformanceRun) => OperationOutcome,
  run: ConformanceRun,
  expected: OutcomeSummary,
): ValidatorRunResult {
  // Each validator gets its own copy: one that fills in a snapshot or normalises a resource
  // must not change what the next one sees.
  const own = structuredClone(run);
  const start = performance.now();
  try {
    const outcome = validate(own);
    const ms = performance.now() - start;
    const summary = summarise(outcome);
    return { summary, issues: outcome.issue ?? [], comparison: compare(expected, summary), ms };
  } catch (err) {
    const ms = performance.now() - start;
    return { issues: [], crashed: firstLine(err), comparison: compare(expected, undefined), ms };
  }
}

function tally(results: readonly RunResult[], name: ValidatorName): Tally[] {
  const byModule = new Map<string, Tally>();
  const total = emptyTally('total');
  for (const r of results) {
    const own = r.byValidator[name];
    if (!own) continue;
    let t = byModule.get(r.module);
    if (!t) byModule.set(r.module, (t = emptyTally(r.module)));
    add(t, r, own);
    add(total, r, own);
  }
  return [...[...byModule.values()].sort((a, b) => a.module.localeCompare(b.module)), total];
}

function emptyTally(module: string): Tally {
  return {
    module,
    runs: 0,
    validRuns: 0,
    validAgree: 0,
    invalidRuns: 0,
    invalidAgree: 0,
    countMatch: 0,
    elementRuns: 0,
    elementMatch: 0,
    crashed: 0,
    crashedOnInvalid: 0,
    ms: 0,
  };
}

function add(t: Tally, r: RunResult, own: ValidatorRunResult): void {
  const c = own.comparison;
  t.runs++;
  if (r.expected.valid) {
    t.validRuns++;
    if (c.verdictAgrees) t.validAgree++;
  } else {
    t.invalidRuns++;
    if (c.verdictAgrees) t.invalidAgree++;
  }
  if (c.countMatches) t.countMatch++;
  if (c.elementsMatch !== undefined) {
    t.elementRuns++;
    if (c.elementsMatch) t.elementMatch++;
  }
  if (own.crashed) {
    t.crashed++;
    if (!r.expected.valid) t.crashedOnInvalid++;
  }
  t.ms += own.ms;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
