/**
 * The pseudonymisation engine: one resource in, one resource (or nothing) out, no I/O, so an
 * export stream can call it per resource.
 *
 * It walks the resource by the R4 element definitions. At the levels of the resource and its
 * BackboneElements, the policy's rules decide; an element without a rule does not go out (deny by
 * default). Inside a datatype the type decides: codes, numbers and booleans go out, dates follow
 * the rule's date mode, uri values only under the policy's known prefixes, Identifiers become
 * keyed pseudonyms, References are rewritten through the same keyed hash, Codings go out only
 * from the policy's code systems with the terminology's display (never the sender's), and strings,
 * names, addresses, contacts, notes, attachments and narrative never go out. Extensions go out
 * only by url; a modifier extension the policy does not know drops what it modifies, as its
 * meaning would change without it.
 *
 * What the definitions and the policy decide for a JSON property is worked out once per place (a
 * type and a path in it) and kept as a plan: property name -> what to do with its value. The walk
 * then only looks names up in plans; it reads the parsed resource and builds what goes out.
 */
import type { Resource } from '@medplum/fhirtypes';
import { engineOf, type Ctx, type Engine, type JsonObject, type PseudonymiseOptions } from './context.js';
import {
  codeableConcept,
  coding,
  postcodeOnly,
  profilesOnly,
  pseudoIdentifier,
  pseudoReference,
  pseudoUri,
} from './datatypes.js';
import { isDateType, transformDate, type DateType } from './dates.js';
import type { KeyRing } from './keys.js';
import { isRecord, r4Model, type Child, type Place, type R4Model } from './model.js';
import { patientKey } from './patient.js';
import {
  FREE_TEXT_TYPES,
  NEVER_KEPT_TYPES,
  URI_TYPES,
  type Policy,
  type Rule,
  type TypePolicy,
} from './policy.js';

export type { PseudonymiseOptions } from './context.js';

/**
 * The resource as the policy's recipient may see it, or undefined when its type does not go out
 * (or it carries a modifier extension the policy does not know).
 *
 * Pseudonyms are remembered per `options` object (and policy and key): pass one options object
 * for all resources of an export, so that each client's pseudonyms are computed once, and a new
 * one for the next export, so that the memory goes with the export.
 */
export function pseudonymise(
  resource: Resource | JsonObject,
  policy: Policy,
  keys: KeyRing,
  options: PseudonymiseOptions = {},
): Resource | undefined {
  const engine = engineOf(policy, keys, options, options.model ?? r4Model());
  // The walk builds only what the R4 definitions describe for this resource type.
  return walkResource(resource, engine, options, false) as Resource | undefined;
}

/** What is done with one item of an element (or the element, when it does not repeat). */
type Item = (value: unknown, ctx: Ctx) => unknown;

/** What is done with the value of one JSON property. */
interface Step {
  readonly handle: Item;
  /** `_name` of a single primitive: its extensions go out (by url) when the value does. */
  readonly extensionsOf: string | undefined;
}

/** Properties that never go out here (ids, `_name`, elements without a rule, never-kept types). */
const SKIP = 0;
const EXTENSION = 1;
const MODIFIER_EXTENSION = 2;
type PlanEntry = Step | typeof SKIP | typeof EXTENSION | typeof MODIFIER_EXTENSION;

/** Property name -> what to do, for one place walked one way; filled on first sight of a name. */
class Plan {
  private readonly entries = new Map<string, PlanEntry>();

  constructor(
    private readonly place: Place,
    private readonly model: R4Model,
    private readonly itemOf: (child: Child) => Item | undefined,
    private readonly skip: ReadonlySet<string>,
  ) {}

  entry(name: string): PlanEntry {
    let entry = this.entries.get(name);
    if (entry === undefined) {
      entry = this.decide(name);
      this.entries.set(name, entry);
    }
    return entry;
  }

  private decide(name: string): PlanEntry {
    if (this.skip.has(name) || name.startsWith('_')) return SKIP;
    if (name === 'extension') return EXTENSION;
    if (name === 'modifierExtension') return MODIFIER_EXTENSION;
    const child = this.model.child(this.place, name);
    const item = child && this.itemOf(child);
    if (!child || !item) return SKIP;
    if (child.def.repeats) return { handle: eachItem(item), extensionsOf: undefined };
    return {
      handle: oneItem(item),
      extensionsOf: child.content.kind === 'primitive' ? `_${name}` : undefined,
    };
  }
}

