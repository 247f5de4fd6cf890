/**
 * The resources integrators read and search, with the search parameters they need: by
 * identifier, status, the organisations involved, the client (also by the client's identifier,
 * chained) and dates. Each is one of the store's own parameters, so what the CapabilityStatement
 * declares is exactly what the store indexes.
 */
import type { SearchParamDoc } from '../http/routes.js';
import type { ReadableType } from '../http/fhir/resources.js';
import { CHAINABLE } from '../http/fhir/search.js';
import type { SearchParamInfo } from '../store/search-params.js';

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
};

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
