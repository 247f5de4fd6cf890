/**
 * HL7 v2 DTM (YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ], v2.8 chapter 2A.22) to FHIR date,
 * dateTime and instant. FHIR wants seconds and a time zone whenever a time is given
 * (https://hl7.org/fhir/R4/datatypes.html#dateTime): missing seconds become :00, and a time
 * without an offset takes the offset of the channel's time zone at that moment.
 */
export interface Dtm {
  year: string;
  month?: string;
  day?: string;
  hour?: string;
  minute?: string;
  second?: string;
  fraction?: string;
  offset?: string;
}

const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(\.\d{1,4})?)?)?)?)?)?([+-]\d{4})?$/;

export function parseDtm(value: string): Dtm | undefined {
  const m = DTM.exec(value.trim());
  if (!m) return undefined;
  const [, year = '', month, day, hour, minute, second, fraction, offset] = m;
  const dtm: Dtm = { year, month, day, hour, minute, second, fraction, offset };
  return isValid(dtm) ? dtm : undefined;
}

function isValid(d: Dtm): boolean {
  const n = (v: string | undefined, lo: number, hi: number): boolean =>
    v === undefined || (Number(v) >= lo && Number(v) <= hi);
  if (!n(d.month, 1, 12) || !n(d.hour, 0, 23) || !n(d.minute, 0, 59) || !n(d.second, 0, 59)) return false;
  if (d.day !== undefined) {
    const last = new Date(Date.UTC(Number(d.year), Number(d.month), 0)).getUTCDate();
    if (!n(d.day, 1, last)) return false;
  }
  if (d.offset) {
    const oh = Number(d.offset.slice(1, 3));
    const om = Number(d.offset.slice(3, 5));
    if (oh > 14 || om > 59) return false;
  }
  return true;
}

export function hasTime(d: Dtm): boolean {
  return d.hour !== undefined;
}

export function toDate(d: Dtm): string {
  return [d.year, d.month, d.day].filter((p) => p !== undefined).join('-');
}

export function toDateTime(d: Dtm, timeZone: string): string {
  if (!hasTime(d)) return toDate(d);
  const time = `${d.hour}:${d.minute ?? '00'}:${d.second ?? '00'}${d.fraction ?? ''}`;
  const offset = d.offset ? `${d.offset.slice(0, 3)}:${d.offset.slice(3)}` : zoneOffset(d, timeZone);
  return `${toDate(d)}T${time}${offset}`;
}

/** An instant needs a full date as well; undefined when the DTM is less precise than a day. */
export function toInstant(d: Dtm, timeZone: string): string | undefined {
  if (d.day === undefined) return undefined;
  return toDateTime({ ...d, hour: d.hour ?? '00' }, timeZone);
}

/** The UTC offset (`+01:00`) the zone had at that local wall-clock time. */
function zoneOffset(d: Dtm, timeZone: string): string {
  const local = Date.UTC(
    Number(d.year),
    Number(d.month ?? 1) - 1,
    Number(d.day ?? 1),
    Number(d.hour ?? 0),
    Number(d.minute ?? 0),
  );
  try {
    // Two passes settle the offset across a daylight-saving change.
    const first = offsetMinutes(local, timeZone);
    const minutes = offsetMinutes(local - first * 60_000, timeZone);
    const sign = minutes < 0 ? '-' : '+';
    const abs = Math.abs(minutes);
    return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  } catch {
    return '+00:00';
  }
}

/** Building a formatter costs far more than using one; one per zone is kept. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function offsetMinutes(utc: number, timeZone: string): number {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    formatters.set(timeZone, formatter);
  }
  const name = formatter.formatToParts(new Date(utc)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}
