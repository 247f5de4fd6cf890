/**
 * Task changes as operations on one Task, one per action of the workflow (`POST
 * /fhir/Task/{id}/$accept`, ...) and `$fan-out`. The body is empty or a Parameters resource with
 * what the action takes: `reason` (valueString or valueCodeableConcept), `receiver`
 * (valueIdentifier, the AGB or URA of a connected organisation), `step` (valueCode),
 * `feedback` (an ov-feedback Composition), `outcome` and `advice` (valueString). The answer is
 * the new Task version; a change the workflow does not allow is a 409 that says why.
 */
import type { Bundle, Task } from '@medplum/fhirtypes';
import type { Principal } from '../../auth/smart.js';
import {
  TASK_ACTIONS,
  type NamedOrganisation,
  type TaskAction,
  type TaskActionRequest,
} from '../../gateway/task-actions.js';
import { sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';
import { readParameters, single, type ReadParameter, type ValueKind } from './workflow-parameters.js';

export interface TaskRouteDeps {
  bodyLimitBytes: number;
  perform(
    principal: Principal,
    id: string,
    action: TaskAction,
    input: TaskActionRequest,
    requestId: string | undefined,
  ): Promise<Task>;
  fanOut(
    principal: Principal,
    id: string,
    receivers: NamedOrganisation[],
    requestId: string | undefined,
  ): Promise<{ parent: Task; children: Task[] }>;
}

export const TASK_OPERATION_BASE = 'https://overdracht.dev/fhir/OperationDefinition';

const REASON = { reason: 'reason' } as const;
const RECEIVER = { receiver: 'identifier' } as const;

/** The parameters each operation takes. */
export const TASK_PARAMETERS: Record<TaskAction | 'fan-out', Readonly<Record<string, ValueKind>>> = {
  receive: {},
  accept: {},
  reject: { ...REASON, feedback: 'resource', advice: 'string' },
  'to-regional-table': { ...REASON, ...RECEIVER },
  assign: { ...REASON, ...RECEIVER },
  forward: { ...REASON, ...RECEIVER },
  cancel: REASON,
  start: {},
  complete: { feedback: 'resource', outcome: 'string', advice: 'string' },
  'record-step': { step: 'code' },
  'fan-out': RECEIVER,
};

function receivers(params: readonly ReadParameter[]): NamedOrganisation[] {
  return params.flatMap((p) =>
    p.name === 'receiver' && p.identifier ? [{ identifier: p.identifier, path: p.path }] : [],
  );
}

function requestOf(params: readonly ReadParameter[]): TaskActionRequest {
  const reason = single(params, 'reason')?.reason;
  const step = single(params, 'step')?.string;
  const feedback = single(params, 'feedback')?.resource;
  const outcome = single(params, 'outcome')?.string;
  const advice = single(params, 'advice')?.string;
  const named = receivers(params);
  return {
    ...(reason !== undefined ? { reason } : {}),
    ...(step !== undefined ? { step } : {}),
    ...(feedback !== undefined ? { feedback } : {}),
    ...(outcome !== undefined ? { outcome } : {}),
    ...(advice !== undefined ? { advice } : {}),
    ...(named.length ? { receivers: named } : {}),
  };
}

function operation(name: string): NonNullable<FhirRoute['operation']> {
  return { name, level: 'instance', type: 'Task', definition: `${TASK_OPERATION_BASE}/Task-${name}` };
}

export function taskRoutes(deps: TaskRouteDeps): FhirRoute[] {
  const actions = TASK_ACTIONS.map((action): FhirRoute => ({
    method: 'post',
    path: `/Task/:id/\\$${action}`,
    operation: operation(action),
    scope: { type: 'Task', interaction: 'u' },
    async handler({ req, res, principal }) {
      const params = await readParameters(req, deps.bodyLimitBytes, TASK_PARAMETERS[action]);
      const task = await deps.perform(
        principal,
        String(req.params.id),
        action,
        requestOf(params),
        res.get('X-Request-Id'),
      );
      const version = task.meta?.versionId;
      sendResource(res, 200, task, version ? { ETag: `W/"${version}"` } : {});
    },
  }));
  const fanOut: FhirRoute = {
    method: 'post',
    path: '/Task/:id/\\$fan-out',
    operation: operation('fan-out'),
    scope: { type: 'Task', interaction: 'c' },
    async handler({ req, res, principal }) {
      const params = await readParameters(req, deps.bodyLimitBytes, TASK_PARAMETERS['fan-out']);
      const { parent, children } = await deps.fanOut(
        principal,
        String(req.params.id),
        receivers(params),
        res.get('X-Request-Id'),
      );
      // The parent and its children, as a collection (the children are new; the parent changed).
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [parent, ...children].map((resource) => ({ resource })),
      };
      sendResource(res, 200, bundle);
    },
  };
  return [...actions, fanOut];
}
