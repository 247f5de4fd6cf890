/**
 * Invalid examples (profiles/invalid/*.yaml): a valid example of the package broken by a JSON
 * Patch (RFC 6902), with the exact set of error issues a validator must give. The check is
 * written against any validator that returns an OperationOutcome, so the same files test
 * Medplum, the project's validator, or another one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatch, type Operation } from '@medplum/core';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { parse as parseYaml } from 'yaml';
import type { FhirPackage } from '../../src/package/load.js';

export interface ExpectedIssue {
  severity: 'error' | 'fatal';
  /** FHIRPath from the root resource with zero-based indices, as the HL7 Java validator writes it. */
  expression: string;
  /** Invariant key, when the error comes from an invariant. */
  key?: string;
}

export interface InvalidExample {
  /** File name without .yaml. */
  name: string;
  description: string;
  /** `<ResourceType>/<id>` of an example in the package's example/ folder. */
  base: string;
  profile: string;
  patch: Operation[];
  expect: ExpectedIssue[];
  medplum: 'catches' | 'misses';
}

export type Validate = (resource: Resource, profileUrl: string) => OperationOutcome;

export interface CheckResult {
  ok: boolean;
  /** Expected issues the validator did not give. */
  missing: string[];
  /** Error issues the validator gave that were not expected. */
  unexpected: string[];
}

function fail(file: string, message: string): never {
  throw new Error(`profiles/invalid/${file}: ${message}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseExpected(file: string, raw: unknown): ExpectedIssue {
  if (!isRecord(raw)) fail(file, 'every expect entry is a map');
  const { severity, expression, key } = raw;
  if (severity !== 'error' && severity !== 'fatal')
    fail(file, `expect.severity must be error or fatal, not ${String(severity)}`);
  if (typeof expression !== 'string' || expression === '')
    fail(file, 'expect.expression must be a FHIRPath string');
  if (key !== undefined && typeof key !== 'string') fail(file, 'expect.key must be a string');
  return key === undefined ? { severity, expression } : { severity, expression, key };
}

/** Parses one YAML file; throws naming the file and the bad key. */
export function parseInvalidExample(file: string, text: string): InvalidExample {
  const raw: unknown = parseYaml(text);
  if (!isRecord(raw)) fail(file, 'not a YAML map');
  const { description, base, profile, patch, expect, medplum } = raw;
  if (typeof description !== 'string' || description === '') fail(file, 'description is required');
  if (typeof base !== 'string' || !/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(base))
    fail(file, 'base must be <ResourceType>/<id>');
  if (typeof profile !== 'string' || !profile.startsWith('http'))
    fail(file, 'profile must be a canonical URL');
  if (!Array.isArray(patch) || patch.length === 0)
    fail(file, 'patch must be a non-empty list of JSON Patch operations');
  if (!Array.isArray(expect) || expect.length === 0) fail(file, 'expect must list at least one error issue');
  if (medplum !== 'catches' && medplum !== 'misses') fail(file, 'medplum must be catches or misses');
  return {
    name: file.replace(/\.yaml$/, ''),
    description,
    base,
    profile,
    patch: patch as Operation[],
    expect: expect.map((e) => parseExpected(file, e)),
    medplum,
  };
}

export function readInvalidExamples(dir: string): InvalidExample[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => parseInvalidExample(f, readFileSync(join(dir, f), 'utf8')));
}

/** The package example an invalid example starts from, or undefined. */
export function findBase(example: InvalidExample, pkg: FhirPackage): Resource | undefined {
  const [type, id] = example.base.split('/');
  return pkg.examples.find((f) => f.resource.resourceType === type && f.resource.id === id)?.resource;
}

/**
 * Applies the patch to a copy of the base example. Returns the broken resource, or the reasons
 * the patch does not apply cleanly (every operation must succeed, and it must change something).
 */
export function applyInvalidExample(
  example: InvalidExample,
  pkg: FhirPackage,
): { resource: Resource } | { errors: string[] } {
  const base = findBase(example, pkg);
  if (!base) return { errors: [`base ${example.base} is not an example of the package`] };
  const copy = structuredClone(base);
  const results = applyPatch(copy, example.patch);
  const errors = results.flatMap((r, i) => (r === null ? [] : [`operation ${i}: ${r.message}`]));
  if (errors.length === 0 && JSON.stringify(copy) === JSON.stringify(base))
    errors.push('the patch changes nothing');
  return errors.length > 0 ? { errors } : { resource: copy };
}

function issueKey(severity: string, expression: string): string {
  return `${severity} ${expression}`;
}

/** The error-severity issues of an outcome as `severity expression`, one per expression. */
export function errorIssues(outcome: OperationOutcome): string[] {
  const out = new Set<string>();
  for (const issue of outcome.issue ?? []) {
    if (issue.severity !== 'error' && issue.severity !== 'fatal') continue;
    const expressions = issue.expression?.length ? issue.expression : ['(no expression)'];
    for (const e of expressions) out.add(issueKey(issue.severity, e));
  }
  return [...out].sort();
}

/**
 * Validates the broken resource and compares its error issues (severity and expression) with
 * `expect`, as sets: every expected issue must be reported and no other error may be.
 */
export function checkInvalidExample(
  example: InvalidExample,
  resource: Resource,
  validate: Validate,
): CheckResult {
  const actual = new Set(errorIssues(validate(resource, example.profile)));
  const expected = new Set(example.expect.map((e) => issueKey(e.severity, e.expression)));
  const missing = [...expected].filter((e) => !actual.has(e));
  const unexpected = [...actual].filter((a) => !expected.has(a));
  return { ok: missing.length === 0 && unexpected.length === 0, missing, unexpected };
}
