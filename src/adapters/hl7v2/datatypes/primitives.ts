/**
 * HL7 v2 primitives to FHIR primitives: Y/N to boolean, NM to integer and decimal, DT/DTM/TS to
 * date, dateTime and instant (in the channel's zone when the sender gives no offset), and a pair
 * of date fields to a Period.
 */
import type { Json } from '../../paths.js';
import type { Cursor } from '../cursor.js';
import { hasTime, parseDtm, toDate, toDateTime, toInstant } from '../dtm.js';

export function convertBoolean(cur: Cursor): boolean | undefined {
  const v = cur.peek(1).toUpperCase();
  if (v === 'Y' || v === 'N') {
    cur.get(1);
    return v === 'Y';
  }
  if (v) cur.untranslatable('expected Y or N (HL7 table 0136)', 1);
  return undefined;
}

export function number(cur: Cursor, integer: boolean): number | undefined {
  const v = cur.peek(1);
  if (!v) return undefined;
  const ok = integer ? /^[+-]?\d{1,15}$/.test(v) : /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(v) && v.length <= 30;
  if (!ok) {
    cur.untranslatable(integer ? 'not a whole number' : 'not a number', 1);
    return undefined;
  }
  cur.get(1);
  return Number(v);
}

export function dateValue(
  cur: Cursor,
  kind: 'date' | 'dateTime' | 'instant',
  timeZone = 'UTC',
): string | undefined {
  const v = cur.peek(1);
  if (!v) return undefined;
  const d = parseDtm(v);
  if (!d) {
    cur.untranslatable('not a valid HL7 date/time (YYYY[MM[DD[HH[MM[SS]]]]][+/-ZZZZ])', 1);
    return undefined;
  }
  if (kind === 'instant') {
    const instant = toInstant(d, timeZone);
    if (!instant) {
      cur.untranslatable('a date/time to the day at least is needed here', 1);
      return undefined;
    }
    cur.get(1);
    return instant;
  }
  cur.get(1);
  if (kind === 'date') {
    if (hasTime(d)) cur.untranslatable('the time of day has no place in a FHIR date and is dropped', 1);
    return toDate(d);
  }
  return toDateTime(d, timeZone);
}

export function periodOf(cur: Cursor, startAt: number, endAt: number): Json | undefined {
  const start = dateValue(cur.sub(startAt), 'date');
  const end = dateValue(cur.sub(endAt), 'date');
  if (!start && !end) return undefined;
  return { ...(start ? { start } : {}), ...(end ? { end } : {}) };
}
