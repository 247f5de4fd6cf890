/**
 * Reads the FHIR validator test-case manifest (FHIR/fhir-test-cases, validator/manifest.json) into
 * runs: each case is validated against the base definitions, and once more against its profile
 * when the manifest has a `profile` section. A run carries everything a validator needs: the
 * resource, the conformance resources to load, the profile to check, and the expected outcome.
 * Files in XML (some cases ship their profiles so) are read through the FHIR XML converter.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationOutcome, StructureDefinition } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../../src/fhir/outcomes.js';
import { fhirXmlToJson } from '../../src/fhir/xml.js';

export type RunKind = 'base' | 'profile';

export interface ConformanceRun {
  /** `name` for the base run, `name [profile]` for the profile run. */
  readonly id: string;
  readonly caseName: string;
  readonly kind: RunKind;
  readonly module: string;
  /** The case file, relative to the cases folder. */
  readonly file: string;
  readonly resource: unknown;
  /** Conformance resources to load first (StructureDefinition, ValueSet, CodeSystem, Questionnaire, ...). */
  readonly resources: readonly unknown[];
  /** For a profile run: the profile to validate against. */
  readonly profile?: StructureDefinition;
  readonly expected: OperationOutcome;
  /** Manifest settings a validator may honour (e.g. `fetcher`, `validateReference`). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Supporting files we could not load (neither JSON nor XML), listed so a reader knows what was missing. */
  readonly unloaded: readonly string[];
}

export interface SkippedRun {
  readonly id: string;
  readonly caseName: string;
  readonly kind: RunKind;
  readonly module: string;
  readonly reason: string;
}

export interface ManifestRuns {
  readonly runs: ConformanceRun[];
  readonly skipped: SkippedRun[];
}

/** One entry of `test-cases` in the manifest; only the keys we read are typed. */
interface ManifestCase {
  name: string;
  file: string;
  module: string;
  java: string;
  supporting?: string[];
  profiles?: string[];
  profile?: { source: string; java: string; supporting?: string[] } & Record<string, unknown>;
  questionnaire?: string;
  valuesets?: string[];
  codesystems?: string[];
  [key: string]: unknown;
}

/** Keys that name files or describe outcomes, not validation settings. */
const NON_SETTING_KEYS = new Set([
  'name',
  'file',
  'module',
  'version',
  'java',
  'supporting',
  'profiles',
  'profile',
  'description',
  'explanation',
  'documentation',
  'questionnaire',
  'valuesets',
  'codesystems',
]);

export function loadManifestRuns(root: string): ManifestRuns {
  const manifest = readJsonFile(join(root, 'manifest.json'));
  const cases = isRecord(manifest) && Array.isArray(manifest['test-cases']) ? manifest['test-cases'] : [];
  const runs: ConformanceRun[] = [];
  const skipped: SkippedRun[] = [];
  for (const raw of cases) {
    const c = raw as ManifestCase;
    const base = baseRun(root, c);
    if ('reason' in base) skipped.push(base);
    else runs.push(base);
    if (c.profile) {
      const profile = profileRun(root, c);
      if ('reason' in profile) skipped.push(profile);
      else runs.push(profile);
    }
  }
  return { runs, skipped };
}

function baseRun(root: string, c: ManifestCase): ConformanceRun | SkippedRun {
  const files = [
    ...(c.supporting ?? []),
    ...(c.profiles ?? []),
    ...(c.valuesets ?? []),
    ...(c.codesystems ?? []),
    ...(c.questionnaire ? [c.questionnaire] : []),
  ];
  return makeRun(root, c, 'base', c.java, files, undefined);
}

function profileRun(root: string, c: ManifestCase): ConformanceRun | SkippedRun {
  const p = c.profile!;
  const files = [...(c.supporting ?? []), ...(c.profiles ?? []), ...(p.supporting ?? []), p.source];
  return makeRun(root, c, 'profile', p.java, files, p.source);
}

function makeRun(
  root: string,
  c: ManifestCase,
  kind: RunKind,
  expectedFile: string,
  files: readonly string[],
  profileFile: string | undefined,
): ConformanceRun | SkippedRun {
  if (!isReadable(c.file)) return skip(c, kind, `the case file ${c.file} is neither JSON nor XML`);
  if (profileFile && !isReadable(profileFile))
    return skip(c, kind, `the profile ${profileFile} is neither JSON nor XML`);
  const expectedPath = join(root, 'outcomes', expectedFile);
  if (!existsSync(expectedPath)) return skip(c, kind, `no expected outcome ${expectedFile}`);
  const unique = [...new Set(files)];
  try {
    return readRun(root, c, kind, expectedPath, unique, profileFile);
  } catch (err) {
    if (err instanceof OperationOutcomeError) return skip(c, kind, `a file cannot be read: ${err.message}`);
    throw err;
  }
}

function readRun(
  root: string,
  c: ManifestCase,
  kind: RunKind,
  expectedPath: string,
  unique: readonly string[],
  profileFile: string | undefined,
): ConformanceRun {
  const readable = unique.filter(isReadable);
  const profile = profileFile
    ? (readResourceFile(join(root, 'cases', profileFile)) as StructureDefinition)
    : undefined;
  return {
    id: kind === 'base' ? c.name : `${c.name} [profile]`,
    caseName: c.name,
    kind,
    module: c.module,
    file: c.file,
    resource: readResourceFile(join(root, 'cases', c.file)),
    resources: readable.map((f) => readResourceFile(join(root, 'cases', f))),
    profile,
    expected: readJsonFile(expectedPath) as OperationOutcome,
    settings: settingsOf(c, kind),
    unloaded: unique.filter((f) => !isReadable(f)),
  };
}

function settingsOf(c: ManifestCase, kind: RunKind): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(c)) {
    if (!NON_SETTING_KEYS.has(key) && !key.startsWith('firely') && key !== 'brianpos') settings[key] = value;
  }
  if (kind === 'profile' && c.profile) {
    for (const [key, value] of Object.entries(c.profile)) {
      if (!['source', 'java', 'supporting'].includes(key) && !key.startsWith('firely')) settings[key] = value;
    }
  }
  return settings;
}

function skip(c: ManifestCase, kind: RunKind, reason: string): SkippedRun {
  return {
    id: kind === 'base' ? c.name : `${c.name} [profile]`,
    caseName: c.name,
    kind,
    module: c.module,
    reason,
  };
}

function isReadable(file: string): boolean {
  return /\.(json|xml)$/i.test(file);
}

/** XML files are read through the FHIR XML converter; what it reports, the validators see in the JSON. */
function readResourceFile(path: string): unknown {
  return /\.xml$/i.test(path) ? fhirXmlToJson(readFileSync(path)).resource : readJsonFile(path);
}

function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
