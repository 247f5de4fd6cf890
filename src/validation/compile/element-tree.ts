/**
 * A StructureDefinition snapshot compiled into a tree of element nodes: children by element name,
 * slices beside their sliced element, and the per-element rules (cardinality, types, fixed and
 * pattern values, binding, constraints, slicing) read once from the ElementDefinition.
 *
 * Spec: https://hl7.org/fhir/R4/elementdefinition.html
 */
import type { ElementDefinition, ElementDefinitionType, StructureDefinition } from '@medplum/fhirtypes';
import type { PreparedConstraint } from './constraints.js';
import { getBaseLayer } from '../registry.js';
import { correctedExpression } from './errata.js';
import { primitiveCheck, type PrimitiveCheck } from './primitives.js';
import { splitId } from './snapshot.js';

/** The FHIR R4 primitive types (https://hl7.org/fhir/R4/datatypes.html#primitive). */
export const PRIMITIVE_TYPES: ReadonlySet<string> = new Set([
  'boolean',
  'integer',
  'string',
  'decimal',
  'uri',
  'url',
  'canonical',
  'base64Binary',
  'instant',
  'date',
  'dateTime',
  'time',
  'code',
  'oid',
  'id',
  'markdown',
  'unsignedInt',
  'positiveInt',
  'uuid',
  'xhtml',
]);

const FHIRPATH_SYSTEM_TYPES: Readonly<Record<string, string>> = {
  'http://hl7.org/fhirpath/System.String': 'string',
  'http://hl7.org/fhirpath/System.Boolean': 'boolean',
  'http://hl7.org/fhirpath/System.Integer': 'integer',
  'http://hl7.org/fhirpath/System.Decimal': 'decimal',
  'http://hl7.org/fhirpath/System.Date': 'date',
  'http://hl7.org/fhirpath/System.DateTime': 'dateTime',
  'http://hl7.org/fhirpath/System.Time': 'time',
};
const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

export interface TypeRef {
  /** A FHIR type name (`string`, `Quantity`, `Patient`, `Resource`), or a URL for logical types. */
  readonly code: string;
  readonly profiles: readonly string[];
  readonly targetProfiles: readonly string[];
  readonly primitive: boolean;
  /** A resource type (or Resource/DomainResource): values are validated as resources. */
  readonly resource: boolean;
  /** For a primitive type: the check of its values. */
  readonly check?: PrimitiveCheck;
}

export type DiscriminatorType = 'value' | 'pattern' | 'type' | 'profile' | 'exists';
export interface Discriminator {
  readonly type: DiscriminatorType;
  readonly path: string;
}
export interface Slicing {
  readonly discriminators: readonly Discriminator[];
  readonly ordered: boolean;
  readonly rules: 'open' | 'closed' | 'openAtEnd';
}
export interface ConstraintDef {
  readonly key: string;
  readonly severity: 'error' | 'warning';
  readonly human: string;
  readonly expression: string;
  /** The StructureDefinition that defined the invariant (`constraint.source`), when the snapshot says. */
  readonly source?: string;
  /** Where the snapshot holding it states it: the definition (unversioned), the element id and its base path. */
  readonly definedIn?: string;
  readonly elementId?: string;
  readonly basePath?: string;
}
export interface TypedValue {
  /** The type suffix of the ElementDefinition property (`Uri`, `CodeableConcept`). */
  readonly type: string;
  readonly value: unknown;
}
export interface BindingDef {
  readonly strength: 'required' | 'extensible' | 'preferred' | 'example';
  readonly valueSet: string;
  /** True for an additional binding (the R5 binding.additional, in R4 as an extension). */
  readonly additional?: boolean;
}

const ADDITIONAL_BINDING = new Set([
  'http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.binding.additional',
  'http://hl7.org/fhir/tools/StructureDefinition/additional-binding',
]);

/**
 * The bindings a validator checks: a required or extensible binding, plus additional bindings
 * whose purpose is required/maximum (all codes from the set: errors) or extensible (warnings).
 * Spec: https://hl7.org/fhir/R5/elementdefinition-definitions.html#ElementDefinition.binding.additional
 */
