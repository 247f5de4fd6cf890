/**
 * What happens to a date, dateTime or instant: kept exactly, truncated to the month or year, or
 * shifted by the patient's offset. The precision of the value is kept (a shifted `2024-03` is a
 * month again), except for instants, which FHIR requires to be complete: a truncated instant is
 * the first moment of its month or year in UTC.
 *
 * Spec: https://hl7.org/fhir/R4/datatypes.html#dateTime
 */

export type DateMode = 'exact' | 'shift' | 'month' | 'year';
export type DateType = 'date' | 'dateTime' | 'instant';

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(T.*)?)?)?$/;

interface ParsedDate {
  year: string;
  month?: string;
  day?: string;
  /** `T10:30:00+01:00`: the time part as written. */
  time?: string;
}

function parse(value: string): ParsedDate | undefined {
  const m = DATE.exec(value);
  if (!m?.[1]) return undefined;
  return { year: m[1], month: m[2], day: m[3], time: m[4] };
}

/** The value under `mode`, or undefined when it is no date (it is then dropped, never passed on). */
export function transformDate(
  value: string,
  type: DateType,
  mode: DateMode,
  offsetDays: number,
): string | undefined {
  const d = parse(value);
  if (!d) return undefined;
  switch (mode) {
    case 'exact':
      return value;
    case 'year':
      return type === 'instant' ? `${d.year}-01-01T00:00:00Z` : d.year;
    case 'month':
      if (!d.month) return d.year;
      return type === 'instant' ? `${d.year}-${d.month}-01T00:00:00Z` : `${d.year}-${d.month}`;
    case 'shift':
      return shift(d, offsetDays);
    default:
      return mode satisfies never;
  }
}

/**
 * Adds whole days to the calendar date and keeps the time as written; a partial date is shifted
 * from its first day and cut back to its own precision.
 */
function shift(d: ParsedDate, days: number): string {
  const date = new Date(Date.UTC(2000, Number(d.month ?? '01') - 1, Number(d.day ?? '01')));
  // Date.UTC reads years below 100 as 19xx; setUTCFullYear does not.
  date.setUTCFullYear(Number(d.year));
  date.setUTCDate(date.getUTCDate() + days);
  const moved = date.toISOString();
  const year = moved.slice(0, 4);
  if (!d.month) return year;
  if (!d.day) return moved.slice(0, 7);
  return `${moved.slice(0, 10)}${d.time ?? ''}`;
}

export function isDateType(type: string): type is DateType {
  return type === 'date' || type === 'dateTime' || type === 'instant';
}
