/** One adapter and one conversion context per test file: loading them costs a few hundred ms. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import {
  createAssessmentsAdapter,
  type AssessmentsAdapter,
} from '../../../src/adapters/assessments/index.js';
import type { BatchResult, ConversionContext, RunOptions } from '../../../src/adapters/framework.js';
import { runAdapter } from '../../../src/adapters/framework.js';
import { createConversionContext } from '../../../src/adapters/index.js';
import { createTerminologyService } from '../../../src/terminology/service.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');

let cached: { adapter: AssessmentsAdapter; ctx: ConversionContext } | undefined;

export function setup(): { adapter: AssessmentsAdapter; ctx: ConversionContext } {
  cached ??= {
    adapter: createAssessmentsAdapter(),
    ctx: createConversionContext({ terminology: createTerminologyService() }),
  };
  return cached;
}

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export function run(bytes: Uint8Array | string, options?: RunOptions): BatchResult {
  const { adapter, ctx } = setup();
  return runAdapter(
    adapter,
    typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes,
    ctx,
    options,
  );
}

export function issuesAt(
  issues: readonly OperationOutcomeIssue[] | undefined,
  location: string,
): OperationOutcomeIssue[] {
  return (issues ?? []).filter((i) => (i.location ?? []).includes(location));
}

/** Golden files hold output and report; regenerate with UPDATE_GOLDEN=1 after a deliberate change. */
export async function matchesGolden(name: string, actual: unknown): Promise<void> {
  const file = join(GOLDEN, `${name}.json`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    writeFileSync(
      file,
      await prettier.format(JSON.stringify(actual, null, 2), { ...options, parser: 'json' }),
    );
  }
  expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}
