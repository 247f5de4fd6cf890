/**
 * The warm handover over HTTP: `POST /fhir/Task/{id}/$handover` (Parameters with
 * `episodeOfCare`, `jointConversation` (1..*), `bridgingCarePlan` and `supporting` resources;
 * the answer is the handover message) and `POST /fhir/EpisodeOfCare/{id}/$finish` (Parameters
 * with `closureChoice` back-to-gp | back-to-referrer and `reason`, both optional while the
 * handover is secured; the answer is the finished episode).
 */
import type { Bundle, EpisodeOfCare } from '@medplum/fhirtypes';
import type { Principal } from '../../auth/smart.js';
import type { FinishRequest } from '../../gateway/workflow-closure.js';
import type { HandoverRequest, SentPart } from '../../gateway/workflow-handover.js';
import { sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';
import { resourceRoutes, type ResourceRouteDeps } from './resources.js';
import { TASK_OPERATION_BASE } from './tasks.js';
import { readParameters, single, type ReadParameter } from './workflow-parameters.js';

export interface WorkflowRouteDeps {
  bodyLimitBytes: number;
  handover(
    principal: Principal,
    taskId: string,
    request: HandoverRequest,
    requestId: string | undefined,
  ): Promise<Bundle>;
  finish(
    principal: Principal,
    episodeId: string,
    request: FinishRequest,
    requestId: string | undefined,
  ): Promise<EpisodeOfCare>;
}

/** What a warm handover stores besides the referral: readable (not searchable) by the organisations granted. */
export const WORKFLOW_READ_TYPES = [
  'Appointment',
  'CarePlan',
  'EpisodeOfCare',
  'RelatedPerson',
  'Provenance',
  'Bundle',
] as const;

/** `GET /fhir/{type}/{id}` for the workflow's own resources, narrowed and audited like every read. */
export function workflowReadRoutes(deps: Omit<ResourceRouteDeps, 'types'>): FhirRoute[] {
  return resourceRoutes({
    ...deps,
    types: WORKFLOW_READ_TYPES.map((type) => ({ type, searchParams: [] })),
  }).filter((r) => r.resource?.interaction === 'read');
}

const parts = (params: readonly ReadParameter[], name: string): SentPart[] =>
  params.filter((p) => p.name === name).map((p) => ({ resource: p.resource, path: p.path }));

export function workflowRoutes(deps: WorkflowRouteDeps): FhirRoute[] {
  return [
    {
      method: 'post',
      path: '/Task/:id/\\$handover',
      operation: {
        name: 'handover',
        level: 'instance',
        type: 'Task',
        definition: `${TASK_OPERATION_BASE}/Task-handover`,
      },
      scope: { type: 'Task', interaction: 'u' },
      async handler({ req, res, principal }) {
        const params = await readParameters(req, deps.bodyLimitBytes, {
          episodeOfCare: 'resource',
          jointConversation: 'resource',
          bridgingCarePlan: 'resource',
          supporting: 'resource',
        });
        const episode = parts(params, 'episodeOfCare');
        const plan = parts(params, 'bridgingCarePlan');
        single(params, 'episodeOfCare');
        single(params, 'bridgingCarePlan');
        const message = await deps.handover(
          principal,
          String(req.params.id),
          {
            ...(episode[0] ? { episodeOfCare: episode[0] } : {}),
            jointConversations: parts(params, 'jointConversation'),
            ...(plan[0] ? { bridgingCarePlan: plan[0] } : {}),
            supporting: parts(params, 'supporting'),
          },
          res.get('X-Request-Id'),
        );
        sendResource(res, 200, message);
      },
    },
    {
      method: 'post',
      path: '/EpisodeOfCare/:id/\\$finish',
      operation: {
        name: 'finish',
        level: 'instance',
        type: 'EpisodeOfCare',
        definition: `${TASK_OPERATION_BASE}/EpisodeOfCare-finish`,
      },
      scope: { type: 'EpisodeOfCare', interaction: 'u' },
      async handler({ req, res, principal }) {
        const params = await readParameters(req, deps.bodyLimitBytes, {
          closureChoice: 'code',
          reason: 'string',
        });
        const choice = single(params, 'closureChoice')?.string;
        const reason = single(params, 'reason')?.string;
        const episode = await deps.finish(
          principal,
          String(req.params.id),
          {
            ...(choice !== undefined ? { closureChoice: choice } : {}),
            ...(reason !== undefined ? { reason } : {}),
          },
          res.get('X-Request-Id'),
        );
        const version = episode.meta?.versionId;
        sendResource(res, 200, episode, version ? { ETag: `W/"${version}"` } : {});
      },
    },
  ];
}
