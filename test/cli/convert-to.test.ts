/** `overdracht convert --to FORMAT FILE`, run in process with stdout and stderr captured. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { convertTo } from '../../src/cli/convert-to.js';

function run(argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const code = convertTo(argv);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

afterEach(() => vi.restoreAllMocks());

describe('overdracht convert --to', () => {
  it('when the example referral goes to hl7v2, then stdout is a REF^I12 and the report lists what was not written', () => {
    const r = run(['--to', 'hl7v2', 'examples/referral-message.json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^MSH\|\^~\\&\|.*REF\^I12/);
    expect(r.stderr).toMatch(
      /information: This MedicationStatement is not written in the REF\^I12 \(Bundle\.entry\[\d+\]\.resource\)/,
    );
    expect(r.stderr).not.toContain('999911144');
  });

  it('when a 315 is asked for with --channel and --out, then the file holds the JW315', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ov-to-')), 'jw315.xml');
    const r = run([
      '--to',
      'iwmo-ijw',
      'examples/referral-message.json',
      '--channel',
      'municipalityCode=0014',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('<Ontvanger>0014</Ontvanger>');
  });

  it('when the 315 lacks the municipality, then the exit status is 1 and the report names where it was looked for', () => {
    const r = run(['--to', 'iwmo-ijw', 'examples/referral-message.json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*Header\/Ontvanger.*\(MessageHeader\.destination\.receiver\)/);
  });

  it('when the intake feedback goes to edifact-feedback, then the file holds the TRG message and stderr the report by FHIRPath', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ov-to-')), 'trg.edi');
    const r = run([
      '--to',
      'edifact-feedback',
      'test/adapters/outbound/fixtures/feedback-intake.json',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const edifact = readFileSync(out, 'latin1');
    expect(edifact).toMatch(/^UNA:\+\.\? '\nUNB\+UNOC:3\+/);
    expect(edifact).toContain("BGM+TRG+TR-2026-0611+9'");
    expect(r.stderr).toContain(
      'information: Patient.address is not written in the EDIFACT terugrapportage (Bundle.entry[1].resource.address)',
    );
    expect(r.stderr).not.toContain('999911120');
  });

  it('when a referral message goes to edifact-feedback, then the exit status is 1 and the report names Bundle.entry', () => {
    const r = run(['--to', 'edifact-feedback', 'examples/referral-message.json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: .*feedback Composition.*\(Bundle\.entry\)/);
  });

  it('when the format is unknown or the file is not FHIR JSON, then the exit status is 2', () => {
    expect(run(['--to', 'pdf', 'examples/referral-message.json']).code).toBe(2);
    expect(run(['--to', 'hl7v2', 'test/adapters/hl7v2/fixtures/nl-his-cancel.hl7']).code).toBe(2);
  });
});
