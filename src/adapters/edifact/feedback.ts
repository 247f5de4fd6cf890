/**
 * Feedback to the GP (terugrapportage) as the EDIFACT subset: a Bundle holding an ov-feedback
 * Composition and the resources it references becomes one MEDVRI-subset message with document
 * code TRG (mappings/edifact/README.md, "Outbound: feedback"). Sections become FTX segments by
 * their feedback-section code, the Conditions of the diagnoses section DGN segments, the referral
 * answered an RFF. What the subset cannot carry is listed in the answer, by FHIRPath.
 */
import type {
  Bundle,
  Composition,
  Identifier,
  OperationOutcome,
  OperationOutcomeIssue,
  Organization,
  Patient,
  PractitionerRole,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { cs, PROFILES, SYSTEMS } from '../../fhir/codes.js';
import { BundleIndex, type IndexedEntry } from '../../fhir/bundle.js';
import { issue, outcome } from '../../fhir/outcomes.js';
import {
  conditionDgn,
  digits,
  organizationNad,
  partyId,
  patientPid,
  practitionerNad,
  textFtx,
} from './segments.js';
import { elementsNotWritten, resourcesNotWritten } from './unwritten.js';
import { fitsLatin1, type SegmentOut, writeInterchange } from './write.js';

const WHAT = 'EDIFACT terugrapportage';
/** The elements a TRG message carries, by resource; the rest is reported. */
const PATIENT_WRITTEN = ['identifier', 'name', 'birthDate', 'gender'];
const COMPOSITION_WRITTEN = [
  'status',
  'type',
  'identifier',
  'date',
  'category',
  'section',
  'subject',
  'custodian',
  'author',
  'extension',
];

export const FEEDBACK_SECTION_QUALIFIERS: Readonly<Record<string, string>> = {
  outcome: 'OUT',
  diagnoses: 'DIA',
  treatment: 'TRT',
  'advice-to-referrer': 'ADV',
  'follow-up': 'FUP',
};

const GENDER: Readonly<Record<string, string>> = { male: 'M', female: 'F', other: 'O', unknown: 'U' };

export interface FeedbackWriteOptions {
  /** UNB control reference and UNH message reference; default from the Composition id. */
  controlReference?: string;
  messageReference?: string;
  syntax?: 'UNOC' | 'UNOW';
}

export type FeedbackWriteResult =
  | { ok: true; text: string; bytes: Uint8Array; report: OperationOutcome }
  | { ok: false; report: OperationOutcome };

const FEEDBACK_TYPE = cs('feedback-type');
const FEEDBACK_SECTION = cs('feedback-section');

export function writeFeedbackEdifact(
  bundle: Bundle,
  options: FeedbackWriteOptions = {},
): FeedbackWriteResult {
  const index = new BundleIndex(bundle);
  const found = index.entries.find(
    (e) => e.resource.resourceType === 'Composition' && isFeedback(e.resource as Composition),
  );
  const refuse = (message: string, expression: string): FeedbackWriteResult => ({
    ok: false,
    report: outcome([issue({ code: 'required', message, expression })]),
  });
  if (!found)
    return refuse('The Bundle holds no feedback Composition (type feedback-report)', 'Bundle.entry');
  const comp = found.resource as Composition;
  const at = `Bundle.entry[${found.index}].resource`;
  const get = <T extends Resource>(ref: string | undefined, type: T['resourceType']): T | undefined => {
    const hit = index.resolve(ref, found);
    return hit?.resource.resourceType === type ? (hit.resource as T) : undefined;
  };
  const patient = get<Patient>(comp.subject?.reference, 'Patient');
  if (!patient) return refuse('The subject (Patient) of the feedback is not in the Bundle', `${at}.subject`);
  const sender = get<Organization>(comp.custodian?.reference, 'Organization');
  if (!sender)
    return refuse('The custodian (Organization) of the feedback is not in the Bundle', `${at}.custodian`);
  const referral = get<ServiceRequest>(basedOn(comp), 'ServiceRequest');
  const recipient = recipientOf(referral, found, index);
  if (!recipient)
    return refuse(
      'The referrer to report back to is not in the Bundle (the requester of the referral named by extension ov-based-on)',
      `${at}.extension`,
    );
  const date = comp.date ?? '';
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(date))
    return refuse('The feedback has no date and time (Composition.date)', `${at}.date`);
  const notes: OperationOutcomeIssue[] = [];
  const used = new Set<Resource>([comp, patient, sender, recipient]);
  if (referral) used.add(referral);
  const requester = index.resolve(referral?.requester?.reference, found)?.resource;
  if (requester) used.add(requester);
  const author = authorOf(comp, found, index, used);
  const body: SegmentOut[] = [
    { tag: 'BGM', elements: ['TRG', comp.identifier?.value ?? comp.id ?? '', '9'] },
    { tag: 'DTM', elements: [['137', digits(date, 12), '203']] },
    ...(referral
      ? [{ tag: 'RFF', elements: [['VRB', firstId(referral.identifier) ?? referral.id ?? '']] }]
      : []),
    organizationNad('SND', sender),
    ...(author ? [author] : []),
    organizationNad('RCV', recipient),
    patientPid(patient, (g) => GENDER[g]),
    ...(comp.category ?? []).flatMap((c) =>
      (c.coding ?? [])
        .filter((x) => x.system === FEEDBACK_TYPE)
        .map((x) => ({ tag: 'CAT', elements: [[x.code ?? '', 'FBT']] })),
    ),
    ...sections(comp, at, notes),
    ...diagnoses(comp, found, index, at, notes, used),
  ];
  const syntax = options.syntax ?? 'UNOC';
  const reference = (comp.id ?? 'feedback').replace(/[^A-Za-z0-9]/g, '').slice(0, 14) || 'FEEDBACK';
  const { text, bytes } = writeInterchange({
    syntax,
    sender: { id: partyId(sender.identifier)[0], qualifier: 'AGB' },
    recipient: { id: partyId(recipient.identifier)[0], qualifier: 'AGB' },
    date: digits(date, 12).slice(2, 8),
    time: digits(date, 12).slice(8, 12),
    controlReference: options.controlReference ?? reference,
    messageReference: options.messageReference ?? '1',
    messageType: { id: 'MEDVRI', version: '1', release: '0', agency: 'NHG' },
    body,
  });
  if (syntax === 'UNOC' && !fitsLatin1(text))
    notes.push(
      issue({
        severity: 'warning',
        code: 'value',
        message: 'Characters outside ISO 8859-1 were replaced by ? (write with syntax UNOW to keep them)',
        expression: at,
      }),
    );
  notes.push(
    ...elementsNotWritten(index, comp, COMPOSITION_WRITTEN, WHAT),
    ...elementsNotWritten(index, patient, PATIENT_WRITTEN, WHAT),
    ...resourcesNotWritten(index, used, WHAT),
  );
  return { ok: true, text, bytes, report: outcome(notes) };
}

