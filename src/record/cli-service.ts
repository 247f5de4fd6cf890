/**
 * The client record for the command line: the configured database (migrations applied), the
 * adapters (with a --mapping spec in place of a format's default) and the record service, so
 * that `overdracht import` stores and audits exactly as `POST /fhir/$import-record` does.
 */
import { VisibleResources } from '../access/resources.js';
import { createAdapterRegistry, createConversionContext } from '../adapters/index.js';
import type { Config, OrganisationConfig } from '../config/types.js';
import { AuditLog } from '../store/audit-log.js';
import { openDatabase } from '../store/open.js';
import { ResourceStore } from '../store/resource-store.js';
import { gatewayRegistry } from '../gateway/search-params.js';
import { createTerminologyService } from '../terminology/service.js';
import { RecordService } from './service.js';
import { importValidator, type ImportInput } from './import.js';
import type { ImportReport } from './types.js';

export interface ImportService {
  import(
    input: Omit<ImportInput, 'organisation'>,
    organisation: OrganisationConfig | undefined,
  ): Promise<ImportReport>;
  close(): Promise<void>;
}

export async function openImportService(
  config: Config,
  specFiles: Readonly<Record<string, string>>,
): Promise<ImportService> {
  const db = await openDatabase(config.storage);
  const registry = gatewayRegistry();
  const store = new ResourceStore(db, { registry });
  const adapters = {
    registry: createAdapterRegistry({ specFiles }),
    context: createConversionContext({ terminology: createTerminologyService() }),
    validate: importValidator(),
  };
  const service = new RecordService({
    db,
    store,
    visible: new VisibleResources(db, store, registry),
    auditLog: new AuditLog(db),
    organisations: config.organisations,
    endpoint: `${config.baseUrl.replace(/\/$/, '')}/fhir`,
    now: () => new Date(),
    adapters: () => adapters,
  });
  return {
    import: (input, organisation) => service.import(input, undefined, organisation),
    close: () => db.close(),
  };
}
