/** One adapter and one conversion context per test file: loading them costs a few hundred ms. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { RecordResult } from '../../../src/adapters/framework.js';
import { runAdapter } from '../../../src/adapters/framework.js';
import { createHl7v2Adapter } from '../../../src/adapters/hl7v2/index.js';
import { adapterSetup } from '../support.js';
export { issuesAt, resources } from '../support.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');

/** The channel of a GP information system that refers to basic mental-health care. */
export const GP_CHANNEL = {
  referralCategory: 'ggz-basic',
  senderOrganizationType: 'gp-practice',
  receiverOrganizationType: 'ggz-institution',
} as const;

export const setup = adapterSetup(createHl7v2Adapter, GP_CHANNEL);

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

/** Converts bytes holding one message; fails the test when there is no output. */
export function convertOne(bytes: Uint8Array): RecordResult & { bundle: Bundle } {
  const { adapter, ctx } = setup();
  const result = runAdapter(adapter, bytes, ctx);
  const record = result.records[0];
  if (!record?.output || Array.isArray(record.output)) {
    throw new Error(
      `no Bundle: ${JSON.stringify([...(result.report.issue ?? [])].map((i) => i.diagnostics))}`,
    );
  }
  return { ...record, bundle: record.output };
}

export function byReference(bundle: Bundle, reference: string | undefined): Resource | undefined {
  return bundle.entry?.find((e) => e.fullUrl === reference)?.resource;
}
