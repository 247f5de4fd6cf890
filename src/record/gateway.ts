/**
 * The client record's part of the gateway's composition root: the intake's completion port
 * (automatic assembly of the previous-treatment summary) and the routes of the record
 * ($import-record, Composition $document, Questionnaire $populate, QuestionnaireResponse
 * $extract, ServiceRequest $intake-report). Built from the gateway's own database, store and
 * audit log, so src/gateway/index.ts only plugs them in.
 */
import type { Resource } from '@medplum/fhirtypes';
import { VisibleResources } from '../access/resources.js';
import { createAdapterRegistry, createConversionContext } from '../adapters/index.js';
import { createCompletion } from '../assembly/complete.js';
import { auditEvent } from '../audit/events.js';
import type { Principal } from '../auth/smart.js';
import type { OrganisationConfig } from '../config/types.js';
import { recordAccess } from '../gateway/access-audit.js';
import { questionnaireRoutes } from '../http/fhir/questionnaire.js';
import { recordRoutes } from '../http/fhir/record.js';
import type { FhirRoute } from '../http/routes.js';
import type { IntakeDeps } from '../intake/referral.js';
import type { AuditLog } from '../store/audit-log.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import { createTerminologyService } from '../terminology/service.js';
import type { ImportDeps } from './import.js';
import { RecordService } from './service.js';
import { RecordStore } from './store.js';

export interface RecordGatewayDeps {
  db: Database;
  store: ResourceStore;
  auditLog: AuditLog;
  organisations: readonly OrganisationConfig[];
  endpoint: string;
  now(): Date;
  newId(): string;
}

/** IntakeDeps.complete on the client record. */
export function recordCompletion(deps: RecordGatewayDeps): NonNullable<IntakeDeps['complete']> {
  const record = new RecordStore(deps.db);
  return createCompletion({
    record,
    received: deps.store,
    organisations: deps.organisations,
    endpoint: deps.endpoint,
    now: deps.now,
    newId: deps.newId,
    audit: async (key, sender, used) => {
      const principal = deps.organisations.find(
        (o) => o.identifier.system === sender.system && o.identifier.value === sender.value,
      );
      const patient = await record.patientOf(key);
      if (!principal || used.length === 0) return;
      await deps.auditLog.append(
        auditEvent({
          principal: { clientId: 'overdracht-assembly', organisation: principal, roles: [], scopes: [] },
          action: 'R',
          interaction: 'assemble-summary',
          outcome: '0',
          ...(patient ? { patient: { reference: `Patient/${patient}` } } : {}),
          what: used.map((reference) => ({ reference })),
          legalBasis: 'implied-consent-referral',
          sourceSystem: deps.endpoint,
          recorded: deps.now(),
        }),
      );
    },
  });
}

/** The routes of the client record and the intake questionnaires. */
export function recordGatewayRoutes(
  deps: RecordGatewayDeps & {
    visible: VisibleResources;
    bodyLimitBytes: number;
    /** The gateway's validator: what is imported into the record must be valid FHIR. */
    validate: ImportDeps['validate'];
  },
): FhirRoute[] {
  const service = new RecordService({
    db: deps.db,
    store: deps.store,
    visible: deps.visible,
    auditLog: deps.auditLog,
    organisations: deps.organisations,
    endpoint: deps.endpoint,
    now: deps.now,
    adapters: once(() => ({ ...createAdapters(), validate: deps.validate })),
  });
  return [
    ...recordRoutes({
      service,
      visible: deps.visible,
      store: deps.store,
      bodyLimitBytes: deps.bodyLimitBytes,
      recordAccess: (principal: Principal, resources: readonly Resource[], requestId: string | undefined) =>
        recordAccess(deps.auditLog, {
          principal,
          action: 'R',
          interaction: 'read',
          resources,
          legalBasis: 'implied-consent-referral',
          sourceSystem: deps.endpoint,
          recorded: deps.now(),
          ...(requestId ? { requestId } : {}),
        }),
    }),
    ...questionnaireRoutes({ service, bodyLimitBytes: deps.bodyLimitBytes }),
  ];
}

/** The adapters of an import, built on first use: the gateway starts without them. */
export function createAdapters(): Pick<ImportDeps, 'registry' | 'context'> {
  return {
    registry: createAdapterRegistry(),
    context: createConversionContext({ terminology: createTerminologyService() }),
  };
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
