import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, projectRoot } from '../../src/config/load.js';
import { referralMessage } from '../../src/demo/referral.js';
import {
  announceSeries,
  codeSystemDisplays,
  coarsenAreas,
  compilePolicy,
  countClientsPerArea,
  loadKeyRing,
  parseKeyRing,
  pseudonymise,
  PSEUDONYM_SYSTEM,
  readDemoKeyRing,
  readPolicyFile,
  type KeyRing,
  type Policy,
} from '../../src/export/pseudonymise/index.js';
import { r4Model, type Place } from '../../src/export/pseudonymise/model.js';
import { checkRule, resolvePath } from '../../src/export/pseudonymise/policy.js';
import { GATEWAY_TYPES } from '../../src/gateway/index.js';
import { KEPT_EXTENSION, MARKER, MarkerResources, passesElevenCheck } from './marker-resources.js';

type Json = Record<string, unknown>;

const model = r4Model();
const POLICY_FILE = join(projectRoot(), 'config', 'export-policies', 'regioplatform-noord.yaml');
const demoPolicy = readPolicyFile(POLICY_FILE);
const demoKeys = readDemoKeyRing('demo-platform-pseudonym');
const policyYaml = parseYaml(readFileSync(POLICY_FILE, 'utf8')) as Json;
const CANONICAL_DISPLAY = 'display from the terminology';
const displayOf = (): string => CANONICAL_DISPLAY;

function ring(kid: string): KeyRing {
  return parseKeyRing({ kty: 'oct', kid, k: randomBytes(32).toString('base64url') }, 'test');
}

/** The demo policy with another recipient, key and series. */
function policyFor(recipient: string, keyId: string, series: string, changes: Json = {}): Policy {
  return compilePolicy({ ...policyYaml, recipient, key: { id: keyId, series }, ...changes }, 'test');
}

function run(resource: Json, policy = demoPolicy, keys = demoKeys, options = {}): Json | undefined {
  return pseudonymise(resource, policy, keys, { displayOf, ...options }) as Json | undefined;
}

function mustRun(resource: Json, policy = demoPolicy, keys = demoKeys, options = {}): Json {
  const out = run(resource, policy, keys, options);
  if (!out) throw new Error(`${String(resource.resourceType)} did not go out`);
  return out;
}

const patient = (id: string, extra: Json = {}): Json => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }],
  name: [{ family: 'Jansen', given: ['Anna'] }],
  telecom: [{ system: 'phone', value: '06-12345678' }],
  gender: 'female',
  birthDate: '1990-04-12',
  address: [{ use: 'home', line: ['Hoofdstraat 1'], city: 'Groningen', postalCode: '9712 CP' }],
  ...extra,
});

const observation = (id: string, patientRef: string, effective: string): Json => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: {
    coding: [{ system: 'http://loinc.org', code: '44261-6', display: 'Anna Jansen scored' }],
    text: 'PHQ-9 of Anna',
  },
  subject: { reference: patientRef, display: 'Anna Jansen' },
  effectiveDateTime: effective,
  valueQuantity: { value: 16, unit: 'score', system: 'http://unitsofmeasure.org', code: '{score}' },
  note: [{ text: 'Anna slept badly' }],
});

const areasOfTen = coarsenAreas(new Map([['9712', 10]]), demoPolicy.postcode);

