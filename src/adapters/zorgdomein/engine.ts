/**
 * The ZorgDomein mapping engine: one FHIR document Bundle (Composition first) in, one overdracht
 * referral message out. The source is FHIR already, so most of the mapping is choosing which
 * elements of which resources travel (the spec's `copy` lists), giving every resource a
 * deterministic id and rewriting references to it, adding codes through ConceptMaps, and putting
 * the document's sections where the referral message keeps them: the reason, the question and
 * the client's request in the ServiceRequest, the rest in the ten sections of the summary.
 * Every leaf a written value came from is marked used; everything else ends in the report.
 */
import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { PROFILES, SUMMARY_SECTIONS, type SummarySection, SYSTEMS } from '../../fhir/codes.js';
import { outcome } from '../../fhir/outcomes.js';
import type { JsonObject } from '../../fhir/xml.js';
import type { CoverageTracker } from '../coverage.js';
import {
  type ConversionContext,
  type ConversionResult,
  recordError,
  untranslatableIssue,
} from '../framework.js';
import { uuidFor } from '../ids.js';
import { isObject, type ZdDocument } from './parse.js';
import { childLocation, definitionPath, forEachLeaf, registerLeaves } from './source.js';
import type { ResourceRule, SectionTarget, ZorgdomeinSpec } from './spec.js';

type Out = Record<string, unknown>;

export interface DetailedResult extends ConversionResult {
  coverage: CoverageTracker | undefined;
}

interface Entry {
  index: number;
  type: string;
  location: string;
  resource: JsonObject;
  rule: ResourceRule | undefined;
  /** The id of the output resource; undefined when this entry is not converted. */
  outId: string | undefined;
  out: Out | undefined;
}

interface Run {
  spec: ZorgdomeinSpec;
  ctx: ConversionContext;
  doc: ZdDocument;
  idBase: string;
  entries: Entry[];
  /** fullUrl and Type/id of every source entry -> the entry. */
  byReference: Map<string, Entry>;
  /** urn:uuid of every converted entry -> the entry (lookups stay linear on hostile documents). */
  byUrn: Map<string, Entry>;
  used: Set<string>;
  reported: Set<string>;
  issues: OperationOutcomeIssue[];
}

const REFERRAL = 'ServiceRequest';

export function convertDocument(
  doc: ZdDocument,
  spec: ZorgdomeinSpec,
  ctx: ConversionContext,
  maxLeaves: number,
): DetailedResult {
  const coverage = registerLeaves(doc.bundle, doc.base, maxLeaves);
  if (!coverage) {
    return fail(
      undefined,
      recordError(
        { location: doc.base, message: `The document has more than ${maxLeaves} values` },
        'too-costly',
      ),
    );
  }
  const run = start(doc, spec, ctx);
  const problem = checkShape(run);
  if (problem) return fail(coverage, problem);
  const event = documentEvent(run);
  if (!event) {
    return fail(
      coverage,
      recordError(
        {
          location: `${run.entries[0]?.location ?? doc.base}.type`,
          message: 'The document type is not one this mapping reads (referral letter)',
        },
        'not-supported',
      ),
    );
  }
  assignIds(run);
  for (const entry of run.entries) if (entry.rule) convertEntry(run, entry);
  const parts = connect(run);
  if ('problem' in parts) return fail(coverage, parts.problem);
  readSections(run, parts);
  buildSummary(run, parts);
  const bundle = assemble(run, event, parts);
  if ('problem' in bundle) return fail(coverage, bundle.problem);
  declareStructural(run, coverage);
  run.used.forEach((k) => coverage.use(k));
  run.reported.forEach((k) => coverage.markReported(k));
  const unmapped = coverage.unmappedIssues(
    (location) => `${definitionPath(location, doc.base, (i) => typeOf(run, i))}: not mapped`,
  );
  return { output: bundle.bundle, report: outcome([...run.issues, ...unmapped]), coverage };
}

function fail(coverage: CoverageTracker | undefined, problem: OperationOutcomeIssue): DetailedResult {
  return { output: undefined, report: outcome([problem]), coverage };
}

function typeOf(run: Run, index: number): string {
  return run.entries[index]?.type ?? 'Resource';
}

// ---------------------------------------------------------------------------------------------
// The document and its entries
// ---------------------------------------------------------------------------------------------

