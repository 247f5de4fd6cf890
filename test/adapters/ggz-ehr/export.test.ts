import { beforeAll, describe, expect, it } from 'vitest';
import { runAdapter, runAdapterFiles } from '../../../src/adapters/framework.js';
import { createValidator, type Validator } from '../../../src/validation/index.js';
import {
  adapter,
  context,
  expectGolden,
  fileSet,
  fixtureText,
  GOLDEN,
  issuesAt,
  outputs,
  resources,
  run,
} from './support.js';

describe('GGZ EHR export: golden outputs', () => {
  it('when the CSV export (a file per table) is converted, then every client equals the golden file', () => {
    const result = run('epd-csv', fileSet('epd-csv'));
    expect(result.records).toHaveLength(2);
    expectGolden(GOLDEN, 'epd-csv', { output: outputs(result), report: result.report });
  });

  it('when the JSON export is converted, then every client equals the golden file', () => {
    const result = run('epd-json', fileSet('epd-json'));
    expect(result.records).toHaveLength(2);
    expectGolden(GOLDEN, 'epd-json', { output: outputs(result), report: result.report });
  });
});

describe('GGZ EHR export: two vendor layouts, one meaning', () => {
  it('when the same client comes from either layout, then diagnoses, medication, ROM codes and sections agree', () => {
    const [csv] = outputs(run('epd-csv', fileSet('epd-csv')));
    const [json] = outputs(run('epd-json', fileSet('epd-json')));
    if (!csv || !json) throw new Error('no output');
    const codes = (b: typeof csv): unknown => ({
      diagnoses: resources(b, 'Condition').map((c) => [
        c.code?.coding?.[0]?.code,
        c.clinicalStatus?.coding?.[0]?.code,
      ]),
      rom: resources(b, 'Observation')
        .map((o) => o.code.coding?.[0]?.code)
        .filter((c) => c === '44261-6'),
      patient: resources(b, 'Patient').map((p) => [p.identifier?.[0]?.value, p.birthDate, p.gender]),
      risks: resources(b, 'RiskAssessment').map((r) => r.prediction?.[0]?.qualitativeRisk?.coding?.[0]?.code),
      sections: resources(b, 'Composition')[0]?.section?.map(
        (s) => s.emptyReason?.coding?.[0]?.code ?? 'entries',
      ),
    });
    expect(codes(json)).toEqual(codes(csv));
  });
});

