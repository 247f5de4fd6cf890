/**
 * `npm run bench:validate`: median time per Bundle for overdracht, Medplum's validateResource,
 * FHIR.js and JSON.parse of the same bytes (the floor), on a 55-entry referral message and on
 * 1,000- and 10,000-entry messages of the same mix. When the profiles package has a referral
 * message example, it is measured too (it claims the project profiles, so overdracht checks those
 * as well). Prints the times, the ratios the targets name, each process's memory, how stable the
 * medians were, and which seeded defects each validator notices.
 *
 * Each subject runs in a process and heap of its own (worker.ts), on the same bytes, written once
 * to a temporary directory; the parent only schedules: a time-based warm-up per Bundle, then
 * rounds in which every process times one batch per Bundle in turn, in a rotating order.
 *
 *   --quick            fewer rounds and a short warm-up (a smoke run; the figures are rougher)
 *   --validator NAME   overdracht | medplum | fhir.js (repeatable; JSON.parse always runs)
 *   --cpu-prof         write a CPU profile per process to .cache/bench-validate-prof/
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/conformance/runner.js';
import { referralBundle } from './bundles.js';
import { loadReferralExample } from './example.js';
import { MeasuringProcess } from './process.js';
import type { SubjectName } from './protocol.js';
import type { DefectCounts, Measurement, Row } from './report.js';
import { defectsTable, ratiosTable, spreadTable, timesTable } from './report.js';
import { median, quantile } from './stats.js';
import type { ValidatorName } from './validators.js';
import { isValidatorName, VALIDATOR_NAMES } from './validators.js';

/** One Bundle under measurement and how it is timed. */
interface BenchCase {
  readonly key: string;
  readonly label: string;
  readonly text: string;
  /** Warm-up: at least this many runs, and at least the plan's `minMs`. */
  readonly minRuns: number;
  /** Timed runs per round, in one batch with a collection (untimed) before it. */
  readonly runs: number;
}

interface Plan {
  readonly rounds: number;
  readonly minMs: number;
  readonly capMs: number;
}

const PLANS = {
  full: { rounds: 9, minMs: 2_000, capMs: 10_000 },
  quick: { rounds: 3, minMs: 200, capMs: 2_000 },
} as const satisfies Record<string, Plan>;

/**
 * Batches of several runs even for the big Bundles: the first run after a full collection can be
 * much slower than the rest (optimised code that a collection invalidates), so a batch's median
 * is the steady state and the first runs are reported apart.
 */
const GENERATED = [
  { size: 55, label: '55 entries', minRuns: 30, runs: 15 },
  { size: 1_000, label: '1,000', minRuns: 5, runs: 5 },
  { size: 10_000, label: '10,000', minRuns: 2, runs: 2 },
] as const;

function benchCases(quick: boolean): BenchCase[] {
  const shrink = (c: Omit<BenchCase, 'key' | 'label' | 'text'>) =>
    quick ? { ...c, minRuns: 1, runs: Math.min(c.runs, 5) } : c;
  const cases: BenchCase[] = GENERATED.map((g) => ({
    key: String(g.size),
    label: g.label,
    text: JSON.stringify(referralBundle(g.size)),
    ...shrink(g),
  }));
  const example = loadReferralExample();
  if (example) {
    cases.push({
      key: 'example',
      label: `package example (${example.entry?.length ?? 0})`,
      text: JSON.stringify(example),
      ...shrink({ minRuns: 30, runs: 15 }),
    });
  }
  return cases;
}

interface Args {
  readonly quick: boolean;
  readonly cpuProf: boolean;
  readonly validators: readonly ValidatorName[];
}

function parseArgs(argv: readonly string[]): Args | string {
  const validators: ValidatorName[] = [];
  let [quick, cpuProf] = [false, false];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--cpu-prof') cpuProf = true;
    else if (arg === '--validator') {
      const value = argv[++i];
      if (!value || !isValidatorName(value)) return `--validator needs one of ${VALIDATOR_NAMES.join(', ')}`;
      validators.push(value);
    } else return `unknown argument '${arg}'`;
  }
  return { quick, cpuProf, validators: validators.length > 0 ? validators : [...VALIDATOR_NAMES] };
}

/** What the parent keeps of one process: its handle, set-up figures and the runs so far. */
interface Subject {
  readonly name: SubjectName;
  readonly process: MeasuringProcess;
  readonly setupMs: number;
  readonly heapAfterSetupMb: number;
  /** By case key: what the rounds measured. */
  readonly rounds: Map<string, Kept>;
}

/** Per round: the median of its batch and the batch's first run (the one after the collection). */
interface Kept {
  readonly medians: number[];
  readonly firsts: number[];
  readonly all: number[];
  /** Per round: main-thread CPU ms per run of the batch. */
  readonly cpu: number[];
  errors: number;
}

/** Starts the processes one after another, so no set-up competes with another for the cores. */
async function startAll(
  names: readonly SubjectName[],
  dir: string,
  args: Args,
  keys: string[],
): Promise<Subject[]> {
  const subjects: Subject[] = [];
  const profDir = join(PROJECT_ROOT, '.cache', 'bench-validate-prof');
  for (const name of names) {
    const nodeFlags = args.cpuProf
      ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}.cpuprofile`]
      : [];
    try {
      const { process: p, ready } = await MeasuringProcess.start(name, {
        dir,
        keys,
        cwd: PROJECT_ROOT,
        nodeFlags,
      });
      log(`${name}: set up in ${ready.setupMs.toFixed(0)} ms (Node ${ready.version})`);
      subjects.push({
        name,
        process: p,
        setupMs: ready.setupMs,
        heapAfterSetupMb: ready.heapAfterSetupMb,
        rounds: new Map(),
      });
    } catch (err) {
      log(`${name}: not available (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    }
  }
  return subjects;
}

