/**
 * Compiles StructureDefinitions into element trees on first use and caches them per canonical URL.
 * The compiler of the base layer is shared by every validator in the process; each validator has
 * its own compiler for the definitions it was given, which falls back to the shared one.
 *
 * JSON property names are resolved here once per element: `value[x]` becomes `valueQuantity`,
 * `valueString`, ...; primitive elements also get their `_name` companion.
 * Spec: https://hl7.org/fhir/R4/json.html#choice, https://hl7.org/fhir/R4/json.html#primitive
 */
import { DefinitionRegistry, typeUrl, unversioned } from '../registry.js';
import { mergeConstraints, type PreparedConstraint } from './constraints.js';
import {
  buildTree,
  PRIMITIVE_TYPES,
  type CompiledTree,
  type ElementNode,
  type TypeRef,
} from './element-tree.js';

export interface ChildSlot {
  /** The JSON property name. */
  readonly jsonName: string;
  /** The element the items are validated against (a type slice for a sliced choice). */
  readonly element: ElementNode;
  /** The element cardinality is counted on. */
  readonly base: ElementNode;
  /** The type of the items; undefined when the element has no single type (validated by shape only). */
  readonly type: TypeRef | undefined;
  /** The path segment appended when reporting (`.name`, `.value.ofType(Quantity)`). */
  readonly segment: string;
  /** True for `_name`, the id/extension part of a primitive. */
  readonly extPart: boolean;
  /** True when the property is the JSON form of a choice element. */
  readonly choice: boolean;
  /** For a primitive value property: the name of its `_name` part. */
  readonly extKey: string | undefined;
}

export interface RequiredChild {
  readonly element: ElementNode;
  readonly names: readonly string[];
  /** `_name` for each name. */
  readonly extNames: readonly string[];
}

export interface SlotMap {
  readonly byName: ReadonlyMap<string, ChildSlot>;
  readonly required: readonly RequiredChild[];
  /** Elements whose cardinality is restricted (max below what JSON allows), with their names. */
  readonly limited: readonly RequiredChild[];
  /**
   * The property names last seen at each position of an object walked against these slots, and
   * their slots: objects of one kind from one producer list their properties in the same order,
   * so comparing a key with the one seen before at its position mostly replaces the map lookup.
   * Written by the walker (see recentSlot).
   */
  readonly recentKeys: (string | undefined)[];
  readonly recentSlots: (ChildSlot | undefined)[];
}

/** Positions remembered per slot map (objects rarely have more properties). */
export const RECENT_SLOTS = 16;

function slotMap(
  byName: ReadonlyMap<string, ChildSlot>,
  required: readonly RequiredChild[],
  limited: readonly RequiredChild[],
): SlotMap {
  return {
    byName,
    required,
    limited,
    recentKeys: new Array<string | undefined>(RECENT_SLOTS).fill(undefined),
    recentSlots: new Array<ChildSlot | undefined>(RECENT_SLOTS).fill(undefined),
  };
}

/** The slot of property `key` at position `at` of an object: from the recent positions, else the map. */
export function recentSlot(slots: SlotMap, key: string, at: number): ChildSlot | undefined {
  if (at >= RECENT_SLOTS) return slots.byName.get(key);
  if (slots.recentKeys[at] === key) return slots.recentSlots[at];
  const slot = slots.byName.get(key);
  if (slot) {
    slots.recentKeys[at] = key;
    slots.recentSlots[at] = slot;
  }
  return slot;
}

const EMPTY_SLOTS: SlotMap = slotMap(new Map(), [], []);

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const BACKBONE: TypeRef = {
  code: 'BackboneElement',
  profiles: [],
  targetProfiles: [],
  primitive: false,
  resource: false,
};

export class Compiler {
  private readonly trees = new Map<string, CompiledTree | null>();
  private generation = -1;

  constructor(
    readonly registry: DefinitionRegistry,
    private readonly shared: Compiler | undefined,
  ) {}

  /** The compiled tree of a definition, or undefined when unknown or unusable. */
  tree(url: string): CompiledTree | undefined {
    if (this.generation !== this.registry.generation) {
      this.trees.clear();
      this.typeTrees.clear();
      this.baseTreeLists.clear();
      this.slotsByType = new WeakMap();
      this.mixedSlotCache = new WeakMap();
      this.slotsByNode = new WeakMap();
      this.typeRoots = new WeakMap();
      this.allowedTargets = new WeakMap();
      this.profiledTargets = new WeakMap();
      this.generation = this.registry.generation;
    }
    const cached = this.trees.get(url);
    if (cached !== undefined) return cached ?? undefined;
    let tree: CompiledTree | undefined;
    if (this.shared && !this.registry.isOverlay(url)) {
      tree = this.shared.tree(url);
    } else {
      const sd = this.registry.get(url);
      tree = sd ? buildTree(sd) : undefined;
      if (tree) this.own(tree);
    }
    this.trees.set(url, tree ?? null);
    return tree;
  }

