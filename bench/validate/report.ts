/**
 * The tables `npm run bench:validate` prints: times (with each process's own memory), the ratios
 * the targets name, how stable the medians were from round to round, and which seeded defects
 * each validator notices.
 */
import { formatTable } from '../../scripts/conformance/report.js';
import { defects } from './defects.js';
import type { SubjectName } from './protocol.js';

export interface Measurement {
  /** The median of the per-round medians. */
  readonly median: number;
  /** The fastest single run. */
  readonly min: number;
  /** Inter-quartile range of the per-round medians, relative to their median. */
  readonly spread: number;
  readonly errors: number;
  /** The median over rounds of each batch's first run, the one right after a full collection. */
  readonly firstAfterCollection: number;
  readonly roundMedians: readonly number[];
  /** The median over rounds of main-thread CPU ms per run (batch means, after each batch's first run). */
  readonly cpuMedian: number;
}

/** Which figure a ratio compares: wall-clock medians, or main-thread CPU time. */
export type Basis = 'wall' | 'cpu';

export interface Row {
  readonly name: SubjectName;
  readonly setupMs: number;
  readonly heapAfterSetupMb: number;
  readonly peakRssMb: number;
  readonly peakHeapMb: number;
  /** By case key. */
  readonly times: Readonly<Record<string, Measurement | undefined>>;
}

export interface CaseLabel {
  readonly key: string;
  readonly label: string;
}

/** A validator's error counts on the clean 55-entry Bundle and on each one-defect variant. */
export interface DefectCounts {
  readonly name: SubjectName;
  readonly clean: number | string;
  readonly variants: readonly (number | string)[];
}

function ms(m: Measurement | undefined): string {
  return m ? m.median.toFixed(m.median < 10 ? 2 : 1) : '-';
}

function ratioOf(
  a: Measurement | undefined,
  b: Measurement | undefined,
  basis: Basis = 'wall',
): number | undefined {
  const [x, y] = basis === 'wall' ? [a?.median, b?.median] : [a?.cpuMedian, b?.cpuMedian];
  return x !== undefined && y !== undefined && y > 0 ? x / y : undefined;
}

function fold(a: Measurement | undefined, b: Measurement | undefined): string {
  const x = ratioOf(a, b);
  return x === undefined ? '-' : `${x.toFixed(2)}x`;
}

export function timesTable(rows: readonly Row[], cases: readonly CaseLabel[]): string {
  const header = [
    'median ms per Bundle',
    ...cases.map((c) => c.label),
    '10,000 / 1,000',
    'errors',
    'setup ms',
    'heap after setup MB',
    'peak RSS MB',
    'fastest run, ms',
  ];
  const body = rows.map((r) => [
    r.name,
    ...cases.map((c) => ms(r.times[c.key])),
    fold(r.times['10000'], r.times['1000']),
    cases.map((c) => String(r.times[c.key]?.errors ?? '-')).join('/'),
    r.setupMs.toFixed(0),
    r.heapAfterSetupMb.toFixed(0),
    r.peakRssMb.toFixed(0),
    cases.map((c) => r.times[c.key]?.min.toFixed(2) ?? '-').join(' / '),
  ]);
  return formatTable(header, body);
}

/**
 * Round-to-round spread of each median (small means the figure is stable), and the first run of
 * each batch, right after a full collection, against the median.
 */
export function spreadTable(rows: readonly Row[], cases: readonly CaseLabel[]): string {
  const header = [
    'round medians, IQR / median',
    ...cases.map((c) => c.label),
    'first run after a collection / median',
    'peak heap MB',
  ];
  const body = rows.map((r) => [
    r.name,
    ...cases.map((c) => {
      const m = r.times[c.key];
      return m ? `${(100 * m.spread).toFixed(1)}%` : '-';
    }),
    cases
      .map((c) => {
        const m = r.times[c.key];
        return m && m.median > 0 ? `${(m.firstAfterCollection / m.median).toFixed(1)}x` : '-';
      })
      .join(' / '),
    r.peakHeapMb.toFixed(0),
  ]);
  return formatTable(header, body);
}

/**
 * The ratios the targets name, each with its target and whether this run meets it: of the
 * wall-clock medians, or of main-thread CPU time (which a loaded machine distorts less: time
 * spent waiting for a core is not counted).
 */
export function ratiosTable(
  rows: readonly Row[],
  cases: readonly CaseLabel[],
  basis: Basis = 'wall',
): string {
  const by = (name: SubjectName): Row | undefined => rows.find((r) => r.name === name);
  const [ov, medplum, floor, fhirjs] = [by('overdracht'), by('medplum'), by('JSON.parse'), by('fhir.js')];
  const lines: string[][] = [];
  const add = (what: string, value: number | undefined, target: string, ok: (v: number) => boolean): void => {
    const met = value === undefined ? '-' : ok(value) ? 'yes' : 'NO';
    lines.push([what, value === undefined ? '-' : `${value.toFixed(2)}x`, target, met]);
  };
  const r = (a: Row | undefined, b: Row | undefined, key: string): number | undefined =>
    ratioOf(a?.times[key], b?.times[key], basis);
  const label = (key: string): string => cases.find((c) => c.key === key)?.label ?? key;
  add(`Medplum / overdracht, ${label('55')}`, r(medplum, ov, '55'), '>= 5x faster', (v) => v >= 5);
  add(`Medplum / overdracht, ${label('10000')}`, r(medplum, ov, '10000'), '>= 5x faster', (v) => v >= 5);
  const linear = ratioOf(ov?.times['10000'], ov?.times['1000'], basis);
  add('overdracht 10,000 / 1,000', linear, '<= 12x (linear)', (v) => v <= 12);
  for (const c of cases.filter((x) => x.key !== 'example')) {
    add(`overdracht / JSON.parse, ${c.label}`, r(ov, floor, c.key), '<= 5x', (v) => v <= 5);
  }
  add(`FHIR.js / overdracht, ${label('55')}`, r(fhirjs, ov, '55'), '(peer, no target)', () => true);
  if (cases.some((c) => c.key === 'example')) {
    add(
      `Medplum / overdracht, ${label('example')}`,
      r(medplum, ov, 'example'),
      '(profiles checked, no target)',
      () => true,
    );
  }
  const title = basis === 'wall' ? 'ratio' : 'ratio of main-thread CPU time';
  return formatTable([title, 'measured', 'target', 'met'], lines, 1);
}

/**
 * Which one-defect variant of the 55-entry Bundle each validator reports: more errors than on the
 * clean Bundle counts as noticed.
 */
export function defectsTable(results: readonly DefectCounts[]): string {
  const list = defects();
  const found = (d: DefectCounts, i: number): boolean => {
    const after = d.variants[i];
    return typeof after === 'number' && typeof d.clean === 'number' && after > d.clean;
  };
  const header = ['defect (one per Bundle)', 'rule', ...results.map((d) => d.name)];
  const body = list.map((x, i) => [x.name, x.rule, ...results.map((d) => (found(d, i) ? 'error' : '-'))]);
  body.push(['none (the clean Bundle)', 'errors reported', ...results.map((d) => String(d.clean))]);
  const totals = results.map((d) => `${list.filter((_, i) => found(d, i)).length}/${list.length}`);
  body.push(['defects caught', '', ...totals]);
  return formatTable(header, body, 2);
}