function start(doc: ZdDocument, spec: ZorgdomeinSpec, ctx: ConversionContext): Run {
  const raw = Array.isArray(doc.bundle.entry) ? doc.bundle.entry : [];
  const entries: Entry[] = raw.map((e, index) => {
    const resource = isObject(e) && isObject(e.resource) ? e.resource : {};
    const type = typeof resource.resourceType === 'string' ? resource.resourceType : 'Resource';
    return {
      index,
      type,
      location: `${doc.base}.entry[${index}].resource`,
      resource,
      rule: spec.resources[type],
      outId: undefined,
      out: undefined,
    };
  });
  const byReference = new Map<string, Entry>();
  raw.forEach((e, i) => {
    const entry = entries[i];
    if (!entry) return;
    if (isObject(e) && typeof e.fullUrl === 'string') byReference.set(e.fullUrl, entry);
    if (typeof entry.resource.id === 'string') byReference.set(`${entry.type}/${entry.resource.id}`, entry);
  });
  return {
    spec,
    ctx,
    doc,
    idBase: identityOf(doc.bundle),
    entries,
    byReference,
    byUrn: new Map(),
    used: new Set(),
    reported: new Set(),
    issues: [],
  };
}

/** What identifies the document: its identifier, else its id (never the clock). */
function identityOf(bundle: JsonObject): string {
  const identifier = isObject(bundle.identifier) ? bundle.identifier : {};
  if (typeof identifier.value === 'string') return `${String(identifier.system ?? '')}|${identifier.value}`;
  return typeof bundle.id === 'string' ? `id|${bundle.id}` : 'zorgdomein-document';
}

function checkShape(run: Run): OperationOutcomeIssue | undefined {
  const base = run.doc.base;
  // bdl-11: a document's first entry is its Composition.
  if (run.entries[0]?.type !== 'Composition')
    return recordError(
      { location: `${base}.entry[0]`, message: 'The first entry of a document must be its Composition' },
      'structure',
    );
  const patients = run.entries.filter((e) => e.type === 'Patient');
  if (patients.length !== 1)
    return recordError(
      {
        location: `${base}.entry`,
        message: `A referral document names exactly one Patient; this one has ${patients.length}`,
      },
      'required',
    );
  const subject = refTarget(run, run.entries[0].resource.subject);
  if (subject?.type !== 'Patient')
    return recordError(
      {
        location: `${run.entries[0].location}.subject`,
        message: "The Composition's subject is not the document's Patient",
      },
      'required',
    );
  return undefined;
}

/** The message event of the document type (Composition.type) through the spec's ConceptMap. */
function documentEvent(run: Run): string | undefined {
  const type = run.entries[0]?.resource.type;
  for (const coding of codings(type)) {
    const t = run.ctx.translator.translate(run.spec.documentTypeMap, coding);
    if (t.kind === 'mapped' && t.targets[0]) return t.targets[0].code;
  }
  return undefined;
}

function assignIds(run: Run): void {
  let referrals = 0;
  for (const entry of run.entries) {
    if (!entry.rule) continue;
    if (entry.type === 'Composition') {
      // Only the first entry is the document's Composition; another is an entry like any unmapped one.
      if (entry.index === 0) entry.outId = uuidFor(run.idBase, 'summary');
      else entry.rule = undefined;
    } else if (entry.type === REFERRAL) {
      // The referral message has one referral; a second ServiceRequest is reported.
      if (referrals++ === 0) entry.outId = uuidFor(run.idBase, 'referral');
      else entry.rule = undefined;
    } else {
      entry.outId = uuidFor(run.idBase, 'entry', String(entry.index));
    }
    if (entry.outId) run.byUrn.set(`urn:uuid:${entry.outId}`, entry);
  }
}

// ---------------------------------------------------------------------------------------------
// Copying elements, rewriting references, adding codes
// ---------------------------------------------------------------------------------------------

