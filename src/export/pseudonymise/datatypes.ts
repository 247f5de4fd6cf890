/**
 * The datatypes the engine rewrites rather than walks: Identifier (a keyed pseudonym), Reference
 * (the link, rewritten through the same keyed hash; never the display), Coding and
 * CodeableConcept (codes of the policy's code systems, with the terminology's display), Meta (its
 * profiles), Address (its postcode area) and a Bundle's fullUrl. Each builds the little that goes
 * out and reads nothing else.
 */
import { isRecord } from './model.js';
import type { Ctx, JsonObject } from './context.js';
import { publishedArea } from './postcodes.js';
import { PSEUDONYM_SYSTEM } from './pseudonyms.js';

/**
 * system and value become one keyed pseudonym; the type of identifier stays (as codes). Systems the
 * rule lists as public registers (AGB, URA of organisations) go out as they are.
 */
export function pseudoIdentifier(
  value: JsonObject,
  ctx: Ctx,
  publicSystems?: ReadonlySet<string>,
): JsonObject | undefined {
  const v = value.value;
  if (typeof v !== 'string') return undefined;
  const system = typeof value.system === 'string' ? value.system : '';
  const out: JsonObject = {};
  if (typeof value.use === 'string') out.use = value.use;
  const type = isRecord(value.type) ? codeableConcept(value.type, ctx) : undefined;
  if (type) out.type = type;
  if (publicSystems?.has(system)) {
    out.system = system;
    out.value = v;
    return out;
  }
  out.system = PSEUDONYM_SYSTEM;
  out.value = ctx.engine.p.identifier(system, v);
  return out;
}

/** The link survives, rewritten; the display (often a name) does not. */
export function pseudoReference(value: JsonObject, ctx: Ctx): JsonObject | undefined {
  const { engine } = ctx;
  let out: JsonObject | undefined;
  const reference = typeof value.reference === 'string' ? engine.reference(value.reference) : undefined;
  if (reference !== undefined) out = { reference };
  const type = value.type;
  if (typeof type === 'string' && (engine.isResourceType(type) || engine.uriAllowed(type))) {
    (out ??= {}).type = type;
  }
  const identifier = isRecord(value.identifier) ? pseudoIdentifier(value.identifier, ctx) : undefined;
  if (identifier) (out ??= {}).identifier = identifier;
  return out;
}

/** A fullUrl must stay absolute: a RESTful one becomes the `urn:uuid:` of its pseudonymised id. */
export function pseudoUri(value: string, ctx: Ctx): string | undefined {
  const { engine } = ctx;
  const parsed = engine.parsed(value);
  if (parsed?.kind === 'urn') return engine.p.urn(parsed.urn);
  if (parsed?.kind === 'resource') return engine.p.urn(`${parsed.type}/${parsed.id}`);
  return undefined;
}

export function codeableConcept(value: JsonObject, ctx: Ctx): JsonObject | undefined {
  const codings = value.coding;
  if (!Array.isArray(codings)) return undefined;
  let out: JsonObject[] | undefined;
  for (const c of codings) {
    const kept = isRecord(c) ? coding(c, ctx) : undefined;
    if (kept) (out ??= []).push(kept);
  }
  return out ? { coding: out } : undefined;
}

export function coding(value: JsonObject, ctx: Ctx): JsonObject | undefined {
  const { system, code } = value;
  if (typeof system !== 'string' || typeof code !== 'string') return undefined;
  const rule = ctx.engine.codeSystem(system);
  if (!rule) return undefined;
  const out: JsonObject = { system, code };
  const display = rule.display ? ctx.options.displayOf?.(system, code) : undefined;
  if (display) out.display = display;
  if (typeof value.userSelected === 'boolean') out.userSelected = value.userSelected;
  return out;
}

export function profilesOnly(meta: unknown, ctx: Ctx): JsonObject | undefined {
  if (!isRecord(meta) || !Array.isArray(meta.profile)) return undefined;
  let profiles: string[] | undefined;
  for (const p of meta.profile as unknown[]) {
    if (typeof p === 'string' && ctx.engine.uriAllowed(p)) (profiles ??= []).push(p);
  }
  return profiles ? { profile: profiles } : undefined;
}

export function postcodeOnly(address: JsonObject, ctx: Ctx): JsonObject | undefined {
  if (typeof address.postalCode !== 'string') return undefined;
  const area = publishedArea(address.postalCode, ctx.engine.policy.postcode, ctx.options.postcodeAreas);
  if (!area) return undefined;
  const out: JsonObject = {};
  if (typeof address.use === 'string') out.use = address.use;
  if (typeof address.type === 'string') out.type = address.type;
  out.postalCode = area;
  return out;
}
