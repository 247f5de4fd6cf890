/**
 * The terminology service: value set membership from compose (concept lists, whole systems,
 * filters, imports, excludes) and from expansions, code system checks, displays, UCUM, versioned
 * canonicals, added resources, and "cannot decide" for code systems we do not have.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createTerminologyService, type TerminologyService } from '../../../src/terminology/service.js';

const GENDER_VS = 'http://hl7.org/fhir/ValueSet/administrative-gender';
const GENDER_CS = 'http://hl7.org/fhir/administrative-gender';
const BASE = 'http://example.org/fhir';

/** A small hierarchical code system: animal > mammal > (dog, cat), animal > bird. */
const animals = {
  resourceType: 'CodeSystem',
  url: `${BASE}/CodeSystem/animals`,
  version: '2.0.0',
  status: 'active',
  content: 'complete',
  hierarchyMeaning: 'is-a',
  property: [{ code: 'legs', type: 'integer' }],
  concept: [
    {
      code: 'animal',
      display: 'Animal',
      concept: [
        {
          code: 'mammal',
          display: 'Mammal',
          concept: [
            {
              code: 'dog',
              display: 'Dog',
              designation: [{ language: 'nl', value: 'Hond' }],
              property: [{ code: 'legs', valueInteger: 4 }],
            },
            { code: 'cat', display: 'Cat', property: [{ code: 'legs', valueInteger: 4 }] },
          ],
        },
        { code: 'bird', display: 'Bird', property: [{ code: 'legs', valueInteger: 2 }] },
      ],
    },
  ],
};

const vs = (id: string, compose: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'ValueSet',
  url: `${BASE}/ValueSet/${id}`,
  status: 'active',
  compose,
  ...extra,
});
const ANIMALS = animals.url;

