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
 */
import type { Resource } from '@medplum/fhirtypes';
import { isDateType, transformDate, type DateMode } from './dates.js';
import { policyKey, type KeyRing } from './keys.js';
import { capitalize, isRecord, r4Model, type Child, type Place, type R4Model } from './model.js';
import {
  FREE_TEXT_TYPES,
  NEVER_KEPT_TYPES,
  URI_TYPES,
  type CodeSystemRule,
  type Policy,
  type Rule,
  type TypePolicy,
} from './policy.js';
import { publishedArea, type PostcodeAreas } from './postcodes.js';
import {
  parseReference,
  pseudonymiser,
  pseudonymReference,
  PSEUDONYM_SYSTEM,
  type Pseudonymiser,
} from './pseudonyms.js';

type JsonObject = Record<string, unknown>;

export interface PseudonymiseOptions {
  /**
   * The display a terminology gives a code. A display goes out only from here (and only for a
   * code system whose displays the policy allows), never as the sender wrote it.
   */
  displayOf?: (system: string, code: string) => string | undefined;
  /** The postcode areas decided for this export (`coarsenAreas`); without them, see `publishedArea`. */
  postcodeAreas?: PostcodeAreas;
  model?: R4Model;
}

interface Ctx {
  readonly policy: Policy;
  readonly p: Pseudonymiser;
  readonly model: R4Model;
  readonly options: PseudonymiseOptions;
  readonly typePolicy: TypePolicy;
  /** The date mode of the rule being applied. */
  readonly dates: DateMode;
  /** The patient's date offset, computed when a date is first shifted. */
  readonly offset: () => number;
}

type ChildFn = (value: unknown, child: Child, ctx: Ctx) => unknown;

/** Elements of a resource the engine sets itself. */
const RESOURCE_OWN = new Set(['resourceType', 'id', 'meta', 'text']);
const NOTHING = new Set<string>();

/**
 * The resource as the policy's recipient may see it, or undefined when its type does not go out
 * (or it carries a modifier extension the policy does not know).
 */
export function pseudonymise(
  resource: Resource | JsonObject,
  policy: Policy,
  keys: KeyRing,
  options: PseudonymiseOptions = {},
): Resource | undefined {
  const p = pseudonymiserOf(policy, keys);
  const out = walkResource(resource, { policy, p, model: options.model ?? r4Model(), options }, false);
  // The walk builds only what the R4 definitions describe for this resource type.
  return out as Resource | undefined;
}

/** One pseudonymiser per policy and key, so its memory of pseudonyms serves every resource of an export. */
const pseudonymisers = new WeakMap<Policy, WeakMap<object, Pseudonymiser>>();

function pseudonymiserOf(policy: Policy, keys: KeyRing): Pseudonymiser {
  const secret = policyKey(policy, keys).secret;
  let byKey = pseudonymisers.get(policy);
  if (!byKey) {
    byKey = new WeakMap();
    pseudonymisers.set(policy, byKey);
  }
  let p = byKey.get(secret);
  if (!p) {
    p = pseudonymiser(secret, policy.key.series);
    byKey.set(secret, p);
  }
  return p;
}

type BaseCtx = Pick<Ctx, 'policy' | 'p' | 'model' | 'options'>;

function walkResource(json: unknown, base: BaseCtx, contained: boolean): JsonObject | undefined {
  if (!isRecord(json) || typeof json.resourceType !== 'string') return undefined;
  const type = json.resourceType;
  const typePolicy = base.policy.types.get(type);
  const place = base.model.isResourceType(type) ? base.model.root(type) : undefined;
  if (!typePolicy || !place) return undefined;
  const ctx: Ctx = {
    ...base,
    typePolicy,
    dates: base.policy.dates.default,
    offset: lazyOffset(json, place, base),
  };
  const body = walkObject(json, place, ctx, ruleChild, RESOURCE_OWN);
  if (body === undefined) return undefined;
  const out: JsonObject = { resourceType: type };
  if (typeof json.id === 'string')
    out.id = contained ? ctx.p.localId(json.id) : ctx.p.resourceId(type, json.id);
  const meta = profilesOnly(json.meta, ctx);
  if (meta) out.meta = meta;
  return { ...out, ...body };
}

/**
 * The children of an object, each through `childFn`; extensions by url. Undefined when the object
 * carries a modifier extension the policy does not keep: the object must not go out without it.
 */
