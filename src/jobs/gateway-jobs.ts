/**
 * The gateway's scheduled jobs on its database: the workflow jobs (watchdog, 18-/18+, waiting
 * times), delivery of the outbox, retention and import, with their ports on the store, their
 * schedules from configuration, the lock on the `job` table (one instance runs a job at a time)
 * and their results in /metrics. `overdracht serve` starts them; `overdracht job NAME` runs one.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { VisibleResources } from '../access/resources.js';
import { createAdapterRegistry, createConversionContext, type AdapterRegistry } from '../adapters/index.js';
import { auditEvent } from '../audit/events.js';
import type { Config } from '../config/types.js';
import { failTaskOnDeadLetter } from '../delivery/dead-letters.js';
import { Deliverer } from '../delivery/deliverer.js';
import { serverError } from '../fhir/outcomes.js';
import { failTask } from '../gateway/workflow-internal.js';
import type { WorkflowDeps } from '../gateway/workflow-changes.js';
import { storeDeliverySource } from '../delivery/store-source.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { AuditLog } from '../store/audit-log.js';
import type { Database } from '../store/database.js';
import { indicatorPorts, indicatorsJob, type IndicatorPorts } from '../indicators/index.js';
import { ImportedFiles, ResourcePurge } from '../store/jobs.js';
import { Outbox } from '../store/outbox.js';
import { importValidator, type ImportDeps } from '../record/import.js';
import { RecordService } from '../record/service.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { SearchParamRegistry } from '../store/search-params.js';
import { createTerminologyService } from '../terminology/service.js';
import {
  transitionPreparationJob,
  waitingTimesJob,
  watchdogJob,
  youthInterruptionsJob,
} from '../workflow/jobs.js';
import { deliveryJob, type DeliveryPorts } from './delivery-job.js';
import { importJob, type ImportPorts } from './import-job.js';
import type { Job } from './job.js';
import { retentionJob, type RetentionPorts } from './retention-job.js';
import { JobRunner, type Scheduler } from './runner.js';
import { StoreJobLock } from './store-lock.js';
import { WorkflowStore, type WorkflowStorePorts } from './workflow-store.js';

export type GatewayJobPorts = WorkflowStorePorts &
  DeliveryPorts &
  RetentionPorts &
  ImportPorts &
  IndicatorPorts;

export interface GatewayJobDeps {
  config: Config;
  db: Database;
  store: ResourceStore;
  /** The store's search parameters (the client record reads through them). */
  registry: SearchParamRegistry;
  auditLog: AuditLog;
  /** The gateway's FHIR base URL. */
  endpoint: string;
  logger: Logger;
  metrics?: Metrics;
  now?: () => Date;
  fetch?: typeof fetch;
  random?: () => number;
  /** Unique per instance; by default host, process id and a random part. */
  owner?: string;
  scheduler?: Scheduler;
}

/** The gateway's jobs with their configured schedules. */
export function gatewayJobs(config: Config): Job<GatewayJobPorts>[] {
  const s = config.jobs.schedules;
  const tz = { timeZone: config.jobs.timeZone };
  const at = (name: string) => (s[name] ? { schedule: s[name] } : {});
  return [
    deliveryJob(at('delivery')),
    watchdogJob({ days: config.jobs.watchdogDays, ...at('handover-watchdog') }),
    transitionPreparationJob({ ...tz, ...at('transition-preparation') }),
    youthInterruptionsJob({ ...tz, ...at('youth-interruptions') }),
    waitingTimesJob({ ...tz, ...at('waiting-times') }),
    retentionJob(config.retention, at('retention')),
    importJob(config.import, at('import')),
    indicatorsJob({ ...tz, ...at('indicators') }),
  ];
}

