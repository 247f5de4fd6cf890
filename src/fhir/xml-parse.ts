/**
 * Safe parsing of XML from untrusted bytes into a small element tree, and writing an element back
 * as XML text. Built on saxes (a strict, namespace-aware streaming parser) with these guards:
 * a document type declaration is refused outright, so no entity is ever defined, expanded or
 * fetched (XXE, billion laughs); input size, nesting depth and element count are bounded; any
 * failure is an OperationOutcomeError with status 400 that names the line and column (413 when
 * the input is too large).
 *
 * FHIR XML is UTF-8 only and has no DTD: https://hl7.org/fhir/R4/xml.html
 */
import { SaxesParser } from 'saxes';
import type { SaxesAttributeNS, SaxesTagNS } from 'saxes';
import { issue, outcome, OperationOutcomeError } from './outcomes.js';

export const XHTML_NS = 'http://www.w3.org/1999/xhtml';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export interface XmlLimits {
  /** Largest input accepted, in UTF-8 bytes. */
  maxBytes: number;
  /** Deepest element nesting accepted. */
  maxDepth: number;
  /** Most elements in one document. */
  maxElements: number;
}

/** A 5 MB JSON body is about 10 MB as XML; a FHIR resource nests far less than 128 levels. */
export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxDepth: 128,
  maxElements: 500_000,
};

export interface XmlAttribute {
  readonly name: string;
  readonly prefix: string;
  readonly local: string;
  readonly uri: string;
  readonly value: string;
}

export interface XmlElement {
  readonly kind: 'element';
  readonly prefix: string;
  readonly local: string;
  readonly uri: string;
  readonly attributes: readonly XmlAttribute[];
  readonly children: XmlNode[];
}

export interface XmlText {
  readonly kind: 'text';
  text: string;
}

export interface XmlComment {
  readonly kind: 'comment';
  readonly text: string;
}

export type XmlNode = XmlElement | XmlText | XmlComment;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Parses a whole XML document; throws an OperationOutcomeError (status 400) on any problem. */
export function parseXml(input: string | Uint8Array, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  const text = decodeInput(input, limits);
  if (!/^\s*</.test(text)) throw notXml("the content does not begin with '<'", 1, 1);
  const builder = new TreeBuilder(limits);
  const parser = new SaxesParser({ xmlns: true, position: true });
  builder.attach(parser);
  try {
    parser.write(text).close();
  } catch (err) {
    if (err instanceof OperationOutcomeError) throw err;
    throw notXml(saxesMessage(err), parser.line, parser.column);
  }
  return builder.root();
}

function decodeInput(input: string | Uint8Array, limits: XmlLimits): string {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > limits.maxBytes) {
    throw structural('too-costly', `The XML is ${size} bytes; at most ${limits.maxBytes} are accepted`);
  }
  if (typeof input === 'string') return input.startsWith('\uFEFF') ? input.slice(1) : input;
  try {
    // The decoder drops a byte order mark (ignoreBOM: false means "consume it").
    return utf8.decode(input);
  } catch {
    throw structural('structure', 'The XML is not valid UTF-8; FHIR XML is always UTF-8 encoded');
  }
}

/** saxes prefixes its messages with `file:line:column: `; the position is reported apart. */
function saxesMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : 'unreadable';
  return message.replace(/^(?:[^:]*:)?\d+:\d+: /, '').replace(/\.$/, '');
}

/** Collects saxes events into a tree, enforcing the limits as it goes. */
class TreeBuilder {
  private readonly stack: XmlElement[] = [];
  private top: XmlElement | undefined;
  private elements = 0;

  constructor(private readonly limits: XmlLimits) {}

  attach(parser: SaxesParser<{ xmlns: true; position: true }>): void {
    parser.on('doctype', () => {
      throw notXml(
        'a document type declaration (DOCTYPE) is not allowed in FHIR XML',
        parser.line,
        parser.column,
      );
    });
    parser.on('xmldecl', (decl) => {
      if (decl.encoding && !/^utf-?8$/i.test(decl.encoding)) {
        throw notXml(
          `the XML declares encoding ${decl.encoding}; FHIR XML is always UTF-8`,
          parser.line,
          parser.column,
        );
      }
    });
    parser.on('opentag', (tag) => this.open(tag, parser.line, parser.column));
    parser.on('closetag', () => this.stack.pop());
    parser.on('text', (text) => this.text(text));
    parser.on('cdata', (text) => this.text(text));
    parser.on('comment', (text) => this.current()?.children.push({ kind: 'comment', text }));
  }

  root(): XmlElement {
    if (!this.top) throw notXml('the document has no root element', 1, 1);
    return this.top;
  }

  private current(): XmlElement | undefined {
    return this.stack[this.stack.length - 1];
  }

