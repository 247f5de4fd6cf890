/**
 * Which section of the previous-treatment summary a resource of the client record belongs to,
 * following the entry types of the profile ov-previous-treatment-summary (profiles/input/fsh/summary.fsh)
 * and the codes of docs/artefacts.md. A resource that fits no section (the client, organisations,
 * consents, the referral itself) is not summary content.
 */
import type { Coding, Observation, Resource } from '@medplum/fhirtypes';
import { cs, type SummarySection } from '../fhir/codes.js';

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
/** zib LegalSituation: a Condition with category SNOMED 303186005. */
const LEGAL_STATUS = '303186005';
/** ROM instruments: PHQ-9 total and items panel, GAD-7, and the project's rom-instrument codes. */
const ROM_LOINC = new Set(['44261-6', '44249-1', '70274-6']);
const SOCIAL_SYSTEMS = new Set([cs('zrm-domain'), cs('life-domain'), cs('positive-health-dimension')]);
const SOCIAL_SNOMED = new Set(['365508006', '364703007', '365469004']);

export function sectionOf(r: Resource): SummarySection | undefined {
  switch (r.resourceType) {
    case 'Condition': {
      const legal =
        (r.category ?? []).some((c) => hasCode(c.coding, SNOMED, LEGAL_STATUS)) ||
        (r.code?.coding ?? []).some((c) => c.system === cs('legal-status'));
      return legal ? 'legal-status' : 'diagnoses-problems';
    }
    case 'EpisodeOfCare':
    case 'Procedure':
    case 'Encounter':
      return 'treatment-history';
    case 'MedicationStatement':
      return 'medication';
    case 'Observation':
      return observationSection(r);
    case 'RiskAssessment':
    case 'CarePlan':
      return 'risks-crisis-plan';
    case 'RelatedPerson':
    case 'FamilyMemberHistory':
      return 'relatives-household';
    case 'CareTeam':
      return 'care-team';
    case 'QuestionnaireResponse':
      return 'intake-answers';
    default:
      return undefined;
  }
}

function observationSection(o: Observation): SummarySection | undefined {
  const codes = o.code.coding ?? [];
  if (
    codes.some(
      (c) => c.system === cs('rom-instrument') || (c.system === LOINC && ROM_LOINC.has(c.code ?? '')),
    )
  )
    return 'outcome-measurements';
  if (codes.some((c) => c.system === cs('legal-status'))) return 'legal-status';
  if (
    codes.some(
      (c) => SOCIAL_SYSTEMS.has(c.system ?? '') || (c.system === SNOMED && SOCIAL_SNOMED.has(c.code ?? '')),
    )
  )
    return 'social-situation';
  const survey = (o.category ?? []).some((c) =>
    hasCode(c.coding, 'http://terminology.hl7.org/CodeSystem/observation-category', 'survey'),
  );
  const social = (o.category ?? []).some((c) =>
    hasCode(c.coding, 'http://terminology.hl7.org/CodeSystem/observation-category', 'social-history'),
  );
  if (social) return 'social-situation';
  return survey ? 'outcome-measurements' : undefined;
}

function hasCode(codings: readonly Coding[] | undefined, system: string, code: string): boolean {
  return (codings ?? []).some((c) => c.system === system && c.code === code);
}
