/**
 * Running one export job: read each type page by page from the store, pseudonymise every
 * resource with the recipient's policy and key, and write NDJSON in parts to the job's files.
 * Memory holds a few pages (four in flight, one read ahead) and two parts, whatever the size of
 * the export. Between pages the lease is renewed; a cancelled job (or one another instance took
 * over) stops there.
 *
 *   store ──► pages (keyset) ──► JSON.parse ──► pseudonymise ──► NDJSON, gzip ──► parts ──► export_file_part
 *
 * Problems with single resources, and types the request names that the policy does not let out,
 * go to the error file as OperationOutcomes (with a type and a position, never content).
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { issue, outcome } from '../fhir/outcomes.js';
import type { Logger } from '../observability/logger.js';
import type { ExportFile, ExportJob, ExportJobStore, ExportOutput } from './job-store.js';
import { forEachLine, gzipLines, type PackedPage, type PageTransform } from './pages.js';
import { inlineJob, type JobPages, type PageWorker } from './page-workers.js';
import {
  announceSeries,
  coarsenAreas,
  countClientsPerArea,
  type KeyRing,
  type Policy,
  type PostcodeAreas,
  type PseudonymiseOptions,
} from './pseudonymise/index.js';
import type { ExportSource, PageQuery } from './source.js';

export interface Recipient {
  /** The recipient's name (the policy's `recipient`). */
  id: string;
  /** The SMART client that exports for it. */
  clientId: string;
  policy: Policy;
  keys: KeyRing;
}

export interface ExportGroup {
  id: string;
  name: string;
  /** CBS municipality code, GMxxxx. */
  municipality: string;
}

export interface ExportRunDeps {
  jobs: ExportJobStore;
  source: ExportSource;
  /** The clients of a Group at the transaction time. */
  members(group: ExportGroup, until: string): Promise<string[]>;
  recipients: ReadonlyMap<string, Recipient>;
  groups: ReadonlyMap<string, ExportGroup>;
  displayOf?: PseudonymiseOptions['displayOf'];
  /** The page step's worker thread (page-workers.ts); without it pages are done on the main thread. */
  pageWorker?: PageWorker;
  logger: Logger;
  /** This process, as the lease holder. */
  owner: string;
  leaseMs?: number;
  /** How often the lease is renewed and a cancel noticed; default 5 s (well inside the lease). */
  renewEveryMs?: number;
  pageSize?: number;
  /** A part is written once it holds this many characters. */
  partChars?: number;
}

export const ERROR_FILE = 'errors.ndjson';
const DEFAULTS = { leaseMs: 60_000, renewEveryMs: 5_000, pageSize: 1000, partChars: 1 << 20 };

export type RunResult = 'completed' | 'cancelled' | 'failed' | 'not-claimed';

/** The types an export writes: those asked for (or all) that the policy lets out, in name order. */
export function exportTypes(job: ExportJob, policy: Policy): { types: string[]; refused: string[] } {
  const allowed = [...policy.types.keys()].sort();
  const asked = job.request.types ?? allowed;
  return {
    types: asked.filter((t) => policy.types.has(t)).sort(),
    refused: asked.filter((t) => !policy.types.has(t)),
  };
}

function problem(message: string, expression: string): OperationOutcome {
  return outcome([issue({ severity: 'error', code: 'processing', message, expression })]);
}

/**
 * Collects NDJSON, as gzip members (the pages, compressed where they were pseudonymised) or as
 * lines (the error file), into parts of about `partChars` uncompressed characters and writes
 * them. A part is written while the next one fills; at most one write is outstanding, so memory
 * holds at most two parts.
 */
class PartWriter {
  private members: Uint8Array[] = [];
  /** Lines not yet compressed; they follow the members. */
  private lines: string[] = [];
  private chars = 0;
  private part = 0;
  private pending: Promise<void> = Promise.resolve();
  /** Lines handed to `write` so far. */
  private written = 0;
  count = 0;

  constructor(
    private readonly write: (part: number, resources: number, gzipped: Uint8Array) => Promise<void>,
    private readonly partChars: number,
  ) {}

