/**
 * The one error model of overdracht: every problem, from a broken JSON body to a failed
 * profile check, is an OperationOutcome issue with a FHIRPath `expression` naming the element.
 * HTTP status codes are derived from outcomes in one place (`httpStatus`).
 *
 * Spec: https://hl7.org/fhir/R4/operationoutcome.html
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type Severity = OperationOutcomeIssue['severity'];
export type IssueCode = OperationOutcomeIssue['code'];

export interface IssueInput {
  severity?: Severity;
  code: IssueCode;
  message: string;
  /** FHIRPath expression of the element the issue is about, e.g. `Bundle.entry[2].resource.subject`. */
  expression?: string;
  /** A machine-readable detail code (e.g. the invariant key `bsn-1`, or an overdracht rule id). */
  detailCode?: string;
}

export function issue(input: IssueInput): OperationOutcomeIssue {
  const out: OperationOutcomeIssue = {
    severity: input.severity ?? 'error',
    code: input.code,
    diagnostics: input.message,
  };
  if (input.detailCode) {
    out.details = {
      coding: [{ system: OVERDRACHT_ISSUE_SYSTEM, code: input.detailCode }],
      text: input.message,
    };
  }
  if (input.expression) {
    out.expression = [input.expression];
  }
  return out;
}

export const OVERDRACHT_ISSUE_SYSTEM = 'https://overdracht.dev/fhir/CodeSystem/issue-detail';

export function outcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue:
      issues.length > 0
        ? issues
        : [{ severity: 'information', code: 'informational', diagnostics: 'All OK' }],
  };
}

export const allOk: OperationOutcome = outcome([]);

export function hasErrors(o: OperationOutcome): boolean {
  return (o.issue ?? []).some((i) => i.severity === 'error' || i.severity === 'fatal');
}

export function errorIssues(o: OperationOutcome): OperationOutcomeIssue[] {
  return (o.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** Outcome factories for the common HTTP-level failures. */
export const badRequest = (message: string, expression?: string): OperationOutcome =>
  outcome([issue({ code: 'structure', message, expression })]);
export const invalid = (message: string, expression?: string): OperationOutcome =>
  outcome([issue({ code: 'invalid', message, expression })]);
export const notFound = (message = 'Not found'): OperationOutcome =>
  outcome([issue({ code: 'not-found', message })]);
export const conflict = (message: string, expression?: string): OperationOutcome =>
  outcome([issue({ code: 'conflict', message, expression })]);
export const unauthorized = (message = 'Authentication required'): OperationOutcome =>
  outcome([issue({ code: 'login', message })]);
export const forbidden = (message = 'Forbidden'): OperationOutcome =>
  outcome([issue({ code: 'forbidden', message })]);
export const tooLarge = (message: string): OperationOutcome =>
  outcome([issue({ code: 'too-costly', message })]);
export const unsupportedMediaType = (message: string): OperationOutcome =>
  outcome([issue({ code: 'not-supported', message })]);
export const serverError = (): OperationOutcome =>
  outcome([
    issue({
      severity: 'fatal',
      code: 'exception',
      message: 'Internal error; the request was not processed.',
    }),
  ]);

/** An error that carries an OperationOutcome and, optionally, the HTTP status it stands for. */
export class OperationOutcomeError extends Error {
  readonly outcome: OperationOutcome;
  readonly status: number | undefined;
  constructor(o: OperationOutcome, status?: number) {
    super(o.issue?.[0]?.diagnostics ?? 'OperationOutcomeError');
    this.name = 'OperationOutcomeError';
    this.outcome = o;
    this.status = status;
  }
}

/** Anything thrown becomes an outcome; unknown errors never leak their message. */
export function normalizeError(err: unknown): { outcome: OperationOutcome; status: number } {
  if (err instanceof OperationOutcomeError) {
    return { outcome: err.outcome, status: err.status ?? httpStatus(err.outcome) };
  }
  const status = clientErrorStatus(err);
  if (status !== undefined) return { outcome: outcome([issue(requestIssue(err, status))]), status };
  return { outcome: serverError(), status: 500 };
}

/** The 4xx status an HTTP-layer error carries (`http-errors`, as the router and parsers throw). */
function clientErrorStatus(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && value >= 400 && value < 500 ? value : undefined;
}

/** What the request did wrong, said without quoting it. */
function requestIssue(err: unknown, status: number): IssueInput {
  if (err instanceof URIError)
    return { code: 'structure', message: 'The URL holds a percent-encoded part that is not UTF-8' };
  if (status === 413) return { code: 'too-long', message: 'The request body is too large' };
  if (status === 415) return { code: 'not-supported', message: 'The media type is not supported' };
  return { code: 'structure', message: 'The request could not be read' };
}

/** The single mapping from an outcome to an HTTP status code. */
export function httpStatus(o: OperationOutcome): number {
  const first = errorIssues(o)[0];
  if (!first) return 200;
  switch (first.code) {
    case 'login':
    case 'unknown':
    case 'expired':
      return 401;
    case 'forbidden':
    case 'security':
    case 'suppressed':
      return 403;
    case 'not-found':
    case 'deleted':
      return 404;
    case 'conflict':
    case 'duplicate':
      return 409;
    case 'too-costly':
    case 'too-long':
      return 413;
    case 'not-supported':
      return 415;
    case 'structure':
      return 400;
    case 'exception':
    case 'timeout':
    case 'transient':
    case 'lock-error':
    case 'no-store':
      return 500;
    default:
      return 422;
  }
}
