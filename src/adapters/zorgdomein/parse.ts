/**
 * Reading a ZorgDomein-style FHIR document: JSON or XML (told apart by the first character),
 * strict UTF-8, bounded size, depth and element counts (the project's safe JSON and XML readers).
 * One document Bundle is one record; a `collection` Bundle of documents is a batch, one record
 * per document, so that one bad document is reported under its place and the others convert.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { DEFAULT_JSON_LIMITS, parseJsonBytes } from '../../fhir/json.js';
import { OperationOutcomeError } from '../../fhir/outcomes.js';
import { fhirXmlToJson, type JsonObject } from '../../fhir/xml.js';
import { type ParsedRecord, type ParseResult, recordError, unreadableIssue } from '../framework.js';

export interface ZdDocument {
  bundle: JsonObject;
  /** The FHIRPath of the document Bundle in the input: `Bundle`, or `Bundle.entry[2].resource` in a batch. */
  base: string;
}

export interface ZdLimits {
  maxBytes: number;
  /** Most documents in one collection. */
  maxDocuments: number;
  /** Most populated leaves (primitive values) in one document. */
  maxLeaves: number;
}

/** Documents may carry a PDF of the letter as base64, hence more room than an HL7 v2 message. */
export const DEFAULT_ZD_LIMITS: ZdLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxDocuments: 500,
  maxLeaves: 200_000,
};

export function parseZorgdomein(bytes: Uint8Array, limits: ZdLimits): ParseResult<ZdDocument> {
  if (bytes.length === 0) return fatal('The input is empty', 'structure');
  if (bytes.length > limits.maxBytes)
    return fatal(`The input is larger than ${limits.maxBytes} bytes`, 'too-costly');
  const read = readResource(bytes);
  if ('problem' in read) return { records: [], issues: [read.problem] };
  const root = read.resource;
  if (root.resourceType !== 'Bundle') return fatal('The input is not a Bundle', 'structure');
  if (root.type === 'document') {
    return {
      records: [
        { ok: true, location: 'Bundle', input: { bundle: root, base: 'Bundle' }, issues: read.issues },
      ],
      issues: [],
    };
  }
  if (root.type !== 'collection')
    return fatal('The Bundle is neither a document nor a collection of documents (Bundle.type)', 'structure');
  return collection(root, limits, read.issues);
}

function collection(
  root: JsonObject,
  limits: ZdLimits,
  issues: OperationOutcomeIssue[],
): ParseResult<ZdDocument> {
  const entries = Array.isArray(root.entry) ? root.entry : [];
  if (entries.length > limits.maxDocuments)
    return fatal(`The collection holds more than ${limits.maxDocuments} documents`, 'too-costly');
  const records = entries.map((entry, i): ParsedRecord<ZdDocument> => {
    const base = `Bundle.entry[${i}].resource`;
    const resource = isObject(entry) ? entry.resource : undefined;
    if (!isObject(resource) || resource.resourceType !== 'Bundle' || resource.type !== 'document') {
      return {
        ok: false,
        location: base,
        issues: [
          recordError(
            { location: base, message: 'This entry is not a document Bundle; it is not converted' },
            'structure',
          ),
        ],
      };
    }
    return { ok: true, location: base, input: { bundle: resource, base }, issues: [] };
  });
  return { records, issues };
}

type Read = { resource: JsonObject; issues: OperationOutcomeIssue[] } | { problem: OperationOutcomeIssue };

function readResource(bytes: Uint8Array): Read {
  try {
    if (firstSignificant(bytes) === 0x3c) {
      const { resource, issues } = fhirXmlToJson(bytes);
      return { resource, issues };
    }
    const value = parseJsonBytes(bytes, DEFAULT_JSON_LIMITS);
    if (!isObject(value) || typeof value.resourceType !== 'string')
      return { problem: unreadableIssue({ location: 'input', message: 'The input is not a FHIR resource' }) };
    return { resource: value, issues: [] };
  } catch (err) {
    const message =
      err instanceof OperationOutcomeError
        ? (err.outcome.issue?.[0]?.diagnostics ?? 'The input cannot be read')
        : 'The input cannot be read';
    const tooBig = err instanceof OperationOutcomeError && err.status === 413;
    return { problem: unreadableIssue({ location: 'input', message }, tooBig ? 'too-costly' : 'structure') };
  }
}

/** The first byte that is not whitespace or a UTF-8 byte order mark. */
function firstSignificant(bytes: Uint8Array): number | undefined {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[i] ?? 0)) i++;
  return bytes[i];
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fatal(message: string, code: OperationOutcomeIssue['code']): ParseResult<ZdDocument> {
  return { records: [], issues: [unreadableIssue({ location: 'input', message }, code)] };
}
