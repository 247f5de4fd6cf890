/**
 * `npm run bench:validate`: median time per Bundle for overdracht, Medplum's validateResource,
 * FHIR.js and JSON.parse of the same bytes (the floor), on a 55-entry referral message and on
 * 1,000- and 10,000-entry messages of the same mix, all in one process. Prints the times, the
 * ratios the targets name, heap use, and which seeded defects each validator notices.
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
import type { BenchValidator, ValidatorName } from './validators.js';
import { createBenchValidator, isValidatorName, VALIDATOR_NAMES } from './validators.js';
import { loadReferralExample } from './example.js';

const SIZES = [55, 1_000, 10_000] as const;
type Size = (typeof SIZES)[number];

/** Warm-up and measured repetitions per size: fewer for the big Bundles, to stay within minutes. */
const PLAN: Record<Size, { warmup: number; reps: number }> = {
  55: { warmup: 30, reps: 60 },
  1_000: { warmup: 3, reps: 12 },
  10_000: { warmup: 1, reps: 5 },
};
const QUICK_PLAN: Record<Size, { warmup: number; reps: number }> = {
  55: { warmup: 5, reps: 10 },
  1_000: { warmup: 1, reps: 3 },
  10_000: { warmup: 0, reps: 1 },
};

interface Measurement {
  readonly median: number;
  readonly min: number;
  readonly errors: number;
}

interface Row {
  readonly name: string;
  readonly setupMs: number;
  readonly heapAfterSetupMb: number;
  readonly peakHeapMb: number;
  readonly times: Partial<Record<Size, Measurement>>;
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

function measure(
  run: () => OperationOutcome,
  warmup: number,
  reps: number,
  peak: { mb: number },
): Measurement {
  let errors = 0;
  for (let i = 0; i < warmup; i++) errors = errorCount(run());
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    const outcome = run();
    times.push(performance.now() - start);
    errors = errorCount(outcome);
    peak.mb = Math.max(peak.mb, heapMb());
  }
  return { median: median(times), min: Math.min(...times), errors };
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
  const plan = args.quick ? QUICK_PLAN : PLAN;
  const example = loadReferralExample();
  const bundles = new Map<Size, { parsed: Bundle; text: string }>();
  for (const size of SIZES) {
    const parsed = size === 55 && example ? example : referralBundle(size);
    bundles.set(size, { parsed, text: JSON.stringify(parsed) });
  }
  const source = example ? "the package's referral message example" : 'the generated referral message';
  log(
    `55-entry Bundle: ${source} (${bundles.get(55)?.parsed.entry?.length ?? 0} entries); larger Bundles: the generated mix`,
  );
  if (!(globalThis as { gc?: unknown }).gc) log('note: run with --expose-gc for settled heap figures');