let ts: TerminologyService;
beforeAll(() => {
  ts = createTerminologyService({
    includeProject: false,
    resources: [
      animals,
      vs('mammals', {
        include: [{ system: ANIMALS, filter: [{ property: 'concept', op: 'is-a', value: 'mammal' }] }],
      }),
      vs('below-mammal', {
        include: [
          { system: ANIMALS, filter: [{ property: 'concept', op: 'descendent-of', value: 'mammal' }] },
        ],
      }),
      vs('two-legs', { include: [{ system: ANIMALS, filter: [{ property: 'legs', op: '=', value: '2' }] }] }),
      vs('all-but-cat', {
        include: [{ system: ANIMALS }],
        exclude: [{ system: ANIMALS, concept: [{ code: 'cat' }] }],
      }),
      vs('pets', {
        include: [{ system: ANIMALS, concept: [{ code: 'dog', display: 'Doggy' }, { code: 'cat' }] }],
      }),
      vs('pets-and-gender', {
        include: [{ valueSet: [`${BASE}/ValueSet/pets`] }, { valueSet: [GENDER_VS] }],
      }),
      vs('snomed-findings', {
        include: [
          {
            system: 'http://snomed.info/sct',
            filter: [{ property: 'concept', op: 'is-a', value: '404684003' }],
          },
        ],
      }),
      vs('snomed-two', {
        include: [
          { system: 'http://snomed.info/sct', concept: [{ code: '73211009' }, { code: '38341003' }] },
        ],
      }),
      vs('expanded', undefined, {
        expansion: { contains: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      }),
    ],
  });
});

describe('terminology: value sets', () => {
  it('when a bare code is in a core value set, then it is valid', () => {
    expect(ts.validateBareCode(GENDER_VS, 'female')).toEqual({ valid: true });
  });

  it('when a bare code is not in a core value set, then the message names code and value set', () => {
    expect(ts.validateBareCode(GENDER_VS, 'woman')).toEqual({
      valid: false,
      message: `code 'woman' is not in value set ${GENDER_VS}`,
    });
  });

  it('when the value set is cited with a version, then the versioned canonical resolves', () => {
    expect(ts.validateBareCode(`${GENDER_VS}|4.0.1`, 'male')?.valid).toBe(true);
    expect(ts.hasValueSet(`${GENDER_VS}|4.0.1`)).toBe(true);
  });

  it('when the value set is unknown, then the answer is undefined', () => {
    expect(ts.validateBareCode(`${BASE}/ValueSet/nothing`, 'x')).toBeUndefined();
    expect(ts.hasValueSet(`${BASE}/ValueSet/nothing`)).toBe(false);
  });

  it('when a coding has the wrong system, then it is not in the value set', () => {
    const check = ts.validateCode(GENDER_VS, { system: 'http://example.org/other', code: 'male' });
    expect(check?.valid).toBe(false);
  });

  it('when a code is not in a complete code system, then it is invalid even before the value set is asked', () => {
    expect(ts.validateCode(GENDER_VS, { system: GENDER_CS, code: 'woman' })).toEqual({
      valid: false,
      message: `Unknown code 'woman' in the code system '${GENDER_CS}'`,
    });
    expect(ts.validateCodeInSystem(GENDER_CS, 'woman')?.valid).toBe(false);
    expect(ts.validateCodeInSystem(GENDER_CS, 'other')?.valid).toBe(true);
  });

  it('when an is-a filter is used, then the root and its descendants are members', () => {
    const url = `${BASE}/ValueSet/mammals`;
    expect(ts.validateCode(url, { system: ANIMALS, code: 'mammal' })?.valid).toBe(true);
    expect(ts.validateCode(url, { system: ANIMALS, code: 'dog' })?.valid).toBe(true);
    expect(ts.validateCode(url, { system: ANIMALS, code: 'bird' })?.valid).toBe(false);
  });

  it('when a descendent-of filter is used, then the root itself is not a member', () => {
    const url = `${BASE}/ValueSet/below-mammal`;
    expect(ts.validateBareCode(url, 'cat')?.valid).toBe(true);
    expect(ts.validateBareCode(url, 'mammal')?.valid).toBe(false);
  });

  it('when a property filter is used, then codes with that property value are members', () => {
    const url = `${BASE}/ValueSet/two-legs`;
    expect(ts.validateBareCode(url, 'bird')?.valid).toBe(true);
    expect(ts.validateBareCode(url, 'dog')?.valid).toBe(false);
  });

  it('when a code is excluded, then it is not a member though its system is included', () => {
    const url = `${BASE}/ValueSet/all-but-cat`;
    expect(ts.validateBareCode(url, 'dog')?.valid).toBe(true);
    expect(ts.validateBareCode(url, 'cat')?.valid).toBe(false);
  });

  it('when a value set imports others, then it holds the members of each', () => {
    const url = `${BASE}/ValueSet/pets-and-gender`;
    expect(ts.validateCode(url, { system: ANIMALS, code: 'dog' })?.valid).toBe(true);
    expect(ts.validateCode(url, { system: GENDER_CS, code: 'unknown' })?.valid).toBe(true);
    expect(ts.validateCode(url, { system: ANIMALS, code: 'bird' })?.valid).toBe(false);
  });

  it('when a v3 value set is defined by a filter on a flat code system, then the hierarchy from properties is used', () => {
    const url = 'http://terminology.hl7.org/ValueSet/v3-ActEncounterCode';
    const system = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
    expect(ts.validateCode(url, { system, code: 'AMB' })?.valid).toBe(true);
    expect(ts.validateCode(url, { system, code: 'IMP' })?.valid).toBe(true);
    expect(ts.validateCode(url, { system, code: '_ActAccountCode' })?.valid).toBe(false);
  });

  it('when a value set is given only by its expansion, then the expansion decides', () => {
    const url = `${BASE}/ValueSet/expanded`;
    expect(ts.validateCode(url, { system: 'http://loinc.org', code: '8867-4' })?.valid).toBe(true);
    expect(ts.validateCode(url, { system: 'http://loinc.org', code: '8480-6' })?.valid).toBe(false);
  });

  it('when a value set is passed as a resource (contained), then it is used as is', () => {
    const inline = {
      resourceType: 'ValueSet',
      id: 'yn',
      compose: { include: [{ system: ANIMALS, concept: [{ code: 'dog' }] }] },
    };
    expect(ts.validateCode(inline, { system: ANIMALS, code: 'dog' })?.valid).toBe(true);
    expect(ts.validateCode(inline, { system: ANIMALS, code: 'cat' })).toEqual({
      valid: false,
      message: `code 'cat' of system '${ANIMALS}' is not in value set #yn`,
    });
  });
});

describe('terminology: what cannot be decided offline', () => {
  it('when membership needs SNOMED CT, then the answer is undefined', () => {
    expect(
      ts.validateCode(`${BASE}/ValueSet/snomed-findings`, {
        system: 'http://snomed.info/sct',
        code: '22298006',
      }),
    ).toBeUndefined();
  });

  it('when a value set enumerates SNOMED CT codes, then membership is decided without the code system', () => {
    const url = `${BASE}/ValueSet/snomed-two`;
    expect(ts.validateCode(url, { system: 'http://snomed.info/sct', code: '73211009' })?.valid).toBe(true);
    expect(ts.validateCode(url, { system: 'http://snomed.info/sct', code: '22298006' })?.valid).toBe(false);
  });

  it('when a code system is not held, then a code in it cannot be checked without a value set', () => {
    expect(ts.validateCodeInSystem('http://loinc.org', '8867-4')).toBeUndefined();
    expect(ts.hasCodeSystem('http://loinc.org')).toBe(false);
  });
});

describe('terminology: codes that cannot exist', () => {
  it('when a SNOMED CT code has no valid check digit or is not numeric, then it is invalid without a server', () => {
    expect(ts.validateCodeInSystem('http://snomed.info/sct', '73211009')).toBeUndefined();
    expect(ts.validateCodeInSystem('http://snomed.info/sct', '73211008')?.valid).toBe(false);
    expect(ts.validateCodeInSystem('http://snomed.info/sct', '276885007x')?.valid).toBe(false);
  });

  it('when a SNOMED CT code is an expression, then it is left to a server', () => {
    expect(
      ts.validateCodeInSystem('http://snomed.info/sct', '73211009 : 363698007 = 113331007'),
    ).toBeUndefined();
  });

  it('when a LOINC code has a wrong check digit, then it is invalid without a server', () => {
    expect(ts.validateCodeInSystem('http://loinc.org', '8867-4')).toBeUndefined();
    expect(ts.validateCodeInSystem('http://loinc.org', '8867-5')?.valid).toBe(false);
    expect(ts.validateCodeInSystem('http://loinc.org', 'LA33-6')).toBeUndefined();
  });

  it('when a language tag, media type or country code breaks its grammar, then it is invalid', () => {
    expect(ts.validateCodeInSystem('urn:ietf:bcp:47', 'nl-NL')).toBeUndefined();
    expect(ts.validateCodeInSystem('urn:ietf:bcp:47', 'nl_NL')?.valid).toBe(false);
    expect(ts.validateCodeInSystem('urn:ietf:bcp:13', 'application/fhir+json')).toBeUndefined();
    expect(ts.validateCodeInSystem('urn:ietf:bcp:13', 'pdf')?.valid).toBe(false);
    expect(ts.validateCodeInSystem('urn:iso:std:iso:3166', 'NL')).toBeUndefined();
    expect(ts.validateCodeInSystem('urn:iso:std:iso:3166', 'Netherlands')?.valid).toBe(false);
  });

  it('when no system of a value set could have the code, then a bare code is invalid though the systems are not held', () => {
    // jurisdiction: all of ISO 3166 and ISO 3166-2, and the M49 regions.
    const url = 'http://hl7.org/fhir/ValueSet/jurisdiction';
    expect(ts.validateBareCode(url, 'NL')).toBeUndefined();
    expect(ts.validateBareCode(url, 'Netherlands')?.valid).toBe(false);
  });

  it('when a value set needs SNOMED CT and the code cannot exist, then the coding is invalid', () => {
    expect(
      ts.validateCode(`${BASE}/ValueSet/snomed-findings`, { system: 'http://snomed.info/sct', code: '1' })
        ?.valid,
    ).toBe(false);
  });

  it('when a coding names a code system supplement as its system, then it is invalid', () => {
    const local = createTerminologyService({
      includeProject: false,
      resources: [
        { ...animals, url: `${BASE}/CodeSystem/animals-nl`, content: 'supplement', supplements: ANIMALS },
      ],
    });
    expect(local.validateCodeInSystem(`${BASE}/CodeSystem/animals-nl`, 'dog')).toEqual({
      valid: false,
      message: `CodeSystem ${BASE}/CodeSystem/animals-nl is a supplement (of ${ANIMALS}), so it cannot be used as a code system`,
      element: 'system',
    });
  });
});

describe('terminology: displays', () => {
  it('when the display matches the code system (or a designation), then there is no message', () => {
    expect(
      ts.validateCode(`${BASE}/ValueSet/pets`, { system: ANIMALS, code: 'dog', display: 'Dog' }),
    ).toEqual({ valid: true });
    expect(
      ts.validateCode(`${BASE}/ValueSet/pets`, { system: ANIMALS, code: 'dog', display: 'hond' }),
    ).toEqual({ valid: true });
  });

  it('when the display is wrong, then the code stays valid and the right display is given', () => {
    const check = ts.validateCode(`${BASE}/ValueSet/pets`, { system: ANIMALS, code: 'dog', display: 'Wolf' });
    expect(check?.valid).toBe(true);
    expect(check?.display).toBe('Dog');
    expect(check?.message).toBe(`Wrong display 'Wolf' for ${ANIMALS}#dog: should be 'Dog'`);
  });
});

describe('terminology: UCUM', () => {
  const UCUM = 'http://unitsofmeasure.org';

  it('when a unit is valid UCUM, then it is a code of the UCUM system', () => {
    expect(ts.validateCodeInSystem(UCUM, 'mg/dL')?.valid).toBe(true);
    expect(ts.validateCodeInSystem(UCUM, 'kg.m-2')?.valid).toBe(true);
  });

  it('when a unit is not UCUM, then it is invalid', () => {
    expect(ts.validateCodeInSystem(UCUM, 'kilogram')?.valid).toBe(false);
    expect(
      ts.validateCode('http://hl7.org/fhir/ValueSet/ucum-units', { system: UCUM, code: 'mgg' })?.valid,
    ).toBe(false);
  });
});

describe('terminology: instances and layers', () => {
  it('when resources are added to one service, then another service does not see them', () => {
    const other = createTerminologyService({ includeProject: false });
    expect(other.hasValueSet(`${BASE}/ValueSet/pets`)).toBe(false);
    expect(other.validateBareCode(GENDER_VS, 'male')?.valid).toBe(true);
  });

  it('when a value set is added later, then it is found and earlier answers are recomputed', () => {
    const local = createTerminologyService({ includeProject: false, resources: [animals] });
    const url = `${BASE}/ValueSet/late`;
    expect(local.validateBareCode(url, 'dog')).toBeUndefined();
    local.addResources([
      {
        resourceType: 'Bundle',
        entry: [{ resource: vs('late', { include: [{ system: ANIMALS, concept: [{ code: 'dog' }] }] }) }],
      },
    ]);
    expect(local.validateBareCode(url, 'dog')?.valid).toBe(true);
  });

  it('when a code system version is asked for, then that version is used', () => {
    const v1 = { ...animals, version: '1.0.0', concept: [{ code: 'dog', display: 'Dog' }] };
    const local = createTerminologyService({
      includeCore: false,
      includeProject: false,
      resources: [animals, v1],
    });
    expect(local.validateCodeInSystem(ANIMALS, 'cat', undefined, '1.0.0')?.valid).toBe(false);
    expect(local.validateCodeInSystem(ANIMALS, 'cat', undefined, '2.0.0')?.valid).toBe(true);
  });

  it('when the project terminology is loaded, then its value sets are known', () => {
    const project = createTerminologyService();
    const url = 'https://overdracht.dev/fhir/ValueSet/referral-category';
    expect(project.hasValueSet(url)).toBe(true);
    expect(
      project.validateCode(url, {
        system: 'https://overdracht.dev/fhir/CodeSystem/referral-category',
        code: 'crisis',
      })?.valid,
    ).toBe(true);
    expect(
      project.validateCode(url, {
        system: 'https://overdracht.dev/fhir/CodeSystem/referral-category',
        code: 'urgent',
      })?.valid,
    ).toBe(false);
  });
});
