/**
 * The iWmo / iJw mapping spec (mappings/iwmo-ijw/messages.yaml): its TypeScript type, its JSON
 * Schema and the checks that make a broken spec fail at start with the key it is about.
 */
import type { SpecCheck, SpecSchema } from '../spec-loader.js';
import { parsePath } from '../paths.js';

export const CONVERTERS = [
  'string',
  'bsn',
  'date',
  'instant',
  'decimal',
  'code',
  'coding',
  'codeableConcept',
  'identifier',
  'annotation',
  'quantityCode',
  'addressLine',
] as const;
export type ConverterName = (typeof CONVERTERS)[number];

export interface FieldRule {
  /** Element path below <Bericht>; `./` is relative to the record element. */
  source: string;
  /** Further sources read into the same value (the parts of an address line). */
  also?: string[];
  /** A resource name of the message, or `bundle` for the Bundle itself. */
  resource: string;
  /** Element path in the resource (src/adapters/paths.ts syntax); `{law}` is iwmo or ijw. */
  path: string;
  as: ConverterName;
  /** The code system of a coded value (`{law}` allowed). */
  system?: string;
  /** ConceptMap id that translates the value (inbound). */
  conceptMap?: string;
  /** The source code system the ConceptMap groups by. */
  sourceSystem?: string;
  /** ConceptMap id that translates the FHIR value back (outbound). */
  reverseMap?: string;
  /** Inbound value as `prefix{}suffix`. */
  template?: string;
  /** `in`: only inbound (a derived value the writer does not read back). Default both. */
  direction?: 'in' | 'both';
}

export interface ResourceDef {
  name: string;
  type: string;
  /** Profile id (docs/artefacts.md) written in meta.profile. */
  profile?: string;
  /** Kept only when this element path has a value after the field rules (the referrer's identifier). */
  keepWhen?: string;
}

export interface FixedValue {
  resource: string;
  path: string;
  value: unknown;
}

export interface ReferenceRule {
  resource: string;
  path: string;
  /** Candidates in order; the first resource that is kept is referenced. */
  to: string[];
  /** Reference.type */
  type?: string;
}

export interface MessageSpec {
  direction: 'provider-to-municipality' | 'municipality-to-provider';
  assemble: 'referral-message' | 'collection';
  resources: ResourceDef[];
  fixed: FixedValue[];
  references: ReferenceRule[];
  fields: FieldRule[];
}

export const MESSAGE_CODES = ['301', '305', '307', '315'] as const;
export type MessageCode = (typeof MESSAGE_CODES)[number];
export type Law = 'iwmo' | 'ijw';

export interface SocialSpec {
  title: string;
  namespace: string;
  namespaceTemplate: string;
  summary: { emptyReason: string; emptyText: string; title: string };
  structure: {
    header: string[];
    client: string[];
    records: Record<MessageCode, string>;
    record: string[];
    structural: string[];
    berichtCodes: Record<Law, Record<MessageCode, string>>;
  };
  messages: Record<MessageCode, MessageSpec>;
}

const str = { type: 'string', minLength: 1 };
const strings = { type: 'array', items: str };
const codeTable = {
  type: 'object',
  required: [...MESSAGE_CODES],
  additionalProperties: false,
  properties: Object.fromEntries(MESSAGE_CODES.map((c) => [c, str])),
};

const fieldSchema = {
  type: 'object',
  required: ['source', 'resource', 'path', 'as'],
  additionalProperties: false,
  properties: {
    source: str,
    also: strings,
    resource: str,
    path: str,
    as: { enum: [...CONVERTERS] },
    system: str,
    conceptMap: str,
    sourceSystem: str,
    reverseMap: str,
    template: { type: 'string', pattern: '\\{\\}' },
    direction: { enum: ['in', 'both'] },
  },
};