describe('pseudonyms per recipient', () => {
  it('when two recipients receive the same patient, then no pseudonym of one appears in the other', () => {
    const a = mustRun(patient('p1'), policyFor('a', 'key-a', 'aaa1'), ring('key-a'));
    const b = mustRun(patient('p1'), policyFor('b', 'key-b', 'bbb1'), ring('key-b'));
    const hashA = String(a.id).split('-').slice(1).join('-');
    expect(a.id).not.toBe(b.id);
    expect(JSON.stringify(b)).not.toContain(hashA);
    expect(a.identifier).not.toEqual(b.identifier);
  });

  it('when one recipient exports twice with its key, then its pseudonyms are the same', () => {
    const jwk = { kty: 'oct', kid: 'k1', k: randomBytes(32).toString('base64url') };
    const policy = policyFor('a', 'k1', 'aaa1');
    const first = mustRun(patient('p1'), policy, parseKeyRing(jwk, 'run 1'), { postcodeAreas: areasOfTen });
    const second = mustRun(patient('p1'), policy, parseKeyRing(structuredClone(jwk), 'run 2'), {
      postcodeAreas: areasOfTen,
    });
    expect(second).toEqual(first);
    expect(first.identifier).toEqual([
      { system: PSEUDONYM_SYSTEM, value: expect.stringMatching(/^aaa1-[\w-]{43}$/) },
    ]);
    expect(first.id).toMatch(/^aaa1-[A-Za-z0-9.-]{43}$/);
  });

  it('when the key is rotated, then a new series starts: new prefix, new pseudonyms, announced as new', () => {
    const old = policyFor('a', 'k1', 'aaa1');
    const rotated = policyFor('a', 'k2', 'aaa2');
    const keys = new Map([...ring('k1'), ...ring('k2')]);
    const before = mustRun(patient('p1'), old, keys);
    const after = mustRun(patient('p1'), rotated, keys);
    expect(String(after.id).startsWith('aaa2-')).toBe(true);
    expect(String(after.id).slice(5)).not.toBe(String(before.id).slice(5));
    expect(announceSeries(rotated, { keyId: 'k1', series: 'aaa1' })).toEqual({
      recipient: 'a',
      keyId: 'k2',
      series: 'aaa2',
      newSeries: true,
      previousSeries: 'aaa1',
    });
    expect(announceSeries(old, { keyId: 'k1', series: 'aaa1' }).newSeries).toBe(false);
    expect(() => announceSeries(policyFor('a', 'k2', 'aaa1'), { keyId: 'k1', series: 'aaa1' })).toThrow(
      /a new key starts a new series/,
    );
  });

  it('when the series changes under the same key, then the pseudonyms change too (the series is hashed)', () => {
    const keys = ring('k1');
    const one = mustRun(patient('p1'), policyFor('a', 'k1', 'aaa1'), keys);
    const two = mustRun(patient('p1'), policyFor('a', 'k1', 'aaa2'), keys);
    expect(String(two.id).slice(5)).not.toBe(String(one.id).slice(5));
  });

  it('when the policy names a key that is not configured, then the engine refuses with a configuration error', () => {
    expect(() => run(patient('p1'), policyFor('a', 'missing', 'aaa1'), ring('k1'))).toThrow(ConfigError);
  });
});

