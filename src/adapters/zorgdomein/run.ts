/**
 * The state of one conversion of a ZorgDomein document: its entries (each with the rule that
 * converts it, the id and the resource it becomes), lookups of entries by reference, what was
 * used and reported, and the small readers of FHIR JSON (codings, references) the steps share.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { JsonObject } from '../../fhir/xml.js';
import type { ConversionContext } from '../framework.js';
import { isObject, type ZdDocument } from './parse.js';
import type { ResourceRule, ZorgdomeinSpec } from './spec.js';

export type Out = Record<string, unknown>;

export interface Entry {
  index: number;
  type: string;
  location: string;
  resource: JsonObject;
  rule: ResourceRule | undefined;
  /** The id of the output resource; undefined when this entry is not converted. */
  outId: string | undefined;
  out: Out | undefined;
}

export interface Run {
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

export const REFERRAL = 'ServiceRequest';

/** The resource type of the source entry at that index. */
export function typeOf(run: Run, index: number): string {
  return run.entries[index]?.type ?? 'Resource';
}

export function isOut(v: unknown): v is Out {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The codings of a CodeableConcept that have a system and a code. */
export function codings(concept: unknown): { system: string; code: string }[] {
  if (!isObject(concept) || !Array.isArray(concept.coding)) return [];
  return concept.coding.flatMap((c) =>
    isObject(c) && typeof c.system === 'string' && typeof c.code === 'string'
      ? [{ system: c.system, code: c.code }]
      : [],
  );
}

/** The entry a Reference points to (by fullUrl or Type/id). */
export function refTarget(run: Run, ref: unknown): Entry | undefined {
  return isObject(ref) && typeof ref.reference === 'string' ? run.byReference.get(ref.reference) : undefined;
}

/** The urn:uuid an entry has in the output, when it is converted. */
export function urn(entry: Entry | undefined): string | undefined {
  return entry?.outId ? `urn:uuid:${entry.outId}` : undefined;
}

/** The references of a list of Reference. */
export function refs(list: unknown): string[] {
  return (Array.isArray(list) ? list : []).filter(isOut).map((x) => String(x.reference ?? ''));
}
