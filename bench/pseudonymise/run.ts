/**
 * Throughput of the pseudonymisation engine: resources per second through the demo policy, for
 * the entries of the demo referral (realistic size) and for the generated marker resources of
 * the re-identification test (every element filled, about 30 kB each: a worst case).
 *
 *   npx tsx bench/pseudonymise/run.ts
 */
import { join } from 'node:path';
import { projectRoot } from '../../src/config/load.js';
import { referralMessage } from '../../src/demo/referral.js';
import {
  codeSystemDisplays,
  coarsenAreas,
  pseudonymise,
  readDemoKeyRing,
  readPolicyFile,
} from '../../src/export/pseudonymise/index.js';
import { r4Model } from '../../src/export/pseudonymise/model.js';
import { createTerminologyService } from '../../src/terminology/service.js';
import { MarkerResources } from '../../test/export/marker-resources.js';

const policy = readPolicyFile(join(projectRoot(), 'config', 'export-policies', 'regioplatform-noord.yaml'));
const keys = readDemoKeyRing('demo-platform-pseudonym');
const terminology = createTerminologyService();
const options = {
  displayOf: codeSystemDisplays((url) => terminology.getCodeSystem(url)),
  postcodeAreas: coarsenAreas(new Map([['9712', 25]]), policy.postcode),
};

type Input = Parameters<typeof pseudonymise>[0];

function perSecond(resources: readonly Input[], minMs = 1500): number {
  for (const r of resources) pseudonymise(r, policy, keys, options);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    pseudonymise(resources[n % resources.length] ?? { resourceType: 'Basic' }, policy, keys, options);
    n++;
  }
  return Math.round(n / ((performance.now() - start) / 1000));
}

const referral = (referralMessage().entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
const generator = new MarkerResources(r4Model());
const markers = ['Patient', 'ServiceRequest', 'Task', 'Observation', 'Condition', 'EpisodeOfCare'].flatMap(
  (t) => generator.generate(t),
);
const size = (rs: readonly object[]): number =>
  Math.round(rs.reduce((s, r) => s + JSON.stringify(r).length, 0) / rs.length);

console.log(`demo referral entries (${size(referral)} bytes average): ${perSecond(referral)} resources/s`);
console.log(`marker resources (${size(markers)} bytes average): ${perSecond(markers)} resources/s`);
