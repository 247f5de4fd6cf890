/**
 * The asynchronous Bulk Data export as the HTTP layer sees it: kick-off (a job row, then the run
 * in the background of this process), status (in progress, the manifest, or an error), delete,
 * and the files. Only a client with the platform role that is configured as a recipient may
 * export, only its own jobs are visible to it (others are 404), and every kick-off, cancel and
 * file download is audited. https://hl7.org/fhir/uv/bulkdata/export.html
 */
import { randomUUID } from 'node:crypto';
import { auditEvent, type AuditAction } from '../audit/events.js';
import { allows } from '../auth/scopes.js';
import type { Principal } from '../auth/smart.js';
import { badRequest, forbidden, notFound, OperationOutcomeError } from '../fhir/outcomes.js';
import type { AuditLog } from '../store/audit-log.js';
import type { ExportJob, ExportJobStore } from './job-store.js';
import type { PageWorker } from './page-workers.js';
import { recipientOf, type ExportParties } from './recipients.js';
import type { ExportRequest } from './request.js';
import { runExport, type ExportRunDeps, type Recipient, type RunResult } from './run.js';

export interface ExportServiceDeps {
  jobs: ExportJobStore;
  parties: ExportParties;
  run: Omit<ExportRunDeps, 'jobs' | 'recipients' | 'groups'>;
  auditLog: AuditLog;
  /** Checks a `_typeFilter` query (throws a 400 OperationOutcomeError when it is not a valid search). */
  checkFilter(type: string, filter: string): void;
  now: () => Date;
  newId?: () => string;
  sourceSystem: string;
}

/** The Bulk Data manifest. https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status */
export interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: true;
  output: { type: string; url: string; count: number }[];
  error: { type: string; url: string; count: number }[];
  extension: {
    'https://overdracht.dev/fhir/StructureDefinition/export-pseudonym-series': {
      recipient: string;
      keyId: string;
      series: string;
      newSeries: boolean;
      previousSeries?: string;
    };
  };
}

export type ExportStatusView =
  | { kind: 'in-progress'; progress: string }
  | { kind: 'complete'; manifest: Manifest }
  | { kind: 'error'; code: string };

function forbid(message: string): OperationOutcomeError {
  return new OperationOutcomeError(forbidden(message), 403);
}

export class ExportService {
  private readonly running = new Set<Promise<RunResult>>();

  constructor(private readonly deps: ExportServiceDeps) {}

  /** The recipient the caller exports for; 403 for anyone else. */
  private recipient(principal: Principal): Recipient {
    if (!principal.roles.includes('platform')) throw forbid('Only a client with the platform role exports');
    const recipient = recipientOf(this.deps.parties, principal.clientId);
    if (!recipient) throw forbid('This client is not configured as an export recipient');
    return recipient;
  }

  private checkRequest(principal: Principal, recipient: Recipient, request: ExportRequest): void {
    if (request.groupId && !this.deps.parties.groups.has(request.groupId))
      throw new OperationOutcomeError(notFound(`No Group ${request.groupId}`), 404);
    const types = request.types ?? [...recipient.policy.types.keys()];
    const denied = types.find((t) => !allows(principal.scopes, t, 'r') || !allows(principal.scopes, t, 's'));
    if (denied) throw forbid(`The token's scopes do not allow reading ${denied}`);
    for (const [type, filters] of Object.entries(request.typeFilters ?? {})) {
      for (const filter of filters) {
        try {
          this.deps.checkFilter(type, filter);
        } catch (err) {
          if (err instanceof OperationOutcomeError)
            throw new OperationOutcomeError(
              badRequest(`_typeFilter ${type}?${filter}: not a valid search`, '_typeFilter'),
              400,
            );
          throw err;
        }
      }
    }
  }

  /** Creates the job and starts it in the background; answers its id. */
  async kickOff(principal: Principal, request: ExportRequest, requestId?: string): Promise<string> {
    const recipient = this.recipient(principal);
    this.checkRequest(principal, recipient, request);
    const id = (this.deps.newId ?? randomUUID)();
    await this.deps.jobs.create({
      id,
      clientId: principal.clientId,
      recipient: recipient.id,
      request,
      transactionTime: this.deps.now(),
      keyId: recipient.policy.key.id,
      series: recipient.policy.key.series,
    });
    await this.audit(principal, 'E', '$export', id, requestId, request.groupId);
    this.start(id);
    return id;
  }

