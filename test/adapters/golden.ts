/**
 * Golden files of adapter tests: the whole output and report of a conversion. UPDATE_GOLDEN=1 (or
 * a missing file outside CI) writes the file instead of comparing, after a deliberate change.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

export function expectGoldenFile(file: string, value: unknown): void {
  if (process.env.UPDATE_GOLDEN === '1' || (!existsSync(file) && process.env.CI !== 'true')) {
    writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  expect(JSON.parse(JSON.stringify(value))).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}
