/**
 * Snapshot generation for profiles that arrive with only a differential: the base snapshot is
 * copied, each differential element is merged into the element with the same id, slices are
 * inserted after their sliced element, and datatype children are unfolded where the differential
 * reaches inside a datatype (e.g. `Observation.code.coding`).
 *
 * Spec: https://hl7.org/fhir/R4/profiling.html#snapshot, https://hl7.org/fhir/R4/elementdefinition.html#id
 */
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

export type SnapshotResult = { elements: ElementDefinition[] } | { error: string };
type Resolve = (url: string) => StructureDefinition | undefined;
type Mutable = ElementDefinition & Record<string, unknown>;

const FHIR_SD_BASE = 'http://hl7.org/fhir/StructureDefinition/';

/** Properties whose differential value is added to the base value instead of replacing it. */
const ADDITIVE = new Set(['constraint', 'condition', 'mapping', 'alias', 'code']);
/** Properties never copied from a differential element. */
const IGNORED = new Set(['id', 'path']);

function clone<T>(v: T): T {
  return structuredClone(v);
}

function lastSegment(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? path : path.slice(dot + 1);
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Ids for differential elements that lack them: children that follow a slice entry belong to that
 * slice (the convention of profiles written before element ids existed).
 */
export function synthesizeIds(diff: readonly ElementDefinition[]): ElementDefinition[] {
  const activeSlice = new Map<string, string>();
  return diff.map((e) => {
    const path = e.path ?? '';
    if (e.id) return e;
    const segs = path.split('.');
    const idSegs: string[] = [];
    for (let i = 0; i < segs.length; i++) {
      const prefix = segs.slice(0, i + 1).join('.');
      const seg = segs[i] ?? '';
      const slice = i < segs.length - 1 ? activeSlice.get(prefix) : undefined;
      idSegs.push(slice ? `${seg}:${slice}` : seg);
    }
    if (e.sliceName) {
      idSegs[idSegs.length - 1] = `${idSegs[idSegs.length - 1] ?? ''}:${e.sliceName}`;
      activeSlice.set(path, e.sliceName);
    } else {
      activeSlice.delete(path);
      for (const k of [...activeSlice.keys()]) if (k.startsWith(path + '.')) activeSlice.delete(k);
    }
    return { ...e, id: idSegs.join('.') };
  });
}

class SnapshotBuilder {
  readonly elements: Mutable[];
  private readonly baseElements: readonly ElementDefinition[];
  private readonly rootType: string;

  constructor(
    base: readonly ElementDefinition[],
    private readonly resolve: Resolve,
    rootType: string,
  ) {
    this.elements = base.map((e) => clone(e) as Mutable);
    this.baseElements = base;
    this.rootType = rootType;
    // A profile of a type whose base snapshot has a different root name (e.g. a constraint on a
    // constraint) keeps the root name of its type.
    const root = this.elements[0]?.path;
    if (root && root !== rootType) this.renameRoot(root, rootType);
  }

  private renameRoot(from: string, to: string): void {
    for (const e of this.elements) {
      if (e.path === from || e.path?.startsWith(from + '.')) e.path = to + e.path.slice(from.length);
      if (e.id === from || e.id?.startsWith(from + '.') || e.id?.startsWith(from + ':'))
        e.id = to + e.id.slice(from.length);
    }
  }

  indexOf(id: string): number {
    return this.elements.findIndex((e) => e.id === id);
  }

  /** Index just past the subtree (children and slices) of the element at `i`. */
  private subtreeEnd(i: number): number {
    const id = this.elements[i]?.id ?? '';
    let j = i + 1;
    while (j < this.elements.length) {
      const other = this.elements[j]?.id ?? '';
      if (!(other.startsWith(id + '.') || other.startsWith(id + ':') || other.startsWith(id + '/'))) break;
      j++;
    }
    return j;
  }

  private hasChildren(i: number): boolean {
    const id = this.elements[i]?.id ?? '';
    return this.elements[i + 1]?.id?.startsWith(id + '.') ?? false;
  }

  /** Unfolds the children of a datatype element (from its type profile or base type). */
  private unfold(i: number): string | undefined {
    const e = this.elements[i];
    if (!e) return 'no element';
    if (this.hasChildren(i)) return undefined;
    const types = e.type ?? [];
    if (e.contentReference) {
      return this.unfoldContentReference(i, e.contentReference);
    }
    // An element of several types has the children all types share: those of Element.
    const t = types.length === 1 ? types[0] : { code: 'Element' };
    const code = t?.code ?? '';
    const profileUrl = t?.profile?.[0];
    const typeSd =
      (profileUrl ? this.resolve(profileUrl) : undefined) ??
      this.resolve(code.includes(':') ? code : FHIR_SD_BASE + code);
    const typeElements = typeSd?.snapshot?.element;
    if (!typeElements?.length) return `the type ${code} of ${e.id ?? ''} has no definition`;
    const typeRoot = typeElements[0]?.path ?? code;
    const children = typeElements.slice(1).map((c) => {
      const copy = clone(c) as Mutable;
      copy.path = (e.path ?? '') + (c.path ?? '').slice(typeRoot.length);
      copy.id = (e.id ?? '') + (c.id ?? c.path ?? '').slice(typeRoot.length);
      return copy;
    });
    this.elements.splice(i + 1, 0, ...children);
    return undefined;
  }

  /**
   * Unfolds an element defined by reference (`#Questionnaire.item`): its children are those of the
   * referenced element as the base defines it, not as this profile has changed it.
   */
  private unfoldContentReference(i: number, ref: string): string | undefined {
    const e = this.elements[i];
    const targetId = ref.slice(ref.indexOf('#') + 1);
    const base = this.baseElements;
    const j = base.findIndex((x) => x.id === targetId);
    const target = base[j];
    if (!e || !target) return `contentReference ${ref} not found`;
    let end = j + 1;
    while (end < base.length && (base[end]?.id ?? '').startsWith(targetId + '.')) end++;
    const copies = base.slice(j + 1, end).map((c) => {
      const copy = clone(c) as Mutable;
      copy.path = (e.path ?? '') + (c.path ?? '').slice(target.path?.length ?? 0);
      copy.id = (e.id ?? '') + (c.id ?? '').slice(targetId.length);
      return copy;
    });
    const merged: Mutable = { ...clone(target as Mutable), ...clone(e) };
    delete merged.contentReference;
    merged.type = clone(target.type);
    this.elements[i] = merged;
    this.elements.splice(i + 1, 0, ...copies);
    return undefined;
  }

  /** Finds (creating slices and unfolding datatypes as needed) the element with the given id. */
  locate(id: string, diff: ElementDefinition): number | string {
    const existing = this.indexOf(id);
    if (existing >= 0) return existing;
    const { parentId, last } = splitId(id);
    if (parentId === undefined) return `the element ${id} does not match the root ${this.rootType}`;
    const colon = last.indexOf(':');
    if (colon >= 0) {
      // A slice (or a reslice `name:a/b`) of the element named before the last ':' or '/'.
      const slash = last.lastIndexOf('/');
      const slicedId = parentId
        ? `${parentId}.${slash > colon ? last.slice(0, slash) : last.slice(0, colon)}`
        : last;
      const sliceName = slash > colon ? last.slice(slash + 1) : last.slice(colon + 1);
      const slicedIdx = this.locate(slicedId, { path: diff.path });
      if (typeof slicedIdx === 'string') return slicedIdx;
      return this.addSlice(slicedIdx, id, sliceName, diff);
    }
    if (!parentId) return `the element ${id} does not match the root ${this.rootType}`;
    const parentIdx = this.locate(parentId, { path: diff.path });
    if (typeof parentIdx === 'string') return parentIdx;
    const problem = this.unfold(parentIdx);
    if (problem) return problem;
    const direct = this.indexOf(id);
    if (direct >= 0) return direct;
    return this.locateChoiceRename(parentId, last, diff);
  }

  /** `Observation.valueQuantity` in a differential names `Observation.value[x]` restricted to Quantity. */
  private locateChoiceRename(parentId: string, last: string, diff: ElementDefinition): number | string {
    const parent = this.elements[this.indexOf(parentId)];
    for (let j = this.indexOf(parentId) + 1; j < this.elements.length; j++) {
      const e = this.elements[j];
      if (!e?.id?.startsWith(parentId + '.')) break;
      const name = e.id.slice(parentId.length + 1);
      if (!name.endsWith('[x]') || name.includes('.') || name.includes(':')) continue;
      const stem = name.slice(0, -3);
      if (!last.startsWith(stem)) continue;
      const typeName = last.slice(stem.length);
      const match = (e.type ?? []).find((t) => upperFirst(t.code ?? '') === typeName);
      if (!match) {
        return `The path must be '${e.path ?? ''}' not '${parent?.path ?? parentId}.${last}' when the type list is not constrained`;
      }
      if (!diff.type) e.type = [clone(match)];
      // Children of the renamed element use the [x] id from here on.
      this.renamedIds.set(`${parentId}.${last}`, e.id);
      return j;
    }
    return `The element ${parentId}.${last} is not a valid element of ${parent?.path ?? parentId}`;
  }

  readonly renamedIds = new Map<string, string>();

  private addSlice(slicedIdx: number, id: string, sliceName: string, diff: ElementDefinition): number {
    const sliced = this.elements[slicedIdx] as Mutable;
    const end = this.subtreeEnd(slicedIdx);
    const slicedId = sliced.id ?? '';
    // The slice starts as a copy of the sliced element and its children (not its other slices).
    const subtree = this.elements
      .slice(slicedIdx, end)
      .filter((c, k) => k === 0 || (c.id ?? '').startsWith(slicedId + '.'));
    const copies = subtree.map((c, k) => {
      const copy = clone(c);
      if (k === 0) {
        delete copy.slicing;
        copy.sliceName = sliceName;
        copy.id = id;
      } else {
        copy.id = id + (c.id ?? '').slice(slicedId.length);
      }
      return copy;
    });
    if (diff.min === undefined && copies[0]) copies[0].min = 0;
    this.elements.splice(end, 0, ...copies);
    return end;
  }

  merge(i: number, diff: ElementDefinition): void {
    const target = this.elements[i] as Mutable;
    const src = diff as Mutable;
    const typeChanged = src.type !== undefined;
    for (const [k, v] of Object.entries(src)) {
      if (IGNORED.has(k) || v === undefined) continue;
      if (ADDITIVE.has(k) && Array.isArray(v) && Array.isArray(target[k])) {
        const existing = target[k] as unknown[];
        const keyOf = (x: unknown): string => JSON.stringify((x as { key?: string }).key ?? x);
        const seen = new Set(existing.map(keyOf));
        target[k] = [...existing, ...clone(v).filter((x: unknown) => !seen.has(keyOf(x)))];
      } else if (k.startsWith('fixed') || k.startsWith('pattern')) {
        // A derived profile may not change a value its base fixes.
        const baseFixed = Object.keys(target).find((old) => old.startsWith('fixed'));
        if (baseFixed !== undefined && JSON.stringify(target[baseFixed]) !== JSON.stringify(v)) {
          throw new SnapshotError(
            `${target.path ?? ''}: Value is '${display(v)}' but is fixed to '${display(target[baseFixed])}' in the base profile`,
          );
        }
        for (const old of Object.keys(target))
          if (old.startsWith('fixed') || old.startsWith('pattern')) delete target[old];
        target[k] = clone(v);
      } else {
        target[k] = clone(v);
      }
    }
    if (typeChanged) this.pruneChoiceChildren(i);
  }

  /** After a type change, unfolded children of the old type no longer apply. */
  private pruneChoiceChildren(i: number): void {
    const e = this.elements[i];
    if (!e || (e.type?.length ?? 0) !== 1) return;
    const id = e.id ?? '';
    const end = this.subtreeEnd(i);
    const firstChild = this.elements[i + 1];
    if (!firstChild?.id?.startsWith(id + '.')) return;
    // Keep the children only if they came from the same type (their base path is of that type).
    const typeCode = e.type?.[0]?.code ?? '';
    const basePath = firstChild.base?.path ?? '';
    const fromType =
      basePath.startsWith(typeCode + '.') ||
      basePath.startsWith('Element.') ||
      basePath.startsWith('BackboneElement.');
    if (!fromType && !(e.type?.[0]?.code === 'BackboneElement' || e.type?.[0]?.code === 'Element')) {
      const keep = this.elements.slice(i + 1, end).filter((c) => !(c.id ?? '').startsWith(id + '.'));
      this.elements.splice(i + 1, end - i - 1, ...keep);
    }
  }
}

class SnapshotError extends Error {}

function display(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The path an element id stands for: the id without its slice names. */
function idToPath(id: string): string {
  return id.replace(/:[^.]*/g, '');
}

/** Splits `A.b:s.c` into parent `A.b:s` and last segment `c`, respecting '.' inside slice names. */
export function splitId(id: string): { parentId: string | undefined; last: string } {
  // Dots inside a slice name (after ':' up to the next '.') are rare; split on the last '.' that
  // is not inside the slice name of the last segment.
  const lastDot = id.lastIndexOf('.');
  if (lastDot < 0) return { parentId: '', last: id };
  const lastColon = id.lastIndexOf(':');
  if (lastColon > lastDot) return { parentId: id.slice(0, lastDot), last: id.slice(lastDot + 1) };
  return { parentId: id.slice(0, lastDot), last: id.slice(lastDot + 1) };
}

/**
 * Generates the snapshot of `sd` from the snapshot of `base`. Never throws; problems come back as
 * `{ error }` with a message naming the element.
 */
export function generateSnapshot(
  sd: StructureDefinition,
  base: StructureDefinition,
  resolve: Resolve,
): SnapshotResult {
  try {
    const baseElements = base.snapshot?.element;
    if (!baseElements?.length) return { error: `the base ${base.url ?? ''} has no snapshot` };
    const rootType = sd.type ?? baseElements[0]?.path ?? '';
    const builder = new SnapshotBuilder(baseElements, resolve, rootType);
    // An id that contradicts its path is not trusted: the path decides, as in profiles that
    // predate element ids (https://hl7.org/fhir/R4/elementdefinition.html#id).
    const diff = synthesizeIds(
      (sd.differential?.element ?? []).map((e) =>
        e.id && e.path && idToPath(e.id) !== e.path ? { ...e, id: undefined } : e,
      ),
    );
    for (const d of diff) {
      let id = d.id ?? d.path ?? '';
      if (id === rootType && d.slicing)
        return { error: `The profile has slicing at the root ('${rootType}'), which is illegal` };
      for (const [from, to] of builder.renamedIds) {
        if (id.startsWith(from + '.') || id.startsWith(from + ':')) id = to + id.slice(from.length);
      }
      const at = builder.locate(id, d);
      if (typeof at === 'string') return { error: at };
      builder.merge(at, d);
    }
    return { elements: builder.elements };
  } catch (err) {
    if (err instanceof SnapshotError) return { error: err.message };
    return { error: `snapshot generation failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export { lastSegment };
