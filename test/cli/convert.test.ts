/**
 * `overdracht convert` end to end: the command runs as a process (tsx on src/cli/main.ts) on the
 * adapters' own fixtures and is judged by its exit status, its output files and its summary. The
 * invocations run in parallel once; each test reads its own result.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapterRegistry } from '../../src/adapters/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = `${ROOT}node_modules/tsx/dist/cli.mjs`;
const A = 'test/adapters/';
const HL7 = `${A}hl7v2/fixtures/nl-his-referral-p76.hl7`;

/** The channel of a GGZ institution receiving ZorgDomein referrals (as the adapter's tests use). */
const GGZ_CHANNEL = [
  'destinationEndpoint=https://ggz-noord-groningen.example.nl/fhir',
  'receiverOrganizationType=ggz-institution',
  'receiverOrganizationAgb=06001234',
  'receiverOrganizationName=GGZ Noord-Groningen',
  'referralCategory=crisis',
].flatMap((c) => ['--channel', c]);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function overdracht(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSX, 'src/cli/main.ts', 'convert', ...args],
      { cwd: ROOT },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === 'number' ? err.code : err ? -1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'overdracht-convert-'));
const dir = (name: string): string => join(tmp, name);

/** A file per registered format, from each adapter's fixtures: the test below checks the list is complete. */
const PER_FORMAT = {
  hl7v2: [HL7],
  zorgdomein: [`${A}zorgdomein/fixtures/zd-verwijsbrief-p76.json`, ...GGZ_CHANNEL, '--out', dir('zd')],
  assessments: [`${A}assessments/fixtures/positieve-gezondheid.json`, '--out', dir('assessments')],
  edifact: [`${A}edifact/fixtures/medvri-p76-basis-ggz.edi`],
  // A directory is one export: its files are the tables of one input.
  'ggz-ehr': [
    `${A}ggz-ehr/fixtures/epd-csv`,
    '--mapping',
    'mappings/ggz-ehr/epd-csv.yaml',
    '--out',
    dir('ggz'),
  ],
  'gp-journal': [`${A}gp-journal/fixtures/his-export-de-linde.json`, '--out', dir('gp')],
  'iwmo-ijw': [`${A}social/fixtures/wmo315-begeleiding.xml`],
} as const;

const cases = {
  hl7v2: ['--from', 'hl7v2', ...PER_FORMAT.hl7v2],
  zorgdomein: ['--from', 'zorgdomein', ...PER_FORMAT.zorgdomein],
  assessments: ['--from', 'assessments', ...PER_FORMAT.assessments],
  edifact: ['--from', 'edifact', ...PER_FORMAT.edifact],
  ggzEhr: ['--from', 'ggz-ehr', ...PER_FORMAT['ggz-ehr']],
  gpJournal: ['--from', 'gp-journal', ...PER_FORMAT['gp-journal']],
  iwmoIjw: ['--from', 'iwmo-ijw', ...PER_FORMAT['iwmo-ijw']],
  batch: ['--from', 'HL7v2', dir('batch-in'), '--out', dir('batch-out')],
  checkOnly: ['--from', 'hl7v2', dir('batch-in')],
  unknownFormat: ['--from', 'medeur', HL7],
  missingInput: ['--from', 'hl7v2', `${A}hl7v2/fixtures/no-such-file.hl7`],
  customMapping: [
    '--from',
    'assessments',
    `${A}assessments/fixtures/wijkteam-zrm.csv`,
    '--mapping',
    dir('custom.yaml'),
    '--out',
    dir('custom-out'),
  ],
  brokenMapping: [
    '--from',
    'assessments',
    `${A}assessments/fixtures/wijkteam-zrm.csv`,
    '--mapping',
    `${A}assessments/fixtures/broken-spec/assessments.yaml`,
  ],
} satisfies Record<string, readonly string[]>;

const results = new Map<keyof typeof cases, Result>();