export function createJobRunner(deps: GatewayJobDeps): JobRunner<GatewayJobPorts> {
  const now = deps.now ?? (() => new Date());
  const { config, db, store, metrics } = deps;
  const workflow = new WorkflowStore({ db, store, organisations: config.organisations, now });
  // The gateway's own Task changes (a dead letter failing its Task) store no feedback report,
  // so nothing here is validated.
  const workflowDeps: WorkflowDeps = {
    db,
    store,
    auditLog: deps.auditLog,
    outbox: new Outbox(db, now),
    organisations: config.organisations,
    validate: () => serverError(),
    now,
    newId: randomUUID,
    endpoint: deps.endpoint,
  };
  const deliverer = new Deliverer({
    outbox: new Outbox(db, now),
    source: storeDeliverySource({ db, store, auditLog: deps.auditLog, endpoint: deps.endpoint, now }),
    organisations: config.organisations,
    settings: config.delivery,
    endpoint: deps.endpoint,
    fetch: deps.fetch ?? fetch,
    now,
    random: deps.random ?? Math.random,
    logger: deps.logger,
    ...(metrics ? { metrics } : {}),
    onDead: failTaskOnDeadLetter({
      organisations: config.organisations,
      failTask: (taskId, on, reason) => failTask(workflowDeps, taskId, { on, reason, ownerOnly: true }),
    }),
  });
  let adapters:
    | {
        registry: AdapterRegistry;
        terminology: ReturnType<typeof createTerminologyService>;
        validate: ImportDeps['validate'];
      }
    | undefined;
  const ports: GatewayJobPorts = {
    findIdleTasks: (statuses, before) => workflow.findIdleTasks(statuses, before),
    saveTaskChange: (change) => workflow.saveTaskChange(change),
    findYouthClients: (from, to) => workflow.findYouthClients(from, to),
    hasTransitionPreparation: (episode) => workflow.hasTransitionPreparation(episode),
    newId: () => workflow.newId(),
    saveInterruptionReport: (report) => workflow.saveInterruptionReport(report),
    findTaskRecords: (since) => workflow.findTaskRecords(since),
    saveWaitingTimeReport: (report) => workflow.saveWaitingTimeReport(report),
    deliverer,
    purge: new ResourcePurge(db),
    outbox: new Outbox(db, now),
    recordPurge: async (type: string, ids: readonly string[]) => {
      await deps.auditLog.append(
        auditEvent({
          principal: {
            clientId: 'overdracht-retention',
            organisation: gatewayOrganisation,
            roles: [],
            scopes: [],
          },
          action: 'D',
          interaction: 'delete',
          outcome: '0',
          what: ids.map((id) => ({ reference: `${type}/${id}` })),
          legalBasis: 'legal-obligation',
          sourceSystem: deps.endpoint,
          recorded: now(),
        }),
      );
    },
    importFile: (source, bytes, name) => {
      adapters ??= {
        registry: createAdapterRegistry(),
        terminology: createTerminologyService(),
        validate: importValidator(),
      };
      const { registry, terminology, validate } = adapters;
      const context = createConversionContext({ terminology, channel: source.channel ?? {} });
      const record = new RecordService({
        db,
        store,
        visible: new VisibleResources(db, store, deps.registry),
        auditLog: deps.auditLog,
        organisations: config.organisations,
        endpoint: deps.endpoint,
        now,
        adapters: () => ({ registry, context, validate }),
      });
      const organisation = config.organisations.find((o) => o.id === source.organisation);
      return record.import({ format: source.format, bytes, name }, undefined, organisation);
    },
    imported: new ImportedFiles(db, now),
    ...indicatorPorts(db),
  };
  return new JobRunner<GatewayJobPorts>({
    jobs: gatewayJobs(config),
    lock: new StoreJobLock(db, now),
    ports,
    logger: deps.logger,
    owner: deps.owner ?? `${hostname()}:${String(process.pid)}:${randomUUID().slice(0, 8)}`,
    now,
    ...(deps.scheduler ? { scheduler: deps.scheduler } : {}),
    onResult: (result) => {
      if (!metrics || result.status === 'unknown-job') return;
      metrics.jobRuns.inc({ job: result.name, status: result.status });
      if (result.status === 'skipped') return;
      const at = result.finishedAt.getTime() / 1000;
      metrics.jobLastRun.set({ job: result.name }, at);
      if (result.status === 'ok') metrics.jobLastSuccess.set({ job: result.name }, at);
    },
  });
}

/** How the gateway itself appears as the organisation of its own audit records (retention). */
const gatewayOrganisation = {
  id: 'overdracht',
  name: 'overdracht gateway',
  identifier: { system: 'urn:overdracht:system', value: 'gateway' },
  type: 'data-platform' as const,
  delivery: { mode: 'none' as const },
};
