/**
 * What the gateway keeps in index rows: references, identifiers and what is searched - not the
 * client's name, address or phone number, which stay in the resource only.
 */
import { describe, expect, it } from 'vitest';
import { referralMessage } from '../../src/demo/referral.js';
import { INTEGRATOR_SEARCH, gatewayRegistry } from '../../src/gateway/search-params.js';
import { indexRows } from '../../src/store/index-rows.js';
import { RESOURCE_COLUMN_PARAMS, SearchParamRegistry } from '../../src/store/search-params.js';

const registry = gatewayRegistry();
const indexed = (type: string): string[] => registry.indexed(type).map((p) => p.name);

describe('gateway index policy', () => {
  it('when a Patient is indexed, then no name, address or telecom is copied into index rows', () => {
    const names = indexed('Patient');
    for (const p of ['name', 'family', 'given', 'phonetic', 'address', 'address-city', 'telecom', 'phone'])
      expect(names).not.toContain(p);
    expect(names).toEqual(expect.arrayContaining(['identifier', 'birthdate', 'general-practitioner']));
  });

  it('when a referral is indexed, then its rows hold no string values', () => {
    const bundle = referralMessage({ messageId: 'm-1', bsn: '123456782' });
    for (const entry of bundle.entry ?? []) {
      if (!entry.resource) continue;
      expect(indexRows(registry, entry.resource).string).toEqual([]);
    }
  });

  it('when integrators search, then every declared parameter is indexed', () => {
    const columns = RESOURCE_COLUMN_PARAMS.map((p) => p.name);
    for (const [type, params] of Object.entries(INTEGRATOR_SEARCH))
      for (const p of params) if (!columns.includes(p)) expect(indexed(type), `${type}.${p}`).toContain(p);
  });

  it('when a type has reference parameters, then each is indexed', () => {
    const all = new SearchParamRegistry(registry.types());
    for (const type of registry.types()) {
      const refs = all
        .indexed(type)
        .filter((p) => p.type === 'reference')
        .map((p) => p.name);
      expect(indexed(type)).toEqual(expect.arrayContaining(refs));
    }
  });
});
