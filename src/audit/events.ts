/**
 * AuditEvents in the style of IHE Basic Audit Log Patterns (BALP), carrying what NEN 7513 asks
 * of a log of access to patient data: who (client, organisation, role), which client (patient),
 * what action, when, from which system, and on which legal basis or consent.
 * https://profiles.ihe.net/ITI/BALP/ - one AuditEvent per patient touched.
 */
import type { AuditEvent, Coding, Identifier, Reference } from '@medplum/fhirtypes';
import type { Principal } from '../auth/smart.js';

export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
export type AuditOutcome = '0' | '4' | '8' | '12';

export type LegalBasis =
  'implied-consent-referral' | 'explicit-consent' | 'legal-obligation' | 'privacy-officer-review';

export interface AuditInput {
  principal: Principal;
  action: AuditAction;
  /** The RESTful interaction or operation, e.g. `create`, `search-type`, `$process-message`. */
  interaction: string;
  outcome: AuditOutcome;
  patient?: Reference;
  /** The resources touched (references only, never content). */
  what?: Reference[];
  legalBasis: LegalBasis;
  /** The Consent the access relies on, when there is one. */
  consent?: Reference;
  sourceSystem: string;
  recorded: Date;
  requestId?: string;
}

const BALP_ACTIONS: Record<string, Coding> = {
  create: { system: 'http://hl7.org/fhir/restful-interaction', code: 'create' },
  read: { system: 'http://hl7.org/fhir/restful-interaction', code: 'read' },
  'search-type': { system: 'http://hl7.org/fhir/restful-interaction', code: 'search-type' },
  update: { system: 'http://hl7.org/fhir/restful-interaction', code: 'update' },
  delete: { system: 'http://hl7.org/fhir/restful-interaction', code: 'delete' },
};

const PURPOSE: Record<LegalBasis, Coding> = {
  'implied-consent-referral': {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
    code: 'TREAT',
    display: 'treatment',
  },
  'explicit-consent': {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
    code: 'TREAT',
    display: 'treatment',
  },
  'legal-obligation': {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
    code: 'HOPERAT',
    display: 'healthcare operations',
  },
  'privacy-officer-review': {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
    code: 'HCOMPL',
    display: 'compliance',
  },
};

export function auditEvent(input: AuditInput): AuditEvent {
  const org: Identifier = input.principal.organisation.identifier;
  const subtype = BALP_ACTIONS[input.interaction] ?? {
    system: 'http://hl7.org/fhir/restful-interaction',
    code: 'operation',
    display: input.interaction,
  };
  return {
    resourceType: 'AuditEvent',
    type: {
      system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
      code: 'rest',
      display: 'RESTful Operation',
    },
    subtype: [subtype],
    action: input.action,
    recorded: input.recorded.toISOString(),
    outcome: input.outcome,
    purposeOfEvent: [
      {
        coding: [PURPOSE[input.legalBasis]],
        text: input.legalBasis,
      },
    ],
    agent: [
      {
        type: {
          coding: [
            {
              system: 'http://dicom.nema.org/resources/ontology/DCM',
              code: '110153',
              display: 'Source Role ID',
            },
          ],
        },
        who: { identifier: { system: 'urn:overdracht:client', value: input.principal.clientId } },
        requestor: true,
        role: input.principal.roles.map((r) => ({ text: r })),
        ...(input.requestId ? { altId: input.requestId } : {}),
      },
      {
        type: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass',
              code: 'PROV',
              display: 'healthcare provider',
            },
          ],
        },
        who: { identifier: org, display: input.principal.organisation.name },
        requestor: false,
      },
    ],
    source: {
      observer: { display: input.sourceSystem },
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
    entity: [
      ...(input.patient
        ? [
            {
              what: input.patient,
              type: {
                system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
                code: '1',
                display: 'Person',
              },
              role: {
                system: 'http://terminology.hl7.org/CodeSystem/object-role',
                code: '1',
                display: 'Patient',
              },
            },
          ]
        : []),
      ...(input.what ?? []).map((w) => ({
        what: w,
        type: {
          system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
          code: '2',
          display: 'System Object',
        },
        role: {
          system: 'http://terminology.hl7.org/CodeSystem/object-role',
          code: '4',
          display: 'Domain Resource',
        },
      })),
      ...(input.consent
        ? [
            {
              what: input.consent,
              type: {
                system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
                code: '2',
                display: 'System Object',
              },
              role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '4' },
              description: 'consent relied on',
            },
          ]
        : []),
    ],
  } as AuditEvent;
}
