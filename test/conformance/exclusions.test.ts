import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXCLUSION_REASON_PREFIX, loadExclusions } from '../../scripts/conformance/exclusions.js';
import { loadManifestRuns } from '../../scripts/conformance/manifest.js';
import { DEFAULT_CASES_ROOT, DEFAULT_EXCLUSIONS } from '../../scripts/conformance/runner.js';

const sharedAbsent = !existsSync(DEFAULT_CASES_ROOT) && process.env.CI !== 'true';

describe('test/conformance/exclusions.json', () => {
  const exclusions = loadExclusions(DEFAULT_EXCLUSIONS);

  it('when an entry is read, then its reason is terminology we cannot have offline, with the detail', () => {
    for (const e of exclusions) {
      expect(e.reason.startsWith(EXCLUSION_REASON_PREFIX), `${e.case}: ${e.reason}`).toBe(true);
      expect(e.reason.length).toBeGreaterThan(EXCLUSION_REASON_PREFIX.length + 10);
    }
  });

  it('when an entry is read, then it is listed once', () => {
    const keys = exclusions.map((e) => `${e.case} ${e.run}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.skipIf(sharedAbsent)(
    `when an entry names a case, then the manifest has that case and run${sharedAbsent ? ' (skipped: ../shared/conformance is absent)' : ''}`,
    () => {
      const { runs, skipped } = loadManifestRuns(DEFAULT_CASES_ROOT);
      const known = new Set([...runs, ...skipped].map((r) => `${r.caseName} ${r.kind}`));
      for (const e of exclusions) expect(known.has(`${e.case} ${e.run}`), `${e.case} [${e.run}]`).toBe(true);
    },
  );
});
