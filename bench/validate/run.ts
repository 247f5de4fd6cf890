/**
 * `npm run bench:validate`: median time per Bundle for overdracht, Medplum's validateResource,
 * FHIR.js and JSON.parse of the same bytes (the floor), on a 55-entry referral message and on
 * 1,000- and 10,000-entry messages of the same mix, all in one process. When the profiles
 * package has a referral message example, it is measured too (it claims the project profiles,
 * so overdracht checks those as well). Prints the times, the ratios the targets name, heap use,
 * and which seeded defects each validator notices.
 *
 *   --quick            fewer repetitions (a smoke run; the figures are rougher)
 *   --validator NAME   overdracht | medplum | fhir.js (repeatable; JSON.parse always runs)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { formatTable } from '../../scripts/conformance/report.js';
import { PROJECT_ROOT } from '../../scripts/conformance/runner.js';
import { referralBundle } from './bundles.js';
import { defects } from './defects.js';
import { loadReferralExample } from './example.js';
import type { BenchValidator, ValidatorName } from './validators.js';
import { createBenchValidator, isValidatorName, VALIDATOR_NAMES } from './validators.js';

/** One Bundle under measurement, with its repetitions: fewer for the big ones, to stay within minutes. */
interface BenchCase {
  readonly key: string;
  readonly label: string;
  readonly bundle: Bundle;
  readonly text: string;
  readonly warmup: number;
  readonly reps: number;
  /**
   * Collect garbage before each timed run (untimed), so one subject does not pay for another's
   * garbage; worth it for the big Bundles, where a full collection of a large heap is most of the noise.
   */
  readonly settle: boolean;
}

const GENERATED = [
  { size: 55, label: '55 entries', warmup: 30, reps: 60, quick: { warmup: 5, reps: 10 } },
  { size: 1_000, label: '1,000', warmup: 3, reps: 12, quick: { warmup: 1, reps: 3 } },
  { size: 10_000, label: '10,000', warmup: 1, reps: 5, quick: { warmup: 0, reps: 1 } },
] as const;

function benchCases(quick: boolean): BenchCase[] {
  const cases: BenchCase[] = GENERATED.map((g) => {
    const bundle = referralBundle(g.size);
    const plan = quick ? g.quick : g;
    const settle = g.size >= 1_000;
    return {
      key: String(g.size),
      label: g.label,
      bundle,
      text: JSON.stringify(bundle),
      settle,
      ...pick(plan),
    };
  });
  const example = loadReferralExample();
  if (example) {
    const n = example.entry?.length ?? 0;
    const plan = quick ? { warmup: 5, reps: 10 } : { warmup: 30, reps: 60 };
    cases.push({
      key: 'example',
      label: `package example (${n})`,
      bundle: example,
      text: JSON.stringify(example),
      settle: false,
      ...plan,
    });
  }
  return cases;
}

function pick(plan: { warmup: number; reps: number }): { warmup: number; reps: number } {
  return { warmup: plan.warmup, reps: plan.reps };
}

interface Measurement {
  readonly median: number;
  readonly min: number;
  readonly errors: number;
}

