import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { OperationOutcomeError } from '../../src/fhir/outcomes.js';
import type { FhirXmlResult, Json, JsonObject } from '../../src/fhir/xml.js';
import { fhirXmlToJson } from '../../src/fhir/xml.js';
import { r4XmlModel } from '../../src/fhir/xml-model.js';
import { parseXml, serializeXml } from '../../src/fhir/xml-parse.js';
import { jsonToFhirXml } from './support/json-to-xml.js';

const FHIR = 'xmlns="http://hl7.org/fhir"';
const XHTML = 'xmlns="http://www.w3.org/1999/xhtml"';

beforeAll(() => {
  // The R4 definitions are read once (about a second); the timing tests below must not pay for it.
  r4XmlModel();
});

function convert(xml: string): FhirXmlResult {
  return fhirXmlToJson(xml);
}

function failure(fn: () => unknown): { status?: number; message: string; ms: number } {
  const start = performance.now();
  try {
    fn();
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      return {
        status: err.status,
        message: err.outcome.issue?.[0]?.diagnostics ?? '',
        ms: performance.now() - start,
      };
    }
    throw err;
  }
  throw new Error('expected a failure');
}

interface Case {
  name: string;
  xml: string;
  json: JsonObject;
}

const cases: Case[] = [
  {
    name: 'boolean, integer, date, dateTime and code values take their JSON types',
    xml: `<Patient ${FHIR}><id value="p1"/><active value="true"/><gender value="female"/><birthDate value="1970-03"/>
      <deceasedBoolean value="false"/><multipleBirthInteger value="-2"/></Patient>`,
    json: {
      resourceType: 'Patient',
      id: 'p1',
      active: true,
      gender: 'female',
      birthDate: '1970-03',
      deceasedBoolean: false,
      multipleBirthInteger: -2,
    },
  },
  {
    name: 'decimal, instant and time values: decimals are JSON numbers',
    xml: `<Observation ${FHIR}><status value="final"/><code><text value="t"/></code><issued value="2024-01-02T03:04:05.678+01:00"/>
      <valueQuantity><value value="1.50"/><comparator value="&lt;"/><unit value="mg"/></valueQuantity>
      <component><code><text value="c"/></code><valueTime value="10:30:00"/></component>
      <component><code><text value="e"/></code><valueQuantity><value value="6.02e23"/></valueQuantity></component></Observation>`,
    json: {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 't' },
      issued: '2024-01-02T03:04:05.678+01:00',
      valueQuantity: { value: 1.5, comparator: '<', unit: 'mg' },
      component: [
        { code: { text: 'c' }, valueTime: '10:30:00' },
        { code: { text: 'e' }, valueQuantity: { value: 6.02e23 } },
      ],
    },
  },
  {
    name: 'unsignedInt, positiveInt and base64Binary values',
    xml: `<Bundle ${FHIR}><type value="searchset"/><total value="0"/><entry><resource><Binary><contentType value="text/plain"/><data value="aGk="/></Binary></resource></entry>
      <entry><resource><Immunization><status value="completed"/><vaccineCode><text value="v"/></vaccineCode><patient><reference value="Patient/p"/></patient>
      <occurrenceString value="2020"/><protocolApplied><doseNumberPositiveInt value="2"/></protocolApplied></Immunization></resource></entry></Bundle>`,
    json: {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 0,
      entry: [
        { resource: { resourceType: 'Binary', contentType: 'text/plain', data: 'aGk=' } },
        {
          resource: {
            resourceType: 'Immunization',
            status: 'completed',
            vaccineCode: { text: 'v' },
            patient: { reference: 'Patient/p' },
            occurrenceString: '2020',
            protocolApplied: [{ doseNumberPositiveInt: 2 }],
          },
        },
      ],
    },
  },
  {
    name: 'a repeating primitive with ids and extensions: `_given` aligned with `given`, null where an item has none',
    xml: `<Patient ${FHIR}><name id="n1"><family value="Jansen"/><given value="Anna"/>
      <given><extension url="http://example.org/ext"><valueBoolean value="false"/></extension></given>
      <given id="g3" value="Maria"/></name>
      <birthDate><extension url="http://hl7.org/fhir/StructureDefinition/data-absent-reason"><valueCode value="unknown"/></extension></birthDate></Patient>`,
    json: {
      resourceType: 'Patient',
      name: [
        {
          id: 'n1',
          family: 'Jansen',
          given: ['Anna', null, 'Maria'],
          _given: [
            null,
            { extension: [{ url: 'http://example.org/ext', valueBoolean: false }] },
            { id: 'g3' },
          ],
        },
      ],
      _birthDate: {
        extension: [
          { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' },
        ],
      },
    },
  },
  {
    name: 'choice types keep their typed names',
    xml: `<Observation ${FHIR}><status value="final"/><code><coding id="c1"><system value="http://loinc.org"/><code value="8867-4"/></coding></code>
      <effectivePeriod><start value="2024-01-01"/></effectivePeriod><valueCodeableConcept><text value="high"/></valueCodeableConcept></Observation>`,
    json: {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ id: 'c1', system: 'http://loinc.org', code: '8867-4' }] },
      effectivePeriod: { start: '2024-01-01' },
      valueCodeableConcept: { text: 'high' },
    },
  },
  {
    name: 'contained resources hold the resource type as their child element',
    xml: `<Patient ${FHIR}><contained><Organization><id value="o1"/><name value="GGZ"/></Organization></contained>
      <contained><Practitioner><id value="pr1"/></Practitioner></contained><managingOrganization><reference value="#o1"/></managingOrganization></Patient>`,
    json: {
      resourceType: 'Patient',
      contained: [
        { resourceType: 'Organization', id: 'o1', name: 'GGZ' },
        { resourceType: 'Practitioner', id: 'pr1' },
      ],
      managingOrganization: { reference: '#o1' },
    },
  },
  {
    name: 'a Bundle with entries, a link, a request and an outcome resource',
    xml: `<Bundle ${FHIR}><id value="b"/><type value="transaction-response"/><link><relation value="self"/><url value="http://x/b"/></link>
      <entry><fullUrl value="urn:uuid:7d1e7a3c-1c7e-4b3e-9a53-0d1c3f2b6a11"/><resource><Patient><id value="p"/><active value="true"/></Patient></resource>
      <response><status value="201 Created"/><outcome><OperationOutcome><issue><severity value="information"/><code value="informational"/></issue></OperationOutcome></outcome></response></entry></Bundle>`,
    json: {
      resourceType: 'Bundle',
      id: 'b',
      type: 'transaction-response',
      link: [{ relation: 'self', url: 'http://x/b' }],
      entry: [
        {
          fullUrl: 'urn:uuid:7d1e7a3c-1c7e-4b3e-9a53-0d1c3f2b6a11',
          resource: { resourceType: 'Patient', id: 'p', active: true },
          response: {
            status: '201 Created',
            outcome: {
              resourceType: 'OperationOutcome',
              issue: [{ severity: 'information', code: 'informational' }],
            },
          },
        },
      ],
    },
  },
  {
    name: 'the xhtml div is its XML text with the XHTML namespace, also when written with a prefix',
    xml: `<Patient ${FHIR}><text><status value="generated"/><h:div xmlns:h="http://www.w3.org/1999/xhtml" class="x"><h:p>A&#160;&amp; &lt;b&gt; "q"<h:br/><!-- kept -->
<h:a href="http://x?a=1&amp;b=2">link</h:a></h:p></h:div></text></Patient>`,
    json: {
      resourceType: 'Patient',
      text: {
        status: 'generated',
        div: `<div ${XHTML} class="x"><p>A\u00a0&amp; &lt;b&gt; &quot;q&quot;<br/><!-- kept -->\n<a href="http://x?a=1&amp;b=2">link</a></p></div>`,
      },
    },
  },
  {
    name: 'contentReference elements recurse: Questionnaire.item.item, ValueSet.compose.exclude, Parameters.parameter.part',
    xml: `<Bundle ${FHIR}><type value="collection"/>
      <entry><resource><Questionnaire><status value="active"/><item><linkId value="1"/><type value="group"/>
        <item><linkId value="1.1"/><type value="group"/><item><linkId value="1.1.1"/><type value="boolean"/><required value="true"/>
          <enableWhen><question value="1.0"/><operator value="exists"/><answerBoolean value="true"/></enableWhen></item></item></item></Questionnaire></resource></entry>
      <entry><resource><ValueSet><status value="draft"/><compose><include><system value="http://s"/></include>
        <exclude><system value="http://s"/><concept><code value="a"/></concept></exclude></compose></ValueSet></resource></entry>
      <entry><resource><Parameters><parameter><name value="p"/><part><name value="q"/><valueDecimal value="0.5"/></part>
        <part><name value="r"/><resource><Patient><active value="false"/></Patient></resource></part></parameter></Parameters></resource></entry></Bundle>`,
    json: {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          resource: {
            resourceType: 'Questionnaire',
            status: 'active',
            item: [
              {
                linkId: '1',
                type: 'group',
                item: [
                  {
                    linkId: '1.1',
                    type: 'group',
                    item: [
                      {
                        linkId: '1.1.1',
                        type: 'boolean',
                        required: true,
                        enableWhen: [{ question: '1.0', operator: 'exists', answerBoolean: true }],
                      },
                    ],
                  },
                ],
              },
            ],
          },
        },
        {
          resource: {
            resourceType: 'ValueSet',
            status: 'draft',
            compose: {
              include: [{ system: 'http://s' }],
              exclude: [{ system: 'http://s', concept: [{ code: 'a' }] }],
            },
          },
        },
        {
          resource: {
            resourceType: 'Parameters',
            parameter: [
              {
                name: 'p',
                part: [
                  { name: 'q', valueDecimal: 0.5 },
                  { name: 'r', resource: { resourceType: 'Patient', active: false } },
                ],
              },
            ],
          },
        },
      ],
    },
  },
  {
    name: 'nested extensions, modifierExtension, extension ids, and an extension on an extension value',
    xml: `<Patient ${FHIR}><extension id="e1" url="http://example.org/complex"><extension url="a"><valueString value="x"><extension url="http://example.org/lang"><valueCode value="nl"/></extension></valueString></extension>
      <extension url="b"><valueReference><reference value="Practitioner/1"/></valueReference></extension></extension>
      <modifierExtension url="http://example.org/mod"><valueInteger value="7"/></modifierExtension></Patient>`,
    json: {
      resourceType: 'Patient',
      extension: [
        {
          id: 'e1',
          url: 'http://example.org/complex',
          extension: [
            {
              url: 'a',
              valueString: 'x',
              _valueString: { extension: [{ url: 'http://example.org/lang', valueCode: 'nl' }] },
            },
            { url: 'b', valueReference: { reference: 'Practitioner/1' } },
          ],
        },
      ],
      modifierExtension: [{ url: 'http://example.org/mod', valueInteger: 7 }],
    },
  },
  {
    name: 'comments, processing instructions, the XML declaration and schema locations are not data',
    xml: `<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet href="x.xsl"?><!-- before -->
      <Patient ${FHIR} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://hl7.org/fhir fhir-all.xsd">
      <!-- inside --><active value="true"/></Patient><!-- after -->`,
    json: { resourceType: 'Patient', active: true },
  },
];

