/**
 * The monthly indicators job (src/jobs): computes the MeasureReports of the last months from
 * what the gateway holds and stores them, replacing earlier versions. Several months are
 * recomputed each time, because waiting times of a month are only decided once its clients have
 * had their intake. Idempotent: a second run stores the same reports again.
 */
import type { Job } from '../jobs/job.js';
import { computeItems, type IndicatorInputs } from './compute.js';
import { measureReports } from './report.js';
import type { MeasureReport } from '@medplum/fhirtypes';

export const INDICATORS_JOB = 'indicators';

export interface IndicatorPorts {
  load(): Promise<IndicatorInputs>;
  save(reports: readonly MeasureReport[]): Promise<number>;
}

export interface IndicatorJobOptions {
  /** Default: 03:30 on the first day of every month. */
  schedule?: string;
  /** How many completed months are (re)computed; default 12. */
  months?: number;
  timeZone?: string;
}

/** The `months` completed months before `now` (YYYY-MM), most recent last. */
export function completedMonths(now: Date, months: number): string[] {
  const out: string[] = [];
  for (let i = months; i >= 1; i--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    out.push(d.toISOString().slice(0, 7));
  }
  return out;
}

export function indicatorsJob(options: IndicatorJobOptions = {}): Job<IndicatorPorts> {
  return {
    name: INDICATORS_JOB,
    schedule: options.schedule ?? '30 3 1 * *',
    async run({ now, ports }) {
      const at = now();
      const items = computeItems(
        await ports.load(),
        at,
        options.timeZone ? { timeZone: options.timeZone } : {},
      );
      const months = completedMonths(at, options.months ?? 12);
      const reports = measureReports(items, { generated: at, months });
      const saved = await ports.save(reports);
      return {
        months: months.length,
        reports: saved,
        suppressedCells: reports.reduce((n, r) => n + JSON.stringify(r).split('"masked"').length - 1, 0),
      };
    },
  };
}
