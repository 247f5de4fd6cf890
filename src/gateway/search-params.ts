/**
 * The resources integrators read and search, with the search parameters they need: by
 * identifier, status, the organisations involved, the client (also by the client's identifier,
 * chained) and dates. Each is one of the store's own parameters, so what the CapabilityStatement
 * declares is exactly what the store indexes.
 */
import type { SearchParamDoc } from '../http/routes.js';
import type { ReadableType } from '../http/fhir/resources.js';
import { CHAINABLE } from '../http/fhir/search.js';
import {
  STORED_TYPES,
  SearchParamRegistry,
  type IndexedKind,
  type SearchParamInfo,
} from '../store/search-params.js';

/** What a referral message may carry besides the store's default types (the summary's entry types). */
const REFERRAL_ENTRY_TYPES = [
  'Procedure',
  'Encounter',
  'RiskAssessment',
  'RelatedPerson',
  'FamilyMemberHistory',
  'CareTeam',
  // The client's insurance (HL7 v2 IN1): the receiving GGZ provider needs it to bill the care.
  'Coverage',
  // Allergies (HL7 v2 AL1) matter to whoever prescribes next.
  'AllergyIntolerance',
] as const;

/** The resource types the gateway stores. */
export const GATEWAY_TYPES: readonly string[] = [
  ...new Set([...STORED_TYPES, ...REFERRAL_ENTRY_TYPES]),
].sort();

export const INTEGRATOR_SEARCH: Readonly<Record<string, readonly string[]>> = {
  Task: [
    '_id',
    '_lastUpdated',
    'identifier',
    'status',
    'business-status',
    'owner',
    'requester',
    'patient',
    'focus',
    'authored-on',
    'modified',
  ],
  ServiceRequest: [
    '_id',
    '_lastUpdated',
    'identifier',
    'status',
    'category',
    'patient',
    'requester',
    'performer',
    'authored',
  ],
  Composition: ['_id', '_lastUpdated', 'identifier', 'status', 'type', 'patient', 'date'],
  Patient: ['_id', '_lastUpdated', 'identifier', 'birthdate'],
  Consent: ['_id', '_lastUpdated', 'identifier', 'status', 'patient', 'date'],
  // The client's insurance: `patient` and `beneficiary` are the same element in R4; both are offered.
  Coverage: ['_id', '_lastUpdated', 'identifier', 'status', 'patient', 'beneficiary', 'payor'],
  AllergyIntolerance: [
    '_id',
    '_lastUpdated',
    'identifier',
    'clinical-status',
    'verification-status',
    'patient',
    'code',
    'date',
  ],
};

/**
 * Searches the gateway's own parts make besides the integrators' ones (the workflow jobs look
 * for open Tasks, recent Tasks and a Task's business status).
 */
const INTERNAL_SEARCH: Readonly<Record<string, readonly string[]>> = {
  Task: ['status', 'code', 'authored-on', 'business-status'],
};

/**
 * The parameters the gateway keeps index rows for: every reference (they hold a client's data
 * together: compartments, Group membership, and the retention job's check that nothing still
 * points at a resource), every `identifier` (how a referral's resources are matched with what is
 * stored), and what is searched, by integrators or the gateway itself. Index rows copy values
 * out of the resources; names, addresses and phone numbers stay in the resource only.
 */
export function gatewayIndexPolicy(type: string, code: string, kind: IndexedKind): boolean {
  return (
    kind === 'reference' ||
    code === 'identifier' ||
    (INTEGRATOR_SEARCH[type]?.includes(code) ?? false) ||
    (INTERNAL_SEARCH[type]?.includes(code) ?? false)
  );
}

/** The search parameter registry of everything that works on the gateway's database. */
export function gatewayRegistry(): SearchParamRegistry {
  return new SearchParamRegistry(GATEWAY_TYPES, undefined, gatewayIndexPolicy);
}

function doc(info: SearchParamInfo): SearchParamDoc {
  const chain = info.type === 'reference' ? ` Chained: ${info.name}.${CHAINABLE}=system|value.` : '';
  return {
    name: info.name,
    type: info.type,
    definition: info.definition,
    documentation: `${info.documentation ?? info.name}.${chain}`.replace('..', '.'),
  };
}

/** The readable types with their declared parameters; a name the store does not know is a programming error. */
export function readableTypes(supported: (type: string) => readonly SearchParamInfo[]): ReadableType[] {
  return Object.entries(INTEGRATOR_SEARCH).map(([type, names]) => {
    const known = supported(type);
    const searchParams = names.map((name) => {
      const info = known.find((p) => p.name === name);
      if (!info) throw new Error(`the store has no search parameter ${name} for ${type}`);
      return doc(info);
    });
    return { type, searchParams };
  });
}
