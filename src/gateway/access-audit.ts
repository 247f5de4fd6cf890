/**
 * NEN 7513 for reads and searches: every request that discloses client data writes one AuditEvent
 * per client (patient) touched, naming the resources disclosed. The event is appended before the
 * answer is sent, so no disclosure goes unrecorded.
 */
import type { AuditEvent, Reference, Resource } from '@medplum/fhirtypes';
import { auditEvent, type AuditAction, type LegalBasis } from '../audit/events.js';
import type { Principal } from '../auth/smart.js';
import type { AuditLog } from '../store/audit-log.js';
import { auditPatient } from '../store/audit-log.js';
import { parseReference } from '../store/index-rows.js';

export interface AccessRecord {
  principal: Principal;
  action: AuditAction;
  /** `read`, `search-type`, or an operation such as `$accept`. */
  interaction: string;
  resources: readonly Resource[];
  legalBasis: LegalBasis;
  sourceSystem: string;
  recorded: Date;
  requestId?: string;
}

/**
 * The fields through which a resource names its client, in the order they are tried (Coverage
 * names it as `beneficiary`).
 */
const PATIENT_FIELDS = ['subject', 'for', 'patient', 'beneficiary'] as const;

/** `Patient/<id>` of the client a resource is about, if it names one. */
export function patientOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id ? `Patient/${resource.id}` : undefined;
  if (resource.resourceType === 'AuditEvent') return auditPatient(resource);
  const fields = resource as unknown as Record<string, unknown>;
  for (const field of PATIENT_FIELDS) {
    const value = fields[field];
    const reference =
      typeof value === 'object' && value !== null ? (value as Reference).reference : undefined;
    const target = reference ? parseReference(reference) : undefined;
    if (target?.type === 'Patient') return `Patient/${target.id}`;
  }
  return undefined;
}

/** The AuditEvents for one access: one per patient, each naming the resources of that patient. */
export function accessEvents(record: AccessRecord): AuditEvent[] {
  const byPatient = new Map<string, Reference[]>();
  for (const resource of record.resources) {
    const patient = patientOf(resource);
    if (!patient || !resource.id) continue;
    const what = byPatient.get(patient) ?? [];
    what.push({ reference: `${resource.resourceType}/${resource.id}` });
    byPatient.set(patient, what);
  }
  return [...byPatient].map(([patient, what]) =>
    auditEvent({
      principal: record.principal,
      action: record.action,
      interaction: record.interaction,
      outcome: '0',
      patient: { reference: patient },
      what,
      legalBasis: record.legalBasis,
      sourceSystem: record.sourceSystem,
      recorded: record.recorded,
      ...(record.requestId ? { requestId: record.requestId } : {}),
    }),
  );
}

export async function recordAccess(log: AuditLog, record: AccessRecord): Promise<void> {
  for (const event of accessEvents(record)) await log.append(event);
}