interface Row {
  readonly name: string;
  readonly setupMs: number;
  readonly heapAfterSetupMb: number;
  /** By case key. */
  readonly times: Readonly<Record<string, Measurement | undefined>>;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function errorCount(o: OperationOutcome): number {
  return (o.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal').length;
}

function heapMb(): number {
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Collects garbage when the process was started with --expose-gc, so heap figures mean something. */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Something timed: a validator, or JSON.parse of the Bundle's bytes. */
interface Subject {
  readonly name: string;
  run(c: BenchCase): OperationOutcome;
}

/**
 * Times every subject on one Bundle size, interleaved: each round runs every subject once, in a
 * rotating order, so load from other processes on a shared machine falls on all of them alike.
 */
function measureCase(subjects: readonly Subject[], c: BenchCase, peak: { mb: number }): Measurement[] {
  const { warmup, reps } = c;
  const errors = subjects.map((s) => {
    let n = 0;
    for (let i = 0; i < warmup; i++) n = errorCount(s.run(c));
    return n;
  });
  const times: number[][] = subjects.map(() => []);
  for (let round = 0; round < reps; round++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (round + k) % subjects.length;
      const subject = subjects[i];
      if (!subject) continue;
      if (c.settle) collect();
      const start = performance.now();
      errors[i] = errorCount(subject.run(c));
      times[i]?.push(performance.now() - start);
      peak.mb = Math.max(peak.mb, heapMb());
    }
  }
  return subjects.map((_, i) => {
    const t = times[i] ?? [];
    return { median: median(t), min: Math.min(...t), errors: errors[i] ?? 0 };
  });
}

function parseArgs(argv: readonly string[]): { quick: boolean; validators: ValidatorName[] } | string {
  const validators: ValidatorName[] = [];
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--validator') {
      const value = argv[++i];
      if (!value || !isValidatorName(value)) return `--validator needs one of ${VALIDATOR_NAMES.join(', ')}`;
      validators.push(value);
    } else return `unknown argument '${arg}'`;
  }
  return { quick, validators: validators.length > 0 ? validators : [...VALIDATOR_NAMES] };
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`bench:validate: ${args}\n`);
    return 2;
  }
  const cases = benchCases(args.quick);
  if (!(globalThis as { gc?: unknown }).gc) log('note: run with --expose-gc for settled heap figures');
  const setups = await setUp(args.validators);
  const validators = setups.map((s) => s.v);
  const subjects: Subject[] = [
    { name: 'JSON.parse', run: (c) => (JSON.parse(c.text), { resourceType: 'OperationOutcome', issue: [] }) },
    ...validators.map((v) => ({ name: v.name, run: (c: BenchCase) => v.validate(c.bundle) })),
  ];

  const peak = { mb: heapMb() };
  const byCase = new Map<string, Measurement[]>();
  for (const c of cases) {
    const m = measureCase(subjects, c, peak);
    byCase.set(c.key, m);
    log(`${c.label}: ${subjects.map((s, i) => `${s.name} ${m[i]?.median.toFixed(2)} ms`).join(', ')}`);
  }
  const rows: Row[] = subjects.map((subject, i) => {
    const setup = setups.find((x) => x.v.name === subject.name);
    const times = Object.fromEntries(cases.map((c) => [c.key, byCase.get(c.key)?.[i]]));
    return {
      name: subject.name,
      setupMs: setup?.setupMs ?? 0,
      heapAfterSetupMb: setup?.heapAfterSetupMb ?? 0,
      times,
    };
  });

  process.stdout.write(`\n${timesTable(rows, cases)}\n`);
  process.stdout.write(`(process heap peak during the timed runs: ${peak.mb.toFixed(0)} MB)\n\n`);
  process.stdout.write(`${ratiosTable(rows, cases)}\n\n${defectsTable(validators)}\n`);
  mkdirSync(join(PROJECT_ROOT, '.cache'), { recursive: true });
  const plan = cases.map((c) => ({
    key: c.key,
    entries: c.bundle.entry?.length ?? 0,
    warmup: c.warmup,
    reps: c.reps,
  }));
  writeFileSync(join(PROJECT_ROOT, '.cache', 'bench-validate.json'), JSON.stringify({ plan, rows }, null, 1));
  return 0;
}