function convertEntry(run: Run, entry: Entry): void {
  const rule = entry.rule;
  if (!rule || !entry.outId) return;
  const out: Out = { resourceType: entry.type, id: entry.outId };
  if (rule.profile) out.meta = { profile: [rule.profile] };
  for (const [key, value] of Object.entries(rule.fixed ?? {})) {
    out[key] = structuredClone(value);
    // A source value equal to the fixed one did land in the output.
    if (JSON.stringify(entry.resource[key]) === JSON.stringify(value))
      forEachLeaf(entry.resource[key], childLocation(entry.location, key), (leaf) => run.used.add(leaf));
  }
  for (const name of rule.copy) copyElement(run, entry, out, name);
  for (const t of rule.translate ?? []) translateElement(run, entry, out, t);
  entry.out = out;
}

function copyElement(run: Run, entry: Entry, out: Out, name: string): void {
  for (const key of keysOf(entry.resource, name)) {
    // A fixed value or an earlier element wins; the source's value stays unmapped and is reported.
    if (out[key] !== undefined) continue;
    const value = rewrite(run, entry.resource[key], childLocation(entry.location, key));
    if (value !== undefined) out[key] = value;
  }
}

/** `onset[x]` -> onsetDateTime, onsetPeriod, ...; `name` -> name and _name. */
function keysOf(resource: JsonObject, name: string): string[] {
  if (!name.endsWith('[x]')) return [name, `_${name}`].filter((k) => resource[k] !== undefined);
  const prefix = name.slice(0, -3);
  return Object.keys(resource).filter((k) => {
    const bare = k.startsWith('_') ? k.slice(1) : k;
    return bare.startsWith(prefix) && /^[A-Z]/.test(bare.slice(prefix.length));
  });
}

/** A copy of value with references to converted entries rewritten; the rest marked used. */
function rewrite(run: Run, value: unknown, location: string): unknown {
  if (value === null || value === undefined || value === '') return undefined;
  if (Array.isArray(value)) {
    const items = value.map((item, i) => rewrite(run, item, `${location}[${i}]`));
    // Positions matter for primitive arrays with `_x` partners: keep nulls there, drop lost objects.
    const kept = value.some((v) => typeof v !== 'object' || v === null)
      ? items.map((v) => v ?? null)
      : items.filter((v) => v !== undefined);
    return kept.length > 0 && kept.some((v) => v !== null) ? kept : undefined;
  }
  if (typeof value === 'object') return rewriteObject(run, value as JsonObject, location);
  run.used.add(location);
  return value;
}

