/**
 * The entries of a ZorgDomein document into the resources of the referral message: the elements
 * the spec's `copy` lists travel, references to converted entries are rewritten to their new
 * ids (a reference that leads nowhere is reported and left out), and ConceptMaps add codes.
 * Every leaf copied is marked used.
 */
import type { JsonObject } from '../../fhir/xml.js';
import { untranslatableIssue } from '../framework.js';
import { childLocation, forEachLeaf } from './source.js';
import type { ResourceRule } from './spec.js';
import { type Entry, isOut, type Out, type Run } from './run.js';

export function convertEntry(run: Run, entry: Entry): void {
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
export function rewrite(run: Run, value: unknown, location: string): unknown {
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