function walkObject(
  obj: JsonObject,
  place: Place,
  ctx: Ctx,
  childFn: ChildFn,
  skip = NOTHING,
): JsonObject | undefined {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(obj)) {
    if (skip.has(name) || name.startsWith('_')) continue;
    if (name === 'extension' || name === 'modifierExtension') {
      const kept = keptExtensions(value, ctx, false);
      if (name === 'modifierExtension' && (!Array.isArray(value) || kept?.length !== value.length))
        return undefined;
      if (kept) out[name] = kept;
      continue;
    }
    const child = ctx.model.child(place, name);
    if (!child) continue;
    const result = childFn(value, child, ctx);
    if (result === undefined) continue;
    out[name] = result;
    if (child.content.kind === 'primitive' && !child.def.repeats) {
      const ext = primitiveExtensions(obj[`_${name}`], ctx);
      if (ext) out[`_${name}`] = ext;
    }
  }
  return out;
}

/** At the resource and BackboneElement levels: the policy's rule, or nothing. */
function ruleChild(value: unknown, child: Child, ctx: Ctx): unknown {
  const { rules, containers } = ctx.typePolicy;
  const content = child.content;
  if (
    content.kind === 'backbone' &&
    (containers.has(child.def.path) || rules.get(child.def.path)?.kind === 'keep')
  ) {
    return items(value, child.def.repeats, (item) =>
      isRecord(item) ? nonEmpty(walkObject(item, content.place, ctx, ruleChild)) : undefined,
    );
  }
  const rule = rules.get(`${child.def.path}|${child.type}`) ?? rules.get(child.def.path);
  if (!rule) return undefined;
  return items(value, child.def.repeats, (item) => applyRule(item, child, rule, ctx));
}

function applyRule(value: unknown, child: Child, rule: Rule, ctx: Ctx): unknown {
  switch (rule.kind) {
    case 'keep':
      return keepItem(value, child, rule.dates === ctx.dates ? ctx : { ...ctx, dates: rule.dates });
    case 'hash':
      return hashed(value, child.type, ctx, rule.public);
    case 'postcode':
      return child.type === 'Address' && isRecord(value) ? postcodeOnly(value, ctx) : undefined;
    case 'allow':
      return typeof value === 'string' && rule.values.has(value) ? value : undefined;
    default:
      return rule satisfies never;
  }
}

/** Inside datatypes (and for `keep`): what the type allows, for each item of the element. */
function keepChild(value: unknown, child: Child, ctx: Ctx): unknown {
  return items(value, child.def.repeats, (v) => keepItem(v, child, ctx));
}

function keepItem(value: unknown, child: Child, ctx: Ctx): unknown {
  const content = child.content;
  switch (content.kind) {
    case 'primitive':
      if (REFERENCE_URIS.has(child.def.path))
        return typeof value === 'string' ? pseudoUri(value, ctx) : undefined;
      return keepPrimitive(value, child.type, ctx);
    case 'resource':
      return walkResource(value, ctx, child.def.name === 'contained');
    case 'backbone':
      return isRecord(value) ? nonEmpty(walkObject(value, content.place, ctx, keepChild)) : undefined;
    case 'datatype':
      return isRecord(value) ? keepDatatype(value, child.type, content.place, ctx) : undefined;
    default:
      return content satisfies never;
  }
}

/** uri elements that name a resource, as a reference does: rewritten like one. */
const REFERENCE_URIS = new Set(['Bundle.entry.fullUrl']);

/** A fullUrl must stay absolute: a RESTful one becomes the `urn:uuid:` of its pseudonymised id. */
function pseudoUri(value: string, ctx: Ctx): string | undefined {
  const parsed = parseReference(value, isResource(ctx));
  if (parsed?.kind === 'urn') return ctx.p.urn(parsed.urn);
  if (parsed?.kind === 'resource') return ctx.p.urn(`${parsed.type}/${parsed.id}`);
  return undefined;
}

function keepPrimitive(value: unknown, type: string, ctx: Ctx): unknown {
  if (isDateType(type))
    return typeof value === 'string' ? transformDate(value, type, ctx.dates, datesOffset(ctx)) : undefined;
  if (NEVER_KEPT_TYPES.has(type) || FREE_TEXT_TYPES.has(type)) return undefined;
  if (URI_TYPES.has(type))
    return typeof value === 'string' && uriAllowed(value, ctx.policy) ? value : undefined;
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'integer':
    case 'decimal':
    case 'positiveInt':
    case 'unsignedInt':
      return typeof value === 'number' ? value : undefined;
    case 'code':
    case 'time':
      return typeof value === 'string' ? value : undefined;
    default:
      return undefined;
  }
}

