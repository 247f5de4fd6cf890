/**
 * Rules for CodeSystem, ValueSet and ConceptMap resources themselves. Each negative test breaks
 * one field of a valid resource and asserts the issue's path.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateTerminologyResource } from '../../../src/terminology/resource-checks.js';
import { createTerminologyService, type TerminologyService } from '../../../src/terminology/service.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- fixtures are edited freely

const BASE = 'http://example.org/fhir';
const CP = 'http://hl7.org/fhir/concept-properties#';

function codeSystem(): Json {
  return {
    resourceType: 'CodeSystem',
    url: `${BASE}/CodeSystem/colours`,
    status: 'active',
    content: 'complete',
    count: 3,
    property: [
      { code: 'notSelectable', uri: `${CP}notSelectable`, type: 'boolean' },
      { code: 'hex', type: 'string' },
      { code: 'complement', type: 'Coding' },
    ],
    concept: [
      {
        code: 'colour',
        display: 'Colour',
        property: [{ code: 'notSelectable', valueBoolean: true }],
        concept: [
          {
            code: 'red',
            display: 'Red',
            property: [
              { code: 'hex', valueString: '#ff0000' },
              { code: 'complement', valueCoding: { system: `${BASE}/CodeSystem/colours`, code: 'green' } },
            ],
          },
          { code: 'green', display: 'Green', property: [{ code: 'hex', valueString: '#00ff00' }] },
        ],
      },
    ],
  };
}

function valueSet(): Json {
  return {
    resourceType: 'ValueSet',
    url: `${BASE}/ValueSet/warm`,
    status: 'active',
    compose: {
      include: [
        { system: `${BASE}/CodeSystem/colours`, concept: [{ code: 'red' }] },
        { system: `${BASE}/CodeSystem/colours`, filter: [{ property: 'concept', op: 'is-a', value: 'red' }] },
        {
          system: `${BASE}/CodeSystem/colours`,
          filter: [{ property: 'complement', op: '=', value: `${BASE}/CodeSystem/colours#green` }],
        },
        { system: 'http://snomed.info/sct', concept: [{ code: '73211009' }] },
      ],
    },
  };
}

function conceptMap(): Json {
  return {
    resourceType: 'ConceptMap',
    url: `${BASE}/ConceptMap/warm-to-gender`,
    status: 'active',
    sourceCanonical: `${BASE}/ValueSet/warm`,
    group: [
      {
        source: `${BASE}/CodeSystem/colours`,
        target: 'http://hl7.org/fhir/administrative-gender',
        element: [{ code: 'red', target: [{ code: 'other', equivalence: 'wider' }] }],
      },
    ],
  };
}

let ts: TerminologyService;
beforeAll(() => {
  ts = createTerminologyService({ includeProject: false, resources: [codeSystem(), valueSet()] });
});

const check = (r: Json): OperationOutcomeIssue[] =>
  validateTerminologyResource(r, String(r.resourceType), ts);
const paths = (r: Json): string[] => check(r).map((i) => i.expression?.[0] ?? '');

describe('terminology resources: the valid ones', () => {
  it('when the code system, value set and concept map are sound, then there are no issues', () => {
    expect(check(codeSystem())).toEqual([]);
    expect(check(valueSet())).toEqual([]);
    expect(check(conceptMap())).toEqual([]);
  });

  it('when the resource is not a terminology resource, then there are no issues', () => {
    expect(validateTerminologyResource({ resourceType: 'Patient' }, 'Patient', ts)).toEqual([]);
  });
});

describe('terminology resources: CodeSystem', () => {
  it('when the count does not match the concepts of a complete system, then count is reported', () => {
    const cs = codeSystem();
    cs.count = 4;
    expect(check(cs)).toEqual([
      expect.objectContaining({
        expression: ['CodeSystem.count'],
        diagnostics:
          'The code system is complete, but the number of concepts (3) does not match the stated total number (4)',
      }),
    ]);
  });

  it('when a supplement does not say content supplement, then content is reported', () => {
    const cs = codeSystem();
    cs.url = `${BASE}/CodeSystem/colours-nl`;
    cs.supplements = `${BASE}/CodeSystem/colours`;
    delete cs.count;
    expect(paths(cs)).toEqual(['CodeSystem.content']);
  });

  it('when a supplement names a code its base does not have, then that concept is reported', () => {
    const cs: Json = {
      ...codeSystem(),
      url: `${BASE}/CodeSystem/colours-nl`,
      supplements: `${BASE}/CodeSystem/colours`,
      content: 'supplement',
    };
    delete cs.count;
    cs.concept = [
      { code: 'red', display: 'Rood' },
      { code: 'blue', display: 'Blauw' },
    ];
    expect(paths(cs)).toEqual(['CodeSystem.concept[1]']);
  });

  it('when a property code is defined twice, then the second definition is reported', () => {
    const cs = codeSystem();
    cs.property.push({ code: 'hex', type: 'string' });
    expect(paths(cs)).toEqual(['CodeSystem.property[3]']);
  });

  it('when a standard property has the wrong type, then the definition is reported', () => {
    const cs = codeSystem();
    cs.property[0].type = 'dateTime';
    // The concept's boolean value now contradicts the declared type too.
    expect(paths(cs)).toEqual(['CodeSystem.property[0]', 'CodeSystem.concept[0].property[0]']);
  });

  it('when a concept property value has another type than declared, then that value is reported', () => {
    const cs = codeSystem();
    cs.concept[0].concept[1].property[0] = { code: 'hex', valueInteger: 65280 };
    expect(paths(cs)).toEqual(['CodeSystem.concept[0].concept[1].property[0]']);
  });
});

describe('terminology resources: ValueSet', () => {
  it('when an include names a relative system, then the include is reported', () => {
    const vs = valueSet();
    vs.compose.include[0].system = '#colours';
    expect(paths(vs)).toEqual(['ValueSet.compose.include[0]']);
  });

  it('when an include lists a code its complete system does not have, then the concept is reported', () => {
    const vs = valueSet();
    vs.compose.include[0].concept.push({ code: 'purple' });
    expect(paths(vs)).toEqual(['ValueSet.compose.include[0].concept[1]']);
  });

  it('when an include lists a SNOMED CT code that cannot exist, then the concept is reported', () => {
    const vs = valueSet();
    vs.compose.include[3].concept[0].code = '73211008';
    expect(paths(vs)).toEqual(['ValueSet.compose.include[3].concept[0]']);
  });

  it('when an is-a filter names an unknown code, then the filter is reported', () => {
    const vs = valueSet();
    vs.compose.include[1].filter[0].value = 'shade';
    expect(paths(vs)).toEqual(['ValueSet.compose.include[1].filter[0]']);
  });

  it('when a filter on a Coding property is not system#code, then the filter is reported', () => {
    const vs = valueSet();
    vs.compose.include[2].filter[0].value = 'green';
    expect(check(vs)).toEqual([
      expect.objectContaining({
        expression: ['ValueSet.compose.include[2].filter[0]'],
        diagnostics:
          "The value for a filter based on property 'complement' must be in the format system(|version)#code, not 'green'",
      }),
    ]);
  });

  it('when a filter on a boolean property is not true or false, then the filter is reported', () => {
    const vs = valueSet();
    vs.compose.include[1].filter[0] = { property: 'notSelectable', op: '=', value: '1' };
    expect(paths(vs)).toEqual(['ValueSet.compose.include[1].filter[0]']);
  });

  it('when a SNOMED CT constraint filter is not valid ECL, then the filter is reported', () => {
    const vs = valueSet();
    vs.compose.include[3] = {
      system: 'http://snomed.info/sct',
      filter: [{ property: 'constraint', op: '=', value: '<< 404684003 OR << 71388002' }],
    };
    expect(check(vs)).toEqual([]);
    vs.compose.include[3].filter[0].value = '404684003 << 71388002';
    expect(paths(vs)).toEqual(['ValueSet.compose.include[3].filter[0]']);
  });

  it('when an include names a contained code system by its url, then its codes are checked there', () => {
    const vs = valueSet();
    vs.contained = [
      {
        resourceType: 'CodeSystem',
        id: 'c',
        url: `${BASE}/CodeSystem/local`,
        status: 'active',
        content: 'complete',
        concept: [{ code: 'a' }],
      },
    ];
    vs.compose.include = [{ system: `${BASE}/CodeSystem/local`, concept: [{ code: 'a' }, { code: 'b' }] }];
    expect(paths(vs)).toEqual(['ValueSet.compose.include[0].concept[1]']);
  });
});

describe('terminology resources: ConceptMap', () => {
  it('when a source code is not in the source value set, then the code is reported', () => {
    const cm = conceptMap();
    cm.group[0].element[0].code = 'green';
    expect(paths(cm)).toEqual(['ConceptMap.group[0].element[0].code']);
  });

  it('when a target code is not in the target code system, then the target code is reported', () => {
    const cm = conceptMap();
    cm.group[0].element[0].target[0].code = 'woman';
    expect(paths(cm)).toEqual(['ConceptMap.group[0].element[0].target[0].code']);
  });
});
