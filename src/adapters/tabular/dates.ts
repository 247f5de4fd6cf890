/**
 * Dates in the layouts exports use, declared per spec as patterns: `YYYY-MM-DD`, `DD-MM-YYYY`,
 * `DD/MM/YYYY hh:mm`, `YYYY-MM-DDThh:mm:ssZ` (Z: an offset `+01:00`, `+0100` or `Z`). A time
 * without an offset takes the channel's time zone at that moment, since FHIR wants an offset with
 * every time (https://hl7.org/fhir/R4/datatypes.html#dateTime).
 */
import { type Dtm, parseDtm, toDate, toDateTime } from '../hl7v2/dtm.js';

const TOKENS: Record<string, string> = {
  YYYY: '(?<year>\\d{4})',
  MM: '(?<month>\\d{1,2})',
  DD: '(?<day>\\d{1,2})',
  hh: '(?<hour>\\d{1,2})',
  mm: '(?<minute>\\d{2})',
  ss: '(?<second>\\d{2})',
  Z: '(?<offset>Z|[+-]\\d{2}:?\\d{2})',
};

const compiled = new Map<string, RegExp>();

/** Whether a pattern uses only the known tokens and literal separators. */
export function isDatePattern(pattern: string): boolean {
  return /^(YYYY|MM|DD|hh|mm|ss|Z|[-/. :T])+$/.test(pattern) && pattern.includes('YYYY');
}

function regexFor(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    const source = pattern.replace(
      /YYYY|MM|DD|hh|mm|ss|Z|[-/. :T]/g,
      (t) => TOKENS[t] ?? (t === 'T' ? 'T' : `\\${t}`),
    );
    re = new RegExp(`^${source}$`);
    compiled.set(pattern, re);
  }
  return re;
}

/** The FHIR date or dateTime of a value in the first pattern that fits; undefined when none does. */
export function parseDate(value: string, patterns: readonly string[], timeZone: string): string | undefined {
  for (const pattern of patterns) {
    const groups = regexFor(pattern).exec(value.trim())?.groups;
    if (!groups) continue;
    const dtm = toDtm(groups);
    if (!dtm) return undefined;
    return dtm.hour === undefined ? toDate(dtm) : toDateTime(dtm, timeZone);
  }
  return undefined;
}

function toDtm(g: Record<string, string | undefined>): Dtm | undefined {
  const two = (v: string | undefined): string | undefined =>
    v === undefined ? undefined : v.padStart(2, '0');
  const offset = g.offset === undefined ? '' : g.offset === 'Z' ? '+0000' : g.offset.replace(':', '');
  // parseDtm checks the ranges (month 1-12, day of month, hour 0-23 ...).
  return parseDtm(
    `${g.year ?? ''}${two(g.month) ?? ''}${two(g.day) ?? ''}${two(g.hour) ?? ''}${g.minute ?? ''}${g.second ?? ''}${offset}`,
  );
}