  const rows: Row[] = [floorRow(bundles, plan)];
  const validators: BenchValidator[] = [];
  for (const name of args.validators) {
    collect();
    const heapBefore = heapMb();
    const start = performance.now();
    let v: BenchValidator;
    try {
      v = await createBenchValidator(name);
    } catch (err) {
      log(`${name}: not available (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
      continue;
    }
    const setupMs = performance.now() - start;
    collect();
    const heapAfterSetupMb = heapMb() - heapBefore;
    const peak = { mb: heapMb() };
    const times: Partial<Record<Size, Measurement>> = {};
    for (const size of SIZES) {
      const b = bundles.get(size);
      if (!b) continue;
      times[size] = measure(() => v.validate(b.parsed), plan[size].warmup, plan[size].reps, peak);
      log(`${name} ${size}: ${times[size]?.median.toFixed(2)} ms`);
    }
    validators.push(v);
    rows.push({ name, setupMs, heapAfterSetupMb, peakHeapMb: peak.mb, times });
  }

  process.stdout.write(`\n${timesTable(rows)}\n\n${ratiosTable(rows)}\n\n${defectsTable(validators)}\n`);
  mkdirSync(join(PROJECT_ROOT, '.cache'), { recursive: true });
  writeFileSync(join(PROJECT_ROOT, '.cache', 'bench-validate.json'), JSON.stringify({ plan, rows }, null, 1));
  return 0;
}

/** JSON.parse of each Bundle's bytes: the floor every validator is compared with. */
function floorRow(
  bundles: ReadonlyMap<Size, { text: string }>,
  plan: Record<Size, { warmup: number; reps: number }>,
): Row {
  const times: Partial<Record<Size, Measurement>> = {};
  const peak = { mb: heapMb() };
  for (const size of SIZES) {
    const text = bundles.get(size)?.text ?? '{}';
    // Parsing is cheap; more repetitions give a steadier floor.
    const reps = plan[size].reps * 3;
    times[size] = measure(
      () => (JSON.parse(text), { resourceType: 'OperationOutcome', issue: [] }),
      plan[size].warmup + 2,
      reps,
      peak,
    );
  }
  return { name: 'JSON.parse', setupMs: 0, heapAfterSetupMb: 0, peakHeapMb: peak.mb, times };
}

function ms(m: Measurement | undefined): string {
  return m ? m.median.toFixed(m.median < 10 ? 2 : 1) : '-';
}

function timesTable(rows: readonly Row[]): string {
  const header = [
    'median ms per Bundle',
    '55 entries',
    '1,000',
    '10,000',
    '10,000 / 1,000',
    'errors (55/1k/10k)',
    'setup ms',
    'heap after setup MB',
    'peak heap MB',
  ];
  const body = rows.map((r) => [
    r.name,
    ms(r.times[55]),
    ms(r.times[1_000]),
    ms(r.times[10_000]),
    fold(r.times[10_000], r.times[1_000]),
    SIZES.map((s) => String(r.times[s]?.errors ?? '-')).join('/'),
    r.setupMs.toFixed(0),
    r.heapAfterSetupMb.toFixed(0),
    r.peakHeapMb.toFixed(0),
  ]);
  return formatTable(header, body);
}

function fold(a: Measurement | undefined, b: Measurement | undefined): string {
  return a && b && b.median > 0 ? `${(a.median / b.median).toFixed(2)}x` : '-';
}

/** The ratios the targets name, each with its target and whether this run meets it. */
function ratiosTable(rows: readonly Row[]): string {
  const by = (name: string): Row | undefined => rows.find((r) => r.name === name);
  const ov = by('overdracht');
  const medplum = by('medplum');
  const floor = by('JSON.parse');
  const lines: string[][] = [];
  const add = (what: string, value: number | undefined, target: string, ok: (v: number) => boolean): void => {
    lines.push([
      what,
      value === undefined ? '-' : `${value.toFixed(2)}x`,
      target,
      value === undefined ? '-' : ok(value) ? 'yes' : 'NO',
    ]);
  };
  const r = (a: Measurement | undefined, b: Measurement | undefined): number | undefined =>
    a && b && b.median > 0 ? a.median / b.median : undefined;
  add(
    'Medplum / overdracht, 55 entries',
    r(medplum?.times[55], ov?.times[55]),
    '>= 5x faster',
    (v) => v >= 5,
  );
  add(
    'Medplum / overdracht, 10,000 entries',
    r(medplum?.times[10_000], ov?.times[10_000]),
    '>= 5x faster',
    (v) => v >= 5,
  );
  add(
    'overdracht 10,000 / 1,000 entries',
    r(ov?.times[10_000], ov?.times[1_000]),
    '<= 12x (linear)',
    (v) => v <= 12,
  );
  for (const size of SIZES) {
    add(
      `overdracht / JSON.parse, ${size} entries`,
      r(ov?.times[size], floor?.times[size]),
      '<= 5x',
      (v) => v <= 5,
    );
  }
  const fhirjs = by('fhir.js');
  add(
    'FHIR.js / overdracht, 55 entries',
    r(fhirjs?.times[55], ov?.times[55]),
    '(peer, no target)',
    () => true,
  );
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