function checkedBindings(def: ElementDefinition): BindingDef[] {
  const b = def.binding;
  const out: BindingDef[] = [];
  if (b?.valueSet && (b.strength === 'required' || b.strength === 'extensible'))
    out.push({ strength: b.strength, valueSet: b.valueSet });
  for (const ext of b?.extension ?? []) {
    if (!ADDITIONAL_BINDING.has(ext.url ?? '')) continue;
    const purpose = ext.extension?.find((e) => e.url === 'purpose')?.valueCode;
    const valueSet = ext.extension?.find((e) => e.url === 'valueSet')?.valueCanonical;
    if (!valueSet) continue;
    if (purpose === 'required' || purpose === 'maximum')
      out.push({ strength: 'required', valueSet, additional: true });
    else if (purpose === 'extensible') out.push({ strength: 'extensible', valueSet, additional: true });
  }
  return out;
}

function normaliseTypeCode(t: ElementDefinitionType): string {
  const code = t.code ?? '';
  const system = FHIRPATH_SYSTEM_TYPES[code];
  if (system === undefined) return code;
  const ext = t.extension?.find((e) => e.url === FHIR_TYPE_EXT);
  return ext?.valueUrl ?? ext?.valueUri ?? system;
}

function toTypeRef(t: ElementDefinitionType): TypeRef {
  const code = normaliseTypeCode(t);
  return {
    code,
    profiles: t.profile ?? [],
    targetProfiles: t.targetProfile ?? [],
    primitive: PRIMITIVE_TYPES.has(code),
    resource: getBaseLayer().resourceTypes.has(code),
    check: PRIMITIVE_TYPES.has(code) ? primitiveCheck(code) : undefined,
  };
}

function readPrefixed(def: ElementDefinition, prefix: string): TypedValue | undefined {
  for (const [k, v] of Object.entries(def)) {
    if (k.startsWith(prefix) && k.length > prefix.length && v !== undefined) {
      return { type: k.slice(prefix.length), value: v };
    }
  }
  return undefined;
}

function readSlicing(def: ElementDefinition): Slicing | undefined {
  const s = def.slicing;
  if (!s) return undefined;
  const discriminators = (s.discriminator ?? [])
    .filter((d) => d.type !== undefined && d.path !== undefined)
    .map((d) => ({ type: d.type as DiscriminatorType, path: d.path as string }));
  return { discriminators, ordered: s.ordered === true, rules: s.rules ?? 'open' };
}

function readConstraints(def: ElementDefinition, profile: string): ConstraintDef[] {
  const bar = profile.indexOf('|');
  const definedIn = bar < 0 ? profile : profile.slice(0, bar);
  return (def.constraint ?? [])
    .filter((c) => c.key && c.expression)
    .map((c) => ({
      key: c.key as string,
      severity: c.severity === 'warning' ? 'warning' : 'error',
      human: c.human ?? c.key ?? '',
      expression: correctedExpression(c.expression as string),
      source: c.source,
      definedIn,
      elementId: def.id ?? def.path,
      basePath: def.base?.path,
    }));
}

function parseMax(max: string | undefined): number {
  if (max === undefined || max === '*') return Number.POSITIVE_INFINITY;
  const n = Number.parseInt(max, 10);
  return Number.isFinite(n) ? n : Number.POSITIVE_INFINITY;
}

export class ElementNode {
  readonly id: string;
  readonly path: string;
  /** The last path segment (`name`, `value[x]`). */
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** `base` of the ElementDefinition: the element of the base type this one constrains, and its cardinality. */
  readonly basePath: string | undefined;
  readonly baseMin: number;
  readonly baseMax: number;
  /** Whether JSON carries this element as an array (the base definition allows more than one). */
  readonly isArray: boolean;
  readonly types: readonly TypeRef[];
  readonly children: ElementNode[] = [];
  readonly slices: ElementNode[] = [];
  readonly slicing: Slicing | undefined;
  readonly sliceName: string | undefined;
  readonly fixed: TypedValue | undefined;
  readonly pattern: TypedValue | undefined;
  readonly binding: BindingDef | undefined;
  /** The bindings checked on values of this element (see checkedBindings). */
  readonly checkedBindings: readonly BindingDef[];
  readonly constraints: readonly ConstraintDef[];
  readonly contentReference: string | undefined;
  readonly maxLength: number | undefined;
  readonly minValue: TypedValue | undefined;
  readonly maxValue: TypedValue | undefined;
  readonly isModifier: boolean;
  /** Whether values of this element have rules of their own (fixed, pattern, length, limits, bindings). */
  readonly hasValueRules: boolean;
  /** The profile this node belongs to, for messages. */
  readonly profile: string;
  parent: ElementNode | undefined;
  /** Compiled child slots, filled in by the compiler on first use. */
  slotCache: unknown;
  /** Prepared invariants per type code, filled in by the compiler on first use. */
  constraintCache: Map<string, PreparedConstraint[]> | undefined;
  /** The last type asked for and its invariants (most elements have one type). */
  lastConstraintType: TypeRef | undefined;
  lastConstraints: PreparedConstraint[] | undefined;

