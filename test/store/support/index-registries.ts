/**
 * Two index policies over Patient and Task for the reindex tests: everything indexed, and the
 * same without names; patients with a BSN and a family name; counting rows in SQL.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { Database } from '../../../src/store/database.js';
import { SearchParamRegistry } from '../../../src/store/search-params.js';

export const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
export const TYPES = ['Patient', 'Task'];
export const everything = new SearchParamRegistry(TYPES);
export const withoutNames = new SearchParamRegistry(
  TYPES,
  undefined,
  (_type, code) => code !== 'name' && code !== 'family',
);

export function patient(n: number): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: String(100000000 + n) }],
    name: [{ family: `Family${String(n)}` }],
    birthDate: '1990-01-01',
  };
}

export async function count(db: Database, sql: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql);
  return Number(rows[0]?.n ?? 0);
}
