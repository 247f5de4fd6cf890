/**
 * Extensions: the definition of each comes from its slice's type profile or from its url (an
 * unknown url is an error, or information for tooling and example domains), its value and
 * children are walked against that definition, and it must be used where its context allows and
 * as a modifier extension exactly when it is one.
 *
 * Spec: https://hl7.org/fhir/R4/extensibility.html, https://hl7.org/fhir/R4/defining-extensions.html#context
 */
import { isExampleUrl } from '../compile/content-rules.js';
import type { ElementNode, TypeRef } from '../compile/element-tree.js';
import { clip } from '../compile/primitives.js';
import { unversioned } from '../registry.js';
import type { Walker } from '../walk.js';
import { checkConstraints } from './invariants.js';
import { isAbsoluteUrl } from './values.js';

type Json = Record<string, unknown>;

/**
 * Extension URLs the HL7 validator accepts without a definition: tooling domains, and example
 * domains while examples are allowed.
 */
function unknownExtensionAllowed(url: string, allowExamples: boolean): boolean {
  return (
    (allowExamples && isExampleUrl(url)) ||
    NEMA.test(url) ||
    url.startsWith('http://hl7.org/fhir/tools/StructureDefinition/')
  );
}

const NEMA = /^https?:\/\/([a-z0-9-]+\.)*nema\.org(\/|$)/i;

/** Extensions: the definition comes from the slice's type profile or from the url. */
export function walkExtension(w: Walker, ext: Json, el: ElementNode, type: TypeRef): void {
  const url = ext.url;
  const profile = type.profiles[0];
  if (el.children.length > 0) {
    w.multiWalk = true;
    w.walkComplex(ext, el, type, false);
  }
  if (profile) {
    const tree = w.env.compiler.tree(profile);
    if (tree) {
      if (el.children.length === 0) w.walkComplex(ext, tree.root, type, false);
      checkConstraints(w, ext, tree.root, undefined);
      return;
    }
  }
  if (typeof url !== 'string') {
    if (el.children.length === 0) w.walkComplex(ext, el, type, false);
    w.report(
      'error',
      'structure',
      'Extension.url is required in order to identify, use and validate the extension',
    );
    return;
  }
  const bar = url.indexOf('|');
  const tree = isAbsoluteUrl(url) ? w.env.compiler.tree(unversioned(url)) : undefined;
  if (bar >= 0) {
    w.report('error', 'invalid', `The extension URL must not contain a version (${clip(url)})`);
  }
  if (!tree) {
    if (el.children.length === 0) w.walkComplex(ext, el, type, false);
    if (!isNestedExtension(el) || isAbsoluteUrl(url)) {
      if (unknownExtensionAllowed(url, w.options.allowExampleUrls)) {
        w.report('information', 'informational', `The extension ${clip(url)} is unknown, and not validated`);
      } else {
        w.report(
          'error',
          'structure',
          `The extension ${clip(url)} could not be found so is not allowed here`,
        );
      }
    }
    return;
  }
  if (tree.sd.type !== 'Extension') {
    w.reportDef(
      url,

      'error',
      'structure',
      `The URL ${clip(url)} identifies a ${tree.sd.type ?? '?'} definition, not an extension`,
    );
    return;
  }
  if (el.children.length === 0) w.walkComplex(ext, tree.root, type, false);
  checkConstraints(w, ext, tree.root, undefined);
  checkExtensionContext(w, url, tree.sd.context ?? [], el);
  const isModifierExt = el.name === 'modifierExtension';
  const definedAsModifier = tree.root.isModifier || (tree.sd.snapshot?.element?.[0]?.isModifier ?? false);
  if (isModifierExt && !definedAsModifier) {
    w.reportDef(
      url,

      'error',
      'structure',
      `The extension ${clip(url)} is not a modifier extension, but is used as a modifierExtension`,
    );
  } else if (!isModifierExt && definedAsModifier) {
    w.reportDef(
      url,

      'error',
      'structure',
      `The extension ${clip(url)} is a modifier extension, but is used as an extension (it must be a modifierExtension)`,
    );
  }
}

/** Whether the extension sits inside another extension (relative urls name its parts there). */
function isNestedExtension(el: ElementNode): boolean {
  return (
    el.path.endsWith('.extension') &&
    (el.parent?.types[0]?.code === 'Extension' ||
      (el.path.split('.').length > 1 && el.path.startsWith('Extension')))
  );
}

/**
 * Where an extension may be used (StructureDefinition.context).
 * Spec: https://hl7.org/fhir/R4/defining-extensions.html#context
 */
function checkExtensionContext(
  w: Walker,
  url: string,
  contexts: readonly { type?: string; expression?: string }[],
  el: ElementNode,
): void {
  if (contexts.length === 0) return;
  const where = w.extContextPath;
  const type = w.extContextType;
  const root = where.split('.')[0] ?? '';
  const candidates = new Set<string>([where, type, 'Element']);
  // A context on an element of a data type (`HumanName.family`) holds where a profile uses it (`Patient.name.family`).
  if (w.extContextBase) candidates.add(w.extContextBase);
  if (!where.includes('.')) {
    candidates.add('Resource');
    if (w.frame && root !== 'Bundle' && root !== 'Parameters' && root !== 'Binary')
      candidates.add('DomainResource');
  }
  if (type === 'BackboneElement' || (!type && where.includes('.'))) candidates.add('BackboneElement');
  for (const c of contexts) {
    if (c.type === 'fhirpath' || c.type === undefined) return;
    const expr = c.expression ?? '';
    if (c.type === 'extension') {
      if (w.extContextType === 'Extension') return;
      continue;
    }
    if (candidates.has(expr) || candidates.has(expr.replace(/\[x\]$/, ''))) return;
    // A context on an element of a base type (`Observation.value[x]`) matches its profiles' paths too.
    if (expr.endsWith('[x]') && where.startsWith(expr.slice(0, -3))) return;
  }
  void el;
  const allowed = contexts
    .map((c) => `${c.type === 'element' ? 'e' : (c.type ?? '?').charAt(0)}:${c.expression ?? ''}`)
    .join('; ');
  w.reportDef(
    url,

    'error',
    'business-rule',
    `The extension ${clip(url)} is not allowed to be used at this point (allowed = ${allowed}; this element is ${where}${type ? ` (${type})` : ''})`,
  );
}