  /** The invariants that apply to a value of `type` at `node`: the element's and its type's. */
  constraints(node: ElementNode, type: TypeRef | undefined): PreparedConstraint[] {
    if (node.lastConstraintType === type && node.lastConstraints) return node.lastConstraints;
    const list = this.constraintsFor(node, type);
    node.lastConstraintType = type;
    node.lastConstraints = list;
    return list;
  }

  private constraintsFor(node: ElementNode, type: TypeRef | undefined): PreparedConstraint[] {
    const owner = owners.get(node) ?? this;
    let byType = node.constraintCache;
    if (!byType) {
      byType = new Map();
      node.constraintCache = byType;
    }
    const key = type?.code ?? '';
    let list = byType.get(key);
    if (!list) {
      // The type's own invariants (qty-3 on Quantity, ref-1 on Reference) apply wherever it is used.
      const complex =
        type !== undefined &&
        !type.primitive &&
        !owner.registry.isResourceType(type.code) &&
        type.code !== 'Resource';
      const root = complex ? owner.typeRoot(type) : undefined;
      const base = complex ? owner.typeTree(type.code)?.root : undefined;
      const target = node.contentReference ? owner.contentTarget(node) : undefined;
      list = mergeConstraints(
        node.constraints,
        root?.constraints ?? [],
        base?.constraints ?? [],
        target?.constraints ?? [],
      );
      byType.set(key, list);
    }
    return list;
  }

  private profiledTargets = new WeakMap<TypeRef, boolean>();

  /** Whether some targetProfile of a Reference type is a profile (not a base resource definition). */
  hasProfiledTargets(type: TypeRef): boolean {
    let r = this.profiledTargets.get(type);
    if (r === undefined) {
      r = type.targetProfiles.some((tp) => this.tree(tp)?.sd.derivation === 'constraint');
      this.profiledTargets.set(type, r);
    }
    return r;
  }

  private allowedTargets = new WeakMap<TypeRef, ReadonlySet<string> | null>();

  /**
   * The resource types a Reference of `type` may point to (from its targetProfiles); undefined
   * when unrestricted or when a target profile is unknown (its type cannot be known).
   */
  targetTypes(type: TypeRef): ReadonlySet<string> | undefined {
    const cached = this.allowedTargets.get(type);
    if (cached !== undefined) return cached ?? undefined;
    let result: Set<string> | null = new Set<string>();
    for (const tp of type.targetProfiles) {
      const t = this.tree(tp)?.sd.type;
      if (!t) {
        result = null;
        break;
      }
      result.add(t);
    }
    if (result && result.size === 0) result = null;
    this.allowedTargets.set(type, result);
    return result ?? undefined;
  }

  private own(tree: CompiledTree): void {
    for (const node of tree.byId.values()) owners.set(node, this);
  }

  private readonly typeTrees = new Map<string, CompiledTree | null>();
  private readonly baseTreeLists = new Map<string, readonly CompiledTree[]>();

  /** `[typeTree(code)]` (or `[]`), the same array every time. */
  baseTrees(code: string): readonly CompiledTree[] {
    let l = this.baseTreeLists.get(code);
    if (!l) {
      const t = this.typeTree(code);
      l = t ? [t] : [];
      this.baseTreeLists.set(code, l);
    }
    return l;
  }

  /** The tree of the base definition of a type (`Quantity`, `Patient`). */
  typeTree(code: string): CompiledTree | undefined {
    if (this.generation !== this.registry.generation) this.tree(''); // drops stale caches
    let t = this.typeTrees.get(code);
    if (t === undefined) {
      t = this.tree(typeUrl(code)) ?? null;
      this.typeTrees.set(code, t);
    }
    return t ?? undefined;
  }

  /** The child slots of a complex value of `type` at `node`. */
  slots(node: ElementNode, type: TypeRef | undefined): SlotMap {
    if (node.children.length > 0) {
      if (!node.slotCache) node.slotCache = buildSlots(node);
      if (node.types.length > 1 && type) return (owners.get(node) ?? this).mixedSlots(node, type);
      return node.slotCache as SlotMap;
    }
    const owner = owners.get(node) ?? this;
    return owner.childlessSlots(node, type);
  }

  private mixedSlotCache = new WeakMap<TypeRef, SlotMap>();

  /**
   * A choice element of several types whose snapshot unfolds only what the types share (id,
   * extension): the value's own type supplies the other children.
   */
  private mixedSlots(node: ElementNode, type: TypeRef): SlotMap {
    let s = this.mixedSlotCache.get(type);
    if (!s) {
      const own = node.slotCache as SlotMap;
      const fromType = this.childlessSlots(node, type);
      const byName = new Map(fromType.byName);
      for (const [k, v] of own.byName) byName.set(k, v);
      const requiredNames = new Set(own.required.map((r) => r.element));
      s = slotMap(
        byName,
        [...own.required, ...fromType.required.filter((r) => !requiredNames.has(r.element))],
        own.limited,
      );
      this.mixedSlotCache.set(type, s);
    }
    return s;
  }

  private slotsByType = new WeakMap<TypeRef, SlotMap>();
  private slotsByNode = new WeakMap<ElementNode, SlotMap>();