describe('fhirXmlToJson: small XML snippets against their FHIR JSON', () => {
  it.each(cases)('when $name, then the JSON is exact and there are no issues', ({ xml, json }) => {
    const result = convert(xml);
    expect(result.resource).toStrictEqual(json);
    expect(result.issues).toEqual([]);
  });

  it('when the input is bytes with a byte order mark, then it reads the same as text', () => {
    const bytes = new TextEncoder().encode(
      `\uFEFF<Patient ${FHIR}><name><family value="Çelik"/></name></Patient>`,
    );
    expect(fhirXmlToJson(bytes).resource).toEqual({ resourceType: 'Patient', name: [{ family: 'Çelik' }] });
  });

  it('when a decimal has more digits than a JSON number holds, then it is read as the nearest number and noted', () => {
    const r = convert(
      `<Observation ${FHIR}><valueQuantity><value value="3.14159265358979323846"/></valueQuantity></Observation>`,
    );
    expect(r.resource.valueQuantity).toEqual({ value: 3.141592653589793 });
    expect(r.issues).toEqual([
      expect.objectContaining({ severity: 'information', expression: ['Observation.valueQuantity.value'] }),
    ]);
  });

  it('when a string value holds line breaks and tabs as character references, then they are kept', () => {
    const r = convert(`<Patient ${FHIR}><name><text value="a&#10;b&#9;c"/></name></Patient>`);
    expect(r.resource.name).toEqual([{ text: 'a\nb\tc' }]);
  });
});

