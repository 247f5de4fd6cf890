/**
 * The coverage bookkeeping of the HL7 v2 engine: every populated leaf of the message registered
 * with its location, the leaves the spec declares structural (read to interpret the message, not
 * data), and what the kept drafts used and reported committed at the end, so that everything
 * else populated ends in the report as not mapped.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { CoverageTracker } from '../../coverage.js';
import { leafKey, leafPath } from '../locate.js';
import { type Hl7v2Spec, parseSource } from '../spec.js';
import type { Hl7Structure } from '../structure.js';
import type { Hl7Message } from '../types.js';
import type { Run } from './run.js';

export function registerLeaves(message: Hl7Message, structure: Hl7Structure): CoverageTracker {
  const tracker = new CoverageTracker();
  for (const seg of message.segments) {
    seg.fields.forEach((field, f) => {
      // MSH-1 and MSH-2 are the delimiters, syntax rather than data.
      if (!field || (seg.name === 'MSH' && f <= 2)) return;
      field.forEach((rep, r) =>
        rep.forEach((comp, c) =>
          comp.forEach((value, s) => {
            if (value === '' || value === '""') return;
            const key = leafKey(seg, f, r + 1, c + 1, s + 1);
            tracker.populated({ key, path: leafPath(structure, seg, f, r + 1, c + 1, s + 1) });
          }),
        ),
      );
    });
  }
  return tracker;
}

export function declareStructural(message: Hl7Message, spec: Hl7v2Spec, tracker: CoverageTracker): void {
  for (const { source } of spec.structural) {
    const src = parseSource(source);
    for (const seg of message.segments.filter((s) => s.name === src.segment)) {
      (seg.fields[src.field] ?? []).forEach((rep, r) =>
        rep.forEach((comp, c) => {
          if (src.component !== undefined && c + 1 !== src.component) return;
          comp.forEach((_v, s) => tracker.declareStructural(leafKey(seg, src.field, r + 1, c + 1, s + 1)));
        }),
      );
    }
  }
}

/** Commits what kept drafts used and reported; returns their issues. */
export function commit(run: Run, tracker: CoverageTracker): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  for (const d of run.drafts) {
    if (d.dropped && d.rule.lazy) continue;
    if (!d.dropped) d.used.forEach((k) => tracker.use(k));
    d.reported.forEach((k) => tracker.markReported(k));
    issues.push(...d.issues);
  }
  return issues;
}
