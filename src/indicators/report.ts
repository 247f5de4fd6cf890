/**
 * MeasureReports (type summary) per measure, municipality and month from the counted items,
 * with small cells suppressed: a population of fewer than 10 distinct clients goes out without
 * its count, and a score computed from such a population without its value, each marked with
 * data-absent-reason `masked`. The same cells as CSV for those who want a table.
 * https://hl7.org/fhir/R4/measurereport.html
 */
import type {
  CodeableConcept,
  Extension,
  MeasureReport,
  MeasureReportGroup,
  MeasureReportGroupPopulation,
  Quantity,
} from '@medplum/fhirtypes';
import { median } from '../workflow/waiting-times.js';
import type { Item } from './compute.js';
import {
  DATA_ABSENT_REASON,
  MEASURE_GROUP_SYSTEM,
  MEASURE_POPULATION_SYSTEM,
  MEASURE_STRATIFIER_SYSTEM,
  MEASURES,
  MIN_CELL_CLIENTS,
  MUNICIPALITY_SYSTEM,
  measureUrl,
  type GroupDefinition,
  type MeasureId,
  type PopulationCode,
} from './measures.js';

export const MASKED: Extension = { url: DATA_ABSENT_REASON, valueCode: 'masked' };

const concept = (system: string, code: string): CodeableConcept => ({ coding: [{ system, code }] });

