import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadManifestRuns } from '../../scripts/conformance/manifest.js';
import { formatReport } from '../../scripts/conformance/report.js';
import { runConformance } from '../../scripts/conformance/runner.js';
import type { ConformanceValidator } from '../../scripts/conformance/validators.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const casesRoot = `${fixtures}mini`;

/** A stand-in that throws on every run, as a validator with a bug would. */
const crashing: ConformanceValidator = {
  name: 'overdracht',
  note: 'stand-in that always throws',
  validate() {
    throw new TypeError("Cannot read properties of undefined (reading 'x')");
  },
};

describe('runConformance on a miniature manifest', () => {
  it('when a case has an XML profile, then it is read through the FHIR XML converter and its profile run is made', async () => {
    const report = await runConformance({
      casesRoot,
      exclusionsFile: `${fixtures}no-exclusions.json`,
      validators: ['fhir.js'],
    });
    expect(report.results.map((r) => r.id)).toEqual([
      'patient-good',
      'patient-bad-gender',
      'patient-xml-profile',
      'patient-xml-profile [profile]',
    ]);
    expect(report.skipped).toEqual([]);
    const run = loadManifestRuns(casesRoot).runs.find((r) => r.id === 'patient-xml-profile [profile]');
    expect(run?.profile).toEqual({ resourceType: 'StructureDefinition' });
  });

  it('when FHIR.js validates the cases, then the tally counts valid and invalid runs per module', async () => {
    const report = await runConformance({
      casesRoot,
      exclusionsFile: `${fixtures}no-exclusions.json`,
      validators: ['fhir.js'],
    });
    const total = report.tallies['fhir.js']?.find((t) => t.module === 'total');
    expect(total).toMatchObject({
      runs: 4,
      validRuns: 3,
      validAgree: 3,
      invalidRuns: 1,
      invalidAgree: 1,
      crashed: 0,
    });
    expect(report.tallies['fhir.js']?.map((t) => t.module)).toEqual(['general', 'profile', 'tx', 'total']);
  });

  it('when a validator throws, then the run is counted as crashed and the others still run', async () => {
    const report = await runConformance({
      casesRoot,
      exclusionsFile: `${fixtures}no-exclusions.json`,
      validators: [crashing, 'fhir.js'],
    });
    const total = report.tallies.overdracht?.find((t) => t.module === 'total');
    expect(total).toMatchObject({ runs: 4, crashed: 4, validAgree: 0, invalidAgree: 0, crashedOnInvalid: 1 });
    expect(report.results[0]?.byValidator.overdracht?.crashed).toContain('Cannot read properties');
    expect(report.results[0]?.byValidator['fhir.js']?.comparison.verdictAgrees).toBe(true);
    expect(formatReport(report)).toContain('crashed on: patient-good: Cannot read properties');
  });

  it('when a run is on the exclusion list, then it is listed with its reason and not counted', async () => {
    const report = await runConformance({
      casesRoot,
      exclusionsFile: `${fixtures}exclude-bad-gender.json`,
      validators: ['fhir.js'],
    });
    expect(report.excluded).toEqual([
      expect.objectContaining({ case: 'patient-bad-gender', run: 'base', module: 'tx' }),
    ]);
    expect(report.tallies['fhir.js']?.find((t) => t.module === 'total')?.runs).toBe(3);
    expect(formatReport(report)).toContain(
      'patient-bad-gender [base] (tx): needs terminology we cannot have offline',
    );
  });

  it('when --case selects one case, then only its runs are made', async () => {
    const report = await runConformance({
      casesRoot,
      exclusionsFile: `${fixtures}no-exclusions.json`,
      validators: ['fhir.js'],
      caseName: 'patient-bad-gender',
    });
    expect(report.results.map((r) => r.id)).toEqual(['patient-bad-gender']);
  });
});
