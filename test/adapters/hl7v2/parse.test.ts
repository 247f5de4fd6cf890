import { describe, expect, it } from 'vitest';
import { runAdapter } from '../../../src/adapters/framework.js';
import type { ParseResult } from '../../../src/adapters/framework.js';
import type { Hl7Message } from '../../../src/adapters/hl7v2/types.js';
import { convertOne, fixture, setup } from './support.js';

const MINIMAL = [
  'MSH|^~\\&|HIS|PRAKTIJK|EPD|GGZ|20260301093000+0100||REF^I12^REF_I12|C1|P|2.5',
  'PID|1||999911120^^^NLMINBIZA^NNNLD||Jansen^Anna||19900412|F',
];

function parse(text: string | Uint8Array, maxBytes?: number): ParseResult<Hl7Message> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  return setup().adapter.parse(bytes, maxBytes ? { maxBytes } : undefined);
}

function only(result: ParseResult<Hl7Message>): Hl7Message {
  const record = result.records[0];
  if (!record?.ok) throw new Error(`not parsed: ${JSON.stringify(record?.issues ?? result.issues)}`);
  return record.input;
}

function fatal(result: ParseResult<Hl7Message>): string {
  const issue = result.issues.find((i) => i.severity === 'fatal');
  expect(result.records).toEqual([]);
  return `${issue?.code}: ${issue?.diagnostics}`;
}

function leaf(
  message: Hl7Message,
  segment: string,
  field: number,
  rep = 1,
  comp = 1,
  sub = 1,
): string | undefined {
  return message.segments.find((s) => s.name === segment)?.fields[field]?.[rep - 1]?.[comp - 1]?.[sub - 1];
}