describe('references', () => {
  it('when resources in different files point at one patient, then every link leads to its pseudonymised id', () => {
    const p = mustRun(patient('p1'));
    const relative = mustRun(observation('o1', 'Patient/p1', '2024-03-15'));
    const absolute = mustRun(
      observation('o2', 'https://gateway.example.nl/fhir/Patient/p1/_history/3', '2024-03-15'),
    );
    expect(relative.subject).toEqual({ reference: `Patient/${String(p.id)}` });
    expect(absolute.subject).toEqual(relative.subject);
  });

  it('when a bundle links by urn:uuid, then fullUrl and references are rewritten to the same new urn', () => {
    const policy = policyFor('regioplatform-noord', 'demo-regioplatform-noord-1', 'rpn1', {
      resources: {
        ...(policyYaml.resources as Json),
        Bundle: { type: 'keep', 'entry.fullUrl': 'keep', 'entry.resource': 'keep' },
      },
    });
    const uuid = 'urn:uuid:3f1c6a2e-0000-4000-8000-000000000003';
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: uuid, resource: patient('p1') },
        {
          fullUrl: 'urn:uuid:3f1c6a2e-0000-4000-8000-000000000004',
          resource: observation('o1', uuid, '2024-03-15'),
        },
        {
          fullUrl: 'urn:uuid:3f1c6a2e-0000-4000-8000-000000000005',
          resource: { resourceType: 'AuditEvent' },
        },
      ],
    };
    const out = mustRun(bundle, policy, demoKeys, { postcodeAreas: areasOfTen });
    const entries = out.entry as Json[];
    const fullUrl = entries[0]?.fullUrl as string;
    expect(fullUrl).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((entries[1]?.resource as Json).subject).toEqual({ reference: fullUrl });
    expect(entries[2]?.resource).toBeUndefined();
  });

  it('when a resource contains another, then its id and the #references to it are rewritten alike', () => {
    const policy = policyFor('regioplatform-noord', 'demo-regioplatform-noord-1', 'rpn1', {
      resources: {
        ...(policyYaml.resources as Json),
        Condition: { contained: 'keep', evidence: 'keep', 'evidence.detail': 'keep' },
      },
    });
    const out = mustRun(
      {
        resourceType: 'Condition',
        id: 'c1',
        contained: [observation('local-1', 'Patient/p1', '2024-03-15')],
        evidence: [{ detail: [{ reference: '#local-1' }] }],
        subject: { reference: 'Patient/p1' },
      },
      policy,
    );
    const contained = (out.contained as Json[])[0];
    expect((out.evidence as Json[])[0]).toEqual({ detail: [{ reference: `#${String(contained?.id)}` }] });
    expect(contained?.id).not.toBe('local-1');
  });

  it('when a reference cannot be parsed or only has a display, then nothing of it goes out', () => {
    const out = mustRun({ ...observation('o1', 'Patient?identifier=999911120', '2024-03-15') });
    expect(out.subject).toBeUndefined();
  });
});

describe('generalisation', () => {
  it('when a patient is exported, then only the birth year, the gender and the postcode area are left of the person', () => {
    const out = mustRun(patient('p1'), demoPolicy, demoKeys, { postcodeAreas: areasOfTen });
    expect(out.birthDate).toBe('1990');
    expect(out.gender).toBe('female');
    expect(out.address).toEqual([{ use: 'home', postalCode: '9712' }]);
    expect(out.name).toBeUndefined();
    expect(out.telecom).toBeUndefined();
  });

  it('when an area has fewer than k clients, then it goes out as its region, and a region below k not at all', () => {
    const k = demoPolicy.postcode.minGroupSize;
    const patients = [
      ...Array.from({ length: k }, (_, i) => patient(`big-${i}`)),
      ...Array.from({ length: k - 3 }, (_, i) => patient(`a-${i}`, { address: [{ postalCode: '9713AB' }] })),
      ...Array.from({ length: 3 }, (_, i) => patient(`b-${i}`, { address: [{ postalCode: '9714 XY' }] })),
      patient('alone', { address: [{ postalCode: '1011 AA' }] }),
    ];
    const areas = coarsenAreas(countClientsPerArea(patients), demoPolicy.postcode);
    expect(areas).toEqual(
      new Map([
        ['9712', '9712'],
        ['9713', '97'],
        ['9714', '97'],
        ['1011', null],
      ]),
    );
    const postcodeOf = (p: Json): unknown =>
      (mustRun(p, demoPolicy, demoKeys, { postcodeAreas: areas }).address as Json[] | undefined)?.[0]
        ?.postalCode;
    expect(postcodeOf(patients[k] ?? {})).toBe('97');
    expect(postcodeOf(patients.at(-1) ?? {})).toBeUndefined();
  });

  it('when no counts are given and k is above one, then no postcode goes out, as small groups cannot be seen', () => {
    expect(mustRun(patient('p1')).address).toBeUndefined();
  });

  it('when the policy asks for two digits, then every area is a region', () => {
    const policy = policyFor('a', 'demo-regioplatform-noord-1', 'rpn1', {
      postcode: { digits: 2, minGroupSize: 1 },
    });
    expect(mustRun(patient('p1'), policy).address).toEqual([{ use: 'home', postalCode: '97' }]);
  });

  it('when dates are shifted, then all dates of one patient move by the same number of days within the bound', () => {
    const offsets = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const obs = mustRun(observation(`o${i}`, `Patient/p${i}`, '2024-03-15T10:30:00+01:00'));
      const task = mustRun({
        resourceType: 'Task',
        status: 'requested',
        intent: 'order',
        for: { reference: `Patient/p${i}` },
        authoredOn: '2024-01-10',
        executionPeriod: { start: '2024-02-01', end: '2024-02-29' },
      });
      const moved = days('2024-03-15', String(obs.effectiveDateTime).slice(0, 10));
      expect(String(obs.effectiveDateTime).slice(10)).toBe('T10:30:00+01:00');
      expect(days('2024-01-10', String(task.authoredOn))).toBe(moved);
      expect(days('2024-02-29', String((task.executionPeriod as Json).end))).toBe(moved);
      expect(Math.abs(moved)).toBeLessThanOrEqual(demoPolicy.dates.shiftDays);
      offsets.add(moved);
    }
    expect(offsets.size).toBeGreaterThan(3);
  });

  it('when a date is kept by month or an instant by year, then it is cut and stays valid FHIR', () => {
    const policy = policyFor('a', 'demo-regioplatform-noord-1', 'rpn1', {
      resources: { Observation: { 'effective[x]': 'month', issued: 'year' } },
    });
    const out = mustRun(
      {
        resourceType: 'Observation',
        effectiveDateTime: '2024-03-15T10:30:00Z',
        issued: '2024-03-15T10:30:00Z',
      },
      policy,
    );
    expect(out.effectiveDateTime).toBe('2024-03');
    expect(out.issued).toBe('2024-01-01T00:00:00Z');
  });
});

