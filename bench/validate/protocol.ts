/**
 * What the benchmark's parent process and its measuring processes say to each other over the
 * IPC channel of `child_process.fork`: one request at a time, one reply to each.
 */
import type { ValidatorName } from './validators.js';

/** A timed subject: a validator, or `JSON.parse` of the Bundle's bytes (the floor). */
export type SubjectName = 'JSON.parse' | ValidatorName;

/** A Bundle under measurement, as the measuring process finds it: its bytes in a file. */
export interface CaseFile {
  readonly key: string;
  readonly path: string;
}

export type Request =
  | {
      readonly kind: 'warmup';
      readonly key: string;
      readonly minMs: number;
      readonly minRuns: number;
      readonly capMs: number;
    }
  | { readonly kind: 'batch'; readonly key: string; readonly runs: number }
  | { readonly kind: 'defects' }
  | { readonly kind: 'exit' };

export type Reply =
  | {
      readonly kind: 'ready';
      readonly version: string;
      readonly setupMs: number;
      readonly heapAfterSetupMb: number;
    }
  | { readonly kind: 'failed'; readonly message: string }
  | {
      readonly kind: 'warmed';
      readonly key: string;
      readonly runs: number;
      readonly ms: number;
      /** Whether validating changed the parsed Bundle (it would then no longer be the same bytes). */
      readonly changedInput: boolean;
    }
  | {
      readonly kind: 'batch';
      readonly key: string;
      readonly times: readonly number[];
      /**
       * Main-thread CPU time per run of the batch after its first run, in ms
       * (process.threadCpuUsage): unlike the wall-clock times it does not count time the process
       * waited for a core.
       */
      readonly cpuMsPerRun: number;
      readonly errors: number;
    }
  | {
      readonly kind: 'defects';
      /** Errors on the clean 55-entry Bundle, then on each one-defect variant; a string when it crashed. */
      readonly clean: number | string;
      readonly variants: readonly (number | string)[];
    }
  | { readonly kind: 'bye'; readonly peakRssMb: number; readonly peakHeapMb: number };

function hasKind(x: unknown): x is { kind: unknown } {
  return typeof x === 'object' && x !== null && 'kind' in x;
}

const REQUESTS: readonly string[] = ['warmup', 'batch', 'defects', 'exit'];
const REPLIES: readonly string[] = ['ready', 'failed', 'warmed', 'batch', 'defects', 'bye'];

/** Messages come from our own processes; checking the tag is enough to narrow them. */
export function isRequest(x: unknown): x is Request {
  return hasKind(x) && typeof x.kind === 'string' && REQUESTS.includes(x.kind);
}

export function isReply(x: unknown): x is Reply {
  return hasKind(x) && typeof x.kind === 'string' && REPLIES.includes(x.kind);
}
