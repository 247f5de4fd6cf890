/** Indicators for regional data platforms (R11): computed per municipality and month, served as MeasureReports. */
import { auditEvent } from '../audit/events.js';
import type { Principal } from '../auth/smart.js';
import type { AuditLog } from '../store/audit-log.js';
export { computeItems, type IndicatorInputs, type Item } from './compute.js';
export { measureReports, reportsCsv, MASKED } from './report.js';
export { MEASURES, MIN_CELL_CLIENTS, measureUrl, type MeasureId } from './measures.js';
export { indicatorsJob, completedMonths, INDICATORS_JOB, type IndicatorPorts } from './job.js';
export { IndicatorReports, indicatorPorts, loadIndicatorInputs } from './store.js';

/** Who read which indicators: an AuditEvent per request, naming no client (there is none in them). */
export function indicatorAccessAudit(
  auditLog: AuditLog,
  sourceSystem: string,
  now: () => Date,
): (
  principal: Principal,
  interaction: 'read' | 'search-type',
  requestId: string | undefined,
) => Promise<void> {
  return async (principal, interaction, requestId) => {
    await auditLog.append(
      auditEvent({
        principal,
        action: 'R',
        interaction,
        outcome: '0',
        what: [{ type: 'MeasureReport' }],
        legalBasis: 'legal-obligation',
        sourceSystem,
        recorded: now(),
        ...(requestId ? { requestId } : {}),
      }),
    );
  };
}