describe('what never goes out', () => {
  it('when codings arrive with displays, then only the terminology display goes out, and free text of concepts not at all', () => {
    const out = mustRun(observation('o1', 'Patient/p1', '2024-03-15'));
    expect(out.code).toEqual({
      coding: [{ system: 'http://loinc.org', code: '44261-6', display: CANONICAL_DISPLAY }],
    });
    const noDisplays = pseudonymise(
      observation('o1', 'Patient/p1', '2024-03-15'),
      demoPolicy,
      demoKeys,
    ) as unknown as Json;
    expect(noDisplays.code).toEqual({ coding: [{ system: 'http://loinc.org', code: '44261-6' }] });
    expect(out.note).toBeUndefined();
    expect(out.valueQuantity).toEqual({ value: 16, system: 'http://unitsofmeasure.org', code: '{score}' });
  });

  it('when displays come from code systems, then nested concepts are found and unknown codes have none', () => {
    const displays = codeSystemDisplays((url) =>
      url === 'https://overdracht.dev/fhir/CodeSystem/referral-category'
        ? {
            concept: [
              { code: 'ggz', display: 'GGZ', concept: [{ code: 'ggz-basic', display: 'Basis-GGZ' }] },
            ],
          }
        : undefined,
    );
    const out = pseudonymise(
      {
        resourceType: 'ServiceRequest',
        category: [
          {
            coding: [
              {
                system: 'https://overdracht.dev/fhir/CodeSystem/referral-category',
                code: 'ggz-basic',
                display: 'Anna',
              },
              { system: 'http://loinc.org', code: 'x', display: 'Anna' },
            ],
          },
        ],
      },
      demoPolicy,
      demoKeys,
      { displayOf: displays },
    ) as unknown as Json;
    expect(out.category).toEqual([
      {
        coding: [
          {
            system: 'https://overdracht.dev/fhir/CodeSystem/referral-category',
            code: 'ggz-basic',
            display: 'Basis-GGZ',
          },
          { system: 'http://loinc.org', code: 'x' },
        ],
      },
    ]);
  });

  it('when an organisation has an AGB, a public register the rule lists, then it goes out as it is, and others not', () => {
    const org = mustRun({
      resourceType: 'Organization',
      id: 'o1',
      identifier: [
        { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '06001234' },
        { system: 'https://ggz-noord.example.nl/ids', value: 'local-7' },
      ],
      name: 'GGZ Noord-Groningen',
    });
    expect(org.identifier).toEqual([
      { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '06001234' },
      { system: PSEUDONYM_SYSTEM, value: expect.stringMatching(/^rpn1-/) },
    ]);
    expect(org.name).toBeUndefined();
  });

  it('when a resource type is not in the policy, then nothing of it goes out', () => {
    expect(run({ resourceType: 'AuditEvent', id: 'a1' })).toBeUndefined();
  });

  it('when a modifier extension is unknown to the policy, then the resource does not go out without it', () => {
    expect(
      run({
        ...patient('p1'),
        modifierExtension: [{ url: 'https://example.org/not-really', valueBoolean: true }],
      }),
    ).toBeUndefined();
  });

  it('when the demo referral message goes out entry by entry, then no name, BSN or free text of it is left', () => {
    const out = (referralMessage().entry ?? []).map((e) =>
      run(e.resource as unknown as Json, demoPolicy, demoKeys, { postcodeAreas: areasOfTen }),
    );
    const text = JSON.stringify(out);
    for (const word of ['Jansen', 'Anna', 'de Vries', '999911120', 'grip krijgen', 'Huisartsenpraktijk']) {
      expect(text).not.toContain(word);
    }
    expect(out.filter((r) => r !== undefined).map((r) => r.resourceType)).toEqual(
      expect.arrayContaining(['ServiceRequest', 'Patient', 'Composition', 'Condition', 'Observation']),
    );
  });
});

