import { describe, expect, it } from 'vitest';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { readCsv } from '../../../src/adapters/tabular/csv.js';
import { run, setup } from './support.js';

const HEADER = 'bsn;datum;beoordelaar_agb;zrm_huisvesting';
const ROW = '999911120;14-05-2026;12345678;3';

function fatal(result: ReturnType<typeof run>): OperationOutcomeIssue | undefined {
  expect(result.records).toEqual([]);
  return result.report.issue?.find((i) => i.severity === 'fatal');
}

/** Hostile input must end in an outcome quickly: a generous bound for a shared machine. */
function timed<T>(work: () => T): T {
  const start = performance.now();
  const out = work();
  expect(performance.now() - start).toBeLessThan(3000);
  return out;
}

describe('assessments adapter: hostile input', () => {
  it('when the input is empty or only white space, then a fatal issue says so', () => {
    expect(fatal(run(''))?.diagnostics).toContain('empty');
    expect(fatal(run(' \n\n'))?.diagnostics).toContain('white space');
  });

  it('when the input is binary, then it is refused as not text', () => {
    expect(fatal(run(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08])))?.diagnostics).toContain(
      'binary',
    );
  });

  it('when the input is UTF-16 or not valid UTF-8, then it is refused with the encoding named', () => {
    const utf16 = new Uint8Array([0xff, 0xfe, ...new TextEncoder().encode('b\0s\0n\0')]);
    expect(fatal(run(utf16))?.code).toBe('not-supported');
    const latin1 = new Uint8Array([
      ...new TextEncoder().encode(`${HEADER}\n999911120;14-05-2026;12345678;3;Financi`),
      0xeb,
      0x6e,
    ]);
    expect(fatal(run(latin1))?.diagnostics).toContain('not valid utf-8');
  });

  it('when the input is larger than the limit, then it is refused before it is read', () => {
    const { adapter } = setup();
    const parsed = adapter.parse(new TextEncoder().encode(`${HEADER}\n${ROW}\n`.repeat(100)), {
      maxBytes: 1000,
    });
    expect(parsed.issues[0]).toMatchObject({ severity: 'fatal', code: 'too-costly' });
  });

  it('when the file is truncated inside a quoted field, then that row is reported and the rows before it convert', () => {
    const result = timed(() => run(`${HEADER}\n${ROW}\n${ROW}\n999999990;15-05-2026;12345678;"3`));
    expect(result.records.map((r) => r.output !== undefined)).toEqual([true, true, false]);
    expect(result.records[2]?.report.issue?.[0]?.diagnostics).toContain('not closed');
  });

  it('when a row has characters after a closing quote, then only that row is reported and the next row converts', () => {
    const result = run(`${HEADER}\n${ROW}\n"999911120"x;14-05-2026;12345678;3\n${ROW}\n`);
    expect(result.records.map((r) => r.output !== undefined)).toEqual([true, false, true]);
    expect(result.records[1]?.location).toBe('row 3 (line 3)');
  });

  it('when a stray quote opens a field in the middle of a file, then reading resumes on the next line and no row is lost', () => {
    const table = readCsv(`a;b\n1;2\n"3;4\n5;6\n7;8\n`, ';');
    expect(table.rows.map((r) => (r.ok ? r.cells.join('|') : `bad@${r.line}`))).toEqual([
      '1|2',
      'bad@3',
      '5|6',
      '7|8',
    ]);
  });

  it('when quoted fields span lines, then line numbers of later rows stay right', () => {
    const table = readCsv(`a,b\r\n"x\r\ny",1\r\n2,3\r\n`, ',');
    expect(table.rows.map((r) => [r.row, r.line])).toEqual([
      [2, 2],
      [3, 4],
    ]);
  });

  it('when a file has very many columns or very long cells, then reading stops with an issue, not a hang', () => {
    const wide = timed(() => run(`${HEADER}\n${'1;'.repeat(10_000)}\n`));
    expect(wide.report.issue?.some((i) => i.code === 'too-costly')).toBe(true);
    const long = timed(() => run(`${HEADER}\n"${'x'.repeat(200_000)}";1\n`));
    expect(long.records[0]?.report.issue?.[0]?.diagnostics).toContain('longer than');
  });

  it('when every line of a large file is a bad row, then reading stops after the tolerated number', () => {
    const result = timed(() => run(`${HEADER}\n${'"a"b;1\n'.repeat(5000)}`));
    expect(result.records.length).toBeLessThanOrEqual(101);
    expect(result.report.issue?.some((i) => i.diagnostics?.includes('too many malformed rows'))).toBe(true);
  });

  it('when JSON is nested very deeply or is not JSON, then a fatal issue says so', () => {
    expect(fatal(timed(() => run(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)))?.diagnostics).toMatch(
      /not readable JSON/,
    );
    expect(fatal(run('{"assessments": [ {"bsn": '))?.diagnostics).toMatch(/not readable JSON/);
    expect(fatal(run('{"rows": []}'))?.diagnostics).toContain("array 'assessments'");
  });

  it('when a JSON key would pollute prototypes, then the file is refused', () => {
    expect(fatal(run('[{"__proto__": {"x": 1}}]'))?.severity).toBe('fatal');
  });
});
