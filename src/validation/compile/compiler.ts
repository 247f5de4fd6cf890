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
import { buildTree, PRIMITIVE_TYPES, type CompiledTree, type ElementNode, type TypeRef } from './element-tree.js';

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
}

export interface RequiredChild {
  readonly element: ElementNode;
  readonly names: readonly string[];
}

export interface SlotMap {
  readonly byName: ReadonlyMap<string, ChildSlot>;
  readonly required: readonly RequiredChild[];
  /** Elements whose cardinality is restricted (max below what JSON allows), with their names. */
  readonly limited: readonly RequiredChild[];
}

const EMPTY_SLOTS: SlotMap = { byName: new Map(), required: [], limited: [] };

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const BACKBONE: TypeRef = { code: 'BackboneElement', profiles: [], targetProfiles: [], primitive: false };

export class Compiler {
  private readonly trees = new Map<string, CompiledTree | null>();
  private generation = -1;

  constructor(
    readonly registry: DefinitionRegistry,
    private readonly shared: Compiler | undefined,
  ) {}

  /** The compiled tree of a definition, or undefined when unknown or unusable. */
  tree(url: string): CompiledTree | undefined {
    if (this.shared && !this.registry.isOverlay(url)) return this.shared.tree(url);
    if (this.generation !== this.registry.generation) {
      this.trees.clear();
      this.generation = this.registry.generation;
    }
    const key = url;
    const cached = this.trees.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const sd = this.registry.get(url);
    const tree = sd ? buildTree(sd) : undefined;
    if (tree) this.own(tree);
    this.trees.set(key, tree ?? null);
    return tree;
  }

  private own(tree: CompiledTree): void {
    for (const node of tree.byId.values()) owners.set(node, this);
  }

  /** The tree of the base definition of a type (`Quantity`, `Patient`). */
  typeTree(code: string): CompiledTree | undefined {
    return this.tree(typeUrl(code));
  }

  /** The child slots of a complex value of `type` at `node`. */
  slots(node: ElementNode, type: TypeRef | undefined): SlotMap {
    const owner = owners.get(node) ?? this;
    return owner.computeSlots(node, type);
  }

  private computeSlots(node: ElementNode, type: TypeRef | undefined): SlotMap {
    if (node.children.length > 0) {
      if (!node.slotCache) node.slotCache = buildSlots(node);
      return node.slotCache as SlotMap;
    }
    if (node.contentReference) {
      const target = this.contentTarget(node);
      return target ? this.slots(target, target.types[0] ?? BACKBONE) : EMPTY_SLOTS;
    }
    const root = this.typeRoot(type);
    return root && root.children.length > 0 ? this.slots(root, undefined) : EMPTY_SLOTS;
  }

  /** The root element of a type: its single profile if it has one, else its base definition. */
  typeRoot(type: TypeRef | undefined): ElementNode | undefined {
    if (!type) return undefined;
    const profile = type.profiles.length === 1 ? type.profiles[0] : undefined;
    const viaProfile = profile ? this.tree(profile) : undefined;
    if (viaProfile) return viaProfile.root;
    return this.typeTree(type.code)?.root;
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
    if (child.min > 0) required.push({ element: child, names });
    if (child.max < (child.isArray ? Number.POSITIVE_INFINITY : 1)) limited.push({ element: child, names });
  }
  return { byName, required, limited };
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
      byName.set(jsonName, { jsonName, element, base: child, type: t, segment, extPart: false, choice: true });
      if (t.primitive) byName.set('_' + jsonName, { jsonName, element, base: child, type: t, segment, extPart: true, choice: true });
      names.push(jsonName);
    }
    return names;
  }
  const type = child.types.length === 1 ? child.types[0] : child.types.length === 0 ? undefined : child.types[0];
  const segment = `.${child.name}`;
  byName.set(child.name, { jsonName: child.name, element: child, base: child, type, segment, extPart: false, choice: false });
  if (type && PRIMITIVE_TYPES.has(type.code)) {
    byName.set('_' + child.name, { jsonName: child.name, element: child, base: child, type, segment, extPart: true, choice: false });
  }
  names.push(child.name);
  return names;
}

let sharedCompiler: Compiler | undefined;

/** The process-wide compiler of the base layer (shared, immutable definitions). */
export function getSharedCompiler(): Compiler {
  sharedCompiler ??= new Compiler(new DefinitionRegistry(), undefined);
  return sharedCompiler;
}
