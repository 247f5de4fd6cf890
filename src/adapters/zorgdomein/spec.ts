/**
 * The declarative mapping of a ZorgDomein-style FHIR referral document (mappings/zorgdomein/):
 * its TypeScript shape, its JSON Schema (checked with ajv at load; errors name the key) and the
 * checks a schema cannot express (section codes known, ConceptMap urls in our canonical space).
 */
import { SUMMARY_SECTIONS, type SummarySection } from '../../fhir/codes.js';
import type { SpecSchema } from '../spec-loader.js';

/** Where the narrative and the entries of a source section go. */
export type SectionTarget = 'reason' | 'note' | 'client-request' | SummarySection;

export interface SectionRule {
  /** The section codes (system and code) this rule matches. */
  codes: { system: string; code: string }[];
  into: SectionTarget;
}

/** Codings added to a CodeableConcept element through a ConceptMap. */
export interface TranslateRule {
  element: string;
  conceptMap: string;
  /** Equivalences accepted as a translation (default equal, equivalent). */
  accept?: string[];
  /** When no coding of the element translates, report the element as untranslatable. */
  report?: boolean;
}

export interface ResourceRule {
  /** Top-level elements copied as they are (references rewritten); `onset[x]` takes any type. */
  copy: string[];
  /** The profile the output resource claims. */
  profile?: string;
  /** Top-level elements set before copying; a source value for the same element is reported. */
  fixed?: Record<string, unknown>;
  /** The summary section the resource lists in (with valueSet: only when its code is in it). */
  section?: SummarySection;
  valueSet?: string;
  /** Referenced from the referral's supportingInfo (always, or when the valueSet test fails). */
  supportingInfo?: 'always' | 'otherwise';
  translate?: TranslateRule[];
  /** Elements set when the resource lists in its section and the source has none. */
  whenInSection?: Record<string, unknown>;
}

export interface ZorgdomeinSpec {
  title: string;
  /** ConceptMap: the document type (Composition.type) to message-event. */
  documentTypeMap: string;
  /** Paths (without indices) read to interpret the document, not data for the output. */
  structural: string[];
  sections: SectionRule[];
  /** By source resource type; Composition and ServiceRequest feed the summary and the referral. */
  resources: Record<string, ResourceRule>;
  header: { sourceName: string; sourceEndpoint: string };
  summary: {
    title: string;
    emptyReason: string;
    emptyText: string;
    /** Introduces the referrer's own text in a section that has no structured entries. */
    narrativeText: string;
    titles: Record<SummarySection, string>;
  };
}

const codeList = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    required: ['system', 'code'],
    additionalProperties: false,
    properties: { system: { type: 'string', minLength: 1 }, code: { type: 'string', minLength: 1 } },
  },
};

const translateRule = {
  type: 'object',
  required: ['element', 'conceptMap'],
  additionalProperties: false,
  properties: {
    element: { type: 'string', pattern: '^[a-z][A-Za-z]*$' },
    conceptMap: { type: 'string', minLength: 1 },
    accept: { type: 'array', items: { type: 'string' } },
    report: { type: 'boolean' },
  },
};

const resourceRule = {
  type: 'object',
  required: ['copy'],
  additionalProperties: false,
  properties: {
    copy: { type: 'array', items: { type: 'string', pattern: '^[a-z][A-Za-z]*(\\[x\\])?$' } },
    profile: { type: 'string', minLength: 1 },
    fixed: { type: 'object' },
    section: { enum: [...SUMMARY_SECTIONS] },
    valueSet: { type: 'string', minLength: 1 },
    supportingInfo: { enum: ['always', 'otherwise'] },
    translate: { type: 'array', items: translateRule },
    whenInSection: { type: 'object' },
  },
};

export const zorgdomeinSpecSchema: SpecSchema<ZorgdomeinSpec> = {
  schema: {
    type: 'object',
    required: ['title', 'documentTypeMap', 'structural', 'sections', 'resources', 'header', 'summary'],
    additionalProperties: false,
    properties: {
      title: { type: 'string', minLength: 1 },
      documentTypeMap: { type: 'string', minLength: 1 },
      structural: {
        type: 'array',
        items: { type: 'string', pattern: '^[A-Z][A-Za-z]*(\\.[a-z][A-Za-z]*)+$' },
      },
      sections: {
        type: 'array',
        items: {
          type: 'object',
          required: ['codes', 'into'],
          additionalProperties: false,
          properties: {
            codes: codeList,
            into: { enum: ['reason', 'note', 'client-request', ...SUMMARY_SECTIONS] },
          },
        },
      },
      resources: {
        type: 'object',
        required: ['Composition', 'Patient'],
        additionalProperties: resourceRule,
      },
      header: {
        type: 'object',
        required: ['sourceName', 'sourceEndpoint'],
        additionalProperties: false,
        properties: { sourceName: { type: 'string' }, sourceEndpoint: { type: 'string', minLength: 1 } },
      },
      summary: {
        type: 'object',
        required: ['title', 'emptyReason', 'emptyText', 'narrativeText', 'titles'],
        additionalProperties: false,
        properties: {
          title: { type: 'string' },
          emptyReason: { enum: ['nilknown', 'withheld', 'unavailable'] },
          emptyText: { type: 'string' },
          narrativeText: { type: 'string' },
          titles: {
            type: 'object',
            required: [...SUMMARY_SECTIONS],
            additionalProperties: false,
            properties: Object.fromEntries(SUMMARY_SECTIONS.map((s) => [s, { type: 'string' }])),
          },
        },
      },
    },
  },
  checks: [canonicalMaps, valueSetNeedsSection, resourceTypesKnown],
};

const CONCEPT_MAP = /^https:\/\/overdracht\.dev\/fhir\/ConceptMap\/[A-Za-z0-9\-.]+$/;

function canonicalMaps(spec: ZorgdomeinSpec): string[] {
  const problems: string[] = [];
  if (!CONCEPT_MAP.test(spec.documentTypeMap)) problems.push('documentTypeMap: not a project ConceptMap url');
  for (const [type, rule] of Object.entries(spec.resources)) {
    (rule.translate ?? []).forEach((t, i) => {
      if (!CONCEPT_MAP.test(t.conceptMap))
        problems.push(`resources.${type}.translate[${i}].conceptMap: not a project ConceptMap url`);
    });
  }
  return problems;
}

function valueSetNeedsSection(spec: ZorgdomeinSpec): string[] {
  return Object.entries(spec.resources)
    .filter(([, r]) => (r.valueSet !== undefined || r.whenInSection !== undefined) && r.section === undefined)
    .map(([type]) => `resources.${type}: valueSet and whenInSection need a section`);
}

function resourceTypesKnown(spec: ZorgdomeinSpec): string[] {
  return Object.keys(spec.resources)
    .filter((t) => !/^[A-Z][A-Za-z]+$/.test(t))
    .map((t) => `resources.${t}: not a resource type name`);
}
