/**
 * The deliverer's view of the database: resources from the ResourceStore, access grants from
 * src/access, and one AuditEvent per push that sent client data (NEN 7513: a disclosure to
 * another organisation is an access like a read).
 */
import type { Resource, Task } from '@medplum/fhirtypes';
import { AccessGrants } from '../access/grants.js';
import { auditEvent } from '../audit/events.js';
import type { Principal } from '../auth/smart.js';
import type { OrganisationConfig } from '../config/types.js';
import { OperationOutcomeError } from '../fhir/outcomes.js';
import type { AuditLog } from '../store/audit-log.js';
import type { Database } from '../store/database.js';
import { parseReference } from '../store/index-rows.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { DeliverySource } from './deliverer.js';

/** The client id under which the deliverer appears in the audit trail. */
export const DELIVERER_CLIENT = 'overdracht-delivery';

export interface StoreDeliverySourceDeps {
  db: Database;
  store: ResourceStore;
  auditLog: AuditLog;
  /** The gateway's FHIR base URL (the audit trail's source system). */
  endpoint: string;
  now: () => Date;
}

export function storeDeliverySource(deps: StoreDeliverySourceDeps): DeliverySource {
  const grants = new AccessGrants(deps.db);
  return {
    async read(reference, version) {
      const target = parseReference(reference);
      if (!target) return undefined;
      try {
        return version
          ? await deps.store.vread(target.type, target.id, version)
          : await deps.store.read(target.type, target.id);
      } catch (err) {
        // Gone (404) or deleted (410): nothing to send. Anything else is the store's trouble.
        if (err instanceof OperationOutcomeError && (err.status === 404 || err.status === 410))
          return undefined;
        throw err;
      }
    },
    async granted(organisation, reference) {
      const target = parseReference(reference);
      return target ? grants.has(organisation.identifier, target.type, target.id) : false;
    },
    async recordDisclosure(receiver: OrganisationConfig, task: Task, sent: readonly Resource[]) {
      const principal: Principal = {
        clientId: DELIVERER_CLIENT,
        organisation: receiver,
        roles: [],
        scopes: [],
      };
      await deps.auditLog.append(
        auditEvent({
          principal,
          action: 'E',
          interaction: '$deliver',
          outcome: '0',
          ...(task.for ? { patient: task.for } : {}),
          what: sent.map((r) => ({ reference: `${r.resourceType}/${r.id ?? ''}` })),
          legalBasis: 'implied-consent-referral',
          sourceSystem: deps.endpoint,
          recorded: deps.now(),
        }),
      );
    },
  };
}
