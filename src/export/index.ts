/**
 * Bulk `$export` for regional data platforms: the service the HTTP layer calls, put together
 * from the store, the configured recipients and Groups, and the terminology's displays.
 * See README.md.
 */
import { availableParallelism, hostname } from 'node:os';
import type { Config } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import type { AuditLog } from '../store/audit-log.js';
import type { Database } from '../store/database.js';
import type { SearchParamRegistry } from '../store/search-params.js';
import { ExportJobStore } from './job-store.js';
import { PageWorker } from './page-workers.js';
import { codeSystemDisplays } from './pseudonymise/index.js';
import { loadExportParties } from './recipients.js';
import { ExportService } from './service.js';
import { StoreExportSource } from './source.js';

export { ExportService, manifestOf, type Manifest } from './service.js';
export { ExportJobStore } from './job-store.js';
export { StoreExportSource } from './source.js';
export { runExport, runClaimedExport, type ExportRunDeps, type Recipient } from './run.js';
export { loadExportParties } from './recipients.js';
export { PageWorker, inlineJob, type JobPages } from './page-workers.js';

export interface ExportDeps {
  config: Config;
  db: Database;
  registry: SearchParamRegistry;
  auditLog: AuditLog;
  logger: Logger;
  now: () => Date;
  newId?: () => string;
  sourceSystem: string;
  /** The terminology's CodeSystems, for displays (looked up on first use). */
  getCodeSystem?: (url: string) => Readonly<Record<string, unknown>> | undefined;
}

/** Whether the page step runs in a worker thread: as configured, else when there is a core to spare. */
export function usesPageWorker(config: Config): boolean {
  return config.export?.pageWorker ?? availableParallelism() > 1;
}

/** How long the page worker stays after the last export ended: its heap is given back after. */
export const PAGE_WORKER_IDLE_MS = 5 * 60_000;

/**
 * The export service; a bad recipient policy or key stops the start here. The page step's worker
 * thread (when used) starts with the first export and ends five minutes after the last one, or
 * with `close`.
 */
export function createExportService(deps: ExportDeps): ExportService {
  const source = new StoreExportSource(deps.db, deps.registry);
  const parties = loadExportParties(deps.config);
  const pageWorker =
    parties.recipients.size > 0 && usesPageWorker(deps.config)
      ? PageWorker.start({ displays: deps.getCodeSystem !== undefined }, deps.logger, {
          idleMs: PAGE_WORKER_IDLE_MS,
        })
      : undefined;
  return new ExportService({
    jobs: new ExportJobStore(deps.db, deps.now),
    parties,
    run: {
      ...(pageWorker ? { pageWorker } : {}),
      source,
      members: (group, until) => source.patientsOfMunicipality(group.municipality, until),
      ...(deps.getCodeSystem ? { displayOf: codeSystemDisplays(deps.getCodeSystem) } : {}),
      logger: deps.logger,
      owner: `${hostname()}:${String(process.pid)}`,
    },
    auditLog: deps.auditLog,
    checkFilter: (type, filter) => source.checkFilter(type, filter),
    now: deps.now,
    ...(deps.newId ? { newId: deps.newId } : {}),
    sourceSystem: deps.sourceSystem,
  });
}
