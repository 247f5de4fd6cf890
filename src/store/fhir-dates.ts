/**
 * FHIR dates as ranges: `2024` is the whole year, `2024-05-06T10:00:00+02:00` one second.
 * Searches compare ranges (https://hl7.org/fhir/R4/search.html#date), so both stored values and
 * search values are turned into an inclusive [start, end] in UTC, to the millisecond.
 * A date without a time zone is taken as UTC.
 */

export interface DateRange {
  /** ISO 8601 instant, or '-infinity' for an open start. */
  start: string;
  /** ISO 8601 instant (inclusive), or 'infinity' for an open end. */
  end: string;
}

const PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function offsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [h, m] = zone.slice(1).split(':').map(Number);
  return sign * ((h ?? 0) * 60 + (m ?? 0));
}

/** The range a FHIR date, dateTime or instant stands for; undefined when it is not one. */
export function dateRange(value: string): DateRange | undefined {
  const m = PATTERN.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate())
    return undefined;
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000);
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // new Date(Date.UTC(...)) treats years 0-99 as 1900-1999; set the year explicitly.
  const startDate = new Date(local);
  startDate.setUTCFullYear(year);
  const start = startDate.getTime() - offsetMinutes(zone) * 60_000;
  const end = nextBoundary(start, { mo, d, h, s, fraction }) - 1;
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

/** The first instant after the precision the value was given in. */
function nextBoundary(
  start: number,
  given: {
    mo?: string | undefined;
    d?: string | undefined;
    h?: string | undefined;
    s?: string | undefined;
    fraction?: string | undefined;
  },
): number {
  const next = new Date(start);
  if (given.mo === undefined) next.setUTCFullYear(next.getUTCFullYear() + 1);
  else if (given.d === undefined) next.setUTCMonth(next.getUTCMonth() + 1);
  else if (given.h === undefined) next.setUTCDate(next.getUTCDate() + 1);
  else if (given.s === undefined) next.setUTCMinutes(next.getUTCMinutes() + 1);
  else if (given.fraction === undefined) next.setUTCSeconds(next.getUTCSeconds() + 1);
  else next.setUTCMilliseconds(next.getUTCMilliseconds() + 1);
  return next.getTime();
}