  /** One NDJSON line, without its newline. */
  async add(line: string): Promise<void> {
    this.lines.push(`${line}\n`);
    await this.added(line.length + 1, 1);
  }

  /** A gzip member of `n` NDJSON lines, `chars` characters uncompressed. */
  async addMember(gzipped: Uint8Array, chars: number, n: number): Promise<void> {
    if (n === 0) return;
    if (this.lines.length > 0) this.compressLines();
    this.members.push(gzipped);
    await this.added(chars, n);
  }

  private async added(chars: number, n: number): Promise<void> {
    this.chars += chars;
    this.count += n;
    if (this.chars >= this.partChars) await this.cut();
  }

  private compressLines(): void {
    this.members.push(gzipLines(this.lines.join('')));
    this.lines = [];
  }

  /** Starts writing what has been collected, after the previous write has finished. */
  private async cut(): Promise<void> {
    await this.pending;
    if (this.lines.length > 0) this.compressLines();
    if (this.members.length === 0) return;
    const n = this.count - this.written;
    const gzipped = this.members.length === 1 ? (this.members[0] as Uint8Array) : Buffer.concat(this.members);
    this.members = [];
    this.chars = 0;
    this.written = this.count;
    this.pending = this.write(this.part++, n, gzipped);
  }

  /** Writes the rest and waits until everything is written. */
  async flush(): Promise<void> {
    await this.cut();
    await this.pending;
  }
}

/** Postcode areas for the export: counted over the Patients of the export, decided once (k-anonymity). */
async function postcodeAreas(query: PageQuery, policy: Policy, deps: ExportRunDeps): Promise<PostcodeAreas> {
  const patients: unknown[] = [];
  const counts = new Map<string, number>();
  for await (const page of deps.source.pages(query, deps.pageSize ?? DEFAULTS.pageSize)) {
    patients.length = 0;
    forEachLine(page, (json) => patients.push(JSON.parse(json)));
    for (const [area, n] of countClientsPerArea(patients)) counts.set(area, (counts.get(area) ?? 0) + n);
  }
  return coarsenAreas(counts, policy.postcode);
}

interface Run {
  job: ExportJob;
  recipient: Recipient;
  deps: ExportRunDeps;
  transform: PageTransform;
  errors: PartWriter;
  /** When the lease was last renewed (performance.now()). */
  renewedAt: number;
}

/** Writes one type's file; false when the job stopped being ours (cancelled or taken over). */
async function exportType(run: Run, query: PageQuery): Promise<ExportFile | false> {
  const { job, deps } = run;
  const file = `${query.type}.ndjson`;
  const writer = new PartWriter(
    (part, n, content) => deps.jobs.appendPart(job.id, file, part, n, content),
    deps.partChars ?? DEFAULTS.partChars,
  );
  // Pages in flight to the pseudonymiser, awaited in the order they were read: enough that the
  // page worker always has the next page while the main thread does one of its own.
  const inFlight: { result: Promise<PackedPage>; first: number }[] = [];
  const window = 4;
  let position = 0;
  const settle = async (next: { result: Promise<PackedPage>; first: number }) => {
    const { gzip, chars, count, failed } = await next.result;
    await writer.addMember(gzip, chars, count);
    for (const i of failed) {
      const where = `${query.type}[${String(next.first + i)}]`;
      await run.errors.add(
        JSON.stringify(problem('This resource could not be pseudonymised; it was left out', where)),
      );
    }
  };
  for await (const page of deps.source.pages(query, deps.pageSize ?? DEFAULTS.pageSize)) {
    const result = run.transform(page);
    // A page left waiting after a failure elsewhere must not be an unhandled rejection.
    result.catch(() => undefined);
    inFlight.push({ result, first: position + 1 });
    position += page.count;
    while (inFlight.length >= window) await settle(inFlight.shift() as (typeof inFlight)[number]);
    // The lease is renewed (and cancellation noticed) every few seconds, not every page: each
    // renewal is a commit the database must make durable.
    if (performance.now() - run.renewedAt >= (deps.renewEveryMs ?? DEFAULTS.renewEveryMs)) {
      const progress = `${query.type}: ${String(position)} read`;
      if (!(await deps.jobs.renew(job.id, deps.owner, deps.leaseMs ?? DEFAULTS.leaseMs, progress))) {
        await writer.flush();
        return false;
      }
      run.renewedAt = performance.now();
    }
  }
  for (let next = inFlight.shift(); next; next = inFlight.shift()) await settle(next);
  await writer.flush();
  return { type: query.type, file, count: writer.count };
}

