/**
 * Task changes as operations on one Task: `POST /fhir/Task/{id}/$accept`, `$reject` and `$cancel`.
 * The body is empty or a Parameters resource with `reason` (valueString or valueCodeableConcept;
 * required to reject or cancel). The answer is the new Task version; a change the workflow does
 * not allow is a 409 that says why.
 */
import type { CodeableConcept, Parameters, Task } from '@medplum/fhirtypes';
import type { Request } from 'express';
import { invalid, OperationOutcomeError } from '../../fhir/outcomes.js';
import { TASK_ACTIONS, type TaskAction, type TaskActionInput } from '../../gateway/task-actions.js';
import type { Principal } from '../../auth/smart.js';
import { readFhirJson } from '../body.js';
import { sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';

export interface TaskRouteDeps {
  bodyLimitBytes: number;
  perform(
    principal: Principal,
    id: string,
    action: TaskAction,
    input: TaskActionInput,
    requestId: string | undefined,
  ): Promise<Task>;
}

export const TASK_OPERATION_BASE = 'https://overdracht.dev/fhir/OperationDefinition';

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The reason of a Parameters body, if any. */
async function inputOf(req: Request, limit: number): Promise<TaskActionInput> {
  if (!hasBody(req)) return {};
  const body = await readFhirJson(req, limit);
  if (
    !body ||
    typeof body !== 'object' ||
    (body as { resourceType?: unknown }).resourceType !== 'Parameters'
  ) {
    throw new OperationOutcomeError(
      invalid('The body of a Task operation is a Parameters resource', 'resourceType'),
      422,
    );
  }
  const reason = ((body as Parameters).parameter ?? []).find((p) => p.name === 'reason');
  if (!reason) return {};
  const value: string | CodeableConcept | undefined = reason.valueString ?? reason.valueCodeableConcept;
  if (value === undefined) {
    throw new OperationOutcomeError(
      invalid("'reason' takes a valueString or a valueCodeableConcept", 'Parameters.parameter'),
      422,
    );
  }
  return { reason: value };
}

export function taskRoutes(deps: TaskRouteDeps): FhirRoute[] {
  return TASK_ACTIONS.map((action): FhirRoute => ({
    method: 'post',
    path: `/Task/:id/\\$${action}`,
    operation: {
      name: action,
      level: 'instance',
      type: 'Task',
      definition: `${TASK_OPERATION_BASE}/Task-${action}`,
    },
    scope: { type: 'Task', interaction: 'u' },
    async handler({ req, res, principal }) {
      const input = await inputOf(req, deps.bodyLimitBytes);
      const task = await deps.perform(
        principal,
        String(req.params.id),
        action,
        input,
        res.get('X-Request-Id'),
      );
      const version = task.meta?.versionId;
      sendResource(res, 200, task, version ? { ETag: `W/"${version}"` } : {});
    },
  }));
}
