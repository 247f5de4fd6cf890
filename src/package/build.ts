/**
 * Builds the FHIR package of overdracht: compiles the FHIR Shorthand in `profiles/` with
 * `sushi build --snapshot` against the offline core cache, then assembles `profiles/package/`
 * (conformance resources, terminology from `terminology/`, examples in `example/`, package.json
 * and .index.json) so that consumers can load it without our toolchain.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ensureCorePackageCache } from './fhir-cache.js';

export interface BuildOptions {
  /** Folder with sushi-config.yaml and input/fsh. */
  profilesDir: string;
  /** Folder with the terminology JSON (CodeSystem, ValueSet, ConceptMap, NamingSystem). */
  terminologyDir: string;
  /** Where the package is written (replaced as a whole). */
  outDir: string;
  /** HOME for SUSHI; the core package cache is written below it. */
  fhirHome: string;
  log?: (line: string) => void;
}

export interface BuildResult {
  resources: number;
  examples: number;
  sushiErrors: number;
}

interface PackageResource {
  resourceType: string;
  id: string;
  url?: string;
  version?: string;
  kind?: string;
  type?: string;
  meta?: { profile?: string[] };
}

/** Conformance resources go to the package root; instances of any other type are examples. */
const CONFORMANCE_TYPES = new Set([
  'StructureDefinition',
  'ValueSet',
  'CodeSystem',
  'ConceptMap',
  'NamingSystem',
  'SearchParameter',
  'OperationDefinition',
  'CapabilityStatement',
  'Questionnaire',
  'Measure',
  'Library',
]);

export function buildPackage(opts: BuildOptions): BuildResult {
  const log = opts.log ?? (() => undefined);
  ensureCorePackageCache(opts.fhirHome);
  const generated = join(opts.profilesDir, 'fsh-generated');
  rmSync(generated, { recursive: true, force: true });
  const sushiErrors = runSushi(opts.profilesDir, opts.fhirHome, log);
  if (sushiErrors > 0) {
    throw new Error(`SUSHI reported ${sushiErrors} error(s); the package was not written`);
  }
  const config = parseYaml(readFileSync(join(opts.profilesDir, 'sushi-config.yaml'), 'utf8')) as SushiConfig;
  rmSync(opts.outDir, { recursive: true, force: true });
  mkdirSync(join(opts.outDir, 'example'), { recursive: true });
  const index: Record<string, unknown>[] = [];
  const exampleIndex: Record<string, unknown>[] = [];
  let resources = 0;
  let examples = 0;
  const sources = [...listJson(join(generated, 'resources')), ...listJson(opts.terminologyDir)];
  for (const file of sources.sort()) {
    const r = JSON.parse(readFileSync(file, 'utf8')) as PackageResource;
    if (!r.resourceType || !r.id)
      throw new Error(`${relative(process.cwd(), file)}: not a FHIR resource with an id`);
    const filename = `${r.resourceType}-${r.id}.json`;
    const isExample = !CONFORMANCE_TYPES.has(r.resourceType);
    const target = isExample ? join(opts.outDir, 'example', filename) : join(opts.outDir, filename);
    if (existsSync(target)) throw new Error(`Two resources would be written to ${basename(target)}`);
    writeFileSync(target, JSON.stringify(r, null, 2) + '\n');
    const entry = indexEntry(filename, r);
    if (isExample) {
      exampleIndex.push(entry);
      examples++;
    } else {
      index.push(entry);
      resources++;
    }
  }
  writeFileSync(
    join(opts.outDir, '.index.json'),
    JSON.stringify({ 'index-version': 2, files: index }, null, 2) + '\n',
  );
  writeFileSync(
    join(opts.outDir, 'example', '.index.json'),
    JSON.stringify({ 'index-version': 2, files: exampleIndex }, null, 2) + '\n',
  );
  writeFileSync(join(opts.outDir, 'package.json'), JSON.stringify(packageManifest(config), null, 2) + '\n');
  log(`package: ${resources} conformance resources, ${examples} examples -> ${opts.outDir}`);
  return { resources, examples, sushiErrors };
}

interface SushiConfig {
  id: string;
  canonical: string;
  name: string;
  title?: string;
  description?: string;
  version: string;
  fhirVersion: string;
  license?: string;
}

function packageManifest(config: SushiConfig): Record<string, unknown> {
  return {
    name: config.id,
    version: config.version,
    canonical: config.canonical,
    url: config.canonical,
    title: config.title,
    description: config.description,
    fhirVersions: [config.fhirVersion],
    type: 'IG',
    license: config.license,
    jurisdiction: 'urn:iso:std:iso:3166#NL',
    author: 'overdracht',
    dependencies: { 'hl7.fhir.r4.core': '4.0.1' },
  };
}

function indexEntry(filename: string, r: PackageResource): Record<string, unknown> {
  return {
    filename,
    resourceType: r.resourceType,
    id: r.id,
    ...(r.url ? { url: r.url } : {}),
    ...(r.version ? { version: r.version } : {}),
    ...(r.kind ? { kind: r.kind } : {}),
    ...(r.type ? { type: r.type } : {}),
    ...(r.meta?.profile ? { profile: r.meta.profile } : {}),
  };
}

function listJson(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listJson(full));
    else if (name.endsWith('.json') && !name.startsWith('.')) out.push(full);
  }
  return out;
}

function runSushi(profilesDir: string, fhirHome: string, log: (line: string) => void): number {
  const require = createRequire(import.meta.url);
  const sushiMain = join(dirname(require.resolve('fsh-sushi/package.json')), 'dist', 'app.js');
  const res = spawnSync(process.execPath, [sushiMain, 'build', profilesDir, '--snapshot'], {
    env: { ...process.env, HOME: fhirHome },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  for (const line of output.split('\n')) {
    if (/^\s*(error|warn)\b/.test(line) && !/automatically-provided/.test(line)) log(line.trim());
  }
  const m = /(\d+) Errors?/.exec(output);
  if (res.status !== 0 && !m) throw new Error(`SUSHI failed to run: ${output.slice(-2000)}`);
  return m ? Number(m[1]) : 0;
}

/** Copies the sources of a build (profiles and terminology) into `dir`, for a side-by-side rebuild. */
export function copySources(
  projectRoot: string,
  dir: string,
): { profilesDir: string; terminologyDir: string } {
  const profilesDir = join(dir, 'profiles');
  const terminologyDir = join(dir, 'terminology');
  mkdirSync(profilesDir, { recursive: true });
  cpSync(join(projectRoot, 'profiles', 'sushi-config.yaml'), join(profilesDir, 'sushi-config.yaml'));
  cpSync(join(projectRoot, 'profiles', 'input'), join(profilesDir, 'input'), { recursive: true });
  cpSync(join(projectRoot, 'terminology'), terminologyDir, { recursive: true });
  return { profilesDir, terminologyDir };
}