function datesOffset(ctx: Ctx): number {
  return ctx.dates === 'shift' ? ctx.offset() : 0;
}

function keepDatatype(value: JsonObject, type: string, place: Place, ctx: Ctx): unknown {
  switch (type) {
    case 'Identifier':
      return pseudoIdentifier(value, ctx);
    case 'Reference':
      return pseudoReference(value, ctx);
    case 'Coding':
      return coding(value, ctx);
    case 'CodeableConcept':
      return codeableConcept(value, ctx);
    case 'Meta':
      return profilesOnly(value, ctx);
    case 'Address':
    case 'Extension':
      // Addresses go out only through the postcode rule, extensions only by url.
      return undefined;
    default:
      return NEVER_KEPT_TYPES.has(type) ? undefined : nonEmpty(walkObject(value, place, ctx, keepChild));
  }
}

function hashed(value: unknown, type: string, ctx: Ctx, publicSystems?: ReadonlySet<string>): unknown {
  if (type === 'Identifier') return isRecord(value) ? pseudoIdentifier(value, ctx, publicSystems) : undefined;
  return typeof value === 'string' ? ctx.p.text(value) : undefined;
}

/**
 * system and value become one keyed pseudonym; the type of identifier stays (as codes). Systems the
 * rule lists as public registers (AGB, URA of organisations) go out as they are.
 */
function pseudoIdentifier(
  value: JsonObject,
  ctx: Ctx,
  publicSystems?: ReadonlySet<string>,
): JsonObject | undefined {
  if (typeof value.value !== 'string') return undefined;
  const system = typeof value.system === 'string' ? value.system : '';
  const out: JsonObject = {};
  if (typeof value.use === 'string') out.use = value.use;
  const type = isRecord(value.type) ? codeableConcept(value.type, ctx) : undefined;
  if (type) out.type = type;
  if (publicSystems?.has(system)) return { ...out, system, value: value.value };
  out.system = PSEUDONYM_SYSTEM;
  out.value = ctx.p.identifier(system, value.value);
  return out;
}

/** The link survives, rewritten; the display (often a name) does not. */
function pseudoReference(value: JsonObject, ctx: Ctx): JsonObject | undefined {
  const out: JsonObject = {};
  const parsed =
    typeof value.reference === 'string' ? parseReference(value.reference, isResource(ctx)) : undefined;
  if (parsed) out.reference = pseudonymReference(parsed, ctx.p);
  if (
    typeof value.type === 'string' &&
    (ctx.model.isResourceType(value.type) || uriAllowed(value.type, ctx.policy))
  ) {
    out.type = value.type;
  }
  const identifier = isRecord(value.identifier) ? pseudoIdentifier(value.identifier, ctx) : undefined;
  if (identifier) out.identifier = identifier;
  return nonEmpty(out);
}

function codeableConcept(value: JsonObject, ctx: Ctx): JsonObject | undefined {
  if (!Array.isArray(value.coding)) return undefined;
  const codings = value.coding
    .map((c) => (isRecord(c) ? coding(c, ctx) : undefined))
    .filter((c) => c !== undefined);
  return codings.length > 0 ? { coding: codings } : undefined;
}

function coding(value: JsonObject, ctx: Ctx): JsonObject | undefined {
  const { system, code } = value;
  if (typeof system !== 'string' || typeof code !== 'string') return undefined;
  const rule = ctx.policy.codeSystems.find((r) => inCodeSystem(r, system));
  if (!rule) return undefined;
  const out: JsonObject = { system, code };
  const display = rule.display ? ctx.options.displayOf?.(system, code) : undefined;
  if (display) out.display = display;
  if (typeof value.userSelected === 'boolean') out.userSelected = value.userSelected;
  return out;
}

function profilesOnly(meta: unknown, ctx: Ctx): JsonObject | undefined {
  if (!isRecord(meta) || !Array.isArray(meta.profile)) return undefined;
  const profiles = meta.profile.filter(
    (p): p is string => typeof p === 'string' && uriAllowed(p, ctx.policy),
  );
  return profiles.length > 0 ? { profile: profiles } : undefined;
}

function postcodeOnly(address: JsonObject, ctx: Ctx): JsonObject | undefined {
  if (typeof address.postalCode !== 'string') return undefined;
  const area = publishedArea(address.postalCode, ctx.policy.postcode, ctx.options.postcodeAreas);
  if (!area) return undefined;
  const out: JsonObject = {};
  if (typeof address.use === 'string') out.use = address.use;
  if (typeof address.type === 'string') out.type = address.type;
  out.postalCode = area;
  return out;
}

