/**
 * Waiting times against the Treeknormen (src/workflow/waiting-times.ts) through the API:
 *
 * - `GET /fhir/$waiting-times`: the regional overview per receiving organisation - Tasks,
 *   and for each stage (registration to intake, intake to treatment) the number that passed it,
 *   the median days, met, exceeded, still waiting and the share within the norm. The regional
 *   table and the data platform see every receiver; any other organisation sees its own line only.
 *   Aggregates only: no client, no Task. Answered from the `waiting-times` job's latest report,
 *   or computed on the spot when the job has not run yet.
 * - `GET /fhir/Task/{id}/$waiting-time`: one Task's dates, days and norm states, for the
 *   organisations that may see the Task (a read of the Task, audited as one).
 *
 * Scope `system/Task.s` (`.r` for one Task).
 */
import type { Parameters, ParametersParameter, Reference, Resource, Task } from '@medplum/fhirtypes';
import type { Principal } from '../../auth/smart.js';
import type { OrganisationConfig } from '../../config/types.js';
import { badRequest, notFound, OperationOutcomeError } from '../../fhir/outcomes.js';
import { partyKey } from '../../workflow/party.js';
import type {
  ReceiverWaitingTimes,
  StageSummary,
  TaskWaitingTime,
  WaitingTimeReport,
} from '../../workflow/waiting-times.js';
import { sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';
import { queryOf } from './search.js';

const OPERATION_BASE = 'https://overdracht.dev/fhir/OperationDefinition';

/** Roles that see every receiver's figures. */
export const REGIONAL_ROLES = ['regional-table', 'platform'] as const;

export interface WaitingTimeRouteDeps {
  /** The latest report and when it was computed. */
  report(): Promise<{ report: WaitingTimeReport; computedAt: Date }>;
  /** One Task's waiting times, when `principal`'s organisation may see the Task (else 404). */
  taskWaitingTime(
    principal: Principal,
    id: string,
  ): Promise<{ task: Task; waitingTime: TaskWaitingTime | undefined }>;
  organisations: readonly OrganisationConfig[];
  recordAccess(
    principal: Principal,
    interaction: 'read' | 'search-type',
    resources: readonly Resource[],
    requestId: string | undefined,
  ): Promise<void>;
}

function stageParts(prefix: string, s: StageSummary): ParametersParameter[] {
  return [
    { name: `${prefix}-count`, valueInteger: s.count },
    ...(s.medianDays !== undefined ? [{ name: `${prefix}-median-days`, valueDecimal: s.medianDays }] : []),
    { name: `${prefix}-met`, valueInteger: s.met },
    { name: `${prefix}-exceeded`, valueInteger: s.exceeded },
    { name: `${prefix}-waiting`, valueInteger: s.waiting },
    ...(s.shareWithinNorm !== undefined
      ? [{ name: `${prefix}-within-norm`, valueDecimal: Math.round(s.shareWithinNorm * 1000) / 1000 }]
      : []),
  ];
}

function organisationRef(ref: Reference, organisations: readonly OrganisationConfig[]): Reference {
  const org = organisations.find((o) => partyKey({ identifier: o.identifier }) === partyKey(ref));
  return {
    ...(ref.identifier ? { identifier: ref.identifier } : ref.reference ? { reference: ref.reference } : {}),
    ...(org ? { display: org.name } : {}),
  };
}

export function receiverPart(
  r: ReceiverWaitingTimes,
  organisations: readonly OrganisationConfig[],
): ParametersParameter {
  return {
    name: 'receiver',
    part: [
      { name: 'organization', valueReference: organisationRef(r.receiver, organisations) },
      { name: 'tasks', valueInteger: r.tasks },
      ...stageParts('intake', r.intake),
      ...stageParts('treatment', r.treatment),
    ],
  };
}

export function overview(
  report: WaitingTimeReport,
  computedAt: Date,
  principal: Principal,
  organisations: readonly OrganisationConfig[],
): Parameters {
  const regional = principal.roles.some((r) => (REGIONAL_ROLES as readonly string[]).includes(r));
  const own = partyKey({ identifier: principal.organisation.identifier });
  const receivers = report.receivers.filter((r) => regional || partyKey(r.receiver) === own);
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'asOf', valueInstant: report.asOf },
      { name: 'computed', valueInstant: computedAt.toISOString() },
      { name: 'norm-intake-days', valueInteger: report.norms.intakeDays },
      { name: 'norm-treatment-days', valueInteger: report.norms.treatmentDays },
      ...receivers.map((r) => receiverPart(r, organisations)),
    ],
  };
}

function taskParts(w: TaskWaitingTime): ParametersParameter[] {
  const date = (name: string, v: string | undefined) => (v ? [{ name, valueDate: v }] : []);
  const days = (name: string, v: number | undefined) => (v !== undefined ? [{ name, valueInteger: v }] : []);
  return [
    { name: 'task', valueReference: w.task },
    { name: 'receiver', valueReference: w.receiver },
    ...date('registered', w.registered),
    ...date('intake', w.intake),
    ...date('treatment-start', w.treatmentStart),
    ...days('days-to-intake', w.daysToIntake),
    ...days('days-intake-to-treatment', w.daysIntakeToTreatment),
    ...(w.stillWaiting
      ? [
          { name: 'still-waiting-for', valueCode: w.stillWaiting.for },
          { name: 'days-waiting', valueInteger: w.stillWaiting.days },
        ]
      : []),
    { name: 'intake-norm', valueCode: w.intakeNorm },
    { name: 'treatment-norm', valueCode: w.treatmentNorm },
  ];
}

export function waitingTimeRoutes(deps: WaitingTimeRouteDeps): FhirRoute[] {
  return [
    {
      method: 'get',
      path: '/$waiting-times',
      operation: { name: 'waiting-times', level: 'system', definition: `${OPERATION_BASE}/waiting-times` },
      scope: { type: 'Task', interaction: 's' },
      async handler({ req, res, principal }) {
        const unknown = [...queryOf(req).keys()][0];
        if (unknown)
          throw new OperationOutcomeError(badRequest(`Unknown parameter '${unknown}'`, unknown), 400);
        const { report, computedAt } = await deps.report();
        sendResource(res, 200, overview(report, computedAt, principal, deps.organisations));
      },
    },
    {
      method: 'get',
      path: '/Task/:id/$waiting-time',
      operation: {
        name: 'waiting-time',
        level: 'instance',
        type: 'Task',
        definition: `${OPERATION_BASE}/Task-waiting-time`,
      },
      scope: { type: 'Task', interaction: 'r' },
      async handler({ req, res, principal }) {
        const { task, waitingTime } = await deps.taskWaitingTime(principal, String(req.params.id));
        await deps.recordAccess(principal, 'read', [task], res.get('X-Request-Id'));
        if (!waitingTime)
          throw new OperationOutcomeError(notFound('This Task has no registration date to count from.'), 404);
        sendResource(res, 200, { resourceType: 'Parameters', parameter: taskParts(waitingTime) });
      },
    },
  ];
}
