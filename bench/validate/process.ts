/**
 * The parent's handle on one measuring process (worker.ts): started with `fork` on the same Node
 * binary, with `--expose-gc` and the tsx loader, and asked one request at a time.
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Reply, Request, SubjectName } from './protocol.js';
import { isReply } from './protocol.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface StartOptions {
  readonly dir: string;
  readonly keys: readonly string[];
  readonly cwd: string;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags: readonly string[];
}

type ReplyOf<K extends Reply['kind']> = Extract<Reply, { kind: K }>;

export class MeasuringProcess {
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  private ended: Error | undefined;

  private constructor(
    readonly name: SubjectName,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (m: unknown) => this.settle(m));
    child.on('error', (err) => this.end(err));
    child.on('exit', (code, signal) => this.end(new Error(`${name}: process ended (${signal ?? code})`)));
  }

  /** Starts the process and waits until its subject is set up. */
  static async start(
    name: SubjectName,
    o: StartOptions,
  ): Promise<{ process: MeasuringProcess; ready: ReplyOf<'ready'> }> {
    const child = fork(WORKER, [name, o.dir, ...o.keys], {
      execPath: process.execPath,
      execArgv: ['--expose-gc', '--import', 'tsx', ...o.nodeFlags],
      cwd: o.cwd,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const p = new MeasuringProcess(name, child);
    const first = await p.next();
    if (first.kind === 'failed') throw new Error(first.message);
    return { process: p, ready: expectKind(first, 'ready') };
  }

  async ask<K extends Reply['kind']>(request: Request, kind: K): Promise<ReplyOf<K>> {
    const reply = this.next();
    this.child.send(request);
    return expectKind(await reply, kind);
  }

  private next(): Promise<Reply> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  private settle(message: unknown): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (!w) return;
    if (isReply(message)) w.resolve(message);
    else w.reject(new Error(`${this.name}: unexpected message`));
  }

  private end(err: Error): void {
    this.ended ??= err;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }
}

function expectKind<K extends Reply['kind']>(reply: Reply, kind: K): ReplyOf<K> {
  if (reply.kind === 'failed') throw new Error(reply.message);
  if (reply.kind !== kind) throw new Error(`expected '${kind}', got '${reply.kind}'`);
  return reply as ReplyOf<K>;
}
