/**
 * The HL7 v2 mapping engine: it runs a declarative spec (mappings/hl7v2/) over one parsed
 * message. Resource rules make a resource per matching segment, field rules fill it through the
 * datatype converters, element rules put child segments (NTE) into their owner's resource,
 * reference rules link the resources, and the summary Composition collects what the message
 * carries. Every leaf a written value came from is marked used; everything else populated ends
 * in the report, by construction.
 */
import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { SUMMARY_SECTIONS, SYSTEMS } from '../../fhir/codes.js';
import { outcome } from '../../fhir/outcomes.js';
import { forEachReference } from '../../fhir/references.js';
import { CoverageTracker } from '../coverage.js';
import { type ConversionResult, recordError, untranslatableIssue } from '../framework.js';
import { uuidFor } from '../ids.js';
import { type Json, setPath } from '../paths.js';
import type { CodeTranslator } from '../translator.js';
import { CONVERTERS } from './convert.js';
import { ChoiceValue, type ConvertEnv, type ConverterDef } from './datatypes/env.js';
import { Cursor, newSink, type ReadSink } from './cursor.js';
import { leafKey, leafPath, segmentLocation } from './locate.js';
import {
  type ChannelRule,
  type Condition,
  type ElementRule,
  type FieldRule,
  type Hl7v2Spec,
  isChannelRule,
  isSourceRule,
  parseSource,
  type ReferenceRule,
  type ResourceRule,
} from './spec.js';
import type { Hl7Structure } from './structure.js';
import type { Hl7Message, Hl7Segment } from './types.js';

export interface EngineDeps {
  spec: Hl7v2Spec;
  structure: Hl7Structure;
  translator: CodeTranslator;
  channel: Readonly<Record<string, string>>;
  /** IANA zone for date-times sent without an offset (default Europe/Amsterdam). */
  timeZone: string;
  /** Whether a coding is in a value set; undefined when it cannot tell. */
  inValueSet?: (valueSetUrl: string, coding: { system?: string; code?: string }) => boolean | undefined;
  codeInSystem?: (system: string, code: string) => boolean | undefined;
}

export interface DetailedResult extends ConversionResult {
  coverage: CoverageTracker;
}

interface Embedded {
  id: string;
  resource: Json;
}

/** What one rule application produced, committed only if its value was written. */
interface Built {
  used: string[];
  reported: string[];
  issues: OperationOutcomeIssue[];
  embedded: Embedded[];
}

interface Draft extends Built {
  rule: ResourceRule;
  segment: Hl7Segment;
  id: string;
  resource: Json;
  referenced: boolean;
  dropped: boolean;
}

interface RunState {
  deps: EngineDeps;
  message: Hl7Message;
  byName: Map<string, Hl7Segment[]>;
  owners: Map<number, Hl7Segment>;
  drafts: Draft[];
  idBase: string;
  /** Where converters put the resources they embed during the current field. */
  embedding: Embedded[];
}

interface Run extends RunState {
  env: ConvertEnv;
}

export function convertMessage(message: Hl7Message, deps: EngineDeps): DetailedResult {
  const coverage = registerLeaves(message, deps.structure);
  declareStructural(message, deps.spec, coverage);
  const refusal = acceptProblem(message, deps.spec);
  if (refusal) return { output: undefined, report: outcome([refusal]), coverage };
  const msh = message.segments[0];
  const state: RunState = {
    deps,
    message,
    byName: indexByName(message),
    owners: computeOwners(message, deps.spec),
    drafts: [],
    idBase: `${message.controlId}|${msh?.fields[3]?.[0]?.[0]?.[0] ?? ''}|${msh?.fields[4]?.[0]?.[0]?.[0] ?? ''}`,
    embedding: [],
  };
  const run: Run = Object.assign(state, { env: envFor(state) });
  for (const rule of deps.spec.resources) buildResources(run, rule);
  for (const rule of deps.spec.elements) applyElements(run, rule);
  // Links inside a record first (a coverage and its insurer), so that what a resource requires
  // can be checked before anything else links to it.
  linkAll(run, (scope) => scope !== 'message');
  enforceRequired(run);
  linkAll(run, (scope) => scope === 'message');
  for (const d of run.drafts) if (d.rule.lazy && !d.referenced) d.dropped = true;
  const missing = deps.spec.bundle.required.find((r) => !live(run).some((d) => d.rule.name === r.rule));
  if (missing) {
    const segment = deps.spec.resources.find((r) => r.name === missing.rule)?.segment ?? 'MSH';
    return {
      output: undefined,
      report: outcome([recordError({ location: segment, message: missing.message }, 'required')]),
      coverage,
    };
  }
  buildSummary(run);
  const issues = commit(run, coverage);
  const bundle = assemble(run);
  const unmapped = coverage.unmappedIssues((loc) => `${deps.structure.describe(loc)}: not mapped`);
  return { output: bundle, report: outcome([...issues, ...unmapped]), coverage };
}

