/**
 * Slice matching: which slice an item of a sliced element belongs to, by the discriminators of the
 * slicing (value, pattern, type, profile, exists). The discriminator path is evaluated both on the
 * instance item and on the slice definition (to find the fixed/pattern value, type, profile or
 * cardinality the slice puts there).
 *
 * Spec: https://hl7.org/fhir/R4/profiling.html#discriminator
 */
import type { Compiler } from './compiler.js';
import type { Discriminator, ElementNode, TypeRef } from './element-tree.js';
import { fixedMismatches, matchesPattern } from './values.js';
import { isRecord } from '../../fhir/records.js';

type Json = Record<string, unknown>;

export interface SliceEnv {
  readonly compiler: Compiler;
  /** Whether a value conforms to a profile (used by profile discriminators). */
  conforms(value: unknown, typeCode: string, profileUrl: string): boolean;
  /** The resource a Reference value points to, when it can be resolved. */
  resolve(reference: unknown): Json | undefined;
}

type Segment =
  | { kind: 'this' }
  | { kind: 'name'; name: string }
  | { kind: 'extension'; url: string }
  | { kind: 'ofType'; type: string }
  | { kind: 'resolve' };

const segmentCache = new Map<string, Segment[] | null>();

/** Parses a discriminator path (a restricted FHIRPath); null when unsupported. */
export function parseDiscriminatorPath(path: string): Segment[] | null {
  const cached = segmentCache.get(path);
  if (cached !== undefined) return cached;
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '.' && depth === 0) {
      parts.push(path.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(path.slice(start));
  const segs: Segment[] = [];
  for (const p of parts) {
    const ext = /^extension\(\s*['"](.*)['"]\s*\)$/.exec(p);
    const ofType = /^ofType\(\s*([A-Za-z0-9_]+)\s*\)$/.exec(p);
    if (p === '$this') segs.push({ kind: 'this' });
    else if (ext) segs.push({ kind: 'extension', url: ext[1] ?? '' });
    else if (ofType) segs.push({ kind: 'ofType', type: ofType[1] ?? '' });
    else if (p === 'resolve()') segs.push({ kind: 'resolve' });
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) segs.push({ kind: 'name', name: p });
    else {
      segmentCache.set(path, null);
      return null;
    }
  }
  segmentCache.set(path, segs);
  return segs;
}

interface Typed {
  readonly value: unknown;
  /** The FHIR type when known (choice suffix, resourceType). */
  readonly type: string | undefined;
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function pushAll(out: Typed[], v: unknown, type: string | undefined): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) {
    for (const x of v) if (x !== undefined && x !== null) out.push({ value: x, type });
  } else out.push({ value: v, type });
}

/** Evaluates the discriminator path on an instance item. */
function evaluate(item: Typed, segs: readonly Segment[], env: SliceEnv): Typed[] {
  let current: Typed[] = [item];
  for (const seg of segs) {
    const next: Typed[] = [];
    for (const t of current) {
      const v = t.value;
      switch (seg.kind) {
        case 'this':
          next.push(t);
          break;
        case 'name':
          if (!isRecord(v)) break;
          if (v[seg.name] !== undefined) pushAll(next, v[seg.name], undefined);
          else {
            // A choice element: `value` finds `valueQuantity`, typed Quantity.
            for (const k of Object.keys(v)) {
              if (
                k.length > seg.name.length &&
                k.startsWith(seg.name) &&
                /[A-Z]/.test(k.charAt(seg.name.length))
              ) {
                pushAll(next, v[k], k.slice(seg.name.length));
              }
            }
          }
          break;
        case 'extension':
          if (isRecord(v) && Array.isArray(v.extension)) {
            for (const e of v.extension)
              if (isRecord(e) && e.url === seg.url) next.push({ value: e, type: 'Extension' });
          }
          break;
        case 'ofType':
          if (typeOf(t) === seg.type || (t.type === undefined && isRecord(v) && v.resourceType === seg.type))
            next.push(t);
          break;
        case 'resolve': {
          const r = env.resolve(v);
          if (r)
            next.push({ value: r, type: typeof r.resourceType === 'string' ? r.resourceType : undefined });
          break;
        }
        default:
          seg satisfies never;
      }
    }
    current = next;
  }
  return current;
}

function typeOf(t: Typed): string | undefined {
  if (t.type) return t.type;
  if (isRecord(t.value) && typeof t.value.resourceType === 'string') return t.value.resourceType;
  return undefined;
}

interface DefAt {
  readonly node: ElementNode;
  /** The type the path selected, when it narrowed one (ofType, choice name). */
  readonly type: TypeRef | undefined;
}

const definitions = new WeakMap<ElementNode, Map<string, DefAt | null>>();

/** definitionAt, once per slice and discriminator path (definitions do not change under a tree). */
function cachedDefinitionAt(
  slice: ElementNode,
  path: string,
  segs: readonly Segment[],
  env: SliceEnv,
): DefAt | undefined {
  let byPath = definitions.get(slice);
  if (!byPath) {
    byPath = new Map();
    definitions.set(slice, byPath);
  }
  let d = byPath.get(path);
  if (d === undefined) {
    d = definitionAt(slice, segs, env) ?? null;
    byPath.set(path, d);
  }
  return d ?? undefined;
}

/** Finds the element definition the discriminator path reaches inside a slice. */
function definitionAt(slice: ElementNode, segs: readonly Segment[], env: SliceEnv): DefAt | undefined {
  let node: ElementNode = slice;
  let type: TypeRef | undefined = slice.types.length === 1 ? slice.types[0] : undefined;
  for (const seg of segs) {
    switch (seg.kind) {
      case 'this':
        break;
      case 'name': {
        const child = childDef(node, type, seg.name, env);
        if (!child) return undefined;
        node = child.node;
        type = child.type;
        break;
      }
      case 'extension': {
        const ext = extensionDef(node, type, seg.url, env);
        if (!ext) return undefined;
        node = ext;
        type =
          ext.types.length === 1
            ? ext.types[0]
            : {
                code: 'Extension',
                profiles: [seg.url],
                targetProfiles: [],
                primitive: false,
                resource: false,
              };
        break;
      }
      case 'ofType': {
        const typeSlice = node.slices.find((s) => s.types.length === 1 && s.types[0]?.code === seg.type);
        if (typeSlice) node = typeSlice;
        type = node.types.find((t) => t.code === seg.type);
        if (!type) return undefined;
        break;
      }
      case 'resolve': {
        const target = type?.targetProfiles[0];
        const tree = target ? env.compiler.tree(target) : undefined;
        if (!tree) return undefined;
        node = tree.root;
        type = {
          code: tree.sd.type ?? '',
          profiles: target ? [target] : [],
          targetProfiles: [],
          primitive: false,
          resource: false,
        };
        break;
      }
      default:
        seg satisfies never;
    }
  }
  return { node, type };
}

/** The child `name` of a definition node, looking into its type when the snapshot does not unfold it. */
function childDef(
  node: ElementNode,
  type: TypeRef | undefined,
  name: string,
  env: SliceEnv,
): DefAt | undefined {
  const direct = findChild(node, name);
  if (direct) return direct;
  const root = env.compiler.typeRoot(type);
  return root ? findChild(root, name) : undefined;
}

function findChild(node: ElementNode, name: string): DefAt | undefined {
  for (const c of node.children) {
    if (c.name === name) return { node: c, type: c.types.length === 1 ? c.types[0] : undefined };
    if (c.name === `${name}[x]`) return { node: c, type: c.types.length === 1 ? c.types[0] : undefined };
    if (c.name.endsWith('[x]') && name.startsWith(c.name.slice(0, -3))) {
      const typeName = lowerFirst(name.slice(c.name.length - 3));
      const t = c.types.find(
        (x) => x.code === typeName || upperFirst(x.code) === name.slice(c.name.length - 3),
      );
      if (t) return { node: c, type: t };
    }
  }
  return undefined;
}

function extensionDef(
  node: ElementNode,
  type: TypeRef | undefined,
  url: string,
  env: SliceEnv,
): ElementNode | undefined {
  const ext = childDef(node, type, 'extension', env);
  if (ext) {
    for (const s of ext.node.slices) {
      if (s.types.some((t) => t.profiles.includes(url)) || extensionUrlOf(s, env) === url) return s;
    }
  }
  return env.compiler.tree(url)?.root;
}

/** The URL an extension slice stands for: its fixed `url`, else its type profile. */
export function extensionUrlOf(slice: ElementNode, env: { compiler: Compiler }): string | undefined {
  const urlChild = slice.child('url');
  if (urlChild && typeof urlChild.fixed?.value === 'string') return urlChild.fixed.value;
  const profile = slice.types[0]?.profiles[0];
  if (profile) {
    const root = env.compiler.tree(profile)?.root;
    const fixed = root?.child('url')?.fixed?.value;
    return typeof fixed === 'string' ? fixed : profile;
  }
  return undefined;
}

export type MatchResult = boolean | { problem: string };

/** Whether `item` (of type `itemType` when known) belongs to `slice` under the discriminators. */
export function matchesSlice(
  item: unknown,
  itemType: string | undefined,
  slice: ElementNode,
  discriminators: readonly Discriminator[],
  env: SliceEnv,
): MatchResult {
  if (discriminators.length === 0) return { problem: 'the slicing has no discriminator' };
  // A discriminator the slice puts no value on does not restrict that slice (the HL7 validator
  // does the same); only when no discriminator says anything is the slice undecidable.
  let problem: { problem: string } | undefined;
  let decided = false;
  for (const d of discriminators) {
    const segs = parseDiscriminatorPath(d.path);
    if (!segs) return { problem: `unsupported discriminator path '${d.path}'` };
    const values = evaluate({ value: item, type: itemType }, segs, env);
    const def = cachedDefinitionAt(slice, d.path, segs, env);
    const r = checkDiscriminator(d, values, def, slice, env);
    if (r === false) return false;
    if (r === true) decided = true;
    else problem ??= r;
  }
  return decided ? true : (problem ?? true);
}

function checkDiscriminator(
  d: Discriminator,
  values: Typed[],
  def: DefAt | undefined,
  slice: ElementNode,
  env: SliceEnv,
): MatchResult {
  switch (d.type) {
    case 'value':
    case 'pattern':
      return matchValue(d, values, def, slice);
    case 'exists':
      if (!def)
        return { problem: `the discriminator path '${d.path}' is not in slice ${slice.sliceName ?? ''}` };
      if (def.node.min >= 1) return values.length > 0;
      if (def.node.max === 0) return values.length === 0;
      return { problem: `slice ${slice.sliceName ?? ''} neither requires nor prohibits '${d.path}'` };
    case 'type': {
      const types = def ? (def.type ? [def.type] : def.node.types) : slice.types;
      if (types.length === 0) return { problem: `slice ${slice.sliceName ?? ''} has no type at '${d.path}'` };
      return values.some((v) => {
        const t = typeOf(v);
        return t !== undefined && types.some((x) => x.code === t || upperFirst(x.code) === t);
      });
    }
    case 'profile':
      return matchProfile(d, values, def, slice, env);
    default:
      d.type satisfies never;
      return false;
  }
}

function matchValue(
  d: Discriminator,
  values: Typed[],
  def: DefAt | undefined,
  slice: ElementNode,
): MatchResult {
  const rule = def ? (def.node.fixed ?? def.node.pattern) : undefined;
  if (!def || !rule) {
    return {
      problem: `slice ${slice.sliceName ?? ''} has no fixed or pattern value at discriminator '${d.path}'`,
    };
  }
  const isFixed = def.node.fixed !== undefined;
  return values.some((v) =>
    isFixed ? fixedMismatches(v.value, rule.value).length === 0 : matchesPattern(v.value, rule.value),
  );
}

function matchProfile(
  d: Discriminator,
  values: Typed[],
  def: DefAt | undefined,
  slice: ElementNode,
  env: SliceEnv,
): MatchResult {
  const resolved = d.path.endsWith('resolve()');
  const node = def?.node ?? slice;
  const profiles: string[] = [];
  for (const t of def?.type ? [def.type] : node.types)
    profiles.push(...(resolved ? t.targetProfiles : t.profiles));
  if (resolved && def?.type?.profiles.length) profiles.push(...def.type.profiles);
  if (profiles.length === 0)
    return { problem: `slice ${slice.sliceName ?? ''} has no profile at discriminator '${d.path}'` };
  return values.some((v) =>
    profiles.some((p) => env.conforms(v.value, typeOf(v) ?? node.types[0]?.code ?? '', p)),
  );
}
