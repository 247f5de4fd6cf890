/**
 * The sections of a ZorgDomein document: their narrative texts go where the referral message
 * keeps them (the reason, notes and the client's request in the referral, the rest in the summary
 * sections), Conditions of the reason section become the referral's reasons, and an emptyReason
 * the referrer gave ("asked, nothing found") is kept.
 */
import { SUMMARY_SECTIONS, type SummarySection, SYSTEMS } from '../../fhir/codes.js';
import type { JsonObject } from '../../fhir/xml.js';
import { isObject } from './parse.js';
import type { Parts } from './parts.js';
import { codings, refTarget, type Run } from './run.js';
import { forEachLeaf } from './source.js';
import type { SectionTarget } from './spec.js';

export function readSections(run: Run, parts: Parts): void {
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