// ---------------------------------------------------------------------------------------------
// Coverage bookkeeping
// ---------------------------------------------------------------------------------------------

function registerLeaves(message: Hl7Message, structure: Hl7Structure): CoverageTracker {
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

function declareStructural(message: Hl7Message, spec: Hl7v2Spec, tracker: CoverageTracker): void {
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

function acceptProblem(message: Hl7Message, spec: Hl7v2Spec): OperationOutcomeIssue | undefined {
  const type = `${message.messageCode}^${message.triggerEvent}`;
  if (!spec.accept.messageTypes.includes(type)) {
    return recordError(
      {
        location: 'MSH-9',
        message: `Message type ${type} is not read by this mapping (${spec.accept.messageTypes.join(', ')})`,
      },
      'not-supported',
    );
  }
  if (!spec.accept.versions.includes(message.version)) {
    return recordError(
      {
        location: 'MSH-12',
        message: `HL7 version ${message.version} is not read by this mapping (${spec.accept.versions.join(', ')})`,
      },
      'not-supported',
    );
  }
  return undefined;
}

/** Commits what kept drafts used and reported; returns their issues. */
function commit(run: Run, tracker: CoverageTracker): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  for (const d of run.drafts) {
    if (d.dropped && d.rule.lazy) continue;
    if (!d.dropped) d.used.forEach((k) => tracker.use(k));
    d.reported.forEach((k) => tracker.markReported(k));
    issues.push(...d.issues);
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Segment structure
// ---------------------------------------------------------------------------------------------

function indexByName(message: Hl7Message): Map<string, Hl7Segment[]> {
  const byName = new Map<string, Hl7Segment[]>();
  for (const seg of message.segments) {
    const list = byName.get(seg.name);
    if (list) list.push(seg);
    else byName.set(seg.name, [seg]);
  }
  return byName;
}

function first(run: Run, name: string): Hl7Segment | undefined {
  return run.byName.get(name)?.[0];
}

/** The owner of each grouped segment: the nearest earlier parent, passing only skippable segments. */
function computeOwners(message: Hl7Message, spec: Hl7v2Spec): Map<number, Hl7Segment> {
  const owners = new Map<number, Hl7Segment>();
  message.segments.forEach((seg, i) => {
    const group = spec.groups[seg.name];
    if (!group) return;
    for (let j = i - 1; j >= 0; j--) {
      const prev = message.segments[j];
      if (!prev) break;
      if (group.parents.includes(prev.name)) {
        owners.set(seg.position, prev);
        return;
      }
      if (!(group.skipping ?? []).includes(prev.name)) return;
    }
  });
  return owners;
}

function holds(conditions: readonly Condition[] | undefined, seg: Hl7Segment, run: Run): boolean {
  if (!conditions) return true;
  return conditions.every((c) => {
    const src = parseSource(c.field);
    const where = src.segment === seg.name ? seg : first(run, src.segment);
    const values = (where?.fields[src.field] ?? []).flatMap((rep) => {
      const parts = src.component === undefined ? rep.flat() : (rep[src.component - 1] ?? []);
      return parts.filter((v) => v !== '' && v !== '""').map((v) => v.trim().toUpperCase());
    });
    if (c.present !== undefined && c.present !== values.length > 0) return false;
    if (c.in && !values.some((v) => c.in?.some((x) => x.toUpperCase() === v))) return false;
    if (c.notIn && values.some((v) => c.notIn?.some((x) => x.toUpperCase() === v))) return false;
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Resources and fields
// ---------------------------------------------------------------------------------------------

function buildResources(run: Run, rule: ResourceRule): void {
  let segments = (run.byName.get(rule.segment) ?? []).filter((s) => holds(rule.when, s, run));
  if (rule.occurs === 'first') segments = segments.slice(0, 1);
  for (const segment of segments) {
    const id = uuidFor(run.idBase, rule.name, String(segment.position));
    const resource: Json = { resourceType: rule.resourceType, id };
    if (rule.profile) resource.meta = { profile: [rule.profile] };
    for (const [path, value] of Object.entries(rule.fixed ?? {}))
      setPath(resource, path, structuredClone(value));
    const draft: Draft = {
      rule,
      segment,
      id,
      resource,
      used: [],
      reported: [],
      issues: [],
      embedded: [],
      referenced: false,
      dropped: false,
    };
    for (const field of rule.fields ?? []) applyField(run, draft, resource, field, segment);
    // A resource no source field went into carries nothing of the message: leave it out.
    if (draft.used.length === 0 && (rule.fields ?? []).some(isSourceRule)) continue;
    run.drafts.push(draft);
  }
}

function appends(target: string): boolean {
  return target.includes('[]');
}

/** Applies one field rule, writing into `into` and recording in `built`. */
function applyField(run: Run, built: Built, into: Json, rule: FieldRule, segment: Hl7Segment): void {
  if (!holds(rule.when, segment, run)) return;
  if (isChannelRule(rule)) {
    applyChannel(run, built, into, rule);
    return;
  }
  if (!isSourceRule(rule)) {
    const value = structuredClone(rule.value);
    const holder = setPath(into, rule.target, value);
    if (holder) applyWith(holder, value, rule.with);
    return;
  }
  const src = parseSource(rule.source);
  // An absent segment reads as empty, so that defaults still apply.
  const seg = (src.segment === segment.name ? segment : first(run, src.segment)) ?? emptySegment(src.segment);
  const field = seg.fields[src.field];
  const reps = field && appends(rule.target) ? field.length : 1;
  const converter: ConverterDef = CONVERTERS[rule.as];
  for (let rep = 1; rep <= reps; rep++) {
    const sink = newSink();
    const embedded: Embedded[] = [];
    run.embedding = embedded;
    const value = converter.convert(cursorFor(run, seg, src, rep, sink), rule, run.env);
    const final = value ?? plainDefault(run, rule, converter);
    built.reported.push(...sink.reported);
    built.issues.push(...sink.issues);
    if (final === undefined) continue;
    const [path, written] = resolveChoice(rule.target, rule.as, final);
    if (path !== rule.target && choiceTaken(into, rule.target)) continue;
    const holder = setPath(into, path, written);
    if (!holder) continue;
    built.used.push(...sink.touched);
    built.embedded.push(...embedded);
    applyWith(holder, written, rule.with);
  }
}

function applyChannel(run: Run, built: Built, into: Json, rule: ChannelRule): void {
  const code = run.deps.channel[rule.channel];
  if (!code) {
    built.issues.push(
      untranslatableIssue({
        location: `channel.${rule.channel}`,
        message: `the source format has no field for ${rule.target} and the channel configuration does not set '${rule.channel}'`,
      }),
    );
    return;
  }
  const value = rule.system ? { coding: [{ system: rule.system, code }] } : code;
  const holder = setPath(into, rule.target, value);
  if (holder) applyWith(holder, value, rule.with);
}

/** `value[x]` becomes `valueQuantity` (a converter's ChoiceValue) or is named after the converter. */
function resolveChoice(target: string, as: string, value: unknown): [string, unknown] {
  if (!target.endsWith('[x]')) return [target, value];
  if (value instanceof ChoiceValue) return [target.replace('[x]', value.type), value.value];
  const type =
    as === 'Practitioner' || as === 'Organization'
      ? 'Reference'
      : `${as.charAt(0).toUpperCase()}${as.slice(1)}`;
  return [target.replace('[x]', type), value];
}

/** A choice element takes one type only: the first value written wins here too. */
function choiceTaken(into: Json, target: string): boolean {
  const steps = target.slice(0, -'[x]'.length).split('.');
  const prefix = steps.pop() ?? '';
  let obj: unknown = into;
  for (const step of steps) obj = typeof obj === 'object' && obj !== null ? (obj as Json)[step] : undefined;
  if (typeof obj !== 'object' || obj === null) return false;
  return Object.keys(obj).some((k) => k.startsWith(prefix) && /^[A-Z]/.test(k.slice(prefix.length)));
}

function emptySegment(name: string): Hl7Segment {
  return { name, position: 0, line: 0, occurrence: 1, fields: [] };
}

function cursorFor(
  run: Run,
  seg: Hl7Segment,
  src: { field: number; component?: number },
  rep: number,
  sink: ReadSink,
): Cursor {
  const { structure } = run.deps;
  const cursor = new Cursor(structure, seg, src.field, rep, structure.fieldType(seg.name, src.field), sink);
  return src.component === undefined ? cursor : cursor.sub(src.component);
}

/** Defaults of non-coded converters (coded ones resolve theirs against their ConceptMap). */
function plainDefault(run: Run, rule: FieldRule, converter: ConverterDef): unknown {
  if (
    !isSourceRule(rule) ||
    rule.default === undefined ||
    converter.needsConceptMap ||
    rule.as === 'CodeableConcept'
  )
    return undefined;
  return typeof rule.default === 'string' ? rule.default : run.deps.channel[rule.default.channel];
}

/** `with` constants go beside the value: into the element itself when an element was written. */
function applyWith(holder: Json, written: unknown, extra: Record<string, unknown> | undefined): void {
  const into =
    typeof written === 'object' && written !== null && !Array.isArray(written) ? (written as Json) : holder;
  for (const [path, value] of Object.entries(extra ?? {})) setPath(into, path, structuredClone(value));
}

function envFor(run: RunState): ConvertEnv {
  const { spec, translator, channel, timeZone, codeInSystem } = run.deps;
  return {
    translator,
    channel,
    timeZone,
    codeInSystem: (system, code) => codeInSystem?.(system, code),
    codingSystem: (name) => codingSystem(spec, name),
    identifierSystem: (q) =>
      spec.identifierSystems.find(
        (r) =>
          (q.oid && r.oids?.includes(q.oid)) ||
          (q.namespace && r.namespaces?.some((n) => n.toUpperCase() === q.namespace?.toUpperCase())) ||
          (q.typeCode && r.typeCodes?.some((t) => t.toUpperCase() === q.typeCode?.toUpperCase())),
      ),
    embed: (resourceType, resource, cur) => {
      const id = uuidFor(run.idBase, 'embedded', cur.location());
      run.embedding.push({ id, resource: { resourceType, id, ...resource } });
      return { reference: `urn:uuid:${id}` };
    },
  };
}

const HL7_TABLE = /^HL7(\d{3,4})$/i;
const OID = /^[0-2](\.\d+)+$/;

/** HL7 table 0396 names (and the HL7nnnn table names and OIDs senders use) to FHIR system URIs. */
export function codingSystem(spec: Hl7v2Spec, name: string): string | undefined {
  const direct = spec.codingSystems[name] ?? spec.codingSystems[name.toUpperCase()];
  if (direct) return direct;
  const table = HL7_TABLE.exec(name);
  if (table) return `http://terminology.hl7.org/CodeSystem/v2-${(table[1] ?? '').padStart(4, '0')}`;
  return OID.test(name) ? `urn:oid:${name}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// Elements (child segments into their owner's resource)
// ---------------------------------------------------------------------------------------------

function applyElements(run: Run, rule: ElementRule): void {
  for (const seg of run.byName.get(rule.segment) ?? []) {
    const owner = run.owners.get(seg.position);
    const ownerRule = owner ? rule.owners[owner.name] : undefined;
    const draft =
      (ownerRule && owner && live(run).find((d) => d.rule.name === ownerRule && d.segment === owner)) ||
      (rule.fallback ? live(run).find((d) => d.rule.name === rule.fallback) : undefined);
    if (!draft) continue;
    const element: Json = {};
    const built: Built = { used: [], reported: [], issues: [], embedded: [] };
    for (const field of rule.fields) applyField(run, built, element, field, seg);
    draft.reported.push(...built.reported);
    draft.issues.push(...built.issues);
    if (Object.keys(element).length === 0 || !setPath(draft.resource, rule.target, element)) continue;
    draft.used.push(...built.used);
    draft.embedded.push(...built.embedded);
  }
}

// ---------------------------------------------------------------------------------------------
// Required elements, references, the summary
// ---------------------------------------------------------------------------------------------

function live(run: Run): Draft[] {
  return run.drafts.filter((d) => !d.dropped);
}

/** A resource without what it cannot do without is dropped; its whole segment is reported once. */
function enforceRequired(run: Run): void {
  for (const d of live(run)) {
    const missing = (d.rule.require ?? []).find((r) => !hasValue(d.resource, r.path));
    if (!missing) continue;
    d.dropped = true;
    d.reported.push(...d.used);
    d.issues.push(
      recordError(
        {
          location: segmentLocation(run.deps.structure, d.segment),
          message: `${missing.message}; this ${d.segment.name} is not converted`,
        },
        'required',
      ),
    );
  }
}

/** `a|b`: either element will do. */
function hasValue(resource: Json, path: string): boolean {
  return path.split('|').some((p) => {
    const v = resource[p];
    return v !== undefined && !(Array.isArray(v) && v.length === 0);
  });
}

function linkAll(run: Run, phase: (scope: NonNullable<ReferenceRule['scope']>) => boolean): void {
  for (const draft of live(run)) {
    for (const ref of draft.rule.references ?? []) if (phase(ref.scope ?? 'message')) link(run, draft, ref);
  }
}

function link(run: Run, draft: Draft, ref: ReferenceRule): void {
  for (const name of ref.to) {
    let found = live(run).filter(
      (d) => d.rule.name === name && inScope(run, draft, d, ref.scope ?? 'message'),
    );
    if (ref.valueSet) found = found.filter((d) => codedIn(run, d.resource, ref.valueSet ?? ''));
    if (found.length === 0) continue;
    for (const target of ref.all ? found : found.slice(0, 1)) {
      const reference: Json = { reference: `urn:uuid:${target.id}` };
      if (ref.type) reference.type = ref.type;
      if (setPath(draft.resource, ref.target, reference)) target.referenced = true;
    }
    return;
  }
}

function inScope(run: Run, from: Draft, to: Draft, scope: NonNullable<ReferenceRule['scope']>): boolean {
  switch (scope) {
    case 'message':
      return true;
    case 'segment':
      return to.segment === from.segment;
    case 'children':
      return run.owners.get(to.segment.position) === from.segment;
    default:
      return scope satisfies never;
  }
}

function codedIn(run: Run, resource: Json, valueSet: string): boolean {
  const code = resource.code;
  const codings =
    typeof code === 'object' && code !== null && Array.isArray((code as Json).coding)
      ? ((code as Json).coding as Json[])
      : [];
  return codings.some(
    (c) =>
      run.deps.inValueSet?.(valueSet, { system: String(c.system ?? ''), code: String(c.code ?? '') }) ===
      true,
  );
}

/**
 * The previous-treatment summary: each section lists what the message carries for it; a section
 * the source cannot fill says so (emptyReason, with text), so the gate knows what to complete.
 */
function buildSummary(run: Run): void {
  const { summary } = run.deps.spec;
  const composition = live(run).find((d) => d.rule.name === summary.rule);
  if (!composition) return;
  const trigger = `${run.message.messageCode}^${run.message.triggerEvent}`;
  composition.resource.section = SUMMARY_SECTIONS.map((code) => {
    const def = summary.sections[code];
    let entries = live(run).filter((d) => (def?.from ?? []).includes(d.rule.name));
    if (def?.valueSet) entries = entries.filter((d) => codedIn(run, d.resource, def.valueSet ?? ''));
    entries.forEach((d) => (d.referenced = true));
    const base = { title: def?.title ?? code, code: { coding: [{ system: SYSTEMS.summarySection, code }] } };
    if (entries.length > 0) {
      return {
        ...base,
        text: narrative(entries.map((d) => describe(d.resource))),
        entry: entries.map((d) => ({ reference: `urn:uuid:${d.id}` })),
      };
    }
    return {
      ...base,
      text: narrative([summary.emptyText.replace('{trigger}', trigger)]),
      emptyReason: { coding: [{ system: SYSTEMS.listEmptyReason, code: summary.emptyReason }] },
    };
  });
}

function narrative(lines: string[]): Json {
  const items =
    lines.length === 1
      ? `<p>${xhtml(lines[0] ?? '')}</p>`
      : `<ul>${lines.map((l) => `<li>${xhtml(l)}</li>`).join('')}</ul>`;
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${items}</div>` };
}

function xhtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A short line for a section's narrative: what it is, never who (no names). */
function describe(resource: Json): string {
  const concept = (resource.code ??
    resource.medicationCodeableConcept ??
    (Array.isArray(resource.relationship) ? resource.relationship[0] : undefined)) as Json | undefined;
  const coding = Array.isArray(concept?.coding) ? (concept.coding[0] as Json | undefined) : undefined;
  const label = String(concept?.text ?? coding?.display ?? coding?.code ?? resource.resourceType);
  return coding?.code && label !== coding.code ? `${label} (${String(coding.code)})` : label;
}

// ---------------------------------------------------------------------------------------------
// The Bundle
// ---------------------------------------------------------------------------------------------

function assemble(run: Run): Bundle {
  const { bundle: spec } = run.deps.spec;
  const kept = live(run);
  const bundleDraft = kept.find((d) => d.rule.name === spec.rule);
  const order = (name: string): Draft[] => kept.filter((d) => d.rule.name === name);
  const head = [...order(spec.header), ...order(spec.focus)];
  const rest = kept.filter((d) => d !== bundleDraft && !head.includes(d));
  const resources: Json[] = [...head, ...rest].map((d) => d.resource);
  const embedded = dedupe(
    kept.flatMap((d) => d.embedded),
    resources,
  );
  const all = [...resources, ...embedded.map((e) => e.resource)];
  const bundle: Json = bundleDraft?.resource ?? { resourceType: 'Bundle', id: uuidFor(run.idBase, 'bundle') };
  bundle.entry = all.map((resource) => ({ fullUrl: `urn:uuid:${String(resource.id)}`, resource }));
  return bundle as unknown as Bundle;
}

/** The same practitioner named in several fields becomes one resource; references follow. */
function dedupe(embedded: Embedded[], others: Json[]): Embedded[] {
  const byContent = new Map<string, string>();
  const rename = new Map<string, string>();
  const kept: Embedded[] = [];
  for (const e of embedded) {
    const { id: _id, ...content } = e.resource;
    const key = JSON.stringify(content);
    const existing = byContent.get(key);
    if (existing) {
      rename.set(`urn:uuid:${e.id}`, `urn:uuid:${existing}`);
      continue;
    }
    byContent.set(key, e.id);
    kept.push(e);
  }
  if (rename.size > 0) {
    for (const r of [...others, ...kept.map((e) => e.resource)]) {
      forEachReference(r, (ref) => {
        ref.reference = rename.get(ref.reference) ?? ref.reference;
      });
    }
  }
  return kept;
}
