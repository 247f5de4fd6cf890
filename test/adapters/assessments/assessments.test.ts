import { join } from 'node:path';
import type { Bundle, Observation, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAssessmentsAdapter } from '../../../src/adapters/assessments/index.js';
import { trackCells } from '../../../src/adapters/tabular/records.js';
import { MappingSpecError } from '../../../src/adapters/spec-loader.js';
import { createValidator, type Validator } from '../../../src/validation/index.js';
import { fixture, FIXTURES, issuesAt, matchesGolden, run, setup } from './support.js';

const FIXTURE_FILES = ['wijkteam-zrm.csv', 'positieve-gezondheid.json'];

function observations(bundle: Bundle | undefined): Observation[] {
  return (bundle?.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is Observation => r?.resourceType === 'Observation');
}

function bundleAt(result: ReturnType<typeof run>, index: number): Bundle {
  const output = result.records[index]?.output;
  if (!output || Array.isArray(output)) throw new Error(`no Bundle at record ${index}`);
  return output;
}

describe('assessments adapter: golden outputs', () => {
  it.each(FIXTURE_FILES)(
    'when %s is converted, then outputs and report equal the golden file',
    async (name) => {
      await matchesGolden(name.replace(/\.\w+$/, ''), run(fixture(name)));
    },
  );

  it('when a file is converted twice, then the ids are the same (derived from the row, never random)', () => {
    const ids = (): (string | undefined)[] =>
      bundleAt(run(fixture('wijkteam-zrm.csv')), 0).entry?.map((e) => e.fullUrl) ?? [];
    expect(ids()).toEqual(ids());
  });
});

describe('assessments adapter: ZRM rows of a social team (CSV, Dutch headers, semicolons)', () => {
  const result = run(fixture('wijkteam-zrm.csv'));

  it('when a row holds six ZRM domains and two Positive Health dimensions, then it gives eight Observations with the right profiles', () => {
    const obs = observations(bundleAt(result, 0));
    expect(obs.map((o) => o.code.coding?.[0]?.code)).toEqual([
      'finances',
      'work-education',
      'housing',
      'mental-health',
      'social-network',
      'justice',
    ]);
    const second = observations(bundleAt(result, 1));
    expect(
      second
        .filter((o) => o.meta?.profile?.[0]?.endsWith('ov-positive-health-observation'))
        .map((o) => o.valueInteger),
    ).toEqual([6, 7]);
    expect(obs[0]?.valueCodeableConcept?.coding?.[0]).toMatchObject({
      code: '2',
      display: 'Not self-sufficient',
    });
    expect(obs[0]?.note?.[0]?.text).toContain('bewindvoering');
    expect(obs[0]?.effectiveDateTime).toBe('2026-05-14');
  });

  it('when a row has an impossible date, then that row is reported at its date cell and the next rows still convert', () => {
    expect(result.records[2]?.output).toBeUndefined();
    const [error] = issuesAt(result.records[2]?.report.issue, 'row 4, column "datum"');
    expect(error).toMatchObject({ severity: 'error', code: 'invalid' });
    expect(result.records[3]?.output).toBeUndefined();
    expect(issuesAt(result.records[3]?.report.issue, 'row 5, column "bsn"')[0]?.severity).toBe('error');
    expect(result.records[4]?.output).toBeDefined();
  });

  it('when a score is out of range, then only that score is left out and reported as untranslatable at its cell', () => {
    const codes = observations(bundleAt(result, 4)).map((o) => o.code.coding?.[0]?.code);
    expect(codes).not.toContain('finances');
    expect(codes).toContain('housing');
    const [warning] = issuesAt(result.records[4]?.report.issue, 'row 6, column "zrm_financien"');
    expect(warning?.details?.coding?.[0]?.code).toBe('source-value-untranslatable');
  });

  it('when a column is not in the spec, then each populated cell of it is reported as unmapped with row and column', () => {
    const [info] = issuesAt(result.records[1]?.report.issue, 'row 3, column "opmerking"');
    expect(info).toMatchObject({
      severity: 'information',
      details: { coding: [{ code: 'source-field-unmapped' }] },
    });
  });

  it('when the report is written, then it holds no BSN and no free text of the source', () => {
    const text = JSON.stringify(result.report);
    for (const value of ['999911120', '999999990', 'bewindvoering', 'Eerste gesprek', 'Wijkteam'])
      expect(text).not.toContain(value);
  });
});