/** The last day of a month YYYY-MM. */
function lastDay(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

export function reportId(measure: MeasureId, municipality: string, month: string): string {
  return `${measure}-${municipality}-${month}`.toLowerCase();
}

interface Cell {
  populations: MeasureReportGroupPopulation[];
  measureScore?: Quantity;
}

function population(
  code: PopulationCode,
  items: readonly Item[],
): { population: MeasureReportGroupPopulation; suppressed: boolean } {
  const clients = new Set(items.map((i) => i.client)).size;
  const suppressed = clients < MIN_CELL_CLIENTS;
  const base = { code: concept(MEASURE_POPULATION_SYSTEM, code) };
  return {
    population: suppressed
      ? ({ ...base, _count: { extension: [MASKED] } } as MeasureReportGroupPopulation)
      : { ...base, count: items.length },
    suppressed,
  };
}

const maskedScore = (unit?: string): Quantity => ({ extension: [MASKED], ...(unit ? { unit } : {}) });

/** The populations and score of one cell (a group, or one stratum of it). */
function cellOf(kind: GroupDefinition['kind'], items: readonly Item[]): Cell {
  switch (kind) {
    case 'count': {
      const p = population('initial-population', items);
      return { populations: [p.population] };
    }
    case 'proportion': {
      const d = population('denominator', items);
      const n = population(
        'numerator',
        items.filter((i) => i.numerator),
      );
      const masked = d.suppressed || n.suppressed;
      const value =
        items.length > 0
          ? Math.round((items.filter((i) => i.numerator).length / items.length) * 1000) / 1000
          : undefined;
      return {
        populations: [d.population, n.population],
        measureScore:
          masked || value === undefined
            ? maskedScore('1')
            : { value, unit: '1', system: 'http://unitsofmeasure.org', code: '1' },
      };
    }
    case 'median-days': {
      const p = population('initial-population', items);
      const value = median(items.flatMap((i) => (i.days !== undefined ? [i.days] : [])));
      return {
        populations: [p.population],
        measureScore:
          p.suppressed || value === undefined
            ? maskedScore('d')
            : { value, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' },
      };
    }
    default:
      return kind satisfies never;
  }
}

function groupOf(def: GroupDefinition, items: readonly Item[]): MeasureReportGroup {
  const own = items.filter((i) => i.group === def.code);
  const stratifier = (def.stratifiers ?? []).map((code) => {
    const values = [...new Set(own.map((i) => i.strata?.[code] ?? 'unknown'))].sort();
    return {
      code: [concept(MEASURE_STRATIFIER_SYSTEM, code)],
      stratum: values.map((value) => {
        const c = cellOf(
          def.kind,
          own.filter((i) => (i.strata?.[code] ?? 'unknown') === value),
        );
        return {
          value: { text: value },
          population: c.populations,
          ...(c.measureScore ? { measureScore: c.measureScore } : {}),
        };
      }),
    };
  });
  const c = cellOf(def.kind, own);
  return {
    code: concept(MEASURE_GROUP_SYSTEM, def.code),
    population: c.populations,
    ...(c.measureScore ? { measureScore: c.measureScore } : {}),
    ...(stratifier.length > 0 ? { stratifier } : {}),
  };
}

export interface ReportOptions {
  /** When the reports were made. */
  generated: Date;
  /** Only these months (YYYY-MM); all months the items cover by default. */
  months?: readonly string[];
  /** Who reports: the gateway's organisation, if configured. */
  reporter?: MeasureReport['reporter'];
}

/** One MeasureReport per measure, municipality and month that has items. */
export function measureReports(items: readonly Item[], options: ReportOptions): MeasureReport[] {
  const cells = new Map<string, Item[]>();
  for (const item of items) {
    if (options.months && !options.months.includes(item.month)) continue;
    const key = `${item.measure}\u0000${item.municipality}\u0000${item.month}`;
    const list = cells.get(key);
    if (list) list.push(item);
    else cells.set(key, [item]);
  }
  const reports: MeasureReport[] = [];
  for (const def of MEASURES) {
    const keys = [...cells.keys()].filter((k) => k.startsWith(`${def.id}\u0000`)).sort();
    for (const key of keys) {
      const [, municipality = '', month = ''] = key.split('\u0000');
      const list = cells.get(key) ?? [];
      reports.push({
        resourceType: 'MeasureReport',
        id: reportId(def.id, municipality, month),
        status: 'complete',
        type: 'summary',
        measure: measureUrl(def.id),
        subject: { identifier: { system: MUNICIPALITY_SYSTEM, value: municipality } },
        date: options.generated.toISOString(),
        ...(options.reporter ? { reporter: options.reporter } : {}),
        period: { start: `${month}-01`, end: lastDay(month) },
        group: def.groups.map((g) => groupOf(g, list)),
      });
    }
  }
  return reports;
}

const CSV_HEADER = [
  'measure',
  'municipality',
  'month',
  'group',
  'stratifier',
  'stratum',
  'population',
  'count',
  'score',
  'unit',
  'suppressed',
];

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The reports as CSV: one row per population of each group and stratum; suppressed values empty. */
export function reportsCsv(reports: readonly MeasureReport[]): string {
  const rows: string[][] = [CSV_HEADER];
  for (const r of reports) {
    const measure = (r.measure ?? '').split('/').pop() ?? '';
    const municipality = r.subject?.identifier?.value ?? '';
    const month = r.period?.start?.slice(0, 7) ?? '';
    const emit = (
      group: string,
      stratifier: string,
      stratum: string,
      populations: readonly MeasureReportGroupPopulation[],
      score?: Quantity,
    ) => {
      for (const p of populations) {
        const masked = p.count === undefined;
        rows.push([
          measure,
          municipality,
          month,
          group,
          stratifier,
          stratum,
          p.code?.coding?.[0]?.code ?? '',
          masked ? '' : String(p.count),
          '',
          '',
          masked ? 'true' : 'false',
        ]);
      }
      if (score) {
        const masked = score.value === undefined;
        rows.push([
          measure,
          municipality,
          month,
          group,
          stratifier,
          stratum,
          'score',
          '',
          masked ? '' : String(score.value),
          score.unit ?? '',
          masked ? 'true' : 'false',
        ]);
      }
    };
    for (const g of r.group ?? []) {
      const group = g.code?.coding?.[0]?.code ?? '';
      emit(group, '', '', g.population ?? [], g.measureScore);
      for (const s of g.stratifier ?? []) {
        const stratifier = s.code?.[0]?.coding?.[0]?.code ?? '';
        for (const st of s.stratum ?? [])
          emit(group, stratifier, st.value?.text ?? '', st.population ?? [], st.measureScore);
      }
    }
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
