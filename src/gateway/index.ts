/**
 * The composition root of the validation gateway: opens the database (migrations run at start),
 * builds the validator once, the stores, the intake, the routes and the HTTP app. Listening is
 * the caller's business (src/cli/serve.ts); tests drive the same app with supertest.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Express } from 'express';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { AuditTrail } from '../access/audit-trail.js';
import { VisibleResources } from '../access/resources.js';
import { createAdapterRegistry, createConversionContext } from '../adapters/index.js';
import { createWriterRegistry } from '../adapters/outbound/index.js';
import { DatabaseJtiStore } from '../auth/jti-store.js';
import type { Principal } from '../auth/smart.js';
import { projectRoot } from '../config/load.js';
import type { Config } from '../config/types.js';
import { createExportService, type ExportService } from '../export/index.js';
import { errorIssues } from '../fhir/outcomes.js';
import { IndicatorReports, indicatorAccessAudit } from '../indicators/index.js';
import { createApp } from '../http/app.js';
import { auditEventRoutes } from '../http/fhir/audit-events.js';
import { deliveryGatewayRoutes } from '../http/fhir/delivery-gateway.js';
import { type ConvertDeps, convertRoutes } from '../http/fhir/convert.js';
import { exportRoutes } from '../http/fhir/export.js';
import { measureReportRoutes } from '../http/fhir/measure-report.js';
import { messagingRoutes } from '../http/fhir/messaging.js';
import { resourceRoutes } from '../http/fhir/resources.js';
import { taskRoutes } from '../http/fhir/tasks.js';
import { workflowReadRoutes, workflowRoutes } from '../http/fhir/workflow.js';
import { validateRoutes } from '../http/fhir/validate.js';
import type { FhirRoute } from '../http/routes.js';
import type { IntakeDeps } from '../intake/referral.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { AuditLog } from '../store/audit-log.js';
import type { Database } from '../store/database.js';
import { IdempotencyStore } from '../store/idempotency.js';
import { reconcileIndexes } from '../store/index-state.js';
import { migrate } from '../store/migrate.js';
import { Outbox } from '../store/outbox.js';
import { openDatabase } from '../store/open.js';
import { ResourceStore } from '../store/resource-store.js';
import type { SearchParamRegistry } from '../store/search-params.js';
import { createTerminologyService } from '../terminology/service.js';
import { createValidator, type Validator } from '../validation/index.js';
import { recordAccess } from './access-audit.js';
import { GatewayIntakeRepository } from './intake-repository.js';
import { recordCompletion, recordGatewayRoutes } from '../record/gateway.js';
import { GATEWAY_TYPES, gatewayRegistry, readableTypes } from './search-params.js';
import { performTaskAction, workflowTransitions, type TransitionFn } from './task-actions.js';
import type { WorkflowDeps } from './workflow-changes.js';
import { performFinish } from './workflow-closure.js';
import { performFanOut } from './workflow-fanout.js';
import { performHandover } from './workflow-handover.js';

export { GATEWAY_TYPES } from './search-params.js';

export interface GatewayOptions {
  clock?: () => Date;
  logger?: Logger;
  /** An open database to use (tests share one); by default the configured one is opened, and closed by `close`. */
  database?: Database;
  /** A validator to share (building one costs seconds); by default one is built. */
  validator?: Validator;
  newId?: () => string;
  /** The Task workflow behind the Task operations ($accept, $forward, ...). */
  transition?: TransitionFn;
}

export interface Gateway {
  app: Express;
  db: Database;
  config: Config;
  intake: IntakeDeps;
  metrics: Metrics;
  /** The FHIR base URL (`<baseUrl>/fhir`). */
  endpoint: string;
  /** Bulk `$export` for regional data platforms (jobs run in the background of this process). */
  exports: ExportService;
  close(): Promise<void>;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

interface PackageIndex {
  files?: { resourceType?: string; kind?: string; type?: string; url?: string }[];
}

/** The project's resource profiles per type, from the package index (for the CapabilityStatement). */
function supportedProfiles(): Record<string, string[]> {
  const index = JSON.parse(
    readFileSync(join(projectRoot(), 'profiles', 'package', '.index.json'), 'utf8'),
  ) as PackageIndex;
  const out: Record<string, string[]> = {};
  for (const f of index.files ?? []) {
    if (f.resourceType === 'StructureDefinition' && f.kind === 'resource' && f.type && f.url)
      (out[f.type] ??= []).push(f.url);
  }
  return out;
}

export async function createGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger ?? createLogger(config.log.level);
  const newId = options.newId ?? randomUUID;
  const db = options.database ?? (await openDatabase(config.storage));
  try {
    if (options.database) await migrate(db);
    const registry = gatewayRegistry();
    await prepareIndexes(db, registry, logger, clock);
    return build(config, db, registry, { ...options, clock, logger, newId });
  } catch (err) {
    if (!options.database) await db.close();
    throw err;
  }
}

