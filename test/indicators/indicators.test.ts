/**
 * Each indicator on the seeded data set (seed.ts) against its known answer, small-cell
 * suppression, and the CSV.
 */
import type { MeasureReport, MeasureReportGroup, MeasureReportGroupPopulation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { computeItems } from '../../src/indicators/compute.js';
import { MASKED, measureReports, reportsCsv } from '../../src/indicators/report.js';
import { NOW, seed } from './seed.js';

const reports = measureReports(computeItems(seed(), NOW), { generated: NOW });

function report(measure: string, municipality: string, month: string): MeasureReport {
  const found = reports.find(
    (r) =>
      r.measure === `https://overdracht.dev/fhir/Measure/${measure}` &&
      r.subject?.identifier?.value === municipality &&
      r.period?.start?.startsWith(month),
  );
  if (!found) throw new Error(`no report ${measure} ${municipality} ${month}`);
  return found;
}

function group(r: MeasureReport, code: string): MeasureReportGroup {
  const found = r.group?.find((g) => g.code?.coding?.[0]?.code === code);
  if (!found) throw new Error(`no group ${code}`);
  return found;
}

const count = (
  populations: readonly MeasureReportGroupPopulation[] | undefined,
  code: string,
): number | 'masked' => {
  const p = populations?.find((x) => x.code?.coding?.[0]?.code === code);
  if (!p) throw new Error(`no population ${code}`);
  if (p.count !== undefined) return p.count;
  const masked = (p as { _count?: { extension?: unknown[] } })._count?.extension;
  return JSON.stringify(masked) === JSON.stringify([MASKED]) ? 'masked' : Number.NaN;
};

function stratum(g: MeasureReportGroup, stratifier: string, value: string) {
  const s = g.stratifier?.find((x) => x.code?.[0]?.coding?.[0]?.code === stratifier);
  const found = s?.stratum?.find((x) => x.value?.text === value);
  if (!found) throw new Error(`no stratum ${stratifier}=${value}`);
  return found;
}

describe('indicators on the seeded data set', () => {
  it('referrals per municipality and month, by referrer type and destination', () => {
    const g = group(report('ov-referrals', 'GM0014', '2026-01'), 'referrals');
    expect(count(g.population, 'initial-population')).toBe(12);
    expect(count(stratum(g, 'referrer-type', 'gp-practice').population, 'initial-population')).toBe(12);
    expect(count(stratum(g, 'destination', 'ggz').population, 'initial-population')).toBe(10);
    expect(count(stratum(g, 'destination', 'social-domain').population, 'initial-population')).toBe('masked');
    const march = group(report('ov-referrals', 'GM0014', '2026-03'), 'referrals');
    expect(
      count(stratum(march, 'referrer-type', 'youth-ggz-institution').population, 'initial-population'),
    ).toBe(10);
  });

  it('waiting times against the Treeknormen: share within 4 and 10 weeks, median days to intake', () => {
    const r = report('ov-waiting-times', 'GM0014', '2026-01');
    const intake = group(r, 'intake-within-4-weeks');
    expect(count(intake.population, 'denominator')).toBe(12);
    expect(count(intake.population, 'numerator')).toBe(10);
    expect(intake.measureScore?.value).toBe(0.833);
    const treatment = group(r, 'treatment-within-10-weeks');
    expect(count(treatment.population, 'numerator')).toBe(12);
    expect(treatment.measureScore?.value).toBe(1);
    const median = group(r, 'days-to-intake');
    expect(median.measureScore).toMatchObject({ value: 14, unit: 'd' });
  });

  it('referrals completed versus sent to the regional table', () => {
    const r = report('ov-regional-table', 'GM0014', '2026-01');
    expect(count(group(r, 'completed').population, 'initial-population')).toBe(12);
    expect(count(group(r, 'sent-to-regional-table').population, 'initial-population')).toBe('masked');
  });

  it('handovers at 18 and interruptions of care at 18-23', () => {
    expect(
      count(
        group(report('ov-youth-transition', 'GM0014', '2026-03'), 'handovers-at-18').population,
        'initial-population',
      ),
    ).toBe(10);
    expect(
      count(
        group(report('ov-youth-transition', 'GM0014', '2026-01'), 'interruptions-18-23').population,
        'initial-population',
      ),
    ).toBe(10);
  });

  it('re-referrals of the same client within 12 months (revolving door)', () => {
    const g = group(report('ov-revolving-door', 'GM0014', '2026-01'), 're-referrals-12-months');
    expect(count(g.population, 'denominator')).toBe(12);
    expect(count(g.population, 'numerator')).toBe(11);
    expect(g.measureScore?.value).toBe(0.917);
  });

  it('the pre-fill rate of intake questionnaires', () => {
    const g = group(report('ov-intake-prefill', 'GM0014', '2026-01'), 'prefilled-answers');
    expect(count(g.population, 'denominator')).toBe(48);
    expect(count(g.population, 'numerator')).toBe(36);
    expect(g.measureScore?.value).toBe(0.75);
  });
});

describe('small cells', () => {
  it('when a municipality has fewer than 10 clients in a cell, then the count and the score are left out and marked masked', () => {
    const r = report('ov-referrals', 'GM1952', '2026-01');
    expect(count(group(r, 'referrals').population, 'initial-population')).toBe('masked');
    const waiting = group(report('ov-waiting-times', 'GM1952', '2026-01'), 'intake-within-4-weeks');
    expect(waiting.measureScore?.value).toBeUndefined();
    expect(waiting.measureScore?.extension).toEqual([MASKED]);
    expect(JSON.stringify(reports.filter((x) => x.subject?.identifier?.value === 'GM1952'))).not.toMatch(
      /"count":\d/,
    );
  });

  it('when a numerator has fewer than 10 clients, then the score is suppressed too (it would give the numerator away)', () => {
    const r = reports.find((x) => x.id === 'ov-referrals-gm0014-2026-01');
    expect(r).toBeDefined();
    const g = group(report('ov-waiting-times', 'GM0014', '2026-02'), 'intake-within-4-weeks');
    expect(count(g.population, 'numerator')).toBe('masked');
    expect(g.measureScore?.value).toBeUndefined();
  });

  it("when no municipality is recorded, then the cell is 'unknown'", () => {
    expect(
      count(
        group(report('ov-referrals', 'unknown', '2026-01'), 'referrals').population,
        'initial-population',
      ),
    ).toBe('masked');
  });
});

describe('CSV', () => {
  const csv = reportsCsv(reports);
  it('when the reports are written as CSV, then one row per population and score, suppressed values empty', () => {
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'measure,municipality,month,group,stratifier,stratum,population,count,score,unit,suppressed',
    );
    expect(lines).toContain('ov-referrals,GM0014,2026-01,referrals,,,initial-population,12,,,false');
    expect(lines).toContain(
      'ov-referrals,GM0014,2026-01,referrals,destination,social-domain,initial-population,,,,true',
    );
    expect(lines).toContain('ov-waiting-times,GM0014,2026-01,intake-within-4-weeks,,,score,,0.833,1,false');
    expect(lines.filter((l) => l.startsWith('ov-referrals,GM1952')).every((l) => l.endsWith(',true'))).toBe(
      true,
    );
  });
});
