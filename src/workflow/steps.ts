/**
 * Business-status steps: what the owner records on the way while the Task is open (no status
 * change). The order follows the care path: conversations and bridging care before the intake,
 * the intake planned once the referral is accepted, treatment started only after the intake was
 * held (the `start` transition). Statuses the transitions set (received, forwarded, ...) are not
 * steps: they follow from the transition itself.
 */
import type { BusinessStatus, FeedbackType, TaskStatus } from './codes.js';

export interface StepRule {
  step: BusinessStatus;
  /** Task statuses in which the step may be recorded. */
  allowedIn: readonly TaskStatus[];
  /** Business statuses after which the step would go back in time. */
  notAfter: readonly BusinessStatus[];
  /** Feedback the requester is owed when the step is recorded (R6). */
  feedback?: FeedbackType;
}

export const STEPS: readonly StepRule[] = [
  {
    step: 'exploratory-conversation-planned',
    allowedIn: ['requested', 'received', 'accepted'],
    notAfter: ['intake-planned'],
  },
  {
    step: 'joint-conversation-planned',
    allowedIn: ['requested', 'received', 'accepted', 'in-progress'],
    notAfter: ['treatment-started'],
  },
  {
    step: 'bridging-care-started',
    allowedIn: ['requested', 'received', 'accepted', 'in-progress'],
    notAfter: ['treatment-started'],
  },
  { step: 'intake-planned', allowedIn: ['accepted'], notAfter: [] },
  {
    step: 'treatment-started',
    allowedIn: ['in-progress'],
    notAfter: ['treatment-started'],
    feedback: 'treatment-started',
  },
];

export const STEP_CODES: readonly BusinessStatus[] = STEPS.map((s) => s.step);

export function stepRule(code: string): StepRule | undefined {
  return STEPS.find((s) => s.step === code);
}

/** Business statuses at or beyond "intake planned": the receiver has taken the client on (R4). */
export const INTAKE_SECURED: readonly BusinessStatus[] = [
  'intake-planned',
  'intake-held',
  'treatment-started',
  'completed',
];
