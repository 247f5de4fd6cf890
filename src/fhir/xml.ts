/**
 * FHIR R4 XML -> FHIR R4 JSON, element by element as the two formats are defined:
 * https://hl7.org/fhir/R4/xml.html and https://hl7.org/fhir/R4/json.html
 *
 * The R4 element definitions decide everything the XML does not say: whether an element repeats
 * (then it is always a JSON array), the JSON type of a primitive value (boolean, number or
 * string), where a choice, a contentReference or a nested resource leads. What the definitions
 * do not know is kept as best it can be (as a string or an object) and reported as an issue with
 * its FHIRPath, so that a validator downstream still sees and flags it. Comments are dropped.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, outcome, OperationOutcomeError } from './outcomes.js';
import type { ChildInfo, FhirXmlModel, Place } from './xml-model.js';
import { r4XmlModel } from './xml-model.js';
import type { XmlElement, XmlLimits } from './xml-parse.js';
import { DEFAULT_XML_LIMITS, isNamespaceDeclaration, parseXml, serializeXml, XHTML_NS } from './xml-parse.js';

export { DEFAULT_XML_LIMITS, type XmlLimits } from './xml-parse.js';

export const FHIR_NS = 'http://hl7.org/fhir';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

export type Json = string | number | boolean | null | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export interface FhirXmlOptions {
  limits?: XmlLimits;
  /** The element definitions to read by; the R4 base definitions when absent. */
  model?: FhirXmlModel;
}

export interface FhirXmlResult {
  /** The resource as FHIR JSON, `resourceType` first. */
  resource: JsonObject & { resourceType: string };
  /** What could not be read as FHIR (unknown elements and attributes, bad values), each with its FHIRPath. */
  issues: OperationOutcomeIssue[];
}

/**
 * Reads a FHIR resource in XML. Throws an OperationOutcomeError (400) when the input is not
 * well-formed XML, has a DTD, is not a FHIR resource, or exceeds the limits (413); anything less
 * is converted as far as it goes and reported in `issues`.
 */
export function fhirXmlToJson(input: string | Uint8Array, options: FhirXmlOptions = {}): FhirXmlResult {
  const root = parseXml(input, options.limits ?? DEFAULT_XML_LIMITS);
  const reader = new Reader(options.model ?? r4XmlModel(), root.uri === '' ? '' : FHIR_NS);
  if (!reader.model.resourceType(root.local)) {
    throw new OperationOutcomeError(
      outcome([
        issue({ code: 'structure', message: `The root element <${root.local}> is not a FHIR resource type` }),
      ]),
      400,
    );
  }
  if (root.uri !== FHIR_NS) {
    reader.report('error', 'structure', `The resource must be in the namespace ${FHIR_NS}`, root.local);
  }
  return { resource: reader.resource(root, root.local), issues: reader.issues };
}

/** JSON kinds of the primitive types that are not strings: https://hl7.org/fhir/R4/json.html#primitive */
const NUMBER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt', 'decimal']);

/** A primitive element split the JSON way: its value, and its id and extensions for `_name`. */
interface PrimitiveParts {
  value: Json | undefined;
  extra: JsonObject | undefined;
}

class Reader {
  readonly issues: OperationOutcomeIssue[] = [];

  constructor(
    readonly model: FhirXmlModel,
    /** The namespace FHIR elements are in: FHIR's, or none when the root forgot it (reported once). */
    private readonly fhirNs: string,
  ) {}

  report(
    severity: 'error' | 'warning' | 'information',
    code: OperationOutcomeIssue['code'],
    message: string,
    path: string,
  ): void {
    this.issues.push(issue({ severity, code, message, expression: path }));
  }

  /** A resource element (the root, or the single child of `contained`, `entry.resource`, ...). */
  resource(el: XmlElement, path: string): JsonObject & { resourceType: string } {
    const out: JsonObject & { resourceType: string } = { resourceType: el.local };
    const type = this.model.resourceType(el.local);
    if (!type) {
      this.report('error', 'structure', `Unknown resource type '${el.local}'`, path);
      Object.assign(out, this.unknownContent(el));
      return out;
    }
    this.attributes(el, { type, path: type.name }, out, path);
    this.children(el, { type, path: type.name }, out, path);
    return out;
  }

  /** Child elements grouped by name (repeats are adjacent in valid XML, but need not be). */
  private children(el: XmlElement, place: Place, out: JsonObject, path: string): void {
    this.checkText(el, path);
    for (const group of groupChildren(el)) {
      const first = group[0]!;
      const name = first.local;
      const info = this.childInfo(place, first, path);
      if (info) this.known(name, info, this.cardinality(name, info, group, path), out, path);
      else this.unknown(group, out, path);
    }
  }

