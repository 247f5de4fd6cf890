/**
 * The cheap parts of one validation run: the path stack (segments pushed and popped, joined only
 * when an issue is reported) and the issue sink.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, type IssueCode, type Severity } from '../../fhir/outcomes.js';
import { type IssueSource, sourceExtension } from '../issue-source.js';

const INDEX_SEGMENTS: string[] = Array.from({ length: 1024 }, (_, i) => `[${i}]`);

export function indexSegment(i: number): string {
  return INDEX_SEGMENTS[i] ?? `[${i}]`;
}

export class PathStack {
  private readonly segs: string[] = [];
  private depth = 0;

  push(seg: string): void {
    this.segs[this.depth++] = seg;
  }

  pop(): void {
    this.depth--;
  }

  get size(): number {
    return this.depth;
  }

  /** Truncates back to a saved size (after an early exit). */
  reset(size: number): void {
    this.depth = size;
  }

  toString(): string {
    let s = '';
    for (let i = 0; i < this.depth; i++) s += this.segs[i];
    return s;
  }
}

export class IssueSink {
  readonly issues: OperationOutcomeIssue[] = [];
  errors = 0;

  /** @param sources whether issues carry the definition of their rule (ValidateOptions.issueSource) */
  constructor(readonly sources = false) {}

  add(
    severity: Severity,
    code: IssueCode,
    message: string,
    expression: string,
    detailCode?: string,
    source?: IssueSource,
  ): void {
    if (severity === 'error' || severity === 'fatal') this.errors++;
    const i = issue({ severity, code, message, expression: expression || undefined, detailCode });
    if (source && this.sources) i.extension = [sourceExtension(source)];
    this.issues.push(i);
  }
}

/** Drops exact duplicates (the same finding reached through the base type and a profile). */
export function dedupeIssues(issues: readonly OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const seen = new Set<string>();
  const out: OperationOutcomeIssue[] = [];
  for (const i of issues) {
    const key = `${i.severity}|${i.expression?.[0] ?? ''}|${i.diagnostics ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(i);
  }
  return out;
}