type Resolved = GatewayOptions & { clock: () => Date; logger: Logger; newId: () => string };

/** What the routes are built from. */
interface Parts {
  config: Config;
  db: Database;
  registry: SearchParamRegistry;
  store: ResourceStore;
  auditLog: AuditLog;
  metrics: Metrics;
  intake: IntakeDeps;
  validate: (resource: unknown, profiles: readonly string[]) => OperationOutcome;
  endpoint: string;
  exports: ExportService;
  options: Resolved;
}

/**
 * Index rows written for other parameters than this build indexes (an older index policy) are
 * rewritten before the gateway answers a search (src/store/index-state.ts).
 */
export async function prepareIndexes(
  db: Database,
  registry: SearchParamRegistry,
  logger: Logger,
  clock: () => Date = () => new Date(),
): Promise<void> {
  const { changed, reindexed } = await reconcileIndexes(db, registry, clock);
  const resources = Object.values(reindexed).reduce((n, c) => n + c, 0);
  if (resources > 0)
    logger.info('store.reindexed', {
      types: Object.keys(reindexed).length,
      resources,
      changed: changed.length,
    });
}

function build(config: Config, db: Database, registry: SearchParamRegistry, options: Resolved): Gateway {
  const { clock, newId } = options;
  const endpoint = `${config.baseUrl.replace(/\/$/, '')}/fhir`;
  const store = new ResourceStore(db, { registry, clock, newId });
  const auditLog = new AuditLog(db, newId);
  const validator = options.validator ?? createValidator({ includeProjectPackage: true });
  const metrics = createMetrics();
  const validate = (resource: unknown, profiles: readonly string[]): OperationOutcome =>
    validator.validate(resource, { profiles });
  const intake: IntakeDeps = {
    // Each issue names the definition whose rule raised it: intake reports FHIR's own rules first.
    validate: (resource, profiles) => validator.validate(resource, { profiles, issueSource: true }),
    repo: new GatewayIntakeRepository(
      db,
      store,
      new IdempotencyStore(db, clock),
      auditLog,
      new Outbox(db, clock, newId),
    ),
    organisations: config.organisations,
    now: clock,
    newId,
    endpoint,
    onCheck: (check, seconds) => metrics.validationSeconds.observe({ stage: check }, seconds),
    keeps: (type) => registry.isStored(type),
    complete: recordCompletion({
      db,
      store,
      auditLog,
      organisations: config.organisations,
      endpoint,
      now: clock,
      newId,
    }),
  };
  const exports = createExportService({
    config,
    db,
    registry,
    auditLog,
    logger: options.logger,
    now: clock,
    newId,
    sourceSystem: endpoint,
    getCodeSystem: (url) => terminology().getCodeSystem(url),
  });
  const parts: Parts = {
    config,
    db,
    registry,
    store,
    auditLog,
    metrics,
    intake,
    validate,
    endpoint,
    exports,
    options,
  };
  const app = createApp({
    config,
    logger: options.logger,
    metrics,
    jtis: new DatabaseJtiStore(db, clock),
    now: clock,
    version: packageVersion(),
    routes: gatewayRoutes(parts),
    supportedProfiles: supportedProfiles(),
    health: () => databaseHealth(db),
  });
  return {
    app,
    db,
    config,
    intake,
    metrics,
    endpoint,
    exports,
    // A database handed in belongs to the caller.
    close: async () => {
      await exports.close();
      if (!options.database) await db.close();
    },
  };
}

