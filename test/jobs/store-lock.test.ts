/** Jobs under two JobRunner instances on one database: one runs, the other skips; runs are recorded. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/job.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { errorCodeOf, StoreJobLock } from '../../src/jobs/store-lock.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { Database } from '../../src/store/database.js';
import { JobLocks } from '../../src/store/jobs.js';
import { TARGETS } from '../store/support/targets.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe.each(TARGETS)('jobs on the database ($name)', (target) => {
  describe.skipIf(target.skip)('', () => {
    let db: Database;
    let t = new Date('2026-03-02T07:00:00Z').getTime();
    const now = (): Date => new Date(t);
    beforeAll(async () => {
      db = await target.open();
    });
    afterAll(async () => db.close());

    function runner(owner: string, jobs: Job<{ runs: string[] }>[], runs: string[]) {
      return new JobRunner({
        jobs,
        lock: new StoreJobLock(db, now),
        ports: { runs },
        logger: silentLogger,
        owner,
        now,
      });
    }

    it('when two instances run a job at once, then one runs it and the other skips', async () => {
      const gate = deferred();
      const started = deferred();
      const runs: string[] = [];
      const job = (owner: string): Job<{ runs: string[] }> => ({
        name: 'shared',
        schedule: '* * * * *',
        run: async (ctx) => {
          ctx.ports.runs.push(owner);
          started.resolve();
          await gate.promise;
          return { done: 1 };
        },
      });
      const a = runner('instance-a', [job('instance-a')], runs);
      const b = runner('instance-b', [job('instance-b')], runs);
      const first = a.runOnce('shared');
      await started.promise;
      expect(await b.runOnce('shared')).toEqual({ status: 'skipped', name: 'shared', reason: 'locked' });
      gate.resolve();
      expect(await first).toMatchObject({ status: 'ok', summary: { done: 1 } });
      expect(runs).toEqual(['instance-a']);
      // Released: the other instance runs it next time.
      expect(await b.runOnce('shared')).toMatchObject({ status: 'ok' });
      expect(runs).toEqual(['instance-a', 'instance-b']);
      const status = await new JobLocks(db, 'x', now).status('shared');
      expect(status).toMatchObject({ lastError: null, failures: 0, owner: null, lockedUntil: null });
      expect(status?.lastSuccess?.toISOString()).toBe(now().toISOString());
    });

    it('when an instance dies holding the lock, then another takes over after the lock time', async () => {
      const lock = new StoreJobLock(db, now);
      expect(await lock.tryLock('crashy', 'dead-instance', 60_000)).toBe(true);
      const runs: string[] = [];
      const b = runner(
        'instance-b',
        [{ name: 'crashy', schedule: '* * * * *', lockTtlMs: 60_000, run: async () => void runs.push('b') }],
        runs,
      );
      expect(await b.runOnce('crashy')).toMatchObject({ status: 'skipped', reason: 'locked' });
      t += 61_000;
      expect(await b.runOnce('crashy')).toMatchObject({ status: 'ok' });
      expect(runs).toEqual(['b']);
    });

    it('when a job fails, then the run is recorded with an error code and a count of failures in a row', async () => {
      let fail = true;
      const a = runner(
        'instance-a',
        [
          {
            name: 'flaky',
            schedule: '* * * * *',
            run: async () => {
              if (fail) throw new TypeError('cannot read 999911120');
            },
          },
        ],
        [],
      );
      expect(await a.runOnce('flaky')).toMatchObject({
        status: 'failed',
        error: 'TypeError: cannot read [9 digits]',
      });
      await a.runOnce('flaky');
      const lock = new StoreJobLock(db, now);
      expect(await lock.lastRun('flaky')).toMatchObject({ ok: false, lastError: 'type-error' });
      expect(await new JobLocks(db, 'x', now).status('flaky')).toMatchObject({
        failures: 2,
        lastSuccess: null,
      });
      fail = false;
      await a.runOnce('flaky');
      expect(await lock.lastRun('flaky')).toMatchObject({ ok: true });
      expect(await new JobLocks(db, 'x', now).status('flaky')).toMatchObject({
        failures: 0,
        lastError: null,
      });
    });
  });
});

describe('error codes of failed runs', () => {
  it('when an error has a name, then the code is that name in kebab case; else failed', () => {
    expect(errorCodeOf('DatabaseError: connection lost')).toBe('database-error');
    expect(errorCodeOf('Error: handover-watchdog: 1 of 2 changes could not be saved')).toBe('failed');
    expect(errorCodeOf('something odd')).toBe('failed');
  });
});
