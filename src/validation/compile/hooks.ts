/**
 * What the engine needs from the semantic modules (terminology, FHIRPath invariants, questionnaire
 * answers). The shapes match src/terminology/service.ts, src/validation/fhirpath.ts and
 * src/validation/questionnaire.ts; the engine only calls through these, so it can run (and be
 * tested) with any of them absent.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

export interface CodeCheckResult {
  valid: boolean;
  message?: string;
  display?: string;
  /** The part of the coding that is wrong: its `code` (the default) or its `system`. */
  element?: 'code' | 'system';
}

export interface CodingInput {
  system?: string;
  code?: string;
  display?: string;
  version?: string;
}

export interface TerminologyHook {
  /** undefined: cannot decide offline. */
  validateCode(valueSetUrl: string, coding: CodingInput): CodeCheckResult | undefined;
  validateBareCode(valueSetUrl: string, code: string): CodeCheckResult | undefined;
  hasValueSet(url: string): boolean;
  addResources(resources: readonly unknown[]): void;
  /** Whether a code belongs to its code system, without a value set; undefined when unknown. */
  validateCodeInSystem?(
    system: string,
    code: string,
    display?: string,
    version?: string,
  ): CodeCheckResult | undefined;
}

export interface InvariantContextInput {
  resource: unknown;
  rootResource: unknown;
  bundle?: unknown;
  /** For memberOf(). */
  terminology?: Pick<TerminologyHook, 'validateCode' | 'validateBareCode'>;
  /** For conformsTo(): true/false when decided, undefined when it cannot be told. */
  conformsTo?: (resource: unknown, profileUrl: string) => boolean | undefined;
}

export interface CompiledExpressionLike {
  evaluate(node: unknown, ctx: InvariantContextInput, typeName?: string): unknown[];
}

export interface InvariantHook {
  /** Throws on a syntax error. */
  compileExpression(expression: string): CompiledExpressionLike;
  evaluateInvariant(
    compiled: CompiledExpressionLike,
    node: unknown,
    ctx: InvariantContextInput,
    typeName?: string,
  ): boolean | { error: string };
}

export type QuestionnaireHook = (
  qr: unknown,
  questionnaire: unknown,
  basePath: string,
) => OperationOutcomeIssue[];

/** Rules for one kind of resource as a whole (e.g. a CodeSystem's concepts); issues with paths from `basePath`. */
export type ResourceRulesHook = (resource: unknown, basePath: string) => OperationOutcomeIssue[];

export interface SemanticHooks {
  terminology?: TerminologyHook;
  invariants?: InvariantHook;
  questionnaire?: QuestionnaireHook;
  resourceRules?: ResourceRulesHook;
  /** The resource types resourceRules is about (all when absent). */
  resourceRuleTypes?: ReadonlySet<string>;
}
