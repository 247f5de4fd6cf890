/**
 * The client record over HTTP:
 * - `POST /fhir/$import-record?format=FORMAT[&source=NAME]`: the bytes of a source (any adapter
 *   format, or `fhir` for a FHIR Bundle or resource) imported into the record of the clients it
 *   names, for the caller's organisation. The answer is a Parameters resource: per client whether
 *   it was joined by BSN or kept apart, what was added and what was already held, and `report`
 *   (the OperationOutcome of what was not mapped or not stored). The same bytes twice add nothing.
 * - `GET /fhir/Composition/{id}/$document`: the gateway's assembled summary as a FHIR document,
 *   with a Provenance per entry, for an organisation that may see the Composition.
 */
import type { Bundle, Composition, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { VisibleResources } from '../../access/resources.js';
import type { Principal } from '../../auth/smart.js';
import { FORBIDDEN_CONTROL } from '../../fhir/characters.js';
import { invalid, notFound, OperationOutcomeError } from '../../fhir/outcomes.js';
import type { RecordService } from '../../record/service.js';
import type { ImportReport } from '../../record/types.js';
import type { ResourceStore } from '../../store/resource-store.js';
import { readRawBody } from '../body.js';
import { sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';

export interface RecordRouteDeps {
  service: RecordService;
  visible: VisibleResources;
  store: ResourceStore;
  bodyLimitBytes: number;
  recordAccess(
    principal: Principal,
    resources: readonly Composition[],
    requestId: string | undefined,
  ): Promise<void>;
}

export const RECORD_OPERATION_BASE = 'https://overdracht.dev/fhir/OperationDefinition';

export function recordRoutes(deps: RecordRouteDeps): FhirRoute[] {
  return [
    {
      method: 'post',
      path: '/\\$import-record',
      operation: {
        name: 'import-record',
        level: 'system',
        definition: `${RECORD_OPERATION_BASE}/import-record`,
      },
      scope: { type: 'Bundle', interaction: 'c' },
      async handler({ req, res, principal }) {
        const format = typeof req.query.format === 'string' ? req.query.format : '';
        if (!format)
          throw new OperationOutcomeError(invalid('The parameter format is required', 'format'), 400);
        const source = typeof req.query.source === 'string' ? req.query.source.slice(0, 200) : undefined;
        // The source name goes into the Provenance: text a FHIR string may hold.
        if (source !== undefined && FORBIDDEN_CONTROL.test(source))
          throw new OperationOutcomeError(
            invalid('The source name holds a control character', 'source'),
            400,
          );
        res.locals.route = 'import-record';
        const bytes = await readRawBody(req, deps.bodyLimitBytes);
        const report = await deps.service.import(
          { format, bytes, ...(source ? { name: source } : {}), maxBytes: deps.bodyLimitBytes },
          principal,
        );
        sendResource(res, report.clients.length > 0 ? 200 : 422, importParameters(report));
      },
    },
    {
      method: 'get',
      path: '/Composition/:id/\\$document',
      operation: {
        name: 'document',
        level: 'instance',
        type: 'Composition',
        definition: 'http://hl7.org/fhir/OperationDefinition/Composition-document',
      },
      scope: { type: 'Composition', interaction: 'r' },
      async handler({ req, res, principal }) {
        const id = String(req.params.id);
        const composition = await deps.visible.read<Composition>(
          principal.organisation.identifier,
          'Composition',
          id,
        );
        let document: Bundle;
        try {
          document = await deps.store.read<Bundle>('Bundle', id);
        } catch {
          throw new OperationOutcomeError(notFound('This Composition has no stored document'), 404);
        }
        await deps.recordAccess(principal, [composition], res.get('X-Request-Id'));
        sendResource(res, 200, document);
      },
    },
  ];
}

export function importParameters(report: ImportReport): Parameters {
  const clients: ParametersParameter[] = report.clients.map((c) => ({
    name: 'client',
    part: [
      { name: 'joinedByBsn', valueBoolean: c.joinedByBsn },
      { name: 'added', valueInteger: c.added },
      { name: 'unchanged', valueInteger: c.unchanged },
      ...(c.provenance ? [{ name: 'provenance', valueReference: { reference: c.provenance } }] : []),
    ],
  }));
  return {
    resourceType: 'Parameters',
    parameter: [
      ...clients,
      { name: 'added', valueInteger: report.added },
      { name: 'unchanged', valueInteger: report.unchanged },
      { name: 'skipped', valueInteger: report.skipped },
      { name: 'report', resource: report.report },
    ],
  };
}