describe('assessments adapter: Positive Health (JSON, English keys)', () => {
  const result = run(fixture('positieve-gezondheid.json'));

  it('when no assessor is given, then the client is the performer of a Positive Health score (a self-report)', () => {
    const bundle = bundleAt(result, 0);
    const obs = observations(bundle);
    expect(obs).toHaveLength(6);
    expect(obs[0]?.performer).toEqual([obs[0]?.subject]);
    expect(obs[0]?.effectiveDateTime).toBe('2026-05-12T10:30:00+02:00');
  });

  it('when a JSON object carries a nested object no rule reads, then it is reported once by its JSON Pointer', () => {
    expect(issuesAt(result.records[0]?.report.issue, '/assessments/0/source')).toHaveLength(1);
    expect(issuesAt(result.report.issue, '/exported')).toHaveLength(1);
  });

  it('when an element of the array is not an object, then it is reported and the others convert', () => {
    expect(issuesAt(result.records[2]?.report.issue, '/assessments/2')[0]?.severity).toBe('error');
    expect(observations(bundleAt(result, 1))).toHaveLength(5);
  });

  it('when a ZRM score has no assessor, then the score is reported, since a professional scores the ZRM', () => {
    const r = run('bsn,date,zrm_housing,ph_participation\n999911120,2026-05-01,3,6\n');
    expect(observations(bundleAt(r, 0)).map((o) => o.code.coding?.[0]?.code)).toEqual(['participation']);
    expect(issuesAt(r.report.issue, 'row 2, column "zrm_housing"')[0]?.severity).toBe('warning');
  });
});

describe('assessments adapter: coverage and validity', () => {
  let validator: Validator;
  beforeAll(() => {
    validator = createValidator();
  });

  it.each(FIXTURE_FILES)(
    'when %s is converted, then every populated cell is in the output or named in the report',
    (name) => {
      const { adapter, ctx } = setup();
      const parsed = adapter.parse(fixture(name));
      for (const record of parsed.records) {
        if (!record.ok) continue;
        const { coverage, report } = adapter.convertDetailed(record.input, ctx);
        const named = new Set((report.issue ?? []).flatMap((i) => i.location ?? []));
        for (const leaf of coverage.allLeaves()) {
          const state = coverage.state(leaf.key);
          if (state === 'mapped' || state === 'structural') continue;
          expect(leaf.path.some((p) => named.has(p)) || state === 'reported', `${leaf.key} is ${state}`).toBe(
            true,
          );
        }
        expect(trackCells(record.input).stats().populated).toBe(coverage.stats().populated);
      }
    },
  );

  it.each(FIXTURE_FILES)(
    'when %s is converted, then every output validates against the overdracht profiles',
    (name) => {
      const result = run(fixture(name), {
        validate: (resource, profiles) => validator.validate(resource, { profiles }),
      });
      const errors = (result.report.issue ?? []).filter(
        (i: OperationOutcomeIssue) =>
          (i.severity === 'error' || i.severity === 'fatal') &&
          !i.details?.coding?.some((c) => c.code === 'mapping-failed'),
      );
      expect(errors).toEqual([]);
    },
  );

  it('when the mapping spec claims a column twice, then loading it fails and names the key', () => {
    expect(() => createAssessmentsAdapter({ mappingDir: join(FIXTURES, 'broken-spec') })).toThrow(
      MappingSpecError,
    );
    expect(() => createAssessmentsAdapter({ mappingDir: join(FIXTURES, 'broken-spec') })).toThrow(
      /fields\.date\.columns\[0\]: column 'bsn' is already claimed/,
    );
  });
});
