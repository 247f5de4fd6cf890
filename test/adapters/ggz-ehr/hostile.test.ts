import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { type InputFile, runAdapter, runAdapterFiles } from '../../../src/adapters/framework.js';
import { createExportAdapter } from '../../../src/adapters/exports/index.js';
import { convertCommand } from '../../../src/cli/convert.js';
import { adapter, context, FIXTURES, fileSet, MAPPINGS, run } from './support.js';

/** Runs hostile files; the answer comes in time, with nothing converted and no exception. */
function answer(vendor: 'epd-csv' | 'epd-json', files: InputFile[]): ReturnType<typeof run> {
  const started = performance.now();
  const result = run(vendor, files);
  expect(performance.now() - started).toBeLessThan(20_000);
  return result;
}

const fatal = (result: ReturnType<typeof run>): string[] =>
  (result.report.issue ?? []).filter((i) => i.severity === 'fatal').map((i) => i.diagnostics ?? '');

describe('GGZ EHR export: hostile and broken input', () => {
  it.each([
    ['empty', Buffer.alloc(0), /empty/],
    ['binary', Buffer.from([0x00, 0x01, 0xff, 0xfe]), /UTF-16|NUL|binary/],
    ['UTF-16', Buffer.from('\ufeff{"clienten":[]}', 'utf16le'), /UTF-16/],
    ['truncated JSON', Buffer.from('{"clienten":[{"id":"1","diag'), /not readable JSON/],
    [
      'JSON nested 10000 deep',
      Buffer.from(`{"clienten":${'['.repeat(10_000)}${']'.repeat(10_000)}}`),
      /not readable JSON/,
    ],
    ['a JSON array, not an export', Buffer.from('[1,2,3]'), /not a JSON object/],
    [
      'Latin-1 in a UTF-8 export',
      Buffer.from('{"clienten":[{"id":"1","naam":"\xe9"}]}', 'latin1'),
      /not valid utf-8/,
    ],
  ])('when the JSON export is %s, then a fatal issue says so', (_name, bytes, message) => {
    const result = answer('epd-json', [{ name: 'export.json', bytes }]);
    expect(result.records.every((r) => r.output === undefined)).toBe(true);
    expect(fatal(result).join('\n')).toMatch(message);
  });

  it('when the export has no clients array, then it says where it looked', () => {
    const result = answer('epd-json', [{ name: 'export.json', bytes: Buffer.from('{"patients":[]}') }]);
    expect(fatal(result).join('\n')).toMatch(/no array of clients/);
  });

  it('when the export is larger than the limit, then it is refused before it is read', () => {
    const small = createExportAdapter({
      format: 'ggz-ehr',
      defaultSpecFile: join(MAPPINGS, 'epd-csv.yaml'),
      limits: { maxBytes: 500 },
    });
    const result = runAdapterFiles(small, fileSet('epd-csv'), context());
    expect(result.report.issue?.[0]?.code).toBe('too-costly');
  });

  it('when the export has more files than the limit, then it is refused', () => {
    const files = Array.from({ length: 150 }, (_v, i) => ({
      name: `x${i}.csv`,
      bytes: Buffer.from('a;b\r\n1;2\r\n'),
    }));
    expect(answer('epd-csv', files).report.issue?.[0]?.code).toBe('too-costly');
  });

  it('when a CSV row is broken (a stray quote), then that row is an error and the clients convert', () => {
    const text =
      'clientnummer;datum;risico;inschatting;toelichting\r\nC1001;20-05-2024;"suïcide;laag;open\r\n';
    const result = answer('epd-csv', fileSet('epd-csv', { 'risicotaxatie.csv': text }));
    expect(
      (result.report.issue ?? []).some(
        (i) => i.severity === 'error' && /risicotaxatie\.csv/.test(i.diagnostics ?? ''),
      ),
    ).toBe(true);
    expect(result.records.filter((r) => r.output)).toHaveLength(2);
  });

  it('when a table has 5000 rows, then it converts without hanging', () => {
    const rows = Array.from(
      { length: 20_000 },
      (_v, i) => `C1001;${String((i % 28) + 1).padStart(2, '0')}-01-2025;${i % 27}`,
    );
    const text = `clientnummer;datum;totaalscore;instrument\r\n${rows.map((r) => `${r};PHQ-9`).join('\r\n')}\r\n`;
    const result = answer('epd-csv', fileSet('epd-csv', { 'rom.csv': text }));
    expect(result.records[0]?.output).toBeDefined();
  });

  it('when the clients table is missing, then the export holds no client and says so', () => {
    const result = answer('epd-csv', fileSet('epd-csv', { 'clienten.csv': undefined }));
    expect(fatal(result).join('\n')).toMatch(/holds no client/);
  });

  it('when a single CSV file is not valid Windows-1252 or is binary, then it is refused', () => {
    const result = runAdapter(adapter('epd-csv'), Buffer.from([0x63, 0x00, 0x61]), context());
    expect(fatal(result).join('\n')).toMatch(/NUL|binary/);
  });
});

describe('overdracht convert with a directory export', () => {
  it('when convert --from ggz-ehr DIR --mapping SPEC runs, then the directory is one input with one output', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ggz-ehr-'));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const status = await convertCommand.run([
        '--from',
        'ggz-ehr',
        join(FIXTURES, 'epd-csv'),
        '--mapping',
        join(MAPPINGS, 'epd-csv.yaml'),
        '--out',
        out,
      ]);
      expect(status).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['epd-csv.json', 'epd-csv.report.json']);
    } finally {
      stderr.mockRestore();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
