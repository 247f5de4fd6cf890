import { isRecord } from '../fhir/records.js';
export { isRecord };
/**
 * An indexed CodeSystem: code lookup (respecting `caseSensitive`), displays and designations,
 * the subsumption hierarchy (nested concepts and `parent`/`child`/`subsumedBy` properties) and
 * concept properties, for value set filters.
 *
 * Spec: https://hl7.org/fhir/R4/codesystem.html
 */

export interface ConceptProperty {
  code: string;
  value: string | boolean | number;
  /** For a Coding value: its system (`value` is then its code). */
  system?: string;
}

export interface IndexedConcept {
  code: string;
  display?: string;
  /** Displays in other languages or uses; a display that matches one of these is not wrong. */
  designations: string[];
  properties: ConceptProperty[];
  parents: string[];
  children: string[];
}

export interface IndexedCodeSystem {
  url: string;
  version?: string;
  /** `complete` means a code not listed here is not a code of the system. */
  content: string;
  caseSensitive: boolean;
  concepts: Map<string, IndexedConcept>;
  /** Lower-cased code to concept, only when the system is not case-sensitive. */
  lowerCase?: Map<string, IndexedConcept>;
}

interface RawConcept {
  code?: unknown;
  display?: unknown;
  designation?: unknown;
  property?: unknown;
  concept?: unknown;
}

const PARENT_PROPERTIES = new Set(['parent', 'subsumedBy']);

export function indexCodeSystem(cs: Record<string, unknown>): IndexedCodeSystem {
  const concepts = new Map<string, IndexedConcept>();
  addConcepts(concepts, asArray(cs['concept']), undefined);
  linkPropertyHierarchy(concepts);
  const caseSensitive = cs['caseSensitive'] !== false;
  const out: IndexedCodeSystem = {
    url: String(cs['url']),
    content: typeof cs['content'] === 'string' ? cs['content'] : 'complete',
    caseSensitive,
    concepts,
  };
  if (typeof cs['version'] === 'string') out.version = cs['version'];
  if (!caseSensitive) {
    out.lowerCase = new Map([...concepts.values()].map((c) => [c.code.toLowerCase(), c]));
  }
  return out;
}

export function findConcept(cs: IndexedCodeSystem, code: string): IndexedConcept | undefined {
  return cs.concepts.get(code) ?? cs.lowerCase?.get(code.toLowerCase());
}

/** `descendant` is a strict descendant of `ancestor` in the system's hierarchy. */
export function isDescendant(cs: IndexedCodeSystem, descendant: string, ancestor: string): boolean {
  const seen = new Set<string>();
  const queue = [...(cs.concepts.get(descendant)?.parents ?? [])];
  while (queue.length > 0) {
    const code = queue.pop() as string;
    if (code === ancestor) return true;
    if (seen.has(code)) continue;
    seen.add(code);
    queue.push(...(cs.concepts.get(code)?.parents ?? []));
  }
  return false;
}

/** The code itself (if present) and all its descendants. */
export function descendantsOf(cs: IndexedCodeSystem, code: string, includeSelf: boolean): IndexedConcept[] {
  const root = cs.concepts.get(code);
  if (!root) return [];
  const out: IndexedConcept[] = includeSelf ? [root] : [];
  const seen = new Set<string>([root.code]);
  const queue = [...root.children];
  while (queue.length > 0) {
    const c = cs.concepts.get(queue.pop() as string);
    if (!c || seen.has(c.code)) continue;
    seen.add(c.code);
    out.push(c);
    queue.push(...c.children);
  }
  return out;
}

function addConcepts(into: Map<string, IndexedConcept>, raw: unknown[], parent: string | undefined): void {
  for (const item of raw) {
    if (!isRecord(item)) continue;
    const rc = item as RawConcept;
    if (typeof rc.code !== 'string') continue;
    const concept = into.get(rc.code) ?? newConcept(rc);
    into.set(rc.code, concept);
    if (parent !== undefined) {
      addUnique(concept.parents, parent);
      const p = into.get(parent);
      if (p) addUnique(p.children, concept.code);
    }
    addConcepts(into, asArray(rc.concept), rc.code);
  }
}

function newConcept(rc: RawConcept): IndexedConcept {
  const concept: IndexedConcept = {
    code: rc.code as string,
    designations: asArray(rc.designation)
      .map((d) => (isRecord(d) ? d['value'] : undefined))
      .filter((v): v is string => typeof v === 'string'),
    properties: asArray(rc.property).flatMap(readProperty),
    parents: [],
    children: [],
  };
  if (typeof rc.display === 'string') concept.display = rc.display;
  return concept;
}

function readProperty(p: unknown): ConceptProperty[] {
  if (!isRecord(p) || typeof p['code'] !== 'string') return [];
  for (const [k, v] of Object.entries(p)) {
    if (!k.startsWith('value')) continue;
    if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number')
      return [{ code: p['code'], value: v }];
    if (isRecord(v) && typeof v['code'] === 'string') {
      const out: ConceptProperty = { code: p['code'], value: v['code'] };
      if (typeof v['system'] === 'string') out.system = v['system'];
      return [out];
    }
  }
  return [];
}

/** Flat code systems (v3, some terminology.hl7.org ones) state their hierarchy in properties. */
function linkPropertyHierarchy(concepts: Map<string, IndexedConcept>): void {
  for (const c of concepts.values()) {
    for (const p of c.properties) {
      if (typeof p.value !== 'string') continue;
      if (PARENT_PROPERTIES.has(p.code)) {
        addUnique(c.parents, p.value);
        const parent = concepts.get(p.value);
        if (parent) addUnique(parent.children, c.code);
      } else if (p.code === 'child') {
        addUnique(c.children, p.value);
        const child = concepts.get(p.value);
        if (child) addUnique(child.parents, c.code);
      }
    }
  }
}

function addUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