  /** Runs a job in this process unless another instance holds it. */
  start(id: string): void {
    const run = runExport(id, {
      ...this.deps.run,
      jobs: this.deps.jobs,
      recipients: this.deps.parties.recipients,
      groups: this.deps.parties.groups,
    }).catch((): RunResult => {
      // The claim itself failed (database unavailable): the next status poll tries again.
      this.deps.run.logger.warn('export.claim-failed', { job: id });
      return 'not-claimed';
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Resolves when the exports this process runs have ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** The page step's worker thread, when this service uses one. */
  get pageWorker(): PageWorker | undefined {
    return this.deps.run.pageWorker;
  }

  /** Ends the page step's worker thread; a job still running goes on with its pages on this thread. */
  async close(): Promise<void> {
    await this.deps.run.pageWorker?.close();
  }

  /** The caller's own job; 404 for a job of anyone else, as if it did not exist. */
  private async own(principal: Principal, id: string): Promise<ExportJob> {
    this.recipient(principal);
    const job = await this.deps.jobs.get(id);
    if (!job || job.clientId !== principal.clientId || job.status === 'cancelled')
      throw new OperationOutcomeError(notFound('No such export'), 404);
    return job;
  }

  async status(
    principal: Principal,
    id: string,
    fileUrl: (id: string, file: string) => string,
  ): Promise<ExportStatusView> {
    const job = await this.own(principal, id);
    switch (job.status) {
      case 'accepted':
      case 'in-progress':
        // A job whose holder died is taken over here, by whichever instance is asked.
        this.start(job.id);
        return { kind: 'in-progress', progress: job.progress ?? job.status };
      case 'failed':
        return { kind: 'error', code: job.errorCode ?? 'export-failed' };
      case 'completed':
        return { kind: 'complete', manifest: manifestOf(job, fileUrl) };
      case 'cancelled':
        throw new OperationOutcomeError(notFound('No such export'), 404);
      default:
        return job.status satisfies never;
    }
  }

  async cancel(principal: Principal, id: string, requestId?: string): Promise<void> {
    await this.own(principal, id);
    await this.deps.jobs.cancel(id);
    await this.audit(principal, 'D', '$export-delete', id, requestId);
  }

  /** A file of a completed job, in parts. */
  async file(
    principal: Principal,
    id: string,
    file: string,
    requestId?: string,
  ): Promise<AsyncGenerator<string>> {
    const job = await this.own(principal, id);
    const files = [...(job.output?.output ?? []), ...(job.output?.error ?? [])];
    if (job.status !== 'completed' || !files.some((f) => f.file === file))
      throw new OperationOutcomeError(notFound('No such export file'), 404);
    await this.audit(principal, 'R', '$export-file', id, requestId);
    return this.deps.jobs.parts(id, file);
  }

  private async audit(
    principal: Principal,
    action: AuditAction,
    interaction: string,
    jobId: string,
    requestId: string | undefined,
    groupId?: string,
  ): Promise<void> {
    await this.deps.auditLog.append(
      auditEvent({
        principal,
        action,
        interaction,
        outcome: '0',
        what: [
          { identifier: { system: 'https://overdracht.dev/fhir/NamingSystem/export-job', value: jobId } },
          ...(groupId ? [{ reference: `Group/${groupId}` }] : []),
        ],
        legalBasis: 'legal-obligation',
        sourceSystem: this.deps.sourceSystem,
        recorded: this.deps.now(),
        ...(requestId ? { requestId } : {}),
      }),
    );
  }
}

export function manifestOf(job: ExportJob, fileUrl: (id: string, file: string) => string): Manifest {
  const files = (list: readonly { type: string; file: string; count: number }[]) =>
    list.map((f) => ({ type: f.type, url: fileUrl(job.id, f.file), count: f.count }));
  const series = job.output?.series ?? { keyId: job.keyId, series: job.series, newSeries: false };
  return {
    transactionTime: job.transactionTime,
    request: job.request.url,
    requiresAccessToken: true,
    output: files(job.output?.output ?? []),
    error: files(job.output?.error ?? []),
    extension: {
      'https://overdracht.dev/fhir/StructureDefinition/export-pseudonym-series': {
        recipient: job.recipient,
        ...series,
      },
    },
  };
}
