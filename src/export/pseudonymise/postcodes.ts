/**
 * Postcodes generalised to their area: the four digits of a Dutch postcode (`9712 CP` -> `9712`),
 * or the two-digit region (`97`). An area with fewer than k clients in an export would single
 * them out, so such areas are coarsened to their region, and a region whose coarsened clients
 * are still fewer than k is dropped (k-anonymity on the postcode alone).
 *
 * Counting needs the whole export, so it is a pass of its own: count the clients per area
 * (`countClientsPerArea`), decide once (`coarsenAreas`), and give the result to every call of the
 * engine, which stays one resource in, one out.
 */
import { isRecord } from './model.js';

export interface PostcodeRules {
  /** 4: the area; 2: the region. */
  digits: 4 | 2;
  /** k: the fewest clients an area may show. */
  minGroupSize: number;
  /** What happens to an area with fewer than k clients. */
  smallGroup: 'two-digits' | 'drop';
}

/** Four-digit area -> what is published for it (an area or region), or null: not published. */
export type PostcodeAreas = ReadonlyMap<string, string | null>;

const DUTCH_POSTCODE = /^\s*([1-9]\d{3})\s*(?:[A-Za-z]{2})?\s*$/;

/** The four-digit area of a Dutch postcode, or undefined for anything else (which is dropped). */
export function postcodeArea(postalCode: string): string | undefined {
  return DUTCH_POSTCODE.exec(postalCode)?.[1];
}

/** The distinct areas of one Patient's addresses: a client counts once per area. */
export function areasOf(patient: unknown): string[] {
  if (!isRecord(patient) || !Array.isArray(patient.address)) return [];
  const areas = new Set<string>();
  for (const address of patient.address) {
    if (!isRecord(address) || typeof address.postalCode !== 'string') continue;
    const area = postcodeArea(address.postalCode);
    if (area) areas.add(area);
  }
  return [...areas];
}

/** Clients per four-digit area, over the Patient resources of an export. */
export function countClientsPerArea(patients: Iterable<unknown>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const patient of patients) {
    for (const area of areasOf(patient)) counts.set(area, (counts.get(area) ?? 0) + 1);
  }
  return counts;
}

/**
 * What each counted area is published as. With `digits: 2` every area is a region from the start;
 * regions then face the same test.
 */
export function coarsenAreas(counts: ReadonlyMap<string, number>, rules: PostcodeRules): PostcodeAreas {
  const out = new Map<string, string | null>();
  const coarsened = new Map<string, number>();
  for (const [area, n] of counts) {
    if (rules.digits === 4 && n >= rules.minGroupSize) {
      out.set(area, area);
    } else if (rules.digits === 2 || rules.smallGroup === 'two-digits') {
      const region = area.slice(0, 2);
      coarsened.set(region, (coarsened.get(region) ?? 0) + n);
      out.set(area, region);
    } else {
      out.set(area, null);
    }
  }
  // A region stands only for the clients coarsened into it; when those are too few, it goes too.
  for (const [area, published] of out) {
    if (
      published !== null &&
      published.length === 2 &&
      (coarsened.get(published) ?? 0) < rules.minGroupSize
    ) {
      out.set(area, null);
    }
  }
  return out;
}

/** The area to publish for a postal code: from the decided areas, or by digits alone when k is 1. */
export function publishedArea(
  postalCode: string,
  rules: PostcodeRules,
  areas: PostcodeAreas | undefined,
): string | undefined {
  const area = postcodeArea(postalCode);
  if (!area) return undefined;
  if (areas) return areas.get(area) ?? undefined;
  // Without counts small groups cannot be seen: only a policy that accepts groups of one gets areas.
  if (rules.minGroupSize > 1) return undefined;
  return rules.digits === 4 ? area : area.slice(0, 2);
}