function rewriteObject(run: Run, value: JsonObject, location: string): Out | undefined {
  if (typeof value.reference === 'string' && !value.reference.startsWith('#')) {
    const target = run.byReference.get(value.reference);
    if (!target?.outId) return lostReference(run, value, location, target);
  }
  const out: Out = {};
  for (const [key, child] of Object.entries(value)) {
    const at = childLocation(location, key);
    if (key === 'reference' && typeof child === 'string' && !child.startsWith('#')) {
      out.reference = `urn:uuid:${run.byReference.get(child)?.outId ?? ''}`;
      run.used.add(at);
      continue;
    }
    const copied = rewrite(run, child, at);
    if (copied !== undefined) out[key] = copied;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A reference that leads nowhere in the output: reported once, and the Reference left out. */
function lostReference(run: Run, value: JsonObject, location: string, target: Entry | undefined): undefined {
  forEachLeaf(value, location, (leaf) => run.reported.add(leaf));
  run.issues.push(
    untranslatableIssue({
      location: `${location}.reference`,
      message: target
        ? `the reference points to a ${target.type}, which this mapping does not convert`
        : 'the reference does not resolve inside the document',
    }),
  );
  return undefined;
}

/** Adds the ConceptMap's translations to the codings of a CodeableConcept (or a list of them). */
function translateElement(
  run: Run,
  entry: Entry,
  out: Out,
  rule: NonNullable<ResourceRule['translate']>[number],
): void {
  const value = out[rule.element];
  const concepts = (Array.isArray(value) ? value : [value]).filter(isOut);
  const accept = rule.accept ?? ['equal', 'equivalent'];
  let translated = false;
  for (const concept of concepts) {
    const list = Array.isArray(concept.coding) ? concept.coding.filter(isOut) : [];
    for (const coding of [...list]) {
      if (typeof coding.system !== 'string' || typeof coding.code !== 'string') continue;
      const t = run.ctx.translator.translate(rule.conceptMap, { system: coding.system, code: coding.code });
      if (t.kind !== 'mapped') continue;
      for (const target of t.targets.filter((x) => accept.includes(x.equivalence))) {
        translated = true;
        if (list.some((c) => c.system === target.system && c.code === target.code)) continue;
        list.push(
          target.display
            ? { system: target.system, code: target.code, display: target.display }
            : { system: target.system, code: target.code },
        );
      }
    }
    concept.coding = list;
  }
  if (rule.report && concepts.length > 0 && !translated) {
    run.issues.push(
      untranslatableIssue({
        location: childLocation(entry.location, rule.element),
        message: `no code of ${entry.type}.${rule.element} is in the ConceptMap ${rule.conceptMap}`,
      }),
    );
  }
}

function isOut(v: unknown): v is Out {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function codings(concept: unknown): { system: string; code: string }[] {
  if (!isObject(concept) || !Array.isArray(concept.coding)) return [];
  return concept.coding.flatMap((c) =>
    isObject(c) && typeof c.system === 'string' && typeof c.code === 'string'
      ? [{ system: c.system, code: c.code }]
      : [],
  );
}

function refTarget(run: Run, ref: unknown): Entry | undefined {
  return isObject(ref) && typeof ref.reference === 'string' ? run.byReference.get(ref.reference) : undefined;
}

function urn(entry: Entry | undefined): string | undefined {
  return entry?.outId ? `urn:uuid:${entry.outId}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// The parts of a referral message: patient, summary, referral, sender and receiver
// ---------------------------------------------------------------------------------------------

interface Parts {
  composition: Entry;
  summary: Out;
  referral: Out;
  patient: Entry;
  sender: Entry;
  /** The receiving organisation: an entry of the document, or one the channel describes. */
  receiver: { ref: string; channelOrganization?: Out };
  /** Narrative texts per target, from the document's sections. */
  texts: Map<SectionTarget, string[]>;
  /** Empty reasons the document gives for summary sections. */
  emptyReasons: Map<SummarySection, Out>;
  /** Reason entries (Conditions of the reason section). */
  reasons: string[];
}

type Found = Parts | { problem: OperationOutcomeIssue };

function connect(run: Run): Found {
  const composition = run.entries[0];
  const patient = run.entries.find((e) => e.type === 'Patient');
  if (!composition?.out || !patient?.outId) {
    return {
      problem: recordError(
        {
          location: run.doc.base,
          message: 'The document has no Composition or Patient this mapping can read',
        },
        'required',
      ),
    };
  }
  const summary = composition.out;
  const sourceReferral = run.entries.find((e) => e.type === REFERRAL && e.out);
  const referral: Out = sourceReferral?.out ?? {
    resourceType: REFERRAL,
    id: uuidFor(run.idBase, 'referral'),
    ...structuredClone(run.spec.resources[REFERRAL]?.fixed ?? {}),
  };
  if (!sourceReferral && run.spec.resources[REFERRAL]?.profile)
    referral.meta = { profile: [run.spec.resources[REFERRAL]?.profile] };
  const sender = senderOf(run, composition);
  if (!sender) {
    return {
      problem: recordError(
        {
          location: `${composition.location}.custodian`,
          message:
            'The document names no sending organisation (Composition.custodian, or the organisation of its author)',
        },
        'required',
      ),
    };
  }
  const receiver = receiverOf(run, referral);
  if (!receiver) {
    return {
      problem: recordError(
        {
          location: `${run.doc.base}.entry`,
          message:
            'The document names no receiving organisation (ServiceRequest.performer) and the channel configuration sets none',
        },
        'required',
      ),
    };
  }
  return {
    composition,
    summary,
    referral,
    patient,
    sender,
    receiver,
    texts: new Map(),
    emptyReasons: new Map(),
    reasons: [],
  };
}

/** The custodian; else the organisation of the first author that has one. */
function senderOf(run: Run, composition: Entry): Entry | undefined {
  const custodian = refTarget(run, composition.resource.custodian);
  if (custodian?.type === 'Organization' && custodian.outId) return custodian;
  const authors = Array.isArray(composition.resource.author) ? composition.resource.author : [];
  for (const a of authors) {
    const author = refTarget(run, a);
    if (author?.type === 'Organization' && author.outId) return author;
    const org =
      author?.type === 'PractitionerRole' ? refTarget(run, author.resource.organization) : undefined;
    if (org?.type === 'Organization' && org.outId) return org;
  }
  return undefined;
}

/** The first performer that is an Organization of the document; else the channel's receiver. */
function receiverOf(run: Run, referral: Out): Parts['receiver'] | undefined {
  const performers = Array.isArray(referral.performer) ? referral.performer.filter(isOut) : [];
  const org = performers.find((p) => run.byUrn.get(String(p.reference))?.type === 'Organization');
  if (org && typeof org.reference === 'string') return { ref: org.reference };
  const channel = run.ctx.channel ?? {};
  const agb = channel.receiverOrganizationAgb;
  if (!agb) return undefined;
  const id = uuidFor(run.idBase, 'receiver');
  const organization: Out = {
    resourceType: 'Organization',
    id,
    meta: { profile: ['https://overdracht.dev/fhir/StructureDefinition/ov-organization'] },
    identifier: [{ system: SYSTEMS.agb, value: agb }],
    active: true,
    name: channel.receiverOrganizationName ?? 'Ontvangende organisatie',
  };
  return { ref: `urn:uuid:${id}`, channelOrganization: organization };
}

// ---------------------------------------------------------------------------------------------
// Sections of the source document
// ---------------------------------------------------------------------------------------------

function readSections(run: Run, parts: Parts): void {
  const sections = Array.isArray(parts.composition.resource.section)
    ? parts.composition.resource.section
    : [];
  sections.forEach((s, i) => readSection(run, parts, s, `${parts.composition.location}.section[${i}]`));
}

function readSection(run: Run, parts: Parts, section: unknown, location: string): void {
  if (!isObject(section)) return;
  const rule = run.spec.sections.find((r) =>
    codings(section.code).some((c) => r.codes.some((x) => x.system === c.system && x.code === c.code)),
  );
  const entries = Array.isArray(section.entry) ? section.entry : [];
  entries.forEach((ref, j) => {
    const target = refTarget(run, ref);
    if (!target?.outId) return;
    // The entry itself travels; the reference is how the document listed it.
    run.used.add(`${location}.entry[${j}].reference`);
    if (rule?.into === 'reason' && target.type === 'Condition')
      parts.reasons.push(`urn:uuid:${target.outId}`);
  });
  if (rule) {
    const text = narrativeText(section.text);
    if (text) {
      const title = typeof section.title === 'string' ? section.title : undefined;
      const list = parts.texts.get(rule.into) ?? [];
      // The title is kept where texts of several sections meet (notes, summary sections).
      const titled = title !== undefined && rule.into !== 'reason' && rule.into !== 'client-request';
      list.push(titled ? `${title}: ${text}` : text);
      parts.texts.set(rule.into, list);
      forEachLeaf(section.text, `${location}.text`, (leaf) => run.used.add(leaf));
      if (titled) run.used.add(`${location}.title`);
    }
    readEmptyReason(run, parts, rule.into, section, location);
  }
  const nested = Array.isArray(section.section) ? section.section : [];
  nested.forEach((s, k) => readSection(run, parts, s, `${location}.section[${k}]`));
}

/** "Asked, nothing found" from the referrer is kept: a summary section takes the document's emptyReason. */
function readEmptyReason(
  run: Run,
  parts: Parts,
  into: SectionTarget,
  section: JsonObject,
  location: string,
): void {
  if (!isSummarySection(into) || !isObject(section.emptyReason)) return;
  const coding = codings(section.emptyReason).find((c) => c.system === SYSTEMS.listEmptyReason);
  if (!coding || !['nilknown', 'withheld', 'unavailable', 'notasked'].includes(coding.code)) return;
  parts.emptyReasons.set(into, { coding: [{ system: coding.system, code: coding.code }] });
  forEachLeaf(section.emptyReason, `${location}.emptyReason`, (leaf) => run.used.add(leaf));
}

function isSummarySection(target: SectionTarget): target is SummarySection {
  return (SUMMARY_SECTIONS as readonly string[]).includes(target);
}

/** The plain text of an XHTML narrative: tags dropped, entities decoded, whitespace collapsed. */
export function narrativeText(narrative: unknown): string | undefined {
  if (!isObject(narrative) || typeof narrative.div !== 'string') return undefined;
  const text = narrative.div
    .replace(/<(br|\/p|\/li|\/div|\/tr)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|amp|quot|apos|nbsp|#\d{1,7}|#x[0-9a-f]{1,6});/gi, (_m, e: string) => entity(e))
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? undefined : text;
}

function entity(e: string): string {
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ' };
  const lower = e.toLowerCase();
  if (named[lower] !== undefined) return named[lower];
  const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
}

// ---------------------------------------------------------------------------------------------
// The referral (ServiceRequest) and the summary (Composition)
// ---------------------------------------------------------------------------------------------

function completeReferral(run: Run, parts: Parts, requester: string | undefined): void {
  const r = parts.referral;
  r.subject = { reference: urn(parts.patient) };
  if (r.requester === undefined && requester) r.requester = { reference: requester };
  if (r.performer === undefined) r.performer = [{ reference: parts.receiver.ref }];
  if (r.authoredOn === undefined && typeof parts.summary.date === 'string') r.authoredOn = parts.summary.date;
  ensureCategory(run, r);
  const known = new Set(refs(r.reasonReference));
  const reasons = parts.reasons.filter((ref) => !known.has(ref));
  if (reasons.length > 0)
    r.reasonReference = [
      ...(Array.isArray(r.reasonReference) ? r.reasonReference : []),
      ...reasons.map((reference) => ({ reference })),
    ];
  const reasonText = parts.texts.get('reason');
  if (reasonText)
    r.reasonCode = [
      ...(Array.isArray(r.reasonCode) ? r.reasonCode : []),
      ...reasonText.map((text) => ({ text })),
    ];
  const notes = parts.texts.get('note');
  if (notes) r.note = [...(Array.isArray(r.note) ? r.note : []), ...notes.map((text) => ({ text }))];
  const request = parts.texts.get('client-request');
  if (request) {
    const extension = Array.isArray(r.extension) ? r.extension : [];
    r.extension = [
      ...extension,
      {
        url: 'https://overdracht.dev/fhir/StructureDefinition/ov-client-request',
        valueString: request.join(' '),
      },
    ];
  }
  const supporting = supportingInfo(run);
  const listed = new Set(refs(r.supportingInfo));
  r.supportingInfo = [
    { type: 'Composition', reference: `urn:uuid:${String(parts.summary.id)}` },
    ...(Array.isArray(r.supportingInfo) ? r.supportingInfo : []),
    ...supporting.filter((ref) => !listed.has(ref)).map((reference) => ({ reference })),
  ];
}

function refs(list: unknown): string[] {
  return (Array.isArray(list) ? list : []).filter(isOut).map((x) => String(x.reference ?? ''));
}

/** The referral-category from the document's own category (translated), else from the channel. */
function ensureCategory(run: Run, r: Out): void {
  const categories = Array.isArray(r.category) ? r.category.filter(isOut) : [];
  if (categories.some((c) => codings(c).some((x) => x.system === SYSTEMS.referralCategory))) return;
  const code = run.ctx.channel?.referralCategory;
  if (!code) {
    run.issues.push(
      untranslatableIssue({
        location: 'channel.referralCategory',
        message:
          'the document gives no referral category and the channel configuration does not set referralCategory',
      }),
    );
    return;
  }
  r.category = [...categories, { coding: [{ system: SYSTEMS.referralCategory, code }] }];
}

/** Resources the rules send along as the referral's supporting information. */
function supportingInfo(run: Run): string[] {
  return run.entries
    .filter((e) => e.out && e.rule && inSupporting(run, e))
    .map((e) => `urn:uuid:${String(e.outId)}`);
}

function inSupporting(run: Run, e: Entry): boolean {
  if (e.rule?.supportingInfo === 'always') return true;
  return e.rule?.supportingInfo === 'otherwise' && !inSection(run, e);
}

function inSection(run: Run, e: Entry): boolean {
  if (!e.rule?.section || !e.out) return false;
  if (!e.rule.valueSet) return true;
  const valueSet = e.rule.valueSet;
  return codings(e.out.code).some((c) => run.ctx.inValueSet?.(valueSet, c) === true);
}

function buildSummary(run: Run, parts: Parts): void {
  const s = parts.summary;
  s.subject = { reference: urn(parts.patient) };
  if (s.custodian === undefined) s.custodian = { reference: urn(parts.sender) };
  const authors = refs(s.author);
  completeReferral(
    run,
    parts,
    authors.find((a) => ['PractitionerRole', 'Organization'].includes(run.byUrn.get(a)?.type ?? '')),
  );
  s.section = SUMMARY_SECTIONS.map((code) => summarySection(run, parts, code));
}

function summarySection(run: Run, parts: Parts, code: SummarySection): Out {
  const { summary } = run.spec;
  const listed = run.entries.filter((e) => e.rule?.section === code && inSection(run, e));
  for (const e of listed)
    for (const [k, v] of Object.entries(e.rule?.whenInSection ?? {}))
      if (e.out && e.out[k] === undefined) e.out[k] = structuredClone(v);
  const texts = parts.texts.get(code) ?? [];
  const base: Out = {
    title: summary.titles[code],
    code: { coding: [{ system: SYSTEMS.summarySection, code }] },
  };
  if (listed.length > 0) {
    return {
      ...base,
      text: narrative([...listed.map((e) => describe(e.out ?? {})), ...texts]),
      entry: listed.map((e) => ({ reference: urn(e) })),
    };
  }
  const reason = parts.emptyReasons.get(code) ?? {
    coding: [{ system: SYSTEMS.listEmptyReason, code: summary.emptyReason }],
  };
  const lines = texts.length > 0 ? [summary.narrativeText, ...texts] : [summary.emptyText];
  return { ...base, text: narrative(lines), emptyReason: reason };
}

function narrative(lines: string[]): Out {
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
function describe(resource: Out): string {
  const concept = (resource.code ??
    resource.medicationCodeableConcept ??
    (Array.isArray(resource.relationship) ? resource.relationship[0] : undefined)) as unknown;
  const c = isOut(concept) ? concept : {};
  const first = Array.isArray(c.coding) ? c.coding.filter(isOut)[0] : undefined;
  const label = String(c.text ?? first?.display ?? first?.code ?? resource.resourceType);
  return first?.code && label !== first.code ? `${label} (${String(first.code)})` : label;
}

// ---------------------------------------------------------------------------------------------
// Organisation types, the MessageHeader, the Bundle
// ---------------------------------------------------------------------------------------------

function ensureOrganizationType(run: Run, organization: Out | undefined, channelKey: string): void {
  if (!organization) return;
  const types = Array.isArray(organization.type) ? organization.type.filter(isOut) : [];
  if (types.some((t) => codings(t).some((c) => c.system === SYSTEMS.organizationType))) return;
  const code = run.ctx.channel?.[channelKey] ?? widerOrganizationType(run, channelKey, types);
  if (!code) {
    run.issues.push(
      untranslatableIssue({
        location: `channel.${channelKey}`,
        message: `the organisation type is not in the document and the channel configuration does not set '${channelKey}'; without it the Organization does not meet ov-organization (type[organizationType] is required)`,
      }),
    );
    return;
  }
  organization.type = [...types, { coding: [{ system: SYSTEMS.organizationType, code }] }];
}

/**
 * The organisation type a broader RoleCodeNL code gives (G5 is GGZ of all ages: ggz-institution)
 * when the channel does not decide; reported, so a youth-GGZ channel knows to set it.
 */
function widerOrganizationType(run: Run, channelKey: string, types: readonly Out[]): string | undefined {
  const maps = (run.spec.resources.Organization?.translate ?? [])
    .filter((rule) => rule.element === 'type')
    .map((rule) => rule.conceptMap);
  for (const source of types.flatMap((t) => codings(t)))
    for (const conceptMap of maps) {
      const t = run.ctx.translator.translate(conceptMap, source);
      if (t.kind !== 'mapped') continue;
      const target = t.targets.find(
        (x) => x.system === SYSTEMS.organizationType && x.equivalence === 'wider',
      );
      if (!target) continue;
      run.issues.push(
        untranslatableIssue({
          location: `channel.${channelKey}`,
          message: `the document's organisation type ${source.code} is broader than one organisation type and the channel configuration does not set '${channelKey}'; it is taken as ${target.code}`,
        }),
      );
      return target.code;
    }
  return undefined;
}

