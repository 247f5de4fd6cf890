/**
 * The conformance targets for overdracht: at least 90% verdict agreement with the HL7 Java
 * validator on the runs it finds valid and on those it finds invalid, and no crash. Every
 * non-excluded run is counted, so a regression in the engine fails the build.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadExclusions } from '../../scripts/conformance/exclusions.js';
import { loadManifestRuns } from '../../scripts/conformance/manifest.js';
import { ratio } from '../../scripts/conformance/report.js';
import { DEFAULT_CASES_ROOT, DEFAULT_EXCLUSIONS, runConformance } from '../../scripts/conformance/runner.js';

const sharedAbsent = !existsSync(DEFAULT_CASES_ROOT) && process.env.CI !== 'true';
const TARGET = 0.9;

describe.skipIf(sharedAbsent)(
  `conformance of overdracht${sharedAbsent ? ' (skipped: ../shared/conformance is absent)' : ''}`,
  () => {
    it('when every test case runs through overdracht, then each non-excluded run is counted and the targets are met', async () => {
      const report = await runConformance({ validators: ['overdracht'] });
      expect(report.unavailable.overdracht).toBeUndefined();

      const { runs } = loadManifestRuns(DEFAULT_CASES_ROOT);
      const total = report.tallies.overdracht?.find((t) => t.module === 'total');
      expect(total?.runs).toBe(runs.length - loadExclusions(DEFAULT_EXCLUSIONS).length);
      if (!total) return;

      const summary = `valid runs ${ratio(total.validAgree, total.validRuns)}, invalid runs ${ratio(total.invalidAgree, total.invalidRuns)}, crashed ${total.crashed}`;
      process.stdout.write(`overdracht conformance: ${summary}\n`);
      expect(total.crashed, summary).toBe(0);
      expect(total.validAgree / total.validRuns, summary).toBeGreaterThanOrEqual(TARGET);
      expect(total.invalidAgree / total.invalidRuns, summary).toBeGreaterThanOrEqual(TARGET);
    });
  },
);