/** Runs a job this process has claimed to its end. Never throws: a failure is recorded by a code. */
export async function runClaimedExport(job: ExportJob, deps: ExportRunDeps): Promise<RunResult> {
  const recipient = deps.recipients.get(job.recipient);
  const group = job.request.groupId ? deps.groups.get(job.request.groupId) : undefined;
  if (!recipient || (job.request.groupId && !group)) {
    await deps.jobs.fail(job.id, deps.owner, recipient ? 'group-unknown' : 'recipient-unknown');
    return 'failed';
  }
  let pages: JobPages | undefined;
  try {
    const series = announceSeries(recipient.policy, await deps.jobs.lastCompleted(recipient.id));
    const base = {
      until: job.transactionTime,
      ...(group ? { patients: await deps.members(group, job.transactionTime) } : {}),
    };
    const areas = await postcodeAreas(
      { ...base, type: 'Patient', addressesOnly: true },
      recipient.policy,
      deps,
    );
    const options: PseudonymiseOptions = {
      ...(deps.displayOf ? { displayOf: deps.displayOf } : {}),
      postcodeAreas: areas,
    };
    pages = deps.pageWorker
      ? deps.pageWorker.pages(recipient.policy, recipient.keys, options)
      : inlineJob(recipient.policy, recipient.keys, options);
    const transform = pages.transform;
    const errors = new PartWriter(
      (part, n, content) => deps.jobs.appendPart(job.id, ERROR_FILE, part, n, content),
      deps.partChars ?? DEFAULTS.partChars,
    );
    const run: Run = { job, recipient, deps, transform, errors, renewedAt: performance.now() };
    const { types, refused } = exportTypes(job, recipient.policy);
    for (const type of refused)
      await errors.add(
        JSON.stringify(
          problem(`${type} is not exported to this recipient (its policy does not name it)`, '_type'),
        ),
      );
    const output: ExportFile[] = [];
    for (const type of types) {
      const filters = job.request.typeFilters?.[type];
      const query: PageQuery = {
        ...base,
        type,
        ...(job.request.since ? { since: job.request.since } : {}),
        ...(filters ? { filters } : {}),
      };
      const file = await exportType(run, query);
      if (file === false) {
        await deps.jobs.discardIfCancelled(job.id);
        return 'cancelled';
      }
      if (file.count > 0) output.push(file);
    }
    await errors.flush();
    const result: ExportOutput = {
      output,
      error: errors.count > 0 ? [{ type: 'OperationOutcome', file: ERROR_FILE, count: errors.count }] : [],
      series,
    };
    if (await deps.jobs.complete(job.id, deps.owner, result)) return 'completed';
    await deps.jobs.discardIfCancelled(job.id);
    return 'cancelled';
  } catch (err) {
    deps.logger.error('export.failed', {
      job: job.id,
      errorType: err instanceof Error ? err.name : typeof err,
    });
    await deps.jobs.fail(job.id, deps.owner, 'export-failed');
    return 'failed';
  } finally {
    // The job's memos in the worker go with the job, however it ended.
    pages?.end();
  }
}

/** Claims a job (when nobody runs it) and runs it. */
export async function runExport(id: string, deps: ExportRunDeps): Promise<RunResult> {
  if (!(await deps.jobs.claim(id, deps.owner, deps.leaseMs ?? DEFAULTS.leaseMs))) return 'not-claimed';
  const job = await deps.jobs.get(id);
  if (!job) return 'not-claimed';
  const result = await runClaimedExport(job, deps);
  deps.logger.info('export.run', { job: id, result });
  return result;
}
