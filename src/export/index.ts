/**
 * Bulk `$export` for regional data platforms: the service the HTTP layer calls, put together
 * from the store, the configured recipients and Groups, and the terminology's displays.
 * See README.md.
 */
import { hostname } from 'node:os';
import type { Config } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import type { AuditLog } from '../store/audit-log.js';
import type { Database } from '../store/database.js';
import type { SearchParamRegistry } from '../store/search-params.js';
import { ExportJobStore } from './job-store.js';
import { codeSystemDisplays } from './pseudonymise/index.js';
import { loadExportParties } from './recipients.js';
import { ExportService } from './service.js';
import { StoreExportSource } from './source.js';

export { ExportService, manifestOf, type Manifest } from './service.js';
export { ExportJobStore } from './job-store.js';
export { StoreExportSource } from './source.js';
export { runExport, runClaimedExport, type ExportRunDeps, type Recipient } from './run.js';
export { loadExportParties } from './recipients.js';

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

/** The export service; a bad recipient policy or key stops the start here. */
export function createExportService(deps: ExportDeps): ExportService {
  const source = new StoreExportSource(deps.db, deps.registry);
  return new ExportService({
    jobs: new ExportJobStore(deps.db, deps.now),
    parties: loadExportParties(deps.config),
    run: {
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
