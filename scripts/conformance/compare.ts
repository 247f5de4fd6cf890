/**
 * Compares one validator's outcome with the HL7 Java validator's expected outcome: the verdict
 * (valid when there is no error or fatal issue), the number of errors, and whether the elements
 * the reference flags with an error are flagged by us too.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export interface OutcomeSummary {
  readonly valid: boolean;
  readonly errors: number;
  /** Normalised expressions of the error and fatal issues. */
  readonly errorElements: readonly string[];
}

export interface RunComparison {
  readonly verdictAgrees: boolean;
  readonly countMatches: boolean;
  /** Undefined when the expected outcome names no element with an error. */
  readonly elementsMatch: boolean | undefined;
  /** Expected error elements we did not flag. */
  readonly missedElements: readonly string[];
}

export function isError(i: OperationOutcomeIssue): boolean {
  return i.severity === 'error' || i.severity === 'fatal';
}

export function summarise(o: OperationOutcome): OutcomeSummary {
  const errors = (o.issue ?? []).filter(isError);
  return {
    valid: errors.length === 0,
    errors: errors.length,
    errorElements: errors.map(issueElement).filter((e): e is string => e !== undefined),
  };
}

/** The element an issue is about: `expression` first, the deprecated `location` otherwise. */
export function issueElement(i: OperationOutcomeIssue): string | undefined {
  const raw = i.expression?.[0] ?? i.location?.[0];
  return raw === undefined || raw === '' ? undefined : normaliseExpression(raw);
}

/**
 * Brings the spellings of one element to one form, so `Bundle.entry[1].resource/*Patient/1*\/.name`
 * (Java's comment naming the resource), `Observation.value.ofType(Quantity)` (FHIRPath) and
 * `Observation.valueQuantity` (JSON property) compare equal, as do `extension[1][url='...']`
 * and `extension[1]`.
 */
export function normaliseExpression(expression: string): string {
  return (
    expression
      .replace(/\/\*.*?\*\//g, '')
      // Java may qualify an extension by its URL: `extension[1][url='...']` is still `extension[1]`.
      .replace(/\[\w+='[^']*'\]/g, '')
      .replace(/\.ofType\((\w+)\)/g, (_m, type: string) => type.charAt(0).toUpperCase() + type.slice(1))
      .replace(/\[x\]/g, '')
      .replace(/\.$/, '')
      .trim()
  );
}

export function compare(expected: OutcomeSummary, actual: OutcomeSummary | undefined): RunComparison {
  if (!actual)
    return {
      verdictAgrees: false,
      countMatches: false,
      elementsMatch: expected.errorElements.length > 0 ? false : undefined,
      missedElements: expected.errorElements,
    };
  const ours = new Set(actual.errorElements);
  const missed = [...new Set(expected.errorElements)].filter((e) => !ours.has(e));
  return {
    verdictAgrees: expected.valid === actual.valid,
    countMatches: expected.errors === actual.errors,
    elementsMatch: expected.errorElements.length > 0 ? missed.length === 0 : undefined,
    missedElements: missed,
  };
}
