// The previous-treatment summary (R1: prior treatment travels with every referral) and the
// document Bundle that carries it on its own. Section contents follow BgZ / BgGGZ; empty
// sections say why they are empty, as in the International Patient Summary.

Alias: $docType = https://overdracht.dev/fhir/CodeSystem/document-type
Alias: $summarySection = https://overdracht.dev/fhir/CodeSystem/summary-section

Invariant: ov-section-1
Description: "A section either lists entries or says why it has none (emptyReason): 'asked, nothing found' differs from 'never asked'. Core cmp-2 forbids both at once."
Severity: #error
Expression: "entry.exists() or emptyReason.exists()"

RuleSet: SummarySection(slice, code, short)
* section[{slice}] ^short = "{short}"
* section[{slice}].code = $summarySection#{code}

Profile: OvPreviousTreatmentSummary
Parent: Composition
Id: ov-previous-treatment-summary
Title: "overdracht previous-treatment summary"
Description: "What a receiver must know of earlier diagnostics and treatment, in ten fixed sections (summary-section). Every section is present; each lists entries or carries an emptyReason (list-empty-reason-gate), never both."
* status MS
* type MS
* type = $docType#previous-treatment-summary
* subject 1..1 MS
* subject only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-patient)
* date MS
* author MS
* author only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-practitionerrole or https://overdracht.dev/fhir/StructureDefinition/ov-practitioner or https://overdracht.dev/fhir/StructureDefinition/ov-organization)
* title MS
* custodian 1..1 MS
* custodian only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-organization)
* section MS
* section obeys ov-section-1
* section.title MS
* section.code 1..1 MS
* section.text 1..1 MS
* section.text ^short = "Human-readable narrative of the section, also when it is empty"
* section.entry MS
* section.emptyReason MS
* section.emptyReason from https://overdracht.dev/fhir/ValueSet/list-empty-reason-gate (required)
* section ^slicing.discriminator.type = #pattern
* section ^slicing.discriminator.path = "code"
* section ^slicing.rules = #closed
* section ^slicing.description = "One section per code of summary-section, in any order."
* section contains
    diagnosesProblems 1..1 MS and
    treatmentHistory 1..1 MS and
    medication 1..1 MS and
    outcomeMeasurements 1..1 MS and
    risksCrisisPlan 1..1 MS and
    legalStatus 1..1 MS and
    socialSituation 1..1 MS and
    relativesHousehold 1..1 MS and
    careTeam 1..1 MS and
    intakeAnswers 1..1 MS
* insert SummarySection(diagnosesProblems, diagnoses-problems, Diagnoses and problems)
* section[diagnosesProblems].entry only Reference(Condition)
* insert SummarySection(treatmentHistory, treatment-history, Treatment history - earlier episodes and procedures and contacts)
* section[treatmentHistory].entry only Reference(EpisodeOfCare or Procedure or Encounter)
* insert SummarySection(medication, medication, Medication)
* section[medication].entry only Reference(MedicationStatement)
* insert SummarySection(outcomeMeasurements, outcome-measurements, Outcome measurements - ROM)
* section[outcomeMeasurements].entry only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-rom-observation)
* insert SummarySection(risksCrisisPlan, risks-crisis-plan, Risks and crisis plan)
* section[risksCrisisPlan].entry only Reference(RiskAssessment or CarePlan)
* insert SummarySection(legalStatus, legal-status, Legal status - as in zib LegalSituation a Condition with category SNOMED 303186005)
* section[legalStatus].entry only Reference(Observation or Condition or Consent)
* insert SummarySection(socialSituation, social-situation, Housing and work and income - ZRM and Positive Health and other observations)
* section[socialSituation].entry only Reference(https://overdracht.dev/fhir/StructureDefinition/ov-zrm-observation or https://overdracht.dev/fhir/StructureDefinition/ov-positive-health-observation or Observation)
* insert SummarySection(relativesHousehold, relatives-household, Relatives and household)
* section[relativesHousehold].entry only Reference(RelatedPerson or FamilyMemberHistory)
* insert SummarySection(careTeam, care-team, Care team)
* section[careTeam].entry only Reference(CareTeam)
* insert SummarySection(intakeAnswers, intake-answers, Answers already given - intake questionnaires)
* section[intakeAnswers].entry only Reference(QuestionnaireResponse)

Profile: OvPreviousTreatmentSummaryDocument
Parent: Bundle
Id: ov-previous-treatment-summary-document
Title: "overdracht previous-treatment summary document"
Description: "The previous-treatment summary as a FHIR document: the Composition first (bdl-11), then the Patient and every resource the sections reference. Identifier and timestamp are required; every reference resolves inside the Bundle (ov-bdl-ref-1)."
* identifier 1..1 MS
* identifier.system 1..1
* identifier.value 1..1
* type = #document (exactly)
* timestamp 1..1 MS

* entry obeys ov-bdl-ref-1
* entry.fullUrl 1..1 MS
* entry.resource 1..1 MS
* entry ^slicing.discriminator.type = #type
* entry ^slicing.discriminator.path = "resource"
* entry ^slicing.rules = #open
* entry ^slicing.description = "By resource type. bdl-11 puts the Composition first."
* entry contains composition 1..1 MS and patient 1..1 MS
* entry[composition].resource only OvPreviousTreatmentSummary
* entry[patient].resource only https://overdracht.dev/fhir/StructureDefinition/ov-patient
