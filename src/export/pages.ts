/**
 * Turning one page of stored resources (JSON text) into NDJSON: parse, pseudonymise, stringify,
 * one string per page. `PageTransform` is asynchronous so that the work can run off the main
 * thread (the page worker, page-workers.ts) or on it (`inlinePages`). A resource that cannot be
 * pseudonymised is left out and its index returned.
 */
import { pseudonymise, type KeyRing, type Policy, type PseudonymiseOptions } from './pseudonymise/index.js';

export interface PageResult {
  /** The NDJSON lines of what goes out, each ending in a newline; '' when nothing does. */
  ndjson: string;
  /** How many lines `ndjson` holds. */
  count: number;
  /** Indexes (0-based, in the page) of resources the engine could not handle. */
  failed: number[];
}

/** Pseudonymises one page; one `transform` per export. */
export type PageTransform = (rows: readonly string[]) => Promise<PageResult>;

export function transformPage(
  rows: readonly string[],
  policy: Policy,
  keys: KeyRing,
  options: PseudonymiseOptions,
): PageResult {
  let ndjson = '';
  let count = 0;
  const failed: number[] = [];
  rows.forEach((json, i) => {
    try {
      const out = pseudonymise(JSON.parse(json) as Record<string, unknown>, policy, keys, options);
      if (out) {
        ndjson += `${JSON.stringify(out)}\n`;
        count++;
      }
    } catch {
      failed.push(i);
    }
  });
  return { ndjson, count, failed };
}

/** On the main thread. */
export function inlinePages(policy: Policy, keys: KeyRing, options: PseudonymiseOptions): PageTransform {
  return (rows) => Promise.resolve(transformPage(rows, policy, keys, options));
}