describe('GGZ EHR export: what is not mapped is reported, one bad row does not sink the rest', () => {
  it('when a column has no rule, then every populated cell of it is reported by file, row and column', () => {
    const { report } = run('epd-csv', fileSet('epd-csv'));
    expect(issuesAt(report, 'crisisplan.csv row 2, column "contactpersoon"')).toHaveLength(1);
  });

  it('when a JSON field has no rule, then it is reported by its JSON Pointer', () => {
    const { report } = run('epd-json', fileSet('epd-json'));
    expect(issuesAt(report, '/clienten/0/diagnoses/0/hoofddiagnose')).toHaveLength(1);
    expect(issuesAt(report, '/exportVersie')).toHaveLength(2);
  });

  it('when a file is no table of the mapping, then it is named in the report and not read', () => {
    const { report } = run(
      'epd-csv',
      fileSet('epd-csv', { 'agenda.csv': 'clientnummer;afspraak\r\nC1001;morgen\r\n' }),
    );
    expect(issuesAt(report, 'agenda.csv')[0]?.diagnostics).toMatch(/not a table of this mapping/);
  });

  it('when a row names a client the export does not hold, then that row is an error and the clients convert', () => {
    const rom = `${fixtureText('epd-csv', 'rom.csv')}C9999;PHQ-9;01-01-2025;12\r\n`;
    const result = run('epd-csv', fileSet('epd-csv', { 'rom.csv': rom }));
    expect(issuesAt(result.report, 'rom.csv row 6 (line 6)')[0]?.diagnostics).toMatch(
      /client the export does not hold/,
    );
    expect(outputs(result)).toHaveLength(2);
  });

  it('when a date cannot be read, then the cell is untranslatable at its place and the rest of the row converts', () => {
    const text = fixtureText('epd-csv', 'diagnoses.csv').replace('20-05-2024;actief', '31-02-2024;actief');
    const result = run('epd-csv', fileSet('epd-csv', { 'diagnoses.csv': text }));
    const found = issuesAt(result.report, 'diagnoses.csv row 2, column "datum"');
    expect(found[0]?.severity).toBe('warning');
    const [first] = outputs(result);
    expect(resources(first ?? { resourceType: 'Bundle', type: 'collection' }, 'Condition')).toHaveLength(2);
  });

  it.each([
    ['999911121', 'fails the 11-check'],
    ['000000000', 'is all zeros'],
  ])('when the BSN %s %s, then it is reported and not written', (bsn) => {
    const text = fixtureText('epd-csv', 'clienten.csv').replace('999911120', bsn);
    const result = run('epd-csv', fileSet('epd-csv', { 'clienten.csv': text }));
    expect(issuesAt(result.report, 'clienten.csv row 2, column "bsn"')[0]?.diagnostics).toMatch(
      /not a valid BSN/,
    );
    expect(JSON.stringify(result.report)).not.toContain(bsn);
  });

  it('when a code is not in the ConceptMap, then the value is reported and the row is refused with the reason', () => {
    const text = fixtureText('epd-csv', 'rom.csv').replace('HoNOS', 'BDI-II');
    const result = run('epd-csv', fileSet('epd-csv', { 'rom.csv': text }));
    expect(issuesAt(result.report, 'rom.csv row 5, column "instrument"')[0]?.diagnostics).toMatch(
      /not in ConceptMap/,
    );
    expect(issuesAt(result.report, 'rom.csv row 5 (line 5)')[0]?.diagnostics).toMatch(
      /ROM instrument is not one the mapping knows/,
    );
    expect(outputs(result)).toHaveLength(2);
  });

  it('when a client key is in the export twice, then the second client fails and the first converts', () => {
    const text = `${fixtureText('epd-csv', 'clienten.csv')}C1001;999999990;Dubbel;X;01-01-1990;M;;;;;;;30-05-2026\r\n`;
    const result = run('epd-csv', fileSet('epd-csv', { 'clienten.csv': text }));
    expect(result.records.map((r) => r.output !== undefined)).toEqual([true, true, false]);
    expect(result.records[2]?.report.issue?.[0]?.diagnostics).toMatch(/twice/);
  });

  it('when a table has no rows for a client, then its section says nothing was recorded (nilknown)', () => {
    const [, second] = outputs(run('epd-csv', fileSet('epd-csv')));
    const comp = resources(second ?? { resourceType: 'Bundle', type: 'collection' }, 'Composition')[0];
    const section = (code: string): string | undefined =>
      comp?.section?.find((s) => s.code?.coding?.[0]?.code === code)?.emptyReason?.coding?.[0]?.code;
    expect(section('risks-crisis-plan')).toBeUndefined();
    expect(section('legal-status')).toBe('unavailable');
    const withoutLetters = run(
      'epd-csv',
      fileSet('epd-csv', { 'crisisplan.csv': undefined, 'risicotaxatie.csv': undefined }),
    );
    const c2 = resources(
      outputs(withoutLetters)[1] ?? { resourceType: 'Bundle', type: 'collection' },
      'Composition',
    )[0];
    expect(
      c2?.section?.find((s) => s.code?.coding?.[0]?.code === 'risks-crisis-plan')?.emptyReason?.coding?.[0]
        ?.code,
    ).toBe('unavailable');
  });

  it('when every cell is counted, then each is mapped, structural or in the report', () => {
    for (const [vendor, folder] of [
      ['epd-csv', 'epd-csv'],
      ['epd-json', 'epd-json'],
    ] as const) {
      const a = adapter(vendor);
      const parsed = a.parseFiles(fileSet(folder));
      for (const record of parsed.records) {
        if (!record.ok) throw new Error('not parsed');
        const detailed = a.convertDetailed(record.input, context());
        const reported = new Set((detailed.report.issue ?? []).flatMap((i) => i.location ?? []));
        for (const leaf of detailed.coverage?.allLeaves() ?? []) {
          const state = detailed.coverage?.state(leaf.key);
          if (state === 'unmapped' || state === 'reported')
            expect(
              leaf.path.some((p) => reported.has(p)),
              leaf.key,
            ).toBe(true);
        }
        expect(detailed.coverage?.stats().mapped).toBeGreaterThan(20);
      }
    }
  });
});

describe('GGZ EHR export: one file at a time', () => {
  it('when the JSON export comes as one file (the HTTP route), then it converts the same', () => {
    const one = runAdapter(adapter('epd-json'), fileSet('epd-json')[0]?.bytes ?? new Uint8Array(), context());
    expect(outputs(one)).toEqual(outputs(run('epd-json', fileSet('epd-json'))));
  });

  it('when a CSV export comes as one file, then it is read as the clients table', () => {
    const files = fileSet('epd-csv').filter((f) => f.name === 'clienten.csv' || f.name === 'instelling.csv');
    const one = runAdapterFiles(adapter('epd-csv'), files, context());
    expect(outputs(one)).toHaveLength(2);
  });
});

let validator: Validator;
beforeAll(() => {
  validator = createValidator({ includeProjectPackage: true });
});

describe('GGZ EHR export: output against the overdracht profiles', () => {
  it.each(['epd-csv', 'epd-json'] as const)(
    'when the %s export is converted, then every document is valid',
    (vendor) => {
      const result = runAdapterFiles(adapter(vendor), fileSet(vendor), context(), {
        validate: (resource, profiles) => validator.validate(resource, { profiles }),
      });
      expect(outputs(result)).toHaveLength(2);
      expect(
        (result.report.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal'),
      ).toEqual([]);
    },
  );
});
