/** Canonical URLs and codes the code relies on; the contract is docs/artefacts.md. */
export const CANONICAL_BASE = 'https://overdracht.dev/fhir';
export const cs = (id: string): string => `${CANONICAL_BASE}/CodeSystem/${id}`;
export const sd = (id: string): string => `${CANONICAL_BASE}/StructureDefinition/${id}`;
export const vs = (id: string): string => `${CANONICAL_BASE}/ValueSet/${id}`;

export const SYSTEMS = {
  bsn: 'http://fhir.nl/fhir/NamingSystem/bsn',
  agb: 'http://fhir.nl/fhir/NamingSystem/agb-z',
  ura: 'http://fhir.nl/fhir/NamingSystem/ura',
  uzi: 'http://fhir.nl/fhir/NamingSystem/uzi-nr-pers',
  big: 'http://fhir.nl/fhir/NamingSystem/big',
  listEmptyReason: 'http://terminology.hl7.org/CodeSystem/list-empty-reason',
  messageEvent: cs('message-event'),
  documentType: cs('document-type'),
  summarySection: cs('summary-section'),
  taskBusinessStatus: cs('task-business-status'),
  referralCategory: cs('referral-category'),
  organizationType: cs('organization-type'),
  sharingPurpose: cs('sharing-purpose'),
} as const;

/** The sections every previous-treatment summary carries (rule R1). */
export const SUMMARY_SECTIONS = [
  'diagnoses-problems',
  'treatment-history',
  'medication',
  'outcome-measurements',
  'risks-crisis-plan',
  'legal-status',
  'social-situation',
  'relatives-household',
  'care-team',
  'intake-answers',
] as const;
export type SummarySection = (typeof SUMMARY_SECTIONS)[number];

/** emptyReason codes that say something was looked for; `notasked` does not. */
export const EMPTY_REASONS_THAT_PASS = ['nilknown', 'withheld', 'unavailable'] as const;

export const PROFILES = {
  patient: sd('ov-patient'),
  referralServiceRequest: sd('ov-referral-servicerequest'),
  referralTask: sd('ov-referral-task'),
  referralMessage: sd('ov-referral-message'),
  summary: sd('ov-previous-treatment-summary'),
  summaryDocument: sd('ov-previous-treatment-summary-document'),
  handoverBundle: sd('ov-handover-bundle'),
  feedback: sd('ov-feedback'),
  consent: sd('ov-consent'),
} as const;