/** Every FHIR route of the gateway; the CapabilityStatement is derived from this list. */
function gatewayRoutes(p: Parts): FhirRoute[] {
  const bodyLimitBytes = p.config.http.bodyLimitBytes;
  const visible = new VisibleResources(p.db, p.store, p.registry);
  const disclose = (
    principal: Principal,
    interaction: 'read' | 'search-type',
    resources: readonly Resource[],
    requestId: string | undefined,
  ) =>
    recordAccess(p.auditLog, {
      principal,
      action: 'R',
      interaction,
      resources,
      legalBasis: principal.roles.includes('privacy-officer')
        ? 'privacy-officer-review'
        : 'implied-consent-referral',
      sourceSystem: p.endpoint,
      recorded: p.options.clock(),
      ...(requestId ? { requestId } : {}),
    });
  const workflow: WorkflowDeps = {
    db: p.db,
    store: p.store,
    auditLog: p.auditLog,
    outbox: new Outbox(p.db, p.options.clock, p.options.newId),
    organisations: p.config.organisations,
    validate: p.validate,
    now: p.options.clock,
    newId: p.options.newId,
    endpoint: p.endpoint,
  };
  const taskDeps = { ...workflow, transition: p.options.transition ?? workflowTransitions };
  return [
    ...messagingRoutes({
      intake: p.intake,
      bodyLimitBytes,
      onRefused: (stage) => p.metrics.validationFailures.inc({ stage }),
    }),
    ...validateRoutes({
      validate: countingValidate(p.validate, p.metrics),
      bodyLimitBytes,
      types: GATEWAY_TYPES,
    }),
    ...resourceRoutes({
      types: readableTypes((t) => p.store.supportedSearchParams(t)),
      visible,
      base: p.endpoint,
      recordAccess: disclose,
    }),
    ...auditEventRoutes({ trail: new AuditTrail(p.db), visible, base: p.endpoint, recordAccess: disclose }),
    ...taskRoutes({
      bodyLimitBytes,
      perform: (principal, id, action, input, requestId) =>
        performTaskAction(taskDeps, principal, id, action, input, requestId),
      fanOut: (principal, id, receivers, requestId) =>
        performFanOut(workflow, principal, id, receivers, requestId),
    }),
    ...workflowRoutes({
      bodyLimitBytes,
      handover: (principal, id, request, requestId) =>
        performHandover(workflow, principal, id, request, requestId),
      finish: (principal, id, request, requestId) =>
        performFinish(workflow, principal, id, request, requestId),
    }),
    ...workflowReadRoutes({ visible, base: p.endpoint, recordAccess: disclose }),
    ...convertRoutes({ adapters: once(createAdapters), writers: once(createWriterRegistry), bodyLimitBytes }),
    ...deliveryGatewayRoutes({
      config: p.config,
      db: p.db,
      store: p.store,
      auditLog: p.auditLog,
      visible,
      endpoint: p.endpoint,
      now: p.options.clock,
      recordAccess: disclose,
    }),
    ...recordGatewayRoutes({
      db: p.db,
      store: p.store,
      auditLog: p.auditLog,
      organisations: p.config.organisations,
      endpoint: p.endpoint,
      now: p.options.clock,
      newId: p.options.newId,
      visible,
      bodyLimitBytes,
      validate: (resource) => p.validate(resource, []),
    }),
    ...exportRoutes({ service: p.exports, base: p.endpoint, storedTypes: new Set(GATEWAY_TYPES) }),
    ...measureReportRoutes({
      reports: new IndicatorReports(p.db),
      base: p.endpoint,
      audit: indicatorAccessAudit(p.auditLog, p.endpoint, p.options.clock),
    }),
  ];
}

/** The adapters of POST /fhir/convert/{format}, built on first use: the gateway starts without them. */
function createAdapters(): ReturnType<ConvertDeps['adapters']> {
  return {
    registry: createAdapterRegistry(),
    context: createConversionContext({ terminology: createTerminologyService() }),
  };
}

/** The terminology service, built on first use (export displays): the gateway starts without it. */
const terminology = once(createTerminologyService);

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

async function databaseHealth(db: Database): Promise<{ ok: boolean; details: Record<string, string> }> {
  try {
    await db.query('SELECT 1');
    return { ok: true, details: { database: db.driver } };
  } catch {
    return { ok: false, details: { database: 'unavailable' } };
  }
}

/** `$validate` observed like intake: its time, and whether it found errors. */
function countingValidate(
  validate: (resource: unknown, profiles: readonly string[]) => OperationOutcome,
  metrics: Metrics,
): (resource: unknown, profiles: readonly string[]) => OperationOutcome {
  return (resource, profiles) => {
    const start = performance.now();
    const result = validate(resource, profiles);
    metrics.validationSeconds.observe({ stage: '$validate' }, (performance.now() - start) / 1000);
    if (errorIssues(result).length > 0) metrics.validationFailures.inc({ stage: '$validate' });
    return result;
  };
}
