/**
 * A resource as a whole: which trees it is walked against (its type, meta.profile, the profiles
 * asked for, vital signs and ImplementationGuide.global), the rules of FHIR on resources that no
 * element states (id, canonical URL, Bundle rules, StructureDefinitions), the semantic modules
 * (questionnaire answers, resource rules), and a resource nested in another (contained, Bundle
 * entries, Parameters), whose type must be allowed where it sits.
 *
 * Spec: https://hl7.org/fhir/R4/resource.html, https://hl7.org/fhir/R4/references.html#contained
 */
import type { OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { isRecord } from '../../fhir/records.js';
import { validateBundleRules } from '../bundle.js';
import type { CompiledTree, ElementNode, TypeRef } from '../compile/element-tree.js';
import { vitalSignsProfile } from '../compile/implied-profiles.js';
import { checkResourceId, clip } from '../compile/primitives.js';
import { checkStructureDefinition } from '../compile/sd-checks.js';
import { baseSource } from '../issue-source.js';
import { resolveContained } from '../references.js';
import type { Walker } from '../walk.js';
import { jsonKind } from './structure.js';
import { isAbsoluteUrl } from './values.js';

type Json = Record<string, unknown>;

const NO_PROFILES: readonly string[] = Object.freeze([]);

/** The trees to walk: the base type (unless a profile of the same type covers it) and each profile. */
export function profilesFor(
  w: Walker,
  res: Json,
  rt: string,
  extra: readonly string[],
): readonly CompiledTree[] {
  const meta = isRecord(res.meta) ? res.meta : undefined;
  const implied = impliedProfiles(w, res, rt);
  if (
    extra.length === 0 &&
    implied.length === 0 &&
    !(meta && Array.isArray(meta.profile) && meta.profile.length > 0)
  ) {
    return w.env.compiler.baseTrees(rt);
  }
  const urls: { url: string; explicit: boolean }[] = [];
  if (meta && Array.isArray(meta.profile)) {
    for (const p of meta.profile) if (typeof p === 'string') urls.push({ url: p, explicit: false });
  }
  for (const p of extra) urls.push({ url: p, explicit: true });
  for (const p of implied) urls.push({ url: p, explicit: false });
  const trees: CompiledTree[] = [];
  let coversBase = false;
  const seen = new Set<string>();
  for (const { url, explicit } of urls) {
    if (seen.has(url)) continue;
    seen.add(url);
    const tree = w.env.compiler.tree(url);
    if (!tree) {
      const problem = w.env.compiler.registry.snapshotProblem(url);
      if (problem) w.reportDef(url, 'error', 'processing', `Profile ${url} cannot be used: ${problem}`);
      else if (explicit)
        w.reportDef(
          url,

          'error',
          'not-found',
          `Profile ${url} is unknown, so the resource could not be validated against it`,
        );
      else
        w.reportDef(
          url,

          'warning',
          'not-found',
          `Profile reference '${url}' has not been checked because it is unknown`,
        );
      continue;
    }
    if (tree.sd.type !== rt) {
      w.reportDef(
        url,
        'error',
        'invalid',
        `Profile ${url} is for the type ${tree.sd.type ?? '?'}, not ${rt}`,
      );
      continue;
    }
    if (tree.sd.derivation === 'constraint') coversBase = true;
    trees.push(tree);
  }
  if (!coversBase) {
    const base = w.env.compiler.typeTree(rt);
    if (base) trees.unshift(base);
  }
  return trees;
}

/** Profiles that apply without being claimed (vital signs, ImplementationGuide.global). */
function impliedProfiles(w: Walker, res: Json, rt: string): readonly string[] {
  const global = w.env.globalProfiles(rt);
  const vital = rt === 'Observation' ? vitalSignsProfile(res) : undefined;
  return vital ? [...global, vital] : global;
}

export function checkResourceSpecifics(
  w: Walker,
  res: Json,
  rt: string,
  kind: 'root' | 'contained' | 'entry',
): void {
  if (typeof res.id === 'string') {
    const problem = checkResourceId(res.id);
    if (problem) {
      w.path.push('.id');
      w.report('error', 'invalid', problem, undefined, baseSource(`${rt}.id`));
      w.path.pop();
    }
  } else if (kind === 'contained') {
    w.report('error', 'required', 'Contained resources SHALL have an id', undefined, baseSource(rt));
  }
  if (rt === 'Bundle' && w.frame?.bundle) {
    validateBundleRules(
      res,
      w.frame.bundle,
      (severity, code, message, relPath) => {
        const size = w.path.size;
        if (relPath) w.path.push(relPath);
        w.report(severity, code, message, undefined, baseSource('Bundle'));
        w.path.reset(size);
      },
      (name) => w.isResourceType(name),
    );
  }
  if (rt === 'QuestionnaireResponse') checkQuestionnaireResponse(w, res);
  const rules = w.env.hooks.resourceRules;
  if (rules && (w.env.hooks.resourceRuleTypes?.has(rt) ?? true))
    addHookIssues(w, () => rules(res, w.path.toString()));
  if (rt === 'StructureDefinition') {
    const registry = w.env.compiler.registry;
    checkStructureDefinition(
      res as unknown as StructureDefinition,
      (u) => registry.get(u),
      (severity, message, rel) => {
        const size = w.path.size;
        if (rel) w.path.push(rel);
        w.report(severity, 'invalid', message, undefined, baseSource('StructureDefinition'));
        w.path.reset(size);
      },
    );
  }
  checkCanonicalUrl(w, res, rt, kind);
}

/**
 * The canonical URL of a conformance resource is absolute (or, contained, absent).
 * Spec: https://hl7.org/fhir/R4/resource.html#canonical
 */
function checkCanonicalUrl(w: Walker, res: Json, rt: string, kind: 'root' | 'contained' | 'entry'): void {
  const url = res.url;
  if (typeof url !== 'string' || isAbsoluteUrl(url)) return;
  if (w.env.compiler.typeTree(rt)?.root.child('url')?.types[0]?.code !== 'uri') return;
  w.path.push('.url');
  w.report(
    'error',
    'invalid',
    kind === 'contained'
      ? `Canonical URLs in contained resources must be absolute URLs if present (${clip(url)})`
      : `Canonical URLs must be absolute URLs if they are not fragment references (${clip(url)})`,
    undefined,
    baseSource(`${rt}.url`),
  );
  w.path.pop();
}

function checkQuestionnaireResponse(w: Walker, qr: Json): void {
  const hook = w.env.hooks.questionnaire;
  const ref = qr.questionnaire;
  if (!hook || typeof ref !== 'string') return;
  const q = ref.startsWith('#')
    ? resolveContained(qr, ref.slice(1))
    : (w.env.questionnaire(ref) ?? questionnaireInBundle(w, ref));
  if (!q) {
    w.path.push('.questionnaire');
    w.report(
      'warning',
      'not-found',
      `The questionnaire '${ref}' could not be resolved, so the answers cannot be checked against it`,
    );
    w.path.pop();
    return;
  }
  const basePath = w.path.toString();
  addHookIssues(w, () => hook(qr, q, basePath));
}

/** A Questionnaire in the Bundle being walked, by its canonical URL (with or without version). */
function questionnaireInBundle(w: Walker, ref: string): Json | undefined {
  const bundle = w.frame?.bundle?.bundle;
  if (!bundle || !Array.isArray(bundle.entry)) return undefined;
  const [url, version] = ref.split('|');
  for (const e of bundle.entry) {
    const r = isRecord(e) ? e.resource : undefined;
    if (!isRecord(r) || r.resourceType !== 'Questionnaire' || r.url !== url) continue;
    if (version === undefined || r.version === version) return r;
  }
  return undefined;
}

/** Issues found by a semantic module; a failure there is reported, never thrown. */
function addHookIssues(w: Walker, run: () => readonly OperationOutcomeIssue[]): void {
  try {
    for (const i of run()) {
      w.sink.issues.push(i);
      if (i.severity === 'error' || i.severity === 'fatal') w.sink.errors++;
    }
  } catch {
    w.report(
      'error',
      'exception',
      'Part of the content could not be checked (internal error in a semantic check)',
    );
  }
}

export function walkNestedResource(w: Walker, value: unknown, el: ElementNode, type: TypeRef): void {
  if (!isRecord(value)) {
    w.report('error', 'structure', `A resource must be a JSON object, not ${jsonKind(value)}`);
    return;
  }
  const rt = w.concreteResourceType(value, 'error');
  if (rt === undefined) return;
  let anyType = false;
  let domain = false;
  let listed = false;
  let profiles: readonly string[] = NO_PROFILES;
  for (const t of el.types) {
    if (t.code === 'Resource') anyType = true;
    else if (t.code === 'DomainResource') domain = true;
    else if (t.code !== rt) continue;
    else listed = true;
    if (t.profiles.length > 0) profiles = profiles.length === 0 ? t.profiles : [...profiles, ...t.profiles];
  }
  if (!anyType && !listed && !(domain && rt !== 'Bundle' && rt !== 'Parameters' && rt !== 'Binary')) {
    w.reportEl(
      el,
      'types',
      'error',
      'structure',
      `A resource of type ${rt} is not allowed here (allowed: ${el.types.map((t) => t.code).join(', ')})`,
    );
    return;
  }
  const kind = el.path.endsWith('.contained') ? 'contained' : 'entry';
  if (kind === 'contained' && !w.options.validateContained) return;
  w.validateResource(value, profiles.length > 0 ? profiles : type.profiles, kind);
}