type Assembled = { bundle: Bundle } | { problem: OperationOutcomeIssue };

function assemble(run: Run, event: string, parts: Parts): Assembled {
  const source = run.doc.bundle;
  const timestamp = instantOf(source.timestamp) ?? instantOf(parts.summary.date);
  if (!timestamp) {
    return {
      problem: recordError(
        {
          location: `${run.doc.base}.timestamp`,
          message: 'Neither Bundle.timestamp nor Composition.date gives the time of the document',
        },
        'required',
      ),
    };
  }
  if (instantOf(source.timestamp)) run.used.add(`${run.doc.base}.timestamp`);
  const receiverEntry = run.byUrn.get(parts.receiver.ref);
  ensureOrganizationType(run, parts.sender.out, 'senderOrganizationType');
  ensureOrganizationType(
    run,
    receiverEntry?.out ?? parts.receiver.channelOrganization,
    'receiverOrganizationType',
  );
  const header = messageHeader(run, event, parts);
  const head = [header, parts.referral, parts.summary, parts.patient.out];
  const rest = run.entries.filter((e) => e.out && !head.includes(e.out)).map((e) => e.out);
  const resources = [...head, ...rest, parts.receiver.channelOrganization].filter(isOut);
  const bundle: Out = {
    resourceType: 'Bundle',
    id: uuidFor(run.idBase, 'bundle'),
    meta: { profile: [PROFILES.referralMessage] },
    type: 'message',
    timestamp,
  };
  if (isObject(source.identifier))
    bundle.identifier = rewrite(run, source.identifier, `${run.doc.base}.identifier`);
  bundle.entry = resources.map((resource) => ({ fullUrl: `urn:uuid:${String(resource.id)}`, resource }));
  return { bundle: bundle as unknown as Bundle };
}