/** The extensions the policy keeps by url; nested ones (parts of a complex extension) with them. */
function keptExtensions(value: unknown, ctx: Ctx, nested: boolean): JsonObject[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const kept = value
    .map((ext) =>
      isRecord(ext) && typeof ext.url === 'string' && urlKept(ext.url, ctx, nested)
        ? keptExtension(ext, ext.url, ctx)
        : undefined,
    )
    .filter((e) => e !== undefined);
  return kept.length > 0 ? kept : undefined;
}

/** Parts of a complex extension have relative urls (`code`); only the extension itself is listed. */
function urlKept(url: string, ctx: Ctx, nested: boolean): boolean {
  return ctx.policy.extensions.has(url) || (nested && !url.includes(':'));
}

function keptExtension(ext: JsonObject, url: string, ctx: Ctx): JsonObject | undefined {
  const place = ctx.model.root('Extension');
  if (!place) return undefined;
  const body = walkObject(ext, place, ctx, keepChild, EXTENSION_OWN) ?? {};
  const parts = keptExtensions(ext.extension, ctx, true);
  if (parts) body.extension = parts;
  return Object.keys(body).length > 0 ? { url, ...body } : undefined;
}
const EXTENSION_OWN = new Set(['url', 'extension']);

function primitiveExtensions(value: unknown, ctx: Ctx): JsonObject | undefined {
  if (!isRecord(value)) return undefined;
  const kept = keptExtensions(value.extension, ctx, false);
  return kept ? { extension: kept } : undefined;
}

function uriAllowed(value: string, policy: Policy): boolean {
  return (
    policy.uris.some((prefix) => value.startsWith(prefix)) ||
    policy.codeSystems.some((r) => inCodeSystem(r, value))
  );
}

function inCodeSystem(rule: CodeSystemRule, system: string): boolean {
  return rule.system !== undefined
    ? rule.system === system
    : rule.prefix !== undefined && system.startsWith(rule.prefix);
}

function isResource(ctx: Ctx): (type: string) => boolean {
  return (type) => ctx.model.isResourceType(type);
}

/** Repeating elements are arrays, others are not; a value of the wrong shape does not go out. */
function items(value: unknown, repeats: boolean, f: (item: unknown) => unknown): unknown {
  if (!repeats) return Array.isArray(value) ? undefined : f(value);
  if (!Array.isArray(value)) return undefined;
  const out = value.map(f).filter((v) => v !== undefined);
  return out.length > 0 ? out : undefined;
}

function nonEmpty(obj: JsonObject | undefined): JsonObject | undefined {
  return obj && Object.keys(obj).length > 0 ? obj : undefined;
}

/**
 * Dates shift by one offset per patient, so intervals within a client's record stay true. The
 * patient is the resource itself or the first Patient it references (in definition order); a
 * resource about no patient shifts by the series' offset for no patient.
 */
function lazyOffset(json: JsonObject, place: Place, base: BaseCtx): () => number {
  let offset: number | undefined;
  return () => {
    offset ??= base.p.dateOffset(patientKey(json, place, base) ?? '', base.policy.dates.shiftDays);
    return offset;
  };
}

function patientKey(json: JsonObject, place: Place, base: Pick<BaseCtx, 'model'>): string | undefined {
  if (json.resourceType === 'Patient' && typeof json.id === 'string') return `Patient/${json.id}`;
  return findPatient(json, place, base.model, 3);
}

function findPatient(obj: JsonObject, place: Place, model: R4Model, depth: number): string | undefined {
  for (const def of model.elements(place)) {
    if (def.name === 'contained') continue;
    for (const type of def.types) {
      const child = model.childOf(place, def, type);
      const value = obj[def.choice ? `${def.name}${capitalize(type)}` : def.name];
      if (!child || value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) {
        if (!isRecord(item)) continue;
        const found =
          child.type === 'Reference'
            ? patientOfReference(item, model)
            : child.content.kind === 'backbone' && depth > 1
              ? findPatient(item, child.content.place, model, depth - 1)
              : undefined;
        if (found) return found;
      }
    }
  }
  return undefined;
}

function patientOfReference(ref: JsonObject, model: R4Model): string | undefined {
  if (typeof ref.reference !== 'string') return undefined;
  const parsed = parseReference(ref.reference, (t) => model.isResourceType(t));
  if (parsed?.kind === 'resource' && parsed.type === 'Patient') return `Patient/${parsed.id}`;
  if (parsed?.kind === 'urn' && ref.type === 'Patient') return parsed.urn;
  return undefined;
}
