/** One adapter and one conversion context per test file: loading them costs a few hundred ms. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { type BatchResult, runAdapter, type RunOptions } from '../../../src/adapters/framework.js';
import { createZorgdomeinAdapter } from '../../../src/adapters/zorgdomein/index.js';
import { adapterSetup } from '../support.js';
export { issuesAt, resources } from '../support.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');

/** The channel of a GGZ institution that receives ZorgDomein referrals for itself. */
export const GGZ_CHANNEL = {
  destinationEndpoint: 'https://ggz-noord-groningen.example.nl/fhir',
  receiverOrganizationType: 'ggz-institution',
  receiverOrganizationAgb: '06001234',
  receiverOrganizationName: 'GGZ Noord-Groningen',
  referralCategory: 'crisis',
} as const;

export const setup = adapterSetup(createZorgdomeinAdapter, GGZ_CHANNEL);

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export function run(bytes: Uint8Array, options?: RunOptions): BatchResult {
  const { adapter, ctx } = setup();
  return runAdapter(adapter, bytes, ctx, options);
}

/** Converts bytes holding one document; fails the test when there is no output. */
export function convertOne(bytes: Uint8Array): { bundle: Bundle; issues: OperationOutcomeIssue[] } {
  const result = run(bytes);
  const record = result.records[0];
  if (!record?.output || Array.isArray(record.output)) {
    throw new Error(`no Bundle: ${JSON.stringify((result.report.issue ?? []).map((i) => i.diagnostics))}`);
  }
  return { bundle: record.output, issues: record.report.issue ?? [] };
}

/** The fixture as JSON, changed by `edit`, as bytes: one field broken per test. */
export function edited(name: string, edit: (doc: DocJson) => void): Buffer {
  const doc = JSON.parse(fixture(name).toString('utf8')) as DocJson;
  edit(doc);
  return Buffer.from(JSON.stringify(doc));
}

export interface DocJson {
  [key: string]: unknown;
  entry: { fullUrl: string; resource: Record<string, unknown> }[];
}
