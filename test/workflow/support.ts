/** Fixtures for the workflow tests: organisations, actors and a referral Task as intake creates it. */
import type { Task } from '@medplum/fhirtypes';
import { SYSTEMS } from '../../src/fhir/codes.js';
import { businessStatusConcept, type BusinessStatus, type TaskStatus } from '../../src/workflow/codes.js';
import { GATEWAY, partyReference, type Actor, type Party } from '../../src/workflow/party.js';

export const GP: Party = {
  identifier: { system: SYSTEMS.agb, value: '01001234' },
  display: 'Huisartsenpraktijk De Linde',
  type: 'gp-practice',
};
export const GGZ: Party = {
  identifier: { system: SYSTEMS.agb, value: '06001234' },
  display: 'GGZ Noorderlicht',
  type: 'ggz-institution',
};
export const GGZ2: Party = {
  identifier: { system: SYSTEMS.agb, value: '06005678' },
  display: 'GGZ Ommeland',
  type: 'ggz-institution',
};
export const SOCIAL: Party = {
  identifier: { system: SYSTEMS.agb, value: '94001111' },
  display: 'Wijkteam Midden',
  type: 'social-domain-organisation',
};
export const TABLE: Party = {
  identifier: { system: SYSTEMS.ura, value: '90000001' },
  display: 'Regiotafel Groningen',
  type: 'regional-table',
};
export const YOUTH: Party = {
  identifier: { system: SYSTEMS.agb, value: '22014567' },
  display: 'Jeugd-GGZ Het Kompas',
  type: 'youth-ggz-institution',
};

export const as = (p: Party): Actor => ({ kind: 'organisation', ...p });
export { GATEWAY };

export const T0 = new Date('2026-03-02T09:00:00.000Z');

export function days(n: number, from: Date = T0): Date {
  return new Date(from.getTime() + n * 86_400_000);
}

/** A referral Task from the GP to GGZ Noorderlicht, as intake writes it, in the given state. */
export function referralTask(
  status: TaskStatus = 'requested',
  opts: { owner?: Party; businessStatus?: BusinessStatus; id?: string } = {},
): Task {
  return {
    resourceType: 'Task',
    id: opts.id ?? 'task-1',
    status,
    intent: 'order',
    code: { coding: [{ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' }] },
    focus: { reference: 'ServiceRequest/sr-1' },
    for: { reference: 'Patient/p-1' },
    authoredOn: T0.toISOString(),
    lastModified: T0.toISOString(),
    requester: partyReference(GP),
    owner: partyReference(opts.owner ?? GGZ),
    ...(opts.businessStatus ? { businessStatus: businessStatusConcept(opts.businessStatus) } : {}),
    input: [
      {
        type: { coding: [{ system: SYSTEMS.documentType, code: 'previous-treatment-summary' }] },
        valueReference: { reference: 'Composition/sum-1' },
      },
    ],
  };
}