describe('HL7 v2 parser', () => {
  it('when segments end in \\r, \\n or \\r\\n, then the message converts to the same Bundle', () => {
    const [cr, lf, crlf] = ['\r', '\n', '\r\n'].map(
      (sep) => convertOne(new TextEncoder().encode(MINIMAL.join(sep) + sep)).bundle,
    );
    expect(lf).toEqual(cr);
    expect(crlf).toEqual(cr);
  });

  it('when fields hold escape sequences, then \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\X..\\ and \\.br\\ are decoded', () => {
    const m = only(parse(`${MINIMAL[0]}\rNTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X4142\\g\\.br\\h`));
    expect(leaf(m, 'NTE', 3)).toBe('a|b^c&d~e\\fABg\nh');
  });

  it('when an escape sequence is unknown or not closed, then the text is kept and a warning names the field', () => {
    const result = parse(`${MINIMAL[0]}\rNTE|1||a\\Q9\\b\rNTE|2||c\\d`);
    const record = result.records[0];
    expect(record?.ok).toBe(true);
    if (!record?.ok) return;
    expect(leaf(record.input, 'NTE', 3)).toBe('a\\Q9\\b');
    expect(record.issues.map((i) => i.location?.[0])).toEqual(['NTE[1]-3', 'NTE[2]-3']);
  });

  it('when MSH-1 and MSH-2 declare other delimiters, then the message is split by them', () => {
    const m = only(parse('MSH#*$!@#HIS#P#EPD#GGZ#20260301##REF*I12*REF_I12#C2#P#2.5\rPID#1##A$B#X*Y@Z'));
    expect(leaf(m, 'PID', 3, 2)).toBe('B');
    expect(leaf(m, 'PID', 4, 1, 2, 2)).toBe('Z');
    expect(m.controlId).toBe('C2');
  });

  it('when a component is empty, "" or missing, then no leaf is populated for it', () => {
    const m = only(parse(`${MINIMAL[0]}\rPID|1||""|`));
    expect(leaf(m, 'PID', 3)).toBe('""');
    const { coverage } = setup().adapter.convertDetailed(m, setup().ctx);
    expect(coverage.allLeaves().some((l) => l.path.includes('PID-3'))).toBe(false);
  });

  it('when MSH-18 says 8859/1, then Latin-1 text is decoded', () => {
    const m = only(parse(fixture('nl-his-referral-p76.hl7')));
    expect(leaf(m, 'RF1', 10, 1, 2)).toBe('Voorkeur patiënt');
  });

  it('when the bytes are not UTF-8 and MSH-18 names no character set, then the input is refused, saying so', () => {
    const latin1 = Buffer.from(`${MINIMAL.join('\r')}\rNTE|1||patiënt`, 'latin1');
    expect(fatal(parse(latin1))).toMatch(/^structure: .*not valid UTF-8.*MSH-18/);
  });

  it('when MSH-18 names a character set we do not read, then the input is refused as not supported', () => {
    const text = `MSH|^~\\&|A|B|C|D|20260301||REF^I12^REF_I12|C1|P|2.5||||||UNICODE UTF-16\rPID|1`;
    expect(fatal(parse(text))).toMatch(/^not-supported: input: Character set UNICODE UTF-16/);
  });

  it('when the input is UTF-16, then it is refused before decoding', () => {
    expect(fatal(parse(Buffer.from(`\ufeff${MINIMAL.join('\r')}`, 'utf16le')))).toMatch(/UTF-16/);
  });

  it('when the input is MLLP-framed, then the frame is removed; an unclosed frame is reported as possibly truncated', () => {
    const body = MINIMAL.join('\r');
    const framed = parse(Buffer.concat([Buffer.from([0x0b]), Buffer.from(body), Buffer.from([0x1c, 0x0d])]));
    expect(only(framed).controlId).toBe('C1');
    const unclosed = parse(Buffer.concat([Buffer.from([0x0b]), Buffer.from(body)]));
    expect(unclosed.issues[0]?.diagnostics).toMatch(/MLLP frame is not closed/);
  });

  it('when a batch holds several messages, then each is a record with its own location', () => {
    const text = [
      'FHS|^~\\&',
      'BHS|^~\\&',
      ...MINIMAL,
      MINIMAL[0]?.replace('C1', 'C2') ?? '',
      'BTS|2',
      'FTS|1',
    ].join('\r');
    const result = parse(text);
    expect(result.records.map((r) => r.location)).toEqual(['message 1 (line 3)', 'message 2 (line 5)']);
    expect(result.issues.map((i) => i.location?.[0])).toEqual([
      'FHS (line 1)',
      'BHS (line 2)',
      'BTS (line 6)',
      'FTS (line 7)',
    ]);
  });
});

