/**
 * The committed exclusion list: runs left out of the agreement figures. The one accepted reason
 * is terminology we cannot have offline (SNOMED CT, LOINC, ... content checked against a
 * terminology server by the reference validator); every entry says which.
 */
import { readFileSync } from 'node:fs';
import type { RunKind } from './manifest.js';
import { isRecord } from './manifest.js';

export interface Exclusion {
  readonly case: string;
  readonly run: RunKind;
  readonly reason: string;
}

export const EXCLUSION_REASON_PREFIX = 'needs terminology we cannot have offline: ';

/** Reads and checks the list; a malformed entry is an error naming its index, never silently dropped. */
export function loadExclusions(path: string): Exclusion[] {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!Array.isArray(raw)) throw new Error(`${path}: expected a JSON array`);
  return raw.map((entry: unknown, i) => {
    if (
      !isRecord(entry) ||
      typeof entry.case !== 'string' ||
      (entry.run !== 'base' && entry.run !== 'profile') ||
      typeof entry.reason !== 'string'
    ) {
      throw new Error(`${path}: entry [${i}] needs "case", "run" ("base" or "profile") and "reason"`);
    }
    return { case: entry.case, run: entry.run, reason: entry.reason };
  });
}

export function exclusionKey(caseName: string, run: RunKind): string {
  return `${caseName}\u0000${run}`;
}
