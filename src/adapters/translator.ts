/**
 * Code translation through FHIR ConceptMaps: the terminology's maps (terminology/conceptmaps/)
 * and each adapter's code tables (mappings/<format>/conceptmaps/), JSON or YAML, all in the
 * ConceptMap resource shape so they can be published to any terminology server as they are.
 *
 * Semantics follow $translate in FHIR R4: a target with equivalence `unmatched` or `disjoint`
 * is no translation; `group.unmapped` (mode `provided` or `fixed`) answers codes the group does
 * not list. https://hl7.org/fhir/R4/conceptmap.html, https://hl7.org/fhir/R4/conceptmap-operation-translate.html
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpecFile, type SpecSchema } from './spec-loader.js';

export interface Translation {
  system: string;
  code: string;
  display?: string;
  equivalence: string;
}

export type TranslateResult =
  | { kind: 'mapped'; targets: Translation[] }
  /** The map knows the code (or its group) and says it has no counterpart. */
  | { kind: 'unmatched'; comment?: string }
  /** The map does not know this system or code. */
  | { kind: 'unknown-code' }
  | { kind: 'unknown-map' };

export interface CodeTranslator {
  translate(conceptMapUrl: string, source: { system: string; code: string }): TranslateResult;
  has(conceptMapUrl: string): boolean;
  /** The target systems of a map's groups (to complete a default given as a bare code). */
  targetSystems(conceptMapUrl: string): string[];
}

// ---------------------------------------------------------------------------------------------
// The ConceptMap subset we read (R4 field names)
// ---------------------------------------------------------------------------------------------

interface CmTarget {
  code?: string;
  display?: string;
  equivalence: string;
  comment?: string;
}
interface CmElement {
  code: string;
  display?: string;
  target?: CmTarget[];
}
interface CmGroup {
  source?: string;
  target?: string;
  element: CmElement[];
  unmapped?: { mode: 'provided' | 'fixed' | 'other-map'; code?: string; display?: string; url?: string };
}
export interface ConceptMapResource {
  resourceType: 'ConceptMap';
  id: string;
  url: string;
  group?: CmGroup[];
}

export const conceptMapSchema: SpecSchema<ConceptMapResource> = {
  schema: {
    type: 'object',
    required: ['resourceType', 'id', 'url'],
    properties: {
      resourceType: { const: 'ConceptMap' },
      id: { type: 'string', pattern: '^[A-Za-z0-9\\-.]{1,64}$' },
      url: { type: 'string', minLength: 1 },
      group: {
        type: 'array',
        items: {
          type: 'object',
          required: ['element'],
          properties: {
            source: { type: 'string' },
            target: { type: 'string' },
            element: {
              type: 'array',
              items: {
                type: 'object',
                required: ['code'],
                properties: {
                  code: { type: 'string', minLength: 1 },
                  target: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['equivalence'],
                      properties: { equivalence: { type: 'string' } },
                    },
                  },
                },
              },
            },
            unmapped: {
              type: 'object',
              required: ['mode'],
              properties: { mode: { enum: ['provided', 'fixed', 'other-map'] } },
            },
          },
        },
      },
    },
  },
};

const NO_TRANSLATION = new Set(['unmatched', 'disjoint']);

interface IndexedMap {
  /** `${system}|${code}` and `${system}|${CODE}` -> element and its group */
  elements: Map<string, { element: CmElement; group: CmGroup }>;
  groups: CmGroup[];
}

export function createCodeTranslator(maps: readonly ConceptMapResource[]): CodeTranslator {
  const byUrl = new Map<string, IndexedMap>();
  for (const map of maps) byUrl.set(map.url, indexMap(map));
  return {
    has: (url) => byUrl.has(url),
    targetSystems: (url) => [
      ...new Set((byUrl.get(url)?.groups ?? []).map((g) => g.target ?? '').filter((t) => t !== '')),
    ],
    translate(url, source) {
      const map = byUrl.get(url);
      if (!map) return { kind: 'unknown-map' };
      const hit =
        map.elements.get(`${source.system}|${source.code}`) ??
        map.elements.get(`${source.system}|${source.code.toUpperCase()}`);
      if (hit) return fromElement(hit.element, hit.group);
      const group = map.groups.find((g) => g.source === source.system);
      return group ? fromUnmapped(group, source.code) : { kind: 'unknown-code' };
    },
  };
}

function indexMap(map: ConceptMapResource): IndexedMap {
  const elements = new Map<string, { element: CmElement; group: CmGroup }>();
  for (const group of map.group ?? []) {
    for (const element of group.element) {
      const key = `${group.source ?? ''}|${element.code}`;
      if (!elements.has(key)) elements.set(key, { element, group });
      const upper = `${group.source ?? ''}|${element.code.toUpperCase()}`;
      if (!elements.has(upper)) elements.set(upper, { element, group });
    }
  }
  return { elements, groups: map.group ?? [] };
}

function fromElement(element: CmElement, group: CmGroup): TranslateResult {
  const targets = (element.target ?? [])
    .filter((t) => !NO_TRANSLATION.has(t.equivalence) && t.code)
    .map((t): Translation => ({
      system: group.target ?? '',
      code: t.code ?? '',
      display: t.display,
      equivalence: t.equivalence,
    }));
  if (targets.length > 0) return { kind: 'mapped', targets };
  return { kind: 'unmatched', comment: element.target?.[0]?.comment };
}

function fromUnmapped(group: CmGroup, code: string): TranslateResult {
  const u = group.unmapped;
  if (u?.mode === 'provided')
    return { kind: 'mapped', targets: [{ system: group.target ?? '', code, equivalence: 'equal' }] };
  if (u?.mode === 'fixed' && u.code) {
    return {
      kind: 'mapped',
      targets: [{ system: group.target ?? '', code: u.code, display: u.display, equivalence: 'inexact' }],
    };
  }
  return { kind: 'unknown-code' };
}

/** Reads every ConceptMap-*.json|yaml file of the given folders (missing folders are skipped). */
export function loadConceptMaps(dirs: readonly string[]): ConceptMapResource[] {
  const out: ConceptMapResource[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (!/^ConceptMap-.+\.(json|ya?ml)$/.test(name)) continue;
      out.push(loadSpecFile(join(dir, name), conceptMapSchema));
    }
  }
  return out;
}