/** Elements of a resource the engine sets itself. */
const RESOURCE_OWN: ReadonlySet<string> = new Set(['resourceType', 'id', 'meta', 'text']);
const EXTENSION_OWN: ReadonlySet<string> = new Set(['url', 'extension']);
const NOTHING: ReadonlySet<string> = new Set();

/** The plans of one model: by the policy's rules (per type policy), by type (`keep`), for extensions. */
interface Plans {
  readonly rules: WeakMap<TypePolicy, WeakMap<Place, Plan>>;
  readonly keep: WeakMap<Place, Plan>;
  extension?: Plan;
}
const plansByModel = new WeakMap<R4Model, Plans>();

function plansOf(model: R4Model): Plans {
  let plans = plansByModel.get(model);
  if (!plans) {
    plans = { rules: new WeakMap(), keep: new WeakMap() };
    plansByModel.set(model, plans);
  }
  return plans;
}

/** At the resource and BackboneElement levels: the policy's rules. */
function rulePlan(model: R4Model, typePolicy: TypePolicy, place: Place, root: boolean): Plan {
  const plans = plansOf(model);
  let byPlace = plans.rules.get(typePolicy);
  if (!byPlace) {
    byPlace = new WeakMap();
    plans.rules.set(typePolicy, byPlace);
  }
  let plan = byPlace.get(place);
  if (!plan) {
    plan = new Plan(
      place,
      model,
      (child) => ruleItemOf(model, typePolicy, child),
      root ? RESOURCE_OWN : NOTHING,
    );
    byPlace.set(place, plan);
  }
  return plan;
}

/** Inside datatypes (and under `keep`): what the type allows. */
function keepPlan(model: R4Model, place: Place): Plan {
  const plans = plansOf(model);
  let plan = plans.keep.get(place);
  if (!plan) {
    plan = new Plan(place, model, (child) => keepItem(model, child), NOTHING);
    plans.keep.set(place, plan);
  }
  return plan;
}

function extensionPlan(model: R4Model): Plan | undefined {
  const plans = plansOf(model);
  if (!plans.extension) {
    const place = model.root('Extension');
    if (!place) return undefined;
    plans.extension = new Plan(place, model, (child) => keepItem(model, child), EXTENSION_OWN);
  }
  return plans.extension;
}

/** Repeating elements are arrays, others are not; a value of the wrong shape does not go out. */
function eachItem(item: Item): Item {
  return (value, ctx) => {
    if (!Array.isArray(value)) return undefined;
    let out: unknown[] | undefined;
    for (const v of value as unknown[]) {
      const r = item(v, ctx);
      if (r !== undefined) (out ??= []).push(r);
    }
    return out;
  };
}

function oneItem(item: Item): Item {
  return (value, ctx) => (Array.isArray(value) ? undefined : item(value, ctx));
}

function ruleItemOf(model: R4Model, typePolicy: TypePolicy, child: Child): Item | undefined {
  const { rules, containers } = typePolicy;
  const content = child.content;
  if (
    content.kind === 'backbone' &&
    (containers.has(child.def.path) || rules.get(child.def.path)?.kind === 'keep')
  ) {
    const plan = rulePlan(model, typePolicy, content.place, false);
    return (item, ctx) => (isRecord(item) ? walkObject(item, plan, ctx, {}) : undefined);
  }
  const rule = rules.get(`${child.def.path}|${child.type}`) ?? rules.get(child.def.path);
  return rule ? ruleItem(model, child, rule) : undefined;
}

