/**
 * What a walk is given: the options of a validation that change what is checked, the validator's
 * environment (compiler, semantic hooks, questionnaires, global profiles, terminology memo), and
 * the frame of the resource being walked (for references, Bundle links and invariant context).
 */
import type { Compiler } from '../compile/compiler.js';
import type { SemanticHooks } from '../compile/hooks.js';
import type { BundleIndex } from '../references.js';
import type { CodeMemo } from './terminology.js';

type Json = Record<string, unknown>;

/** The resource being walked and where it sits. */
export interface ResourceFrame {
  readonly resource: Json;
  /** The outermost resource containing `resource` through `contained` (itself otherwise). */
  readonly root: Json;
  readonly fullUrl: string | undefined;
  readonly bundle: BundleIndex | undefined;
  /** The Bundle entry resource this resource is (or is contained in), for the Bundle's link graph. */
  readonly entry: Json | undefined;
  /** The nearest Parameters resource this resource is a parameter of (or is itself). */
  readonly parameters: Json | undefined;
}

/** The options of a validation that change what is checked (ValidateOptions in index.ts explains each). */
export interface WalkOptions {
  readonly securityChecks: boolean;
  readonly noHtmlInMarkdown: boolean;
  readonly allowExampleUrls: boolean;
  readonly validateContained: boolean;
  readonly referencesMustResolve: boolean;
  readonly issueSource: boolean;
}

export interface WalkEnv {
  readonly compiler: Compiler;
  readonly hooks: SemanticHooks;
  /** Questionnaires known to the validator, by canonical URL. */
  questionnaire(url: string): Json | undefined;
  /** Profiles every resource of a type must conform to (ImplementationGuide.global). */
  globalProfiles(resourceType: string): readonly string[];
  /** Terminology answers already given, kept by the validator and cleared when definitions change. */
  readonly codeMemo: CodeMemo;
}

export const DEFAULT_OPTIONS: WalkOptions = {
  securityChecks: false,
  noHtmlInMarkdown: false,
  allowExampleUrls: true,
  validateContained: true,
  referencesMustResolve: false,
  issueSource: false,
};