  /** Slots of an element the snapshot does not unfold: those of its type (or referenced element). */
  private childlessSlots(node: ElementNode, type: TypeRef | undefined): SlotMap {
    if (node.contentReference) {
      let s = this.slotsByNode.get(node);
      if (!s) {
        const target = this.contentTarget(node);
        s = target ? this.slots(target, target.types[0] ?? BACKBONE) : EMPTY_SLOTS;
        this.slotsByNode.set(node, s);
      }
      return s;
    }
    if (!type) return EMPTY_SLOTS;
    let s = this.slotsByType.get(type);
    if (!s) {
      const root = this.typeRoot(type);
      s = root && root.children.length > 0 ? this.slots(root, undefined) : EMPTY_SLOTS;
      this.slotsByType.set(type, s);
    }
    return s;
  }

  private typeRoots = new WeakMap<TypeRef, ElementNode | null>();

  /** The root element of a type: its single profile if it has one, else its base definition. */
  typeRoot(type: TypeRef | undefined): ElementNode | undefined {
    if (!type) return undefined;
    let r = this.typeRoots.get(type);
    if (r === undefined) {
      const profile = type.profiles.length === 1 ? type.profiles[0] : undefined;
      const viaProfile = profile ? this.tree(profile) : undefined;
      r = viaProfile?.root ?? this.typeTree(type.code)?.root ?? null;
      this.typeRoots.set(type, r);
    }
    return r ?? undefined;
  }

  /** The element a `contentReference` (`#Questionnaire.item`) points to, in the same tree. */
  contentTarget(node: ElementNode): ElementNode | undefined {
    const ref = node.contentReference ?? '';
    const hash = ref.indexOf('#');
    const id = hash >= 0 ? ref.slice(hash + 1) : ref;
    let root: ElementNode = node;
    while (root.parent) root = root.parent;
    const tree = this.treeOf(root);
    return tree?.byId.get(id) ?? this.findByPath(root, id);
  }

  private treeOf(root: ElementNode): CompiledTree | undefined {
    return this.tree(unversioned(root.profile));
  }

  private findByPath(root: ElementNode, path: string): ElementNode | undefined {
    const stack = [root];
    while (stack.length > 0) {
      const n = stack.pop() as ElementNode;
      if (n.path === path && n.sliceName === undefined) return n;
      stack.push(...n.children);
    }
    return undefined;
  }
}

/** Which compiler built a node: its slots are resolved through the same definitions. */
const owners = new WeakMap<ElementNode, Compiler>();

function buildSlots(node: ElementNode): SlotMap {
  const byName = new Map<string, ChildSlot>();
  const required: RequiredChild[] = [];
  const limited: RequiredChild[] = [];
  for (const child of node.children) {
    const names = addChildSlots(byName, child);
    // Required slices of an absent element are missing too.
    const extNames = names.map((n) => '_' + n);
    if (child.min > 0 || child.slices.some((sl) => sl.min > 0))
      required.push({ element: child, names, extNames });
    if (child.max < (child.isArray ? Number.POSITIVE_INFINITY : 1))
      limited.push({ element: child, names, extNames });
  }
  return slotMap(byName, required, limited);
}

/** Adds the JSON names of one child element; returns the value names (not `_name`). */
function addChildSlots(byName: Map<string, ChildSlot>, child: ElementNode): string[] {
  const names: string[] = [];
  if (child.name.endsWith('[x]')) {
    const stem = child.name.slice(0, -3);
    for (const t of child.types) {
      const jsonName = stem + upperFirst(t.code);
      const typeSlice = child.slices.find((s) => s.types.length === 1 && s.types[0]?.code === t.code);
      const element = typeSlice ?? child;
      const segment = `.${stem}.ofType(${t.code})`;
      const extKey = t.primitive ? '_' + jsonName : undefined;
      byName.set(jsonName, {
        jsonName,
        element,
        base: child,
        type: t,
        segment,
        extPart: false,
        choice: true,
        extKey,
      });
      if (extKey)
        byName.set(extKey, {
          jsonName,
          element,
          base: child,
          type: t,
          segment,
          extPart: true,
          choice: true,
          extKey,
        });
      names.push(jsonName);
    }
    return names;
  }
  const type =
    child.types.length === 1 ? child.types[0] : child.types.length === 0 ? undefined : child.types[0];
  const segment = `.${child.name}`;
  const extKey = type && PRIMITIVE_TYPES.has(type.code) ? '_' + child.name : undefined;
  byName.set(child.name, {
    jsonName: child.name,
    element: child,
    base: child,
    type,
    segment,
    extPart: false,
    choice: false,
    extKey,
  });
  if (extKey)
    byName.set(extKey, {
      jsonName: child.name,
      element: child,
      base: child,
      type,
      segment,
      extPart: true,
      choice: false,
      extKey,
    });
  names.push(child.name);
  return names;
}

let sharedCompiler: Compiler | undefined;

/** The process-wide compiler of the base layer (shared, immutable definitions). */
export function getSharedCompiler(): Compiler {
  sharedCompiler ??= new Compiler(new DefinitionRegistry(), undefined);
  return sharedCompiler;
}
