/** The GGZ EHR adapter with either vendor spec, a context and helpers to run file sets. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle } from '@medplum/fhirtypes';
import {
  type BatchResult,
  type ConversionContext,
  type InputFile,
  runAdapterFiles,
} from '../../../src/adapters/framework.js';
import type { ExportAdapter } from '../../../src/adapters/exports/index.js';
import { createGgzEhrAdapter } from '../../../src/adapters/ggz-ehr/index.js';
import { createConversionContext } from '../../../src/adapters/index.js';
import { createTerminologyService } from '../../../src/terminology/service.js';
import { expectGoldenFile } from '../golden.js';
export { issuesAt, resources } from '../support.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(HERE, 'fixtures');
export const GOLDEN = join(HERE, 'golden');
export const MAPPINGS = join(HERE, '..', '..', '..', 'mappings', 'ggz-ehr');

let ctx: ConversionContext | undefined;
const adapters = new Map<string, ExportAdapter>();

export function context(): ConversionContext {
  ctx ??= createConversionContext({ terminology: createTerminologyService() });
  return ctx;
}

/** The adapter with a vendor spec of mappings/ggz-ehr (`epd-csv`, `epd-json`). */
export function adapter(vendor: 'epd-csv' | 'epd-json'): ExportAdapter {
  let a = adapters.get(vendor);
  if (!a) {
    a = createGgzEhrAdapter({ specFile: join(MAPPINGS, `${vendor}.yaml`) });
    adapters.set(vendor, a);
  }
  return a;
}

/** The files of a fixture folder, optionally changed: name -> new text (undefined drops the file). */
export function fileSet(folder: string, changes: Record<string, string | undefined> = {}): InputFile[] {
  const dir = join(FIXTURES, folder);
  const files: InputFile[] = readdirSync(dir)
    .sort()
    .filter((name) => !(name in changes) || changes[name] !== undefined)
    .map((name) => ({
      name,
      bytes: name in changes ? Buffer.from(changes[name] ?? '', 'latin1') : readFileSync(join(dir, name)),
    }));
  for (const [name, text] of Object.entries(changes))
    if (text !== undefined && !files.some((f) => f.name === name))
      files.push({ name, bytes: Buffer.from(text, 'latin1') });
  return files;
}

export function fixtureText(folder: string, name: string): string {
  return readFileSync(join(FIXTURES, folder, name)).toString('latin1');
}

export function run(vendor: 'epd-csv' | 'epd-json', files: readonly InputFile[]): BatchResult {
  return runAdapterFiles(adapter(vendor), files, context());
}

export function outputs(result: BatchResult): Bundle[] {
  return result.records.map((r) => r.output).filter((o): o is Bundle => o !== undefined && !Array.isArray(o));
}

/** Compares with the golden file (see ../golden.ts). */
export function expectGolden(dir: string, name: string, value: unknown): void {
  expectGoldenFile(join(dir, `${name}.json`), value);
}