function isFeedback(c: Composition): boolean {
  return (
    c.meta?.profile?.includes(PROFILES.feedback) === true ||
    (c.type?.coding ?? []).some((x) => x.system === SYSTEMS.documentType && x.code === 'feedback-report')
  );
}

function basedOn(c: Composition): string | undefined {
  return c.extension?.find((e) => e.url.endsWith('/ov-based-on'))?.valueReference?.reference;
}

function recipientOf(
  referral: ServiceRequest | undefined,
  from: IndexedEntry,
  index: BundleIndex,
): Organization | undefined {
  const requester = index.resolve(referral?.requester?.reference, from)?.resource;
  if (requester?.resourceType === 'Organization') return requester;
  if (requester?.resourceType === 'PractitionerRole') {
    const org = index.resolve(requester.organization?.reference, from)?.resource;
    if (org?.resourceType === 'Organization') return org;
  }
  return undefined;
}

function authorOf(
  c: Composition,
  from: IndexedEntry,
  index: BundleIndex,
  used: Set<Resource>,
): SegmentOut | undefined {
  const author = index.resolve(c.author?.[0]?.reference, from)?.resource;
  const practitioner =
    author?.resourceType === 'PractitionerRole'
      ? index.resolve((author as PractitionerRole).practitioner?.reference, from)?.resource
      : author;
  if (practitioner?.resourceType !== 'Practitioner') return undefined;
  if (author) used.add(author);
  used.add(practitioner);
  return practitionerNad(practitioner);
}

function firstId(ids: Identifier[] | undefined): string | undefined {
  return ids?.find((i) => i.value)?.value;
}

export function narrativeText(div: string | undefined): string {
  return (div ?? '')
    .replace(/<\/(p|li|div|tr)>|<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

function sections(c: Composition, at: string, notes: OperationOutcomeIssue[]): SegmentOut[] {
  const out: SegmentOut[] = [];
  (c.section ?? []).forEach((s, i) => {
    const code = s.code?.coding?.find((x) => x.system === FEEDBACK_SECTION)?.code ?? '';
    const qualifier = FEEDBACK_SECTION_QUALIFIERS[code];
    const text = narrativeText(s.text?.div);
    if (!qualifier) {
      notes.push(
        issue({
          severity: 'warning',
          code: 'not-supported',
          message: 'A section without a feedback-section code is not written',
          expression: `${at}.section[${i}]`,
        }),
      );
      return;
    }
    out.push(...textFtx(qualifier, text));
  });
  return out;
}

function diagnoses(
  c: Composition,
  from: IndexedEntry,
  index: BundleIndex,
  at: string,
  notes: OperationOutcomeIssue[],
  used: Set<Resource>,
): SegmentOut[] {
  const section = c.section?.find((s) => s.code?.coding?.some((x) => x.code === 'diagnoses'));
  const out: SegmentOut[] = [];
  (section?.entry ?? []).forEach((ref, i) => {
    const condition = index.resolve(ref.reference, from)?.resource;
    // Written as a DGN, or already reported below as written only as text.
    if (condition) used.add(condition);
    const dgn = conditionDgn(condition?.resourceType === 'Condition' ? condition : undefined, [
      'ICPC',
      'ICD10',
      'DSM5',
    ]);
    if (dgn.length === 0) {
      notes.push(
        issue({
          severity: 'warning',
          code: 'not-supported',
          message:
            'A diagnosis that is not a Condition in the Bundle with an ICPC, ICD-10 or DSM-5 code is written only as text',
          expression: `${at}.section.where(code.coding.code = 'diagnoses').entry[${i}]`,
        }),
      );
    }
    out.push(...dgn);
  });
  return out;
}
