import { describe, expect, it } from 'vitest';
import { cronScheduler } from '../../src/jobs/cron.js';
import type { Job, JobContext } from '../../src/jobs/job.js';
import { MemoryJobLock } from '../../src/jobs/memory-lock.js';
import { JobRunner, type Scheduler } from '../../src/jobs/runner.js';
import { createLogger, silentLogger } from '../../src/observability/logger.js';

/** A clock the test moves by hand. */
function clock(start = '2026-03-02T07:00:00Z') {
  let t = new Date(start).getTime();
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

interface Ports {
  calls: string[];
}

function job(name: string, run: Job<Ports>['run'], extra: Partial<Job<Ports>> = {}): Job<Ports> {
  return { name, schedule: '0 7 * * *', run, ...extra };
}

function runner(
  jobs: Job<Ports>[],
  lock: MemoryJobLock,
  owner: string,
  now: () => Date,
  ports: Ports = { calls: [] },
  scheduler?: Scheduler,
) {
  return new JobRunner<Ports>({
    jobs,
    lock,
    ports,
    logger: silentLogger,
    owner,
    now,
    ...(scheduler ? { scheduler } : {}),
  });
}

describe('the job lock: one instance runs a job at a time', () => {
  it('when two runners start the same job at once, then one runs it and the other skips', async () => {
    const c = clock();
    const lock = new MemoryJobLock(c.now);
    const gate = deferred();
    const ports: Ports = { calls: [] };
    const slow = job('watchdog', async (ctx) => {
      ctx.ports.calls.push('run');
      await gate.promise;
      return { escalated: 1 };
    });
    const a = runner([slow], lock, 'instance-a', c.now, ports);
    const b = runner([slow], lock, 'instance-b', c.now, ports);
    const first = a.runOnce('watchdog');
    const second = await b.runOnce('watchdog');
    gate.resolve();
    expect(second).toEqual({ status: 'skipped', name: 'watchdog', reason: 'locked' });
    expect(await first).toMatchObject({ status: 'ok', summary: { escalated: 1 } });
    expect(ports.calls).toEqual(['run']);
    expect(await b.runOnce('watchdog')).toMatchObject({ status: 'ok' });
    expect(ports.calls).toEqual(['run', 'run']);
  });

  it('when the holder of the lock died, then another instance takes over once the lock has expired', async () => {
    const c = clock();
    const lock = new MemoryJobLock(c.now);
    await lock.tryLock('watchdog', 'crashed-instance', 60_000);
    const b = runner(
      [job('watchdog', async () => undefined, { lockTtlMs: 60_000 })],
      lock,
      'instance-b',
      c.now,
    );
    expect((await b.runOnce('watchdog')).status).toBe('skipped');
    c.advance(60_001);
    expect((await b.runOnce('watchdog')).status).toBe('ok');
  });

  it('when the same runner is still busy with a job, then a second start of it is skipped', async () => {
    const c = clock();
    const gate = deferred();
    const r = runner([job('slow', () => gate.promise)], new MemoryJobLock(c.now), 'a', c.now);
    const first = r.runOnce('slow');
    expect(await r.runOnce('slow')).toEqual({ status: 'skipped', name: 'slow', reason: 'running' });
    gate.resolve();
    expect((await first).status).toBe('ok');
  });
});

describe('runs are recorded', () => {
  it('when a job succeeds, then the run is recorded as ok at the clock time and logged with its counts', async () => {
    const c = clock();
    const lock = new MemoryJobLock(c.now);
    const lines: string[] = [];
    const r = new JobRunner<Ports>({
      jobs: [job('waiting-times', async () => ({ receivers: 3 }))],
      lock,
      ports: { calls: [] },
      logger: createLogger('info', (l) => lines.push(l), c.now),
      owner: 'a',
      now: c.now,
    });
    await r.runOnce('waiting-times');
    expect(await lock.lastRun('waiting-times')).toEqual({
      name: 'waiting-times',
      lastRun: c.now(),
      ok: true,
    });
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({
      event: 'job.finished',
      job: 'waiting-times',
      receivers: 3,
    });
  });

  it('when a job fails, then the failure is recorded without BSN-like numbers, the lock is released and the next run goes ahead', async () => {
    const c = clock();
    const lock = new MemoryJobLock(c.now);
    let fail = true;
    const r = runner(
      [
        job('flaky', async () => {
          if (fail) throw new Error('no Patient for 999999990');
          return {};
        }),
      ],
      lock,
      'a',
      c.now,
    );
    expect(await r.runOnce('flaky')).toMatchObject({
      status: 'failed',
      error: 'Error: no Patient for [9 digits]',
    });
    expect(await lock.lastRun('flaky')).toMatchObject({
      ok: false,
      lastError: 'Error: no Patient for [9 digits]',
    });
    fail = false;
    expect((await r.runOnce('flaky')).status).toBe('ok');
    expect(await lock.lastRun('flaky')).toMatchObject({ ok: true });
  });

  it('when the lock store is down, then the run fails without running the job', async () => {
    const c = clock();
    const lock = new MemoryJobLock(c.now);
    lock.tryLock = async () => {
      throw new Error('connection refused');
    };
    const ports: Ports = { calls: [] };
    const r = runner([job('j', async (ctx) => void ctx.ports.calls.push('run'))], lock, 'a', c.now, ports);
    expect(await r.runOnce('j')).toMatchObject({ status: 'failed', error: 'Error: connection refused' });
    expect(ports.calls).toEqual([]);
  });

  it('when an unknown job is asked for, then the answer lists the known ones', async () => {
    const c = clock();
    const r = runner(
      [job('a', async () => undefined), job('b', async () => undefined)],
      new MemoryJobLock(c.now),
      'x',
      c.now,
    );
    expect(await r.runOnce('c')).toEqual({ status: 'unknown-job', name: 'c', known: ['a', 'b'] });
  });

  it('when the job runs, then it sees the injected clock and ports', async () => {
    const c = clock('2030-01-01T00:00:00Z');
    let seen: JobContext<Ports> | undefined;
    const ports: Ports = { calls: [] };
    const r = runner(
      [job('j', async (ctx) => void (seen = ctx))],
      new MemoryJobLock(c.now),
      'x',
      c.now,
      ports,
    );
    await r.runOnce('j');
    expect(seen?.now().toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(seen?.ports).toBe(ports);
  });
});

describe('scheduling', () => {
  function fakeScheduler() {
    const fired = new Map<string, () => void>();
    const stopped: string[] = [];
    const scheduler: Scheduler = {
      validate: (e) => e.split(' ').length >= 5,
      schedule: (name, _expression, fire) => {
        fired.set(name, fire);
        return { stop: () => void stopped.push(name) };
      },
    };
    return { scheduler, fired, stopped };
  }

  it('when the runner starts, then every job is scheduled, fires under its lock, and stops with the runner', async () => {
    const c = clock();
    const s = fakeScheduler();
    const ports: Ports = { calls: [] };
    const done = deferred();
    const r = runner(
      [
        job('a', async (ctx) => void ctx.ports.calls.push('a')),
        job('b', async (ctx) => void (ctx.ports.calls.push('b'), done.resolve())),
      ],
      new MemoryJobLock(c.now),
      'x',
      c.now,
      ports,
      s.scheduler,
    );
    r.start();
    expect([...s.fired.keys()]).toEqual(['a', 'b']);
    s.fired.get('b')?.();
    await done.promise;
    expect(ports.calls).toEqual(['b']);
    r.stop();
    expect(s.stopped).toEqual(['a', 'b']);
  });

  it('when the runner stops during a run, then it waits for the run to end, and refuses new runs', async () => {
    const c = clock();
    const release = deferred();
    const started = deferred();
    const ports: Ports = { calls: [] };
    const r = runner(
      [
        job('slow', async (ctx) => {
          started.resolve();
          await release.promise;
          ctx.ports.calls.push('slow done');
        }),
      ],
      new MemoryJobLock(c.now),
      'x',
      c.now,
      ports,
    );
    const run = r.runOnce('slow');
    await started.promise;
    const stopped = r.stopAndWait(5_000).then((left) => (ports.calls.push('stopped'), left));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ports.calls).toEqual([]);
    release.resolve();
    expect(await stopped).toEqual([]);
    expect(ports.calls).toEqual(['slow done', 'stopped']);
    expect(await run).toMatchObject({ status: 'ok' });
    expect(await r.runOnce('slow')).toMatchObject({ status: 'skipped', reason: 'stopping' });
  });

  it('when a run outlasts the timeout, then the stop gives up waiting and names it', async () => {
    const c = clock();
    const never = deferred();
    const started = deferred();
    const r = runner(
      [
        job('stuck', async () => {
          started.resolve();
          await never.promise;
        }),
      ],
      new MemoryJobLock(c.now),
      'x',
      c.now,
    );
    const run = r.runOnce('stuck');
    await started.promise;
    expect(await r.stopAndWait(30)).toEqual(['stuck']);
    never.resolve();
    await run;
  });

  it('when a schedule is invalid or a name is used twice, then the runner refuses to be made and names the job', () => {
    const c = clock();
    const s = fakeScheduler();
    expect(() =>
      runner(
        [job('bad', async () => undefined, { schedule: 'daily' })],
        new MemoryJobLock(c.now),
        'x',
        c.now,
        undefined,
        s.scheduler,
      ),
    ).toThrow("jobs: 'bad' has an invalid cron schedule 'daily'");
    expect(() =>
      runner(
        [job('a', async () => undefined), job('a', async () => undefined)],
        new MemoryJobLock(c.now),
        'x',
        c.now,
      ),
    ).toThrow("jobs: the name 'a' is used twice");
  });

  it('when node-cron schedules a job every second, then it fires and stops again', async () => {
    const scheduler = cronScheduler(silentLogger);
    expect(scheduler.validate('*/10 * * * *')).toBe(true);
    expect(scheduler.validate('every day')).toBe(false);
    const fired = deferred();
    const handle = scheduler.schedule('test-every-second', '* * * * * *', () => fired.resolve());
    try {
      await fired.promise;
    } finally {
      handle.stop();
    }
  }, 5_000);
});