function messageHeader(run: Run, event: string, parts: Parts): Out {
  const channel = run.ctx.channel ?? {};
  const destinationEndpoint = channel.destinationEndpoint;
  if (!destinationEndpoint) {
    run.issues.push(
      untranslatableIssue({
        location: 'channel.destinationEndpoint',
        message:
          "the document has no receiving endpoint and the channel configuration does not set 'destinationEndpoint'",
      }),
    );
  }
  return {
    resourceType: 'MessageHeader',
    id: uuidFor(run.idBase, 'header'),
    meta: { profile: ['https://overdracht.dev/fhir/StructureDefinition/ov-messageheader'] },
    eventCoding: { system: SYSTEMS.messageEvent, code: event },
    source: {
      name: run.spec.header.sourceName,
      endpoint: channel.sourceEndpoint ?? run.spec.header.sourceEndpoint,
    },
    destination: [
      {
        endpoint: destinationEndpoint ?? 'urn:overdracht:destination-unknown',
        receiver: { reference: parts.receiver.ref },
      },
    ],
    sender: { reference: urn(parts.sender) },
    focus: [{ reference: `urn:uuid:${String(parts.referral.id)}` }],
  };
}

/** A FHIR instant: a date-time to the second with a zone. */
function instantOf(v: unknown): string | undefined {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)
    ? v
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// Structural leaves: read to interpret the document, declared in the spec
// ---------------------------------------------------------------------------------------------

function declareStructural(run: Run, coverage: CoverageTracker): void {
  const declared = new Set(run.spec.structural);
  // An entry that is not converted keeps its resource whole, so the report names it once.
  const skipped = new Set(run.entries.filter((e) => !e.outId).map((e) => e.index));
  const entryPrefix = `${run.doc.base}.entry[`;
  for (const leaf of coverage.allLeaves()) {
    const inResource = leaf.key.startsWith(entryPrefix)
      ? /^(\d+)\]\.resource[.[]/.exec(leaf.key.slice(entryPrefix.length))
      : null;
    if (inResource && skipped.has(Number(inResource[1]))) continue;
    const path = definitionPath(leaf.key, run.doc.base, (i) => typeOf(run, i));
    const generic = path.replace(/^[A-Z][A-Za-z]*\./, 'Resource.');
    if (isDeclared(declared, path) || isDeclared(declared, generic)) coverage.declareStructural(leaf.key);
  }
}

/** The spec names elements; every leaf inside a declared element is structural. */
function isDeclared(declared: ReadonlySet<string>, path: string): boolean {
  for (let end = path.length; end > 0; end = path.lastIndexOf('.', end - 1)) {
    if (declared.has(path.slice(0, end))) return true;
  }
  return false;
}
