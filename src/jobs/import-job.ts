/**
 * The `import` job: export files that source systems drop in a configured folder, one sub-folder
 * per source (`import.sources[].dir`), go into the client record through its import (src/record:
 * the format's adapter, records joined by BSN, provenance, audit), as the source's organisation.
 * Each processed file moves to `done/` or `failed/` beside it, with `<name>.report.json` (the
 * OperationOutcome: unmapped fields and failures by their location in the source, never content).
 * Idempotent by content hash: a file whose content was processed before is moved again without
 * importing it twice, and a crash between importing and moving only means the next run finds the
 * hash and moves the file (the record's own import adds nothing for content it holds, too).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { ImportConfig, ImportSource } from '../config/types.js';
import { errorIssues, normalizeError, outcome as makeOutcome, issue } from '../fhir/outcomes.js';
import type { ImportReport } from '../record/types.js';
import type { Job, JobSummary } from './job.js';

export interface ImportPorts {
  /** Imports one file's bytes into the client record as the source's organisation. */
  importFile(source: ImportSource, bytes: Uint8Array, name: string): Promise<ImportReport>;
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
        added: 0,
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
      note(`The same content was processed before (sha256 ${hash}); nothing imported again.`),
    );
    return { duplicates: 1 };
  }
  let report: ImportReport;
  try {
    report = await ports.importFile(source, bytes, `${source.dir}/${name}`);
  } catch (err) {
    // Unreadable input, an unknown format: the file is refused as a whole, with the reason.
    await ports.imported.record(hash, source.dir, 'failed', 0);
    await finish(dir, name, 'failed', normalizeError(err).outcome);
    return { failed: 1 };
  }
  // A file that imported in part is reported as failed, so that someone looks at it.
  const failed =
    errorIssues(report.report).length > 0 || report.skipped > 0 || report.added + report.unchanged === 0;
  const status = failed ? 'failed' : 'done';
  await ports.imported.record(hash, source.dir, status, report.added);
  await finish(dir, name, status, report.report);
  return {
    [status === 'done' ? 'imported' : 'failed']: 1,
    added: report.added,
    unchanged: report.unchanged,
    skipped: report.skipped,
  };
}
