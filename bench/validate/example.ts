/**
 * The package's own referral message example, when the profiles package has one: a JSON Bundle
 * of type `message` whose MessageHeader carries the `referral` event. The largest such example
 * is used, so the benchmark measures the message the project itself publishes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { PROJECT_ROOT } from '../../scripts/conformance/runner.js';

const EXAMPLE_DIR = join(PROJECT_ROOT, 'profiles', 'package', 'example');

export function loadReferralExample(dir: string = EXAMPLE_DIR): Bundle | undefined {
  if (!existsSync(dir)) return undefined;
  let best: Bundle | undefined;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const candidate = readBundle(join(dir, file));
    if (
      candidate &&
      isReferralMessage(candidate) &&
      (candidate.entry?.length ?? 0) > (best?.entry?.length ?? 0)
    ) {
      best = candidate;
    }
  }
  return best;
}

function readBundle(path: string): Bundle | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as { resourceType?: unknown };
    return value.resourceType === 'Bundle' ? (value as Bundle) : undefined;
  } catch {
    return undefined;
  }
}

function isReferralMessage(bundle: Bundle): boolean {
  const header = bundle.entry?.[0]?.resource;
  return (
    bundle.type === 'message' &&
    header?.resourceType === 'MessageHeader' &&
    header.eventCoding?.code === 'referral'
  );
}