/** Set-up one validator at a time, so each heap figure is its own. */
async function setUp(
  names: readonly ValidatorName[],
): Promise<{ v: BenchValidator; setupMs: number; heapAfterSetupMb: number }[]> {
  const setups: { v: BenchValidator; setupMs: number; heapAfterSetupMb: number }[] = [];
  for (const name of names) {
    collect();
    const heapBefore = heapMb();
    const start = performance.now();
    try {
      const v = await createBenchValidator(name);
      const setupMs = performance.now() - start;
      collect();
      setups.push({ v, setupMs, heapAfterSetupMb: heapMb() - heapBefore });
    } catch (err) {
      log(`${name}: not available (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    }
  }
  return setups;
}

function ms(m: Measurement | undefined): string {
  return m ? m.median.toFixed(m.median < 10 ? 2 : 1) : '-';
}

function timesTable(rows: readonly Row[], cases: readonly BenchCase[]): string {
  const header = [
    'median ms per Bundle',
    ...cases.map((c) => c.label),
    '10,000 / 1,000',
    'errors',
    'setup ms',
    'heap after setup MB',
    'fastest run, ms',
  ];
  const body = rows.map((r) => [
    r.name,
    ...cases.map((c) => ms(r.times[c.key])),
    fold(r.times['10000'], r.times['1000']),
    cases.map((c) => String(r.times[c.key]?.errors ?? '-')).join('/'),
    r.setupMs.toFixed(0),
    r.heapAfterSetupMb.toFixed(0),
    cases.map((c) => r.times[c.key]?.min.toFixed(2) ?? '-').join(' / '),
  ]);
  return formatTable(header, body);
}

function fold(a: Measurement | undefined, b: Measurement | undefined): string {
  return a && b && b.median > 0 ? `${(a.median / b.median).toFixed(2)}x` : '-';
}

/** The ratios the targets name, each with its target and whether this run meets it. */
function ratiosTable(rows: readonly Row[], cases: readonly BenchCase[]): string {
  const by = (name: string): Row | undefined => rows.find((r) => r.name === name);
  const [ov, medplum, floor, fhirjs] = [by('overdracht'), by('medplum'), by('JSON.parse'), by('fhir.js')];
  const lines: string[][] = [];
  const add = (what: string, value: number | undefined, target: string, ok: (v: number) => boolean): void => {
    const met = value === undefined ? '-' : ok(value) ? 'yes' : 'NO';
    lines.push([what, value === undefined ? '-' : `${value.toFixed(2)}x`, target, met]);
  };
  const r = (a: Row | undefined, b: Row | undefined, key: string): number | undefined => {
    const [x, y] = [a?.times[key], b?.times[key]];
    return x && y && y.median > 0 ? x.median / y.median : undefined;
  };
  const label = (key: string): string => cases.find((c) => c.key === key)?.label ?? key;
  add(`Medplum / overdracht, ${label('55')}`, r(medplum, ov, '55'), '>= 5x faster', (v) => v >= 5);
  add(`Medplum / overdracht, ${label('10000')}`, r(medplum, ov, '10000'), '>= 5x faster', (v) => v >= 5);
  const linear =
    ov?.times['10000'] && ov.times['1000'] ? ov.times['10000'].median / ov.times['1000'].median : undefined;
  add('overdracht 10,000 / 1,000', linear, '<= 12x (linear)', (v) => v <= 12);
  for (const c of cases.filter((x) => x.key !== 'example')) {
    add(`overdracht / JSON.parse, ${c.label}`, r(ov, floor, c.key), '<= 5x', (v) => v <= 5);
  }
  add(`FHIR.js / overdracht, ${label('55')}`, r(fhirjs, ov, '55'), '(peer, no target)', () => true);
  if (cases.some((c) => c.key === 'example')) {
    add(
      `Medplum / overdracht, ${label('example')}`,
      r(medplum, ov, 'example'),
      '(profiles checked, no target)',
      () => true,
    );
  }
  return formatTable(['ratio', 'measured', 'target', 'met'], lines, 1);
}

/**
 * Which one-defect variant of the 55-entry Bundle each validator reports: more errors than on the
 * clean Bundle counts as noticed.
 */
function defectsTable(validators: readonly BenchValidator[]): string {
  const clean = referralBundle(55);
  const header = ['defect (one per Bundle)', 'rule', ...validators.map((v) => v.name)];
  const list = defects();
  const baseline = validators.map((v) => errorsOn(v, clean));
  const found = (i: number, d: (typeof list)[number]): boolean => {
    const v = validators[i];
    const before = baseline[i];
    const after = v ? errorsOn(v, d.bundle) : 'crash';
    return typeof after === 'number' && typeof before === 'number' && after > before;
  };
  const body = list.map((d) => [d.name, d.rule, ...validators.map((_, i) => (found(i, d) ? 'error' : '-'))]);
  body.push(['none (the clean Bundle)', 'errors reported', ...baseline.map(String)]);
  const totals = validators.map((_, i) => `${list.filter((d) => found(i, d)).length}/${list.length}`);
  body.push(['defects caught', '', ...totals]);
  return formatTable(header, body, 2);
}

function errorsOn(v: BenchValidator, bundle: Bundle): number | string {
  try {
    return errorCount(v.validate(bundle));
  } catch {
    return 'crash';
  }
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
