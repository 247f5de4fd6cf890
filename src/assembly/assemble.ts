/**
 * The gateway's own previous-treatment summary, as a pure function: from what the client record
 * may pass on to the recipient (consent-filtered), the sections the sender's summary lacks are
 * filled in a separate document (Composition of type `assembled-summary`, author the gateway),
 * with a Provenance per entry that names where it came from. The sender's document is never
 * touched. What is left out for lack of consent is counted per section, without content, and the
 * section says `withheld`, so the receiver knows it exists.
 */
import type {
  Bundle,
  Composition,
  CompositionSection,
  Patient,
  Provenance,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { WITHHELD_TEXT, type WithheldReason } from '../consent/decide.js';
import { SYSTEMS, type SummarySection } from '../fhir/codes.js';
import { rewriteReferences } from '../fhir/references.js';
import type { Filtered, ViewEntry } from '../record/view.js';
import { sectionOf } from './sections.js';

export interface AssemblyInput {
  filtered: Filtered;
  /** The sections to fill: those the sender's summary lacks, leaves `notasked` or `unavailable`. */
  sections: readonly SummarySection[];
  /** The client as the referral names it (the stored Patient), and that Patient. */
  patient: Reference;
  patientResource?: Patient;
  /** Record ids of the client's Patients: references to them become `patient`. */
  recordPatients: ReadonlySet<string>;
  endpoint: string;
  now: Date;
  newId(): string;
}

export interface SectionAdded {
  section: SummarySection;
  references: string[];
}

export interface SectionWithheld {
  section: SummarySection;
  count: number;
  reasons: WithheldReason[];
}

export interface Assembly {
  composition: Composition & { id: string };
  /** The document: the Composition first, the Patient, the entries, a Provenance per entry. */
  document: Bundle & { id: string };
  added: SectionAdded[];
  withheld: SectionWithheld[];
  /** Sections the record has nothing for: still open. */
  empty: SummarySection[];
}

/** The gateway as author and assembler (a display reference: it is no Organization of the record). */
const GATEWAY: { display: string } = { display: 'overdracht gateway' };

export function assemble(input: AssemblyInput): Assembly {
  const bySection = group(input.filtered.allowed, (e) => sectionOf(e.resource));
  const withheldBySection = group(input.filtered.withheld, (w) => sectionOf(w.entry.resource));
  const added: SectionAdded[] = [];
  const withheld: SectionWithheld[] = [];
  const empty: SummarySection[] = [];
  const sections: CompositionSection[] = [];
  const included: ViewEntry[] = [];
  for (const code of input.sections) {
    const entries = bySection.get(code) ?? [];
    const held = withheldBySection.get(code) ?? [];
    if (held.length > 0)
      withheld.push({ section: code, count: held.length, reasons: [...new Set(held.map((w) => w.reason))] });
    if (entries.length > 0) {
      added.push({ section: code, references: entries.map(refOf) });
      included.push(...entries);
    } else if (held.length === 0) empty.push(code);
    const section = sectionFor(
      code,
      entries,
      held.length,
      held.map((w) => w.reason),
    );
    if (section) sections.push(section);
  }
  const id = input.newId();
  const composition = compositionOf(id, input, sections);
  const document = documentOf(composition, included, input);
  return { composition, document, added, withheld, empty };
}

function group<T>(list: readonly T[], key: (t: T) => SummarySection | undefined): Map<SummarySection, T[]> {
  const map = new Map<SummarySection, T[]>();
  for (const t of list) {
    const k = key(t);
    if (k) map.set(k, [...(map.get(k) ?? []), t]);
  }
  return map;
}

function refOf(e: ViewEntry): string {
  return `${e.resource.resourceType}/${e.resource.id}`;
}

/** A section with the entries found; else `withheld` when consent kept entries out; else none. */
function sectionFor(
  code: SummarySection,
  entries: readonly ViewEntry[],
  withheldCount: number,
  reasons: readonly WithheldReason[],
): CompositionSection | undefined {
  const base = { title: code, code: { coding: [{ system: SYSTEMS.summarySection, code }] } };
  const withheldText =
    withheldCount > 0
      ? ` ${withheldCount} entr${withheldCount === 1 ? 'y' : 'ies'} withheld: ${[...new Set(reasons)].map((r) => WITHHELD_TEXT[r]).join('; ')}.`
      : '';
  if (entries.length > 0)
    return {
      ...base,
      text: narrative(
        `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} from the client record.${withheldText}`,
      ),
      entry: entries.map((e) => ({ reference: refOf(e) })),
    };
  if (withheldCount === 0) return undefined;
  return {
    ...base,
    text: narrative(withheldText.trim()),
    emptyReason: { coding: [{ system: SYSTEMS.listEmptyReason, code: 'withheld' }] },
  };
}

function narrative(text: string): { status: 'generated'; div: string } {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${escaped}</p></div>` };
}

function compositionOf(
  id: string,
  input: AssemblyInput,
  sections: CompositionSection[],
): Composition & { id: string } {
  return {
    resourceType: 'Composition',
    id,
    status: 'final',
    type: { coding: [{ system: SYSTEMS.documentType, code: 'assembled-summary' }] },
    subject: input.patient,
    date: input.now.toISOString(),
    author: [GATEWAY],
    title: 'Samenvatting eerdere behandeling, samengesteld uit het cliëntdossier',
    section: sections,
  };
}

function documentOf(
  composition: Composition & { id: string },
  entries: readonly ViewEntry[],
  input: AssemblyInput,
): Bundle & { id: string } {
  const toPatient = (r: string): string | undefined => {
    const m = /^Patient\/(.+)$/.exec(r);
    return m?.[1] && input.recordPatients.has(m[1]) ? input.patient.reference : undefined;
  };
  const resources: Resource[] = [
    composition,
    ...(input.patientResource ? [input.patientResource] : []),
    ...entries.map((e) => rewriteReferences(e.resource, toPatient)),
    ...entries.map((e) => provenanceOf(e, input)),
  ];
  return {
    resourceType: 'Bundle',
    id: composition.id,
    identifier: { system: `${input.endpoint}/assembled-summary`, value: composition.id },
    type: 'document',
    timestamp: input.now.toISOString(),
    entry: resources.map((resource) => ({
      fullUrl: `${input.endpoint}/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
    })),
  };
}

