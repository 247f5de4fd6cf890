/**
 * What the optional content checks of a validation look for in a text value: embedded HTML tags
 * (security checks, HTML in markdown) and example domains in URLs. Pure functions; the walker
 * decides where they apply (see ValidateOptions in ../index.ts).
 */

/**
 * An opening HTML tag: `<`, a tag name, optional attributes, `>` - the shape the HL7 validator
 * treats as embedded HTML (`<script>`, `<b>`, `<resource type>`), and not `a < b`, `<1>` or a
 * markdown autolink (`<https://...>`, `<a@b.org>`).
 */
const OPENING_TAG = /<[a-zA-Z][\w-]*(\s+[^<>]*)?\/?>/;

/** Any HTML markup markdown would pass through as raw HTML: opening or closing tags, comments. */
const RAW_HTML = /<(\/?[a-zA-Z][\w-]*(\s+[^<>]*)?\/?>|!--)/;

/** Whether a string value carries an embedded HTML tag. */
export function containsHtmlTag(text: string): boolean {
  return text.includes('<') && OPENING_TAG.test(text);
}

/** Where raw HTML starts in a markdown value (its first two characters), or undefined when there is none. */
export function rawHtmlInMarkdown(text: string): string | undefined {
  if (!text.includes('<')) return undefined;
  const m = RAW_HTML.exec(text);
  return m ? text.slice(m.index, m.index + 2) : undefined;
}

/**
 * Example domains: example.org and example.com (reserved for examples, RFC 2606) and the acme
 * domains of the FHIR specification's examples, with their subdomains (`hospital.example.org`).
 */
const EXAMPLE_HOST =
  /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*@)?([a-z0-9-]+\.)*(example|acme)\.(org|com)(:\d+)?([/?#]|$)/i;

export function isExampleUrl(url: string): boolean {
  return EXAMPLE_HOST.test(url);
}
