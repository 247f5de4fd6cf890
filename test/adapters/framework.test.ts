import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { CoverageTracker } from '../../src/adapters/coverage.js';
import { type Adapter, runAdapter } from '../../src/adapters/framework.js';
import { createHl7v2Adapter, defaultMappingDir } from '../../src/adapters/hl7v2/index.js';
import { uuidFor } from '../../src/adapters/ids.js';
import { createAdapterRegistry } from '../../src/adapters/index.js';
import { hasPath, setPath } from '../../src/adapters/paths.js';
import { AdapterRegistry } from '../../src/adapters/registry.js';
import { loadSpecText, MappingSpecError, type SpecSchema } from '../../src/adapters/spec-loader.js';
import { type ConceptMapResource, createCodeTranslator } from '../../src/adapters/translator.js';

const GENDER: ConceptMapResource = {
  resourceType: 'ConceptMap',
  id: 'g',
  url: 'https://example.org/ConceptMap/g',
  group: [
    {
      source: 'http://terminology.hl7.org/CodeSystem/v2-0001',
      target: 'http://hl7.org/fhir/administrative-gender',
      element: [
        { code: 'F', target: [{ code: 'female', equivalence: 'equivalent' }] },
        { code: 'X', target: [{ equivalence: 'unmatched', comment: 'no counterpart' }] },
      ],
    },
    { source: 'urn:local', target: 'urn:other', element: [], unmapped: { mode: 'provided' } },
  ],
};

describe('ConceptMap translator', () => {
  const t = createCodeTranslator([GENDER]);
  const v2 = 'http://terminology.hl7.org/CodeSystem/v2-0001';

  it('when a code is listed, then its target is returned with the equivalence', () => {
    expect(t.translate(GENDER.url, { system: v2, code: 'F' })).toEqual({
      kind: 'mapped',
      targets: [
        { system: 'http://hl7.org/fhir/administrative-gender', code: 'female', equivalence: 'equivalent' },
      ],
    });
  });

  it('when a code is sent in lower case, then the listed upper-case code still matches', () => {
    expect(t.translate(GENDER.url, { system: v2, code: 'f' }).kind).toBe('mapped');
  });

  it('when a code is listed as unmatched, then there is no translation and the comment says why', () => {
    expect(t.translate(GENDER.url, { system: v2, code: 'X' })).toEqual({
      kind: 'unmatched',
      comment: 'no counterpart',
    });
  });

  it('when a code, a system or a map is unknown, then the answer says which', () => {
    expect(t.translate(GENDER.url, { system: v2, code: 'Q' }).kind).toBe('unknown-code');
    expect(t.translate(GENDER.url, { system: 'urn:x', code: 'F' }).kind).toBe('unknown-code');
    expect(t.translate('https://example.org/none', { system: v2, code: 'F' }).kind).toBe('unknown-map');
  });

  it('when a group says unmapped codes are provided, then an unlisted code maps to itself', () => {
    expect(t.translate(GENDER.url, { system: 'urn:local', code: 'abc' })).toEqual({
      kind: 'mapped',
      targets: [{ system: 'urn:other', code: 'abc', equivalence: 'equal' }],
    });
  });
});

describe('Mapping spec loader', () => {
  const schema: SpecSchema<{ name: string; fields: { as: string }[] }> = {
    schema: {
      type: 'object',
      required: ['name', 'fields'],
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        fields: {
          type: 'array',
          items: {
            type: 'object',
            required: ['as'],
            additionalProperties: false,
            properties: { as: { enum: ['string', 'date'] } },
          },
        },
      },
    },
    checks: [(spec) => (spec.name === 'bad' ? ['name: must not be bad'] : [])],
  };
  const problems = (text: string): readonly string[] => {
    try {
      loadSpecText(text, 'spec.yaml', schema);
      return [];
    } catch (err) {
      if (err instanceof MappingSpecError) return err.problems;
      throw err;
    }
  };

  it('when a value breaks the schema, then the error names the key', () => {
    expect(problems('name: x\nfields:\n  - as: strng\n')).toEqual([
      'fields[0].as: must be one of string, date',
    ]);
  });

  it('when a key is unknown or missing, then the error names it', () => {
    expect(problems('name: x\nfieldz: []\n')).toEqual(['fields: required', 'fieldz: unknown key']);
  });

  it('when the YAML does not parse, then the error gives the line', () => {
    expect(problems('name: x\nfields: [\n')[0]).toMatch(/^line \d+: /);
  });

  it('when a semantic check fails, then its message is the error', () => {
    expect(problems('name: bad\nfields: []\n')).toEqual(['name: must not be bad']);
  });

  it('when the HL7 v2 spec names a converter that cannot read the field, then loading fails naming the rule', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spec-'));
    const source = defaultMappingDir();
    const referral = readFileSync(join(source, 'referral.yaml'), 'utf8').replace(
      '{ source: PID-7, as: date, target: birthDate }',
      '{ source: PID-7, as: HumanName, target: birthDate }',
    );
    writeFileSync(join(dir, 'structure.yaml'), readFileSync(join(source, 'structure.yaml')));
    writeFileSync(join(dir, 'referral.yaml'), referral);
    expect(() => createHl7v2Adapter({ mappingDir: dir })).toThrow(
      /resources\[\d+\]\.fields\[\d+\]\.as: converter HumanName does not read DTM \(PID-7\)/,
    );
  });
});