describe('re-identification check', () => {
  const generator = new MarkerResources(model);
  const generated = GATEWAY_TYPES.map((type) => ({ type, resources: generator.generate(type) }));

  /** The most open policy the engine accepts: every element of every type, each with the widest rule that fits. */
  const openPolicy = compilePolicy(
    {
      recipient: 'open',
      default: 'drop',
      key: { id: 'demo-regioplatform-noord-1', series: 'open1' },
      dates: { default: 'exact' },
      postcode: { digits: 4, minGroupSize: 1 },
      codeSystems: [
        { prefix: 'http', display: true },
        { prefix: 'urn:', display: true },
      ],
      uris: ['http', 'urn:'],
      extensions: [KEPT_EXTENSION],
      resources: Object.fromEntries(GATEWAY_TYPES.map((type) => [type, widestRules(type)])),
    },
    'open policy',
  );

  function widestRules(type: string): Record<string, string> {
    const root = model.root(type);
    const rules: Record<string, string> = {};
    const visit = (place: Place, prefix: string, depth: number): void => {
      for (const def of model.elements(place)) {
        const path = `${prefix}${def.name}${def.choice ? '[x]' : ''}`;
        const target = root ? resolvePath(model, root, path) : 'no type';
        if (typeof target === 'string') continue;
        const rule = (['keep', 'hash', 'postcode'] as const).find((r) => checkRule(target, r) === undefined);
        const inside = target.children[0]?.content;
        if (inside?.kind === 'backbone' && !def.contentReference) {
          if (depth < 4) visit(inside.place, `${path}.`, depth + 1);
        } else if (rule) {
          rules[path] = rule;
        }
      }
    };
    if (root) visit(root, '', 1);
    return rules;
  }

  for (const [name, policy] of [
    ['the demo policy', demoPolicy],
    ['the most open policy the engine accepts', openPolicy],
  ] as const) {
    it(`when marker resources of every stored type go through ${name}, then no marker, BSN, name, address line, narrative or free text comes out`, () => {
      let outputs = 0;
      for (const { type, resources } of generated) {
        for (const resource of resources) {
          const out = run(resource, policy, demoKeys);
          if (!out) continue;
          outputs += 1;
          const text = JSON.stringify(out);
          expect(text, type).not.toContain(MARKER);
          expect(text, type).not.toContain('Jansen');
          expect(elevenProofNumbers(text), type).toEqual([]);
          expect(forbiddenElements(out), type).toEqual([]);
        }
      }
      expect(outputs).toBeGreaterThan(policy === demoPolicy ? 14 : GATEWAY_TYPES.length);
    });
  }

  it('when the generated resources are counted, then every stored type is there with its string elements filled', () => {
    for (const { type, resources } of generated) {
      expect(JSON.stringify(resources).split(MARKER).length - 1, type).toBeGreaterThan(20);
    }
  });

  it('when the open policy processes marker resources, then elements still go out (the check is not passed by emptiness)', () => {
    const patientOut = run(
      generated.find((g) => g.type === 'Patient')?.resources[0] ?? {},
      openPolicy,
      demoKeys,
    );
    expect(Object.keys(patientOut ?? {}).length).toBeGreaterThan(8);
  });
});