function ruleItem(model: R4Model, child: Child, rule: Rule): Item | undefined {
  switch (rule.kind) {
    case 'keep': {
      const keep = keepItem(model, child);
      if (!keep) return undefined;
      const dates = rule.dates;
      return (value, ctx) => {
        const outer = ctx.dates;
        ctx.dates = dates;
        const out = keep(value, ctx);
        ctx.dates = outer;
        return out;
      };
    }
    case 'hash': {
      if (child.type === 'Identifier') {
        const publicSystems = rule.public;
        return (value, ctx) => (isRecord(value) ? pseudoIdentifier(value, ctx, publicSystems) : undefined);
      }
      return (value, ctx) => (typeof value === 'string' ? ctx.engine.p.text(value) : undefined);
    }
    case 'postcode':
      return child.type === 'Address'
        ? (value, ctx) => (isRecord(value) ? postcodeOnly(value, ctx) : undefined)
        : undefined;
    case 'allow': {
      const values = rule.values;
      return (value) => (typeof value === 'string' && values.has(value) ? value : undefined);
    }
    default:
      return rule satisfies never;
  }
}

/** What a type lets out of one item; undefined when nothing ever does. */
function keepItem(model: R4Model, child: Child): Item | undefined {
  const content = child.content;
  switch (content.kind) {
    case 'primitive':
      if (REFERENCE_URIS.has(child.def.path))
        return (value, ctx) => (typeof value === 'string' ? pseudoUri(value, ctx) : undefined);
      return keepPrimitive(child.type);
    case 'resource': {
      const contained = child.def.name === 'contained';
      return (value, ctx) => walkResource(value, ctx.engine, ctx.options, contained);
    }
    case 'backbone': {
      const plan = keepPlan(model, content.place);
      return (value, ctx) => (isRecord(value) ? walkObject(value, plan, ctx, {}) : undefined);
    }
    case 'datatype':
      return keepDatatype(model, child.type, content.place);
    default:
      return content satisfies never;
  }
}

/** uri elements that name a resource, as a reference does: rewritten like one. */
const REFERENCE_URIS = new Set(['Bundle.entry.fullUrl']);

function keepPrimitive(type: string): Item | undefined {
  if (isDateType(type)) return keepDate(type);
  if (NEVER_KEPT_TYPES.has(type) || FREE_TEXT_TYPES.has(type)) return undefined;
  if (URI_TYPES.has(type))
    return (value, ctx) => (typeof value === 'string' && ctx.engine.uriAllowed(value) ? value : undefined);
  switch (type) {
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? value : undefined);
    case 'integer':
    case 'decimal':
    case 'positiveInt':
    case 'unsignedInt':
      return (value) => (typeof value === 'number' ? value : undefined);
    case 'code':
    case 'time':
      return (value) => (typeof value === 'string' ? value : undefined);
    default:
      return undefined;
  }
}

function keepDate(type: DateType): Item {
  return (value, ctx) =>
    typeof value === 'string'
      ? transformDate(value, type, ctx.dates, ctx.dates === 'shift' ? dateOffset(ctx) : 0)
      : undefined;
}

function keepDatatype(model: R4Model, type: string, place: Place): Item | undefined {
  switch (type) {
    case 'Identifier':
      return (value, ctx) => (isRecord(value) ? pseudoIdentifier(value, ctx) : undefined);
    case 'Reference':
      return (value, ctx) => (isRecord(value) ? pseudoReference(value, ctx) : undefined);
    case 'Coding':
      return (value, ctx) => (isRecord(value) ? coding(value, ctx) : undefined);
    case 'CodeableConcept':
      return (value, ctx) => (isRecord(value) ? codeableConcept(value, ctx) : undefined);
    case 'Meta':
      return (value, ctx) => (isRecord(value) ? profilesOnly(value, ctx) : undefined);
    case 'Address':
    case 'Extension':
      // Addresses go out only through the postcode rule, extensions only by url.
      return undefined;
    default: {
      if (NEVER_KEPT_TYPES.has(type)) return undefined;
      const plan = keepPlan(model, place);
      return (value, ctx) => (isRecord(value) ? walkObject(value, plan, ctx, {}) : undefined);
    }
  }
}

