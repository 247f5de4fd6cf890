/**
 * One fixture per registered format, found, not listed: the first file under test/adapters/*\/fixtures
 * (in name order, folders one level deep included) that the format's adapter converts without a
 * fatal issue; for a format whose input is a set of files (`runFiles`, a folder export) the first
 * such folder. A format added to the registry joins the benchmark with its fixtures.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type {
  BatchResult,
  ConversionContext,
  InputFile,
  RegisteredAdapter,
} from '../../src/adapters/index.js';
import { floorFor } from './floors.js';

export interface Fixture {
  label: string;
  run(): BatchResult;
  /** The plain parse of the same bytes. */
  floor(): void;
  floorName: string;
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir)
      .sort()
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

const isDir = (path: string): boolean => statSync(path).isDirectory();

function filesUnder(dir: string, depth = 0): string[] {
  return entries(dir).flatMap((path) =>
    isDir(path) ? (depth < 1 ? filesUnder(path, depth + 1) : []) : [path],
  );
}

function foldersUnder(dir: string): string[] {
  return entries(dir).filter(isDir);
}

function converts(batch: BatchResult): boolean {
  const fatal = (batch.report.issue ?? []).some((i) => i.severity === 'fatal');
  return !fatal && batch.records.some((r) => r.output !== undefined);
}

export function fixtureFor(
  adapter: RegisteredAdapter,
  ctx: ConversionContext,
  root: string,
): Fixture | undefined {
  const base = join(root, 'test', 'adapters');
  const dirs = entries(base)
    .map((d) => join(d, 'fixtures'))
    .sort((a, b) => Number(!a.includes(adapter.format)) - Number(!b.includes(adapter.format)));
  for (const dir of dirs) {
    if (adapter.runFiles) {
      const runFiles = adapter.runFiles.bind(adapter);
      for (const folder of foldersUnder(dir)) {
        const files: InputFile[] = entries(folder)
          .filter((p) => !isDir(p))
          .map((p) => ({ name: relative(folder, p), bytes: readFileSync(p) }));
        if (files.length === 0 || !converts(runFiles(files, ctx))) continue;
        const floors = files.map((f) => ({
          floor: floorFor(Buffer.from(f.bytes)),
          bytes: Buffer.from(f.bytes),
        }));
        return {
          label: `${relative(root, folder)}/ (${files.length} files)`,
          run: () => runFiles(files, ctx),
          floor: () => floors.forEach((f) => f.floor.run(f.bytes)),
          floorName: [...new Set(floors.map((f) => f.floor.name))].join(' + '),
        };
      }
    }
    for (const file of filesUnder(dir)) {
      if (statSync(file).size > 2 * 1024 * 1024) continue;
      const bytes = readFileSync(file);
      if (!converts(adapter.run(bytes, ctx))) continue;
      const floor = floorFor(bytes);
      return {
        label: relative(root, file),
        run: () => adapter.run(bytes, ctx),
        floor: () => floor.run(bytes),
        floorName: floor.name,
      };
    }
  }
  return undefined;
}
