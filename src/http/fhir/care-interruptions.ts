/**
 * `GET /fhir/$care-interruptions[?month=YYYY-MM]`: the interruption report of the 18-/18+ job
 * (src/workflow/youth-transition.ts) - clients aged 18 to 23 who were in youth GGZ, gaps of more
 * than 30 days between one care period and the next - for the regional table and the regional
 * data platform (roles `regional-table`, `platform`; anyone else 403).
 *
 * What they may know: the count of clients, the counts per month, and one line per interruption
 * with its month, dates and length. A line names the client (`Patient/<id>`, never a BSN or a
 * name) and the care before and after the gap only when the caller's organisation holds an access
 * grant for them - as for any read; a regional table decides on anonymised requests (R9) and a
 * platform receives pseudonymised data, so without a grant the line stays without client. Each
 * client named is audited (one AuditEvent per client, NEN 7513); the aggregate itself is audited
 * once. Answered from the job's latest report, or computed on the spot before its first run.
 */
import type { Parameters, ParametersParameter, Reference } from '@medplum/fhirtypes';
import type { Principal } from '../../auth/smart.js';
import { badRequest, forbidden, OperationOutcomeError } from '../../fhir/outcomes.js';
import type { Interruption, InterruptionReport } from '../../workflow/youth-transition.js';
import { sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';
import { queryOf } from './search.js';
import { REGIONAL_ROLES } from './waiting-times.js';

const OPERATION_BASE = 'https://overdracht.dev/fhir/OperationDefinition';
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface CareInterruptionRouteDeps {
  /** The latest report and when it was computed. */
  report(): Promise<{ report: InterruptionReport; computedAt: Date }>;
  /** Whether the caller's organisation holds a grant for the resource (`Type/id`). */
  granted(principal: Principal, reference: string): Promise<boolean>;
  /** Audits the answer: the clients it names (none: the aggregate alone). */
  recordAccess(
    principal: Principal,
    patients: readonly Reference[],
    requestId: string | undefined,
  ): Promise<void>;
}

/** The query: only `month`, in the form YYYY-MM. */
export function parseMonth(query: URLSearchParams): string | undefined {
  for (const name of query.keys()) {
    if (name !== 'month')
      throw new OperationOutcomeError(badRequest(`Unknown parameter '${name}'`, name), 400);
  }
  if (!query.has('month')) return undefined;
  const [value, ...more] = query.getAll('month');
  if (more.length > 0 || !value || !MONTH.test(value))
    throw new OperationOutcomeError(badRequest("'month' is one month in the form YYYY-MM", 'month'), 400);
  return value;
}

async function line(
  i: Interruption,
  visible: (r: Reference) => Promise<boolean>,
): Promise<{ part: ParametersParameter; patient?: Reference }> {
  const patient = (await visible(i.patient)) ? i.patient : undefined;
  const care = async (name: string, r: Reference): Promise<ParametersParameter[]> =>
    patient && (await visible(r)) ? [{ name, valueReference: { reference: r.reference ?? '' } }] : [];
  return {
    part: {
      name: 'interruption',
      part: [
        { name: 'month', valueString: i.month },
        ...(patient ? [{ name: 'patient', valueReference: { reference: patient.reference ?? '' } }] : []),
        ...(await care('care-ended', i.after)),
        ...(await care('care-resumed', i.before)),
        { name: 'from', valueDate: i.from },
        { name: 'to', valueDate: i.to },
        { name: 'days', valueInteger: i.days },
      ],
    },
    ...(patient ? { patient } : {}),
  };
}

/** The answer for `principal`: counts for everyone allowed, clients only where it holds grants. */
export async function interruptionsFor(
  report: InterruptionReport,
  computedAt: Date,
  month: string | undefined,
  visible: (r: Reference) => Promise<boolean>,
): Promise<{ parameters: Parameters; patients: Reference[] }> {
  const months = report.perMonth.filter((m) => !month || m.month === month);
  const lines = await Promise.all(
    report.interruptions.filter((i) => !month || i.month === month).map((i) => line(i, visible)),
  );
  const patients = [
    ...new Map(lines.flatMap((l) => (l.patient ? [[l.patient.reference, l.patient] as const] : []))).values(),
  ];
  return {
    parameters: {
      resourceType: 'Parameters',
      parameter: [
        { name: 'asOf', valueInstant: report.asOf },
        { name: 'computed', valueInstant: computedAt.toISOString() },
        { name: 'clients', valueInteger: report.clients },
        ...months.map((m) => ({
          name: 'per-month',
          part: [
            { name: 'month', valueString: m.month },
            { name: 'count', valueInteger: m.count },
          ],
        })),
        ...lines.map((l) => l.part),
      ],
    },
    patients,
  };
}

export function careInterruptionRoutes(deps: CareInterruptionRouteDeps): FhirRoute[] {
  return [
    {
      method: 'get',
      path: '/$care-interruptions',
      operation: {
        name: 'care-interruptions',
        level: 'system',
        definition: `${OPERATION_BASE}/care-interruptions`,
      },
      // The Task search scope, as for the waiting times: both are regional figures about referrals.
      scope: { type: 'Task', interaction: 's' },
      async handler({ req, res, principal }) {
        if (!principal.roles.some((r) => (REGIONAL_ROLES as readonly string[]).includes(r)))
          throw new OperationOutcomeError(
            forbidden('The care interruptions are for the regional table and the data platform'),
            403,
          );
        const month = parseMonth(queryOf(req));
        const { report, computedAt } = await deps.report();
        const visible = (r: Reference): Promise<boolean> =>
          r.reference ? deps.granted(principal, r.reference) : Promise.resolve(false);
        const { parameters, patients } = await interruptionsFor(report, computedAt, month, visible);
        await deps.recordAccess(principal, patients, res.get('X-Request-Id'));
        sendResource(res, 200, parameters);
      },
    },
  ];
}
