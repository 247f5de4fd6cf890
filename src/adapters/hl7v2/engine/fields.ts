/**
 * Resource, field and element rules of the HL7 v2 engine: a draft resource per matching segment,
 * each field rule read through its datatype converter and written at its target (choice types,
 * defaults, channel values and `with` constants included), and child segments (NTE) written as
 * elements of their owner's resource. Every leaf a written value came from is noted as used.
 */
import { untranslatableIssue } from '../../framework.js';
import { uuidFor } from '../../ids.js';
import { type Json, setPath } from '../../paths.js';
import { CONVERTERS } from '../convert.js';
import { Cursor, newSink, type ReadSink } from '../cursor.js';
import { ChoiceValue, type ConverterDef } from '../datatypes/env.js';
import {
  type ChannelRule,
  type ElementRule,
  type FieldRule,
  isChannelRule,
  isSourceRule,
  parseSource,
  type ResourceRule,
} from '../spec.js';
import type { Hl7Segment } from '../types.js';
import { type Built, type Draft, type Embedded, first, holds, live, type Run } from './run.js';

export function buildResources(run: Run, rule: ResourceRule): void {
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

export function applyElements(run: Run, rule: ElementRule): void {
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