  /** FHIR elements are in FHIR's namespace, narrative `div`s in XHTML's; anything else is unknown. */
  private childInfo(place: Place, el: XmlElement, path: string): ChildInfo | undefined {
    if (el.uri !== this.fhirNs && el.uri !== XHTML_NS) return undefined;
    const info = this.model.child(place, el.local);
    if (el.uri === XHTML_NS) return info?.kind === 'xhtml' ? info : undefined;
    if (info?.kind === 'xhtml') {
      // Kept as written, so the validator also sees the wrong namespace: https://hl7.org/fhir/R4/narrative.html#xhtml
      this.report(
        'error',
        'structure',
        `The narrative must be in the XHTML namespace ${XHTML_NS}`,
        `${path}.${el.local}`,
      );
    }
    return info;
  }

  /** A non-repeating element given more than once: the first is kept, the rest reported. */
  private cardinality(name: string, info: ChildInfo, group: XmlElement[], path: string): XmlElement[] {
    if (info.repeats || group.length === 1) return group;
    this.report(
      'error',
      'structure',
      `Element '${name}' appears ${group.length} times; it may appear at most once`,
      `${path}.${name}`,
    );
    return group.slice(0, 1);
  }

  private known(name: string, info: ChildInfo, group: XmlElement[], out: JsonObject, path: string): void {
    const at = (i: number): string => (info.repeats ? `${path}.${name}[${i}]` : `${path}.${name}`);
    switch (info.kind) {
      case 'complex':
        setValues(
          out,
          name,
          info.repeats,
          group.map((el, i) => this.complex(el, info.place, at(i))),
        );
        return;
      case 'resource':
        setValues(
          out,
          name,
          info.repeats,
          group.map((el, i) => this.wrapped(el, at(i))),
        );
        return;
      case 'xhtml':
        setValues(out, name, info.repeats, group.map(serializeXml));
        return;
      case 'primitive':
        this.primitives(name, info, group, out, at);
        return;
      default:
        info satisfies never;
    }
  }

  private complex(el: XmlElement, place: Place, path: string): JsonObject {
    const out: JsonObject = {};
    this.attributes(el, place, out, path);
    this.children(el, place, out, path);
    return out;
  }

  /**
   * Primitives go to `name` (value) and `_name` (id, extensions); in arrays both stay aligned,
   * with null where an item has no value or no extras: https://hl7.org/fhir/R4/json.html#primitive
   */
  private primitives(
    name: string,
    info: Extract<ChildInfo, { kind: 'primitive' }>,
    group: XmlElement[],
    out: JsonObject,
    at: (i: number) => string,
  ): void {
    const parts = group.map((el, i) => this.primitive(el, info, at(i)));
    const values = parts.map((p) => p.value ?? null);
    const extras = parts.map((p) => p.extra ?? null);
    if (values.some((v) => v !== null)) setValues(out, name, info.repeats, values);
    if (extras.some((e) => e !== null)) setValues(out, `_${name}`, info.repeats, extras);
  }

  private primitive(
    el: XmlElement,
    info: Extract<ChildInfo, { kind: 'primitive' }>,
    path: string,
  ): PrimitiveParts {
    const extra: JsonObject = {};
    let value: Json | undefined;
    for (const a of el.attributes) {
      if (a.local === 'value' && a.uri === '') value = this.primitiveValue(a.value, info.primitive, path);
      else this.attribute(a, info.place, extra, path);
    }
    this.children(el, info.place, extra, path);
    const hasExtra = Object.keys(extra).length > 0;
    if (value === undefined && !hasExtra) {
      this.report('error', 'required', `Element has neither a value nor extensions`, path);
    }
    return { value, extra: hasExtra ? extra : undefined };
  }

  /** The `value` attribute in the JSON type of the primitive type: https://hl7.org/fhir/R4/datatypes.html#primitive */
  private primitiveValue(text: string, type: string, path: string): Json {
    if (type === 'boolean') {
      if (text === 'true' || text === 'false') return text === 'true';
      this.report('error', 'value', `'${clip(text)}' is not a boolean (true or false)`, path);
      return text;
    }
    if (!NUMBER_TYPES.has(type)) return text;
    const n = type === 'decimal' ? decimal(text) : integer(text);
    if (n === undefined) {
      this.report('error', 'value', `'${clip(text)}' is not a valid ${type}`, path);
      return text;
    }
    if (!(type === 'decimal' ? FHIR_DECIMAL : FHIR_INTEGER).test(text)) {
      // The number is clear, but JSON cannot keep the spelling the validator would flag.
      this.report(
        'error',
        'value',
        `'${clip(text)}' is not written as FHIR writes a ${type}; read as ${n}`,
        path,
      );
    } else if (type === 'decimal' && !sameDigits(text, n)) {
      this.report(
        'information',
        'informational',
        `The decimal ${clip(text)} has more digits than a JSON number holds; read as ${n}`,
        path,
      );
    }
    return n;
  }

