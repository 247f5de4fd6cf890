/**
 * The source document as leaves with FHIRPath locations: every populated primitive of the
 * document Bundle is registered with the coverage tracker under its FHIRPath
 * (`Bundle.entry[3].resource.name[0].family`; a primitive's extensions under the primitive,
 * `...family.extension[0].url`), so that whatever no rule copies ends in the report.
 */
import { CoverageTracker } from '../coverage.js';

/** The location of an object's key: JSON's `_family` (id and extensions of `family`) is FHIRPath's `family`. */
export function childLocation(location: string, key: string): string {
  return `${location}.${key.startsWith('_') ? key.slice(1) : key}`;
}

/** Calls visit for every populated primitive under value (empty strings and nulls are not populated). */
export function forEachLeaf(
  value: unknown,
  location: string,
  visit: (location: string, parts: readonly string[]) => void,
  parts: readonly string[] = [location],
): void {
  if (value === null || value === undefined || value === '') return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const at = `${location}[${i}]`;
      forEachLeaf(item, at, visit, [...parts, at]);
    });
    return;
  }
  if (typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const at = childLocation(location, key);
      forEachLeaf(child, at, visit, [...parts, at]);
    }
    return;
  }
  visit(location, parts);
}

/** Registers every leaf; returns undefined when there are more than `max` (the caller refuses the record). */
export function registerLeaves(document: unknown, base: string, max: number): CoverageTracker | undefined {
  const tracker = new CoverageTracker();
  let count = 0;
  let over = false;
  forEachLeaf(document, base, (key, path) => {
    if (over) return;
    if (++count > max) {
      over = true;
      return;
    }
    tracker.populated({ key, path });
  });
  return over ? undefined : tracker;
}

/** `Bundle.entry[3].resource.name[0].family` in the document at base, as `Patient.name.family`. */
export function definitionPath(
  location: string,
  base: string,
  typeOfEntry: (index: number) => string,
): string {
  const rest = location.slice(base.length);
  const entry = /^\.entry\[(\d+)\]\.resource(.*)$/.exec(rest);
  const path = entry ? `${typeOfEntry(Number(entry[1]))}${entry[2] ?? ''}` : `Bundle${rest}`;
  return path.replace(/\[\d+\]/g, '');
}