describe('policy files', () => {
  const base = policyYaml;
  const error = (changes: Json): string => {
    try {
      compilePolicy({ ...base, ...changes }, 'policy.yaml');
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    return 'no error';
  };

  it('when a rule would let a name, a free-text string or an address out, then loading fails naming the key', () => {
    const msg = error({
      resources: {
        Patient: { name: 'keep', 'contact.name': 'hash', address: 'keep', 'communication.language': 'year' },
      },
    });
    expect(msg).toContain('resources.Patient.name: Patient.name (HumanName) never goes out');
    expect(msg).toContain('resources.Patient.contact.name: Patient.contact.name (HumanName) never goes out');
    expect(msg).toContain(
      "resources.Patient.address: Patient.address (Address) goes out only as its postcode area: use 'postcode'",
    );
    expect(msg).toContain("resources.Patient.communication.language: 'year' applies to dates");
    expect(error({ resources: { Observation: { 'code.text': 'keep', valueString: 'keep' } } })).toContain(
      'resources.Observation.code.text: Observation.code is CodeableConcept; its parts follow the type rules',
    );
    expect(error({ resources: { Observation: { valueString: 'keep' } } })).toContain(
      'resources.Observation.valueString: Observation.value[x] (string) may hold free text',
    );
  });

  it('when an element, a type or a key is unknown, then loading fails naming it', () => {
    expect(error({ resources: { Patient: { birthdate: 'year' } } })).toContain(
      'resources.Patient.birthdate: no element Patient.birthdate in FHIR R4',
    );
    expect(error({ resources: { Patiënt: {} } })).toContain("resources: 'Patiënt' is not a valid name here");
    expect(error({ resources: { Pateint: {} } })).toContain('resources.Pateint: not an R4 resource type');
    expect(error({ default: 'keep' })).toContain('default: must be equal to constant');
    expect(error({ dates: { default: 'shift', shiftDays: -1 } })).toContain('dates.shiftDays: must be >= 0');
    expect(error({ dates: { default: 'shift' } })).toContain('dates.shiftDays: dates are shifted');
    expect(
      error({ resources: { Patient: { identifier: { public: ['http://fhir.nl/fhir/NamingSystem/bsn'] } } } }),
    ).toContain('resources.Patient.identifier: the BSN identifies a client and is never public');
    expect(error({ resources: { Patient: { gender: { public: ['http://x.org/'] } } } })).toContain(
      "resources.Patient.gender: 'public' lists identifier systems",
    );
    expect(error({ keys: 'x' })).toContain("(root): unknown key 'keys'");
    expect(error({ resources: { Patient: { text: 'keep', extension: 'keep' } } })).toContain(
      'resources.Patient.text: narrative never goes out',
    );
  });

  it('when a BackboneElement is kept without naming what is inside, then loading fails', () => {
    expect(error({ resources: { Observation: { component: 'keep' } } })).toContain(
      'resources.Observation.component: name the elements inside that go out',
    );
  });
});

describe('keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pseudonym-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const demoFile = join(projectRoot(), 'config', 'demo-keys', 'demo-platform-pseudonym.private.jwk.json');

  it('when the demo key is loaded outside demo mode, even copied without its marker, then it is refused', () => {
    expect(() => loadKeyRing({ file: demoFile, name: 'keys.file' }, false)).toThrow(/public demo key/);
    const { 'x-overdracht-demo': _marker, ...copy } = JSON.parse(readFileSync(demoFile, 'utf8')) as Json;
    const file = join(dir, 'copied.json');
    writeFileSync(file, JSON.stringify({ keys: [copy] }));
    expect(() => loadKeyRing({ file, name: 'keys.file' }, false)).toThrow(/public demo key/);
    expect(loadKeyRing({ file: demoFile, name: 'keys.file' }, true).has('demo-regioplatform-noord-1')).toBe(
      true,
    );
  });

  it('when a key is short, not oct or without kid, then loading fails without showing the key', () => {
    const short = randomBytes(16).toString('base64url');
    const msg = (json: unknown): string => {
      try {
        loadKeyRing({ json: JSON.stringify(json), name: 'OVERDRACHT_PSEUDONYM_KEYS' }, false);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(msg({ kty: 'oct', kid: 'a', k: short })).toBe(
      'OVERDRACHT_PSEUDONYM_KEYS: k must hold at least 256 bits',
    );
    expect(msg({ keys: [{ kty: 'EC', kid: 'a' }] })).toBe(
      "OVERDRACHT_PSEUDONYM_KEYS: keys[0]: must be a JWK with kty 'oct'",
    );
    expect(msg({ kty: 'oct', k: short })).toBe('OVERDRACHT_PSEUDONYM_KEYS: kid is required');
    expect(msg({ kty: 'oct', kid: 'a', k: short })).not.toContain(short);
  });
});

function days(from: string, to: string): number {
  return Math.round((Date.parse(to.slice(0, 10)) - Date.parse(from.slice(0, 10))) / 86_400_000);
}

/** Nine-digit runs that pass the BSN 11-check. */
function elevenProofNumbers(text: string): string[] {
  return [...text.matchAll(/(?<!\d)\d{9}(?!\d)/g)].map((m) => m[0]).filter(passesElevenCheck);
}

/** Elements of the output, by their R4 type, that must never be there, and strings that are no pseudonym. */
function forbiddenElements(resource: Json): string[] {
  const found: string[] = [];
  const visit = (value: unknown, place: Place): void => {
    if (typeof value !== 'object' || value === null) return;
    for (const [name, v] of Object.entries(value)) {
      const child = model.child(place, name);
      if (!child) continue;
      const at = child.def.path;
      if (
        ['HumanName', 'ContactPoint', 'Annotation', 'Attachment', 'Narrative', 'Signature'].includes(
          child.type,
        )
      )
        found.push(at);
      for (const item of Array.isArray(v) ? v : [v]) {
        if (
          child.type === 'Address' &&
          Object.keys(item as Json).some((k) => !['use', 'type', 'postalCode'].includes(k))
        ) {
          found.push(`${at}: more than the postcode area`);
        }
        if ((child.type === 'string' || child.type === 'markdown') && !isPseudonymOrDisplay(at, item)) {
          found.push(`${at}: free text`);
        }
        const content = child.content;
        if (content.kind === 'backbone' || content.kind === 'datatype') visit(item, content.place);
        if (content.kind === 'resource') {
          const root = model.root(String((item as Json).resourceType));
          if (root) visit(item, root);
        }
      }
    }
  };
  const root = model.root(String(resource.resourceType));
  if (root) visit(resource, root);
  return found;
}

function isPseudonymOrDisplay(path: string, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (path === 'Coding.display') return value === CANONICAL_DISPLAY;
  const pseudonym = /[a-z0-9]{1,16}-[A-Za-z0-9_.-]{43}/.source;
  if (path === 'Reference.reference')
    return new RegExp(`^([A-Z][A-Za-z]+/|#)${pseudonym}$|^urn:uuid:[0-9a-f-]{36}$`).test(value);
  return new RegExp(`^${pseudonym}$`).test(value);
}

describe('keyed hash', () => {
  it('when the HMAC is compared with node:crypto createHmac, then the bytes are the same for short and long keys and messages', async () => {
    const { createHmac, createSecretKey } = await import('node:crypto');
    const { hmacSha256 } = await import('../../src/export/pseudonymise/pseudonyms.js');
    for (const size of [32, 64, 100]) {
      const key = createSecretKey(randomBytes(size));
      const messages = [
        '',
        'rpn1\u0000resource\u0000Patient/1',
        'ë'.repeat(500),
        '😀 surrogate pairs and ß',
        // One block holds 55 message bytes after the key block; around that and the next boundaries.
        ...[54, 55, 56, 63, 64, 65, 119, 120, 128].map((n) => 'x'.repeat(n)),
        ...Array.from({ length: 20 }, () => randomBytes(1 + (randomBytes(1)[0] ?? 0)).toString('latin1')),
      ];
      for (const message of messages) {
        expect(hmacSha256(key)(message).toString('hex')).toBe(
          createHmac('sha256', key).update(message).digest('hex'),
        );
      }
    }
  });

  it('when the memory of pseudonyms turns over, then every pseudonym is the same as computed fresh', async () => {
    const { createSecretKey } = await import('node:crypto');
    const { pseudonymiser } = await import('../../src/export/pseudonymise/pseudonyms.js');
    const key = createSecretKey(randomBytes(32));
    const small = pseudonymiser(key, 'rpn1', 3);
    const values = Array.from({ length: 20 }, (_, i) => String(i % 7));
    const outputs = (p: ReturnType<typeof pseudonymiser>) =>
      values.flatMap((v) => [
        p.identifier('http://fhir.nl/fhir/NamingSystem/bsn', v),
        p.identifier(`http://fhir.nl/fhir/NamingSystem/bsn${v}`, ''),
        p.text(v),
        p.resourceId('Patient', v),
        p.localId(v),
        p.urn(`urn:uuid:${v}`),
        String(p.dateOffset(`Patient/${v}`, 14)),
      ]);
    const once = outputs(small);
    expect(outputs(small)).toEqual(once);
    expect(outputs(pseudonymiser(key, 'rpn1'))).toEqual(once);
    expect(new Set(once.slice(0, 7)).size).toBe(7);
  });
});

describe('date shift', () => {
  it('when every day of 1899-2101 is shifted by -400 to 400 days, then the calendar agrees with Date, at every precision', async () => {
    const { transformDate } = await import('../../src/export/pseudonymise/dates.js');
    const wrong: string[] = [];
    for (let t = Date.UTC(1899, 0, 1); t < Date.UTC(2102, 0, 1); t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10);
      for (const offset of [-400, -14, -1, 0, 1, 13, 29, 400]) {
        const moved = new Date(t + offset * 86_400_000).toISOString();
        const cases: [string, string][] = [
          [day, moved.slice(0, 10)],
          [`${day}T23:59:59+01:00`, `${moved.slice(0, 10)}T23:59:59+01:00`],
        ];
        if (day.endsWith('-01')) cases.push([day.slice(0, 7), moved.slice(0, 7)]);
        if (day.endsWith('-01-01')) cases.push([day.slice(0, 4), moved.slice(0, 4)]);
        for (const [value, expected] of cases) {
          if (transformDate(value, 'dateTime', 'shift', offset) !== expected)
            wrong.push(`${value} ${String(offset)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    // Days that are no calendar day roll over as Date rolls them; years stay 4-digit.
    expect(transformDate('2023-02-29', 'date', 'shift', 1)).toBe('2023-03-02');
    expect(transformDate('0001-01-01', 'date', 'shift', -1)).toBe('0000-12-31');
    expect(transformDate('9999-12-31', 'date', 'shift', 0)).toBe('9999-12-31');
  });
});
