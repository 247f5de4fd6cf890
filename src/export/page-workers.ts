/**
 * One worker thread per process for the page step (parse, pseudonymise, stringify), so that
 * reading pages from the store, the main thread and the page step overlap. The gateway's export
 * service starts the thread with the first export and ends it after a few minutes without one,
 * so that its heap (the R4 definitions, the terminology: about 140 MB) is held only while
 * platforms export; its start-up (0.6-1.2 s) is paid once per busy period. `close` ends it.
 *
 * Per job the policy, the policy's key and the postcode areas go to the worker once (structured
 * clone: Maps and Sets survive; the key as its bytes), then the pages, each with a sequence
 * number. If the worker cannot start, cannot take a job, or dies, every page it still owes and
 * every later page is done on the main thread (`packPage`): the output is the same, as
 * pseudonyms and date offsets are computed from the key alone, never from what came before.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../observability/logger.js';
import { inlinePages, packPage, type ExportPage, type PackedPage, type PageTransform } from './pages.js';
import {
  policyKey,
  type KeyRing,
  type Policy,
  type PostcodeAreas,
  type PseudonymiseOptions,
} from './pseudonymise/index.js';

/** What the worker is started with. */
export interface WorkerSetup {
  /** Whether displays come from the terminology (the worker builds its own `displayOf`). */
  displays: boolean;
}

export type ToWorker =
  | {
      kind: 'begin';
      job: number;
      policy: Policy;
      keyId: string;
      secret: Buffer;
      demo: boolean;
      postcodeAreas?: PostcodeAreas;
    }
  | { kind: 'page'; job: number; seq: number; page: ExportPage }
  | { kind: 'end'; job: number };

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'page'; seq: number; result: PackedPage }
  /** The worker does not know the page's job: the page is done on the main thread. */
  | { kind: 'lost'; seq: number };

/** The page step of one job; `end` drops the job's state (its memos) wherever it lives. */
export interface JobPages {
  transform: PageTransform;
  end(): void;
}

interface Pending {
  inline(): PackedPage;
  resolve(result: PackedPage): void;
  reject(err: unknown): void;
}

/** The worker's code: compiled JavaScript next to this file, or TypeScript through tsx. */
function entry(): { url: URL; execArgv: string[] } {
  const typescript = import.meta.url.endsWith('.ts');
  return {
    url: new URL(typescript ? './page-worker.ts' : './page-worker.js', import.meta.url),
    execArgv: typescript ? ['--import', 'tsx'] : [],
  };
}

/** The page step on the main thread, for one job. */
export function inlineJob(policy: Policy, keys: KeyRing, options: PseudonymiseOptions): JobPages {
  return { transform: inlinePages(policy, keys, options), end: () => undefined };
}

/** When the thread runs: from the start, or from the first job until it has been idle for `idleMs`. */
export interface WorkerLifetime {
  /** Start on the first job, not at once, and end after this many ms without a job. */
  idleMs?: number;
  /**
   * Pages the worker may have waiting (besides the one it works on) before the main thread does
   * a page itself; default 1. `Infinity` leaves every page to the worker.
   */
  queue?: number;
}

/** Pages waiting in the worker before the main thread takes one itself. */
const DEFAULT_QUEUE = 1;