describe('fhirXmlToJson: what is not FHIR is kept as far as it goes and reported', () => {
  function issuesOf(xml: string): {
    resource: JsonObject;
    issues: { diagnostics?: string; expression?: string[] }[];
  } {
    return convert(xml);
  }

  it('when an element is unknown, then it is kept as a string and reported at its path', () => {
    const r = issuesOf(
      `<Patient ${FHIR}><name><family value="J"/><nickname value="Jo"/></name><hobby><name value="chess"/><level value="2"/></hobby></Patient>`,
    );
    expect(r.resource).toEqual({
      resourceType: 'Patient',
      name: [{ family: 'J', nickname: 'Jo' }],
      hobby: { name: 'chess', level: '2' },
    });
    expect(r.issues.map((i) => [i.diagnostics, i.expression?.[0]])).toEqual([
      ["Unknown element 'nickname'", 'Patient.name[0].nickname'],
      ["Unknown element 'hobby'", 'Patient.hobby'],
    ]);
  });

  it('when a boolean or an integer value is malformed, then the text is kept and reported', () => {
    const r = issuesOf(`<Patient ${FHIR}><active value="yes"/><multipleBirthInteger value="1.5"/></Patient>`);
    expect(r.resource).toEqual({ resourceType: 'Patient', active: 'yes', multipleBirthInteger: '1.5' });
    expect(r.issues.map((i) => i.expression?.[0])).toEqual([
      'Patient.active',
      'Patient.multipleBirthInteger',
    ]);
  });

  it('when a number is written in XML Schema form but not in FHIR form, then it is read and reported', () => {
    const r = issuesOf(
      `<Observation ${FHIR}><valueQuantity><value value="+.5"/></valueQuantity><component><valueInteger value="007"/></component></Observation>`,
    );
    expect(r.resource).toEqual({
      resourceType: 'Observation',
      valueQuantity: { value: 0.5 },
      component: [{ valueInteger: 7 }],
    });
    expect(r.issues.map((i) => i.expression?.[0])).toEqual([
      'Observation.valueQuantity.value',
      'Observation.component[0].valueInteger',
    ]);
  });

  it('when a single element is given twice, then the first is kept and the repeat reported', () => {
    const r = issuesOf(`<Patient ${FHIR}><active value="true"/><active value="false"/></Patient>`);
    expect(r.resource).toEqual({ resourceType: 'Patient', active: true });
    expect(r.issues[0]?.diagnostics).toMatch(/appears 2 times/);
  });

  it('when an attribute is unknown or text sits between elements, then each is reported', () => {
    const r = issuesOf(`<Patient ${FHIR}><name use="official">stray<family value="J"/></name></Patient>`);
    expect(r.resource).toEqual({ resourceType: 'Patient', name: [{ family: 'J' }] });
    expect(r.issues.map((i) => [i.diagnostics, i.expression?.[0]])).toEqual([
      ["Unknown attribute 'use'", 'Patient.name[0]'],
      ['Text content is not allowed in a FHIR element', 'Patient.name[0]'],
    ]);
  });

  it('when an element is in another namespace, then it is kept under its prefixed name and reported', () => {
    const r = issuesOf(`<Patient ${FHIR} xmlns:x="urn:x"><x:active value="true"/></Patient>`);
    expect(r.resource).toEqual({ resourceType: 'Patient', 'x:active': 'true' });
    expect(r.issues[0]?.diagnostics).toBe("Unknown element 'active' in namespace 'urn:x'");
  });

  it('when the root has no namespace, then the resource is read and the namespace reported once', () => {
    const r = issuesOf('<Patient><active value="true"/></Patient>');
    expect(r.resource).toEqual({ resourceType: 'Patient', active: true });
    expect(r.issues.map((i) => i.expression?.[0])).toEqual(['Patient']);
  });

  it('when a contained resource type is unknown, then its content is kept and reported at its path', () => {
    const r = issuesOf(`<Patient ${FHIR}><contained><Alien><id value="a"/></Alien></contained></Patient>`);
    expect(r.resource).toEqual({ resourceType: 'Patient', contained: [{ resourceType: 'Alien', id: 'a' }] });
    expect(r.issues.map((i) => [i.diagnostics, i.expression?.[0]])).toEqual([
      ["Unknown resource type 'Alien'", 'Patient.contained[0]'],
    ]);
  });

  it('when the narrative div is not in the XHTML namespace, then it is kept as written and reported', () => {
    const r = issuesOf(`<Patient ${FHIR}><text><status value="generated"/><div>x</div></text></Patient>`);
    expect(r.resource.text).toEqual({ status: 'generated', div: `<div ${FHIR}>x</div>` });
    expect(r.issues[0]?.expression).toEqual(['Patient.text.div']);
  });

  it('when a primitive has no value and no extension, then it is reported and left out', () => {
    const r = issuesOf(`<Patient ${FHIR}><active/></Patient>`);
    expect(r.resource).toEqual({ resourceType: 'Patient' });
    expect(r.issues[0]?.expression).toEqual(['Patient.active']);
  });
});

