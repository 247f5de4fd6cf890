import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, Condition, Observation, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BatchResult, runAdapter } from '../../../src/adapters/framework.js';
import { createGpJournalAdapter } from '../../../src/adapters/gp-journal/index.js';
import { createConversionContext } from '../../../src/adapters/index.js';
import { createTerminologyService } from '../../../src/terminology/service.js';
import { createValidator, type Validator } from '../../../src/validation/index.js';
import { expectGoldenFile } from '../golden.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(HERE, 'fixtures', 'his-export-de-linde.json');
const GOLDEN = join(HERE, 'golden', 'his-export-de-linde.json');

const adapter = createGpJournalAdapter();
const ctx = createConversionContext({ terminology: createTerminologyService() });

type Export = { patienten: Record<string, unknown>[] } & Record<string, unknown>;

function exportWith(edit: (e: Export) => void = () => undefined): Buffer {
  const e = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Export;
  edit(e);
  return Buffer.from(JSON.stringify(e));
}

function run(bytes: Uint8Array): BatchResult {
  return runAdapter(adapter, bytes, ctx);
}

function bundleOf(result: BatchResult): Bundle {
  const output = result.records[0]?.output;
  if (!output || Array.isArray(output)) throw new Error(JSON.stringify(result.report));
  return output;
}

function resources<T extends Resource['resourceType']>(
  b: Bundle,
  type: T,
): Extract<Resource, { resourceType: T }>[] {
  return (b.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is Extract<Resource, { resourceType: T }> => r?.resourceType === type);
}

const at = (report: OperationOutcome, location: string): string[] =>
  (report.issue ?? []).filter((i) => i.location?.includes(location)).map((i) => i.diagnostics ?? '');

describe('GP journal export', () => {
  it('when the export is converted, then output and report equal the golden file', () => {
    const result = run(readFileSync(FIXTURE));
    const value = JSON.parse(JSON.stringify({ output: bundleOf(result), report: result.report })) as unknown;
    expectGoldenFile(GOLDEN, value);
  });

  it('when episodes have ICPC codes, then they are Conditions of the diagnoses section with their status', () => {
    const b = bundleOf(run(readFileSync(FIXTURE)));
    const conditions = resources(b, 'Condition');
    expect(conditions.map((c) => [c.code?.coding?.[0]?.code, c.clinicalStatus?.coding?.[0]?.code])).toEqual([
      ['P76', 'active'],
      ['P74', 'active'],
      ['L03', 'resolved'],
    ]);
    expect(conditions[0]?.code?.coding?.[0]?.system).toBe('http://hl7.org/fhir/sid/icpc-1-nl');
  });

  it('when journal lines belong to an episode, then each is one note of it with its SOEP parts in order', () => {
    const depression = resources(bundleOf(run(readFileSync(FIXTURE))), 'Condition')[0] as Condition;
    expect(depression.note?.map((n) => n.time)).toEqual(['2025-11-15', '2025-12-01']);
    expect(depression.note?.[1]?.text.split('\n').map((l) => l.slice(0, 2))).toEqual(['S:', 'E:', 'P:']);
  });

  it('when a journal line has no episode, then the whole line is reported by its JSON Pointer', () => {
    const { report } = run(readFileSync(FIXTURE));
    expect(at(report, '/patienten/0/journaal/2')).toEqual(['/patienten/0/journaal/2: not mapped']);
  });

  it('when a journal line names an episode the export does not have, then it is reported as not converted', () => {
    const bytes = exportWith((e) => {
      (e.patienten[0]?.journaal as Record<string, unknown>[])[0]!.episode = 'E-9999';
    });
    expect(at(run(bytes).report, '/patienten/0/journaal/0')[0]).toMatch(/No episode to attach/);
  });

  it('when the questionnaire is PHQ-9, then it is a ROM score; measurements travel beside the summary', () => {
    const b = bundleOf(run(readFileSync(FIXTURE)));
    const observations = resources(b, 'Observation') as Observation[];
    expect(observations.map((o) => o.code.coding?.[0]?.code)).toEqual(['44261-6', '1742', '1743']);
    expect(observations[1]?.valueQuantity).toEqual({ value: 128, unit: 'mm[Hg]' });
  });

  it('when a value cannot be read, then it is untranslatable at its place and nothing of it is invented', () => {
    const bytes = exportWith((e) => {
      (e.patienten[0]?.metingen as Record<string, unknown>[])[0]!.waarde = 'hoog';
    });
    const result = run(bytes);
    expect(at(result.report, '/patienten/0/metingen/0/waarde')[0]).toMatch(/not a number/);
    expect(JSON.stringify(result.report)).not.toContain('hoog');
  });

  it('when a part of the export has no rule, then it is named', () => {
    expect(at(run(readFileSync(FIXTURE)).report, '/systeem')).toHaveLength(1);
  });

  it.each([
    ['empty', Buffer.alloc(0), /empty/],
    ['binary', Buffer.from([0, 1, 2, 255]), /NUL|binary|UTF-16/],
    ['truncated', readFileSync(FIXTURE).subarray(0, 200), /not readable JSON/],
    ['without patients', Buffer.from('{"praktijk":{}}'), /no array of clients/],
  ])('when the export is %s, then a fatal issue says so', (_n, bytes, message) => {
    const result = run(bytes);
    expect(result.records.every((r) => r.output === undefined)).toBe(true);
    expect(
      (result.report.issue ?? [])
        .filter((i) => i.severity === 'fatal')
        .map((i) => i.diagnostics)
        .join('\n'),
    ).toMatch(message);
  });
});

let validator: Validator;
beforeAll(() => {
  validator = createValidator({ includeProjectPackage: true });
});

describe('GP journal export against the overdracht profiles', () => {
  it('when the export is converted, then the summary document is valid', () => {
    const result = runAdapter(adapter, readFileSync(FIXTURE), ctx, {
      validate: (resource, profiles) => validator.validate(resource, { profiles }),
    });
    expect(adapter.profilesFor([])).toEqual([
      'https://overdracht.dev/fhir/StructureDefinition/ov-previous-treatment-summary-document',
    ]);
    expect(
      (result.report.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal'),
    ).toEqual([]);
  });
});
