/**
 * Intake questionnaires: SDC pre-population ($populate) and observation-based extraction
 * ($extract) as pure functions over data passed in; the HTTP operations call these.
 */
export {
  populate,
  type AnswerSource,
  type ItemStatus,
  type PopulateContext,
  type PopulateReport,
  type PopulateResult,
  type ReportItem,
  type SourceKind,
} from './populate.js';
export { extract } from './extract.js';
export { referralReport, type ReferralReport } from './report.js';
export { EXT as QUESTIONNAIRE_EXTENSIONS } from './sdc.js';
