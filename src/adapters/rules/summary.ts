/**
 * The previous-treatment summary (ov-previous-treatment-summary) of a rule run: the ten sections
 * of summary-section, each listing the resources whose rule names it, or saying why it is empty:
 * `nilknown` when the source had the place for it (the table, the segment) and nothing was in it
 * for this client, `unavailable` when the format cannot carry it at all. Then the Bundles that
 * carry the summary: a document on its own, or inside a referral message.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { PROFILES, SUMMARY_SECTIONS, SYSTEMS } from '../../fhir/codes.js';
import { parseDtm, toInstant } from '../hl7v2/dtm.js';
import { uuidFor } from '../ids.js';
import type { Json } from '../paths.js';
import type { CoverageTracker } from '../coverage.js';
import { emptyReason, summarySection } from '../summary-sections.js';
import { parseDate } from '../tabular/dates.js';
import type { Draft, SourceItem } from './engine.js';
import type { RulesSpec, SummaryRule } from './spec.js';

export type SummaryOutcome = { ok: true; draft: Draft } | { ok: false; message: string };

/** Where `table:field` dates of the summary are read (and marked used). */
export interface SummarySource {
  items: readonly SourceItem[];
  coverage: CoverageTracker;
  dateFormats: readonly string[];
  timeZone: string;
}

export function buildSummary(
  spec: RulesSpec & { summary: SummaryRule },
  drafts: readonly Draft[],
  presentKinds: ReadonlySet<string>,
  idBase: string,
  source?: SummarySource,
): SummaryOutcome {
  const s = spec.summary;
  const firstOf = (names: readonly string[]): Draft | undefined =>
    names.map((n) => drafts.find((d) => d.rule.name === n)).find((d) => d !== undefined);
  const subject = firstOf([s.subject]);
  if (!subject) return { ok: false, message: 'The source holds no client (patient) to summarise' };
  const custodian = firstOf(s.custodian);
  if (!custodian)
    return {
      ok: false,
      message: `No organisation is responsible for the summary (${s.custodian.join(', ')})`,
    };
  const date = summaryDate(s, drafts, source);
  if (!date) return { ok: false, message: `The source gives no date for the summary (${s.date.join(', ')})` };
  const id = uuidFor(idBase, 'summary');
  const author = firstOf(s.author) ?? custodian;
  const composition: Json = {
    resourceType: 'Composition',
    id,
    meta: { profile: [PROFILES.summary] },
    status: 'final',
    type: { coding: [{ system: SYSTEMS.documentType, code: 'previous-treatment-summary' }] },
    subject: ref(subject),
    date,
    author: [ref(author)],
    title: s.title,
    custodian: ref(custodian),
    section: SUMMARY_SECTIONS.map((code) => section(spec, code, drafts, presentKinds)),
  };
  const rule = { name: 'summary', from: 'channel', resourceType: 'Composition' };
  return { ok: true, draft: { rule, item: subject.item, index: -1, id, resource: composition } };
}

function ref(d: Draft): Json {
  return { reference: `urn:uuid:${d.id}` };
}

/** The latest date of the first `rule.path` that has one; a date alone is kept as a date. */
function summaryDate(s: SummaryRule, drafts: readonly Draft[], source?: SummarySource): string | undefined {
  for (const at of s.date) {
    if (at.includes(':')) {
      const fromItem = itemDate(at, source);
      if (fromItem) return fromItem;
      continue;
    }
    const dot = at.indexOf('.');
    const [name, path] = [at.slice(0, dot), at.slice(dot + 1)];
    const values = drafts
      .filter((d) => d.rule.name === name)
      .map((d) => valueAt(d.resource, path))
      .filter((v): v is string => typeof v === 'string' && /^\d{4}/.test(v))
      .sort();
    if (values.length > 0) return values.at(-1);
  }
  return undefined;
}