/** Warms every process on every Bundle, one process at a time. */
async function warmUp(subjects: readonly Subject[], cases: readonly BenchCase[], plan: Plan): Promise<void> {
  for (const c of cases) {
    const parts: string[] = [];
    for (const s of subjects) {
      const request = {
        kind: 'warmup',
        key: c.key,
        minMs: plan.minMs,
        minRuns: c.minRuns,
        capMs: plan.capMs,
      } as const;
      const w = await s.process.ask(request, 'warmed');
      if (w.changedInput) log(`warning: ${s.name} changed the parsed ${c.label} Bundle while validating it`);
      parts.push(`${s.name} ${w.runs} runs`);
    }
    log(`warm-up, ${c.label}: ${parts.join(', ')}`);
  }
}

/**
 * One round: every process times one batch of every Bundle, the processes taking turns in an
 * order that rotates from round to round, so load from elsewhere falls on all of them alike.
 */
async function round(subjects: readonly Subject[], cases: readonly BenchCase[], n: number): Promise<void> {
  for (const c of cases) {
    for (let k = 0; k < subjects.length; k++) {
      const s = subjects[(n + k) % subjects.length];
      if (!s) continue;
      const b = await s.process.ask({ kind: 'batch', key: c.key, runs: c.runs }, 'batch');
      const kept = s.rounds.get(c.key) ?? { medians: [], firsts: [], all: [], cpu: [], errors: 0 };
      kept.cpu.push(b.cpuMsPerRun);
      kept.medians.push(median(b.times));
      kept.firsts.push(b.times[0] ?? 0);
      kept.all.push(...b.times);
      kept.errors = b.errors;
      s.rounds.set(c.key, kept);
    }
  }
}

function measurement(kept: Kept | undefined): Measurement | undefined {
  if (!kept || kept.all.length === 0) return undefined;
  const mid = median(kept.medians);
  const iqr = quantile(kept.medians, 0.75) - quantile(kept.medians, 0.25);
  return {
    median: mid,
    min: Math.min(...kept.all),
    spread: mid > 0 ? iqr / mid : 0,
    errors: kept.errors,
    firstAfterCollection: median(kept.firsts),
    cpuMedian: median(kept.cpu),
    roundMedians: kept.medians,
  };
}

/** Asks each validator for its defect counts, then every process for its peak memory, and ends it. */
async function finish(
  subjects: readonly Subject[],
  cases: readonly BenchCase[],
): Promise<{ rows: Row[]; found: DefectCounts[] }> {
  const rows: Row[] = [];
  const found: DefectCounts[] = [];
  for (const s of subjects) {
    if (s.name !== 'JSON.parse') {
      const d = await s.process.ask({ kind: 'defects' }, 'defects');
      found.push({ name: s.name, clean: d.clean, variants: d.variants });
    }
    const bye = await s.process.ask({ kind: 'exit' }, 'bye');
    rows.push({
      name: s.name,
      setupMs: s.setupMs,
      heapAfterSetupMb: s.heapAfterSetupMb,
      peakRssMb: bye.peakRssMb,
      peakHeapMb: bye.peakHeapMb,
      times: Object.fromEntries(cases.map((c) => [c.key, measurement(s.rounds.get(c.key))])),
    });
  }
  return { rows, found };
}

/** The Bundles' bytes, written once: every process reads the same files. */
function writeCases(cases: readonly BenchCase[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-validate-'));
  for (const c of cases) writeFileSync(join(dir, `${c.key}.json`), c.text);
  return dir;
}

async function measure(
  args: Args,
  cases: readonly BenchCase[],
  dir: string,
): Promise<{ rows: Row[]; found: DefectCounts[] }> {
  const plan: Plan = args.quick ? PLANS.quick : PLANS.full;
  const subjects = await startAll(
    ['JSON.parse', ...args.validators],
    dir,
    args,
    cases.map((c) => c.key),
  );
  const started = performance.now();
  await warmUp(subjects, cases, plan);
  for (let n = 0; n < plan.rounds; n++) {
    await round(subjects, cases, n);
    log(`round ${n + 1}/${plan.rounds} done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  return finish(subjects, cases);
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`bench:validate: ${args}\n`);
    return 2;
  }
  const cases = benchCases(args.quick);
  const dir = writeCases(cases);
  try {
    const { rows, found } = await measure(args, cases, dir);
    process.stdout.write(`\n${timesTable(rows, cases)}\n\n${spreadTable(rows, cases)}\n\n`);
    process.stdout.write(`${ratiosTable(rows, cases)}\n\n${ratiosTable(rows, cases, 'cpu')}\n\n`);
    process.stdout.write(`${defectsTable(found)}\n`);
    const plan = cases.map((c) => ({
      key: c.key,
      bytes: c.text.length,
      minRuns: c.minRuns,
      runs: c.runs,
    }));
    mkdirSync(join(PROJECT_ROOT, '.cache'), { recursive: true });
    writeFileSync(
      join(PROJECT_ROOT, '.cache', 'bench-validate.json'),
      JSON.stringify({ plan, rows, found }, null, 1),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench:validate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
