/**
 * Read and search for the resources of a referral (`GET /fhir/{type}/{id}`, `GET /fhir/{type}`),
 * as the caller's organisation may see them. The routes are built from the declared search
 * parameters, so the CapabilityStatement lists exactly what a search accepts.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Principal } from '../../auth/smart.js';
import type { VisibleResources } from '../../access/resources.js';
import { sendResource } from '../respond.js';
import type { FhirRoute, SearchParamDoc } from '../routes.js';
import { checkParameters, queryOf, searchsetBundle } from './search.js';

export interface ReadableType {
  type: string;
  searchParams: readonly SearchParamDoc[];
}

export interface ResourceRouteDeps {
  types: readonly ReadableType[];
  visible: VisibleResources;
  /** The FHIR base URL, for Bundle links. */
  base: string;
  /** Writes the AuditEvents of a disclosure (one per client) before the answer goes out. */
  recordAccess(
    principal: Principal,
    interaction: 'read' | 'search-type',
    resources: readonly Resource[],
    requestId: string | undefined,
  ): Promise<void>;
}

function requestIdOf(res: { get(name: string): string | undefined }): string | undefined {
  return res.get('X-Request-Id');
}

export function resourceRoutes(deps: ResourceRouteDeps): FhirRoute[] {
  return deps.types.flatMap(({ type, searchParams }): FhirRoute[] => [
    {
      method: 'get',
      path: `/${type}`,
      resource: { type, interaction: 'search-type', searchParams },
      scope: { type, interaction: 's' },
      async handler({ req, res, principal }) {
        const query = queryOf(req);
        checkParameters(type, query, searchParams);
        const page = await deps.visible.search(principal.organisation.identifier, type, query);
        await deps.recordAccess(principal, 'search-type', page.resources, requestIdOf(res));
        sendResource(res, 200, searchsetBundle(deps.base, type, query, page));
      },
    },
    {
      method: 'get',
      path: `/${type}/:id`,
      resource: { type, interaction: 'read' },
      scope: { type, interaction: 'r' },
      async handler({ req, res, principal }) {
        const id = String(req.params.id);
        const resource = await deps.visible.read<Resource>(principal.organisation.identifier, type, id);
        await deps.recordAccess(principal, 'read', [resource], requestIdOf(res));
        const version = resource.meta?.versionId;
        sendResource(res, 200, resource, version ? { ETag: `W/"${version}"` } : {});
      },
    },
  ]);
}
