/**
 * UN/EDIFACT syntax (ISO 9735): the service string advice UNA, the character repertoires of the
 * syntax identifier (UNB 0001), and the release character. Shared by the tokenizer and the writer,
 * so that what the writer escapes the tokenizer reads back.
 * https://unece.org/trade/uncefact/introducing-unedifact (ISO 9735-1, clauses 7 and 8)
 */

export interface EdifactDelimiters {
  component: string;
  element: string;
  decimal: string;
  release: string;
  segment: string;
}

/** The defaults of ISO 9735 when there is no UNA: `:+.? '`. */
export const DEFAULT_DELIMITERS: EdifactDelimiters = {
  component: ':',
  element: '+',
  decimal: '.',
  release: '?',
  segment: "'",
};

/** The syntax identifiers we read, with the decoder of their repertoire. */
export const SYNTAX_ENCODINGS: Readonly<Record<string, 'ascii' | 'latin1' | 'utf-8'>> = {
  UNOA: 'ascii',
  UNOB: 'ascii',
  UNOC: 'latin1',
  UNOW: 'utf-8',
  UNOY: 'utf-8',
};

/** UNA followed by its six characters; undefined when the text does not start with UNA. */
export function readUna(text: string): EdifactDelimiters | string | undefined {
  if (!text.startsWith('UNA')) return undefined;
  if (text.length < 9) return 'The service string advice UNA is truncated: it needs six characters';
  const [component = '', element = '', decimal = '', release = '', , segment = ''] = text.slice(3, 9);
  const chars = [component, element, release, segment];
  if (new Set(chars).size !== chars.length)
    return 'The service string advice UNA declares the same character for two separators';
  if (chars.some((c) => /[A-Za-z0-9\r\n]/.test(c)))
    return 'The service string advice UNA declares a letter, digit or line break as a separator';
  return { component, element, decimal, release: release === ' ' ? '' : release, segment };
}

/** The UNA string that declares the delimiters (the writer's first six characters). */
export function unaOf(d: EdifactDelimiters): string {
  return `UNA${d.component}${d.element}${d.decimal}${d.release || ' '} ${d.segment}`;
}

/** Escapes every separator and the release character in a value. */
export function escapeValue(value: string, d: EdifactDelimiters): string {
  const special = new Set([d.component, d.element, d.segment, d.release]);
  let out = '';
  for (const ch of value) out += special.has(ch) && d.release ? `${d.release}${ch}` : ch;
  return out;
}