beforeAll(async () => {
  // A directory of three HL7 v2 messages, one of them not HL7 v2 at all.
  mkdirSync(dir('batch-in'));
  copyFileSync(HL7, join(dir('batch-in'), 'a-referral.hl7'));
  copyFileSync(`${A}hl7v2/fixtures/nl-his-referral-p72-crisis.hl7`, join(dir('batch-in'), 'c-crisis.hl7'));
  writeFileSync(join(dir('batch-in'), 'b-broken.hl7'), 'this is not an HL7 v2 message\n');
  // The default assessments spec, but the Dutch organisation-name headers no longer read.
  const spec = readFileSync('mappings/assessments/assessments.yaml', 'utf8').replace(
    'organisationName: { columns: [organisation_name, organisatie_naam, organisatie] }',
    'organisationName: { columns: [organisation_name] }',
  );
  writeFileSync(dir('custom.yaml'), spec);
  const names = Object.keys(cases) as (keyof typeof cases)[];
  const outcomes = await Promise.all(names.map((n) => overdracht(...cases[n])));
  names.forEach((n, i) => results.set(n, outcomes[i] as Result));
}, 180_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function result(name: keyof typeof cases): Result {
  const r = results.get(name);
  if (!r) throw new Error(`no result for ${name}`);
  return r;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

describe('overdracht convert', () => {
  it('when the formats are listed, then the tests cover every registered format', () => {
    const registered = createAdapterRegistry()
      .formats()
      .map((f) => f.format);
    expect(Object.keys(PER_FORMAT).sort()).toEqual(registered);
  });

  it('when one HL7 v2 file is converted without --out, then stdout is the message Bundle and it exits 0', () => {
    const r = result('hl7v2');
    expect(r.code).toBe(0);
    const bundle = JSON.parse(r.stdout) as Bundle;
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('message');
    expect(r.stderr).toMatch(/^1 input: 1 converted, 0 failed; \d+ unmapped fields$/m);
  });

  it('when a ZorgDomein document is converted with --out and a channel, then the output and report are written', () => {
    const r = result('zorgdomein');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir('zd')).sort()).toEqual([
      'zd-verwijsbrief-p76.json',
      'zd-verwijsbrief-p76.report.json',
    ]);
    expect(readJson<Bundle>(join(dir('zd'), 'zd-verwijsbrief-p76.json')).type).toBe('message');
    expect(readJson<OperationOutcome>(join(dir('zd'), 'zd-verwijsbrief-p76.report.json')).resourceType).toBe(
      'OperationOutcome',
    );
  });

  it('when an assessments file has a bad record, then the others are written, the file counts as failed and it exits 1', () => {
    const r = result('assessments');
    expect(r.code).toBe(1);
    const output = readJson<Bundle>(join(dir('assessments'), 'positieve-gezondheid.json'));
    expect(output.type).toBe('collection');
    expect(output.entry).toHaveLength(2);
    expect(r.stderr).toContain('positieve-gezondheid.json: failed');
    expect(r.stderr).toContain('/assessments/2: The element is not a JSON object');
    expect(r.stderr).toMatch(/1 input: 0 converted, 1 failed; [1-9]\d* unmapped fields?/);
  });

  it('when a directory holds one bad file, then the rest converts, the summary counts it and it exits 1', () => {
    const r = result('batch');
    expect(r.code).toBe(1);
    expect(readdirSync(dir('batch-out')).sort()).toEqual([
      'a-referral.json',
      'a-referral.report.json',
      'b-broken.report.json',
      'c-crisis.json',
      'c-crisis.report.json',
    ]);
    expect(r.stderr).toContain('b-broken.hl7: failed');
    expect(r.stderr).toContain('fatal  input: The input does not start with an MSH');
    expect(r.stderr).toMatch(/^3 inputs: 2 converted, 1 failed; [1-9]\d* unmapped fields$/m);
    expect(r.stdout).toBe('');
  });

  it('when a directory is converted without --out, then only the summary is given', () => {
    const r = result('checkOnly');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/3 inputs: 2 converted, 1 failed; .* \(nothing written: use --out DIR\)/);
  });

  it('when an EDIFACT letter, a GGZ EHR export directory and a GP journal export are converted, then each is one input that converts', () => {
    const edifact = result('edifact');
    expect(edifact.code).toBe(0);
    expect((JSON.parse(edifact.stdout) as Bundle).type).toBe('message');
    expect(result('ggzEhr').code).toBe(0);
    expect(readdirSync(dir('ggz')).sort()).toEqual(['epd-csv.json', 'epd-csv.report.json']);
    expect(result('ggzEhr').stderr).toMatch(/^1 input: 1 converted, 0 failed; 1 unmapped field$/m);
    expect(result('gpJournal').code).toBe(0);
    expect(readdirSync(dir('gp')).sort()).toEqual([
      'his-export-de-linde.json',
      'his-export-de-linde.report.json',
    ]);
  });

  it('when an iWmo 315 message is converted, then stdout is its FHIR output', () => {
    expect(result('iwmoIjw').code).toBe(0);
    expect((JSON.parse(result('iwmoIjw').stdout) as Bundle).resourceType).toBe('Bundle');
  });

  it('when the format is unknown, then it exits 2 and lists the formats with their descriptions', () => {
    const r = result('unknownFormat');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown format 'medeur'");
    expect(r.stderr).toMatch(/^ {2}hl7v2 +HL7 v2 referral/m);
    expect(r.stdout).toBe('');
  });

  it('when the input does not exist, then it exits 2', () => {
    expect(result('missingInput').code).toBe(2);
    expect(result('missingInput').stderr).toContain('no-such-file.hl7: no such file or directory');
  });

  it('when --mapping names another spec, then that spec is used: a column it no longer reads is reported', () => {
    const report = readJson<OperationOutcome>(join(dir('custom-out'), 'wijkteam-zrm.report.json'));
    const unmapped = report.issue
      .filter((i) => i.details?.coding?.[0]?.code === 'source-field-unmapped')
      .map((i) => i.location?.[0]);
    expect(unmapped).toContain('row 2, column "organisatie_naam"');
  });

  it('when --mapping names a broken spec, then it exits 2 naming the key', () => {
    const r = result('brokenMapping');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("fields.date.columns[0]: column 'bsn' is already claimed");
  });

  it('when anything is reported, then stderr holds no BSN of the inputs', () => {
    for (const r of results.values()) expect(r.stderr).not.toMatch(/\b9999\d{5}\b/);
  });
});