  constructor(def: ElementDefinition, profile: string) {
    this.id = def.id ?? def.path ?? '';
    this.path = def.path ?? '';
    const dot = this.path.lastIndexOf('.');
    this.name = dot < 0 ? this.path : this.path.slice(dot + 1);
    this.min = def.min ?? 0;
    this.max = parseMax(def.max);
    const baseMax = def.base?.max ?? def.max;
    this.basePath = def.base?.path;
    this.baseMin = def.base?.min ?? this.min;
    this.baseMax = def.base?.max !== undefined ? parseMax(def.base.max) : this.max;
    this.isArray = dot >= 0 && baseMax !== '1' && baseMax !== '0';
    this.types = (def.type ?? []).map(toTypeRef);
    this.slicing = readSlicing(def);
    this.sliceName = def.sliceName;
    this.fixed = readPrefixed(def, 'fixed');
    this.pattern = readPrefixed(def, 'pattern');
    const b = def.binding;
    this.binding = b?.valueSet && b.strength ? { strength: b.strength, valueSet: b.valueSet } : undefined;
    this.checkedBindings = checkedBindings(def);
    this.constraints = readConstraints(def, profile);
    this.contentReference = def.contentReference;
    this.maxLength = def.maxLength;
    this.minValue = readPrefixed(def, 'minValue');
    this.maxValue = readPrefixed(def, 'maxValue');
    this.isModifier = def.isModifier === true;
    this.hasValueRules =
      this.fixed !== undefined ||
      this.pattern !== undefined ||
      this.maxLength !== undefined ||
      this.minValue !== undefined ||
      this.maxValue !== undefined ||
      this.checkedBindings.length > 0;
    this.profile = profile;
  }

  /** The direct child named `name` (an element name, not a JSON name). */
  child(name: string): ElementNode | undefined {
    for (const c of this.children) if (c.name === name) return c;
    return undefined;
  }
}

export interface CompiledTree {
  readonly url: string;
  readonly sd: StructureDefinition;
  readonly root: ElementNode;
  readonly byId: ReadonlyMap<string, ElementNode>;
}

/** Builds the node tree of a snapshot. Elements whose parent is missing are attached to the root. */
export function buildTree(sd: StructureDefinition): CompiledTree | undefined {
  const elements = sd.snapshot?.element ?? [];
  const first = elements[0];
  if (!first) return undefined;
  const url = sd.url ?? '';
  const profileLabel = sd.version ? `${url}|${sd.version}` : url;
  const root = new ElementNode(first, profileLabel);
  const byId = new Map<string, ElementNode>([[root.id, root]]);
  for (let i = 1; i < elements.length; i++) {
    const def = elements[i];
    if (!def) continue;
    const node = new ElementNode(def, profileLabel);
    byId.set(node.id, node);
    const { parentId, last } = splitId(node.id);
    const colon = last.indexOf(':');
    if (colon >= 0 && def.sliceName !== undefined) {
      const slash = last.lastIndexOf('/');
      const slicedName = slash > colon ? last.slice(0, slash) : last.slice(0, colon);
      const sliced = byId.get(parentId ? `${parentId}.${slicedName}` : slicedName);
      if (sliced) {
        node.parent = sliced.parent;
        sliced.slices.push(node);
        continue;
      }
    }
    const parent = (parentId ? byId.get(parentId) : undefined) ?? root;
    node.parent = parent;
    parent.children.push(node);
  }
  return { url, sd, root, byId };
}