  private open(tag: SaxesTagNS, line: number, column: number): void {
    if (this.stack.length >= this.limits.maxDepth) {
      throw notXml(`elements nested deeper than ${this.limits.maxDepth} levels`, line, column);
    }
    if (++this.elements > this.limits.maxElements) {
      throw structural('too-costly', `More than ${this.limits.maxElements} elements`);
    }
    const el: XmlElement = {
      kind: 'element',
      prefix: tag.prefix,
      local: tag.local,
      uri: tag.uri,
      attributes: Object.values(tag.attributes).map(attribute),
      children: [],
    };
    const parent = this.current();
    if (parent) parent.children.push(el);
    else this.top = el;
    // saxes reports self-closing tags with a closetag event too, so every open is popped.
    this.stack.push(el);
  }

  private text(text: string): void {
    const parent = this.current();
    if (!parent) return;
    const last = parent.children[parent.children.length - 1];
    if (last?.kind === 'text') last.text += text;
    else parent.children.push({ kind: 'text', text });
  }
}

function attribute(a: SaxesAttributeNS): XmlAttribute {
  return { name: a.name, prefix: a.prefix, local: a.local, uri: a.uri, value: a.value };
}

/** True for `xmlns` and `xmlns:p` declarations, which are namespace bindings, not data. */
export function isNamespaceDeclaration(a: XmlAttribute): boolean {
  return a.uri === XMLNS_NS || a.name === 'xmlns';
}

function notXml(message: string, line: number, column: number): OperationOutcomeError {
  return structural('structure', `Unreadable XML at line ${line}, column ${column}: ${message}`);
}

function structural(code: 'structure' | 'too-costly', message: string): OperationOutcomeError {
  return new OperationOutcomeError(
    outcome([issue({ severity: 'error', code, message })]),
    code === 'too-costly' ? 413 : 400,
  );
}

// ---------------------------------------------------------------------------------------------
// Writing XML back

/**
 * Writes an element and its content as XML text. Elements in the XHTML namespace are written
 * unprefixed with the XHTML namespace as default, declared once at the top; other namespaces
 * keep their prefix and are declared where first needed. Text, attribute values and comments are
 * kept as parsed (character references resolved, escaped again). Empty elements are self-closed
 * and `"` in text is escaped, as the HL7 tools write XHTML, so that narratives read here equal
 * those of the JSON the HL7 tools publish.
 */
export function serializeXml(el: XmlElement): string {
  const out: string[] = [];
  writeElement(el, new Map<string, string>(), out);
  return out.join('');
}

function writeElement(el: XmlElement, scope: ReadonlyMap<string, string>, out: string[]): void {
  const inner = new Map(scope);
  const declarations: string[] = [];
  const elementPrefix = el.uri === XHTML_NS ? '' : el.prefix;
  bind(elementPrefix, el.uri, inner, declarations);
  const attributes = el.attributes
    .filter((a) => !isNamespaceDeclaration(a))
    .map((a) => writeAttribute(a, inner, declarations));
  const name = elementPrefix ? `${elementPrefix}:${el.local}` : el.local;
  out.push(`<${name}${[...declarations, ...attributes].map((a) => ` ${a}`).join('')}`);
  if (el.children.length === 0) {
    out.push('/>');
    return;
  }
  out.push('>');
  for (const child of el.children) writeNode(child, inner, out);
  out.push(`</${name}>`);
}

function writeNode(node: XmlNode, scope: ReadonlyMap<string, string>, out: string[]): void {
  switch (node.kind) {
    case 'element':
      writeElement(node, scope, out);
      return;
    case 'text':
      out.push(escapeText(node.text));
      return;
    case 'comment':
      out.push(`<!--${node.text}-->`);
      return;
    default:
      node satisfies never;
  }
}

function writeAttribute(a: XmlAttribute, scope: Map<string, string>, declarations: string[]): string {
  if (a.prefix && a.prefix !== 'xml') bind(a.prefix, a.uri, scope, declarations);
  return `${a.prefix ? `${a.prefix}:${a.local}` : a.local}="${escapeAttribute(a.value)}"`;
}

/** Declares `prefix` -> `uri` unless the scope already binds it so (no prefix and no URI needs nothing at the top). */
function bind(prefix: string, uri: string, scope: Map<string, string>, declarations: string[]): void {
  if ((scope.get(prefix) ?? '') === uri) return;
  scope.set(prefix, uri);
  declarations.push(`${prefix ? `xmlns:${prefix}` : 'xmlns'}="${escapeAttribute(uri)}"`);
}

function escapeText(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);
}

/** Tabs and line breaks as character references: a parser would otherwise turn them into spaces. */
function escapeAttribute(value: string): string {
  return value.replace(/[&<>"\t\n\r]/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};