function walkResource(
  json: unknown,
  engine: Engine,
  options: PseudonymiseOptions,
  contained: boolean,
): JsonObject | undefined {
  if (!isRecord(json) || typeof json.resourceType !== 'string') return undefined;
  const type = json.resourceType;
  const { policy, model, p } = engine;
  const typePolicy = policy.types.get(type);
  const place = model.isResourceType(type) ? model.root(type) : undefined;
  if (!typePolicy || !place) return undefined;
  const ctx: Ctx = { engine, options, dates: policy.dates.default, resource: json, place, offset: undefined };
  const out: JsonObject = { resourceType: type };
  if (typeof json.id === 'string') out.id = contained ? p.localId(json.id) : p.resourceId(type, json.id);
  const meta = profilesOnly(json.meta, ctx);
  if (meta) out.meta = meta;
  return walkInto(json, rulePlan(model, typePolicy, place, true), ctx, out) < 0 ? undefined : out;
}

/** The children of an object that go out, in a new object; undefined when none does (or see `walkInto`). */
function walkObject(obj: JsonObject, plan: Plan, ctx: Ctx, out: JsonObject): JsonObject | undefined {
  return walkInto(obj, plan, ctx, out) > 0 ? out : undefined;
}

/**
 * Puts the children of `obj` that go out into `out`, each by its plan entry; extensions by url.
 * Returns how many were put, or -1 when the object carries a modifier extension the policy does
 * not keep: the object must not go out without it.
 */
function walkInto(obj: JsonObject, plan: Plan, ctx: Ctx, out: JsonObject): number {
  let n = 0;
  for (const name of Object.keys(obj)) {
    const entry = plan.entry(name);
    if (entry === SKIP) continue;
    const value = obj[name];
    if (entry === EXTENSION || entry === MODIFIER_EXTENSION) {
      const kept = keptExtensions(value, ctx, false);
      if (entry === MODIFIER_EXTENSION && (!Array.isArray(value) || kept?.length !== value.length)) return -1;
      if (kept) {
        out[name] = kept;
        n++;
      }
      continue;
    }
    const result = entry.handle(value, ctx);
    if (result === undefined) continue;
    out[name] = result;
    n++;
    if (entry.extensionsOf !== undefined) {
      const ext = primitiveExtensions(obj[entry.extensionsOf], ctx);
      if (ext) {
        out[entry.extensionsOf] = ext;
        n++;
      }
    }
  }
  return n;
}

/** The extensions the policy keeps by url; nested ones (parts of a complex extension) with them. */
function keptExtensions(value: unknown, ctx: Ctx, nested: boolean): JsonObject[] | undefined {
  if (!Array.isArray(value)) return undefined;
  let kept: JsonObject[] | undefined;
  for (const ext of value as unknown[]) {
    if (!isRecord(ext) || typeof ext.url !== 'string' || !urlKept(ext.url, ctx, nested)) continue;
    const out = keptExtension(ext, ext.url, ctx);
    if (out) (kept ??= []).push(out);
  }
  return kept;
}

/** Parts of a complex extension have relative urls (`code`); only the extension itself is listed. */
function urlKept(url: string, ctx: Ctx, nested: boolean): boolean {
  return ctx.engine.policy.extensions.has(url) || (nested && !url.includes(':'));
}

function keptExtension(ext: JsonObject, url: string, ctx: Ctx): JsonObject | undefined {
  const plan = extensionPlan(ctx.engine.model);
  if (!plan) return undefined;
  let out: JsonObject = { url };
  let n = walkInto(ext, plan, ctx, out);
  // Without the modifier extension it carries, nothing of the body goes out; its parts still may.
  if (n < 0) {
    out = { url };
    n = 0;
  }
  const parts = keptExtensions(ext.extension, ctx, true);
  if (parts) {
    out.extension = parts;
    n++;
  }
  return n > 0 ? out : undefined;
}

function primitiveExtensions(value: unknown, ctx: Ctx): JsonObject | undefined {
  if (!isRecord(value)) return undefined;
  const kept = keptExtensions(value.extension, ctx, false);
  return kept ? { extension: kept } : undefined;
}

/**
 * Dates shift by one offset per patient, so intervals within a client's record stay true. The
 * patient is the resource itself or the first Patient it references (in definition order); a
 * resource about no patient shifts by the series' offset for no patient.
 */
function dateOffset(ctx: Ctx): number {
  if (ctx.offset === undefined) {
    const { engine } = ctx;
    ctx.offset = engine.p.dateOffset(
      patientKey(ctx.resource, ctx.place, engine) ?? '',
      engine.policy.dates.shiftDays,
    );
  }
  return ctx.offset;
}