/** `table:field`: the date in the first item of that kind that has a readable one. */
function itemDate(at: string, source: SummarySource | undefined): string | undefined {
  if (!source) return undefined;
  const [kind, field] = at.split(':');
  for (const item of source.items.filter((i) => i.kind === kind)) {
    const cell = item.cells.find((c) => c.field === field);
    const value = cell ? parseDate(cell.value, source.dateFormats, source.timeZone) : undefined;
    if (cell && value) {
      source.coverage.use(cell.location);
      return value;
    }
  }
  return undefined;
}

function valueAt(root: Json, path: string): unknown {
  let v: unknown = root;
  for (const part of path.split('.')) {
    if (Array.isArray(v)) v = v[0];
    v = typeof v === 'object' && v !== null ? (v as Json)[part] : undefined;
  }
  return v;
}

function section(
  spec: RulesSpec & { summary: SummaryRule },
  code: (typeof SUMMARY_SECTIONS)[number],
  drafts: readonly Draft[],
  presentKinds: ReadonlySet<string>,
): Json {
  const asked = spec.resources.some((r) => r.section === code && presentKinds.has(r.from));
  return summarySection(code, {
    title: spec.summary.sectionTitles[code],
    entries: drafts
      .filter((d) => d.rule.section === code && d.rule.resourceType)
      .map((d) => ({ reference: `urn:uuid:${d.id}`, resource: d.resource })),
    empty: {
      lines: [asked ? spec.summary.nilKnownText : spec.summary.unavailableText],
      reason: emptyReason(asked ? 'nilknown' : 'unavailable'),
    },
    describe,
    alwaysList: true,
  });
}

const CONCEPTS = ['code', 'medicationCodeableConcept', 'type', 'category'];
const DATES = ['effectiveDateTime', 'onsetDateTime', 'recordedDate', 'occurrenceDateTime', 'date'];

/** One line per entry: what (display and code), its value, when. */
export function describe(resource: Json): string {
  const parts: string[] = [];
  const concept = CONCEPTS.map((k) => resource[k])
    .map((c) => (Array.isArray(c) ? (c[0] as unknown) : c))
    .find((c) => typeof c === 'object' && c !== null) as Json | undefined;
  const coding = (concept?.coding as Json[] | undefined)?.[0];
  const name = (concept?.text ??
    coding?.display ??
    resource.title ??
    resource.name ??
    resource.description) as string | undefined;
  const code = coding?.code as string | undefined;
  if (name && code && name !== code) parts.push(`${name} (${code})`);
  else if (name ?? code) parts.push(String(name ?? code));
  else parts.push(String(resource.resourceType));
  const value =
    resource.valueInteger ?? (resource.valueQuantity as Json | undefined)?.value ?? resource.valueString;
  if (value !== undefined) parts.push(`: ${String(value)}`);
  const period = resource.period as Json | undefined;
  const when = DATES.map((k) => resource[k]).find((v) => typeof v === 'string') ?? period?.start;
  if (typeof when === 'string') parts.push(`, ${when.slice(0, 10)}`);
  return parts.join('');
}

/** Bundle.timestamp is an instant: a date alone is its midnight in the channel's zone. */
export function instantOf(value: string, timeZone: string): string | undefined {
  if (value.length > 10) return value;
  const dtm = parseDtm(value.replace(/-/g, ''));
  return dtm ? toInstant(dtm, timeZone) : undefined;
}

/** The summary as a document Bundle (ov-previous-treatment-summary-document). */
export function summaryDocument(
  summary: Draft,
  drafts: readonly Draft[],
  idBase: string,
  timeZone: string,
): Bundle {
  const id = uuidFor(idBase, 'document');
  const subject = (summary.resource.subject as Json).reference;
  const patient = drafts.find((d) => `urn:uuid:${d.id}` === subject);
  const rest = drafts.filter((d) => d !== patient && d.rule.resourceType);
  const ordered = [summary, ...(patient ? [patient] : []), ...rest];
  return {
    resourceType: 'Bundle',
    id,
    meta: { profile: [PROFILES.summaryDocument] },
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${id}` },
    type: 'document',
    timestamp: instantOf(String(summary.resource.date), timeZone),
    entry: ordered.map((d) => ({ fullUrl: `urn:uuid:${d.id}`, resource: d.resource })),
  } as unknown as Bundle;
}
