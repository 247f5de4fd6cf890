/**
 * Reading a feedback report (terugrapportage, profile ov-feedback) and what it refers to out of a
 * Bundle: the Composition, the client, the sending organisation, the referral it answers and the
 * referrer it goes back to, and each section as plain paragraphs. The HL7 v2 ORU^R01 and the
 * letter are both written from this one reading.
 */
import type {
  Bundle,
  CodeableConcept,
  Composition,
  Organization,
  Patient,
  Practitioner,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { SYSTEMS } from '../../fhir/codes.js';
import { issue, outcome } from '../../fhir/outcomes.js';
import { parseXml, type XmlElement } from '../../fhir/xml-parse.js';
import { EntryIndex } from './bundle-index.js';
import type { WriteResult } from './types.js';

const FEEDBACK_SECTION = 'https://overdracht.dev/fhir/CodeSystem/feedback-section';
const FEEDBACK_TYPE = 'https://overdracht.dev/fhir/CodeSystem/feedback-type';
const BASED_ON = 'https://overdracht.dev/fhir/StructureDefinition/ov-based-on';

export interface FeedbackSection {
  code: string;
  title: string;
  paragraphs: string[];
  /** Coded entries (the diagnoses' Conditions) with their FHIRPath. */
  codes: { concept: CodeableConcept; path: string }[];
  /** FHIRPath of the section, for reports. */
  path: string;
}

export interface FeedbackReading {
  composition: Composition;
  compositionPath: string;
  bundle?: Bundle;
  feedbackType?: { code: string; display?: string };
  patient?: Patient;
  custodian?: Organization;
  referral?: ServiceRequest;
  /** Who the report goes back to: the referral's requester, as practitioner and organisation. */
  referrer?: { practitioner?: Practitioner; organization?: Organization };
  sections: FeedbackSection[];
}

export function readFeedback(input: Bundle | Resource): FeedbackReading | undefined {
  const bundle = input.resourceType === 'Bundle' ? input : undefined;
  const index = new EntryIndex(
    bundle ?? { resourceType: 'Bundle', type: 'collection', entry: [{ resource: input }] },
  );
  const composition = index.resources.find(
    (r): r is Composition =>
      r.resourceType === 'Composition' &&
      (r.type.coding ?? []).some((c) => c.system === SYSTEMS.documentType && c.code === 'feedback-report'),
  );
  if (!composition) return undefined;
  const compositionPath = bundle ? index.pathOf(composition) : 'Composition';
  const as = <T extends Resource['resourceType']>(
    r: Resource | undefined,
    type: T,
  ): Extract<Resource, { resourceType: T }> | undefined =>
    r?.resourceType === type ? (r as Extract<Resource, { resourceType: T }>) : undefined;
  const referral = (composition.extension ?? [])
    .filter((e) => e.url === BASED_ON)
    .map((e) => as(index.resolve(e.valueReference), 'ServiceRequest'))
    .find((r) => r !== undefined);
  const requester = index.resolve(referral?.requester);
  const referrer =
    requester?.resourceType === 'PractitionerRole'
      ? {
          practitioner: as(index.resolve(requester.practitioner), 'Practitioner'),
          organization: as(index.resolve(requester.organization), 'Organization'),
        }
      : requester?.resourceType === 'Organization'
        ? { organization: requester }
        : requester?.resourceType === 'Practitioner'
          ? { practitioner: requester }
          : undefined;
  const type = composition.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === FEEDBACK_TYPE);
  return {
    composition,
    compositionPath,
    bundle,
    feedbackType: type?.code ? { code: type.code, display: type.display } : undefined,
    patient: as(index.resolve(composition.subject), 'Patient'),
    custodian: as(index.resolve(composition.custodian), 'Organization'),
    referral,
    referrer,
    sections: (composition.section ?? []).map((s, i) => {
      const path = `${compositionPath}.section[${i}]`;
      return {
        code:
          s.code?.coding?.find((c) => c.system === FEEDBACK_SECTION)?.code ?? s.code?.coding?.[0]?.code ?? '',
        title: s.title ?? '',
        paragraphs: paragraphs(s.text?.div),
        codes: (s.entry ?? []).flatMap((e, j) => {
          const r = index.resolve(e);
          const concept = r && 'code' in r && r.resourceType === 'Condition' ? r.code : undefined;
          return concept ? [{ concept, path: `${path}.entry[${j}]` }] : [];
        }),
        path,
      };
    }),
  };
}

const BLOCKS = new Set([
  'p',
  'li',
  'div',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'tr',
  'br',
  'pre',
  'blockquote',
]);

/** The narrative's text, one string per block element; markup never passes through. */
export function paragraphs(div: string | undefined): string[] {
  if (!div) return [];
  let root: XmlElement;
  try {
    root = parseXml(div, { maxBytes: 1024 * 1024, maxDepth: 64, maxElements: 20_000 });
  } catch {
    return [];
  }
  const out: string[] = [];
  let current = '';
  const flush = (): void => {
    const text = current.replace(/\s+/g, ' ').trim();
    if (text) out.push(text);
    current = '';
  };
  const walk = (el: XmlElement): void => {
    for (const child of el.children) {
      if (child.kind === 'text') current += child.text;
      else if (child.kind === 'element') {
        // XHTML narrative may not hold scripts (FHIR txt-1); if one does, its content is no text.
        if (child.local === 'script' || child.local === 'style') continue;
        const block = BLOCKS.has(child.local);
        if (block) flush();
        walk(child);
        if (block) flush();
      }
    }
  };
  walk(root);
  flush();
  return out;
}

export function personName(
  p: { name?: { text?: string; family?: string; given?: string[]; prefix?: string[] }[] } | undefined,
): string {
  const n = p?.name?.[0];
  if (!n) return '';
  return n.text ?? [n.prefix?.join(' '), n.given?.join(' '), n.family].filter(Boolean).join(' ');
}

/** What a writer of feedback answers when its input holds no feedback report. */
export function noFeedback(): WriteResult {
  return {
    output: undefined,
    report: outcome([
      issue({
        severity: 'error',
        code: 'required',
        message: 'The input holds no feedback report (Composition of type feedback-report)',
        expression: 'Bundle.entry',
      }),
    ]),
  };
}
