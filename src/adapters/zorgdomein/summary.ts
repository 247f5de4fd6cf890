/**
 * The previous-treatment summary of a ZorgDomein referral: the document's Composition with the
 * patient and custodian of the message, and the ten summary sections, each listing the converted
 * entries the rules put there (with the document's texts for it), or saying why it is empty.
 */
import { SUMMARY_SECTIONS, type SummarySection } from '../../fhir/codes.js';
import { emptyReason, summarySection } from '../summary-sections.js';
import type { Parts } from './parts.js';
import { codings, type Entry, type Out, type Run, urn } from './run.js';

/** The summary's subject and custodian (the sending organisation unless the document names one). */
export function completeSummary(parts: Parts): void {
  const s = parts.summary;
  s.subject = { reference: urn(parts.patient) };
  if (s.custodian === undefined) s.custodian = { reference: urn(parts.sender) };
}

export function addSections(run: Run, parts: Parts): void {
  parts.summary.section = SUMMARY_SECTIONS.map((code) => sectionOf(run, parts, code));
}

function sectionOf(run: Run, parts: Parts, code: SummarySection): Out {
  const { summary } = run.spec;
  const listed = run.entries.filter((e) => e.rule?.section === code && inSection(run, e));
  for (const e of listed)
    for (const [k, v] of Object.entries(e.rule?.whenInSection ?? {}))
      if (e.out && e.out[k] === undefined) e.out[k] = structuredClone(v);
  const texts = parts.texts.get(code) ?? [];
  return summarySection(code, {
    title: summary.titles[code],
    entries: listed.map((e) => ({ reference: `urn:uuid:${String(e.outId)}`, resource: e.out ?? {} })),
    texts,
    empty: {
      lines: texts.length > 0 ? [summary.narrativeText, ...texts] : [summary.emptyText],
      reason: parts.emptyReasons.get(code) ?? emptyReason(summary.emptyReason),
    },
  });
}

export function inSection(run: Run, e: Entry): boolean {
  if (!e.rule?.section || !e.out) return false;
  if (!e.rule.valueSet) return true;
  const valueSet = e.rule.valueSet;
  return codings(e.out.code).some((c) => run.ctx.inValueSet?.(valueSet, c) === true);
}
