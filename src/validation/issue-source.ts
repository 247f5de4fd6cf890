/**
 * Which definition's rule raised an issue, in machine-readable form (ValidateOptions.issueSource):
 * the canonical URL of the StructureDefinition whose rule it is and the id of the element that
 * holds the rule. A rule a profile inherits unchanged from the base type (a cardinality, binding
 * or type list its snapshot repeats) is the base type's; one the profile adds or tightens is the
 * profile's. Rules of FHIR itself that no element states (JSON form, unknown properties,
 * primitive formats, codes unknown to their system, references that do not resolve, Bundle
 * rules) are those of the base definition of the type being walked.
 *
 * Spec: https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.base,
 * https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.constraint.source
 */
import type { Extension, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Compiler } from './compile/compiler.js';
import type { ConstraintDef, ElementNode } from './compile/element-tree.js';
import { typeUrl, unversioned } from './registry.js';

/** The extension on OperationOutcome.issue: `definition` (valueCanonical) and `element` (valueString). */
export const ISSUE_SOURCE_URL = 'https://overdracht.dev/fhir/StructureDefinition/issue-source';

export interface IssueSource {
  /** Canonical URL of the StructureDefinition (or, for project-wide rules, the rule set) of the rule. */
  readonly definition: string;
  /** The element id within that definition (`Patient.identifier`, `Bundle.entry:referral`), if any. */
  readonly element?: string;
}

/** What of an element a rule is about: parts a profile may inherit unchanged from its base. */
export type RuleAspect = 'min' | 'max' | 'binding' | 'types' | 'own';

/** The source recorded on an issue, if any. */
export function issueSourceOf(issue: OperationOutcomeIssue): IssueSource | undefined {
  const ext = issue.extension?.find((e) => e.url === ISSUE_SOURCE_URL);
  const definition = ext?.extension?.find((e) => e.url === 'definition')?.valueCanonical;
  if (!definition) return undefined;
  const element = ext?.extension?.find((e) => e.url === 'element')?.valueString;
  return element ? { definition, element } : { definition };
}

export function sourceExtension(source: IssueSource): Extension {
  const parts: Extension[] = [{ url: 'definition', valueCanonical: source.definition }];
  if (source.element) parts.push({ url: 'element', valueString: source.element });
  return { url: ISSUE_SOURCE_URL, extension: parts };
}

/** The base definition of the type an element path starts with (`Patient.name` -> Patient). */
export function baseSource(path: string): IssueSource {
  const root = rootOf(path);
  return root ? { definition: typeUrl(root), element: path } : { definition: typeUrl('Resource') };
}

function rootOf(path: string): string {
  const dot = path.indexOf('.');
  return dot < 0 ? path : path.slice(0, dot);
}

/** The element `base.path` names, in the base definition of its type (undefined when that is `self`). */
function baseElement(
  definedIn: string,
  basePath: string | undefined,
  compiler: Compiler,
): ElementNode | undefined {
  if (!basePath) return undefined;
  const root = rootOf(basePath);
  if (definedIn === typeUrl(root)) return undefined;
  return compiler.typeTree(root)?.byId.get(basePath);
}

/**
 * The definition an element's rule comes from: the element's own profile, unless the profile
 * repeats what the base element already says about that aspect.
 */
export function elementSource(el: ElementNode, aspect: RuleAspect, compiler: Compiler): IssueSource {
  const definedIn = unversioned(el.profile);
  const own: IssueSource = { definition: definedIn, element: el.id };
  if (aspect === 'own') return own;
  const base = baseElement(definedIn, el.basePath, compiler);
  if (!base) return own;
  const inherited =
    aspect === 'min'
      ? el.min <= base.min
      : aspect === 'max'
        ? el.max >= base.max
        : aspect === 'binding'
          ? sameBinding(el, base)
          : typesKey(el) === typesKey(base);
  return inherited ? elementSource(base, aspect, compiler) : own;
}

function sameBinding(el: ElementNode, base: ElementNode): boolean {
  return (
    base.binding !== undefined &&
    el.binding !== undefined &&
    base.binding.strength === el.binding.strength &&
    unversioned(base.binding.valueSet) === unversioned(el.binding.valueSet)
  );
}

function typesKey(n: ElementNode): string {
  return n.types
    .map((t) => `${t.code}(${[...t.profiles].sort().join()})->${[...t.targetProfiles].sort().join()}`)
    .sort()
    .join(';');
}

/**
 * The source of an invariant: the definition its snapshot names (`constraint.source`), else the
 * base element's invariant of the same key when the profile inherited it, else where it is stated.
 */
export function constraintSource(def: ConstraintDef, compiler: Compiler, depth = 0): IssueSource | undefined {
  if (def.source) {
    const url = unversioned(def.source);
    return {
      definition: url,
      element: url === def.definedIn ? def.elementId : url.slice(url.lastIndexOf('/') + 1),
    };
  }
  if (!def.definedIn) return undefined;
  const base = depth < 8 ? baseElement(def.definedIn, def.basePath, compiler) : undefined;
  const inherited = base?.constraints.find((c) => c.key === def.key);
  if (inherited) return constraintSource(inherited, compiler, depth + 1);
  return { definition: def.definedIn, element: def.elementId };
}
