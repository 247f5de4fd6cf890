/**
 * Turning one page of stored resources (JSON text) into NDJSON: parse, pseudonymise, stringify,
 * one string per page, then gzip (`packPage`). `PageTransform` is asynchronous so that the work
 * can run off the main thread (the page worker, page-workers.ts) or on it (`inlinePages`). A
 * resource that cannot be pseudonymised is left out and its index returned.
 */
import { constants, gzipSync } from 'node:zlib';
import { pseudonymise, type KeyRing, type Policy, type PseudonymiseOptions } from './pseudonymise/index.js';

/**
 * One page of stored resources: their JSON texts, one per line (no JSON text the store gives out
 * holds a newline), and how many there are.
 */
export interface ExportPage {
  lines: string;
  count: number;
}

/** A page of JSON texts (each without a newline). */
export function pageOf(rows: readonly string[]): ExportPage {
  return { lines: rows.join('\n'), count: rows.length };
}

/** Calls `each` with every JSON text of the page and its index. */
export function forEachLine(page: ExportPage, each: (json: string, index: number) => void): void {
  const { lines } = page;
  let start = 0;
  for (let i = 0; i < page.count && start <= lines.length; i++) {
    let end = lines.indexOf('\n', start);
    if (end < 0) end = lines.length;
    each(lines.slice(start, end), i);
    start = end + 1;
  }
}

export interface PageResult {
  /** The NDJSON lines of what goes out, each ending in a newline; '' when nothing does. */
  ndjson: string;
  /** How many lines `ndjson` holds. */
  count: number;
  /** Indexes (0-based, in the page) of resources the engine could not handle. */
  failed: number[];
}

/**
 * A page's NDJSON as it is stored: one gzip member (gzip members joined are one gzip stream), how
 * many characters it holds uncompressed, how many lines, and what was left out.
 */
export interface PackedPage {
  gzip: Uint8Array;
  chars: number;
  count: number;
  failed: number[];
}

/** Pseudonymises and compresses one page; one `transform` per export. */
export type PageTransform = (page: ExportPage) => Promise<PackedPage>;

/** gzip at its fastest: pseudonymised NDJSON still compresses about tenfold (bench:export's: 9.8 to 1). */
export function gzipLines(ndjson: string): Uint8Array {
  return gzipSync(ndjson, { level: constants.Z_BEST_SPEED });
}

export function transformPage(
  page: ExportPage,
  policy: Policy,
  keys: KeyRing,
  options: PseudonymiseOptions,
): PageResult {
  let ndjson = '';
  let count = 0;
  const failed: number[] = [];
  forEachLine(page, (json, i) => {
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

/** `transformPage`, compressed (where the page is done, so the main thread never holds its NDJSON). */
export function packPage(
  page: ExportPage,
  policy: Policy,
  keys: KeyRing,
  options: PseudonymiseOptions,
): PackedPage {
  const { ndjson, count, failed } = transformPage(page, policy, keys, options);
  return { gzip: gzipLines(ndjson), chars: ndjson.length, count, failed };
}

/** On the main thread. */
export function inlinePages(policy: Policy, keys: KeyRing, options: PseudonymiseOptions): PageTransform {
  return (page) => Promise.resolve(packPage(page, policy, keys, options));
}
