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
  const year = Number(d.year);
  const month = Number(d.month ?? '01');
  const day = Number(d.day ?? '01');
  // Day numbers (Hinnant's civil calendar algorithms) for a real day of the years 1-9998, which
  // stay 4-digit years after a shift of up to a year; anything else takes Date's way.
  if (year < 1 || year > 9998 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return shiftByDate(d, days);
  }
  const [y, m, dd] = civilFromDays(daysFromCivil(year, month, day) + days);
  if (y < 1 || y > 9999) return shiftByDate(d, days);
  const ys = String(y).padStart(4, '0');
  if (!d.month) return ys;
  const ms = m < 10 ? `0${String(m)}` : String(m);
  if (!d.day) return `${ys}-${ms}`;
  return `${ys}-${ms}-${dd < 10 ? `0${String(dd)}` : String(dd)}${d.time ?? ''}`;
}

/** The same shift through Date, for the dates the day numbers above do not take. */
function shiftByDate(d: ParsedDate, days: number): string {
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

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeap(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (https://howardhinnant.github.io/date_algorithms.html). */
function daysFromCivil(year: number, m: number, d: number): number {
  const y = m <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

export function isDateType(type: string): type is DateType {
  return type === 'date' || type === 'dateTime' || type === 'instant';
}