describe('fhirXmlToJson: hostile and non-FHIR input is refused quickly', () => {
  const QUICK_MS = 1000;

  it('when the XML declares an external entity (XXE), then it is refused before anything is read', () => {
    const f = failure(() =>
      convert(
        `<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Patient ${FHIR}><id value="&xxe;"/></Patient>`,
      ),
    );
    expect(f.status).toBe(400);
    expect(f.message).toMatch(/DOCTYPE/);
    expect(f.message).not.toMatch(/root:/);
    expect(f.ms).toBeLessThan(QUICK_MS);
  });

  it('when the XML holds a billion laughs, then it is refused without expanding an entity', () => {
    const defs = Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
    ).join('');
    const f = failure(() =>
      convert(
        `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${defs}]><Patient ${FHIR}><id value="&lol9;"/></Patient>`,
      ),
    );
    expect(f.status).toBe(400);
    expect(f.ms).toBeLessThan(QUICK_MS);
  });

  it('when an entity is used that was never declared, then it is refused', () => {
    expect(failure(() => convert(`<Patient ${FHIR}><id value="&nbsp;"/></Patient>`)).status).toBe(400);
  });

  it('when elements nest 50,000 levels deep, then it is refused', () => {
    const f = failure(() =>
      convert(`<Patient ${FHIR}>${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}</Patient>`),
    );
    expect(f.status).toBe(400);
    expect(f.message).toMatch(/nested deeper/);
    expect(f.ms).toBeLessThan(QUICK_MS);
  });

  it('when the XML is 20 MB, then it is refused as too large', () => {
    const big = `<Patient ${FHIR}><text><status value="generated"/><div ${XHTML}>${'x'.repeat(20 * 1024 * 1024)}</div></text></Patient>`;
    const f = failure(() => convert(big));
    expect(f.status).toBe(413);
    expect(f.ms).toBeLessThan(QUICK_MS);
  });

  it.each([
    ['JSON', '{"resourceType":"Patient"}'],
    ['empty input', ''],
    ['an unclosed element', `<Patient ${FHIR}><name>`],
    ['two root elements', `<Patient ${FHIR}/><Patient ${FHIR}/>`],
    ['a non-UTF-8 encoding', `<?xml version="1.0" encoding="ISO-8859-1"?><Patient ${FHIR}/>`],
    ['a root that is no resource type', '<html><body/></html>'],
  ])('when the input is %s, then it is a 400 with a clear message', (_, input) => {
    const f = failure(() => convert(input));
    expect(f.status).toBe(400);
    expect(f.message.length).toBeGreaterThan(10);
  });

  it('when an unknown element is named __proto__, then it is refused as the JSON parser refuses the key', () => {
    const f = failure(() =>
      convert(`<Patient ${FHIR}><__proto__><polluted value="1"/></__proto__></Patient>`),
    );
    expect(f.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('when the caller sets tighter limits, then more elements than allowed are refused as too costly', () => {
    const limits = { maxBytes: 1024, maxDepth: 8, maxElements: 3 };
    const xml = `<Patient ${FHIR}><name><given value="a"/><given value="b"/></name></Patient>`;
    expect(failure(() => fhirXmlToJson(xml, { limits })).status).toBe(413);
  });

  it('when bytes are not UTF-8, then it is a 400 saying so', () => {
    const f = failure(() => fhirXmlToJson(new Uint8Array([0x3c, 0xff, 0xfe, 0x3e])));
    expect(f.status).toBe(400);
    expect(f.message).toMatch(/UTF-8/);
  });
});

// ------------------------------------------------------------------------------------------------
// The XML of ../shared: validator test cases and the Nictiz profiles and examples

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHARED = join(ROOT, '..', 'shared');
const XML_FOLDERS = [
  'conformance/fhir-test-cases/cases',
  'external/nictiz-elz',
  'external/nictiz-zib2020',
].map((f) => join(SHARED, f));
const sharedAbsent = !existsSync(join(SHARED, 'conformance', 'fhir-test-cases')) && process.env.CI !== 'true';

function filesUnder(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.toLowerCase().endsWith(ext))
    .map((f) => join(dir, f))
    .sort();
}

/** JSON that is not in FHIR's own JSON form, so that reading its XML back cannot give the same. */
const NOT_CANONICAL_JSON: Readonly<Record<string, string>> = {
  'additional-bindings-profile-2.json': 'abstract is the string "false"',
  'cs-meta-profile.json': 'meta.profile is a string, not an array',
  'synthea.json': 'reasonCode is an object, not an array',
  'empty-array.json': 'an empty array',
};

/** Narratives compared as XML: HL7's tools write `<p></p>` in some files and `<p/>` in others, `\r\n` in some. */
function normaliseDivs(value: Json): Json {
  if (Array.isArray(value)) return value.map(normaliseDivs);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value))
    out[k] = k === 'div' && typeof v === 'string' ? serializeXml(parseXml(v)) : normaliseDivs(v);
  return out;
}

