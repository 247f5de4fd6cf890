/**
 * One measuring process of `npm run bench:validate`: it sets up one subject (a validator, or
 * JSON.parse as the floor), reads the Bundles' bytes from the files the parent wrote, and then
 * times what the parent asks for, one request at a time, so that every subject has a process and
 * a heap of its own.
 *
 *   worker.ts SUBJECT DIR KEY...   (DIR/KEY.json are the Bundles; started by run.ts with fork)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { referralBundle } from './bundles.js';
import { defects } from './defects.js';
import type { Reply, Request, SubjectName } from './protocol.js';
import { isRequest } from './protocol.js';
import { canCollect, collect, errorCount, heapMb, peakRssMb } from './stats.js';
import type { BenchValidator } from './validators.js';
import { createBenchValidator, isValidatorName } from './validators.js';

/** The subject as this process times it. */
interface Subject {
  /** Runs once on the Bundle of `key`; answers the number of errors reported. */
  run(key: string): number;
  /** Whether the parsed Bundle no longer serialises to its bytes (a validator wrote into it). */
  changedInput(key: string): boolean;
  readonly validator?: BenchValidator;
}

/** Keeps JSON.parse results reachable, so the parse cannot be skipped as dead code. */
let sink: unknown;

function jsonParseSubject(texts: ReadonlyMap<string, string>): Subject {
  return {
    run(key) {
      sink = JSON.parse(texts.get(key) ?? 'null');
      return sink === undefined ? 1 : 0;
    },
    changedInput: () => false,
  };
}

/** The Bundle is parsed once, here, outside any timed region: the validators time validation only. */
function validatorSubject(validator: BenchValidator, texts: ReadonlyMap<string, string>): Subject {
  const parsed = new Map([...texts].map(([key, text]) => [key, JSON.parse(text) as Bundle]));
  return {
    validator,
    run(key) {
      const bundle = parsed.get(key);
      if (!bundle) throw new Error(`no Bundle '${key}'`);
      return errorCount(validator.validate(bundle));
    },
    changedInput: (key) => JSON.stringify(parsed.get(key)) !== texts.get(key),
  };
}

const peak = { heapMb: 0 };

function timed(subject: Subject, key: string): { ms: number; errors: number } {
  const start = performance.now();
  const errors = subject.run(key);
  const ms = performance.now() - start;
  peak.heapMb = Math.max(peak.heapMb, heapMb());
  return { ms, errors };
}

/** Runs until both `minMs` and `minRuns` are reached, or `capMs` has passed (at least once). */
function warmUp(subject: Subject, r: Extract<Request, { kind: 'warmup' }>): Reply {
  const start = performance.now();
  let runs = 0;
  let elapsed = 0;
  do {
    timed(subject, r.key);
    runs++;
    elapsed = performance.now() - start;
  } while ((elapsed < r.minMs || runs < r.minRuns) && elapsed < r.capMs);
  return { kind: 'warmed', key: r.key, runs, ms: elapsed, changedInput: subject.changedInput(r.key) };
}

/** A collection before the batch, untimed, so no run pays for garbage left by earlier work. */
function batch(subject: Subject, r: Extract<Request, { kind: 'batch' }>): Reply {
  const times: number[] = [];
  let errors = 0;
  collect();
  // CPU time is counted from the second run on (from the first when there is only one): the
  // first run after a collection is reported apart, as the median of the wall times leaves it out.
  let cpuBefore = process.threadCpuUsage();
  for (let i = 0; i < r.runs; i++) {
    const t = timed(subject, r.key);
    times.push(t.ms);
    errors = t.errors;
    if (i === 0 && r.runs > 1) cpuBefore = process.threadCpuUsage();
  }
  const cpu = process.threadCpuUsage(cpuBefore);
  const counted = r.runs > 1 ? r.runs - 1 : 1;
  return { kind: 'batch', key: r.key, times, cpuMsPerRun: (cpu.user + cpu.system) / 1000 / counted, errors };
}

function errorsOn(v: BenchValidator, bundle: Bundle): number | string {
  try {
    return errorCount(v.validate(bundle));
  } catch (err) {
    process.stderr.write(`${v.name} crashed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 'crash';
  }
}

function defectCounts(subject: Subject): Reply {
  const v = subject.validator;
  if (!v) return { kind: 'defects', clean: '-', variants: [] };
  return {
    kind: 'defects',
    clean: errorsOn(v, referralBundle(55)),
    variants: defects().map((d) => errorsOn(v, d.bundle)),
  };
}

function answer(subject: Subject, r: Request): Reply {
  switch (r.kind) {
    case 'warmup':
      return warmUp(subject, r);
    case 'batch':
      return batch(subject, r);
    case 'defects':
      return defectCounts(subject);
    case 'exit':
      return { kind: 'bye', peakRssMb: peakRssMb(), peakHeapMb: peak.heapMb };
    default:
      return r satisfies never;
  }
}

function send(reply: Reply): void {
  process.send?.(reply);
}

/** Sets up the subject alone first, so the heap figure is the validator's own. */
async function setUp(name: SubjectName, texts: ReadonlyMap<string, string>): Promise<Subject> {
  collect();
  const heapBefore = heapMb();
  const start = performance.now();
  const validator = isValidatorName(name) ? await createBenchValidator(name) : undefined;
  const setupMs = performance.now() - start;
  collect();
  const heapAfterSetupMb = validator ? heapMb() - heapBefore : 0;
  send({ kind: 'ready', version: process.version, setupMs: validator ? setupMs : 0, heapAfterSetupMb });
  return validator ? validatorSubject(validator, texts) : jsonParseSubject(texts);
}

async function main(): Promise<void> {
  const [name, dir, ...keys] = process.argv.slice(2);
  if (name !== 'JSON.parse' && !(name && isValidatorName(name))) throw new Error(`unknown subject '${name}'`);
  if (!dir || !canCollect()) throw new Error('usage: node --expose-gc worker.ts SUBJECT DIR KEY...');
  const texts = new Map(keys.map((key) => [key, readFileSync(join(dir, `${key}.json`), 'utf8')]));
  const subject = await setUp(name, texts);
  process.on('message', (message: unknown) => {
    if (!isRequest(message)) return;
    send(answer(subject, message));
    if (message.kind === 'exit') process.disconnect();
  });
}

main().catch((err: unknown) => {
  send({ kind: 'failed', message: err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err) });
  process.disconnect?.();
});