export class PageWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private started: Promise<boolean> = Promise.resolve(false);
  private closing = false;
  private closed = false;
  private jobs = 0;
  /** Jobs begun and not yet ended. */
  private open = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  /** Pages the worker has answered (for tests and measurements). */
  answered = 0;
  /** Pages the main thread did because the worker had enough waiting (for tests and measurements). */
  sharedOut = 0;

  private constructor(
    private readonly setup: WorkerSetup,
    private readonly logger: Logger,
    private readonly lifetime: WorkerLifetime,
  ) {
    if (lifetime.idleMs === undefined) this.spawn();
  }

  private spawn(): void {
    let settle: (ok: boolean) => void = () => undefined;
    this.started = new Promise((resolve) => (settle = resolve));
    this.closing = false;
    try {
      const { url, execArgv } = entry();
      const worker = new Worker(url, { workerData: this.setup, execArgv });
      // Idle, the worker does not keep the process alive; with pages owed it does.
      worker.unref();
      worker.on('message', (message: FromWorker) => {
        if (message.kind === 'ready') settle(true);
        else this.answer(message);
      });
      worker.on('error', (err) => {
        this.logger.warn('export.page-worker-error', { errorType: err.name });
      });
      worker.on('exit', () => {
        settle(false);
        if (this.worker === worker) this.gone();
      });
      this.worker = worker;
    } catch (err) {
      this.logger.warn('export.page-worker-error', {
        errorType: err instanceof Error ? err.name : typeof err,
      });
      settle(false);
    }
  }

  /**
   * A worker: started now (the default), or with `idleMs` on the first job and ended after that
   * long without one (its heap - the R4 definitions and the terminology - is then given back).
   */
  static start(setup: WorkerSetup, logger: Logger, lifetime: WorkerLifetime = {}): PageWorker {
    return new PageWorker(setup, logger, lifetime);
  }

  /** Resolves when the worker has loaded what it needs (true) or could not (false). */
  ready(): Promise<boolean> {
    return this.started;
  }

  /** Whether a worker is running (false after `close`, once it died, or while idle-ended). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** The worker's heap, for measurements; undefined when no worker runs. */
  async heapUsed(): Promise<number | undefined> {
    const stats = await this.worker?.getHeapStatistics();
    return stats?.used_heap_size;
  }

  /** A job begins: a lazy worker starts (again) if it is not running. */
  private beginJob(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.open++;
    if (!this.worker && !this.closed && this.lifetime.idleMs !== undefined) this.spawn();
  }

  /** A job ended: a lazy worker ends once no job has begun for `idleMs`. */
  private endJob(): void {
    this.open = Math.max(0, this.open - 1);
    const idleMs = this.lifetime.idleMs;
    if (idleMs === undefined || this.open > 0 || !this.worker) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.open > 0 || this.pending.size > 0 || !this.worker) return;
      this.closing = true;
      const worker = this.worker;
      this.worker = undefined;
      void worker.terminate();
    }, idleMs);
    this.idleTimer.unref();
  }

  /** The page step of one job: in the worker while it runs, else on the main thread. */
  pages(policy: Policy, keys: KeyRing, options: PseudonymiseOptions): JobPages {
    const inline = inlineJob(policy, keys, options);
    // The worker has its own displays (or none) and the shared R4 definitions only.
    if (options.model || (options.displayOf !== undefined) !== this.setup.displays) return inline;
    this.beginJob();
    if (!this.worker) {
      this.endJob();
      return inline;
    }
    const job = ++this.jobs;
    const key = policyKey(policy, keys);
    try {
      this.worker.postMessage({
        kind: 'begin',
        job,
        policy,
        keyId: key.id,
        secret: key.secret.export(),
        demo: key.demo,
        ...(options.postcodeAreas ? { postcodeAreas: options.postcodeAreas } : {}),
      } satisfies ToWorker);
    } catch (err) {
      this.logger.warn('export.page-worker-begin', {
        errorType: err instanceof Error ? err.name : typeof err,
      });
      this.endJob();
      return inline;
    }
    let ended = false;
    const queue = this.lifetime.queue ?? DEFAULT_QUEUE;
    return {
      transform: (page) => {
        const inline = () => packPage(page, policy, keys, options);
        // The worker is busy and has pages waiting: this one is done here, so that both threads
        // work instead of the main thread waiting for the worker.
        if (this.worker && this.pending.size > queue) {
          this.sharedOut++;
          return Promise.resolve(inline());
        }
        return this.send(job, page, inline);
      },
      end: () => {
        if (ended) return;
        ended = true;
        this.worker?.postMessage({ kind: 'end', job } satisfies ToWorker);
        this.endJob();
      },
    };
  }

  private send(job: number, page: ExportPage, inline: () => PackedPage): Promise<PackedPage> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(inline());
    return new Promise((resolve, reject) => {
      const seq = ++this.seq;
      this.pending.set(seq, { inline, resolve, reject });
      worker.ref();
      worker.postMessage({ kind: 'page', job, seq, page } satisfies ToWorker);
    });
  }

  private answer(message: Exclude<FromWorker, { kind: 'ready' }>): void {
    const owed = this.pending.get(message.seq);
    if (!owed) return;
    this.pending.delete(message.seq);
    if (this.pending.size === 0) this.worker?.unref();
    if (message.kind === 'page') {
      this.answered++;
      owed.resolve(message.result);
    } else runInline(owed);
  }

  /** The worker ended: what it owed is done here, and so is everything after. */
  private gone(): void {
    this.worker = undefined;
    if (!this.closing) this.logger.warn('export.page-worker-exit', { owed: this.pending.size });
    const owed = [...this.pending.values()];
    this.pending.clear();
    for (const p of owed) runInline(p);
  }

  /** Ends the worker; pages still owed are done on the main thread. */
  async close(): Promise<void> {
    this.closing = true;
    this.closed = true;
    clearTimeout(this.idleTimer);
    await this.worker?.terminate();
  }
}

function runInline(p: Pending): void {
  try {
    p.resolve(p.inline());
  } catch (err) {
    p.reject(err);
  }
}