describe('Field coverage tracker', () => {
  const leaf = (key: string, ...path: string[]): { key: string; path: string[] } => ({ key, path });

  it('when a whole segment is unused, then one issue names the segment; a partly used field is named per part', () => {
    const t = new CoverageTracker();
    t.populated(leaf('a', 'ACC', 'ACC-1', 'ACC-1'));
    t.populated(leaf('b', 'ACC', 'ACC-3', 'ACC-3'));
    t.populated(leaf('c', 'PID', 'PID-5', 'PID-5', 'PID-5.1'));
    t.populated(leaf('d', 'PID', 'PID-5', 'PID-5', 'PID-5.2'));
    t.populated(leaf('e', 'PID', 'PID-8', 'PID-8'));
    t.use('c');
    t.markReported('e');
    const issues = t.unmappedIssues((loc) => `${loc} unused`);
    expect(issues.map((i) => i.location?.[0])).toEqual(['ACC', 'PID-5.2']);
    expect(t.stats()).toEqual({ populated: 5, mapped: 1, structural: 0, reported: 1, unmapped: 3 });
  });

  it('when a leaf was never populated, then using it changes nothing', () => {
    const t = new CoverageTracker();
    t.use('ghost');
    expect(t.stats().mapped).toBe(0);
  });
});

describe('Element paths', () => {
  it('when a single-valued element has a value, then a second write is refused (the first writer wins)', () => {
    const r: Record<string, unknown> = {};
    expect(setPath(r, 'status', 'active')).toBe(r);
    expect(setPath(r, 'status', 'revoked')).toBeUndefined();
    expect(r.status).toBe('active');
  });

  it('when paths append, index and select, then the elements are made as named', () => {
    const r: Record<string, unknown> = {};
    setPath(r, 'name[]', { family: 'A' });
    setPath(r, 'name[]', { family: 'B' });
    setPath(r, 'reaction[0].severity', 'mild');
    setPath(r, 'extension[url=http://x].valueString', 'v');
    setPath(r, 'extension[url=http://x].valueCode', 'c');
    expect(r).toEqual({
      name: [{ family: 'A' }, { family: 'B' }],
      reaction: [{ severity: 'mild' }],
      extension: [{ url: 'http://x', valueString: 'v', valueCode: 'c' }],
    });
    expect(hasPath(r, 'reaction[0].severity')).toBe(true);
    expect(hasPath(r, 'reaction[1].severity')).toBe(false);
  });

  it('when two fields fill one element with different keys, then they merge', () => {
    const r: Record<string, unknown> = {};
    setPath(r, 'dose.value', 50);
    expect(setPath(r, 'dose', { unit: 'mg' })).toBe(r);
    expect(setPath(r, 'dose', { unit: 'g' })).toBeUndefined();
    expect(r).toEqual({ dose: { value: 50, unit: 'mg' } });
  });
});

describe('Adapter registry and runner', () => {
  const broken: Adapter<string> = {
    format: 'Lines',
    describe: 'one record per line',
    mediaTypes: ['text/plain'],
    parse: (bytes) => ({
      records: new TextDecoder()
        .decode(bytes)
        .split('\n')
        .map((line, i) => ({ ok: true as const, location: `line ${i + 1}`, input: line, issues: [] })),
      issues: [],
    }),
    convert: (line) => {
      if (line === 'boom') throw new Error('bad record');
      return {
        output: { resourceType: 'Bundle', type: 'collection' } as Bundle,
        report: { resourceType: 'OperationOutcome', issue: [] },
      };
    },
    profilesFor: () => [],
  };

  it('when one record throws, then it alone is reported with its location and the others convert', () => {
    const ctx = { translator: createCodeTranslator([]) };
    const result = runAdapter(broken, new TextEncoder().encode('a\nboom\nc'), ctx);
    expect(result.records.map((r) => r.output !== undefined)).toEqual([true, false, true]);
    expect(result.report.issue?.map((i) => i.diagnostics)).toEqual([
      'line 2: The record could not be converted',
    ]);
  });

  it('when formats are registered, then they are found case-insensitively and a second registration is refused', () => {
    const registry = new AdapterRegistry().register(broken);
    expect(registry.get('LINES')?.format).toBe('Lines');
    expect(() => registry.register(broken)).toThrow(/already registered/);
    expect(
      createAdapterRegistry()
        .formats()
        .map((f) => f.format),
    ).toEqual(['assessments', 'edifact', 'ggz-ehr', 'gp-journal', 'hl7v2', 'iwmo-ijw', 'zorgdomein']);
  });

  it('when ids are derived, then the same parts give the same version-5 UUID', () => {
    expect(uuidFor('MSG1', 'patient', '7')).toBe(uuidFor('MSG1', 'patient', '7'));
    expect(uuidFor('MSG1', 'patient', '7')).not.toBe(uuidFor('MSG1', 'patient', '8'));
    expect(uuidFor('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
