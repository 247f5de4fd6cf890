/**
 * Whose dates these are: the patient whose offset shifts a resource's dates is the resource itself
 * (a Patient) or the first Patient it references, in definition order (`subject`, `patient`,
 * `for`, ...), looking into BackboneElements to a depth of three; contained resources are not
 * searched. The elements that can hold such a reference are listed once per place.
 */
import type { Engine, JsonObject } from './context.js';
import { isRecord, type Child, type Place, type R4Model } from './model.js';

/** The JSON properties of a place that hold a Reference or a BackboneElement, in definition order. */
type Search = readonly { readonly name: string; readonly child: Child }[];

const searches = new WeakMap<R4Model, WeakMap<Place, Search>>();

function searchOf(model: R4Model, place: Place): Search {
  let byPlace = searches.get(model);
  if (!byPlace) {
    byPlace = new WeakMap();
    searches.set(model, byPlace);
  }
  let search = byPlace.get(place);
  if (!search) {
    const list: { name: string; child: Child }[] = [];
    for (const def of model.elements(place)) {
      if (def.name === 'contained') continue;
      for (const type of def.types) {
        const child = model.childOf(place, def, type);
        if (child && (child.type === 'Reference' || child.content.kind === 'backbone')) {
          list.push({
            name: def.choice ? `${def.name}${type.charAt(0).toUpperCase()}${type.slice(1)}` : def.name,
            child,
          });
        }
      }
    }
    search = list;
    byPlace.set(place, search);
  }
  return search;
}

/** `Patient/<id>` (or the urn) of the resource's patient; undefined when it names none. */
export function patientKey(json: JsonObject, place: Place, engine: Engine): string | undefined {
  if (json.resourceType === 'Patient' && typeof json.id === 'string') return `Patient/${json.id}`;
  return findPatient(json, place, engine, 3);
}

function findPatient(obj: JsonObject, place: Place, engine: Engine, depth: number): string | undefined {
  for (const { name, child } of searchOf(engine.model, place)) {
    const value = obj[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) {
        const found = inItem(item, child, engine, depth);
        if (found) return found;
      }
    } else {
      const found = inItem(value, child, engine, depth);
      if (found) return found;
    }
  }
  return undefined;
}

function inItem(item: unknown, child: Child, engine: Engine, depth: number): string | undefined {
  if (!isRecord(item)) return undefined;
  if (child.type === 'Reference') return patientOfReference(item, engine);
  return child.content.kind === 'backbone' && depth > 1
    ? findPatient(item, child.content.place, engine, depth - 1)
    : undefined;
}

function patientOfReference(ref: JsonObject, engine: Engine): string | undefined {
  if (typeof ref.reference !== 'string') return undefined;
  const parsed = engine.parsed(ref.reference);
  if (parsed?.kind === 'resource' && parsed.type === 'Patient') {
    // A relative reference is the key itself (no new string to hash for the date offset's memo).
    return ref.reference.length === parsed.id.length + 8 && ref.reference.startsWith('Patient/')
      ? ref.reference
      : `Patient/${parsed.id}`;
  }
  if (parsed?.kind === 'urn' && ref.type === 'Patient') return parsed.urn;
  return undefined;
}
