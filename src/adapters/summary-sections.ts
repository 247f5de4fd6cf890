/**
 * The sections of the previous-treatment summary (ov-previous-treatment-summary) as the hl7v2,
 * zorgdomein and rule engines write them: one section per summary-section code that lists its
 * entries, each with a line in the narrative, or says why it is empty (emptyReason, with text), so
 * that the gate knows what to complete. A line says what an entry is, never who (no names).
 */
import { type SummarySection, SYSTEMS } from '../fhir/codes.js';
import type { Json } from './paths.js';

export interface SectionContent {
  title: string | undefined;
  /** What the section lists: the reference to each resource, and the resource for its line. */
  entries: readonly { reference: string; resource: Json }[];
  /** Lines of text the source gives for the section, after the entries' lines. */
  texts?: readonly string[];
  /** The narrative and the emptyReason of the section when it lists nothing. */
  empty: { lines: readonly string[]; reason: Json };
  /** An entry's line; by default what its concept names, and the code. */
  describe?: (resource: Json) => string;
  /** The entries' lines as a list even when there is only one (the rule engine writes them so). */
  alwaysList?: boolean;
}

export function summarySection(code: SummarySection, content: SectionContent): Json {
  const base: Json = { title: content.title, code: { coding: [{ system: SYSTEMS.summarySection, code }] } };
  if (content.entries.length > 0) {
    return {
      ...base,
      text: narrative(
        [...content.entries.map((e) => (content.describe ?? describe)(e.resource)), ...(content.texts ?? [])],
        content.alwaysList,
      ),
      entry: content.entries.map((e) => ({ reference: e.reference })),
    };
  }
  return { ...base, text: narrative(content.empty.lines), emptyReason: content.empty.reason };
}

/** The emptyReason of a section, a code of list-empty-reason (`nilknown`, `unavailable`, ...). */
export function emptyReason(code: string): Json {
  return { coding: [{ system: SYSTEMS.listEmptyReason, code }] };
}

/** A generated narrative: one line as a paragraph (unless asList), several as a list. */
function narrative(lines: readonly string[], asList = false): Json {
  const items =
    lines.length === 1 && !asList
      ? `<p>${xhtml(lines[0] ?? '')}</p>`
      : `<ul>${lines.map((l) => `<li>${xhtml(l)}</li>`).join('')}</ul>`;
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${items}</div>` };
}

function xhtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A short line for a section's narrative: the concept's text, display or code, and the code. */
function describe(resource: Json): string {
  const concept = (resource.code ??
    resource.medicationCodeableConcept ??
    (Array.isArray(resource.relationship) ? resource.relationship[0] : undefined)) as unknown;
  const c = isJson(concept) ? concept : {};
  const first = Array.isArray(c.coding) ? c.coding.filter(isJson)[0] : undefined;
  const label = String(c.text ?? first?.display ?? first?.code ?? resource.resourceType);
  return first?.code && label !== first.code ? `${label} (${String(first.code)})` : label;
}

function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
