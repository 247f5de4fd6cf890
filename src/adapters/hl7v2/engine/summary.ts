/**
 * The previous-treatment summary of an HL7 v2 message: each section lists what the message
 * carries for it; a section the source cannot fill says so (emptyReason, with text), so the gate
 * knows what to complete.
 */
import { SUMMARY_SECTIONS } from '../../../fhir/codes.js';
import { emptyReason, summarySection } from '../../summary-sections.js';
import { codedIn, live, type Run } from './run.js';

export function buildSummary(run: Run): void {
  const { summary } = run.deps.spec;
  const composition = live(run).find((d) => d.rule.name === summary.rule);
  if (!composition) return;
  const trigger = `${run.message.messageCode}^${run.message.triggerEvent}`;
  composition.resource.section = SUMMARY_SECTIONS.map((code) => {
    const def = summary.sections[code];
    let entries = live(run).filter((d) => (def?.from ?? []).includes(d.rule.name));
    if (def?.valueSet) entries = entries.filter((d) => codedIn(run, d.resource, def.valueSet ?? ''));
    entries.forEach((d) => (d.referenced = true));
    return summarySection(code, {
      title: def?.title ?? code,
      entries: entries.map((d) => ({ reference: `urn:uuid:${d.id}`, resource: d.resource })),
      empty: {
        lines: [summary.emptyText.replace('{trigger}', trigger)],
        reason: emptyReason(summary.emptyReason),
      },
    });
  });
}
