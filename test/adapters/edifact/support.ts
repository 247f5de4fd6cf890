/** One adapter, conversion context and validator per test file: loading them costs a few hundred ms. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { type BatchResult, runAdapter } from '../../../src/adapters/framework.js';
import { createEdifactAdapter } from '../../../src/adapters/edifact/index.js';
import { expectGoldenFile } from '../golden.js';
import { adapterSetup } from '../support.js';
export { issuesAt } from '../support.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');

export const setup = adapterSetup(createEdifactAdapter);

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

/** A fixture with text replaced (Latin-1, as the fixtures are written). */
export function edited(name: string, edit: (text: string) => string): Buffer {
  return Buffer.from(edit(fixture(name).toString('latin1')), 'latin1');
}

/** The segments of a message as written, for tests that add, drop or change one. */
export function segmentsOf(name: string): string[] {
  return fixture(name)
    .toString('latin1')
    .split(/'\r?\n/)
    .filter((s) => s !== '');
}

/** Segments back to an interchange, with UNT's segment count corrected. */
export function interchange(segments: readonly string[]): Buffer {
  const unh = segments.findIndex((s) => s.startsWith('UNH'));
  const unt = segments.findIndex((s) => s.startsWith('UNT'));
  const fixed = segments.map((s, i) => (i === unt ? s.replace(/^UNT\+\d+/, `UNT+${unt - unh + 1}`) : s));
  return Buffer.from(`${fixed.join("'\n")}'\n`, 'latin1');
}

export function run(bytes: Uint8Array): BatchResult {
  const { adapter, ctx } = setup();
  return runAdapter(adapter, bytes, ctx);
}

export function convertOne(bytes: Uint8Array): { bundle: Bundle; report: OperationOutcome } {
  const record = run(bytes).records[0];
  if (!record?.output || Array.isArray(record.output))
    throw new Error(`no Bundle: ${JSON.stringify(record?.report.issue?.map((i) => i.diagnostics))}`);
  return { bundle: record.output, report: record.report };
}

/** Compares with the golden file (see ../golden.ts). */
export function expectGolden(name: string, value: unknown): void {
  expectGoldenFile(join(GOLDEN, `${name}.json`), value);
}
