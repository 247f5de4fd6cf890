/**
 * `GET /fhir/MeasureReport` and `GET /fhir/MeasureReport/{id}`: the indicators for regional
 * data platforms (src/indicators), by measure, month and municipality; `_format=text/csv` gives
 * the same as CSV. For clients with the platform or regional-table role. The reports hold
 * aggregates with small cells suppressed, no client data; each request is audited all the same.
 */
import type { Request } from 'express';
import type { Principal } from '../../auth/smart.js';
import { badRequest, forbidden, notFound, OperationOutcomeError } from '../../fhir/outcomes.js';
import { reportsCsv } from '../../indicators/report.js';
import type { IndicatorReports } from '../../indicators/store.js';
import { sendResource } from '../respond.js';
import type { FhirRoute, SearchParamDoc } from '../routes.js';
import { checkParameters, pageSize, queryOf, searchsetBundle } from './search.js';

export const MEASURE_REPORT_SEARCH_PARAMS: readonly SearchParamDoc[] = [
  {
    name: 'measure',
    type: 'reference',
    definition: 'http://hl7.org/fhir/SearchParameter/MeasureReport-measure',
    documentation: 'The Measure, by canonical URL (https://overdracht.dev/fhir/Measure/ov-referrals) or id',
  },
  {
    name: 'period',
    type: 'date',
    definition: 'http://hl7.org/fhir/SearchParameter/MeasureReport-period',
    documentation: 'The month, YYYY-MM (eq only)',
  },
  {
    name: 'subject',
    type: 'reference',
    documentation:
      "The municipality: its CBS code (GM0014) or 'unknown'; also subject:identifier=system|code",
  },
];

export interface MeasureReportRouteDeps {
  reports: IndicatorReports;
  base: string;
  /** Records who read which reports (no client is named in them). */
  audit(
    principal: Principal,
    interaction: 'read' | 'search-type',
    requestId: string | undefined,
  ): Promise<void>;
}

const ROLES = ['platform', 'regional-table'];

function requireRole(principal: Principal): void {
  if (!principal.roles.some((r) => ROLES.includes(r)))
    throw new OperationOutcomeError(
      forbidden('Indicators are for the platform and regional-table roles'),
      403,
    );
}

function bad(message: string, parameter: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(message, parameter), 400);
}

function wantsCsv(req: Request, query: URLSearchParams): boolean {
  const format = query.get('_format');
  if (format !== null) return format === 'text/csv' || format === 'csv';
  return (req.headers.accept ?? '').split(',')[0]?.trim() === 'text/csv';
}

function filters(query: URLSearchParams): { measure?: string; period?: string; municipality?: string } {
  const measure = query.get('measure') ?? undefined;
  const period = query.get('period') ?? undefined;
  const subject = query.get('subject') ?? query.get('subject:identifier')?.split('|').pop() ?? undefined;
  if (period !== undefined && !/^(eq)?\d{4}-\d{2}$/.test(period))
    throw bad('period takes a month, YYYY-MM', 'period');
  if (subject !== undefined && !/^(GM\d{4}|unknown)$/.test(subject))
    throw bad("subject takes a CBS municipality code (GM0014) or 'unknown'", 'subject');
  return {
    ...(measure
      ? { measure: measure.includes('/') ? measure : `https://overdracht.dev/fhir/Measure/${measure}` }
      : {}),
    ...(period ? { period: period.replace(/^eq/, '') } : {}),
    ...(subject ? { municipality: subject } : {}),
  };
}

export function measureReportRoutes(deps: MeasureReportRouteDeps): FhirRoute[] {
  return [
    {
      method: 'get',
      path: '/MeasureReport',
      resource: {
        type: 'MeasureReport',
        interaction: 'search-type',
        searchParams: MEASURE_REPORT_SEARCH_PARAMS,
      },
      scope: { type: 'MeasureReport', interaction: 's' },
      async handler({ req, res, principal }) {
        requireRole(principal);
        const query = queryOf(req);
        const declared = [
          ...MEASURE_REPORT_SEARCH_PARAMS,
          { name: 'subject:identifier', type: 'token' as const },
        ];
        checkParameters('MeasureReport', query, declared);
        const offset = query.get('_offset') ?? '0';
        if (!/^\d{1,9}$/.test(offset)) throw bad('_offset must be a whole number of at least 0.', '_offset');
        const csv = wantsCsv(req, query);
        const page = await deps.reports.search({
          ...filters(query),
          count: csv ? 100_000 : pageSize(query),
          offset: Number(offset),
        });
        await deps.audit(principal, 'search-type', res.get('X-Request-Id'));
        if (csv) {
          res.status(200).set('Content-Type', 'text/csv; charset=utf-8').send(reportsCsv(page.reports));
          return;
        }
        const next = Number(offset) + page.reports.length;
        sendResource(
          res,
          200,
          searchsetBundle(deps.base, 'MeasureReport', query, {
            resources: page.reports,
            total: page.total,
            ...(next < page.total ? { nextOffset: next } : {}),
          }),
        );
      },
    },
    {
      method: 'get',
      path: '/MeasureReport/:id',
      resource: { type: 'MeasureReport', interaction: 'read' },
      scope: { type: 'MeasureReport', interaction: 'r' },
      async handler({ req, res, principal }) {
        requireRole(principal);
        const report = await deps.reports.read(String(req.params.id));
        if (!report)
          throw new OperationOutcomeError(notFound(`No MeasureReport ${String(req.params.id)}`), 404);
        await deps.audit(principal, 'read', res.get('X-Request-Id'));
        sendResource(res, 200, report);
      },
    },
  ];
}
