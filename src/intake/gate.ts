/**
 * The gate of rule R1: a referral passes only when the previous-treatment summary travels with it
 * and every section is either filled or says, with an emptyReason, that it was looked for
 * (nilknown, withheld, unavailable). A missing summary, a missing section or `notasked` fails.
 * The gate reads the sender's document and never changes it.
 */
import type { Bundle, Composition, CompositionSection, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { BundleIndex, type IndexedEntry } from '../fhir/bundle.js';
import { EMPTY_REASONS_THAT_PASS, SUMMARY_SECTIONS, SYSTEMS, type SummarySection } from '../fhir/codes.js';
import { issue } from '../fhir/outcomes.js';

export type SectionState =
  | { code: SummarySection; state: 'filled' }
  | { code: SummarySection; state: 'empty'; reason: (typeof EMPTY_REASONS_THAT_PASS)[number] }
  | { code: SummarySection; state: 'notasked' | 'missing' | 'empty-without-reason' };

export interface GateResult {
  passed: boolean;
  /** Where the summary Composition stands (`Bundle.entry[3].resource`), when there is one. */
  summaryPath?: string;
  summary?: Composition;
  sections: SectionState[];
  /** Error issues naming each failing section by its code (empty when passed). */
  issues: OperationOutcomeIssue[];
}

export function checkGate(message: Bundle): GateResult {
  const index = new BundleIndex(message);
  const found = findSummary(index);
  if (!found) {
    return {
      passed: false,
      sections: SUMMARY_SECTIONS.map((code) => ({ code, state: 'missing' as const })),
      issues: [
        issue({
          code: 'required',
          detailCode: 'gate-summary-missing',
          message:
            'The previous-treatment summary is missing: a referral carries a Composition of type previous-treatment-summary (referenced from ServiceRequest.supportingInfo)',
          expression: 'Bundle.entry',
        }),
      ],
    };
  }
  const sections = SUMMARY_SECTIONS.map((code) => sectionState(code, found.composition.section ?? []));
  const issues = sections.flatMap((s) => gateIssue(s, found.path, found.composition.section ?? []));
  return {
    passed: issues.length === 0,
    summaryPath: found.path,
    summary: found.composition,
    sections,
    issues,
  };
}

interface FoundSummary {
  composition: Composition;
  path: string;
}

function isSummary(c: Composition): boolean {
  return (c.type?.coding ?? []).some(
    (k) => k.system === SYSTEMS.documentType && k.code === 'previous-treatment-summary',
  );
}

/**
 * The summary is the Composition the ServiceRequest's supportingInfo points to, or any summary
 * Composition in the message, directly or as the first entry of a document Bundle entry.
 */
function findSummary(index: BundleIndex): FoundSummary | undefined {
  for (const sr of index.ofType('ServiceRequest')) {
    for (const info of sr.resource.supportingInfo ?? []) {
      const target = index.resolve(info.reference, sr);
      const found = target && summaryIn(target);
      if (found) return found;
    }
  }
  for (const e of index.entries) {
    const found = summaryIn(e);
    if (found) return found;
  }
  return undefined;
}

function summaryIn(e: IndexedEntry): FoundSummary | undefined {
  const path = `Bundle.entry[${e.index}].resource`;
  if (e.resource.resourceType === 'Composition' && isSummary(e.resource))
    return { composition: e.resource, path };
  if (e.resource.resourceType === 'Bundle' && e.resource.type === 'document') {
    const first = e.resource.entry?.[0]?.resource;
    if (first?.resourceType === 'Composition' && isSummary(first))
      return { composition: first, path: `${path}.entry[0].resource` };
  }
  return undefined;
}

function sectionCode(s: CompositionSection): string | undefined {
  return s.code?.coding?.find((c) => c.system === SYSTEMS.summarySection)?.code;
}

function sectionState(code: SummarySection, sections: CompositionSection[]): SectionState {
  const section = sections.find((s) => sectionCode(s) === code);
  if (!section) return { code, state: 'missing' };
  if ((section.entry ?? []).length > 0) return { code, state: 'filled' };
  const reason = section.emptyReason?.coding?.find((c) => c.system === SYSTEMS.listEmptyReason)?.code;
  const passing = EMPTY_REASONS_THAT_PASS.find((r) => r === reason);
  if (passing) return { code, state: 'empty', reason: passing };
  if (reason === 'notasked') return { code, state: 'notasked' };
  return { code, state: 'empty-without-reason' };
}

function gateIssue(
  s: SectionState,
  summaryPath: string,
  sections: CompositionSection[],
): OperationOutcomeIssue[] {
  const at = sections.findIndex((x) => sectionCode(x) === s.code);
  const path = at >= 0 ? `${summaryPath}.section[${at}]` : `${summaryPath}.section`;
  switch (s.state) {
    case 'filled':
    case 'empty':
      return [];
    case 'missing':
      return [
        issue({
          code: 'required',
          detailCode: 'gate-section-missing',
          expression: path,
          message: `Summary section '${s.code}' is missing`,
        }),
      ];
    case 'notasked':
      return [
        issue({
          code: 'required',
          detailCode: 'gate-section-notasked',
          expression: `${path}.emptyReason`,
          message: `Summary section '${s.code}' is empty with reason 'notasked': look for the information, or state nilknown, withheld or unavailable`,
        }),
      ];
    case 'empty-without-reason':
      return [
        issue({
          code: 'required',
          detailCode: 'gate-section-no-reason',
          expression: path,
          message: `Summary section '${s.code}' has no entries and no emptyReason (nilknown, withheld or unavailable)`,
        }),
      ];
    default:
      return s satisfies never;
  }
}