/** Where one entry came from: the supplying organisation and source, assembled by the gateway. */
function provenanceOf(e: ViewEntry, input: AssemblyInput): Provenance {
  const [system, value] = e.organisation ? splitKey(e.organisation) : [undefined, undefined];
  const source = e.sourceName ? `${e.format}: ${e.sourceName}` : e.format;
  return {
    resourceType: 'Provenance',
    id: input.newId(),
    target: [{ reference: refOf(e) }],
    recorded: input.now.toISOString(),
    activity: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE' }],
      text: 'assembled from the client record',
    },
    agent: [
      {
        type: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
              code: 'assembler',
            },
          ],
        },
        who: GATEWAY,
      },
      ...(system && value
        ? [
            {
              type: {
                coding: [
                  {
                    system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
                    code: 'author',
                  },
                ],
              },
              who: { identifier: { system, value } },
            },
          ]
        : []),
    ],
    entity: [
      {
        role: 'source',
        what: {
          ...(e.provenance
            ? { identifier: { system: `${input.endpoint}/record-provenance`, value: e.provenance } }
            : {}),
          display: `${source}${e.recordedAt ? `, recorded ${e.recordedAt}` : ''}`,
        },
      },
    ],
  };
}

function splitKey(key: string): [string, string] {
  const bar = key.lastIndexOf('|');
  return [key.slice(0, bar), key.slice(bar + 1)];
}
