/**
 * One fixture per registered format, found, not listed: the first file under test/adapters/*\/fixtures
 * (in name order, folders one level deep included) that the format's adapter converts without a
 * fatal issue. A format added to the registry joins the benchmark with its fixtures.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ConversionContext, RegisteredAdapter } from '../../src/adapters/index.js';

export interface Fixture {
  file: string;
  bytes: Buffer;
}

function files(dir: string, depth = 0): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    const isDir = statSync(path).isDirectory();
    if (isDir) return depth < 1 ? files(path, depth + 1) : [];
    return statSync(path).size <= 2 * 1024 * 1024 ? [path] : [];
  });
}

export function fixtureFor(
  adapter: RegisteredAdapter,
  ctx: ConversionContext,
  root: string,
): Fixture | undefined {
  const base = join(root, 'test', 'adapters');
  const dirs = readdirSync(base)
    .map((d) => join(base, d, 'fixtures'))
    .sort((a, b) => Number(!a.includes(adapter.format)) - Number(!b.includes(adapter.format)));
  for (const dir of dirs) {
    for (const file of files(dir)) {
      const bytes = readFileSync(file);
      const batch = adapter.run(bytes, ctx);
      const fatal = (batch.report.issue ?? []).some((i) => i.severity === 'fatal');
      if (!fatal && batch.records.some((r) => r.output !== undefined))
        return { file: relative(root, file), bytes };
    }
  }
  return undefined;
}