const messageSchema = {
  type: 'object',
  required: ['direction', 'assemble', 'resources', 'fixed', 'references', 'fields'],
  additionalProperties: false,
  properties: {
    direction: { enum: ['provider-to-municipality', 'municipality-to-provider'] },
    assemble: { enum: ['referral-message', 'collection'] },
    resources: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'type'],
        additionalProperties: false,
        properties: { name: str, type: str, profile: str, keepWhen: str },
      },
    },
    fixed: {
      type: 'array',
      items: {
        type: 'object',
        required: ['resource', 'path', 'value'],
        additionalProperties: false,
        properties: { resource: str, path: str, value: {} },
      },
    },
    references: {
      type: 'array',
      items: {
        type: 'object',
        required: ['resource', 'path', 'to'],
        additionalProperties: false,
        properties: { resource: str, path: str, to: { ...strings, minItems: 1 }, type: str },
      },
    },
    fields: { type: 'array', items: fieldSchema },
  },
};

const checkNames: SpecCheck<SocialSpec> = (spec) =>
  MESSAGE_CODES.flatMap((code) => {
    const m = spec.messages[code];
    const names = new Set(['bundle', ...m.resources.map((r) => r.name)]);
    const at = `messages.${code}`;
    return [
      ...m.fields.map((f, i) =>
        names.has(f.resource) ? '' : `${at}.fields[${i}].resource: no resource named ${f.resource}`,
      ),
      ...m.fixed.map((f, i) =>
        names.has(f.resource) ? '' : `${at}.fixed[${i}].resource: no resource named ${f.resource}`,
      ),
      ...m.references.flatMap((r, i) =>
        [r.resource, ...r.to].map((n) =>
          names.has(n) ? '' : `${at}.references[${i}]: no resource named ${n}`,
        ),
      ),
    ].filter((p) => p !== '');
  });

const checkRules: SpecCheck<SocialSpec> = (spec) => {
  const known = new Set([...spec.structure.header, ...spec.structure.client]);
  const record = new Set(spec.structure.record.map((p) => `./${p}`));
  return MESSAGE_CODES.flatMap((code) =>
    spec.messages[code].fields.flatMap((f, i) => {
      const at = `messages.${code}.fields[${i}]`;
      const problems: string[] = [];
      for (const source of [f.source, ...(f.also ?? [])])
        if (!known.has(source) && !record.has(source))
          problems.push(`${at}.source: ${source} is not an element of structure`);
      try {
        parsePath(f.path.replace(/\{law\}/g, 'iwmo'));
      } catch {
        problems.push(`${at}.path: not an element path`);
      }
      const coded = ['code', 'coding', 'codeableConcept', 'identifier', 'quantityCode'].includes(f.as);
      if (coded && !f.system && !f.conceptMap) problems.push(`${at}: ${f.as} needs system or conceptMap`);
      if (f.conceptMap && !f.sourceSystem) problems.push(`${at}: conceptMap needs sourceSystem`);
      if (f.as === 'addressLine' && !f.also) problems.push(`${at}: addressLine needs also`);
      return problems;
    }),
  );
};

export const socialSpecSchema: SpecSchema<SocialSpec> = {
  schema: {
    type: 'object',
    required: ['title', 'namespace', 'namespaceTemplate', 'summary', 'structure', 'messages'],
    additionalProperties: false,
    properties: {
      title: str,
      namespace: str,
      namespaceTemplate: str,
      summary: {
        type: 'object',
        required: ['emptyReason', 'emptyText', 'title'],
        additionalProperties: false,
        properties: {
          emptyReason: { enum: ['nilknown', 'withheld', 'unavailable'] },
          emptyText: str,
          title: str,
        },
      },
      structure: {
        type: 'object',
        required: ['header', 'client', 'records', 'record', 'structural', 'berichtCodes'],
        additionalProperties: false,
        properties: {
          header: strings,
          client: strings,
          records: codeTable,
          record: strings,
          structural: strings,
          berichtCodes: {
            type: 'object',
            required: ['iwmo', 'ijw'],
            additionalProperties: false,
            properties: { iwmo: codeTable, ijw: codeTable },
          },
        },
      },
      messages: {
        type: 'object',
        required: [...MESSAGE_CODES],
        additionalProperties: false,
        properties: Object.fromEntries(MESSAGE_CODES.map((c) => [c, messageSchema])),
      },
    },
  },
  checks: [checkNames, checkRules],
};

/** `{law}` in a spec string. */
export function forLaw(text: string, law: Law): string {
  return text.replace(/\{law\}/g, law);
}
