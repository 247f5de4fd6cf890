/**
 * What the engine keeps while it works: per policy, key and model an `Engine` (the pseudonymiser,
 * which remembers pseudonyms, and memos of what the policy decides for code systems and uri
 * values, which come back again and again), and per resource a `Ctx` (the date mode of the rule
 * being applied and the patient's date offset, computed when a date is first shifted).
 */
import type { KeyObject } from 'node:crypto';
import type { DateMode } from './dates.js';
import { policyKey, type KeyRing } from './keys.js';
import { Memo } from './memo.js';
import type { Place, R4Model } from './model.js';
import type { CodeSystemRule, Policy } from './policy.js';
import type { PostcodeAreas } from './postcodes.js';
import {
  MEMO_SIZE,
  parseReference,
  pseudonymiser,
  pseudonymReference,
  type ParsedReference,
  type Pseudonymiser,
} from './pseudonyms.js';

export type JsonObject = Record<string, unknown>;

export interface PseudonymiseOptions {
  /**
   * The display a terminology gives a code. A display goes out only from here (and only for a
   * code system whose displays the policy allows), never as the sender wrote it.
   */
  displayOf?: (system: string, code: string) => string | undefined;
  /** The postcode areas decided for this export (`coarsenAreas`); without them, see `publishedArea`. */
  postcodeAreas?: PostcodeAreas;
  /** The R4 definitions (the shared default unless given); fixed for one options object. */
  model?: R4Model;
}

export interface Engine {
  readonly policy: Policy;
  readonly p: Pseudonymiser;
  readonly model: R4Model;
  readonly isResourceType: (type: string) => boolean;
  /** A literal reference, parsed; undefined when it is none. */
  parsed(ref: string): ParsedReference | undefined;
  /** A literal reference as it goes out (`Patient/<pseudonym>`); undefined when it is none. */
  reference(ref: string): string | undefined;
  /** The policy's rule for a code system; undefined when its codes do not go out. */
  codeSystem(system: string): CodeSystemRule | undefined;
  /** Whether a uri value is under a prefix of the policy's `uris` or `codeSystems`. */
  uriAllowed(value: string): boolean;
}

/** The state of one resource's walk. */
export interface Ctx {
  readonly engine: Engine;
  readonly options: PseudonymiseOptions;
  /** The date mode of the rule being applied; set for the duration of a `keep` rule. */
  dates: DateMode;
  /** The resource (and its place) whose patient decides the date offset. */
  readonly resource: JsonObject;
  readonly place: Place;
  offset: number | undefined;
}

/**
 * One engine per options object, policy and key: an export passes the same options for every
 * resource, so the engine's memos serve the whole export and go when the export does.
 */
const engines = new WeakMap<PseudonymiseOptions, WeakMap<Policy, WeakMap<KeyObject, Engine>>>();

export function engineOf(
  policy: Policy,
  keys: KeyRing,
  options: PseudonymiseOptions,
  model: R4Model,
): Engine {
  const secret = policyKey(policy, keys).secret;
  let byPolicy = engines.get(options);
  if (!byPolicy) {
    byPolicy = new WeakMap();
    engines.set(options, byPolicy);
  }
  let byKey = byPolicy.get(policy);
  if (!byKey) {
    byKey = new WeakMap();
    byPolicy.set(policy, byKey);
  }
  let engine = byKey.get(secret);
  if (!engine) {
    engine = createEngine(policy, pseudonymiser(secret, policy.key.series), model);
    byKey.set(secret, engine);
  }
  return engine;
}

function createEngine(policy: Policy, p: Pseudonymiser, model: R4Model): Engine {
  const isResourceType = (type: string): boolean => model.isResourceType(type);
  const parsed = (ref: string): ParsedReference | undefined => parseReference(ref, isResourceType);
  const systems = new Memo<CodeSystemRule | null>(1000);
  // References by their text: the same client or organisation is named again and again, and
  // the text as parsed from JSON is a cheaper key than the type and id joined again.
  const references = new Memo<string | null>(MEMO_SIZE);
  const uris = new Memo<boolean>(1000);
  const uriAllowed = (value: string): boolean =>
    policy.uris.some((prefix) => value.startsWith(prefix)) ||
    policy.codeSystems.some((r) => inCodeSystem(r, value));
  return {
    policy,
    p,
    model,
    isResourceType,
    parsed,
    reference: (ref) => {
      let out = references.get(ref);
      if (out === undefined) {
        const r = parsed(ref);
        out = references.set(ref, r ? pseudonymReference(r, p) : null);
      }
      return out ?? undefined;
    },
    codeSystem: (system) => {
      const found =
        systems.get(system) ??
        systems.set(system, policy.codeSystems.find((r) => inCodeSystem(r, system)) ?? null);
      return found ?? undefined;
    },
    uriAllowed: (value) => uris.get(value) ?? uris.set(value, uriAllowed(value)),
  };
}

function inCodeSystem(rule: CodeSystemRule, system: string): boolean {
  return rule.system !== undefined
    ? rule.system === system
    : rule.prefix !== undefined && system.startsWith(rule.prefix);
}
