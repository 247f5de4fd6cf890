/**
 * The FHIR R4 validator of overdracht: any resource or Bundle against the base definitions and
 * every profile it claims (meta.profile) or is asked for. Definitions are compiled into element
 * checkers on first use and cached per canonical URL; the base layer is shared by all validators
 * in the process, so creating one is cheap after the first.
 *
 * Spec: https://hl7.org/fhir/R4/validation.html
 */
import type { OperationOutcome, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { outcome } from '../fhir/outcomes.js';
import { Compiler, getSharedCompiler } from './compile/compiler.js';
import type { CodeCheckResult, SemanticHooks } from './compile/hooks.js';
import { globalProfiles } from './compile/implied-profiles.js';
import { DefinitionRegistry, loadProjectResources } from './registry.js';
import { dedupeIssues } from './walk/context.js';
import { validateTerminologyResource } from '../terminology/resource-checks.js';
import { createTerminologyService } from '../terminology/service.js';
import { compileExpression, evaluateInvariant } from './fhirpath.js';
import { validateQuestionnaireResponse } from './questionnaire.js';
import { Walker, type WalkEnv, type WalkOptions } from './walk.js';
import { isRecord } from '../fhir/records.js';

export { ISSUE_SOURCE_URL, issueSourceOf, type IssueSource } from './issue-source.js';

/**
 * Options of one validation. Besides `profiles`, each matches a setting of the HL7 Java validator
 * (https://confluence.hl7.org/display/FHIR/Using+the+FHIR+Validator) and defaults to what the
 * engine does without it.
 */
export interface ValidateOptions {
  /** Canonical URLs to validate against in addition to meta.profile (e.g. the CLI's --profile). */
  profiles?: readonly string[];
  /**
   * A string or markdown value with an embedded HTML tag (`<script>`) is an error, so that text
   * meant to be shown as text cannot carry markup into a page (the Java validator's
   * `-security-checks`; https://hl7.org/fhir/R4/security.html). Default false.
   */
  securityChecks?: boolean;
  /**
   * A markdown value with raw HTML (tags or comments) is an error: FHIR markdown is CommonMark
   * without HTML, which presentation layers escape (the Java validator's `noHtmlInMarkdown`;
   * https://hl7.org/fhir/R4/datatypes.html#markdown). Default false.
   */
  noHtmlInMarkdown?: boolean;
  /**
   * Whether example domains (example.org, example.com, acme.com, ...) are accepted: when false, a
   * uri or url value on one is an error, and so is an unknown extension there (the Java
   * validator's `-allow-example-urls`, which its test cases call `examples`). Default true.
   */
  allowExampleUrls?: boolean;
  /**
   * Whether contained resources are validated against their definitions. False skips them and
   * the container's invariants about them (dom-2 to dom-5), as the Java validator's contained
   * policy IGNORE does (https://hl7.org/fhir/R4/references.html#contained). Default true.
   */
  validateContained?: boolean;
  /**
   * Every literal reference must resolve inside the content: to a contained resource, a Bundle
   * entry or a resource of the enclosing Parameters; a reference to an example domain is
   * accepted while `allowExampleUrls` is. For content that must be complete in itself, as a
   * document or a message. The Java validator's reference policy CHECK_EXISTS
   * (https://hl7.org/fhir/R4/references.html#literal). Default false: only `#id` references
   * must resolve, and resolved targets have their type checked.
   */
  referencesMustResolve?: boolean;
  /**
   * Each issue raised by a rule of a definition names that definition: an extension
   * (`ISSUE_SOURCE_URL`, read with `issueSourceOf`) with the canonical URL of the
   * StructureDefinition whose rule it is and the element id. A rule a profile repeats unchanged
   * from its base type is the base type's, so base FHIR findings can be told from a profile's
   * without reading messages (see issue-source.ts). Issues of semantic modules (questionnaire
   * answers, terminology resources) have none. Default false.
   */
  issueSource?: boolean;
}

export interface Validator {
  validate(resource: unknown, options?: ValidateOptions): OperationOutcome; // synchronous
  /** Adds conformance resources: StructureDefinition, ValueSet, CodeSystem, Questionnaire, or a Bundle of them. */
  addResources(resources: readonly unknown[]): void;
}

export interface CreateValidatorOptions {
  /** Also load the project's package (profiles/package) and terminology; default true. */
  includeProjectPackage?: boolean;
  resources?: readonly unknown[];
  /** Semantic modules (terminology, FHIRPath, questionnaires); defaults to the project's own. */
  hooks?: SemanticHooks;
}

type Json = Record<string, unknown>;

/** Flattens Bundles of conformance resources. */
function flatten(resources: readonly unknown[], out: Json[] = [], depth = 0): Json[] {
  for (const r of resources) {
    if (!isRecord(r)) continue;
    if (r.resourceType === 'Bundle' && Array.isArray(r.entry) && depth < 4) {
      flatten(
        r.entry.map((e: unknown) => (isRecord(e) ? e.resource : undefined)),
        out,
        depth + 1,
      );
    } else {
      out.push(r);
    }
  }
  return out;
}

/** Definitions beneath a validator's own: the registry, its compiler and its global profiles. */
interface Layer {
  readonly registry: DefinitionRegistry;
  readonly compiler: Compiler;
  readonly globals: ReadonlyMap<string, readonly string[]>;
}

let projectLayer: Layer | undefined;

/**
 * The project package, compiled once per process and shared (read-only) by every validator that
 * includes it; its terminology is part of the terminology service's shared layers.
 */
function getProjectLayer(): Layer {
  if (projectLayer) return projectLayer;
  const registry = new DefinitionRegistry();
  const globals = new Map<string, string[]>();
  for (const r of flatten(loadProjectResources())) {
    if (r.resourceType === 'StructureDefinition')
      registry.addStructureDefinition(r as unknown as StructureDefinition);
    if (r.resourceType === 'ImplementationGuide') {
      for (const g of globalProfiles(r)) globals.set(g.type, [...(globals.get(g.type) ?? []), g.profile]);
    }
    registry.addCanonical(r);
  }
  projectLayer = { registry, compiler: new Compiler(registry, getSharedCompiler()), globals };
  return projectLayer;
}

class EngineValidator implements Validator {
  private readonly registry: DefinitionRegistry;
  private readonly compiler: Compiler;
  private readonly hooks: SemanticHooks;
  private readonly globals = new Map<string, string[]>();
  private readonly codeMemo = new Map<string, Map<string, Map<string, CodeCheckResult | undefined>>>();
  private static readonly NO_GLOBALS: readonly string[] = [];
  /** Made once and reset per validation (see Walker); a validation started inside another gets its own. */
  private readonly env: WalkEnv;
  private readonly walker: Walker;
  private walking = false;

  constructor(hooks: SemanticHooks, below: Layer | undefined) {
    this.registry = new DefinitionRegistry(below?.registry);
    this.compiler = new Compiler(this.registry, below?.compiler ?? getSharedCompiler());
    this.hooks = hooks;
    for (const [type, profiles] of below?.globals ?? []) this.globals.set(type, [...profiles]);
    this.env = {
      compiler: this.compiler,
      hooks,
      questionnaire: (url) => {
        const entry = this.registry.getCanonical(url);
        return entry?.resourceType === 'Questionnaire' ? entry.resource : undefined;
      },
      globalProfiles: (type) => this.globals.get(type) ?? EngineValidator.NO_GLOBALS,
      codeMemo: this.codeMemo,
    };
    this.walker = new Walker(this.env);
  }

  addResources(resources: readonly unknown[]): void {
    const flat = flatten(resources);
    this.codeMemo.clear();
    for (const r of flat) {
      if (r.resourceType === 'StructureDefinition')
        this.registry.addStructureDefinition(r as unknown as StructureDefinition);
      if (r.resourceType === 'ImplementationGuide') {
        for (const g of globalProfiles(r))
          this.globals.set(g.type, [...(this.globals.get(g.type) ?? []), g.profile]);
      }
      this.registry.addCanonical(r);
    }
    const terminology = flat.filter((r) => r.resourceType === 'ValueSet' || r.resourceType === 'CodeSystem');
    if (terminology.length > 0 && this.hooks.terminology) {
      try {
        this.hooks.terminology.addResources(terminology);
      } catch {
        // A terminology resource the service cannot use must not stop the others from loading.
      }
    }
  }

  validate(resource: unknown, options?: ValidateOptions): OperationOutcome {
    const nested = this.walking;
    const walker = nested ? new Walker(this.env) : this.walker;
    walker.begin(walkOptions(options));
    this.walking = true;
    let issues: OperationOutcomeIssue[];
    try {
      walker.validateRoot(resource, options?.profiles ?? []);
      issues = walker.multiWalk ? dedupeIssues(walker.sink.issues) : walker.sink.issues;
    } catch (err) {
      // The walker is written not to throw; if it does, the input is still answered with an outcome.
      issues = [
        ...dedupeIssues(walker.sink.issues),
        {
          severity: 'fatal',
          code: 'exception',
          diagnostics: `Validation could not be completed: ${err instanceof RangeError ? 'the content is too deeply nested or too large' : 'internal error'}`,
        },
      ];
    } finally {
      walker.end();
      this.walking = nested;
    }
    return outcome(issues);
  }
}

/** The options that change what the walk checks, with their defaults. */
function walkOptions(options: ValidateOptions | undefined): WalkOptions {
  return {
    securityChecks: options?.securityChecks === true,
    noHtmlInMarkdown: options?.noHtmlInMarkdown === true,
    allowExampleUrls: options?.allowExampleUrls !== false,
    validateContained: options?.validateContained !== false,
    referencesMustResolve: options?.referencesMustResolve === true,
    issueSource: options?.issueSource === true,
  };
}

/** The project's semantic modules: terminology, FHIRPath invariants, questionnaire answers. */
function defaultHooks(includeProject: boolean): SemanticHooks {
  const terminology = createTerminologyService({ includeCore: true, includeProject });
  return {
    terminology,
    invariants: { compileExpression, evaluateInvariant },
    questionnaire: (qr, q, basePath) => validateQuestionnaireResponse(qr, q, basePath, { terminology }),
    resourceRules: (resource, basePath) => validateTerminologyResource(resource, basePath, terminology),
    resourceRuleTypes: new Set(['CodeSystem', 'ValueSet', 'ConceptMap']),
  };
}

export function createValidator(options?: CreateValidatorOptions): Validator {
  const includeProject = options?.includeProjectPackage !== false;
  const v = new EngineValidator(
    options?.hooks ?? defaultHooks(includeProject),
    includeProject ? getProjectLayer() : undefined,
  );
  if (options?.resources) v.addResources(options.resources);
  return v;
}
