/**
 * The state of one run of the HL7 v2 mapping engine over a message: the drafts of the resources
 * it makes (kept or dropped later), the message's segments by name and the owner of each grouped
 * segment, the environment the datatype converters read through, and the record conditions
 * (`when`) that rules test against the message.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { uuidFor } from '../../ids.js';
import type { Json } from '../../paths.js';
import type { CodeTranslator } from '../../translator.js';
import type { ConvertEnv } from '../datatypes/env.js';
import { type Condition, type Hl7v2Spec, parseSource, type ResourceRule } from '../spec.js';
import type { Hl7Structure } from '../structure.js';
import type { Hl7Message, Hl7Segment } from '../types.js';

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

export interface Embedded {
  id: string;
  resource: Json;
}

/** What one rule application produced, committed only if its value was written. */
export interface Built {
  used: string[];
  reported: string[];
  issues: OperationOutcomeIssue[];
  embedded: Embedded[];
}

export interface Draft extends Built {
  rule: ResourceRule;
  segment: Hl7Segment;
  id: string;
  resource: Json;
  referenced: boolean;
  dropped: boolean;
}

export interface RunState {
  deps: EngineDeps;
  message: Hl7Message;
  byName: Map<string, Hl7Segment[]>;
  owners: Map<number, Hl7Segment>;
  drafts: Draft[];
  idBase: string;
  /** Where converters put the resources they embed during the current field. */
  embedding: Embedded[];
}

export interface Run extends RunState {
  env: ConvertEnv;
}

export function startRun(message: Hl7Message, deps: EngineDeps): Run {
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
  return Object.assign(state, { env: envFor(state) });
}

function indexByName(message: Hl7Message): Map<string, Hl7Segment[]> {
  const byName = new Map<string, Hl7Segment[]>();
  for (const seg of message.segments) {
    const list = byName.get(seg.name);
    if (list) list.push(seg);
    else byName.set(seg.name, [seg]);
  }
  return byName;
}

/** The first segment of that name in the message. */
export function first(run: Run, name: string): Hl7Segment | undefined {
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

/** Whether the segment meets the rule's `when` conditions (a field of another segment: its first one). */
export function holds(conditions: readonly Condition[] | undefined, seg: Hl7Segment, run: Run): boolean {
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
function codingSystem(spec: Hl7v2Spec, name: string): string | undefined {
  const direct = spec.codingSystems[name] ?? spec.codingSystems[name.toUpperCase()];
  if (direct) return direct;
  const table = HL7_TABLE.exec(name);
  if (table) return `http://terminology.hl7.org/CodeSystem/v2-${(table[1] ?? '').padStart(4, '0')}`;
  return OID.test(name) ? `urn:oid:${name}` : undefined;
}

/** The drafts not dropped (so far). */
export function live(run: Run): Draft[] {
  return run.drafts.filter((d) => !d.dropped);
}

/** Whether a coding of the resource's code is in the value set (as far as the terminology can tell). */
export function codedIn(run: Run, resource: Json, valueSet: string): boolean {
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
