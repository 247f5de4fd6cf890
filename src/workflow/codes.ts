/** The codes the workflow writes and reads; the contract is docs/artefacts.md. */
import type { Task } from '@medplum/fhirtypes';
import { cs } from '../fhir/codes.js';

export type TaskStatus = Task['status'];

/** Every FHIR R4 Task.status, so that the table can be checked against all of them. */
export const TASK_STATUSES: readonly TaskStatus[] = [
  'draft',
  'requested',
  'received',
  'accepted',
  'rejected',
  'ready',
  'cancelled',
  'in-progress',
  'on-hold',
  'failed',
  'completed',
  'entered-in-error',
];

/** The states in which a Task still waits for someone to act. */
export const OPEN_STATUSES: readonly TaskStatus[] = [
  'requested',
  'received',
  'accepted',
  'on-hold',
  'in-progress',
];
/** The states a Task ends in. */
export const CLOSED_STATUSES: readonly TaskStatus[] = ['rejected', 'cancelled', 'failed', 'completed'];

export const isOpen = (status: TaskStatus): boolean => OPEN_STATUSES.includes(status);
export const isClosed = (status: TaskStatus): boolean => CLOSED_STATUSES.includes(status);

export const TASK_STATUS_SYSTEM = 'http://hl7.org/fhir/task-status';
export const BUSINESS_STATUS_SYSTEM = cs('task-business-status');
export const LIFE_DOMAIN_SYSTEM = cs('life-domain');
export const CLOSURE_CHOICE_SYSTEM = cs('closure-choice');
export const FEEDBACK_TYPE_SYSTEM = cs('feedback-type');
export const MESSAGE_EVENT_SYSTEM = cs('message-event');
export const IJW_PRODUCT_CATEGORY_SYSTEM = cs('ijw-product-category');
export const RESOURCE_TYPES_SYSTEM = 'http://hl7.org/fhir/resource-types';

export const BUSINESS_STATUSES = [
  'received',
  'exploratory-conversation-planned',
  'joint-conversation-planned',
  'bridging-care-started',
  'intake-planned',
  'intake-held',
  'treatment-started',
  'to-regional-table',
  'assigned-by-regional-table',
  'forwarded',
  'rejected',
  'cancelled',
  'completed',
  'escalated',
  'transition-preparation',
] as const;
export type BusinessStatus = (typeof BUSINESS_STATUSES)[number];

export function isBusinessStatus(code: string | undefined): code is BusinessStatus {
  return (BUSINESS_STATUSES as readonly (string | undefined)[]).includes(code);
}

export type FeedbackType =
  'intake-held' | 'treatment-started' | 'treatment-completed' | 'referral-rejected' | 'referred-on';

export type ClosureChoice = 'back-to-gp' | 'back-to-referrer';
export const CLOSURE_CHOICES: readonly ClosureChoice[] = ['back-to-gp', 'back-to-referrer'];

export const LIFE_DOMAINS = [
  'housing',
  'work-education',
  'income-debts',
  'social-network',
  'care',
  'daily-activities',
  'safety',
  'physical-health',
  'mental-health',
] as const;
export type LifeDomain = (typeof LIFE_DOMAINS)[number];

/** Jeugdwet product categories that are mental-health care: basic GGZ, specialist GGZ, youth GGZ (iJw 3.2). */
export const YOUTH_GGZ_PRODUCT_CATEGORIES: readonly string[] = ['51', '52', '54'];

/** SNOMED CT 3457005 "patient referral": the code of every referral and handover Task (ov-referral-task). */
export const REFERRAL_TASK_CODE = { system: 'http://snomed.info/sct', code: '3457005' } as const;

/** A referral or handover Task, as opposed to e.g. a transition-preparation Task. */
export function isReferralTask(task: Task): boolean {
  return (task.code?.coding ?? []).some(
    (c) => c.system === REFERRAL_TASK_CODE.system && c.code === REFERRAL_TASK_CODE.code,
  );
}

/** The business status of a Task, when it is one of ours. */
export function businessStatusOf(task: Task): BusinessStatus | undefined {
  const code = task.businessStatus?.coding?.find((c) => c.system === BUSINESS_STATUS_SYSTEM)?.code;
  return isBusinessStatus(code) ? code : undefined;
}

export function businessStatusConcept(code: BusinessStatus): NonNullable<Task['businessStatus']> {
  return { coding: [{ system: BUSINESS_STATUS_SYSTEM, code }] };
}
