/**
 * One EDIFACT message to a referral message Bundle: the segments become items of the rule engine
 * (`NAD+SND`, fields `element.component`), the spec's rules make the resources, the summary is
 * built from them, and the Bundle is assembled like the HL7 v2 adapter's: MessageHeader first,
 * then the referral, the summary, and everything else. Every populated component of every
 * segment (the interchange header included) ends in the output or in the report.
 */
import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { outcome } from '../../fhir/outcomes.js';
import type { CoverageTracker } from '../coverage.js';
import { type ConversionContext, type ConversionResult, recordError } from '../framework.js';
import { uuidFor } from '../ids.js';
import type { Json } from '../paths.js';
import { type Draft, runRules, type SourceItem } from '../rules/engine.js';
import { buildSummary, instantOf } from '../rules/summary.js';
import type { SourceCell } from '../tabular/records.js';
import type { EdifactSpec } from './spec.js';
import { type EdifactMessage, type EdifactSegment, segmentLocation } from './tokenize.js';

export interface EdifactResult extends ConversionResult {
  coverage?: CoverageTracker;
}

export function convertEdifactMessage(
  message: EdifactMessage,
  spec: EdifactSpec,
  ctx: ConversionContext,
): EdifactResult {
  const refusal = acceptProblem(message, spec);
  if (refusal) return { output: undefined, report: outcome([refusal]) };
  const timeZone = ctx.channel?.timeZone ?? 'Europe/Amsterdam';
  const items = [message.interchange, ...message.segments.filter((s) => s.tag !== 'UNT')].map((s) =>
    itemOf(s, spec),
  );
  const idBase = `edifact|${leaf(message.interchange, 2)}|${leaf(message.interchange, 5)}|${message.reference}`;
  const run = runRules({
    spec,
    items,
    idBase,
    env: { translator: ctx.translator, dateFormats: spec.dateFormats, timeZone },
    channel: ctx.channel ?? {},
  });
  const fail = (location: string, text: string): EdifactResult => ({
    output: undefined,
    report: outcome([...run.issues, recordError({ location, message: text }, 'required')]),
    coverage: run.coverage,
  });
  const missing = spec.message.required.find((r) => !run.drafts.some((d) => d.rule.name === r.rule));
  if (missing) return fail(message.location, missing.message);
  const summary = buildSummary(spec, run.drafts, new Set(items.map((i) => i.kind)), idBase);
  if (!summary.ok) return fail(message.location, summary.message);
  run.link(new Map([['summary', [summary.draft]]]));
  const bundle = assemble(spec, run.drafts, summary.draft, timeZone);
  if (!bundle) return fail(message.location, 'The message gives no date and time (DTM) for the referral');
  const unmapped = run.coverage.unmappedIssues((loc) => describeLocation(loc, spec));
  return { output: bundle, report: outcome([...run.issues, ...unmapped]), coverage: run.coverage };
}

function leaf(seg: EdifactSegment, element: number, component = 1): string {
  return seg.elements[element - 1]?.[component - 1] ?? '';
}

function acceptProblem(message: EdifactMessage, spec: EdifactSpec): OperationOutcomeIssue | undefined {
  const { id, version, release } = message.type;
  const type = spec.accept.messageTypes.find((t) => t.id === id);
  const unh = message.segments[0] ?? message.interchange;
  if (!type || !(type.versions.includes(version) || type.versions.includes(`${version}:${release}`))) {
    return recordError(
      {
        location: `${segmentLocation(unh)}, element 2`,
        message: `Message type ${safe(id)} version ${safe(version)} is outside this mapping (${spec.accept.messageTypes.map((t) => `${t.id} ${t.versions.join('/')}`).join(', ')})`,
      },
      'not-supported',
    );
  }
  const bgm = message.segments.find((s) => s.tag === 'BGM');
  const document = bgm ? leaf(bgm, 1) : '';
  if (!bgm || !spec.accept.documents.includes(document)) {
    return recordError(
      {
        location: bgm ? `${segmentLocation(bgm)}, element 1` : message.location,
        message: bgm
          ? `Document ${safe(document)} (BGM element 1) is not converted by this mapping; it converts ${spec.accept.documents.join(', ')}`
          : 'The message has no BGM segment: the kind of document is unknown',
      },
      'not-supported',
    );
  }
  return undefined;
}

/** Codes from the envelope are shown only when they look like codes (never free text). */
function safe(code: string): string {
  return /^[A-Z0-9]{1,6}$/.test(code) ? code : '(other)';
}

/** A segment as an item: its kind, and a cell per populated component with its location. */
export function itemOf(seg: EdifactSegment, spec: EdifactSpec): SourceItem {
  const def = spec.segments[seg.tag];
  const kind = def?.qualified ? `${seg.tag}+${leaf(seg, 1)}` : seg.tag;
  const at = segmentLocation(seg);
  const cells: SourceCell[] = [];
  seg.elements.forEach((components, e) => {
    const elementAt = `${at}, element ${e + 1}`;
    components.forEach((value, c) => {
      if (value.trim() === '') return;
      const location = components.length > 1 ? `${elementAt}.${c + 1}` : elementAt;
      cells.push({
        field: `${e + 1}.${c + 1}`,
        value: value.trim(),
        location,
        path: [at, elementAt, location],
      });
    });
  });
  return { kind, location: at, position: `${seg.position}|${seg.tag}`, cells };
}

function describeLocation(location: string, spec: EdifactSpec): string {
  const tag = /\(([A-Z0-9]{3})\)$/.exec(location)?.[1];
  if (tag && !spec.segments[tag])
    return `segment ${tag} is outside the ${spec.accept.messageTypes[0]?.id ?? 'EDIFACT'} subset of this mapping: not mapped`;
  return 'not mapped';
}

function assemble(
  spec: EdifactSpec,
  drafts: readonly Draft[],
  summary: Draft,
  timeZone: string,
): Bundle | undefined {
  const bundleDraft = drafts.find((d) => d.rule.name === spec.message.bundle);
  const header = drafts.find((d) => d.rule.name === spec.message.header);
  const focus = drafts.find((d) => d.rule.name === spec.message.focus);
  if (!bundleDraft || !header || !focus) return undefined;
  const bundle = bundleDraft.resource;
  const timestamp = typeof bundle.timestamp === 'string' ? instantOf(bundle.timestamp, timeZone) : undefined;
  if (!timestamp) return undefined;
  const rest = drafts.filter((d) => d !== bundleDraft && d !== header && d !== focus);
  const entries = [header, focus, summary, ...rest].map((d) => ({
    fullUrl: `urn:uuid:${d.id}`,
    resource: d.resource,
  }));
  const out: Json = { ...bundle, id: bundle.id ?? uuidFor('bundle'), timestamp, entry: entries };
  return out as unknown as Bundle;
}