  /** The wrapper of a nested resource holds the resource as its one child element. */
  private wrapped(el: XmlElement, path: string): JsonObject {
    this.checkText(el, path);
    for (const a of el.attributes) this.attribute(a, undefined, {}, path);
    const inner = el.children.filter((c): c is XmlElement => c.kind === 'element');
    const first = inner[0];
    if (!first) {
      this.report('error', 'structure', 'Expected a resource here, found none', path);
      return {};
    }
    if (inner.length > 1)
      this.report('error', 'structure', `Expected one resource here, found ${inner.length} elements`, path);
    if (first.uri !== this.fhirNs)
      this.report('error', 'structure', `The resource must be in the namespace ${FHIR_NS}`, path);
    return this.resource(first, path);
  }

  private attributes(el: XmlElement, place: Place, out: JsonObject, path: string): void {
    for (const a of el.attributes) this.attribute(a, place, out, path);
  }

  /** `id` on elements and `url` on extensions become properties; namespace declarations and schema hints are not data. */
  private attribute(
    a: XmlElement['attributes'][number],
    place: Place | undefined,
    out: JsonObject,
    path: string,
  ): void {
    if (isNamespaceDeclaration(a) || a.uri === XSI_NS) return;
    if (place && a.uri === '' && this.model.attribute(place, a.local)) {
      out[a.local] = a.value;
      return;
    }
    this.report('error', 'structure', `Unknown attribute '${a.name}'`, path);
  }

  /** Text between FHIR elements is not allowed (only whitespace): https://hl7.org/fhir/R4/xml.html */
  private checkText(el: XmlElement, path: string): void {
    if (el.children.some((c) => c.kind === 'text' && c.text.trim() !== '')) {
      this.report('error', 'structure', 'Text content is not allowed in a FHIR element', path);
    }
  }

  /**
   * Unknown elements are kept by name (with their prefix when in another namespace, so they never
   * take a FHIR element's place), each name reported once at its own path.
   */
  private unknown(group: XmlElement[], out: JsonObject, path: string): void {
    const first = group[0]!;
    const foreign = first.uri !== this.fhirNs;
    const key = propertyName(foreign && first.prefix ? `${first.prefix}:${first.local}` : first.local, path);
    const where = foreign ? ` in namespace '${first.uri}'` : '';
    this.report('error', 'structure', `Unknown element '${first.local}'${where}`, `${path}.${first.local}`);
    setValues(
      out,
      key,
      group.length > 1,
      group.map((el) => this.unknownValue(el)),
    );
  }

  private unknownValue(el: XmlElement): Json {
    const content = this.unknownContent(el);
    if (Object.keys(content).length > 0) return content;
    const value = el.attributes.find((a) => a.local === 'value' && a.uri === '');
    if (value) return value.value;
    return el.children
      .map((c) => (c.kind === 'text' ? c.text : ''))
      .join('')
      .trim();
  }

  /** Content of an element nobody defined: child elements by name, with the rule for repeats guessed from the count. */
  private unknownContent(el: XmlElement): JsonObject {
    const out: JsonObject = {};
    for (const group of groupChildren(el)) {
      setValues(
        out,
        propertyName(group[0]!.local, ''),
        group.length > 1,
        group.map((c) => this.unknownValue(c)),
      );
    }
    return out;
  }
}

/** Names that would reach an object's prototype; refused as the JSON parser refuses them (src/fhir/json.ts). */
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

function propertyName(name: string, path: string): string {
  if (!FORBIDDEN_NAMES.has(name)) return name;
  throw new OperationOutcomeError(
    outcome([
      issue({
        code: 'structure',
        message: `Element name '${name}' is not allowed`,
        expression: path || undefined,
      }),
    ]),
    400,
  );
}

/** Element children by namespace and local name, in order of first appearance. */
function groupChildren(el: XmlElement): XmlElement[][] {
  const groups = new Map<string, XmlElement[]>();
  for (const child of el.children) {
    if (child.kind !== 'element') continue;
    const key = `${child.uri} ${child.local}`;
    const group = groups.get(key);
    if (group) group.push(child);
    else groups.set(key, [child]);
  }
  return [...groups.values()];
}

function setValues(out: JsonObject, name: string, repeats: boolean, values: Json[]): void {
  const first = values[0];
  if (repeats) out[name] = values;
  else if (first !== undefined) out[name] = first;
}

/** The lexical forms of the R4 definitions (the regex extensions of decimal.value and integer.value). */
const FHIR_DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const FHIR_INTEGER = /^-?(0|[1-9][0-9]*)$/;

/** XML Schema's lexical forms are looser than FHIR's (`+1`, `.5`, `01`, spaces); they still read as numbers. */
function decimal(text: string): number | undefined {
  if (!/^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function integer(text: string): number | undefined {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Whether a number keeps every significant digit of its decimal text (trailing zeros aside). */
function sameDigits(text: string, n: number): boolean {
  return significantDigits(text) === significantDigits(n.toExponential().replace(/e.*$/, ''));
}

function significantDigits(text: string): string {
  const mantissa = text
    .trim()
    .replace(/^[+-]/, '')
    .replace(/[eE].*$/, '');
  return mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
