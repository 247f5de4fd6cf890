/**
 * Reading an iWmo / iJw 3.2 message: XML through the project's safe parser (no DTD, no entities,
 * bounded size, depth and element count), the message told by the namespace of <Bericht>, and
 * one record per product element of the client (a 315 asks for several products, a 301 assigns
 * several): one bad product is reported under its XPath and the others convert. Every populated
 * element is a leaf with its XPath, for the coverage report.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../../fhir/outcomes.js';
import {
  DEFAULT_XML_LIMITS,
  isNamespaceDeclaration,
  parseXml,
  type XmlElement,
} from '../../fhir/xml-parse.js';
import { type ParsedRecord, type ParseResult, unreadableIssue } from '../framework.js';
import type { Law, MessageCode, SocialSpec } from './spec.js';

export interface SocialLimits {
  maxBytes: number;
  /** Most product records in one message. */
  maxRecords: number;
  /** Most elements in one message. */
  maxElements: number;
}

export const DEFAULT_SOCIAL_LIMITS: SocialLimits = {
  maxBytes: 2 * 1024 * 1024,
  maxRecords: 1000,
  maxElements: 50_000,
};

export interface Leaf {
  /** Spec path: `Client/Naam/Voornamen`, or `./Product/Code` inside the record. */
  path: string;
  /** XPath with positions where names repeat: `/Bericht/Client/AangevraagdProduct[2]/Product/Code`. */
  location: string;
  /** Locations of the enclosing elements, outermost first, ending with the leaf's own. */
  parts: string[];
  text: string;
}

export interface SocialRecord {
  law: Law;
  message: MessageCode;
  /** 1-based position of the product record among its siblings. */
  index: number;
  location: string;
  leaves: Leaf[];
}

const ROOT = '/Bericht';

export function parseSocial(
  bytes: Uint8Array,
  spec: SocialSpec,
  limits: SocialLimits,
): ParseResult<SocialRecord> {
  if (bytes.length === 0) return fatal('The input is empty', 'structure');
  if (bytes.length > limits.maxBytes)
    return fatal(`The input is larger than ${limits.maxBytes} bytes`, 'too-costly');
  let root: XmlElement;
  try {
    root = parseXml(bytes, {
      ...DEFAULT_XML_LIMITS,
      maxBytes: limits.maxBytes,
      maxElements: limits.maxElements,
      maxDepth: 32,
    });
  } catch (err) {
    const message =
      err instanceof OperationOutcomeError
        ? (err.outcome.issue?.[0]?.diagnostics ?? 'unreadable')
        : 'unreadable';
    const tooBig = err instanceof OperationOutcomeError && err.status === 413;
    return fatal(message, tooBig ? 'too-costly' : 'structure');
  }
  const kind = new RegExp(spec.namespace).exec(root.uri);
  if (root.local !== 'Bericht' || !kind)
    return fatal(
      'The input is not an iWmo or iJw 3.2 message (<Bericht> in a 301, 305, 307 or 315 namespace)',
      'not-supported',
    );
  const law = kind[1] as Law;
  const message = kind[2] as MessageCode;
  const header = childrenNamed(root, 'Header');
  const client = childrenNamed(root, 'Client');
  if (header.length !== 1 || client.length !== 1 || !client[0])
    return fatal('The message needs exactly one <Header> and one <Client>', 'structure');
  const recordName = spec.structure.records[message];
  const products = childrenNamed(client[0], recordName);
  if (products.length === 0) return fatal(`The message holds no <${recordName}>`, 'required');
  if (products.length > limits.maxRecords)
    return fatal(`The message holds more than ${limits.maxRecords} <${recordName}> records`, 'too-costly');
  const recordAt = new RegExp(`^${ROOT}/Client/${recordName}(\\[\\d+\\])?$`);
  const shared = leavesOf(root, ROOT, [], '', (location) => !recordAt.test(location));
  const productLocations = positions(client[0], `${ROOT}/Client`).filter((p) => p.el.local === recordName);
  const records = productLocations.map(({ el, location }, i): ParsedRecord<SocialRecord> => {
    const own = leavesOf(el, location, [`${ROOT}/Client`, location], '.');
    return {
      ok: true,
      location,
      input: { law, message, index: i + 1, location, leaves: [...shared, ...own] },
      issues: [],
    };
  });
  return { records, issues: [] };
}

function childrenNamed(el: XmlElement, local: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => c.kind === 'element' && c.local === local);
}

/** Child elements with their XPath: a position only where the name repeats. */
function positions(el: XmlElement, location: string): { el: XmlElement; location: string }[] {
  const elements = el.children.filter((c): c is XmlElement => c.kind === 'element');
  const counts = new Map<string, number>();
  for (const c of elements) counts.set(c.local, (counts.get(c.local) ?? 0) + 1);
  const seen = new Map<string, number>();
  return elements.map((c) => {
    const n = (seen.get(c.local) ?? 0) + 1;
    seen.set(c.local, n);
    return { el: c, location: `${location}/${c.local}${(counts.get(c.local) ?? 0) > 1 ? `[${n}]` : ''}` };
  });
}

/** Leaves below el (text of elements without element children, attributes), with spec paths from `base`. */
function leavesOf(
  el: XmlElement,
  location: string,
  parts: string[],
  base: string,
  keep: (location: string) => boolean = () => true,
): Leaf[] {
  const out: Leaf[] = [];
  const walk = (node: XmlElement, at: string, path: string, chain: string[]): void => {
    for (const a of node.attributes) {
      if (isNamespaceDeclaration(a) || a.value.trim() === '') continue;
      const loc = `${at}/@${a.local}`;
      out.push({ path: `${path}/@${a.local}`, location: loc, parts: [...chain, loc], text: a.value.trim() });
    }
    const children = positions(node, at);
    const text = node.children
      .filter((c) => c.kind === 'text')
      .map((c) => c.text)
      .join('')
      .trim();
    if (text !== '') out.push({ path, location: at, parts: [...chain, `${at}#text`], text });
    for (const { el: child, location: loc } of children) {
      if (!keep(loc)) continue;
      walk(child, loc, path ? `${path}/${child.local}` : child.local, [...chain, loc]);
    }
  };
  walk(el, location, base, parts.length > 0 ? parts : []);
  return out.map((l) => ({ ...l, parts: l.parts.length > 0 ? l.parts : [l.location] }));
}

function fatal(message: string, code: OperationOutcomeIssue['code']): ParseResult<SocialRecord> {
  return { records: [], issues: [unreadableIssue({ location: ROOT, message }, code)] };
}
