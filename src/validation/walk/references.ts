/**
 * References during a walk: resolution inside the resource (contained), the Bundle (links for its
 * reachability rule) or the enclosing Parameters; unresolved local references, and every
 * unresolved one with referencesMustResolve; the target's type against the element's
 * targetProfile types, and its conformance to profiled targets (decided after the Bundle's walk
 * for its own entries).
 *
 * Spec: https://hl7.org/fhir/R4/references.html
 */
import { isRecord } from '../../fhir/records.js';
import { isExampleUrl } from '../compile/content-rules.js';
import type { ElementNode, TypeRef } from '../compile/element-tree.js';
import { clip } from '../compile/primitives.js';
import { elementSource } from '../issue-source.js';
import {
  addLink,
  parseReference,
  type PendingTarget,
  resolveContained,
  resolveInBundle,
  resolveInParameters,
} from '../references.js';
import { typeUrl, unversioned } from '../registry.js';
import type { Walker } from '../walk.js';

type Json = Record<string, unknown>;

/**
 * Reference targets: the type a reference points to (by resolution inside the resource or
 * Bundle, else by its URL) must be one of the element's targetProfile types.
 * Spec: https://hl7.org/fhir/R4/references.html
 */
export function checkReference(w: Walker, value: Json, el: ElementNode, type: TypeRef): void {
  const ref = value.reference;
  if (typeof ref !== 'string') return;
  const parsed = parseReference(ref, w.isType);
  const resolved = resolveParsed(w, parsed);
  const frame = w.frame;
  if (resolved && frame?.bundle && frame.entry && parsed.kind !== 'local') {
    addLink(frame.bundle, frame.entry, resolved);
  }
  if (parsed.kind === 'local' && parsed.id !== '' && !resolved) {
    w.path.push('.reference');
    w.report('error', 'not-found', `Unable to resolve resource with reference '${clip(ref)}'`);
    w.path.pop();
    return;
  }
  if (!resolved && w.options.referencesMustResolve && !resolvesWithin(w, parsed, ref)) {
    w.report('error', 'not-found', `Unable to resolve resource with reference '${clip(ref)}'`);
    return;
  }
  const foundType =
    resolved && typeof resolved.resourceType === 'string' ? resolved.resourceType : parsed.type;
  if (!foundType || type.targetProfiles.length === 0) return;
  // Unknown target profiles could be of any type: then the target type cannot be checked.
  const allowedTypes = w.env.compiler.targetTypes(type);
  if (!allowedTypes) return;
  if (
    allowedTypes.has('Resource') ||
    allowedTypes.has(foundType) ||
    (allowedTypes.has('DomainResource') &&
      foundType !== 'Bundle' &&
      foundType !== 'Parameters' &&
      foundType !== 'Binary')
  ) {
    if (resolved) checkTargetProfiles(w, resolved, foundType, el, type);
    return;
  }
  const how = resolved ? `found by resolving '${clip(ref)}'` : `implied by the reference URL ${clip(ref)}`;
  w.reportEl(
    el,
    'types',
    'error',
    'structure',
    `The type '${foundType}' ${how} is not a valid Target for this element (must be one of [${[...allowedTypes].join(', ')}])`,
  );
}

/** A resolved target must conform to one of the target profiles of its type (when any are profiles). */
function checkTargetProfiles(
  w: Walker,
  target: Json,
  foundType: string,
  el: ElementNode,
  type: TypeRef,
): void {
  if (!w.env.compiler.hasProfiledTargets(type)) return;
  const ofType = type.targetProfiles.filter((tp) => w.env.compiler.tree(tp)?.sd.type === foundType);
  if (ofType.length === 0 || ofType.some((tp) => unversioned(tp) === typeUrl(foundType))) return;
  if (w.depth > 16) return;
  const bundle = w.frame?.bundle;
  if (bundle?.fullUrlOf.has(target)) {
    // An entry of the Bundle being walked: decided when the Bundle has been walked, from the
    // entry's own validation where that covers the profile.
    (bundle.pendingTargets ??= []).push({
      target,
      foundType,
      profiles: ofType,
      path: w.path.toString(),
      source: w.sink.sources ? elementSource(el, 'types', w.env.compiler) : undefined,
    });
    return;
  }
  if (!ofType.some((tp) => w.conforms(target, foundType, tp))) {
    w.reportEl(el, 'types', 'error', 'structure', targetMismatch(ofType, foundType));
  }
}

export function checkPendingTargets(w: Walker, pending: readonly PendingTarget[]): void {
  for (const p of pending) {
    if (!p.profiles.some((tp) => w.conforms(p.target, p.foundType, tp))) {
      w.sink.add('error', 'structure', targetMismatch(p.profiles, p.foundType), p.path, undefined, p.source);
    }
  }
}

function resolveParsed(w: Walker, parsed: ReturnType<typeof parseReference>): Json | undefined {
  const frame = w.frame;
  if (!frame) return undefined;
  if (parsed.kind === 'local') return parsed.id ? resolveContained(frame.root, parsed.id) : frame.root;
  if (!frame.bundle) return undefined;
  return resolveInBundle(frame.bundle, parsed, frame.fullUrl, w.isType);
}

/**
 * For referencesMustResolve: a reference the Bundle does not resolve may name a resource of the
 * enclosing Parameters (https://hl7.org/fhir/R4/parameters.html), or an example domain while
 * those are allowed (as the Java validator accepts them).
 */
function resolvesWithin(w: Walker, parsed: ReturnType<typeof parseReference>, ref: string): boolean {
  if (w.options.allowExampleUrls && isExampleUrl(ref)) return true;
  const parameters = w.frame?.parameters;
  return parameters !== undefined && resolveInParameters(parameters, parsed) !== undefined;
}

export function resolveReferenceValue(w: Walker, ref: unknown): Json | undefined {
  if (!isRecord(ref) || typeof ref.reference !== 'string') return undefined;
  return resolveParsed(w, parseReference(ref.reference, w.isType));
}

function targetMismatch(profiles: readonly string[], foundType: string): string {
  return `Unable to find a match for profile(s) ${profiles.join(', ')} among the resource the reference points to (${foundType})`;
}
