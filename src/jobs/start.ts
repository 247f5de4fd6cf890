/**
 * The jobs of a running gateway: scheduled with node-cron in the configured time zone when
 * `jobs.enabled`, on the gateway's own database, metrics and logger. Every instance schedules
 * them; the lock on the `job` table makes one instance run each turn.
 */
import type { Gateway } from '../gateway/index.js';
import { gatewayRegistry } from '../gateway/search-params.js';
import type { Logger } from '../observability/logger.js';
import { AuditLog } from '../store/audit-log.js';
import { ResourceStore } from '../store/resource-store.js';
import { cronScheduler } from './cron.js';
import { createJobRunner, type GatewayJobDeps, type GatewayJobPorts } from './gateway-jobs.js';
import type { JobRunner } from './runner.js';

/** The job runner on a gateway's database (not started). */
export function gatewayJobRunner(
  gateway: Pick<Gateway, 'config' | 'db' | 'endpoint' | 'metrics'>,
  logger: Logger,
  extra: Partial<GatewayJobDeps> = {},
): JobRunner<GatewayJobPorts> {
  const registry = gatewayRegistry();
  const store = new ResourceStore(gateway.db, { registry });
  return createJobRunner({
    config: gateway.config,
    db: gateway.db,
    store,
    registry,
    auditLog: new AuditLog(gateway.db),
    endpoint: gateway.endpoint,
    logger,
    metrics: gateway.metrics,
    ...extra,
  });
}

/** Schedules the gateway's jobs; undefined when `jobs.enabled` is false. Stop them before closing the database. */
export function startGatewayJobs(gateway: Gateway, logger: Logger): JobRunner<GatewayJobPorts> | undefined {
  if (!gateway.config.jobs.enabled) return undefined;
  const runner = gatewayJobRunner(gateway, logger, {
    scheduler: cronScheduler(logger, gateway.config.jobs.timeZone),
  });
  runner.start();
  return runner;
}
