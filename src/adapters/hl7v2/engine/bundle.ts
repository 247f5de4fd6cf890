/**
 * The Bundle of an HL7 v2 message: the header and focus resources first, then the rest, then the
 * practitioners and organisations the converters embedded, one resource for each that the
 * message names several times (references follow).
 */
import type { Bundle } from '@medplum/fhirtypes';
import { forEachReference } from '../../../fhir/references.js';
import { uuidFor } from '../../ids.js';
import type { Json } from '../../paths.js';
import { type Draft, type Embedded, live, type Run } from './run.js';

export function assemble(run: Run): Bundle {
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