describe('HL7 v2 parser, hostile input', () => {
  const within = (ms: number, fn: () => void): void => {
    const start = performance.now();
    fn();
    expect(performance.now() - start).toBeLessThan(ms);
  };

  it('when the input is empty, then a fatal issue says so', () => {
    expect(fatal(parse(''))).toBe('required: input: The input is empty');
  });

  it('when the input is binary, then it is refused naming the first control byte', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]);
    expect(fatal(parse(png))).toMatch(/binary data \(control byte 0x1a at byte 6\)/);
  });

  it('when the input is text but not HL7, then it is refused', () => {
    expect(fatal(parse('{"resourceType":"Bundle"}'))).toMatch(/does not start with an MSH/);
  });

  it('when 5 MB of segment soup arrive, then they are refused by size in bounded time', () => {
    const soup = `${MINIMAL[0]}\r${'ZZZ|soup^soup~soup|&&&|\\\\|\r'.repeat(200_000)}`;
    expect(soup.length).toBeGreaterThan(5_000_000);
    within(1000, () => expect(fatal(parse(soup))).toMatch(/^too-costly: .*bytes; at most 2097152/));
    within(3000, () =>
      expect(fatal(parse(soup, 8 * 1024 * 1024))).toMatch(/^too-costly: .*more than 5000 segments/),
    );
  });

  it('when segment soup stays within the limits, then every line is reported, and conversion ends in bounded time', () => {
    const lines = Array.from({ length: 2000 }, (_, i) =>
      i % 3 === 0 ? `garbage line ${i}` : `Z${String(i % 90).padStart(2, '0')}|${'x^y~z|'.repeat(20)}`,
    );
    within(3000, () => {
      const result = runAdapter(
        setup().adapter,
        new TextEncoder().encode([...MINIMAL, ...lines].join('\r')),
        setup().ctx,
      );
      const record = result.records[0];
      expect(record?.output).toBeDefined();
      // 50 parse problems at most are listed; the unmapped Z-segments each have one issue.
      expect(record?.report.issue?.filter((i) => i.severity === 'error')).toHaveLength(50);
      expect(record?.report.issue?.filter((i) => /^Z\d\d\[\d+\]$/.test(i.location?.[0] ?? ''))).toHaveLength(
        1333,
      );
    });
  });

  it('when a message is truncated in the middle of a segment, then what is there converts and the rest is not invented', () => {
    const full = fixture('nl-his-referral-p76.hl7').toString('latin1');
    const cut = full.slice(0, full.indexOf('Hoofdstraat 1&Hoofd') + 8);
    const { bundle, report } = convertOne(Buffer.from(cut, 'latin1'));
    const patient = bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource;
    expect(patient).toMatchObject({ birthDate: '1990-04-12', address: [{ line: ['Hoofdstr'] }] });
    expect(report.issue?.some((i) => i.severity === 'fatal')).toBe(false);
  });

  it('when a message is truncated inside MSH, then the record is refused naming the missing header fields', () => {
    const result = runAdapter(
      setup().adapter,
      new TextEncoder().encode('MSH|^~\\&|HIS|PRAKTIJK|EPD|GGZ|2026'),
      setup().ctx,
    );
    expect(result.records[0]?.output).toBeUndefined();
    expect(result.report.issue?.[0]?.diagnostics).toMatch(
      /MSH-9 \(message type\), MSH-10 \(control id\) or MSH-12 \(version\) is missing/,
    );
  });

  it.each([
    ['MSH|^^\\&|A', 'MSH-1 and MSH-2 must be distinct characters'],
    ['MSH|^~|A|B', 'MSH-2 must hold 4 encoding characters'],
    ['MSH|a~\\&|A|B', 'must not be letters, digits or white space'],
    ['MSH|', 'truncated before its encoding characters'],
  ])('when MSH-2 is %j, then the message is refused: %s', (header, message) => {
    const result = parse(`${header}\rPID|1`);
    expect(result.records[0]?.ok).toBe(false);
    expect(result.records[0]?.issues[0]?.diagnostics).toContain(message);
  });

  it('when a field has 100,000 repetitions, then that message is refused in bounded time and the next one in the batch converts', () => {
    const hostile = `${MINIMAL[0]}\rPID|1||${'1~'.repeat(100_000)}1`;
    const text = `${hostile}\r${MINIMAL.join('\r').replace('|C1|', '|C2|')}`;
    within(2000, () => {
      const result = runAdapter(setup().adapter, new TextEncoder().encode(text), setup().ctx);
      expect(result.records.map((r) => r.output !== undefined)).toEqual([false, true]);
      expect(result.records[0]?.report.issue?.[0]).toMatchObject({ severity: 'error', code: 'too-costly' });
      expect(result.records[0]?.report.issue?.[0]?.diagnostics).toMatch(
        /PID-3 has more than 1000 repetitions/,
      );
    });
  });

  it('when a message of a batch has no PID, then it alone is reported with its location and the others convert', () => {
    const text = [MINIMAL[0], 'RF1|P', ...MINIMAL.map((l) => l.replace('|C1|', '|C3|'))].join('\r');
    const result = runAdapter(setup().adapter, new TextEncoder().encode(text), setup().ctx);
    expect(result.records.map((r) => r.output !== undefined)).toEqual([false, true]);
    expect(result.report.issue?.find((i) => i.severity === 'error')?.diagnostics).toBe(
      'message 1 (line 1): PID: The message has no PID segment: a referral needs the patient',
    );
  });
});
