/**
 * `overdracht validate` end to end: the command runs as a process (tsx on src/cli/main.ts), on
 * fixture files, and is judged by its exit status and output. The invocations run in parallel
 * once; each test reads its own result.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = `${ROOT}node_modules/tsx/dist/cli.mjs`;
const F = 'test/validation/cli/fixtures/';
const PROFILE = 'https://overdracht.dev/fhir/test/StructureDefinition/cli-birthdate-required';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function overdracht(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSX, 'src/cli/main.ts', 'validate', ...args],
      { cwd: ROOT },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === 'number' ? err.code : err ? -1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const cases = {
  invalidText: [`${F}patient-valid.json`, `${F}patient-bad-date.json`, `${F}bundle-bad-entry.json`],
  invalidJson: [`${F}patient-bad-date.json`, `${F}patient-valid.json`, '--format', 'json'],
  notAResource: [`${F}not-a-resource.json`],
  unreadable: [`${F}malformed-json.txt`, `${F}does-not-exist.json`],
  profile: [
    `${F}patient-no-birthdate.json`,
    '--load',
    `${F}profile-birthdate-required.json`,
    '--profile',
    PROFILE,
  ],
  withoutProfile: [`${F}patient-no-birthdate.json`, '--load', `${F}profile-birthdate-required.json`],
  loadNotConformance: ['--load', `${F}patient-valid.json`, `${F}patient-valid.json`],
  noFiles: ['--format', 'json'],
  badFormat: ['--format', 'xml', `${F}patient-valid.json`],
} as const;

const results = new Map<keyof typeof cases, Result>();

beforeAll(async () => {
  const names = Object.keys(cases) as (keyof typeof cases)[];
  const outcomes = await Promise.all(names.map((n) => overdracht(...cases[n])));
  names.forEach((n, i) => results.set(n, outcomes[i] as Result));
});

function result(name: keyof typeof cases): Result {
  const r = results.get(name);
  if (!r) throw new Error(`no result for ${name}`);
  return r;
}

describe('overdracht validate', () => {
  it('when the file is a valid resource, then it exits 0 and says valid', () => {
    const r = result('withoutProfile');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('patient-no-birthdate.json: valid (0 errors');
    expect(r.stdout).toContain('1 file: 1 valid, 0 invalid');
  });

  it('when one of several files has an error, then it exits 1 and prints each issue with its expression', () => {
    const r = result('invalidText');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('patient-bad-date.json: invalid (1 error');
    expect(r.stdout).toMatch(/error\s+Patient\.birthDate\s+\S/);
    expect(r.stdout).toMatch(/error\s+Bundle\.entry\[1\]\.resource\.birthDate\s+\S/);
    expect(r.stdout).toContain('patient-valid.json: valid');
    expect(r.stdout).toContain('3 files: 1 valid, 2 invalid');
  });

  it('when --format json is asked, then stdout is an array of one OperationOutcome per file, in order', () => {
    const r = result('invalidJson');
    expect(r.code).toBe(1);
    const outcomes = JSON.parse(r.stdout) as OperationOutcome[];
    expect(outcomes).toHaveLength(2);
    expect(outcomes.every((o) => o.resourceType === 'OperationOutcome')).toBe(true);
    expect(
      outcomes[0]?.issue.some((i) => i.severity === 'error' && i.expression?.[0] === 'Patient.birthDate'),
    ).toBe(true);
    expect(outcomes[1]?.issue.some((i) => i.severity === 'error' || i.severity === 'fatal')).toBe(false);
  });

  it('when the JSON is not a FHIR resource, then it is an error outcome and exit 1', () => {
    const r = result('notAResource');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not-a-resource.json: invalid');
  });

  it('when a file is malformed JSON or missing, then it exits 2 naming each file', () => {
    const r = result('unreadable');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/malformed-json\.txt is not usable JSON: .*position \d+/);
    expect(r.stderr).toContain('cannot read test/validation/cli/fixtures/does-not-exist.json: no such file');
    expect(r.stdout).toBe('');
  });

  it('when --load adds a profile and --profile names it, then its constraints apply', () => {
    const profiled = result('profile');
    expect(profiled.code).toBe(1);
    expect(profiled.stdout).toContain('minimum required = 1');
    expect(result('withoutProfile').stdout).not.toContain('minimum required');
  });

  it('when --load names a file that is not a conformance resource, then it exits 2', () => {
    const r = result('loadNotConformance');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('found Patient');
  });

  it('when the arguments are unusable, then it exits 2 with the usage', () => {
    expect(result('noFiles').code).toBe(2);
    expect(result('noFiles').stderr).toContain('no FILE to validate');
    expect(result('badFormat').code).toBe(2);
    expect(result('badFormat').stderr).toContain("--format must be text or json, not 'xml'");
    expect(result('badFormat').stderr).toContain('overdracht validate FILE...');
  });
});
