/**
 * Writing HL7 v2 (ER7, the pipe-and-hat encoding): segments of fields, repetitions, components
 * and subcomponents, with text escaped as v2.8 chapter 2, section 2.7 says (\F\ \S\ \T\ \R\ \E\,
 * line breaks as \.br\), so no value can break the structure of the message.
 */

/** A component: its subcomponents. */
export type Comp = readonly string[];
/** A repetition: its components. */
export type Rep = readonly Comp[];
/** A field: its repetitions. */
export type Field = readonly Rep[];

export const EMPTY: Field = [];

/** A field of one repetition whose components are plain strings (`a^b^c`). */
export function f(...components: readonly (string | undefined)[]): Field {
  return [components.map((c) => [c ?? ''])];
}

/** A field with several repetitions of plain components. */
export function reps(repetitions: readonly (readonly (string | undefined)[])[]): Field {
  return repetitions.map((r) => r.map((c) => [c ?? '']));
}

export function escapeText(text: string): string {
  return text
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/&/g, '\\T\\')
    .replace(/~/g, '\\R\\')
    .replace(/\r\n|\r|\n/g, '\\.br\\');
}

function trimEnd<T>(items: readonly T[], empty: (t: T) => boolean): readonly T[] {
  let n = items.length;
  while (n > 0 && empty(items[n - 1] as T)) n--;
  return items.slice(0, n);
}

function encodeComp(c: Comp): string {
  return trimEnd(c, (s) => s === '')
    .map(escapeText)
    .join('&');
}

function encodeRep(r: Rep): string {
  return trimEnd(r.map(encodeComp), (s) => s === '').join('^');
}

function encodeField(field: Field): string {
  return trimEnd(field.map(encodeRep), (s) => s === '').join('~');
}

/** A segment from its fields, field 1 first; trailing empty fields are left off. */
export function segment(name: string, fields: readonly Field[]): string {
  const encoded = trimEnd(fields.map(encodeField), (s) => s === '');
  return [name, ...encoded].join('|');
}

/** MSH: MSH-1 and MSH-2 are the delimiters themselves; `fields` starts at MSH-3. */
export function msh(fields: readonly Field[]): string {
  const encoded = trimEnd(fields.map(encodeField), (s) => s === '');
  return ['MSH', '^~\\&', ...encoded].join('|');
}

/** Segments joined by carriage returns, as v2 separates them. */
export function message(segments: readonly string[]): string {
  return `${segments.join('\r')}\r`;
}

/** A FHIR date, dateTime or instant as an HL7 DTM (`20260301093000+0100`). */
export function dtm(value: string | undefined): string {
  if (!value) return '';
  const m =
    /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(
      value,
    );
  if (!m) return '';
  const zone = m[7] === 'Z' ? '+0000' : (m[7]?.replace(':', '') ?? '');
  return `${m[1]}${m[2] ?? ''}${m[3] ?? ''}${m[4] ?? ''}${m[5] ?? ''}${m[6] ?? ''}${m[4] ? zone : ''}`;
}
