/**
 * The `import` job: export files that source systems drop in a configured folder, one sub-folder
 * per source (`import.sources[].dir`), are converted through the adapter of the source's format
 * and stored. Each processed file moves to `done/` or `failed/` beside it, with `<name>.report.json`
 * (the adapter's OperationOutcome: unmapped fields and failures by their location in the source,
 * never content). Idempotent by content hash: a file whose content was imported before is moved
 * to `done/` again without storing anything twice, and a crash between storing and moving only
 * means the next run finds the hash and moves the file.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { batchFigures, batchOutput, type BatchResult } from '../adapters/index.js';
import type { ImportConfig, ImportSource } from '../config/types.js';
import { outcome as makeOutcome, issue } from '../fhir/outcomes.js';
import type { Job, JobSummary } from './job.js';

export interface ImportPorts {
  /** Runs the source's adapter; undefined when no adapter has that format. */
  convert(source: ImportSource, bytes: Uint8Array): BatchResult | undefined;
  /** Stores what a file converted to, with its provenance; the number of resources stored. */
  store(source: ImportSource, output: Bundle | Resource, hash: string): Promise<number>;
  imported: {
    seen(hash: string): Promise<{ status: 'done' | 'failed'; resources: number } | undefined>;
    record(hash: string, source: string, status: 'done' | 'failed', resources: number): Promise<boolean>;
  };
}

const HIDDEN = /^\./;
const REPORT = /\.report\.json$/;

async function filesIn(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && !HIDDEN.test(e.name) && !REPORT.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return []; // a source whose folder does not exist yet has nothing to import
  }
}

async function finish(
  dir: string,
  name: string,
  status: 'done' | 'failed',
  report: OperationOutcome,
): Promise<void> {
  const target = join(dir, status);
  await mkdir(target, { recursive: true });
  await writeFile(join(target, `${name}.report.json`), `${JSON.stringify(report, null, 2)}\n`);
  await rename(join(dir, name), join(target, name));
}

function note(message: string, severity: 'information' | 'error' = 'information'): OperationOutcome {
  return makeOutcome([
    issue({ severity, code: severity === 'error' ? 'not-supported' : 'informational', message }),
  ]);
}

export function importJob(
  config: ImportConfig | undefined,
  opts: { schedule?: string } = {},
): Job<ImportPorts> {
  return {
    name: 'import',
    schedule: opts.schedule ?? '*/5 * * * *',
    lockTtlMs: 30 * 60_000,
    run: async (ctx) => {
      const summary: JobSummary = {
        files: 0,
        imported: 0,
        failed: 0,
        duplicates: 0,
        resources: 0,
        unmapped: 0,
      };
      for (const source of config?.sources ?? []) {
        const dir = join(config?.folder ?? '.', source.dir);
        for (const name of await filesIn(dir)) {
          summary.files = (summary.files ?? 0) + 1;
          const result = await importFile(ctx.ports, source, dir, name);
          for (const [k, v] of Object.entries(result)) summary[k] = (summary[k] ?? 0) + v;
        }
      }
      return summary;
    },
  };
}

async function importFile(
  ports: ImportPorts,
  source: ImportSource,
  dir: string,
  name: string,
): Promise<JobSummary> {
  const bytes = await readFile(join(dir, name));
  const hash = createHash('sha256').update(bytes).digest('hex');
  const seen = await ports.imported.seen(hash);
  if (seen) {
    await finish(
      dir,
      name,
      seen.status,
      note(`The same content was processed before (sha256 ${hash}); nothing stored again.`),
    );
    return { duplicates: 1 };
  }
  const batch = ports.convert(source, bytes);
  if (!batch) {
    await finish(dir, name, 'failed', note(`No adapter for format '${source.format}'.`, 'error'));
    await ports.imported.record(hash, source.dir, 'failed', 0);
    return { failed: 1 };
  }
  const figures = batchFigures(batch);
  const output = batchOutput(batch);
  const stored = output ? await ports.store(source, output, hash) : 0;
  // A file that converted in part is stored in part and reported as failed, so someone looks at it.
  const status = figures.failed ? 'failed' : 'done';
  await ports.imported.record(hash, source.dir, status, stored);
  await finish(dir, name, status, batch.report);
  return {
    [status === 'done' ? 'imported' : 'failed']: 1,
    resources: stored,
    unmapped: figures.unmapped,
  };
}
