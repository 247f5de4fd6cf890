/**
 * The audit trail for privacy officers: `GET /fhir/AuditEvent/{id}` and `GET /fhir/AuditEvent`
 * by patient (reference or `patient.identifier`) and date. Only the privacy-officer role reads
 * it, and only about clients its organisation holds data of. There is no write route: audit
 * records cannot be changed through the API.
 */
import type { AuditEvent, Resource } from '@medplum/fhirtypes';
import type { Principal } from '../../auth/smart.js';
import type { AuditSearch, AuditTrail, RecordedFilter } from '../../access/audit-trail.js';
import type { VisibleResources } from '../../access/resources.js';
import { badRequest, forbidden, OperationOutcomeError } from '../../fhir/outcomes.js';
import { MAX_COUNT } from '../../store/search.js';
import { sendResource } from '../respond.js';
import type { FhirRoute, SearchParamDoc } from '../routes.js';
import { CHAINABLE, checkParameters, pageSize, queryOf, searchsetBundle } from './search.js';

export const AUDIT_SEARCH_PARAMS: readonly SearchParamDoc[] = [
  {
    name: 'date',
    type: 'date',
    definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-date',
    documentation: 'When the event was recorded; prefixes eq, ge, gt, le, lt',
  },
  {
    name: 'patient',
    type: 'reference',
    definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-patient',
    documentation: `The client the event is about: Patient/id, or chained as patient.${CHAINABLE}=system|value (e.g. the BSN)`,
  },
];

export interface AuditRouteDeps {
  trail: AuditTrail;
  visible: VisibleResources;
  base: string;
  recordAccess(
    principal: Principal,
    interaction: 'read' | 'search-type',
    resources: readonly Resource[],
    requestId: string | undefined,
  ): Promise<void>;
}

function requirePrivacyOfficer(principal: Principal): void {
  if (!principal.roles.includes('privacy-officer')) {
    throw new OperationOutcomeError(
      forbidden('The audit trail is read by the privacy-officer role only'),
      403,
    );
  }
}

function bad(message: string, expression: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(message, expression), 400);
}

function recordedFilter(value: string): RecordedFilter {
  const m = /^(eq|ge|gt|le|lt)?(\d.*)$/.exec(value);
  if (!m?.[2]) throw bad('date takes a FHIR date with an optional prefix eq, ge, gt, le or lt', 'date');
  return { prefix: (m[1] ?? 'eq') as RecordedFilter['prefix'], value: m[2] };
}

/** The Patient references one `patient` parameter stands for (comma-separated values are alternatives). */
async function patientsOf(
  name: string,
  value: string,
  principal: Principal,
  visible: VisibleResources,
): Promise<string[]> {
  if (name === `patient.${CHAINABLE}`) {
    const found = await visible.search(principal.organisation.identifier, 'Patient', {
      identifier: value,
      _count: String(MAX_COUNT),
    });
    return found.resources.map((p) => `Patient/${p.id ?? ''}`);
  }
  if (name !== 'patient') throw bad(`The modifier of '${name}' is not supported here`, name);
  return value.split(',').map((v) => (v.startsWith('Patient/') ? v : `Patient/${v}`));
}

async function auditSearch(
  query: URLSearchParams,
  principal: Principal,
  visible: VisibleResources,
): Promise<AuditSearch> {
  let patients: string[] | undefined;
  const recorded: RecordedFilter[] = [];
  for (const [name, value] of query) {
    if (name === 'date') recorded.push(recordedFilter(value));
    else if (name.startsWith('patient')) {
      const these = await patientsOf(name, value, principal, visible);
      // Repeated parameters must all hold.
      patients = patients === undefined ? these : patients.filter((p) => these.includes(p));
    }
  }
  const offset = query.get('_offset') ?? '0';
  if (!/^\d{1,9}$/.test(offset)) throw bad('_offset must be a whole number of at least 0.', '_offset');
  const total = query.get('_total');
  if (query.has('_sort')) throw bad('AuditEvents come oldest first; _sort is not supported here', '_sort');
  return {
    ...(patients ? { patients } : {}),
    recorded,
    count: pageSize(query),
    offset: Number(offset),
    total: total === 'accurate',
  };
}

export function auditEventRoutes(deps: AuditRouteDeps): FhirRoute[] {
  return [
    {
      method: 'get',
      path: '/AuditEvent',
      resource: { type: 'AuditEvent', interaction: 'search-type', searchParams: AUDIT_SEARCH_PARAMS },
      scope: { type: 'AuditEvent', interaction: 's' },
      async handler({ req, res, principal }) {
        requirePrivacyOfficer(principal);
        const query = queryOf(req);
        checkParameters('AuditEvent', query, AUDIT_SEARCH_PARAMS);
        const page = await deps.trail.search(
          principal.organisation.identifier,
          await auditSearch(query, principal, deps.visible),
        );
        await deps.recordAccess(principal, 'search-type', page.events, res.get('X-Request-Id'));
        sendResource(
          res,
          200,
          searchsetBundle(deps.base, 'AuditEvent', query, { ...page, resources: page.events }),
        );
      },
    },
    {
      method: 'get',
      path: '/AuditEvent/:id',
      resource: { type: 'AuditEvent', interaction: 'read' },
      scope: { type: 'AuditEvent', interaction: 'r' },
      async handler({ req, res, principal }) {
        requirePrivacyOfficer(principal);
        const event: AuditEvent = await deps.trail.read(
          principal.organisation.identifier,
          String(req.params.id),
        );
        await deps.recordAccess(principal, 'read', [event], res.get('X-Request-Id'));
        sendResource(res, 200, event);
      },
    },
  ];
}