describe.skipIf(sharedAbsent)(
  `fhirXmlToJson on the XML in ../shared${sharedAbsent ? ' (skipped: ../shared is absent)' : ''}`,
  () => {
    const xmlFiles = XML_FOLDERS.flatMap((d) => filesUnder(d, '.xml'));
    const jsonFiles = XML_FOLDERS.flatMap((d) => filesUnder(d, '.json'));

    it('when every XML file of the test cases and the Nictiz folders is read, then each converts without throwing', () => {
      expect(xmlFiles.length).toBeGreaterThan(700);
      let clean = 0;
      const withIssues: string[] = [];
      for (const file of xmlFiles) {
        const { resource, issues } = fhirXmlToJson(readFileSync(file));
        expect(resource.resourceType, file).toMatch(/^[A-Z]/);
        if (issues.length === 0) clean++;
        else withIssues.push(`${basename(file)}: ${issues.map((i) => i.diagnostics).join('; ')}`);
      }
      console.log(`FHIR XML in ../shared: ${xmlFiles.length} files, all converted, ${clean} without issues`);
      if (withIssues.length > 0) console.log(withIssues.join('\n'));
    });

    it('when a resource exists as XML and as JSON under the same name, then both read the same', () => {
      const json = new Map(jsonFiles.map((f) => [basename(f, '.json'), f]));
      const pairs = xmlFiles.flatMap((x) => {
        const twin = json.get(basename(x, '.xml'));
        return twin ? [[x, twin] as const] : [];
      });
      for (const [xml, twin] of pairs) {
        const expected = JSON.parse(readFileSync(twin, 'utf8')) as Json;
        expect(normaliseDivs(fhirXmlToJson(readFileSync(xml)).resource), xml).toStrictEqual(
          normaliseDivs(expected),
        );
      }
      console.log(`XML/JSON twins by name in ../shared: ${pairs.length}`);
    });

    it('when every JSON test case is written as XML and read back, then it is the same JSON', () => {
      const cases = filesUnder(join(SHARED, 'conformance/fhir-test-cases/cases'), '.json');
      let compared = 0;
      for (const file of cases) {
        const json = JSON.parse(readFileSync(file, 'utf8')) as Json;
        if (
          json === null ||
          typeof json !== 'object' ||
          Array.isArray(json) ||
          typeof json.resourceType !== 'string'
        )
          continue;
        // Every case is read back, so that none throws; the non-canonical ones cannot compare equal.
        const back = fhirXmlToJson(jsonToFhirXml(json)).resource;
        if (NOT_CANONICAL_JSON[basename(file)]) continue;
        expect(normaliseDivs(back), file).toStrictEqual(normaliseDivs(json));
        compared++;
      }
      expect(compared).toBeGreaterThan(200);
    });
  },
);
