/**
 * The intake report of a referral: over the questionnaires a receiver uses at intake, which
 * questions the record already answers, which are still open and which are monitoring questions
 * (asked every time), so that the intake asks only what is not known (rule R2).
 */
import type { Questionnaire } from '@medplum/fhirtypes';
import { populate, type PopulateContext, type PopulateReport } from './populate.js';

export interface ReferralReport {
  /** The referral (e.g. `ServiceRequest/123`) the record was gathered for, when given. */
  referral?: string;
  questionnaires: PopulateReport[];
  answeredBefore: number;
  open: number;
  monitoring: number;
}

export function referralReport(
  questionnaires: readonly Questionnaire[],
  context: PopulateContext,
  referral?: string,
): ReferralReport {
  const reports = questionnaires.map((q) => populate(q, context).report);
  const sum = (pick: (r: PopulateReport) => number): number => reports.reduce((n, r) => n + pick(r), 0);
  return {
    ...(referral ? { referral } : {}),
    questionnaires: reports,
    answeredBefore: sum((r) => r.answeredBefore),
    open: sum((r) => r.open),
    monitoring: sum((r) => r.monitoring),
  };
}
