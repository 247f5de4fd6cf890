/**
 * Feedback to the referrer (R6, terugrapportage): the ov-feedback Composition the owner of a
 * Task owes its requester when it rejects the referral or completes the care. The gateway builds
 * it when the owner sends only text, and checks one the owner wrote itself against the Task.
 */
import type { Composition, OperationOutcome, Organization, Reference, Task } from '@medplum/fhirtypes';
import { PROFILES, SYSTEMS, sd } from '../fhir/codes.js';
import { invalid } from '../fhir/outcomes.js';
import { FEEDBACK_TYPE_SYSTEM, type FeedbackType } from './codes.js';

export const FEEDBACK_SECTION_SYSTEM = 'https://overdracht.dev/fhir/CodeSystem/feedback-section';
export const BASED_ON_EXTENSION = sd('ov-based-on');

export interface FeedbackText {
  /** What was decided or done (section outcome). */
  outcome: string;
  /** Advice to the referrer (section advice-to-referrer); required for a rejection (ov-feedback-1). */
  advice?: string;
}

const TITLES: Record<FeedbackType, string> = {
  'intake-held': 'Terugrapportage na intake',
  'treatment-started': 'Terugrapportage start behandeling',
  'treatment-completed': 'Eindrapportage',
  'referral-rejected': 'Terugrapportage: verwijzing niet aangenomen',
  'referred-on': 'Terugrapportage: doorverwezen',
};

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

function section(code: string, title: string, text: string): NonNullable<Composition['section']>[number] {
  return {
    title,
    code: { coding: [{ system: FEEDBACK_SECTION_SYSTEM, code }] },
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${escapeXml(text)}</p></div>`,
    },
  };
}

/** What a feedback report answers: the referral (the Task's focus) and the Task itself. */
function basedOn(task: Task): Reference[] {
  return [task.focus, task.id ? { reference: `Task/${task.id}` } : undefined].filter(
    (r): r is Reference => !!r?.reference,
  );
}

/**
 * The feedback report from the Task's owner to its requester. `task` is the Task as it is after
 * the change; `custodian` the owner's stored Organization (ov-organization).
 */
export function feedbackComposition(
  task: Task,
  feedbackType: FeedbackType,
  text: FeedbackText,
  opts: { id: string; now: Date; custodian: Reference<Organization> },
): Composition {
  const advice = text.advice?.trim();
  return {
    resourceType: 'Composition',
    id: opts.id,
    meta: { profile: [PROFILES.feedback] },
    extension: basedOn(task).map((valueReference) => ({ url: BASED_ON_EXTENSION, valueReference })),
    status: 'final',
    type: { coding: [{ system: SYSTEMS.documentType, code: 'feedback-report' }] },
    category: [{ coding: [{ system: FEEDBACK_TYPE_SYSTEM, code: feedbackType }] }],
    ...(task.for ? { subject: task.for } : {}),
    date: opts.now.toISOString(),
    author: [opts.custodian],
    title: TITLES[feedbackType],
    custodian: opts.custodian,
    section: [
      section('outcome', 'Uitkomst', text.outcome),
      ...(advice ? [section('advice-to-referrer', 'Advies aan de verwijzer', advice)] : []),
    ],
  };
}

/**
 * A feedback report the owner wrote itself must be about this Task's client and of the kind the
 * change owes (profile validation is the validator's business). Paths are relative to the body.
 */
export function feedbackProblem(
  feedback: Composition,
  task: Task,
  feedbackType: FeedbackType,
  path: string,
): OperationOutcome | undefined {
  if (task.for?.reference && feedback.subject?.reference !== task.for.reference)
    return invalid(`the feedback report must be about ${task.for.reference}`, `${path}.subject`);
  const kinds = (feedback.category ?? []).flatMap((c) =>
    (c.coding ?? []).filter((x) => x.system === FEEDBACK_TYPE_SYSTEM).map((x) => x.code),
  );
  if (!kinds.includes(feedbackType))
    return invalid(`the feedback report of this change has category ${feedbackType}`, `${path}.category`);
  return undefined;
}

/** The same report, linked to this Task (ov-based-on) if it was not yet. */
export function linkedToTask(feedback: Composition, task: Task): Composition {
  const present = new Set((feedback.extension ?? []).map((e) => e.valueReference?.reference));
  const missing = basedOn(task).filter((r) => !present.has(r.reference));
  return {
    ...feedback,
    extension: [
      ...(feedback.extension ?? []),
      ...missing.map((valueReference) => ({ url: BASED_ON_EXTENSION, valueReference })),
    ],
  };
}
