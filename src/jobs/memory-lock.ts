/**
 * A JobLock in memory: for a single gateway instance, the CLI and tests. Several runners that share
 * one MemoryJobLock behave like several instances sharing the store's table.
 */
import type { JobLock, JobRunRecord } from './job.js';

interface Held {
  owner: string;
  until: number;
}

export class MemoryJobLock implements JobLock {
  private readonly locks = new Map<string, Held>();
  private readonly runs = new Map<string, JobRunRecord>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async tryLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const t = this.now().getTime();
    const held = this.locks.get(name);
    if (held && held.until > t && held.owner !== owner) return false;
    this.locks.set(name, { owner, until: t + ttlMs });
    return true;
  }

  async release(name: string, owner: string): Promise<void> {
    if (this.locks.get(name)?.owner === owner) this.locks.delete(name);
  }

  async recordRun(name: string, ok: boolean, error?: string): Promise<void> {
    this.runs.set(name, {
      name,
      lastRun: this.now(),
      ok,
      ...(error !== undefined ? { lastError: error } : {}),
    });
  }

  async lastRun(name: string): Promise<JobRunRecord | undefined> {
    return this.runs.get(name);
  }
}
