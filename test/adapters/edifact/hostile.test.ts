import { describe, expect, it } from 'vitest';
import { runAdapter } from '../../../src/adapters/framework.js';
import { createEdifactAdapter } from '../../../src/adapters/edifact/index.js';
import { fixture, interchange, run, segmentsOf, setup } from './support.js';

const P76 = 'medvri-p76-basis-ggz.edi';

/** Runs hostile bytes; it must answer in time, with no output and no exception. */
function answer(bytes: Uint8Array): ReturnType<typeof run> {
  const started = performance.now();
  const result = run(bytes);
  expect(performance.now() - started).toBeLessThan(10_000);
  return result;
}

function messages(bytes: Uint8Array): string[] {
  return (answer(bytes).report.issue ?? []).map((i) => i.diagnostics ?? '');
}

describe('EDIFACT adapter: hostile and broken input', () => {
  it.each([
    ['empty', new Uint8Array(0), /empty/],
    ['binary', new Uint8Array([0x00, 0xff, 0xfe, 0x13, 0x37, 0x80]), /UTF-16|binary/],
    ['UTF-16', Buffer.from("\ufeffUNB+UNOC:3+1+2+260301:0930+X'", 'utf16le'), /UTF-16/],
    ['not EDIFACT', Buffer.from('MSH|^~\\&|HIS\r'), /does not start with UNA or UNB/],
    ['a truncated UNA', Buffer.from('UNA:+'), /UNA is truncated/],
    ['a UNA with equal separators', Buffer.from("UNA+++? 'UNB+UNOC:3'"), /same character/],
    ['an unknown syntax identifier', Buffer.from("UNB+UNOZ:3+1+2+260301:0930+X'"), /UNOZ .* not supported/],
    [
      'Latin-1 bytes declared UTF-8',
      Buffer.from("UNB+UNOW:4+1+2+260301:0930+X'UNH+1+MEDVRI:1'PID+\xe9'", 'latin1'),
      /not valid UTF-8/,
    ],
    [
      'non-ASCII in UNOA',
      Buffer.from("UNB+UNOA:3+1+2+260301:0930+X'UNH+1+MEDVRI:1'PID+\xe9'", 'latin1'),
      /not valid ASCII/,
    ],
    [
      'an interchange without messages',
      Buffer.from("UNB+UNOC:3+1+2+260301:0930+X'UNZ+0+X'"),
      /holds no message/,
    ],
  ])('when the input is %s, then a fatal issue says so and nothing converts', (_name, bytes, message) => {
    const result = answer(bytes);
    expect(result.records.every((r) => r.output === undefined)).toBe(true);
    const fatal = (result.report.issue ?? []).filter((i) => i.severity === 'fatal');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.diagnostics).toMatch(message);
  });

  it('when the input is larger than the limit, then it is refused before it is read', () => {
    const { ctx } = setup();
    const result = runAdapter(createEdifactAdapter({ limits: { maxBytes: 500 } }), fixture(P76), ctx);
    expect(result.report.issue?.[0]?.code).toBe('too-costly');
  });

  it('when the interchange is cut off in the middle, then it is reported as truncated', () => {
    const bytes = fixture(P76).subarray(0, 700);
    const found = messages(bytes);
    expect(found.some((m) => /truncated/.test(m))).toBe(true);
    expect(answer(bytes).records.every((r) => r.output === undefined)).toBe(true);
  });

  it('when UNT counts the wrong number of segments, then the message fails with both numbers', () => {
    const segments = segmentsOf(P76).map((s) => (s.startsWith('UNT') ? 'UNT+99+HDL0001' : s));
    const bytes = Buffer.from(`${segments.join("'\n")}'\n`, 'latin1');
    expect(messages(bytes).join('\n')).toMatch(/UNT counts 99 segments, the message has 21/);
  });

  it('when UNZ counts the wrong number of messages or a different reference, then both are errors', () => {
    const segments = segmentsOf(P76).map((s) => (s.startsWith('UNZ') ? 'UNZ+3+OTHER' : s));
    const found = messages(Buffer.from(`${segments.join("'\n")}'\n`, 'latin1')).join('\n');
    expect(found).toMatch(/UNZ counts 3 messages, the interchange holds 1/);
    expect(found).toMatch(/control reference of UNZ differs/);
  });

  it('when the segments are soup (no tags, stray UNT, segments outside a message), then each is reported', () => {
    const segments = segmentsOf(P76);
    const soup = [segments[0] ?? '', segments[1] ?? '', '+++', 'UNT+1+X', 'PID+1', ...segments.slice(2)];
    const found = messages(Buffer.from(`${soup.join("'")}'`, 'latin1')).join('\n');
    expect(found).toMatch(/does not start with a tag/);
    expect(found).toMatch(/UNT without a UNH/);
    expect(found).toMatch(/outside a message/);
  });

  it('when a segment has thousands of elements or components, then the input is refused as too costly', () => {
    const wide = `UNB+UNOC:3+1+2+260301:0930+X'UNH+1+MEDVRI:1'FTX+${'+'.repeat(5000)}'`;
    expect(answer(Buffer.from(wide)).report.issue?.[0]?.code).toBe('too-costly');
    const deep = `UNB+UNOC:3+1+2+260301:0930+X'UNH+1+MEDVRI:1'FTX+${':'.repeat(5000)}'`;
    expect(answer(Buffer.from(deep)).report.issue?.[0]?.code).toBe('too-costly');
  });

  it('when an interchange has more segments than the limit, then it is refused in time', () => {
    const many = `UNB+UNOC:3+1+2+260301:0930+X'UNH+1+MEDVRI:1'${"FTX+RFR+++x'".repeat(20_000)}`;
    expect(answer(Buffer.from(many)).report.issue?.[0]?.code).toBe('too-costly');
  });

  it('when a message of 9000 segments arrives, then it converts in time and reports what it did not map', () => {
    const segments = segmentsOf(P76);
    const unt = segments.findIndex((s) => s.startsWith('UNT'));
    const extra = Array.from({ length: 9000 }, (_v, i) => `FTX+ANM+++regel ${i}`);
    const result = answer(interchange([...segments.slice(0, unt), ...extra, ...segments.slice(unt)]));
    expect(result.records[0]?.output).toBeDefined();
  });

  it('when a UNOW interchange starts with a UTF-8 byte order mark, then it is read', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fixture('medvri-crisis-icd10-extra.edi')]);
    expect(answer(bytes).records[0]?.output).toBeDefined();
  });

  it('when a release character ends the input, then nothing breaks', () => {
    const result = answer(Buffer.from("UNB+UNOC:3+1+2+260301:0930+X'UNH+1+MEDVRI:1'FTX+RFR+++abc?"));
    expect(result.records.every((r) => r.output === undefined)).toBe(true);
  });
});
