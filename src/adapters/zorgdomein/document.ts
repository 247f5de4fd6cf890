/**
 * The ZorgDomein document as the conversion reads it: its entries and how references find them,
 * its identity (for deterministic ids), the shape a referral document must have (Composition
 * first, one Patient as its subject), its message event (from the document type), and the id of
 * every entry that travels.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { JsonObject } from '../../fhir/xml.js';
import { type ConversionContext, recordError } from '../framework.js';
import { uuidFor } from '../ids.js';
import { isObject, type ZdDocument } from './parse.js';
import { codings, type Entry, REFERRAL, refTarget, type Run } from './run.js';
import type { ZorgdomeinSpec } from './spec.js';

export function startRun(doc: ZdDocument, spec: ZorgdomeinSpec, ctx: ConversionContext): Run {
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

export function checkShape(run: Run): OperationOutcomeIssue | undefined {
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
export function documentEvent(run: Run): string | undefined {
  const type = run.entries[0]?.resource.type;
  for (const coding of codings(type)) {
    const t = run.ctx.translator.translate(run.spec.documentTypeMap, coding);
    if (t.kind === 'mapped' && t.targets[0]) return t.targets[0].code;
  }
  return undefined;
}

export function assignIds(run: Run): void {
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
