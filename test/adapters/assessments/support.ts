/** One adapter and one conversion context per test file: loading them costs a few hundred ms. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { createAssessmentsAdapter } from '../../../src/adapters/assessments/index.js';
import type { BatchResult, RunOptions } from '../../../src/adapters/framework.js';
import { runAdapter } from '../../../src/adapters/framework.js';
import { adapterSetup } from '../support.js';
export { issuesAt } from '../support.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');

export const setup = adapterSetup(createAssessmentsAdapter);

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
