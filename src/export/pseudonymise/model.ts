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
import {
  r4StructureDefinitions,
  repeats,
  typesByName,
  type Snapshot,
  type SnapshotElement,
} from '../../fhir/r4-snapshots.js';
import { capitalize, isRecord } from '../../fhir/records.js';
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

export class R4Model {
  private readonly types: ReadonlyMap<string, TypeDef>;
  /** JSON name -> child, per place; built on first use, as a walk visits few places many times. */
  private readonly byName = new Map<string, ReadonlyMap<string, Child>>();
  private readonly byPlace = new WeakMap<Place, ReadonlyMap<string, Child>>();
  private readonly roots = new Map<string, Place>();

  constructor(structureDefinitions: Iterable<unknown>) {
    this.types = typesByName(structureDefinitions, typeDef);
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
  defaultModel ??= new R4Model(r4StructureDefinitions());
  return defaultModel;
}

function typeDef(snapshot: Snapshot): TypeDef {
  const children = new Map<string, ElementDef[]>();
  for (const el of snapshot.elements) {
    const parent = el.path.slice(0, el.path.lastIndexOf('.'));
    if (!parent) continue;
    const list = children.get(parent) ?? [];
    list.push(elementDef(el));
    children.set(parent, list);
  }
  return { name: snapshot.name, kind: snapshot.kind, children };
}

function elementDef(el: SnapshotElement): ElementDef {
  const last = el.path.slice(el.path.lastIndexOf('.') + 1);
  const choice = last.endsWith('[x]');
  return {
    path: el.path,
    name: choice ? last.slice(0, -3) : last,
    choice,
    repeats: repeats(el),
    types: el.types,
    ...(el.contentReference ? { contentReference: el.contentReference } : {}),
  };
}
